"""Two-factor sign-in with real TOTP codes computed from the device's key (RFC 6238,
django-otp's own implementation), the way an authenticator app computes them."""

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import services
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator shows now (or `steps_ahead` periods later: a code that was
    used is refused, so a second sign-in within 30 s takes the next one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = services.totp_enrol_start(user=user)
    recovery = services.totp_enrol_confirm(user=user, code=code(device))
    device.refresh_from_db()
    return device, recovery


def api_login(**body):
    return APIClient().post(
        "/api/auth/login",
        {"username": "alice", "password": DEFAULT_PASSWORD, **body},
        format="json",
    )


def test_enrolment_over_rest_with_a_real_code(user, client_for):
    api = client_for(user)
    assert api.get("/api/auth/two-factor").json() == {
        "enabled": False,
        "pending": False,
        "recovery_codes_left": 0,
    }
    started = api.post("/api/auth/two-factor/totp").json()
    assert started["otpauth_url"].startswith("otpauth://totp/Chat%3Aalice?secret=")
    assert started["qr_code"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed and started["secret"] in started["otpauth_url"]
    wrong = api.post("/api/auth/two-factor/totp/confirm", {"code": "000000"}, format="json")
    assert wrong.status_code == 400 and "code" in wrong.json()
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # the wrong try throttles the next one (1 s)
    device.throttling_failure_count = 0
    device.save()
    confirmed = api.post("/api/auth/two-factor/totp/confirm", {"code": code(device)}, format="json")
    assert confirmed.status_code == 200
    assert len(confirmed.json()["recovery_codes"]) == 10
    assert api.get("/api/auth/two-factor").json()["enabled"] is True
    again = api.post("/api/auth/two-factor/totp")
    assert (again.status_code, again.json()["code"]) == (409, "two_factor_enabled")


def test_the_token_endpoint_asks_for_otp_when_the_user_has_a_device(user):
    assert api_login().status_code == 200  # no device: the password is enough
    device, recovery = enrol(user)
    missing = api_login()
    assert missing.status_code == 400 and list(missing.json()) == ["otp"]
    wrong_password = api_login(password="nope", otp=code(device, 1))
    assert wrong_password.status_code == 401  # the password is checked first
    wrong = api_login(otp="123456" if code(device, 1) != "123456" else "654321")
    assert wrong.status_code == 400 and list(wrong.json()) == ["otp"]
    device.refresh_from_db()
    device.throttling_failure_timestamp, device.throttling_failure_count = None, 0
    device.save()
    good = api_login(otp=code(device, 1))
    assert good.status_code == 200 and "access_token" in good.json()
    replay = api_login(otp=code(device, 1))
    assert replay.status_code == 400  # a code works once
    by_recovery = api_login(otp=recovery[0])
    assert by_recovery.status_code == 200
    assert api_login(otp=recovery[0]).status_code == 400  # used up
    assert services.recovery_codes_left(user) == 9


def test_the_web_login_asks_for_the_code_after_the_password(user):
    device, _ = enrol(user)
    web = Client()
    response = web.post(
        "/accounts/login/?next=/friends/", {"username": "alice", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/code/")
    assert "_auth_user_id" not in web.session  # not logged in on the password alone
    assert web.get("/friends/").status_code == 302  # still sent to the login
    page = web.get(response["Location"])
    assert b'autocomplete="one-time-code"' in page.content
    refused = web.post(response["Location"], {"code": "000000", "next": "/friends/"})
    assert refused.status_code == 200 and b"not valid" in refused.content
    device.refresh_from_db()
    device.throttling_failure_timestamp, device.throttling_failure_count = None, 0
    device.save()
    done = web.post(response["Location"], {"code": code(device, 1), "next": "/friends/"})
    assert (done.status_code, done["Location"]) == (302, "/friends/")
    assert int(web.session["_auth_user_id"]) == user.id
    assert web.get("/friends/").status_code == 200


def test_turning_it_off_needs_the_password(user, client_for):
    enrol(user)
    api = client_for(user)
    wrong = api.post("/api/auth/two-factor/disable", {"password": "nope"}, format="json")
    assert wrong.status_code == 400 and list(wrong.json()) == ["password"]
    new_codes = api.post(
        "/api/auth/two-factor/recovery-codes", {"password": DEFAULT_PASSWORD}, format="json"
    )
    assert len(new_codes.json()["recovery_codes"]) == 10
    off = api.post("/api/auth/two-factor/disable", {"password": DEFAULT_PASSWORD}, format="json")
    assert off.status_code == 204
    assert api_login().status_code == 200


def test_staff_need_a_verified_session_for_the_admin(settings, moderator):
    settings.ADMIN_OTP_REQUIRED = True
    web = Client()
    web.force_login(moderator)
    response = web.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    enrolment = web.get(response["Location"])
    assert enrolment["Location"].startswith("/accounts/two-factor/")
    page = web.get(enrolment["Location"])
    assert b"Staff accounts need two-factor sign-in" in page.content
    web.post("/accounts/two-factor/", {"step": "start"})
    device = TOTPDevice.objects.get(user=moderator)
    page = web.get("/accounts/two-factor/")
    assert b'id="totp-qr"' in page.content
    confirmed = web.post(
        "/accounts/two-factor/", {"step": "confirm", "code": code(device), "next": "/admin/"}
    )
    assert confirmed.status_code == 200 and b'id="recovery-codes"' in confirmed.content
    assert web.get("/admin/").status_code == 200  # the confirming code verified the session
    # a new session of the same staff member: password alone is not enough
    other = Client()
    other.force_login(moderator)
    assert other.get("/admin/").status_code == 302
    device.refresh_from_db()
    verified = other.post(
        "/accounts/two-factor/", {"step": "verify", "code": code(device, 1), "next": "/admin/"}
    )
    assert verified["Location"] == "/admin/"
    assert other.get("/admin/").status_code == 200


def test_the_admin_login_form_is_not_a_way_around_the_code(settings, moderator):
    settings.ADMIN_OTP_REQUIRED = True
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    posted = Client().post(
        "/admin/login/?next=/admin/", {"username": "mod", "password": DEFAULT_PASSWORD}
    )
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")


def test_a_deleted_account_loses_its_devices(user):
    enrol(user)
    from leaving import services as leaving_services

    leaving_services.account_delete(actor=user, password=DEFAULT_PASSWORD)
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_user_without_a_device_is_not_asked():
    UserFactory(username="zed")
    response = Client().post("/accounts/login/", {"username": "zed", "password": DEFAULT_PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/")
