"""Input checks the payments services share: ids, notes, reasons, idempotency keys.

Unknown and malformed ids get the same not-found, so ids leak nothing and garbage is
never a 500.
"""

from django.core.exceptions import ValidationError
from django.http import Http404

from accounts import services as accounts_services
from accounts.models import User
from accounts.selectors import USER_NOT_FOUND
from chat_project.text import BadText, check_text
from payments.models import IDEMPOTENCY_KEY_MAX_LENGTH, NOTE_MAX_LENGTH

REASON_REQUIRED = "Say why: the reason goes into the audit log."


def _clean_text(value: object, field: str, max_length: int) -> str:
    """Trimmed text (None is empty) of at most `max_length` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: ["Must be a string."]})
    text = value.strip()
    try:
        check_text(text)
    except BadText as exc:
        raise ValidationError({field: [str(exc)]}) from None
    if len(text) > max_length:
        raise ValidationError(
            {field: [f"Ensure this field has no more than {max_length} characters."]}
        )
    return text


def clean_note(note: object) -> str:
    return _clean_text(note, "note", NOTE_MAX_LENGTH)


def clean_reason(reason: object) -> str:
    text = _clean_text(reason, "reason", accounts_services.REASON_MAX_LENGTH)
    if not text:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    return text


def clean_idempotency_key(key: object) -> str:
    """Any non-empty string of at most 64 characters, kept exactly as sent."""
    if not isinstance(key, str) or not key:
        raise ValidationError({"idempotency_key": ["A non-empty string is required."]})
    try:
        check_text(key)
    except BadText as exc:
        raise ValidationError({"idempotency_key": [str(exc)]}) from None
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {
                "idempotency_key": [
                    f"Ensure this field has no more than {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
                ]
            }
        )
    return key


def active_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Http404(USER_NOT_FOUND)
    return user


def any_user(user_id: int) -> User:
    """The user, active or not: a banned or deleted account still owns its wallet, and
    staff must be able to take the money out of it."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404(USER_NOT_FOUND)
    return user
