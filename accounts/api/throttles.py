"""Login and registration throttles per client address on the shared cache (Redis when
configured). Per-account login limits need the outcome of the try, so they are not a
throttle: `accounts.login_guard`, applied by the login service."""

from rest_framework.request import Request

from chat_project.throttling import FixedWindowRateThrottle


class RegisterThrottle(FixedWindowRateThrottle):
    scope = "register"

    def get_cache_key(self, request: Request, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIPThrottle(RegisterThrottle):
    scope = "login_ip"


class PasswordResetThrottle(RegisterThrottle):
    """Reset requests per client address (the mails per target address are counted by
    the task: accounts/password_reset.py)."""

    scope = "password_reset"
