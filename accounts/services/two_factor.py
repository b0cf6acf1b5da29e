"""Two-factor sign-in: a TOTP authenticator (django-otp's `TOTPDevice`) plus ten
single-use recovery codes (a `StaticDevice`), optional for everyone, required of staff for
the admin (chat_project/admin_site.py).

Enrolment is two steps: `totp_enrol_start` makes an unconfirmed device (its key goes to
the authenticator app as a QR code), `totp_enrol_confirm` turns it on once a code from the
app proves the key arrived, and hands out the recovery codes once. Login (web and
`POST /api/auth/login`) then needs a code after the password (`otp_verify`).

django-otp throttles wrong codes per device (exponential delays) and refuses a TOTP code
that was already used (`last_t`), so a code seen over a shoulder cannot be replayed.
Verifications run outside any transaction of ours: a failed try must keep its throttle
increment even when the caller then raises.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from chat_project.exceptions import Conflict

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
INVALID_CODE = "The code is not valid. Check your device's clock, or wait for the next code."
NOT_STARTED = "Start the set-up first: there is no authenticator waiting to be confirmed."
ALREADY_ON = "Two-factor sign-in is already on; turn it off first to set up a new device."


def two_factor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


@transaction.atomic
def totp_enrol_start(*, user: User) -> TOTPDevice:
    """A new unconfirmed authenticator (any earlier unconfirmed one is dropped)."""
    if two_factor_enabled(user):
        raise Conflict(ALREADY_ON, code="two_factor_enabled")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def pending_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def totp_enrol_confirm(*, user: User, code: str) -> list[str]:
    """Turn the pending authenticator on with a code from it; returns the recovery codes,
    which the owner sees this once."""
    device = pending_totp(user)
    if device is None:
        raise ValidationError({"code": [NOT_STARTED]}, code="not_started")
    if not device.verify_token(_normalise(code)):
        raise ValidationError({"code": [INVALID_CODE]}, code="invalid_otp")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_reset(user=user)


@transaction.atomic
def recovery_codes_reset(*, user: User) -> list[str]:
    """Ten new single-use recovery codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=_normalise(code)) for code in codes]
    )
    return codes


def otp_verify(*, user: User, code: str) -> Device | None:
    """The device a code of `user` belongs to (a TOTP code, or a recovery code, which is
    used up), or None.

    A code goes only to the kind of device it can belong to (six digits: the
    authenticator; anything else: the recovery codes): a failed try throttles the device
    it was tried on, and a mistyped TOTP code should not lock the recovery codes too."""
    token = _normalise(code)
    if not token:
        return None
    devices: list[Device]
    if token.isdigit() and len(token) <= 8:
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    for device in devices:
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def two_factor_devices_delete(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def two_factor_disable(*, user: User, password: str) -> None:
    """Turn two-factor sign-in off; the password proves it is the owner at the keyboard."""
    if not user.check_password(password or ""):
        raise ValidationError({"password": ["The password is incorrect."]}, code="wrong_password")
    two_factor_devices_delete(user=user)
