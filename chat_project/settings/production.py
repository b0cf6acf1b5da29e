"""Production settings: no insecure defaults; everything required comes from the env."""

from .base import *  # noqa: F403
from .base import LOG_LEVEL, SIMPLE_JWT, env, logging_config

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SIMPLE_JWT["SIGNING_KEY"] = SECRET_KEY

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Session and CSRF cookies only over HTTPS. DJANGO_SECURE_COOKIES=false is for trying the
# server out over plain HTTP (docker-compose.yml's default): browsers refuse a Secure cookie
# set over http://, so every form failed with "CSRF cookie not set" (README, "Deploying").
# It is its own switch, not derived from DJANGO_SECURE_SSL_REDIRECT: behind a TLS proxy
# that redirects by itself, the redirect is off and the cookies must stay Secure.
SECURE_COOKIES = env.bool("DJANGO_SECURE_COOKIES", default=True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# JSON log lines for the log shipper (chat_project/logs.py); LOG_FORMAT=text to read them.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
