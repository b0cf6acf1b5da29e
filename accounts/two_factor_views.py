"""The web UI's second factor: the code asked after the password at login, and the
two-factor page (turn on with a QR code, verify this session, new recovery codes, turn
off). Staff without a device land on that page from the admin (chat_project/admin_site.py).

The login keeps a half-logged-in user in the session (`otp_pending`: id, backend, when)
between the password and the code — never `auth.login` before the code, so no session
is authenticated on a password alone.
"""

import time

import django_otp
from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from chat_project.exceptions import Conflict

from . import services, two_factor_display
from .models import User
from .request_user import request_user

PENDING = "otp_pending"
PENDING_SECONDS = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        help_text=gettext_lazy("The 6 digits your authenticator app shows, or a recovery code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def start_pending_login(request: HttpRequest, user: User) -> None:
    """The password was right and the account has a second factor: remember who, ask."""
    request.session[PENDING] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "at": time.time(),
    }


def _pending_user(request: HttpRequest) -> tuple[User, str] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user_id = pending.get("user_id")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return (user, pending["backend"]) if user is not None else None


@require_http_methods(["GET", "POST"])
def login_code_view(request: HttpRequest) -> HttpResponse:
    """Step two of the web login: the one-time code."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Log in again: the sign-in waited too long for its code."))
        return redirect(settings.LOGIN_URL)
    user, backend = found
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.otp_verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error("code", _("That code is not valid. Try the next one."))
        else:
            request.session.pop(PENDING, None)
            auth.login(request, user, backend=backend)
            django_otp.login(request, device)
            return redirect(_safe_next(request))
    return render(
        request, "accounts/login_code.html", {"form": form, "next": _safe_next(request, "")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in on (QR code, then a code), verify this session, get new
    recovery codes, turn it off. One page, one form per step, no JavaScript needed."""
    user = request_user(request)
    step = request.POST.get("step", "")
    code_form, password_form = CodeForm(), PasswordForm()
    recovery_codes: list[str] = []
    if request.method == "POST" and step == "start":
        try:
            services.totp_enrol_start(user=user)
        except Conflict as exc:  # already on (another tab)
            messages.error(request, exc.detail)
    elif request.method == "POST" and step in {"confirm", "verify"}:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            code = code_form.cleaned_data["code"]
            if step == "confirm":
                try:
                    recovery_codes = services.totp_enrol_confirm(user=user, code=code)
                except ValidationError as exc:
                    code_form.add_error("code", exc.message_dict.get("code", exc.messages))
                else:
                    _verify_session(request, user)
                    messages.success(request, _("Two-factor sign-in is on."))
            else:
                device = services.otp_verify(user=user, code=code)
                if device is None:
                    code_form.add_error("code", _("That code is not valid. Try the next one."))
                else:
                    django_otp.login(request, device)
                    return redirect(_safe_next(request, request.path))
    elif request.method == "POST" and step in {"disable", "recovery"}:
        password_form = PasswordForm(request.POST)
        if password_form.is_valid():
            password = password_form.cleaned_data["password"]
            try:
                if step == "disable":
                    services.two_factor_disable(user=user, password=password)
                    messages.success(request, _("Two-factor sign-in is off."))
                    return redirect("two-factor")
                services.check_password_confirmation(user=user, password=password)
                recovery_codes = services.recovery_codes_reset(user=user)
            except ValidationError as exc:
                password_form.add_error("password", exc.message_dict.get("password", []))
    enabled = services.two_factor_enabled(user)
    pending = None if enabled else services.pending_totp(user)
    verified = bool(getattr(request.user, "is_verified", lambda: False)())
    return render(
        request,
        "accounts/two_factor.html",
        {
            "page": "settings",
            "enabled": enabled,
            "verified": verified,
            "enrolment": two_factor_display.enrolment(pending) if pending else None,
            "code_form": code_form,
            "password_form": password_form,
            "recovery_codes": recovery_codes,
            "recovery_left": services.recovery_codes_left(user) if enabled else 0,
            "required": user.is_staff and settings.ADMIN_OTP_REQUIRED,
            "next": _safe_next(request, ""),
            "config": _client_config(request),
        },
    )


def _verify_session(request: HttpRequest, user: User) -> None:
    """The code that just confirmed the device also verifies this session."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        django_otp.login(request, device)


def _client_config(request: HttpRequest) -> dict[str, object]:
    from .views import client_config  # views imports this module for the login step

    return client_config(request)
