"""The public-room directory and the invite-link page: shells their JavaScript modules fill
from the API."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.views import client_config


@login_required
def rooms_page(request: HttpRequest) -> HttpResponse:
    return render(
        request, "conversations/rooms.html", {"config": client_config(request), "page": "rooms"}
    )


@login_required
def invite_page(request: HttpRequest, code: str) -> HttpResponse:
    """`/invite/<code>/`: previews a link's group and joins it (its module uses the REST
    API); a logged-out visitor logs in first and comes back here."""
    return render(
        request,
        "conversations/invite.html",
        {"config": client_config(request, invite_code=code), "page": "invite"},
    )
