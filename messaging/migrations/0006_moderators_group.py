"""The `moderators` group: what a moderator may see and do in the admin.

A superuser makes someone a moderator by giving them staff status (needed to log in to
the admin at all) and adding them to this group. The permissions are view-only plus the
custom action permissions; nobody in the group can edit message text, change accounts
or permissions, or delete anything.
"""

from django.db import migrations

GROUP = "moderators"

PERMISSIONS = {
    "accounts": ["view_user", "ban_user", "view_moderationlog"],
    "conversations": ["view_conversation", "view_conversationmember"],
    "messaging": ["view_message", "redact_message", "view_report", "resolve_report"],
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate` finishes; make sure they exist now.
    for app_config in apps.get_app_configs():
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codenames in PERMISSIONS.items():
        found = list(
            Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise RuntimeError(f"missing permissions {app_label}: {sorted(missing)}")
        group.permissions.add(*found)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0002_notifications_moderation_log"),
        ("conversations", "0001_initial"),
        ("messaging", "0005_reports"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
