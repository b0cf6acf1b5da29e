"""Web push subscriptions (accounts): the REST API, the service worker, the admin, the keys.

Delivery itself and which messages push are tested with a real local push service in
messaging/tests/test_push.py.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts import push
from accounts.models import PushSubscription
from chat_project.vapid import b64url_decode, public_key_of
from tests.push_service import BrowserKeys, vapid_settings

pytestmark = pytest.mark.django_db

URL = "/api/push/subscriptions"
ENDPOINT = "http://127.0.0.1:9/push/laptop"


@pytest.fixture
def keys(settings):
    return vapid_settings(settings)


@pytest.fixture
def alice(user, client_for):
    return client_for(user)


def body(endpoint: str = ENDPOINT, browser: BrowserKeys | None = None) -> dict:
    return (browser or BrowserKeys.new()).subscription(endpoint)


def test_the_public_key_and_whether_push_is_on(alice, keys, settings):
    public, _ = keys
    assert alice.get("/api/push/key").json() == {"enabled": True, "public_key": public}
    settings.VAPID_PRIVATE_KEY = ""
    assert alice.get("/api/push/key").json() == {"enabled": False, "public_key": None}


def test_the_public_key_needs_a_login(api_client, keys):
    assert api_client.get("/api/push/key").status_code == 401


def test_subscribe_list_and_unsubscribe(alice, keys, user):
    response = alice.post(URL, body(), format="json", HTTP_USER_AGENT="Firefox/140")
    assert response.status_code == 201
    created = response.json()
    assert created["endpoint"] == ENDPOINT
    assert created["user_agent"] == "Firefox/140"
    assert created["last_success_at"] is None

    assert [s["id"] for s in alice.get(URL).json()] == [created["id"]]
    assert alice.delete(f"{URL}/{created['id']}").status_code == 204
    assert alice.get(URL).json() == []
    assert alice.delete(f"{URL}/{created['id']}").status_code == 404


def test_the_same_browser_again_refreshes_its_keys(alice, keys):
    first = alice.post(URL, body(), format="json").json()
    browser = BrowserKeys.new()
    response = alice.post(URL, body(browser=browser), format="json")
    assert response.status_code == 200
    assert response.json()["id"] == first["id"]
    assert PushSubscription.objects.get().p256dh == browser.p256dh


def test_a_browser_another_account_subscribes_is_theirs_from_then_on(
    alice, keys, other_user, client_for
):
    alice.post(URL, body(), format="json")
    bob = client_for(other_user)
    assert bob.post(URL, body(), format="json").status_code == 200
    assert alice.get(URL).json() == []
    assert PushSubscription.objects.get().user == other_user


def test_someone_elses_subscription_is_not_found(alice, keys, other_user, client_for):
    theirs = client_for(other_user).post(URL, body(), format="json").json()
    assert alice.delete(f"{URL}/{theirs['id']}").status_code == 404
    assert alice.get(URL).json() == []
    assert PushSubscription.objects.count() == 1


def test_past_the_device_limit_the_least_recently_used_goes(alice, keys, settings, user):
    settings.PUSH_MAX_DEVICES = 2
    ids = [alice.post(URL, body(f"{ENDPOINT}-{n}"), format="json").json()["id"] for n in range(3)]
    assert sorted(s["id"] for s in alice.get(URL).json()) == ids[1:]


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("https://evil.example.com/push/1", "not a push service"),
        ("http://fcm.googleapis.com/fcm/send/1", "not https"),
        ("https://10.0.0.5/push/1", "an address inside"),
        ("http://localhost:9/push", "a loopback host not listed"),
        ("https://user:pw@fcm.googleapis.com/x", "credentials"),
        ("https://fcm.googleapis.com:bad/x", "a malformed port"),
        ("not a url", "not a URL"),
    ],
)
def test_only_https_endpoints_of_known_push_services(alice, keys, settings, endpoint, why):
    settings.PUSH_ENDPOINT_HOSTS = ["fcm.googleapis.com", ".push.services.mozilla.com", "127.0.0.1"]
    response = alice.post(URL, body(endpoint), format="json")
    assert response.status_code == 400, why
    assert "endpoint" in response.json()


def test_a_subdomain_entry_allows_the_subdomains(keys, settings):
    settings.PUSH_ENDPOINT_HOSTS = [".push.services.mozilla.com"]
    assert push.endpoint_allowed("https://updates.push.services.mozilla.com/wpush/v2/x")
    assert not push.endpoint_allowed("https://push.services.mozilla.com.evil.com/x")


@pytest.mark.parametrize(
    ("keys_body", "field"),
    [
        ({"p256dh": "AAAA", "auth": BrowserKeys.new().auth}, "p256dh"),
        ({"p256dh": BrowserKeys.new().p256dh, "auth": "c2hvcnQ"}, "auth"),
        ({"p256dh": "!!not base64!!", "auth": BrowserKeys.new().auth}, "p256dh"),
        ({"p256dh": BrowserKeys.new().p256dh}, "keys"),
    ],
)
def test_keys_of_the_wrong_size_are_refused_by_name(alice, keys, keys_body, field):
    response = alice.post(URL, {"endpoint": ENDPOINT, "keys": keys_body}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not PushSubscription.objects.exists()


def test_wrong_json_types_are_refused(alice, keys):
    response = alice.post(URL, {"endpoint": 5, "keys": body()["keys"]}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"endpoint"}
    response = alice.post(URL, {"endpoint": ENDPOINT, "keys": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"keys"}


def test_subscribing_without_keys_on_the_server_is_a_conflict(alice, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    settings.PUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    response = alice.post(URL, body(), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "push_disabled"


def test_the_list_costs_the_same_at_n_and_2n(alice, keys, django_assert_num_queries):
    for n in range(3):
        alice.post(URL, body(f"{ENDPOINT}-{n}"), format="json")
    with django_assert_num_queries(1):
        assert len(alice.get(URL).json()) == 3
    for n in range(3, 6):
        alice.post(URL, body(f"{ENDPOINT}-{n}"), format="json")
    with django_assert_num_queries(1):
        assert len(alice.get(URL).json()) == 6


def test_previews_are_a_profile_setting(alice):
    assert alice.get("/api/auth/me").json()["push_previews"] is False
    response = alice.patch("/api/auth/me", {"push_previews": True}, format="json")
    assert response.status_code == 200
    assert response.json()["push_previews"] is True
    refused = alice.patch("/api/auth/me", {"push_previews": "yes"}, format="json")
    assert refused.status_code == 400
    assert "push_previews" in refused.json()


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    text = response.content.decode()
    assert 'addEventListener("push"' in text
    assert 'addEventListener("notificationclick"' in text
    assert "New message" in text


def test_the_admin_lists_devices_without_their_secrets(admin_client, user, keys):
    browser = BrowserKeys.new()
    PushSubscription.objects.create(
        user=user,
        endpoint="https://fcm.googleapis.com/fcm/send/secret-token",
        p256dh=browser.p256dh,
        auth=browser.auth,
        user_agent="Chrome/150",
    )
    page = admin_client.get(reverse("admin:accounts_pushsubscription_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "fcm.googleapis.com" in html and "Chrome/150" in html
    assert "secret-token" not in html and browser.auth not in html


def test_the_admin_removes_a_device(admin_client, user, keys):
    browser = BrowserKeys.new()
    subscription = PushSubscription.objects.create(
        user=user, endpoint=ENDPOINT, p256dh=browser.p256dh, auth=browser.auth
    )
    url = reverse("admin:accounts_pushsubscription_delete", args=[subscription.id])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not PushSubscription.objects.exists()


def test_vapid_keys_command_prints_a_matching_pair():
    out = io.StringIO()
    call_command("vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    public, private = lines["VAPID_PUBLIC_KEY"], lines["VAPID_PRIVATE_KEY"]
    assert len(b64url_decode(public)) == 65 and len(b64url_decode(private)) == 32
    assert public_key_of(private) == public


def test_the_dev_pair_is_made_once_and_kept(tmp_path):
    from chat_project.vapid import dev_key_pair

    path = tmp_path / ".vapid-dev.json"
    first = dev_key_pair(path)
    assert dev_key_pair(path) == first
    assert public_key_of(first[1]) == first[0]
    assert path.stat().st_mode & 0o077 == 0


def test_logging_out_of_the_web_session_forgets_its_browser(client, user, keys, other_user):
    """A shared computer stops showing someone's notifications once they log out; their
    other browsers (and token clients) keep theirs."""
    client.force_login(user)
    made_here = client.post(URL, body(), content_type="application/json")
    assert made_here.status_code == 201
    elsewhere = BrowserKeys.new()
    from accounts import services

    services.push_subscribe(
        user=user,
        endpoint=f"{ENDPOINT}-phone",
        p256dh=elsewhere.p256dh,
        auth=elsewhere.auth,
        session_key="another-session",
    )
    services.push_subscribe(
        user=user, endpoint=f"{ENDPOINT}-app", p256dh=elsewhere.p256dh, auth=elsewhere.auth
    )

    assert client.post(reverse("logout")).status_code == 302

    assert sorted(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        f"{ENDPOINT}-app",
        f"{ENDPOINT}-phone",
    ]
    assert "another-session" not in PushSubscription.objects.values_list(
        "session_hash", flat=True
    )  # only a hash of the session is kept


def test_a_ban_ends_the_subscriptions_of_the_sessions_it_ends(client, user, keys, moderator):
    from accounts import services

    client.force_login(user)
    assert client.post(URL, body(), content_type="application/json").status_code == 201
    services.user_ban(actor=moderator, user_id=user.id, reason="spam")
    assert not PushSubscription.objects.exists()
