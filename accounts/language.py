"""The user's language override: stored on the user, applied on each of their pages.

Without a choice (`User.language == ""`) Django's LocaleMiddleware picks the language from
the language cookie, else the browser's Accept-Language. With one, it wins for every page
the user opens, on any device; the cookie follows it, so the login page after logging out
keeps speaking it.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # a dev dependency
    from django_stubs_ext import StrOrPromise


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_choices() -> list[tuple[str, "StrOrPromise"]]:
    """Follow the browser (""), or one of the configured languages, each named in itself."""
    return [("", _("Browser default")), *settings.LANGUAGES]


class UserLanguageMiddleware:
    """After AuthenticationMiddleware: activate the logged-in user's chosen language.

    Only requests with a session cookie are looked at, so token-authenticated API calls
    cost no extra query (and a page's user is loaded by the page anyway).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = None
        api = request.path_info.startswith("/api/")
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                chosen = getattr(user, "language", "") or ""
                if chosen in language_codes() and not api:
                    translation.activate(chosen)
                    request.LANGUAGE_CODE = chosen
        if api:
            # The API's texts (DRF's own included) are its contract: English, whatever
            # the browser or the user's choice says.
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        response = self.get_response(request)
        if chosen is not None and request.user.is_authenticated:
            # Read again: the request may just have changed it (settings page). Not after
            # a logout: the cookie stays for the login page.
            chosen = getattr(request.user, "language", "") or ""
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if chosen and cookie != chosen:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    chosen,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                )
            elif not chosen and cookie:
                response.delete_cookie(
                    settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH
                )
        return response
