"""Developer settings: `make run` on a bare machine (SQLite + in-memory layer)."""

from .base import *  # noqa: F403
from .base import SIMPLE_JWT, STORAGES, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-secret-key-change-me-0123456789abcdef")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SIMPLE_JWT["SIGNING_KEY"] = SECRET_KEY
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
