"""Moderators see attachments and may remove them (and purge a banned user's uploads)."""

from django.db import migrations

PERMISSIONS = ["view_attachment", "remove_attachment"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate` finishes; make sure they exist now.
    app_config = apps.get_app_config("messaging")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = previous or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="moderators")
    found = list(
        Permission.objects.filter(content_type__app_label="messaging", codename__in=PERMISSIONS)
    )
    if {p.codename for p in found} != set(PERMISSIONS):
        raise RuntimeError(f"missing permissions: {PERMISSIONS}")
    group.permissions.add(*found)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="moderators").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="messaging", codename__in=PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0007_attachments"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="attachment",
            options={
                "ordering": ["position", "id"],
                "permissions": [
                    (
                        "remove_attachment",
                        "Can remove attachments and purge a banned user's uploads",
                    )
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
