"""Per-account login limits (docs/api.md, "Login limits"): a flood of wrong passwords
from many addresses cannot turn them against the owner."""

import hashlib

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from accounts import login_guard as guard
from accounts.login_guard import LoginAttempt, LoginRefused, login_attempt_begin
from accounts.tests.conftest import PROXY, client_at, login
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

OWNER_IP = "198.51.100.7"


# --- per account: a flood cannot lock the owner out ---------------------------------------


def test_a_flood_of_wrong_passwords_from_many_addresses_does_not_lock_out_the_owner(settings, db):
    """The reported attack: wrong passwords from rotating addresses locked the owner out
    (nine did it). Default rates; the addresses come through a trusted proxy."""
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="alice")
    proxy = client_at(PROXY)
    owner = {"HTTP_X_FORWARDED_FOR": OWNER_IP}
    assert login(proxy, "alice", **owner).status_code == 200  # the owner's usual address

    codes = [
        login(proxy, "alice", "wrong-guess", HTTP_X_FORWARDED_FOR=f"203.0.{i // 250}.{i % 250}")
        for i in range(60)
    ]
    statuses = [response.status_code for response in codes]
    ceiling = int(django_settings.THROTTLE_RATES["login_username"].split("/")[0])
    # The flood itself is held: past the ceiling, unknown addresses wait (backoff).
    assert statuses.count(401) <= ceiling + 1
    assert statuses[-1] == 429
    assert 0 < int(codes[-1]["Retry-After"]) <= django_settings.LOGIN_BACKOFF_MAX_SECONDS

    # The owner, from their own address, logs in at once, as often as they like.
    for _ in range(3):
        assert login(proxy, "alice", **owner).status_code == 200
    # Their own typos do not lock them out either (the free tries per address).
    assert login(proxy, "alice", "typo", **owner).status_code == 401
    assert login(proxy, "alice", **owner).status_code == 200


def test_an_account_under_attack_answers_a_new_address_with_a_bounded_wait(settings, rates, db):
    rates("login_username", "3/hour")
    UserFactory(username="alice")
    for i in range(3):
        assert login(client_at(f"203.0.113.{i}"), "alice", "wrong").status_code == 401
    refused = login(client_at("198.51.100.99"), "alice")  # right password, unknown address
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= django_settings.LOGIN_BACKOFF_MAX_SECONDS


def test_one_address_guessing_one_account_backs_off_exponentially(rates, db, monkeypatch):
    rates("login_account_ip", "3/hour")
    rates("login_username", "100/hour")
    UserFactory(username="alice")
    guesser = client_at("203.0.113.1")
    assert [login(guesser, "alice", "wrong").status_code for _ in range(3)] == [401] * 3
    refused = login(guesser, "alice", "wrong")
    assert (refused.status_code, refused["Retry-After"]) == (429, "1")

    # Pretend the waits passed: each allowed try doubles the next wait.
    clock = [guard.time.time()]
    monkeypatch.setattr(guard, "_now", lambda: clock[0])
    waits = []
    for _ in range(4):
        clock[0] += 10_000
        end_current_wait("alice", "203.0.113.1")
        assert login(guesser, "alice", "wrong").status_code == 401
        waits.append(int(login(guesser, "alice", "wrong")["Retry-After"]))
    assert waits == [2, 4, 8, 16]
    # Nobody else is slowed down by it.
    assert login(client_at("198.51.100.7"), "alice").status_code == 200


def end_current_wait(username: str, ip: str) -> None:
    """End the current wait of (account, address) now, as its cache entry's expiry would."""
    account = hashlib.sha256(username.encode()).hexdigest()[:32]
    cache.delete(f"login:pair:{account}:{ip}:next")


def test_a_burst_of_parallel_tries_cannot_all_pass(rates, db):
    rates("login_account_ip", "5/hour")

    def try_once() -> LoginAttempt:
        return login_attempt_begin(username="alice", client_ip="203.0.113.1")

    results = run_concurrently(*[try_once] * 40)
    allowed = [r for r in results if isinstance(r, LoginAttempt)]
    refused = [r for r in results if isinstance(r, LoginRefused)]
    assert len(allowed) + len(refused) == len(results)  # nothing else went wrong
    assert 5 <= len(allowed) <= 6  # the free ones, and at most one past them


def test_username_and_email_are_limited_separately_and_alike(rates, db):
    """The limits key on the name as typed, so they never reveal which names are one
    account, or which accounts exist."""
    rates("login_account_ip", "2/hour")
    UserFactory(username="alice")
    guesser = client_at("203.0.113.1")
    for name in ("alice", "alice@example.com", "nobody"):
        codes = [login(guesser, name, "wrong").status_code for _ in range(3)]
        assert codes == [401, 401, 429], name


# --- every login form has the limits --------------------------------------------------------


def test_the_web_login_form_has_the_same_limits(rates, client, db):
    rates("login_account_ip", "2/hour")
    UserFactory(username="alice")
    body = {"username": "alice", "password": "wrong"}
    for _ in range(2):
        assert "Please enter a correct" in client.post("/accounts/login/", body).content.decode()
    refused = client.post("/accounts/login/", {**body, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200
    assert "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_web_login_form_has_the_per_address_throttle(rates, client, db):
    rates("login_ip", "2/min")
    for i in range(2):
        client.post(
            "/accounts/login/",
            {"username": "x", "password": "y"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    refused = client.post(
        "/accounts/login/", {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many login attempts" in refused.content.decode()


def test_the_admin_login_has_the_per_account_limits(rates, client, db):
    rates("login_account_ip", "2/hour")
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    for _ in range(2):
        client.post("/admin/login/", {"username": "boss", "password": "wrong"})
    client.post("/admin/login/", {"username": "boss", "password": DEFAULT_PASSWORD})
    assert "_auth_user_id" not in client.session  # refused, even with the right password


def test_a_zero_backoff_turns_the_backoff_off(rates, settings, db):
    settings.LOGIN_BACKOFF_MAX_SECONDS = 0
    rates("login_account_ip", "2/hour")
    guesser = client_at("203.0.113.1")
    assert [login(guesser, "nobody", "wrong").status_code for _ in range(4)] == [401] * 4
