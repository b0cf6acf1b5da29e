"""The language of the web UI: the browser's (Accept-Language) unless the user chose one
in the settings page (User.language, on /api/auth/me), which then wins on every request
and follows them to the login page after logging out (the language cookie)."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def page(client, url: str = "/", accept: str = "en"):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=accept)


def test_me_shows_and_changes_the_language(client_for, user):
    api = client_for(user)
    assert api.get("/api/auth/me").json()["language"] == ""
    response = api.patch("/api/auth/me", {"language": "vi"}, format="json")
    assert response.status_code == 200
    assert response.json()["language"] == "vi"
    user.refresh_from_db()
    assert user.language == "vi"
    assert api.patch("/api/auth/me", {"language": ""}, format="json").json()["language"] == ""


@pytest.mark.parametrize("value", ["xx", "vi-VN", "EN", 5, None, ["vi"]])
def test_an_unknown_language_is_refused_naming_the_field(client_for, user, value):
    response = client_for(user).patch("/api/auth/me", {"language": value}, format="json")
    assert response.status_code == 400
    assert "language" in response.json()
    user.refresh_from_db()
    assert user.language == ""


def test_the_browser_language_without_a_choice(client, user):
    client.force_login(user)
    vietnamese = page(client, accept="vi-VN,vi;q=0.9,en;q=0.5")
    assert vietnamese["Content-Language"] == "vi"
    assert '<html lang="vi">' in vietnamese.text
    assert "Trò chuyện" in vietnamese.text
    english = page(client, accept="en-US,en;q=0.9")
    assert english["Content-Language"] == "en"
    assert "Trò chuyện" not in english.text
    assert COOKIE not in english.cookies  # nothing chosen, nothing stored


def test_the_choice_wins_over_the_browser_and_is_kept_in_the_cookie(client, user):
    User.objects.filter(pk=user.pk).update(language="vi")
    client.force_login(user)
    response = page(client, accept="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.text
    assert response.cookies[COOKIE].value == "vi"
    # The catalog of the web UI speaks it too (its URL names the language).
    assert f"{reverse('javascript-catalog')}?l=vi" in response.text
    catalog = client.get(f"{reverse('javascript-catalog')}?l=vi", HTTP_ACCEPT_LANGUAGE="en")
    assert json.dumps("Đang gửi…") in catalog.content.decode()  # as the catalog escapes it
    # Logged out, the login page still speaks it (the cookie).
    client.post(reverse("logout"))
    login = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert login["Content-Language"] == "vi"
    assert "Đăng nhập" in login.text


def test_going_back_to_the_browser_language_drops_the_cookie(client, user):
    User.objects.filter(pk=user.pk).update(language="vi")
    client.force_login(user)
    page(client)
    assert client.cookies[COOKIE].value == "vi"
    response = client.patch("/api/auth/me", {"language": ""}, content_type="application/json")
    assert response.status_code == 200
    assert response.cookies[COOKIE].value == ""  # deleted
    assert page(client, accept="en")["Content-Language"] == "en"


def test_the_settings_page_offers_the_languages(client, user):
    User.objects.filter(pk=user.pk).update(language="vi")
    client.force_login(user)
    text = page(client, reverse("settings")).text
    assert 'id="language-select"' in text
    assert '<option value="vi" lang="vi" selected>' in text  # named in itself (Django's)
    assert '<option value="en" lang="en">English</option>' in text
    assert '<option value="">Theo trình duyệt</option>' in text


def test_forms_and_flash_messages_are_translated(client, user):
    client.force_login(user)
    response = client.post(
        reverse("settings"),
        {"form": "profile", "display_name": "Alice", "email": "", "bio": ""},
        HTTP_ACCEPT_LANGUAGE="vi",
        follow=True,
    )
    assert "Đã lưu hồ sơ." in response.text
    assert "Tên hiển thị" in response.text


def test_a_confirmation_mail_is_written_in_the_recipients_language(
    client_for, user, mailoutbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=user.pk).update(language="vi")
    user.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).patch(
            "/api/auth/me", {"email": "alice.new@example.com"}, format="json"
        )
    assert response.status_code == 200
    [mail] = mailoutbox
    assert mail.subject == "Xác nhận địa chỉ email"
    assert "Xin chào alice," in mail.body


@pytest.mark.parametrize("session", [True, False])
def test_the_api_speaks_english_whatever_the_language(client, api_client, user, session):
    """The API's texts are its contract: neither Accept-Language nor the user's choice
    changes them (DRF ships its own Vietnamese, which would otherwise answer)."""
    User.objects.filter(pk=user.pk).update(language="vi")
    if session:
        client.force_login(user)
        response = client.post(
            "/api/friends/request",
            {},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="vi",
        )
    else:
        response = api_client.post("/api/auth/login", {}, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    assert "This field is required." in str(response.json())
    assert response["Content-Language"] == "en"
