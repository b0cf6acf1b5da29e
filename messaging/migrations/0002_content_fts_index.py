"""GIN index for message search, on PostgreSQL only.

It is an expression index over to_tsvector('simple', content): the search
selector filters with the very same expression so the planner uses it. SQLite
(embedded mode) has no such index and falls back to icontains.
"""

from django.db import migrations

INDEX = "messaging_content_fts"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON messaging_message "
            "USING gin (to_tsvector('simple'::regconfig, content))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
