"""The web login page (accounts/forms.py LoginForm): what the browser is given and accepts."""

import re

import pytest
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LONG_EMAIL = "someone.with.a.long.name@mail.example.org"  # 41 characters, over the 32 of usernames


def test_login_field_lets_the_browser_type_a_whole_email_address():
    """Django's AuthenticationForm copies the username's max_length (32) onto the field in
    __init__; the browser then cut longer email addresses short (issue 16, bug 1)."""
    page = Client().get("/accounts/login/").content.decode()
    field = re.search(r'<input[^>]*name="username"[^>]*>', page)
    assert field is not None
    assert 'maxlength="254"' in field.group(0)


def test_login_by_an_email_address_longer_than_a_username():
    user = UserFactory(email=LONG_EMAIL)
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": LONG_EMAIL, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.id
