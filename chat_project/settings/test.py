"""Test settings: the real PostgreSQL and Redis when reachable.

`make test` runs against the services on 127.0.0.1. When they are not reachable
the suite falls back to SQLite + the in-memory layer with a loud notice, and
tests marked `needs_services` are skipped; with CI=true the fallback is refused.
Each run gets its own database name suffix and Redis prefix so concurrent runs
(or xdist workers) never collide.
"""

import os
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from .base import *  # noqa: F403
from .base import (
    SIMPLE_JWT,
    STORAGES,
    cache_config,
    database_config,
    env,
    tasks_config,
)

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
SIMPLE_JWT["SIGNING_KEY"] = SECRET_KEY
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver", "[::1]"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The admin tests log staff in with force_login or the admin's password form; the second
# factor in front of the admin is tested on its own (accounts/tests/test_two_factor.py
# turns this on).
ADMIN_OTP_REQUIRED = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Tasks run inline unless a test (or a live server it starts) asks for the worker's
# database backend: TASKS_BACKEND=database (tests/e2e/test_task_worker.py).
TASKS_BACKEND = env("TASKS_BACKEND", default="immediate")
TASKS = tasks_config(TASKS_BACKEND)

TEST_DATABASE_URL = env("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/chat")
TEST_REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


#: CHAT_TEST_EMBEDDED=true: run on SQLite and the in-process bus on purpose (CI's embedded
#: pass keeps `make run`'s second implementations — send path, search, presence — correct).
EMBEDDED = env.bool("CHAT_TEST_EMBEDDED", default=False)
SERVICES_AVAILABLE = not EMBEDDED and (
    _reachable(TEST_DATABASE_URL, 5432) and _reachable(TEST_REDIS_URL, 6379)
)
RUN_ID = os.environ.get("CHAT_TEST_RUN_ID") or str(os.getpid())

if SERVICES_AVAILABLE:
    DATABASES = {"default": database_config(TEST_DATABASE_URL)}
    DATABASES["default"]["TEST"] = {"NAME": f"test_chat_{RUN_ID}"}
    REDIS_URL = TEST_REDIS_URL
    REDIS_PREFIX = f"chattest{RUN_ID}"
elif EMBEDDED:
    DATABASES = {"default": database_config(None)}
    # A file, as `make run` has: SQLite's in-memory test database shares one cache between
    # connections, where a waiting writer gets "table is locked" at once and the busy
    # timeout never applies, so races would fail here that `make run` serialises.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"chat-test-{RUN_ID}.sqlite3"),
    }
    # Durability is not a test's concern: no fsync per commit.
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
    )
    REDIS_URL = ""
    REDIS_PREFIX = f"chattest{RUN_ID}"
else:
    if env.bool("CI", default=False):
        raise RuntimeError(
            "CI=true but PostgreSQL/Redis on 127.0.0.1 are not reachable: refusing to fall "
            "back to SQLite. Start them (see README) and run again."
        )
    sys.stderr.write(
        "\n" + "!" * 78 + "\n"
        "!! PostgreSQL or Redis is NOT reachable: running on SQLite + in-process bus.\n"
        "!! Tests marked needs_services are SKIPPED. This is not a full test run.\n"
        + "!" * 78
        + "\n\n"
    )
    DATABASES = {"default": database_config(None)}
    REDIS_URL = ""
    REDIS_PREFIX = f"chattest{RUN_ID}"

CACHES = cache_config(REDIS_URL, REDIS_PREFIX)

# Uploads of this run (and of the live servers it starts, which share RUN_ID) go to a
# folder of their own, never into the tree; tests about files use a fresh one each
# (the `media_root` fixture).
MEDIA_ROOT = Path(
    env("DJANGO_MEDIA_ROOT", default=str(Path(tempfile.gettempdir()) / f"chat-media-{RUN_ID}"))
)

# Live-server tests (tests/e2e) run daphne with these settings: serve static files
# straight from the source folders, as DEBUG would.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
