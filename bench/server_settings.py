"""Production settings with the channel layer's Redis pool tuned: a measuring device.

redis-py 8 gives every connection pool `max_connections=100` and a 5 s socket timeout.
channels-redis builds its pools from `CONFIG["hosts"]`, so with a plain URL a burst of
more than 100 concurrent layer commands (1,000 sockets connecting, each `group_add`ing
its conversations) fails with MaxConnectionsError, and a `BZPOPMIN` whose 5 s block
ends a moment late on a busy machine fails with TimeoutError; either closes the socket
with 1011. This module serves the same app with a larger pool and a socket timeout
above the layer's 5 s blocking pop, so `python -m bench connect-storm --layer-pool tuned`
shows what the recommended settings change (docs/benchmarks.md) would buy.
"""

from chat_project.settings.production import *  # noqa: F403
from chat_project.settings.production import CHANNEL_LAYERS, REDIS_URL, env

LAYER_MAX_CONNECTIONS = env.int("BENCH_LAYER_MAX_CONNECTIONS", default=2000)
LAYER_SOCKET_TIMEOUT = env.float("BENCH_LAYER_SOCKET_TIMEOUT", default=15.0)

for _layer in CHANNEL_LAYERS.values():
    _config = _layer.get("CONFIG")
    if _config is not None:
        _config["hosts"] = [
            {
                "address": REDIS_URL,
                "max_connections": LAYER_MAX_CONNECTIONS,
                "socket_timeout": LAYER_SOCKET_TIMEOUT,
            }
        ]
