"""Forgotten passwords (accounts/password_reset.py): the same answer for every address,
a link that works once, through REST and through Django's reset views."""

import re

import pytest
from django.core.cache import cache

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "a-Brand-new-passw0rd!"
LINK = re.compile(r"https?://[^/\s]+/accounts/password/reset/([^/\s]+)/([^/\s]+)/")


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def ask(api_client, email):
    return api_client.post("/api/auth/password-reset", {"email": email}, format="json")


def test_the_answer_is_the_same_whether_the_address_has_an_account(
    api_client, mailoutbox, committed
):
    UserFactory(username="owner", email="owner@example.com")
    with committed():
        known = ask(api_client, "owner@example.com")
    with committed():
        unknown = ask(api_client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    differing = {k for k in known.headers if known.headers[k] != unknown.headers.get(k)}
    assert differing <= {"X-Request-ID"}
    assert [m.to for m in mailoutbox] == [["owner@example.com"]]
    assert "owner" in mailoutbox[0].body
    assert LINK.search(mailoutbox[0].body)


def test_inactive_accounts_and_unusable_passwords_get_nothing(api_client, mailoutbox, committed):
    UserFactory(username="gone", email="gone@example.com", is_active=False)
    nopass = UserFactory(username="nopass", email="nopass@example.com")
    nopass.set_unusable_password()
    nopass.save()
    with committed():
        assert ask(api_client, "gone@example.com").status_code == 202
        assert ask(api_client, "nopass@example.com").status_code == 202
    assert mailoutbox == []


def test_a_malformed_address_is_a_400_naming_it(api_client):
    response = ask(api_client, "not-an-address")
    assert response.status_code == 400
    assert "email" in str(response.json()), response.json()


def test_the_link_works_once_and_ends_other_logins(api_client, mailoutbox, committed):
    user = UserFactory(username="owner", email="owner@example.com")
    login = api_client.post(
        "/api/auth/login",
        {"username": "owner", "password": DEFAULT_PASSWORD},
        format="json",
    )
    with committed():
        ask(api_client, "owner@example.com")
    uid, token = LINK.search(mailoutbox[0].body).groups()
    body = {"uid": uid, "token": token, "new_password": NEW}
    with committed():
        first = api_client.post("/api/auth/password-reset/confirm", body, format="json")
    assert first.status_code == 204, first.content
    user.refresh_from_db()
    assert user.check_password(NEW)
    again = api_client.post(
        "/api/auth/password-reset/confirm", {**body, "new_password": NEW + "x"}, format="json"
    )
    assert again.status_code == 400
    assert "token" in str(again.json())
    assert login.status_code == 200
    # The refresh token from before the reset is revoked.
    refresh = login.json()["refresh_token"]
    refreshed = api_client.post("/api/auth/refresh", {"refresh_token": refresh}, format="json")
    assert refreshed.status_code == 401


def test_a_weak_new_password_is_refused_naming_it_and_the_link_still_works(
    api_client, mailoutbox, committed
):
    UserFactory(username="owner", email="owner@example.com")
    with committed():
        ask(api_client, "owner@example.com")
    uid, token = LINK.search(mailoutbox[0].body).groups()
    weak = api_client.post(
        "/api/auth/password-reset/confirm",
        {"uid": uid, "token": token, "new_password": "123"},
        format="json",
    )
    assert weak.status_code == 400
    assert "new_password" in str(weak.json())
    ok = api_client.post(
        "/api/auth/password-reset/confirm",
        {"uid": uid, "token": token, "new_password": NEW},
        format="json",
    )
    assert ok.status_code == 204


@pytest.mark.parametrize("uid", ["", "zzz", "MTIzNDU2Nzg5"])
def test_a_forged_link_is_refused(api_client, uid):
    UserFactory(username="owner", email="owner@example.com")
    response = api_client.post(
        "/api/auth/password-reset/confirm",
        {"uid": uid or "x", "token": "abc-def", "new_password": NEW},
        format="json",
    )
    assert response.status_code == 400
    assert "token" in str(response.json())


def test_requests_are_throttled_per_client_address(api_client, rates):
    rates("password_reset", "2/hour")
    for _ in range(2):
        assert ask(api_client, "a@example.com").status_code == 202
    refused = ask(api_client, "a@example.com")
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


def test_one_address_gets_few_mails_whoever_asks(mailoutbox, committed, rates):
    from rest_framework.test import APIClient

    rates("password_reset_email", "2/hour")
    UserFactory(username="owner", email="owner@example.com")
    for n in range(4):
        client = APIClient(REMOTE_ADDR=f"10.0.0.{n + 1}")
        with committed():
            assert ask(client, "owner@example.com").status_code == 202
    assert len(mailoutbox) == 2


def test_the_web_pages_reset_the_password_once(client, mailoutbox, committed):
    user = UserFactory(username="owner", email="owner@example.com")
    login_page = client.get("/accounts/login/")
    assert b'href="/accounts/password/reset/"' in login_page.content
    with committed():
        known = client.post("/accounts/password/reset/", {"email": "owner@example.com"})
    with committed():
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    link = LINK.search(mailoutbox[0].body)
    path = link.group(0).split("testserver", 1)[1]
    page = client.get(path, follow=True)
    assert page.status_code == 200 and page.context["validlink"]
    set_url = page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"
    assert User.objects.get(pk=user.pk).check_password(NEW)
    again = client.get(path, follow=True)
    assert not again.context["validlink"]
    assert "invalid, expired or already used" in again.content.decode()


def test_a_blank_address_is_a_400_naming_it(api_client):
    response = ask(api_client, "")
    assert response.status_code == 400
    assert "email" in str(response.json()), response.json()
