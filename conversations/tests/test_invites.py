"""Invite links: made, listed and revoked by admins; previewed and used by anyone logged in,
within their expiry, use limit, the group's cap, bans and blocks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conversations import services
from conversations.models import ConversationInvite, ConversationMember
from conversations.tests.factories import direct_conversation, group_with
from friends.tests.factories import block
from messaging.models import Message

pytestmark = pytest.mark.django_db


def invites_url(conversation_id: int, suffix: str = "") -> str:
    return f"/api/conversations/{conversation_id}/invites{suffix}"


@pytest.fixture
def team(user, other_user):
    return group_with(user, other_user, name="Team")


@pytest.fixture
def link(team, user):
    return services.conversation_invite_create(actor=user, conversation_id=team.id)


def join(client_for, someone, code):
    return client_for(someone).post(f"/api/invites/{code}/join")


def test_admin_creates_a_link(team, user, client_for):
    response = client_for(user).post(
        invites_url(team.id), {"expires_in": 3600, "max_uses": 5}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "code",
        "url",
        "created_by_id",
        "created_at",
        "expires_at",
        "max_uses",
        "uses",
    }
    assert body["url"] == f"http://testserver/invite/{body['code']}/"
    assert (body["max_uses"], body["uses"], body["created_by_id"]) == (5, 0, user.id)
    invite = ConversationInvite.objects.get()
    expected = timezone.now() + timedelta(hours=1)
    assert abs((invite.expires_at - expected).total_seconds()) < 10


@pytest.mark.parametrize(
    "body", [{"expires_in": 10}, {"expires_in": 10**9}, {"max_uses": 0}, {"max_uses": "x"}, []]
)
def test_bad_link_options_are_400(team, user, client_for, body):
    assert client_for(user).post(invites_url(team.id), body, format="json").status_code == 400


def test_no_links_to_a_direct_chat(user, other_user, client_for):
    conversation = direct_conversation(user, other_user)
    assert client_for(user).post(invites_url(conversation.id), {}, format="json").status_code == 400


def test_a_member_cannot_list_links_and_a_stranger_gets_404(team, other_user, client_for, link):
    assert client_for(other_user).get(invites_url(team.id)).status_code == 403
    assert client_for(UserFactory()).get(invites_url(team.id)).status_code == 404


def test_preview_shows_nothing_private(team, link, client_for):
    response = client_for(UserFactory()).get(f"/api/invites/{link.code}")
    assert response.status_code == 200
    assert response.json() == {
        "code": link.code,
        "name": "Team",
        "avatar_url": None,
        "avatar_thumbnail_url": None,
        "is_public": False,
        "member_count": 2,
        "max_participants": None,
        "is_full": False,
        "expires_at": None,
        "is_member": False,
        "conversation_id": None,
    }


def test_join_through_a_link(
    team, user, link, client_for, sent_events, django_capture_on_commit_callbacks
):
    carol = UserFactory(username="carol")
    with django_capture_on_commit_callbacks(execute=True):
        response = join(client_for, carol, link.code)
    assert response.status_code == 200
    assert response.json()["id"] == team.id
    assert response.json()["unread_count"] == 0
    assert ConversationMember.objects.get(user=carol, conversation=team).role == "member"
    link.refresh_from_db()
    assert link.uses == 1
    line = Message.objects.get(conversation=team, message_type="system")
    assert (line.content, line.payload) == (
        "Carol joined with an invite link",
        {"event": "invite_joined", "actor_id": carol.id},
    )
    assert (
        f"conversation.{team.id}",
        {"type": "member_added", "conversation_id": team.id, "user_id": carol.id},
    ) in sent_events
    # A member using it again is let in without using it up.
    assert join(client_for, carol, link.code).status_code == 200
    link.refresh_from_db()
    assert link.uses == 1


def _code(response):
    return response.status_code, response.json().get("code")


def test_unknown_code_is_404(client_for, user):
    assert _code(join(client_for, user, "nope")) == (404, "not_found")
    assert client_for(user).get("/api/invites/nope").status_code == 404
    assert client_for(user).get("/api/invites/bad%20code").status_code == 404


def test_expired_link_is_410(link, client_for):
    ConversationInvite.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _code(join(client_for, UserFactory(), link.code)) == (410, "invite_expired")
    assert _code(client_for(UserFactory()).get(f"/api/invites/{link.code}")) == (
        410,
        "invite_expired",
    )


def test_used_up_link_is_410(team, user, client_for):
    link = services.conversation_invite_create(actor=user, conversation_id=team.id, max_uses=1)
    assert join(client_for, UserFactory(), link.code).status_code == 200
    assert _code(join(client_for, UserFactory(), link.code)) == (410, "invite_used_up")


def test_revoked_link_is_410_and_leaves_the_list(team, user, link, client_for):
    alice = client_for(user)
    assert [i["code"] for i in alice.get(invites_url(team.id)).json()] == [link.code]
    assert alice.delete(invites_url(team.id, f"/{link.code}")).status_code == 204
    assert alice.get(invites_url(team.id)).json() == []
    assert alice.delete(invites_url(team.id, f"/{link.code}")).status_code == 404
    assert _code(join(client_for, UserFactory(), link.code)) == (410, "invite_revoked")


def test_a_link_dies_with_its_creators_admin_role(team, user, other_user, client_for):
    ConversationMember.objects.filter(user=other_user).update(role="admin")
    link = services.conversation_invite_create(actor=other_user, conversation_id=team.id)
    services.conversation_member_role_set(
        actor=user, conversation_id=team.id, user_id=other_user.id, role="member"
    )
    assert _code(join(client_for, UserFactory(), link.code)) == (410, "invite_revoked")


@pytest.mark.parametrize("who_blocks", ["creator", "joiner"])
def test_blocks_between_joiner_and_creator_refuse(user, link, client_for, who_blocks):
    carol = UserFactory()
    if who_blocks == "creator":
        block(user, carol)
    else:
        block(carol, user)
    assert _code(join(client_for, carol, link.code)) == (403, "blocked")


def test_a_banned_user_cannot_use_a_link(team, user, link, client_for):
    carol = UserFactory()
    services.conversation_ban(actor=user, conversation_id=team.id, user_id=carol.id)
    assert _code(join(client_for, carol, link.code)) == (403, "banned")


def test_a_full_group_is_409(team, user, link, client_for):
    team.max_participants = 2
    team.save()
    assert _code(join(client_for, UserFactory(), link.code)) == (409, "conversation_full")
    assert client_for(UserFactory()).get(f"/api/invites/{link.code}").json()["is_full"] is True


def test_invite_list_query_count_at_n_and_2n(team, user, client_for, django_assert_num_queries):
    alice = client_for(user)
    for _ in range(3):
        services.conversation_invite_create(actor=user, conversation_id=team.id)
    with django_assert_num_queries(2):  # membership, links
        assert len(alice.get(invites_url(team.id)).json()) == 3
    for _ in range(3):
        services.conversation_invite_create(actor=user, conversation_id=team.id)
    with django_assert_num_queries(2):
        assert len(alice.get(invites_url(team.id)).json()) == 6


def test_invite_page_sends_a_logged_out_visitor_to_login_and_back(client, link):
    response = client.get(f"/invite/{link.code}/")
    assert response.status_code == 302
    assert f"next=/invite/{link.code}/" in response["Location"]


def test_invite_page_renders_for_a_logged_in_user(client, link):
    client.force_login(UserFactory())
    response = client.get(f"/invite/{link.code}/")
    assert response.status_code == 200
    assert link.code in response.content.decode()
