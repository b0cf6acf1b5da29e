"""Bot accounts and their API tokens: made by a person (or staff), used as
`Authorization: Bot <token>`, rate-limited like people, revocable."""

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, User
from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot(user):
    return services.bot_create(actor=user, username="deploybot", display_name="Deploy")


@pytest.fixture
def token(user, bot):
    _, raw = services.bot_token_create(actor=user, bot_id=bot.id, name="ci")
    return raw


def as_bot(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bot {raw}")
    return client


def test_a_person_makes_a_bot_and_a_token_shown_once(user, client_for):
    alice = client_for(user)
    created = alice.post("/api/bots", {"username": "alertbot", "display_name": "Alerts"})
    assert created.status_code == 201, created.json()
    bot = created.json()
    assert bot["is_bot"] is True and bot["owner_id"] == user.id

    response = alice.post(f"/api/bots/{bot['id']}/tokens", {"name": "grafana"}, format="json")
    assert response.status_code == 201
    raw = response.json()["token"]
    assert raw.startswith("chatbot_") and response.json()["prefix"] == raw[:12]
    listed = alice.get(f"/api/bots/{bot['id']}/tokens").json()
    assert [t["name"] for t in listed] == ["grafana"] and "token" not in listed[0]
    assert ApiToken.objects.get().key_hash != raw  # only the hash is kept
    assert [b["username"] for b in alice.get("/api/bots").json()] == ["alertbot"]


def test_the_token_authenticates_the_bot(bot, token):
    response = as_bot(token).get("/api/auth/me")
    assert response.status_code == 200
    assert response.json()["username"] == "deploybot"
    assert response.json()["is_bot"] is True
    assert ApiToken.objects.get().last_used_at is not None


def test_a_bot_cannot_log_in_with_a_password(bot):
    response = APIClient().post(
        "/api/auth/login", {"username": "deploybot", "password": ""}, format="json"
    )
    assert response.status_code in (400, 401)
    assert not User.objects.get(id=bot.id).has_usable_password()


@pytest.mark.parametrize(
    "header", ["Bot chatbot_nope", "Bot", "Bot a b", "Bot " + "x" * 300, "Bot eyJhbGciOi"]
)
def test_a_wrong_token_is_a_401_json(bot, token, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_revoked_token_stops_working(user, bot, token, client_for):
    token_id = ApiToken.objects.get().id
    response = client_for(user).delete(f"/api/bots/{bot.id}/tokens/{token_id}")
    assert response.status_code == 204
    assert as_bot(token).get("/api/auth/me").status_code == 401
    assert client_for(user).get(f"/api/bots/{bot.id}/tokens").json() == []


def test_deleting_the_bot_revokes_every_token(user, bot, token, client_for):
    assert client_for(user).delete(f"/api/bots/{bot.id}").status_code == 204
    assert as_bot(token).get("/api/auth/me").status_code == 401
    assert client_for(user).get("/api/bots").json() == []


def test_someone_elses_bot_is_a_404(bot, client_for):
    stranger = client_for(UserFactory())
    assert stranger.get(f"/api/bots/{bot.id}/tokens").status_code == 404
    assert stranger.post(f"/api/bots/{bot.id}/tokens", {}, format="json").status_code == 404
    assert stranger.delete(f"/api/bots/{bot.id}").status_code == 404
    assert stranger.delete(f"/api/bots/{bot.id}/tokens/1").status_code == 404


def test_staff_with_the_permission_manage_any_bots_tokens(bot, admin_user):
    _, raw = services.bot_token_create(actor=admin_user, bot_id=bot.id)
    assert as_bot(raw).get("/api/auth/me").status_code == 200


def test_staff_give_a_token_in_the_admin_and_see_it_once(bot, admin_client):
    response = admin_client.post(
        "/admin/accounts/apitoken/add/", {"user": bot.id, "name": "from admin"}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    raw = next(m.split(": ", 1)[1] for m in shown if "chatbot_" in m)
    assert as_bot(raw).get("/api/auth/me").json()["username"] == "deploybot"
    admin_client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [ApiToken.objects.get().id]},
    )
    assert as_bot(raw).get("/api/auth/me").status_code == 401


def test_a_bot_cannot_make_bots(bot, token):
    response = as_bot(token).post("/api/bots", {"username": "botbot"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body", [{}, {"username": "a"}, {"username": "bad name!"}, {"username": 5}]
)
def test_a_bad_bot_body_is_a_400_naming_the_field(user, client_for, body):
    response = client_for(user).post("/api/bots", body, format="json")
    assert response.status_code == 400
    assert "username" in response.json()


def test_the_owner_adds_their_bot_to_a_group_and_it_posts(user, bot, token):
    team = group_with(user, name="Deploys")
    alice = APIClient()
    alice.force_authenticate(user)
    added = alice.post(f"/api/conversations/{team.id}/members", {"user_ids": [bot.id]})
    assert added.status_code == 200, added.json()

    response = as_bot(token).post(
        "/api/messages", {"conversation_id": team.id, "content": "v1.2 deployed"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["sender_is_bot"] is True


def test_someone_elses_bot_cannot_be_added(user, bot):
    carol = UserFactory()
    team = group_with(carol, name="Carol's")
    client = APIClient()
    client.force_authenticate(carol)
    added = client.post(f"/api/conversations/{team.id}/members", {"user_ids": [bot.id]})
    assert added.status_code == 403


def test_bots_are_rate_limited_like_people(user, bot, token, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "2/min"}
    team = group_with(user, bot, name="Deploys")
    client = as_bot(token)
    codes = [
        client.post(
            "/api/messages", {"conversation_id": team.id, "content": str(n)}, format="json"
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]


def test_bot_token_list_query_count_at_n_and_2n(user, bot, client_for, django_assert_num_queries):
    alice = client_for(user)
    for n in range(2):
        services.bot_token_create(actor=user, bot_id=bot.id, name=f"t{n}")
    with django_assert_num_queries(2):  # the bot, its tokens
        assert len(alice.get(f"/api/bots/{bot.id}/tokens").json()) == 2
    for n in range(2):
        services.bot_token_create(actor=user, bot_id=bot.id, name=f"u{n}")
    with django_assert_num_queries(2):
        assert len(alice.get(f"/api/bots/{bot.id}/tokens").json()) == 4


def test_bot_list_query_count_at_n_and_2n(user, client_for, django_assert_num_queries):
    alice = client_for(user)
    for n in range(2):
        services.bot_create(actor=user, username=f"bot{n}")
    with django_assert_num_queries(1):
        assert len(alice.get("/api/bots").json()) == 2
    for n in range(2, 4):
        services.bot_create(actor=user, username=f"bot{n}")
    with django_assert_num_queries(1):
        assert len(alice.get("/api/bots").json()) == 4


def test_bots_do_not_have_friends(user, bot, token, client_for):
    response = client_for(user).post("/api/friends/request", {"username": "deploybot"})
    assert response.status_code == 400
    assert response.json() == {"username": ["Bots do not have friends."]}
    response = as_bot(token).post("/api/friends/request", {"username": "alice"}, format="json")
    assert response.status_code == 400
