"""The `moderators` group gets what docs/moderation.md promises: suspend, mute, write
private notes, remove members from groups and rooms, delete conversations, and look at
mutes and notes. Before this the docs promised deleting conversations and removing members
while the group could not."""

from django.db import migrations

ADDED = {
    "accounts": ["suspend_user", "mute_user", "add_moderatornote", "view_moderatornote"],
    "conversations": ["delete_conversation", "delete_conversationmember", "view_mute"],
}


def _create_permissions(apps):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous


def grant(apps, schema_editor):
    _create_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="moderators")
    for app_label, codenames in ADDED.items():
        found = list(
            Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise RuntimeError(f"missing permissions {app_label}: {sorted(missing)}")
        group.permissions.add(*found)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="moderators").first()
    if group is None:
        return
    for app_label, codenames in ADDED.items():
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_moderation_sanctions"),
        ("conversations", "0006_moderation_mutes"),
        ("messaging", "0012_system_message_type"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
