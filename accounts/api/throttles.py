"""Login and registration throttles on the shared cache (Redis when configured)."""

from rest_framework.request import Request

from chat_project.throttling import FixedWindowRateThrottle


class RegisterThrottle(FixedWindowRateThrottle):
    scope = "register"

    def get_cache_key(self, request: Request, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIPThrottle(RegisterThrottle):
    scope = "login_ip"


class LoginUsernameThrottle(FixedWindowRateThrottle):
    """Per target account, so one IP-rotating attacker cannot hammer one user."""

    scope = "login_username"

    def get_cache_key(self, request: Request, view: object) -> str | None:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.strip().lower()[:254]}
