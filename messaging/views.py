"""The chat screen: a server-rendered shell that the chat JavaScript module fills in.

Everything dynamic (conversations, history, live events) comes from the REST API and
the WebSocket, the same contract every other client uses; the view only hands the
module who is logged in and which conversation the URL names.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.views import client_config


@login_required
def home(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    """The main screen; `/c/<id>/` opens that conversation (bookmarkable, reload-safe)."""
    config = client_config(request, conversation_id=conversation_id)
    return render(request, "messaging/chat.html", {"config": config, "page": "chats"})
