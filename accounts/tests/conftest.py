"""Helpers of the login and client-address tests: a client at an address, a login, rates."""

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD

#: A proxy the tests trust (`TRUSTED_PROXIES`) in front of the clients.
PROXY = "10.0.0.2"


def client_at(ip: str) -> APIClient:
    """A client whose connection comes from `ip`."""
    return APIClient(REMOTE_ADDR=ip)


def login(client: APIClient, username: str, password: str = DEFAULT_PASSWORD, **extra):
    """`POST /api/auth/login` with these credentials (`extra`: headers such as
    `HTTP_X_FORWARDED_FOR`)."""
    body = {"username": username, "password": password}
    return client.post("/api/auth/login", body, format="json", **extra)


@pytest.fixture
def rates(monkeypatch):
    """`rates(scope, "5/min")`: a throttle rate for this test only."""

    def set_rate(scope: str, rate: str) -> None:
        monkeypatch.setitem(django_settings.THROTTLE_RATES, scope, rate)

    return set_rate
