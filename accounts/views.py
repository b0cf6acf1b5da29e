"""Session login, registration, logout and profile settings for the web UI.

The views validate with forms and call the same services as the REST API, so a
password change here revokes tokens and closes sockets exactly like `POST
/api/auth/password` does.
"""

import math
from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from chat_project import avatars, realtime

from . import email_address, password_reset, services, two_factor_views
from .api.throttles import LoginIPThrottle, PasswordResetThrottle
from .forms import LoginForm, PasswordChangeForm, ProfileForm, RegisterForm
from .models import User
from .request_user import request_user


def client_config(request: HttpRequest, **extra: object) -> dict[str, object]:
    """The JSON every app page hands its JavaScript module (rendered with `json_script`).

    It lives here, in the lowest app, so every app's page view can use it.
    """
    user = request_user(request)
    avatar_url, avatar_thumbnail_url = avatars.urls("u", user.id, user.avatar)
    return {
        "me": {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "language": user.language,
            "avatar_url": avatar_url,
            "avatar_thumbnail_url": avatar_thumbnail_url,
        },
        "ws_path": "/ws/",
        "message_max_length": settings.MESSAGE_MAX_LENGTH,
        # The composer refuses a file over the limit before sending it, and says the limits
        # in its own words; attachment URLs older than this are fetched again.
        "upload_max_bytes": settings.UPLOAD_MAX_BYTES,
        "upload_quota_bytes": settings.UPLOAD_QUOTA_BYTES,
        "attachment_url_max_age": settings.ATTACHMENT_URL_MAX_AGE,
        **extra,
    }


class LoginView(auth_views.LoginView):
    """The web login, with the API's limits: per client address (the `login_ip`
    throttle, here too) and per account (in the form's service call)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        throttle = LoginIPThrottle()
        if not throttle.allow_request(request, self):
            wait = math.ceil(throttle.wait() or 1)
            context = self.get_context_data(
                form=self.get_form_class()(request),
                refused=gettext(
                    "Too many login attempts from your address: try again in %(seconds)s s."
                )
                % {"seconds": wait},
            )
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """With two-factor sign-in on, the password only opens the code step."""
        user = form.get_user()
        if services.two_factor_enabled(user):
            two_factor_views.start_pending_login(self.request, user)
            query = urlencode({"next": self.get_redirect_url()}) if self.get_redirect_url() else ""
            return redirect(reverse("login-code") + (f"?{query}" if query else ""))
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """Log out, then close the WebSockets this browser session opened.

    The sockets authenticated with the session cookie; once the session is gone they
    must not keep receiving the user's messages.
    """

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        session_key = request.session.session_key
        user = request.user
        response = super().post(request, *args, **kwargs)
        if session_key:
            realtime.disconnect_session(session_key)
            if isinstance(user, User):  # this browser stops receiving the user's pushes
                services.push_sessions_ended(user=user, session_keys=[session_key])
        return response


def _add_service_errors(form: Form, exc: ValidationError, field_map: dict[str, str]) -> None:
    """Put a service's ValidationError on the form fields it names (else on the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        target = field_map.get(field, field)
        form.add_error(target if target in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                **form.cleaned_data, site_url=request.build_absolute_uri("/")
            )
        except ValidationError as exc:
            _add_service_errors(form, exc, {})
        else:
            auth.login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
            if form.cleaned_data.get("email"):
                messages.info(request, _sent_to(form.cleaned_data["email"]))
            return redirect("/")
    return render(request, "accounts/register.html", {"form": form})


def _sent_to(address: str) -> str:
    """The same words whether or not the address belongs to someone already."""
    return gettext(
        "We sent a message to %(address)s. Follow its link to add the address to your "
        "account; until then your account keeps its current address."
    ) % {"address": address}


@require_http_methods(["GET", "POST"])
def email_confirm_view(request: HttpRequest) -> HttpResponse:
    """The page the mailed link opens; the address is attached by the POST of its button
    (a mail scanner that fetches links does not confirm anything)."""
    token = request.POST.get("token") or request.GET.get("token") or ""
    confirmed, error = None, None
    if request.method == "POST":
        try:
            confirmed = email_address.email_confirm(token=token)
        except ValidationError as exc:
            error = " ".join(gettext(message) for message in exc.messages)
    return render(
        request,
        "accounts/email_confirm.html",
        {"token": token, "confirmed": confirmed, "error": error},
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    """Profile (display name, bio, email) and password change, two forms on one page."""
    user = request_user(request)
    profile_form = ProfileForm(
        initial={"display_name": user.display_name, "email": user.email, "bio": user.bio}
    )
    password_form = PasswordChangeForm()
    if request.method == "POST" and request.POST.get("form") == "profile":
        profile_form = ProfileForm(request.POST)
        if profile_form.is_valid():
            email_before = user.email
            try:
                services.user_profile_update(
                    user=user,
                    site_url=request.build_absolute_uri("/"),
                    **profile_form.cleaned_data,
                )
            except ValidationError as exc:
                user.refresh_from_db()
                _add_service_errors(profile_form, exc, {})
            else:
                messages.success(request, gettext("Profile saved."))
                asked = profile_form.cleaned_data.get("email") or ""
                if asked and asked.lower() != email_before.lower():
                    messages.info(request, _sent_to(asked))
                return redirect("settings")
    elif request.method == "POST" and request.POST.get("form") == "password":
        password_form = PasswordChangeForm(request.POST)
        if password_form.is_valid():
            try:
                # One transaction: the service closes the user's sockets on commit, and
                # by then this session must already carry the new password hash, or a
                # tab that checks its session at once would be logged out.
                with transaction.atomic():
                    services.user_password_change(
                        user=user,
                        old_password=password_form.cleaned_data["old_password"],
                        new_password=password_form.cleaned_data["new_password1"],
                    )
                    auth.update_session_auth_hash(request, user)
            except ValidationError as exc:
                _add_service_errors(password_form, exc, {"new_password": "new_password1"})
            else:
                messages.success(
                    request, gettext("Password changed. Other sessions were signed out.")
                )
                return redirect("settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "profile_form": profile_form,
            "password_form": password_form,
            "email_digest_delay": settings.EMAIL_DIGEST_DELAY_MINUTES,
            "page": "settings",
            "config": client_config(request),
        },
    )


def service_worker(request: HttpRequest) -> HttpResponse:
    """The web push service worker (templates/accounts/sw.js) at the site root, so its
    scope is the whole site; `Service-Worker-Allowed` says so explicitly. Browsers check
    it for updates on every registration (`no-cache`), and its strings are in the
    request's language."""
    response = render(request, "accounts/sw.js", content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


# --- forgotten passwords (accounts/password_reset.py) -------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """The "Forgot password?" page: the same page follows whatever address is given (no
    enumeration); the lookup and the mail happen in the worker."""

    template_name = "accounts/password_reset_form.html"
    form_class = password_reset.PasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        throttle = PasswordResetThrottle()
        if not throttle.allow_request(request, self):
            wait = math.ceil(throttle.wait() or 1)
            context = self.get_context_data(
                form=self.get_form_class()(request.POST),
                refused=gettext("Too many requests from your address: try again in %(wait)s s.")
                % {"wait": wait},
            )
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view (the token moves from the URL into the session first); a reset
    here ends the account's other sessions, tokens and sockets as the REST one does."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            password_reset.password_reset_complete(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
