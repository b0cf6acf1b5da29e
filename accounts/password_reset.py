"""Forgotten passwords: a link by email, through Django's own reset views and tokens.

No account enumeration: whatever address is given, the answer is the same and so is
the work done in the request — it only queues `password_reset_mail` (the address, the
site's domain and scheme). The worker looks the address up and, when an active account
with a usable password has it, mails the link; otherwise nothing happens. The response
cannot differ, nor its timing, since the lookup is not in it.

The link is Django's `default_token_generator` token: it carries a hash of the password
and of the last login, so it works once (the new password makes it invalid) and for
PASSWORD_RESET_TIMEOUT seconds. A successful reset ends the account's sessions (the
session hash), refresh tokens (blacklisted) and sockets, as a password change does.

Mail bombing: per client address the `password_reset` throttle (REST and web), per
target address `THROTTLE_PASSWORD_RESET_EMAIL` (extra requests are dropped silently).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from accounts.models import User
from accounts.services import user_tokens_revoke_all
from chat_project import ratelimit, realtime
from chat_project.tasks import background, enqueue

INVALID_LINK = "This password reset link is invalid, expired or already used."
SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"
BODY_TEMPLATE = "accounts/email/password_reset.txt"


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, but the request only queues the lookup and the mail (above)."""

    def save(  # type: ignore[override]
        self,
        domain_override: str | None = None,
        use_https: bool = False,
        request: Any = None,
        **kwargs: Any,
    ) -> None:
        domain = domain_override or (request.get_host() if request is not None else "localhost")
        enqueue(
            password_reset_mail,
            self.cleaned_data["email"],
            domain,
            use_https,
            translation.get_language() or "",
        )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # In the worker already (password_reset_mail): send now; a failure retries the
        # whole task (a new token is as good as the first).
        # In the account's language, else the one of the page that asked.
        language = context["user"].language or context.get("language") or None
        with translation.override(language):
            subject = " ".join(render_to_string(subject_template_name, context).split())
            body = render_to_string(email_template_name, context)
        send_mail(subject, body, from_email, [to_email])


@background(attempts=3, backoff=30)
def password_reset_mail(email: str, domain: str, use_https: bool, language: str = "") -> bool:
    """The worker's half: mail a link to the account with this address, if any. Returns
    whether a mail went (the task row says so in the admin; the requester never knows)."""
    rate = settings.THROTTLE_RATES["password_reset_email"]
    limit, period = ratelimit.parse_rate(rate)
    total, _wait = ratelimit.count(f"password-reset:{email.lower()}", period)
    if total > limit:
        return False
    form = PasswordResetForm({"email": email})
    if not form.is_valid() or not list(form.get_users(email)):
        return False
    auth_forms.PasswordResetForm.save(
        form,
        domain_override=domain,
        use_https=use_https,
        subject_template_name=SUBJECT_TEMPLATE,
        email_template_name=BODY_TEMPLATE,
        extra_email_context={
            "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            "language": language,
        },
    )
    return True


def password_reset_request(*, email: str, domain: str, use_https: bool) -> None:
    """Ask for a reset link for `email` (see the module docstring: the same for every
    address). Raises ValidationError only for a malformed address."""
    form = PasswordResetForm({"email": (email or "").strip()})
    if not form.is_valid():
        raise ValidationError({"email": form.errors["email"]})
    form.save(domain_override=domain, use_https=use_https)


def user_for_link(uid: str, token: str) -> User:
    """The account a reset link is for, if the link is still good."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uid))), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist) as exc:
        raise ValidationError({"token": [INVALID_LINK]}) from exc
    if not default_token_generator.check_token(user, token):
        raise ValidationError({"token": [INVALID_LINK]})
    return user


def password_reset_complete(*, user: User) -> None:
    """After a reset (REST or web): every other way into the account ends."""
    user_tokens_revoke_all(user=user)
    realtime.disconnect_user_on_commit(user.id, "password_changed")


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password with a mailed link's `uid` and `token` (the REST half).

    Raises ValidationError naming `token` (bad, expired or used link) or `new_password`
    (refused by the password validators)."""
    user = user_for_link(uid, token)
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    password_reset_complete(user=user)
    return user
