"""WebSocket URL routes (the consumer arrives with the real-time issue)."""

websocket_urlpatterns: list = []
