"""Per-IP throttles count the client address as `chat_project.client_ip` computes it:
X-Forwarded-For only from `TRUSTED_PROXIES` (docs/api.md, "The client address")."""

import pytest

from accounts.tests.conftest import PROXY, client_at, login

pytestmark = pytest.mark.django_db

STRONG = "a-Strong-passw0rd!"


# --- per client address: X-Forwarded-For from strangers is not believed ------------------


def test_rotating_forwarded_for_does_not_bypass_the_login_ip_throttle(rates, db):
    rates("login_ip", "5/min")
    client = client_at("127.0.0.1")  # loopback is not trusted unless configured
    codes = [
        login(client, f"nobody{i}", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(8)
    ]
    assert codes == [401] * 5 + [429] * 3


def test_rotating_forwarded_for_does_not_bypass_the_register_throttle(rates, db):
    rates("register", "2/hour")
    client = client_at("127.0.0.1")
    codes = [
        client.post(
            "/api/auth/register",
            {"username": f"new{i}", "password": STRONG},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(4)
    ]
    assert codes == [201, 201, 429, 429]


def test_rotating_forwarded_for_does_not_bypass_the_default_anonymous_throttle(rates, db):
    rates("anon", "3/min")
    client = client_at("127.0.0.1")
    codes = [
        client.post(
            "/api/auth/refresh",
            {"refresh_token": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(rates, settings, db):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    rates("login_ip", "2/min")
    proxy = client_at(PROXY)
    # Two clients behind the proxy each get their own budget...
    for ip in ("198.51.100.1", "198.51.100.2"):
        codes = [login(proxy, "nobody", HTTP_X_FORWARDED_FOR=ip).status_code for _ in range(3)]
        assert codes == [401, 401, 429], ip
    # ...and a client cannot escape its own by prepending addresses: the proxy appends
    # the real one, which is what counts.
    spoofed = login(proxy, "nobody", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1")
    assert spoofed.status_code == 429
    # A connection that is not from the proxy is counted by its own address.
    direct = client_at("203.0.113.50")
    codes = [
        login(direct, "nobody", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(10, 13)
    ]
    assert codes == [401, 401, 429]


def test_ipv6_clients_share_a_limit_per_64(rates, db):
    rates("login_ip", "2/min")
    codes = [login(client_at(f"2001:db8:1:2::{i}"), "nobody").status_code for i in range(1, 4)]
    assert codes == [401, 401, 429]
    assert login(client_at("2001:db8:1:3::1"), "nobody").status_code == 401
