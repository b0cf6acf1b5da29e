"""Migration messaging.0011 gives messages stored before issue 15 what new ones get:
rendered HTML, mentions and change numbers."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("messaging", "0010_reactions_replies_pins_changes")]
AFTER = [("messaging", "0011_backfill_html_mentions_changes")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_messages_are_rendered_and_numbered(user, other_user, user_factory):
    apps = migrate(BEFORE)
    Conversation = apps.get_model("conversations", "Conversation")
    Member = apps.get_model("conversations", "ConversationMember")
    Message = apps.get_model("messaging", "Message")
    gone = user_factory(username="gone", is_active=False)
    group = Conversation.objects.create(type="group", name="Old", last_seq=2)
    for person in (user, other_user, gone):
        Member.objects.create(conversation_id=group.id, user_id=person.id)
    first = Message.objects.create(
        conversation_id=group.id, seq=1, sender_id=user.id, content="**hi** @bob and @gone"
    )
    second = Message.objects.create(
        conversation_id=group.id, seq=2, sender_id=other_user.id, content="<b>x</b>"
    )
    assert (first.content_html, first.change_seq) == ("", 0)

    apps = migrate(AFTER)
    Conversation = apps.get_model("conversations", "Conversation")
    Message = apps.get_model("messaging", "Message")
    first, second = Message.objects.filter(conversation_id=group.id).order_by("seq")
    assert first.content_html == (
        f'<p><strong>hi</strong> <span class="mention" data-user-id="{other_user.id}">@bob</span>'
        " and @gone</p>"
    )
    assert (first.mention_ids, first.change_seq) == ([other_user.id], 1)
    assert (second.content_html, second.mention_ids, second.change_seq) == (
        "<p>&lt;b&gt;x&lt;/b&gt;</p>",
        [],
        2,
    )
    assert Conversation.objects.get(pk=group.id).last_change_seq == 2
