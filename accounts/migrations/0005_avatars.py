from django.db import migrations, models


def forget_avatar_urls(apps, schema_editor):
    """The field held an external URL no API could set; it now holds the key of an
    uploaded avatar's files (chat_project.avatars). Old values cannot be keys."""
    apps.get_model("accounts", "User").objects.exclude(avatar="").update(avatar="")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_moderation_attachment_actions"),
    ]

    operations = [
        migrations.RunPython(forget_avatar_urls, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="avatar",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
    ]
