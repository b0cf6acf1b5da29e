"""ASGI entry point: HTTP through Django (chat_project/handler.py), WebSocket through Channels.

The WebSocket stack checks the Origin and authenticates (session, Bearer header
or single-use ticket) before any consumer runs: see accounts/ws_auth.py.
"""

import gc
import os

from chat_project.handler import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chat_project.settings.local")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.ws_auth import WebSocketAuthMiddlewareStack  # noqa: E402
from chat_project import shutdown  # noqa: E402
from messaging.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebSocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
        # uvicorn's start and graceful stop (chat_project/shutdown.py).
        "lifespan": shutdown.lifespan,
    }
)

# Everything imported so far lives as long as the process: move it out of the garbage
# collector's reach, so a full collection only walks what requests and sockets create
# (shorter pauses in the latency tail; docs/benchmarks.md).
gc.freeze()
