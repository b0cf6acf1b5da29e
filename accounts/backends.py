from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from chat_project.client_ip import client_ip as request_client_ip

from .login_guard import login_attempt_begin


class UsernameOrEmailBackend(ModelBackend):
    """Log in with the username or the email, in any letter case.

    Every try with a client address (`client_ip`, or the request's) is subject to the
    login limits of `accounts.login_guard`, whichever form asked: the API and the web
    login (through `services.user_authenticate`), the admin's and the browsable API's.
    A refused try raises `LoginRefused` before the password is looked at.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        client_ip: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        if client_ip is None and request is not None:
            client_ip = request_client_ip(request)
        attempt = None
        if client_ip is not None:
            attempt = login_attempt_begin(username=username, client_ip=client_ip)
        user = self._check_password(username, password)
        if attempt is not None:
            attempt.succeeded() if user is not None else attempt.failed()
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        """Active and not suspended: also what makes a suspended user's sessions (web UI,
        admin) anonymous at once, as Django asks it of every session's user."""
        suspended = getattr(user, "suspended_at", None)
        if suspended is not None and suspended(timezone.now()):
            return False
        return super().user_can_authenticate(user)

    def _check_password(self, username: str, password: str) -> Any:
        User = get_user_model()
        user = User.objects.filter(Q(username__iexact=username) | Q(email__iexact=username)).first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no user enumeration
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
