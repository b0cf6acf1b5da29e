import pytest
from django.test import override_settings

from accounts.models import User
from conversations.models import ConversationMember
from conversations.tests.factories import group_with
from friends.models import Block
from messaging.models import Message
from messaging.tests.factories import AttachmentFactory, MessageFactory

pytestmark = pytest.mark.django_db

MESSAGE_KEYS = {
    "id",
    "conversation_id",
    "seq",
    "sender_id",
    "sender_username",
    "sender_is_bot",
    "content",
    "message_type",
    "client_id",
    "created_at",
    "edited_at",
    "is_deleted",
    "attachments",
    "content_html",
    "mentions",
    "reply_to",
    "reactions",
    "pinned_at",
    "pinned_by_id",
    "change_seq",
    "transfer",
    "system",
}


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


@pytest.fixture
def bob(client_for, other_user):
    return client_for(other_user)


@pytest.fixture
def mallory(client_for, outsider):
    return client_for(outsider)


def post(client, body, **kwargs):
    return client.post("/api/messages", body, format="json", **kwargs)


# --- POST /api/messages ------------------------------------------------------------------


def test_send_returns_201_message(alice, user, group):
    response = post(alice, {"conversation_id": group.id, "content": " Hello ", "client_id": "c1"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == MESSAGE_KEYS
    assert body["content"] == "Hello"
    assert body["seq"] == 1
    assert body["sender_id"] == user.id
    assert body["sender_username"] == "alice"
    assert body["conversation_id"] == group.id
    assert body["message_type"] == "text"
    assert body["client_id"] == "c1"
    assert body["edited_at"] is None
    assert body["is_deleted"] is False
    assert body["transfer"] is None
    assert body["created_at"].endswith("Z")


def test_send_with_trailing_slash(alice, group):
    response = alice.post(
        "/api/messages/", {"conversation_id": group.id, "content": "x"}, format="json"
    )
    assert response.status_code == 201


def test_send_replay_returns_200_and_first_message(
    alice, group, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(alice, {"conversation_id": group.id, "content": "one", "client_id": "k"})
        again = post(alice, {"conversation_id": group.id, "content": "two", "client_id": "k"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(sent_events) == 1
    assert Message.objects.count() == 1


def test_send_event_reaches_conversation_group(
    alice, group, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = post(alice, {"conversation_id": group.id, "content": "hey"}).json()
    assert sent_events == [(f"conversation.{group.id}", {"type": "new_message", "message": body})]


def test_send_client_id_reused_in_other_conversation_is_409(alice, group, direct):
    assert (
        post(alice, {"conversation_id": group.id, "content": "a", "client_id": "k"}).status_code
        == 201
    )
    response = post(alice, {"conversation_id": direct.id, "content": "b", "client_id": "k"})
    assert response.status_code == 409
    assert response.json()["code"] == "client_id_reused"
    assert Message.objects.count() == 1


def test_sender_is_always_request_user(alice, user, other_user, group):
    response = post(
        alice, {"conversation_id": group.id, "content": "x", "sender_id": other_user.id}
    )
    assert response.status_code == 201
    assert response.json()["sender_id"] == user.id


def test_send_non_member_is_404(mallory, group):
    response = post(mallory, {"conversation_id": group.id, "content": "x"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Message.objects.exists()


def test_send_unknown_conversation_is_404(alice):
    assert post(alice, {"conversation_id": 999_999, "content": "x"}).status_code == 404


def test_send_blocked_direct_is_403(alice, user, other_user, direct):
    Block.objects.create(blocker=other_user, blocked=user)
    response = post(alice, {"conversation_id": direct.id, "content": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"content": "x"}, "conversation_id"),
        ({"conversation_id": "abc", "content": "x"}, "conversation_id"),
        ({"conversation_id": True, "content": "x"}, "conversation_id"),
        ({"conversation_id": 1.5, "content": "x"}, "conversation_id"),
        ({"conversation_id": [1], "content": "x"}, "conversation_id"),
        ({"conversation_id": 0, "content": "x"}, "conversation_id"),
        ({"conversation_id": 2**64, "content": "x"}, "conversation_id"),
        ({"conversation_id": "GROUP"}, "content"),
        ({"conversation_id": "GROUP", "content": 123}, "content"),
        ({"conversation_id": "GROUP", "content": None}, "content"),
        ({"conversation_id": "GROUP", "content": ["hi"]}, "content"),
        ({"conversation_id": "GROUP", "content": {"a": 1}}, "content"),
        ({"conversation_id": "GROUP", "content": ""}, "content"),
        ({"conversation_id": "GROUP", "content": "   "}, "content"),
        ({"conversation_id": "GROUP", "content": "x" * 4001}, "content"),
        ({"conversation_id": "GROUP", "content": "x", "client_id": "c" * 65}, "client_id"),
        ({"conversation_id": "GROUP", "content": "x", "client_id": 5}, "client_id"),
    ],
)
def test_send_bad_input_is_400(alice, group, body, field):
    body = {k: (group.id if v == "GROUP" else v) for k, v in body.items()}
    response = post(alice, body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Message.objects.exists()


def test_send_4000_chars_after_trim_is_fine(alice, group):
    response = post(alice, {"conversation_id": group.id, "content": " " + "x" * 4000 + "\n"})
    assert response.status_code == 201
    assert len(response.json()["content"]) == 4000


def test_send_malformed_json_is_400(alice):
    response = alice.post("/api/messages", data="{nope", content_type="application/json")
    assert response.status_code == 400


def test_send_non_object_json_is_400(alice):
    response = alice.post("/api/messages", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400


@override_settings(THROTTLE_RATES={"message_send": "2/min"})
def test_send_throttled_is_429_with_retry_after(alice, group):
    for _ in range(2):
        assert post(alice, {"conversation_id": group.id, "content": "x"}).status_code == 201
    response = post(alice, {"conversation_id": group.id, "content": "x"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled"


def test_send_while_overloaded_is_429_overloaded_and_stores_nothing(alice, group, monkeypatch):
    """Back-pressure: while this process delivers events late, sends are refused."""
    from chat_project.realtime import bus as buses
    from chat_project.realtime import hub as hubs

    monkeypatch.setattr(hubs, "_overloaded_until_us", buses.now_us() + 1_500_000)
    response = post(alice, {"conversation_id": group.id, "content": "x", "client_id": "o-1"})
    assert response.status_code == 429
    assert response.json()["code"] == "overloaded"
    assert 1 <= int(response["Retry-After"]) <= 2
    assert not Message.objects.filter(conversation=group).exists()
    monkeypatch.setattr(hubs, "_overloaded_until_us", 0)
    response = post(alice, {"conversation_id": group.id, "content": "x", "client_id": "o-1"})
    assert response.status_code == 201


def test_send_unauthenticated_is_401(api_client, group):
    response = post(api_client, {"conversation_id": group.id, "content": "x"})
    assert response.status_code == 401


def test_put_is_not_allowed(alice, user, group):
    message = MessageFactory(conversation=group, sender=user)
    response = alice.put(f"/api/messages/{message.id}", {"content": "x"}, format="json")
    assert response.status_code == 405


# --- GET /api/messages/{id} --------------------------------------------------------------


def test_get_one_message(alice, mallory, user, group):
    message = MessageFactory(conversation=group, sender=user, content="hi")
    response = alice.get(f"/api/messages/{message.id}")
    assert response.status_code == 200
    assert response.json()["content"] == "hi"
    assert mallory.get(f"/api/messages/{message.id}").status_code == 404


@pytest.mark.parametrize("path", ["999999", "abc", "0", "-1", str(2**70)])
def test_get_unknown_message_is_404(alice, path):
    response = alice.get(f"/api/messages/{path}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- PATCH /api/messages/{id} ------------------------------------------------------------


def test_edit_own_message(alice, user, group, sent_events, django_capture_on_commit_callbacks):
    message = MessageFactory(conversation=group, sender=user, content="before")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.patch(f"/api/messages/{message.id}", {"content": " after "}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["content"] == "after"
    assert body["edited_at"] is not None
    assert sent_events == [
        (f"conversation.{group.id}", {"type": "message_updated", "message": body})
    ]


def test_edit_someone_elses_message_is_403(bob, user, group):
    message = MessageFactory(conversation=group, sender=user, content="mine")
    response = bob.patch(f"/api/messages/{message.id}", {"content": "hacked"}, format="json")
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.content == "mine"


def test_edit_as_non_member_is_404(mallory, user, group):
    message = MessageFactory(conversation=group, sender=user)
    response = mallory.patch(f"/api/messages/{message.id}", {"content": "x"}, format="json")
    assert response.status_code == 404


def test_edit_deleted_message_is_400(alice, user, group):
    message = MessageFactory(conversation=group, sender=user, is_deleted=True)
    response = alice.patch(f"/api/messages/{message.id}", {"content": "x"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize("body", [{}, {"content": ""}, {"content": 5}, {"content": "x" * 4001}])
def test_edit_bad_content_is_400(alice, user, group, body):
    message = MessageFactory(conversation=group, sender=user, content="keep")
    response = alice.patch(f"/api/messages/{message.id}", body, format="json")
    assert response.status_code == 400
    assert "content" in response.json()
    message.refresh_from_db()
    assert message.content == "keep"


@pytest.mark.parametrize("path", ["999999", "abc"])
def test_edit_unknown_message_is_404(alice, path):
    response = alice.patch(f"/api/messages/{path}", {"content": "x"}, format="json")
    assert response.status_code == 404


# --- DELETE /api/messages/{id} -----------------------------------------------------------


def test_delete_own_message(alice, user, group, sent_events, django_capture_on_commit_callbacks):
    message = MessageFactory(conversation=group, sender=user, content="oops")
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.delete(f"/api/messages/{message.id}")
    assert response.status_code == 204
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
    body = alice.get(f"/api/messages/{message.id}").json()
    assert body["is_deleted"] is True
    assert body["content"] == ""
    message.refresh_from_db()
    assert message.content == "oops"  # kept for moderation, never shown


def test_delete_twice_is_204_without_second_event(
    alice, user, group, sent_events, django_capture_on_commit_callbacks
):
    message = MessageFactory(conversation=group, sender=user)
    with django_capture_on_commit_callbacks(execute=True):
        assert alice.delete(f"/api/messages/{message.id}").status_code == 204
        assert alice.delete(f"/api/messages/{message.id}").status_code == 204
    assert len(sent_events) == 1


def test_group_admin_deletes_anyones_message(alice, other_user, group):
    message = MessageFactory(conversation=group, sender=other_user)
    assert alice.delete(f"/api/messages/{message.id}").status_code == 204


def test_member_cannot_delete_others_message(bob, user, group):
    message = MessageFactory(conversation=group, sender=user)
    assert bob.delete(f"/api/messages/{message.id}").status_code == 403
    message.refresh_from_db()
    assert not message.is_deleted


def test_delete_as_non_member_is_404(mallory, user, group):
    message = MessageFactory(conversation=group, sender=user)
    assert mallory.delete(f"/api/messages/{message.id}").status_code == 404


def test_delete_unknown_is_404(alice):
    assert alice.delete("/api/messages/999999").status_code == 404


# --- GET /api/messages/conversation/{id} -------------------------------------------------


def history(client, conversation_id, **params):
    return client.get(f"/api/messages/conversation/{conversation_id}", params)


def test_history_pages(alice, user, group):
    messages = [MessageFactory(conversation=group, sender=user) for _ in range(8)]
    ids = [m.id for m in messages]
    got = lambda **p: [m["id"] for m in history(alice, group.id, **p).json()]  # noqa: E731
    assert got() == ids
    assert got(limit=3) == ids[-3:]
    assert got(limit=3, before=ids[5]) == ids[2:5]
    assert got(limit=3, after=ids[1]) == ids[2:5]
    assert got(limit=2, skip=1) == ids[5:7]
    assert [m["seq"] for m in history(alice, group.id).json()] == list(range(1, 9))


def test_history_around_a_message(alice, user, group):
    ids = [MessageFactory(conversation=group, sender=user).id for _ in range(9)]
    got = lambda **p: [m["id"] for m in history(alice, group.id, **p).json()]  # noqa: E731
    assert got(around=ids[4], limit=5) == ids[2:7]
    assert got(around=ids[0], limit=5) == ids[:3]
    assert got(around=ids[8]) == ids


def test_history_around_a_message_elsewhere_is_404(alice, user, group, direct):
    MessageFactory(conversation=group, sender=user)
    elsewhere = MessageFactory(conversation=direct, sender=user)
    response = history(alice, group.id, around=elsewhere.id)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert history(alice, group.id, around=elsewhere.id + 1000).status_code == 404


def test_history_trailing_slash(alice, group):
    assert alice.get(f"/api/messages/conversation/{group.id}/").status_code == 200


def test_history_shows_deleted_messages_without_text(alice, user, group):
    MessageFactory(conversation=group, sender=user, content="secret", is_deleted=True)
    (body,) = history(alice, group.id).json()
    assert body["is_deleted"] is True
    assert body["content"] == ""


@pytest.mark.parametrize(
    "params,field",
    [
        ({"before": 1, "after": 2}, "non_field_errors"),
        ({"after": 2, "skip": 1}, "non_field_errors"),
        ({"around": 2, "before": 1}, "non_field_errors"),
        ({"around": 0}, "around"),
        ({"around": "x"}, "around"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"before": "abc"}, "before"),
        ({"after": "1.5"}, "after"),
        ({"after": str(2**70)}, "after"),
        ({"skip": -1}, "skip"),
        ({"skip": "x"}, "skip"),
    ],
)
def test_history_bad_params_are_400(alice, group, params, field):
    response = history(alice, group.id, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_history_non_member_is_404(mallory, user, group):
    MessageFactory(conversation=group, sender=user)
    response = history(mallory, group.id)
    assert response.status_code == 404


@pytest.mark.parametrize("conversation_id", ["999999", "abc", "0", str(2**70)])
def test_history_unknown_conversation_is_404(alice, conversation_id):
    assert history(alice, conversation_id).status_code == 404


def test_history_query_count_constant(alice, user, user_factory, group, django_assert_num_queries):
    def add(count):
        for _ in range(count):
            # Every sender has an avatar (a column of the user; a message names its sender,
            # whose picture is the member's in the conversation: docs/api.md, "Avatars").
            sender = user_factory(avatar=f"{User.objects.count():032x}")
            ConversationMember.objects.create(conversation=group, user=sender)
            message = MessageFactory(conversation=group, sender=sender)
            AttachmentFactory.create_batch(2, message=message)

    # Membership, the page (senders and replied-to joined), its attachments, its reactions.
    add(10)
    with django_assert_num_queries(4):
        page = history(alice, group.id).json()
        assert len(page) == 10 and all(len(m["attachments"]) == 2 for m in page)
    add(10)
    with django_assert_num_queries(4):
        assert len(history(alice, group.id).json()) == 20


# --- GET /api/messages/search ------------------------------------------------------------


def search(client, **params):
    return client.get("/api/messages/search", params)


def test_search(alice, mallory, user, outsider, group):
    hit = MessageFactory(conversation=group, sender=user, content="Ship the release")
    MessageFactory(conversation=group, sender=user, content="unrelated", is_deleted=False)
    MessageFactory(conversation=group, sender=user, content="release secret", is_deleted=True)
    foreign = group_with(outsider)
    MessageFactory(conversation=foreign, sender=outsider, content="release elsewhere")
    response = search(alice, q="release")
    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == [hit.id]
    assert set(response.json()[0]) == MESSAGE_KEYS
    assert [m["content"] for m in search(mallory, q="release").json()] == ["release elsewhere"]


def test_search_in_one_conversation(alice, user, group, direct):
    hit = MessageFactory(conversation=group, sender=user, content="standup notes")
    MessageFactory(conversation=direct, sender=user, content="standup later")
    response = search(alice, q="standup", conversation_id=group.id)
    assert [m["id"] for m in response.json()] == [hit.id]


def test_search_in_foreign_conversation_is_404(mallory, group):
    assert search(mallory, q="x", conversation_id=group.id).status_code == 404


@pytest.mark.parametrize(
    "params,field",
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "x", "conversation_id": "abc"}, "conversation_id"),
        ({"q": "x", "limit": 0}, "limit"),
        ({"q": "x", "limit": 101}, "limit"),
    ],
)
def test_search_bad_params_are_400(alice, params, field):
    response = search(alice, **params)
    assert response.status_code == 400
    assert field in response.json()


def test_search_query_count_constant(alice, user_factory, group, django_assert_num_queries):
    def add(count):
        for _ in range(count):
            message = MessageFactory(conversation=group, sender=user_factory(), content="needle")
            AttachmentFactory(message=message)

    # The matches (senders and replied-to joined), their attachments, their reactions.
    add(5)
    with django_assert_num_queries(3):
        assert len(search(alice, q="needle").json()) == 5
    add(5)
    with django_assert_num_queries(3):
        assert len(search(alice, q="needle").json()) == 10


# --- POST then history: the whole loop -----------------------------------------------------


def test_send_then_catch_up_after(alice, bob, group):
    first = post(alice, {"conversation_id": group.id, "content": "one"}).json()
    post(bob, {"conversation_id": group.id, "content": "two"})
    post(alice, {"conversation_id": group.id, "content": "three"})
    missed = history(bob, group.id, after=first["id"]).json()
    assert [(m["seq"], m["content"]) for m in missed] == [(2, "two"), (3, "three")]
