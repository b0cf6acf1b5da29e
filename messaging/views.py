"""The chat screen: a server-rendered shell that the chat JavaScript module fills in.

Everything dynamic (conversations, history, live events) comes from the REST API and
the WebSocket, the same contract every other client uses; the view only hands the
module who is logged in and which conversation the URL names.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.request_user import request_user
from accounts.views import client_config
from conversations.selectors import active_mutes_for


@login_required
def home(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    """The main screen; `/c/<id>/` opens that conversation (bookmarkable, reload-safe)."""
    config = client_config(
        request,
        conversation_id=conversation_id,
        # The composer says where a moderator muted me, and until when (chat/mutes.js).
        mutes=active_mutes_for(request_user(request).pk),
    )
    return render(request, "messaging/chat.html", {"config": config, "page": "chats"})
