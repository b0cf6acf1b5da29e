"""Developer settings: `make run` on a bare machine (SQLite + in-memory layer)."""

from .base import *  # noqa: F403
from .base import BASE_DIR, SIMPLE_JWT, STORAGES, VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-secret-key-change-me-0123456789abcdef")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SIMPLE_JWT["SIGNING_KEY"] = SECRET_KEY
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# Web push works out of the box: without VAPID keys in the environment, a pair generated
# once into .vapid-dev.json (git-ignored). It must outlive restarts: browsers bind their
# subscriptions to the public key, so a new pair per start would silently end them all.
if not (VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY) and env.bool("VAPID_DEV_KEYS", default=True):
    from chat_project.vapid import dev_key_pair

    VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY = dev_key_pair(BASE_DIR / ".vapid-dev.json")
