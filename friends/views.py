"""The friends page: a shell the friends JavaScript module fills from `/api/friends`."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.views import client_config


@login_required
def friends_page(request: HttpRequest) -> HttpResponse:
    return render(
        request, "friends/friends.html", {"config": client_config(request), "page": "friends"}
    )
