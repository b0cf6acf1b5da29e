"""Services that put an email address on an account: only once its owner confirms it.

Registration and profile changes never say whether an address already belongs to an
account (that would let anyone test addresses: account enumeration, docs/api.md). The
answer is the same either way, and the address's owner is told by email: a link that
attaches the address when it is free, a notice ("you already have an account") when it
is taken. Until the link is followed the account keeps its previous address (none after
registration), so nothing the requester can read afterwards tells the two cases apart.

The link carries a signed token (user id, new address, the address it replaces), valid
for `EMAIL_CONFIRM_HOURS`; no table is needed, and a token stops working once the
account's address changed since it was issued.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from chat_project.mail import mail_later

from .models import User

CONFIRM_SALT = "accounts.email-confirm"
CONFIRM_PATH = "/accounts/email/confirm/"
# English in the API; the confirmation page shows it translated (gettext at display).
INVALID_LINK = gettext_noop("This link is invalid or has expired.")


def email_change_request(*, user: User, email: str, site_url: str = "") -> None:
    """Ask for `email` to become `user`'s address; mail its owner after commit.

    Raises ValidationError only for a malformed address. A free address gets a
    confirmation link; one that belongs to another account gets a notice to that
    account's owner. The caller cannot tell which (nor can `user`).
    """
    address = User.objects.normalize_email((email or "").strip())
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    if address.lower() == user.email.lower():
        return  # already theirs
    owner = User.objects.filter(email__iexact=address).exclude(pk=user.pk).first()
    if owner is not None:
        context = {"username": owner.username, "site_url": site_url.rstrip("/")}
        template = "accounts/email/address_in_use.txt"
        language = owner.language or translation.get_language()
    else:
        token = signing.dumps({"u": user.pk, "e": address, "c": user.email}, salt=CONFIRM_SALT)
        link = f"{site_url.rstrip('/')}{CONFIRM_PATH}?{urlencode({'token': token})}"
        context = {"username": user.username, "link": link, "hours": settings.EMAIL_CONFIRM_HOURS}
        template = "accounts/email/confirm_address.txt"
        language = user.language or translation.get_language()
    # A background task after commit (chat_project/mail.py): a mail server down never
    # fails or slows the request that asked, and the worker retries it.
    mail_later(address, template, context, language)


@transaction.atomic
def email_confirm(*, token: str) -> User:
    """Put the address of a confirmation link on its account and return the account.

    The one who follows the link reads that mailbox, so being told here that the
    address was taken meanwhile reveals nothing to a stranger.
    """
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.EMAIL_CONFIRM_HOURS * 3600)
        user = User.objects.select_for_update().get(pk=data["u"], is_active=True)
        address, replaces = data["e"], data["c"]
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError) as exc:
        raise ValidationError({"token": [INVALID_LINK]}) from exc
    if user.email == address:
        return user  # the same link again
    if user.email != replaces:  # the address changed since the link was sent
        raise ValidationError({"token": [INVALID_LINK]})
    user.email = address
    user.full_clean(exclude=["password"])  # taken meanwhile -> {"email": [...]}
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError as exc:  # a concurrent confirmation won the race
        raise ValidationError({"email": ["This address is already in use."]}) from exc
    return user
