"""Production settings as an operator's environment makes them (each case a fresh process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTTPS_ENV = {
    "DJANGO_SECRET_KEY": "production-settings-test-0123456789-abcdefghijklmnopqrstuvwxyz-ABCD",
    "DJANGO_ALLOWED_HOSTS": "chat.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://chat.example.com",
    # A real deployment mails (address confirmation): Django's deploy check insists.
    "EMAIL_URL": "smtp+tls://chat:secret@mail.example.com:587",
}
#: What docker-compose.yml sets for its plain-HTTP default.
PLAIN_HTTP_ENV = {
    **HTTPS_ENV,
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
}


def run_production(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "chat_project.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(env: dict[str, str]) -> dict[str, object]:
    names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    result = run_production(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("switches", "cookies_secure", "redirect"),
    [
        ({}, True, True),  # secure unless told otherwise
        ({"DJANGO_SECURE_COOKIES": "false"}, False, True),
        # A TLS proxy may redirect by itself: the cookies stay Secure without Django's redirect.
        ({"DJANGO_SECURE_SSL_REDIRECT": "false"}, True, False),
        ({"DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_SECURE_COOKIES": "false"}, False, False),
    ],
)
def test_secure_cookies_switch(switches, cookies_secure, redirect):
    values = production_settings({**HTTPS_ENV, **switches})
    assert values == {
        "SESSION_COOKIE_SECURE": cookies_secure,
        "CSRF_COOKIE_SECURE": cookies_secure,
        "SECURE_SSL_REDIRECT": redirect,
    }


def test_check_deploy_is_clean_for_the_https_configuration():
    result = run_production(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], HTTPS_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_the_plain_http_configuration():
    """Plain HTTP is for trying it out: `check --deploy` says so instead of passing."""
    result = run_production(["manage.py", "check", "--deploy"], PLAIN_HTTP_ENV)
    output = result.stdout + result.stderr
    for warning in ("security.W008", "security.W012", "security.W016"):
        assert warning in output, output
