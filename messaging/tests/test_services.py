import functools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from accounts.tests.factories import UserFactory, staff_with
from chat_project.exceptions import Conflict, Throttled
from conversations.models import ConversationMember
from conversations.tests.factories import direct_conversation, group_with
from friends.models import Block
from messaging import services
from messaging.api.serializers import MessageSerializer
from messaging.models import Message
from messaging.tests.factories import MessageFactory
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def send(actor, conversation, content="hello", **kwargs):
    return services.message_send(
        actor=actor, conversation_id=conversation.id, content=content, **kwargs
    )


def iso(value) -> str:
    """A timestamp as the JSON payloads write it (UTC, "Z")."""
    return value.isoformat().replace("+00:00", "Z")


def marker(user, conversation):
    return ConversationMember.objects.get(user=user, conversation=conversation)


# --- message_send ------------------------------------------------------------------------


def test_send_creates_message_with_seq_and_updates_conversation(user, group):
    message, created = send(user, group, "  hi there  ")
    assert created is True
    assert message.content == "hi there"
    assert message.seq == 1
    assert message.sender_id == user.id
    assert message.message_type == "text"
    group.refresh_from_db()
    assert group.last_seq == 1
    assert group.last_message_id == message.id
    assert group.last_message_at is not None
    second, _ = send(user, group, "again")
    assert second.seq == 2
    group.refresh_from_db()
    assert group.last_message_id == second.id


def test_send_seq_is_per_conversation(user, other_user, group, direct):
    send(user, group)
    send(user, group)
    message, _ = send(user, direct)
    assert message.seq == 1


def test_send_advances_senders_read_marker_only(user, other_user, group):
    message, _ = send(user, group)
    mine = marker(user, group)
    assert (mine.last_read_seq, mine.last_read_message_id) == (1, message.id)
    theirs = marker(other_user, group)
    assert (theirs.last_read_seq, theirs.last_read_message_id) == (0, None)


def test_send_emits_new_message_after_commit(
    user, group, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message, _ = send(user, group, "hello")
    assert len(callbacks) == 1
    assert sent_events == [
        (
            f"conversation.{group.id}",
            {
                "type": "new_message",
                "message": {
                    "id": message.id,
                    "conversation_id": group.id,
                    "seq": 1,
                    "change_seq": 1,
                    "sender_id": user.id,
                    "sender_username": "alice",
                    "sender_is_bot": False,
                    "message_type": "text",
                    "content": "hello",
                    "content_html": "<p>hello</p>",
                    "client_id": None,
                    "created_at": iso(message.created_at),
                    "edited_at": None,
                    "is_deleted": False,
                    "mentions": [],
                    "attachments": [],
                    "reactions": [],
                    "reply_to": None,
                    "pinned_at": None,
                    "pinned_by_id": None,
                    "system": None,
                    "transfer": None,
                },
            },
        )
    ]


def test_rolled_back_send_emits_nothing_and_leaves_no_trace(
    user, group, sent_events, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(user, group)
        raise RuntimeError("boom")
    assert callbacks == []
    assert sent_events == []
    assert not Message.objects.exists()
    group.refresh_from_db()
    assert group.last_seq == 0


@pytest.mark.parametrize("content", ["", "   ", "\n\t", None, 123, ["hi"], {"text": "hi"}, True])
def test_send_rejects_bad_content(user, group, content):
    with pytest.raises(ValidationError) as info:
        send(user, group, content)
    assert "content" in info.value.message_dict
    group.refresh_from_db()
    assert group.last_seq == 0


@override_settings(MESSAGE_MAX_LENGTH=10)
def test_send_content_length_limit_after_trim(user, group):
    message, _ = send(user, group, "  " + "x" * 10 + "  ")
    assert message.content == "x" * 10
    with pytest.raises(ValidationError) as info:
        send(user, group, "x" * 11)
    assert "content" in info.value.message_dict


def test_send_non_member_is_404(outsider, group):
    with pytest.raises(Http404):
        send(outsider, group)
    assert not Message.objects.exists()


@pytest.mark.parametrize("conversation_id", [999_999, "abc", None])
def test_send_unknown_conversation_is_404(user, conversation_id):
    with pytest.raises(Http404):
        services.message_send(actor=user, conversation_id=conversation_id, content="x")


@pytest.mark.parametrize("blocker_is_sender", [True, False])
def test_send_in_direct_chat_blocked_either_way_is_403(user, other_user, direct, blocker_is_sender):
    if blocker_is_sender:
        Block.objects.create(blocker=user, blocked=other_user)
    else:
        Block.objects.create(blocker=other_user, blocked=user)
    with pytest.raises(PermissionDenied):
        send(user, direct)
    direct.refresh_from_db()
    assert direct.last_seq == 0


@pytest.mark.parametrize("conversation_id", ["abc", True, None, 0, -1, 2**63, 10**30])
def test_send_to_a_garbage_conversation_id_is_not_found(user, conversation_id):
    with pytest.raises(Http404):
        services.message_send(actor=user, conversation_id=conversation_id, content="x")


def test_block_does_not_silence_groups(user, other_user, group):
    Block.objects.create(blocker=other_user, blocked=user)
    _, created = send(user, group)
    assert created


def test_send_client_id_replay_returns_first_without_event_or_seq(
    user, group, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = send(user, group, "hello", client_id="c-1")
    assert created
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again, created_again = send(user, group, "different text", client_id="c-1")
    assert created_again is False
    assert again.id == first.id
    assert again.content == "hello"
    assert callbacks == []
    assert len(sent_events) == 1
    group.refresh_from_db()
    assert group.last_seq == 1
    third, _ = send(user, group, "next", client_id="c-2")
    assert third.seq == 2


def test_client_id_is_per_sender(user, other_user, group):
    mine, _ = send(user, group, client_id="same")
    theirs, created = send(other_user, group, client_id="same")
    assert created
    assert theirs.id != mine.id


def test_client_id_reused_in_another_conversation_is_conflict(user, group, direct):
    send(user, group, client_id="k")
    with pytest.raises(Conflict):
        send(user, direct, client_id="k")


def test_empty_client_id_means_none(user, group):
    first, _ = send(user, group, client_id="")
    second, created = send(user, group, client_id="")
    assert created
    assert first.client_id is None and second.client_id is None


@pytest.mark.parametrize("client_id", ["x" * 65, 42, ["a"]])
def test_send_rejects_bad_client_id(user, group, client_id):
    with pytest.raises(ValidationError) as info:
        send(user, group, client_id=client_id)
    assert "client_id" in info.value.message_dict


def test_client_id_of_64_chars_is_fine(user, group):
    message, _ = send(user, group, client_id="x" * 64)
    assert message.client_id == "x" * 64


@override_settings(THROTTLE_RATES={"message_send": "3/min"})
def test_send_is_throttled_per_user(user, other_user, group):
    for _ in range(3):
        send(user, group)
    with pytest.raises(Throttled) as info:
        send(user, group)
    assert 0 < info.value.wait <= 60
    _, created = send(other_user, group)  # another user's budget is separate
    assert created
    group.refresh_from_db()
    assert group.last_seq == 4


@override_settings(THROTTLE_RATES={"message_send": "1/min"})
def test_replay_is_not_throttled(user, group):
    first, _ = send(user, group, client_id="r")
    again, created = send(user, group, client_id="r")
    assert (again.id, created) == (first.id, False)


# --- concurrency (real PostgreSQL) ---------------------------------------------------


def _run_threads(count, target):
    results = run_concurrently(*(functools.partial(target, i) for i in range(count)))
    assert [r for r in results if isinstance(r, BaseException)] == []


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_get_gapless_seq():
    senders = [UserFactory() for _ in range(8)]
    group = group_with(senders[0], *senders[1:])

    def work(index):
        for n in range(10):
            send(senders[index], group, f"{index}-{n}")

    _run_threads(8, work)
    seqs = list(
        Message.objects.filter(conversation=group).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(1, 81))
    ids_by_seq = list(
        Message.objects.filter(conversation=group).order_by("seq").values_list("id", flat=True)
    )
    assert ids_by_seq == sorted(ids_by_seq)  # ids follow seq inside a conversation
    group.refresh_from_db()
    assert group.last_seq == 80
    assert group.last_message_id == ids_by_seq[-1]


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_of_one_client_id_store_one_message():
    sender = UserFactory()
    group = group_with(sender)
    results: list[tuple[int, bool]] = []

    def work(index):
        message, created = send(sender, group, f"try {index}", client_id="same-key")
        results.append((message.id, created))

    _run_threads(8, work)
    assert Message.objects.count() == 1
    assert len({message_id for message_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    group.refresh_from_db()
    assert group.last_seq == 1  # the losers' increments were rolled back


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind,client_id", [("group", None), ("group", "budget"), ("direct", None)])
def test_send_query_budget(kind, client_id):
    """Outside any transaction (as in a view): one statement that checks membership (and
    blocks in a direct chat) and writes; no BEGIN/COMMIT, a single statement is atomic."""
    alice, bob = UserFactory(), UserFactory()
    conversation = direct_conversation(alice, bob) if kind == "direct" else group_with(alice, bob)
    send(alice, conversation, "warm up")
    with CaptureQueriesContext(connection) as ctx:
        _, created = send(alice, conversation, "counted", client_id=client_id)
    assert created
    statements = [q["sql"] for q in ctx.captured_queries]
    assert not [sql for sql in statements if sql.startswith(TRANSACTION_CONTROL)], statements
    assert len(statements) == 1, statements


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_send_with_a_mention_commits_message_and_notification_together():
    """A mention adds its notification queries inside one transaction with the message:
    BEGIN, write, mentioned members, blocks, notification insert + read-back for the
    event, COMMIT."""
    alice, bob = UserFactory(), UserFactory()
    group = group_with(alice, bob)
    with CaptureQueriesContext(connection) as ctx:
        message, _ = send(alice, group, f"hi @{bob.username}")
    statements = [q["sql"] for q in ctx.captured_queries]
    assert statements[0].startswith("BEGIN") and statements[-1].startswith("COMMIT"), statements
    assert len(statements) <= 7, statements
    assert Notification.objects.filter(recipient=bob, message_id=message.id).exists()


# --- message_mark_read -------------------------------------------------------------------


def test_mark_read_moves_marker_and_emits(
    user, other_user, group, sent_events, django_capture_on_commit_callbacks
):
    send(user, group)
    second, _ = send(user, group)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_mark_read(actor=other_user, conversation_id=group.id, message_id=second.id)
    theirs = marker(other_user, group)
    assert (theirs.last_read_seq, theirs.last_read_message_id) == (2, second.id)
    assert sent_events == [
        (
            f"conversation.{group.id}",
            {
                "type": "read",
                "conversation_id": group.id,
                "user_id": other_user.id,
                "message_id": second.id,
                "seq": 2,
            },
        )
    ]


def test_mark_read_never_moves_backwards(
    user, other_user, group, sent_events, django_capture_on_commit_callbacks
):
    first, _ = send(user, group)
    second, _ = send(user, group)
    services.message_mark_read(actor=other_user, conversation_id=group.id, message_id=second.id)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.message_mark_read(actor=other_user, conversation_id=group.id, message_id=first.id)
    assert callbacks == []
    assert marker(other_user, group).last_read_seq == 2


def test_mark_read_message_of_other_conversation_is_404(user, other_user, group, direct):
    elsewhere, _ = send(user, direct)
    with pytest.raises(Http404):
        services.message_mark_read(
            actor=other_user, conversation_id=group.id, message_id=elsewhere.id
        )


def test_mark_read_non_member_is_404(user, outsider, group):
    message, _ = send(user, group)
    with pytest.raises(Http404):
        services.message_mark_read(actor=outsider, conversation_id=group.id, message_id=message.id)


@pytest.mark.parametrize("message_id", [999_999, "abc", None, True])
def test_mark_read_unknown_message_is_404(other_user, group, message_id):
    with pytest.raises(Http404):
        services.message_mark_read(
            actor=other_user, conversation_id=group.id, message_id=message_id
        )


def test_mark_read_deleted_message_is_allowed(user, other_user, group):
    message = MessageFactory(conversation=group, sender=user, is_deleted=True)
    services.message_mark_read(actor=other_user, conversation_id=group.id, message_id=message.id)
    assert marker(other_user, group).last_read_message_id == message.id


# --- message_edit ------------------------------------------------------------------------


def edit(actor, message, content="edited"):
    return services.message_edit(actor=actor, message_id=message.id, content=content)


def test_edit_changes_text_and_emits(user, group, sent_events, django_capture_on_commit_callbacks):
    message, _ = send(user, group, "before")
    with django_capture_on_commit_callbacks(execute=True):
        edited = edit(user, message, "  after ")
    assert edited.content == "after"
    assert edited.edited_at is not None
    assert edited.seq == message.seq
    assert sent_events == [
        (
            f"conversation.{group.id}",
            {
                "type": "message_updated",
                "message": {
                    "id": message.id,
                    "conversation_id": group.id,
                    "seq": 1,
                    "change_seq": 2,
                    "sender_id": user.id,
                    "sender_username": "alice",
                    "sender_is_bot": False,
                    "message_type": "text",
                    "content": "after",
                    "content_html": "<p>after</p>",
                    "client_id": None,
                    "created_at": iso(message.created_at),
                    "edited_at": iso(edited.edited_at),
                    "is_deleted": False,
                    "mentions": [],
                    "attachments": [],
                    "reactions": [],
                    "reply_to": None,
                    "pinned_at": None,
                    "pinned_by_id": None,
                    "system": None,
                    "transfer": None,
                },
            },
        )
    ]


def test_edit_same_text_is_a_no_op(user, group, django_capture_on_commit_callbacks):
    message, _ = send(user, group, "same")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        edited = edit(user, message, " same ")
    assert callbacks == []
    assert edited.edited_at is None


def test_edit_by_other_member_is_403(user, other_user, group):
    message, _ = send(user, group)
    with pytest.raises(PermissionDenied):
        edit(other_user, message)


def test_edit_by_group_admin_is_still_403(user, other_user, group):
    message, _ = send(other_user, group)
    with pytest.raises(PermissionDenied):
        edit(user, message)  # admins delete, they do not put words in others' mouths


def test_edit_by_non_member_is_404(user, outsider, group):
    message, _ = send(user, group)
    with pytest.raises(Http404):
        edit(outsider, message)


def test_edit_after_leaving_is_404(user, other_user, group):
    message, _ = send(other_user, group)
    ConversationMember.objects.filter(user=other_user, conversation=group).delete()
    with pytest.raises(Http404):
        edit(other_user, message)


def test_edit_deleted_message_is_rejected(user, group):
    message, _ = send(user, group)
    services.message_delete(actor=user, message_id=message.id)
    with pytest.raises(ValidationError):
        edit(user, message)


@pytest.mark.parametrize("content", ["", "   ", None, 7])
def test_edit_bad_content(user, group, content):
    message, _ = send(user, group, "keep")
    with pytest.raises(ValidationError):
        edit(user, message, content)
    message.refresh_from_db()
    assert message.content == "keep"


def test_edit_blocked_direct_is_403(user, other_user, direct):
    message, _ = send(user, direct)
    Block.objects.create(blocker=other_user, blocked=user)
    with pytest.raises(PermissionDenied):
        edit(user, message)


@pytest.mark.parametrize("message_id", [999_999, "abc", None])
def test_edit_unknown_message_is_404(user, message_id):
    with pytest.raises(Http404):
        services.message_edit(actor=user, message_id=message_id, content="x")


# --- message_delete ----------------------------------------------------------------------


def test_delete_soft_deletes_and_emits(
    user, group, sent_events, django_capture_on_commit_callbacks
):
    message, _ = send(user, group, "regret")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(actor=user, message_id=message.id)
    message.refresh_from_db()
    assert message.is_deleted
    assert message.deleted_at is not None
    assert message.deleted_by_id == user.id
    assert message.content == "regret"  # kept for moderation
    assert MessageSerializer(message).data["content"] == ""
    assert sent_events == [
        (
            f"conversation.{group.id}",
            {
                "type": "message_deleted",
                "conversation_id": group.id,
                "message_id": message.id,
                "change_seq": 2,  # sent (1), deleted (2)
            },
        )
    ]


def test_delete_keeps_seq_and_last_message(user, group):
    message, _ = send(user, group)
    services.message_delete(actor=user, message_id=message.id)
    group.refresh_from_db()
    assert (group.last_seq, group.last_message_id) == (1, message.id)
    after, _ = send(user, group)
    assert after.seq == 2


def test_delete_twice_is_idempotent_without_second_event(
    user, group, django_capture_on_commit_callbacks
):
    message, _ = send(user, group)
    services.message_delete(actor=user, message_id=message.id)
    message.refresh_from_db()
    deleted_at = message.deleted_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.message_delete(actor=user, message_id=message.id)
    assert callbacks == []
    message.refresh_from_db()
    assert message.deleted_at == deleted_at


def test_group_admin_may_delete_others_messages(user, other_user, group):
    message, _ = send(other_user, group)
    services.message_delete(actor=user, message_id=message.id)
    message.refresh_from_db()
    assert message.is_deleted and message.deleted_by_id == user.id


def test_plain_member_may_not_delete_others_messages(user, other_user, group):
    message, _ = send(user, group)
    with pytest.raises(PermissionDenied):
        services.message_delete(actor=other_user, message_id=message.id)


def test_direct_chat_has_no_admin_powers(user, other_user, direct):
    ConversationMember.objects.filter(conversation=direct, user=user).update(role="admin")
    message, _ = send(other_user, direct)
    with pytest.raises(PermissionDenied):
        services.message_delete(actor=user, message_id=message.id)


def test_delete_by_non_member_is_404(user, outsider, group):
    message, _ = send(user, group)
    with pytest.raises(Http404):
        services.message_delete(actor=outsider, message_id=message.id)


# --- message_redact ----------------------------------------------------------------------


def test_redact_by_staff(user, group, sent_events, django_capture_on_commit_callbacks):
    moderator = staff_with("messaging.redact_message")  # not a member of the conversation
    message, _ = send(user, group)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_redact(actor=moderator, message_id=message.id)
        services.message_redact(actor=moderator, message_id=message.id)  # idempotent
    message.refresh_from_db()
    assert message.is_deleted and message.deleted_by_id == moderator.id
    assert [event["type"] for _, event in sent_events] == ["message_deleted"]


def test_redact_by_non_staff_is_403(user, group):
    message, _ = send(user, group)
    with pytest.raises(PermissionDenied):
        services.message_redact(actor=user, message_id=message.id)


def test_redact_unknown_is_404():
    with pytest.raises(Http404):
        services.message_redact(actor=staff_with("messaging.redact_message"), message_id=999_999)


def test_redact_needs_a_redact_or_change_permission(user, group):
    message, _ = send(user, group)
    with pytest.raises(PermissionDenied):
        services.message_redact(actor=UserFactory(is_staff=True), message_id=message.id)
    services.message_redact(actor=staff_with("messaging.change_message"), message_id=message.id)
    message.refresh_from_db()
    assert message.is_deleted
