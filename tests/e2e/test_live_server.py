"""The live-server fixture itself: a real daphne serving this run's database."""

import httpx
import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_live_server_health_and_login(daphne_server):
    UserFactory(username="livealice")
    health = httpx.get(f"{daphne_server.url}/health")
    assert health.status_code == 200, daphne_server.log()
    assert health.json()["database"] == "ok"
    login = httpx.post(
        f"{daphne_server.url}/api/auth/login",
        json={"username": "livealice", "password": DEFAULT_PASSWORD},
    )
    assert login.status_code == 200, login.text
    me = httpx.get(
        f"{daphne_server.url}/api/auth/me",
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
    )
    assert me.json()["username"] == "livealice"
