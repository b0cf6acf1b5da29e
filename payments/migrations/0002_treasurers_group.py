"""Who may see and move money in the admin.

- `moderators` (messaging/migrations/0006) may *view* wallets, transfers and ledger
  entries: a report about a payment can be checked against the ledger.
- `treasurers` may also issue and withdraw money and reverse transfers
  (`payments.issue_money`, `payments.reverse_transfer`). A superuser makes someone a
  treasurer by giving them staff status and adding them to this group.
"""

from django.db import migrations

VIEW = ["view_wallet", "view_transfer", "view_ledgerentry"]
GROUPS = {
    "moderators": VIEW,
    "treasurers": [*VIEW, "issue_money", "reverse_transfer"],
}


def add_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate` finishes; make sure they exist now.
    for app_config in apps.get_app_configs():
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        found = list(
            Permission.objects.filter(content_type__app_label="payments", codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise RuntimeError(f"missing permissions payments: {sorted(missing)}")
        group.permissions.add(*found)


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    payments = Permission.objects.filter(content_type__app_label="payments")
    for group in Group.objects.filter(name="moderators"):
        group.permissions.remove(*payments)
    Group.objects.filter(name="treasurers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("messaging", "0006_moderators_group"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
