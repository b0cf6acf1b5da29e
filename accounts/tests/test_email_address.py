"""Email addresses are attached only when their owner confirms them, so registration and
profile changes never tell whether an address is taken (docs/api.md, accounts)."""

import re
import time
from urllib.parse import unquote

import pytest
from django.core import signing

from accounts import email_address
from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a-Strong-passw0rd!"


def token_in(message) -> str:
    match = re.search(r"/accounts/email/confirm/\?token=(\S+)", message.body)
    assert match, message.body
    return unquote(match.group(1))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def register(client, username, email):
    body = {"username": username, "email": email, "password": STRONG}
    return client.post("/api/auth/register", body, format="json")


def test_registration_answers_the_same_for_a_taken_and_a_free_address(
    api_client, mailoutbox, committed
):
    UserFactory(username="owner", email="taken@example.com")
    with committed():
        taken = register(api_client, "probe1", "TAKEN@example.com")
        free = register(api_client, "probe2", "free@example.com")
    assert (taken.status_code, free.status_code) == (201, 201)
    shape = [{**r.json(), "id": 0, "username": ""} for r in (taken, free)]
    assert shape[0] == shape[1] == {"id": 0, "username": "", "email": ""}
    assert taken["Content-Type"] == free["Content-Type"]
    # Neither account has an address yet; each owner got one mail.
    assert list(
        User.objects.filter(username__startswith="probe").values_list("email", flat=True)
    ) == ["", ""]
    assert sorted(m.to[0] for m in mailoutbox) == ["TAKEN@example.com", "free@example.com"]
    notice = next(m for m in mailoutbox if m.to == ["TAKEN@example.com"])
    assert "owner" in notice.body and "token=" not in notice.body
    assert User.objects.get(username="owner").email == "taken@example.com"


def test_web_registration_answers_the_same_for_a_taken_and_a_free_address(
    client, mailoutbox, committed
):
    UserFactory(username="owner", email="taken@example.com")
    pages = []
    for username, email in [("probe1", "taken@example.com"), ("probe2", "free@example.com")]:
        with committed():
            response = client.post(
                "/accounts/register/",
                {"username": username, "email": email, "password": STRONG},
                follow=True,
            )
        assert response.redirect_chain == [("/", 302)]
        pages.append([str(m) for m in response.context["messages"]])
        client.logout()
    assert pages[0] == [pages[1][0].replace("free@", "taken@")]
    assert len(mailoutbox) == 2


def test_no_mail_when_the_registration_fails(api_client, mailoutbox, committed):
    with committed():
        response = api_client.post(
            "/api/auth/register",
            {"username": "weak", "email": "weak@example.com", "password": "123"},
            format="json",
        )
    assert response.status_code == 400
    assert mailoutbox == []


def test_following_the_link_attaches_the_address_once(api_client, mailoutbox, committed):
    with committed():
        user_id = register(api_client, "newbie", "newbie@example.com").json()["id"]
    token = token_in(mailoutbox[0])
    for _ in range(2):  # the same link again is fine
        response = api_client.post("/api/auth/email/confirm", {"token": token}, format="json")
        assert response.status_code == 200
        assert response.json() == {
            "id": user_id,
            "username": "newbie",
            "email": "newbie@example.com",
        }


@pytest.mark.parametrize("token", ["", "garbage", "a" * 2000, "x:y:z"])
def test_a_bad_token_is_400(api_client, db, token):
    response = api_client.post("/api/auth/email/confirm", {"token": token}, format="json")
    assert response.status_code == 400
    assert "token" in response.json()


def test_an_expired_link_is_400(api_client, user, settings, monkeypatch):
    settings.EMAIL_CONFIRM_HOURS = 1
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - 3601)
    token = signing.dumps(
        {"u": user.pk, "e": "late@example.com", "c": user.email}, salt=email_address.CONFIRM_SALT
    )
    monkeypatch.undo()
    response = api_client.post("/api/auth/email/confirm", {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json() == {"token": [email_address.INVALID_LINK]}


def test_a_link_stops_working_when_the_address_changed_since(
    client_for, user, mailoutbox, committed, api_client
):
    client = client_for(user)
    with committed():
        client.patch("/api/auth/me", {"email": "first@example.com"}, format="json")
        client.patch("/api/auth/me", {"email": "second@example.com"}, format="json")
    first, second = (token_in(m) for m in mailoutbox)
    assert api_client.post("/api/auth/email/confirm", {"token": second}).status_code == 200
    response = api_client.post("/api/auth/email/confirm", {"token": first})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email == "second@example.com"


def test_an_address_taken_before_the_link_is_followed(api_client, mailoutbox, committed):
    with committed():
        register(api_client, "slow", "race@example.com")
    UserFactory(username="fast", email="Race@example.com")
    response = api_client.post("/api/auth/email/confirm", {"token": token_in(mailoutbox[0])})
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.get(username="slow").email == ""


def test_a_disabled_account_cannot_confirm(api_client, mailoutbox, committed):
    with committed():
        register(api_client, "gone", "gone@example.com")
    User.objects.filter(username="gone").update(is_active=False)
    response = api_client.post("/api/auth/email/confirm", {"token": token_in(mailoutbox[0])})
    assert response.status_code == 400


def test_removing_the_address_or_changing_its_case_needs_no_link(
    client_for, user, mailoutbox, committed
):
    client = client_for(user)
    with committed():
        assert client.patch("/api/auth/me", {"email": "ALICE@example.com"}).json()["email"] == (
            "ALICE@example.com"
        )
        assert client.patch("/api/auth/me", {"email": ""}).json()["email"] == ""
    assert mailoutbox == []


def test_a_malformed_address_is_400(client_for, user):
    response = client_for(user).patch("/api/auth/me", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_the_web_page_confirms_on_its_button_only(client, mailoutbox, committed, api_client):
    with committed():
        register(api_client, "webby", "webby@example.com")
    token = token_in(mailoutbox[0])
    page = client.get("/accounts/email/confirm/", {"token": token})
    assert page.status_code == 200
    assert User.objects.get(username="webby").email == ""  # a GET (mail scanner) does nothing
    done = client.post("/accounts/email/confirm/", {"token": token})
    assert done.status_code == 200
    assert b"webby@example.com" in done.content
    assert User.objects.get(username="webby").email == "webby@example.com"
    bad = client.post("/accounts/email/confirm/", {"token": "nope"})
    assert bad.status_code == 200
    assert email_address.INVALID_LINK.encode() in bad.content


def test_web_settings_ask_for_confirmation_without_telling_if_taken(
    client, user, other_user, mailoutbox, committed
):
    client.force_login(user)
    with committed():
        response = client.post(
            "/accounts/settings/",
            {"form": "profile", "display_name": "A", "email": other_user.email, "bio": ""},
            follow=True,
        )
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert texts[0] == "Profile saved."
    assert texts[1].startswith(f"We sent a message to {other_user.email}.")
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("A", "alice@example.com")
    assert [m.to for m in mailoutbox] == [[other_user.email]]
