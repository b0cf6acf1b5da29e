"""WebSocket URL routes: the one endpoint `/ws/` (see messaging/consumers.py)."""

from django.urls import path

from .consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/", ChatConsumer.as_asgi()),
]
