"""The user of a request that only a logged-in user reaches, typed as `User`."""

from typing import cast

from django.http import HttpRequest
from rest_framework.request import Request

from .models import User


def request_user(request: HttpRequest | Request) -> User:
    """`request.user` where login is required (the admin, `login_required` views, API
    views with IsAuthenticated): the stubs type it as `User | AnonymousUser`, and there it
    is always a `User`. A cast, nothing checked at run time."""
    return cast(User, request.user)
