"""Incoming webhooks: a group's admins make and revoke them; a post through the URL is a
message by the webhook's bot, delivered like any other."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from conversations.models import ConversationMember
from conversations.tests.factories import direct_conversation, group_with
from messaging import services
from messaging.models import Message, Webhook

pytestmark = pytest.mark.django_db


def hooks_url(conversation_id: object) -> str:
    return f"/api/conversations/{conversation_id}/webhooks"


@pytest.fixture
def team(user, other_user):
    """alice (owner) and bob (member)."""
    return group_with(user, other_user, name="Ops")


@pytest.fixture
def hook(team, user):
    webhook, secret = services.webhook_create(actor=user, conversation_id=team.id, name="CI")
    webhook.secret = secret
    return webhook


def post(secret: str, body: object, **extra):
    return APIClient().post(f"/api/hooks/{secret}", body, format="json", **extra)


def test_an_admin_creates_a_webhook_whose_bot_joins_the_group(team, user, client_for):
    response = client_for(user).post(hooks_url(team.id), {"name": " CI "}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "CI"
    assert body["url"].startswith("http://testserver/api/hooks/whk_")
    assert body["prefix"] == body["url"].rsplit("/", 1)[1][:8]
    bot = User.objects.get(id=body["bot"]["id"])
    assert bot.is_bot and bot.display_name == "CI" and not bot.has_usable_password()
    assert ConversationMember.objects.filter(conversation=team, user=bot).exists()
    line = Message.objects.filter(conversation=team, message_type="system").last()
    assert line.payload["event"] == "added" and line.payload["user_id"] == bot.id
    # Shown once: the list never carries the secret.
    listed = client_for(user).get(hooks_url(team.id)).json()
    assert [w["id"] for w in listed] == [body["id"]]
    assert "url" not in listed[0]
    assert body["url"].rsplit("/", 1)[1] not in str(listed)


def test_only_admins_of_a_group_manage_webhooks(team, user, other_user, client_for, hook):
    bob, stranger = client_for(other_user), client_for(UserFactory())
    assert bob.post(hooks_url(team.id), {"name": "x"}, format="json").status_code == 403
    assert bob.get(hooks_url(team.id)).status_code == 403
    assert bob.delete(f"{hooks_url(team.id)}/{hook.id}").status_code == 403
    assert stranger.post(hooks_url(team.id), {"name": "x"}, format="json").status_code == 404
    assert stranger.get(hooks_url(team.id)).status_code == 404
    assert stranger.delete(f"{hooks_url(team.id)}/{hook.id}").status_code == 404
    direct = direct_conversation(user, other_user)
    response = client_for(user).post(hooks_url(direct.id), {"name": "x"}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "name"), ({"name": "  "}, "name"), ({"name": 5}, "name"), ({"name": "x" * 65}, "name")],
)
def test_a_bad_name_is_a_400_naming_the_field(team, user, client_for, body, field):
    response = client_for(user).post(hooks_url(team.id), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_post_is_a_message_by_the_bot_delivered_as_new_message(
    team, hook, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(hook.secret, {"text": "Build #412 passed"})

    assert response.status_code == 201
    body = response.json()
    assert body["content"] == "Build #412 passed"
    assert body["sender_id"] == hook.bot_id
    assert body["sender_is_bot"] is True
    events = [e for g, e in sent_events if e["type"] == "new_message"]
    assert [(e["message"]["content"], e["message"]["sender_is_bot"]) for e in events] == [
        ("Build #412 passed", True)
    ]
    assert Webhook.objects.get(id=hook.id).last_used_at is not None


def test_people_are_not_bots_in_messages(team, user, client_for):
    response = client_for(user).post(
        "/api/messages", {"conversation_id": team.id, "content": "hi"}, format="json"
    )
    assert response.json()["sender_is_bot"] is False


@pytest.mark.parametrize(
    "secret", ["whk_wrong", "nothing-like-a-secret", "whk_" + "a" * 200, "%00"]
)
def test_a_wrong_secret_is_a_404_json(team, hook, secret):
    response = post(secret, {"text": "hi"})
    assert response.status_code == 404
    assert response.json() == {"detail": "No such webhook.", "code": "not_found"}


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 400), ({"text": ""}, 400), ({"text": "   "}, 400), ({"text": 5}, 400), ([], 400)],
)
def test_a_bad_body_is_a_400(team, hook, body, status):
    response = post(hook.secret, body)
    assert response.status_code == status
    assert set(response.json()) in ({"text"}, {"non_field_errors"})


def test_a_wrong_secret_with_a_bad_body_is_still_a_404(team, hook):
    assert post("whk_wrong", {}).status_code == 404


def test_a_form_body_is_refused_with_415(team, hook):
    response = APIClient().post(f"/api/hooks/{hook.secret}", {"text": "hi"})
    assert response.status_code == 415


def test_posts_are_rate_limited_per_webhook(team, hook, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "webhook": "2/min"}
    assert post(hook.secret, {"text": "1"}).status_code == 201
    assert post(hook.secret, {"text": "2"}).status_code == 201
    response = post(hook.secret, {"text": "3"})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response


def test_revoking_stops_the_url_and_takes_the_bot_out(
    team, user, client_for, hook, sent_events, django_capture_on_commit_callbacks
):
    assert post(hook.secret, {"text": "before"}).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).delete(f"{hooks_url(team.id)}/{hook.id}")

    assert response.status_code == 204
    assert post(hook.secret, {"text": "after"}).status_code == 404
    assert not ConversationMember.objects.filter(conversation=team, user=hook.bot).exists()
    assert User.objects.get(id=hook.bot_id).is_active is False
    assert Message.objects.filter(conversation=team, content="before").exists()
    assert client_for(user).get(hooks_url(team.id)).json() == []
    assert any(e["type"] == "member_removed" for _, e in sent_events)
    # Twice: nothing more happens.
    assert client_for(user).delete(f"{hooks_url(team.id)}/{hook.id}").status_code == 204


def test_revoking_another_groups_webhook_is_a_404(team, user, client_for, hook):
    other = group_with(user, name="Other")
    assert client_for(user).delete(f"{hooks_url(other.id)}/{hook.id}").status_code == 404
    assert post(hook.secret, {"text": "still works"}).status_code == 201


def test_staff_revoke_from_the_admin(team, hook, admin_client):
    response = admin_client.post(
        "/admin/messaging/webhook/",
        {"action": "revoke_webhooks", "_selected_action": [hook.id]},
    )
    assert response.status_code == 302
    assert post(hook.secret, {"text": "after"}).status_code == 404


def test_the_admin_lists_webhooks(team, user, hook, admin_client):
    """The list costs as many queries at N webhooks as at 2N (each row names its
    conversation, bot and maker)."""

    def grow(n: int) -> None:
        for i in range(n):
            creator = UserFactory()
            room = group_with(creator, name=f"Room {i}")
            services.webhook_create(actor=creator, conversation_id=room.id, name=f"hook {i}")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/messaging/webhook/")
        assert response.status_code == 200
        assert b"CI" in response.content
        return len(queries.captured_queries)

    grow(3)
    count()  # warm the per-process caches (content types) first
    at_n = count()
    grow(3)
    assert Webhook.objects.count() == 7
    assert count() == at_n


def test_list_query_count_at_n_and_2n(team, user, client_for, django_assert_num_queries):
    alice = client_for(user)
    for n in range(3):
        services.webhook_create(actor=user, conversation_id=team.id, name=f"hook {n}")
    with django_assert_num_queries(2):  # membership, webhooks with their bots
        assert len(alice.get(hooks_url(team.id)).json()) == 3
    for n in range(3):
        services.webhook_create(actor=user, conversation_id=team.id, name=f"more {n}")
    with django_assert_num_queries(2):
        assert len(alice.get(hooks_url(team.id)).json()) == 6


def test_members_list_the_bot_as_a_bot(team, user, other_user, client_for, hook):
    members = client_for(other_user).get(f"/api/conversations/{team.id}").json()["members"]
    assert {m["username"]: m["is_bot"] for m in members} == {
        "alice": False,
        "bob": False,
        hook.bot.username: True,
    }


def test_a_direct_chat_has_no_webhook_to_revoke(user, other_user, client_for):
    direct = direct_conversation(user, other_user)
    response = client_for(user).delete(f"{hooks_url(direct.id)}/1")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such webhook."
