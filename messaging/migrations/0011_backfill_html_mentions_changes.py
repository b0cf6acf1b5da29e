"""Existing messages get what new ones are written with (docs/api.md, "Formatting" and
"Catching up"):

* `content_html` and `mention_ids`, rendered by messaging.formatting with the mentions
  of each conversation's active members (as a send would now);
* `change_seq` = `seq` (each message's one change so far is its sending), and each
  conversation's `last_change_seq` = `last_seq`, so change numbers go on from there.

Rows are read and written in batches of 1,000 per conversation. Moderators may also see
reactions in the admin (`view_reaction`).
"""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Lower

BATCH = 1000
MODERATORS = "moderators"


def backfill(apps, schema_editor):
    from messaging.formatting import MENTION_RE, render

    Conversation = apps.get_model("conversations", "Conversation")
    ConversationMember = apps.get_model("conversations", "ConversationMember")
    Message = apps.get_model("messaging", "Message")
    Conversation.objects.update(last_change_seq=F("last_seq"))
    for conversation_id in Conversation.objects.values_list("id", flat=True).iterator():
        members = dict(
            ConversationMember.objects.filter(conversation_id=conversation_id, user__is_active=True)
            .annotate(name=Lower("user__username"))
            .values_list("name", "user_id")
        )
        last_id = 0
        while True:
            batch = list(
                Message.objects.filter(conversation_id=conversation_id, id__gt=last_id)
                .order_by("id")
                .only("id", "seq", "content")[:BATCH]
            )
            if not batch:
                break
            for message in batch:
                mentionable = members if MENTION_RE.search(message.content) else None
                rendered = render(message.content, mentionable)
                message.content_html = rendered.html
                message.mention_ids = rendered.mention_ids
                message.change_seq = message.seq
            Message.objects.bulk_update(batch, ["content_html", "mention_ids", "change_seq"])
            last_id = batch[-1].id


def moderators_see_reactions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("messaging")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = previous or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=MODERATORS).first()
    if group is not None:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="messaging", codename="view_reaction")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0004_change_seq"),
        ("messaging", "0010_reactions_replies_pins_changes"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(moderators_see_reactions, migrations.RunPython.noop),
    ]
