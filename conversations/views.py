"""The public-room directory: a shell the rooms JavaScript module fills from the API."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.views import client_config


@login_required
def rooms_page(request: HttpRequest) -> HttpResponse:
    return render(
        request, "conversations/rooms.html", {"config": client_config(request), "page": "rooms"}
    )
