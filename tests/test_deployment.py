"""The deployment files: .dockerignore, docker-compose.yml, the Makefile's Python check.

No Docker engine runs where the tests run, so these read the files and apply the rules
Docker and Compose apply; the live server behind them is tested in
tests/e2e/test_compose_deployment.py.
"""

import glob
import os
import re

import pytest

from tests.deployment import ROOT

# --- .dockerignore ---------------------------------------------------------------------------


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception `!`, pattern) per line, as Docker reads them from the context root."""
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        regex = glob.translate(pattern, recursive=True, include_hidden=True, seps="/")
        rules.append((negate, re.compile(regex)))
    return rules


def docker_excludes(path: str) -> bool:
    """Docker's rule: the last pattern that matches the path or a folder above it decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for negate, regex in dockerignore_rules():
        if any(regex.match(candidate) for candidate in candidates):
            excluded = not negate
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".env",  # DJANGO_SECRET_KEY and friends: `COPY . .` baked it into the image
        ".env.production",
        "chat_project/.env",
        ".venv/bin/python",
        ".git/HEAD",
        "db.sqlite3",
        "staticfiles/staticfiles.json",
        "__pycache__/conftest.cpython-313-pytest-8.4.2.pyc",
        "accounts/__pycache__/models.cpython-313.pyc",
        "accounts/tests/__pycache__/test_api.cpython-313-pytest-8.4.2.pyc",
        ".pytest_cache/README.md",
        ".ruff_cache/CACHEDIR.TAG",
        "docs/screenshots/chat.png",
    ],
)
def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image(path):
    assert docker_excludes(path), f"{path} would be copied into the image"


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "requirements.txt",
        "chat_project/settings/production.py",
        "chat_project/asgi.py",
        "accounts/migrations/0001_initial.py",
        "messaging/migrations/0002_content_fts_index.py",
        "templates/base.html",
        "static/chat/lib/socket.js",
    ],
)
def test_dockerignore_keeps_what_the_image_runs(path):
    assert (ROOT / path).exists(), path
    assert not docker_excludes(path)
