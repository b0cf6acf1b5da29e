import re
from urllib.parse import unquote

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from accounts.tests.conftest import login
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a-Strong-passw0rd!"


def register(client, **body):
    return client.post("/api/auth/register", body, format="json")


def bearer(client, token):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- register ------------------------------------------------------------------------


def confirm_link_token(message) -> str:
    """The token of the confirmation link in a mail."""
    match = re.search(r"/accounts/email/confirm/\?token=(\S+)", message.body)
    assert match, message.body
    return unquote(match.group(1))


def test_register_creates_user(api_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(
            api_client, username="Alice", email="alice@example.com", password=STRONG
        )
    assert response.status_code == 201
    body = response.json()
    # The address is attached once its owner follows the link mailed to it.
    assert body == {"id": body["id"], "username": "Alice", "email": ""}
    assert User.objects.get(pk=body["id"]).check_password(STRONG)
    [mail] = mailoutbox
    assert mail.to == ["alice@example.com"]
    confirmed = api_client.post(
        "/api/auth/email/confirm", {"token": confirm_link_token(mail)}, format="json"
    )
    assert confirmed.status_code == 200
    assert confirmed.json() == {"id": body["id"], "username": "Alice", "email": "alice@example.com"}
    assert login(api_client, "ALICE@example.com", STRONG).status_code == 200


def test_register_without_email(api_client):
    response = register(api_client, username="nomail", password=STRONG)
    assert response.status_code == 201
    assert response.json()["email"] == ""


@pytest.mark.parametrize("username", ["alice", "ALICE", "aLiCe"])
def test_register_duplicate_username_any_case(api_client, username):
    UserFactory(username="Alice")
    response = register(api_client, username=username, password=STRONG)
    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.count() == 1


def test_register_duplicate_email_any_case(
    api_client, mailoutbox, django_capture_on_commit_callbacks
):
    """A taken address is answered like a free one (no account enumeration); its owner
    is told by mail, and the new account does not get it."""
    UserFactory(username="first", email="Same@Example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = register(
            api_client, username="second", email="same@example.COM", password=STRONG
        )
    assert response.status_code == 201
    assert response.json() == {"id": response.json()["id"], "username": "second", "email": ""}
    assert User.objects.get(username="second").email == ""
    [mail] = mailoutbox
    assert mail.to == ["same@example.com"]  # the domain part in lower case
    assert "first" in mail.body and "token=" not in mail.body


def test_register_two_users_without_email_is_fine(api_client):
    assert register(api_client, username="one", password=STRONG).status_code == 201
    assert register(api_client, username="two", password=STRONG).status_code == 201


@pytest.mark.parametrize("password", ["123", "password", "12345678901"])
def test_register_weak_password(api_client, password):
    response = register(api_client, username="weakling", password=password)
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="weakling").exists()


def test_register_password_like_username(api_client):
    response = register(api_client, username="samantha99", password="samantha99")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body,field",
    [
        ({"password": STRONG}, "username"),
        ({"username": "someone"}, "password"),
        ({"username": "ab", "password": STRONG}, "username"),
        ({"username": "x" * 33, "password": STRONG}, "username"),
        ({"username": "bad name!", "password": STRONG}, "username"),
        ({"username": "someone", "email": "not-an-email", "password": STRONG}, "email"),
    ],
)
def test_register_invalid_fields(api_client, body, field):
    response = register(api_client, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.count() == 0


def test_register_malformed_json(api_client):
    response = api_client.post(
        "/api/auth/register", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_register_non_object_json(api_client):
    response = api_client.post("/api/auth/register", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_oversize_body_is_413_json(api_client):
    response = api_client.post(
        "/api/auth/register",
        data='{"username": "' + "x" * 300_000 + '"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_trailing_slash_optional(api_client):
    assert register(api_client, username="slashy", password=STRONG).status_code == 201
    response = api_client.post(
        "/api/auth/register/", {"username": "slashy2", "password": STRONG}, format="json"
    )
    assert response.status_code == 201


# --- login ---------------------------------------------------------------------------


def test_login_with_username_returns_token_pair(api_client, user):
    response = login(api_client, "alice")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert AccessToken(body["access_token"])["user_id"] == str(user.pk)
    assert RefreshToken(body["refresh_token"])["user_id"] == str(user.pk)


def test_login_with_email_any_case(api_client, user):
    assert login(api_client, "ALICE@example.com").status_code == 200


def test_login_username_any_case(api_client, user):
    assert login(api_client, "Alice").status_code == 200


def test_login_wrong_password(api_client, user):
    response = login(api_client, "alice", "wrong-password")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_unknown_user(api_client, db):
    response = login(api_client, "ghost")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_inactive_user(api_client, user):
    user.is_active = False
    user.save()
    response = login(api_client, "alice")
    assert response.status_code == 401
    assert response.json()["code"] == "account_disabled"


def test_login_inactive_user_wrong_password_reveals_nothing(api_client, user):
    user.is_active = False
    user.save()
    assert login(api_client, "alice", "nope-nope").json()["code"] == "invalid_credentials"


def test_login_missing_fields(api_client, db):
    response = api_client.post("/api/auth/login", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_login_ignores_stale_authorization_header(api_client, user):
    bearer(api_client, "garbage.token.here")
    assert login(api_client, "alice").status_code == 200


# --- me ------------------------------------------------------------------------------


def test_me_with_access_token(api_client, user):
    tokens = login(api_client, "alice").json()
    response = bearer(api_client, tokens["access_token"]).get("/api/auth/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": "alice",
        "email": "alice@example.com",
        "display_name": "Alice",
        "bio": "",
        "avatar_url": None,
        "avatar_thumbnail_url": None,
        "language": "",
        "date_joined": response.json()["date_joined"],
        "push_previews": False,
        "email_digest": True,
        "is_bot": False,
    }


def test_me_without_credentials(api_client, db):
    response = api_client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_me_with_malformed_token(api_client, db, token):
    response = bearer(api_client, token).get("/api/auth/me")
    assert response.status_code == 401


def test_me_with_refresh_token_as_access_is_refused(api_client, user):
    tokens = login(api_client, "alice").json()
    response = bearer(api_client, tokens["refresh_token"]).get("/api/auth/me")
    assert response.status_code == 401


def test_me_with_expired_token(api_client, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-__import__("datetime").timedelta(seconds=1))
    response = bearer(api_client, str(token)).get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_me_token_of_deactivated_user(api_client, user):
    tokens = login(api_client, "alice").json()
    user.is_active = False
    user.save()
    assert bearer(api_client, tokens["access_token"]).get("/api/auth/me").status_code == 401


def test_patch_me(client_for, user, mailoutbox, django_capture_on_commit_callbacks):
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            "/api/auth/me",
            {"display_name": "Alice A.", "bio": "hi", "email": "new@example.com"},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Alice A."
    user.refresh_from_db()
    # A new address takes effect when the link mailed to it is followed.
    assert (user.bio, user.email) == ("hi", "alice@example.com")
    [mail] = mailoutbox
    assert mail.to == ["new@example.com"]
    token = confirm_link_token(mail)
    assert client.post("/api/auth/email/confirm", {"token": token}).status_code == 200
    user.refresh_from_db()
    assert user.email == "new@example.com"


def test_patch_me_email_taken(
    client_for, user, other_user, mailoutbox, django_capture_on_commit_callbacks
):
    """Answered as for a free address (no account enumeration); bob is told by mail."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).patch(
            "/api/auth/me", {"email": "BOB@example.com"}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"
    user.refresh_from_db()
    assert user.email == "alice@example.com"
    [mail] = mailoutbox
    assert mail.to == ["BOB@example.com"]
    assert "bob" in mail.body and "token=" not in mail.body


def test_patch_me_cannot_change_username(client_for, user):
    client_for(user).patch("/api/auth/me", {"username": "mallory"}, format="json")
    user.refresh_from_db()
    assert user.username == "alice"


def test_patch_me_too_long(client_for, user):
    response = client_for(user).patch("/api/auth/me", {"bio": "x" * 501}, format="json")
    assert response.status_code == 400


# --- refresh / logout ------------------------------------------------------------------


def test_refresh_rotates_and_revokes_old(api_client, user):
    tokens = login(api_client, "alice").json()
    response = api_client.post(
        "/api/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert response.status_code == 200
    new = response.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["token_type"] == "bearer"
    again = api_client.post(
        "/api/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert again.status_code == 401
    third = api_client.post(
        "/api/auth/refresh", {"refresh_token": new["refresh_token"]}, format="json"
    )
    assert third.status_code == 200


@pytest.mark.parametrize("token", ["garbage", "x" * 100])
def test_refresh_malformed(api_client, db, token):
    response = api_client.post("/api/auth/refresh", {"refresh_token": token}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_with_access_token_is_refused(api_client, user):
    tokens = login(api_client, "alice").json()
    response = api_client.post(
        "/api/auth/refresh", {"refresh_token": tokens["access_token"]}, format="json"
    )
    assert response.status_code == 401


def test_refresh_missing_field(api_client, db):
    assert api_client.post("/api/auth/refresh", {}, format="json").status_code == 400


def test_logout_revokes_refresh_token(api_client, user):
    tokens = login(api_client, "alice").json()
    response = api_client.post(
        "/api/auth/logout", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert response.status_code == 204
    again = api_client.post(
        "/api/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert again.status_code == 401


def test_logout_twice(api_client, user):
    tokens = login(api_client, "alice").json()
    body = {"refresh_token": tokens["refresh_token"]}
    assert api_client.post("/api/auth/logout", body, format="json").status_code == 204
    assert api_client.post("/api/auth/logout", body, format="json").status_code == 401


# --- password --------------------------------------------------------------------------


def test_password_change_revokes_every_refresh_token(api_client, user):
    first = login(api_client, "alice").json()
    second = login(api_client, "alice").json()
    response = bearer(api_client, first["access_token"]).post(
        "/api/auth/password",
        {"old_password": DEFAULT_PASSWORD, "new_password": STRONG},
        format="json",
    )
    assert response.status_code == 204
    api_client.credentials()
    for tokens in (first, second):
        refreshed = api_client.post(
            "/api/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json"
        )
        assert refreshed.status_code == 401
    # Old access tokens die too (they carry a hash of the old password).
    assert bearer(api_client, first["access_token"]).get("/api/auth/me").status_code == 401
    api_client.credentials()
    assert login(api_client, "alice", STRONG).status_code == 200
    assert login(api_client, "alice", DEFAULT_PASSWORD).status_code == 401


def test_password_change_wrong_old(client_for, user):
    response = client_for(user).post(
        "/api/auth/password", {"old_password": "nope", "new_password": STRONG}, format="json"
    )
    assert response.status_code == 400
    assert "old_password" in response.json()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_weak_new(client_for, user):
    response = client_for(user).post(
        "/api/auth/password",
        {"old_password": DEFAULT_PASSWORD, "new_password": "123"},
        format="json",
    )
    assert response.status_code == 400
    assert "new_password" in response.json()


def test_password_change_needs_auth(api_client, db):
    response = api_client.post(
        "/api/auth/password", {"old_password": "a", "new_password": "b"}, format="json"
    )
    assert response.status_code == 401


# --- ws-ticket --------------------------------------------------------------------------


def test_ws_ticket_is_single_use(client_for, user):
    from accounts.services import ws_ticket_consume

    response = client_for(user).post("/api/auth/ws-ticket")
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 30
    assert ws_ticket_consume(ticket=body["ticket"]) == user.pk
    assert ws_ticket_consume(ticket=body["ticket"]) is None


def test_ws_ticket_needs_auth(api_client, db):
    assert api_client.post("/api/auth/ws-ticket").status_code == 401


def test_ws_ticket_unknown(db):
    from accounts.services import ws_ticket_consume

    assert ws_ticket_consume(ticket="nope") is None
    assert ws_ticket_consume(ticket="") is None


# --- users ------------------------------------------------------------------------------


def test_user_search_by_prefix(client_for, user):
    UserFactory(username="albert")
    UserFactory(username="bob")
    UserFactory(username="zed", display_name="Alfred")
    UserFactory(username="alfie", is_active=False)
    response = client_for(user).get("/api/users", {"search": "al"})
    assert response.status_code == 200
    names = [u["username"] for u in response.json()]
    assert names == ["albert", "zed"]  # not yourself, not inactive
    assert set(response.json()[0]) == {
        "id",
        "username",
        "display_name",
        "avatar_url",
        "avatar_thumbnail_url",
        "is_bot",
    }


def test_user_search_max_20(client_for, user):
    UserFactory.create_batch(25, username=__import__("factory").Sequence(lambda n: f"max{n}"))
    assert len(client_for(user).get("/api/users", {"search": "max"}).json()) == 20


def test_user_search_reads_its_query_through_a_serializer(client_for, user):
    """The one way every list reads its query: over-long text is a 400 naming `search`."""
    response = client_for(user).get("/api/users", {"search": "a" * 151})
    assert response.status_code == 400
    assert list(response.json()) == ["search"]


def test_user_search_needs_auth(api_client, db):
    assert api_client.get("/api/users").status_code == 401


# --- throttling -------------------------------------------------------------------------


def test_login_throttled_per_username(api_client, user, monkeypatch):
    from django.conf import settings

    monkeypatch.setitem(settings.THROTTLE_RATES, "login_username", "3/min")
    codes = [login(api_client, "alice", "bad-password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_login_throttle_has_retry_after(api_client, user, monkeypatch):
    from accounts.api.throttles import LoginIPThrottle

    monkeypatch.setitem(LoginIPThrottle.THROTTLE_RATES, "login_ip", "2/min")
    for _ in range(2):
        login(api_client, "alice")
    response = login(api_client, "alice")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"


def test_register_throttled(api_client, db, monkeypatch):
    from accounts.api.throttles import RegisterThrottle

    monkeypatch.setitem(RegisterThrottle.THROTTLE_RATES, "register", "1/hour")
    assert register(api_client, username="first1", password=STRONG).status_code == 201
    assert register(api_client, username="second2", password=STRONG).status_code == 429


def test_logout_revokes_the_access_token_that_made_the_request(api_client, user, settings):
    """After logout the access token is refused everywhere: DRF, the lean send path."""
    from conversations.tests.factories import group_with

    tokens = login(api_client, "alice").json()
    access = tokens["access_token"]
    assert bearer(APIClient(), access).get("/api/auth/me").status_code == 200
    response = bearer(api_client, access).post(
        "/api/auth/logout", {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert response.status_code == 204
    after = bearer(APIClient(), access).get("/api/auth/me")
    assert after.status_code == 401
    assert after.json()["code"] == "token_not_valid"
    team = group_with(user, UserFactory(username="bob"), name="Team")
    sent = bearer(APIClient(), access).post(
        "/api/messages", {"conversation_id": team.pk, "content": "x"}, format="json"
    )
    assert sent.status_code == 401
    other = login(APIClient(), "alice").json()["access_token"]  # other sessions go on
    assert bearer(APIClient(), other).get("/api/auth/me").status_code == 200
