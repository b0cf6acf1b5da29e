"""The documented deployment, live: production settings with docker-compose.yml's environment.

A real server gets exactly the environment the web container gets from `docker compose
up` (read from docker-compose.yml) with what the README asks the operator to set, this
run's PostgreSQL and Redis in place of the compose services, and static files collected
as the Dockerfile collects them. A browser-like client then registers through the web
form, and the compose healthcheck command runs against the server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from accounts.models import User
from tests.deployment import ROOT, compose_file, compose_service_environment
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

#: The name clients type (http://chat.example:8000/): DJANGO_ALLOWED_HOSTS as the README asks.
PUBLIC_HOST = "chat.example"
SECRET_KEY = "compose-e2e-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`collectstatic` as the Dockerfile runs it: the production storage needs its manifest."""
    root = tmp_path_factory.mktemp("staticfiles")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "chat_project.settings.production",
            "DJANGO_SECRET_KEY": "build-only",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DJANGO_STATIC_ROOT": str(root),
        },
        check=True,
        timeout=120,
    )
    return root


def start_compose_web(
    daphne_factory: Callable[..., LiveServer], static_root: Path, **shell: str
) -> LiveServer:
    """A server with the web service's environment for `shell` running `docker compose up`."""
    environment = compose_service_environment(
        "web", {"DJANGO_SECRET_KEY": SECRET_KEY, "DJANGO_ALLOWED_HOSTS": PUBLIC_HOST, **shell}
    )
    assert environment["DJANGO_SETTINGS_MODULE"] == "chat_project.settings.production"
    # The compose services `db` and `redis` are this run's database and Redis prefix.
    del environment["DATABASE_URL"], environment["REDIS_URL"]
    return daphne_factory(
        **environment, REDIS_PREFIX=settings.REDIS_PREFIX, DJANGO_STATIC_ROOT=str(static_root)
    )


def set_cookie(response: httpx.Response, name: str) -> SimpleCookie:
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie(header)
        if name in cookie:
            return cookie
    raise AssertionError(f"no {name} cookie set: {response.headers.get_list('set-cookie')}")


def form_token(page: httpx.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, page.text[:2000]
    return match[1]


def run_compose_healthcheck(server: LiveServer) -> subprocess.CompletedProcess[str]:
    """The web service's healthcheck command, run against this server instead of :8000."""
    test = compose_file()["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    code = test[3]
    assert "http://127.0.0.1:8000/health" in code, code
    code = code.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )


def test_compose_defaults_serve_a_browser_over_plain_http(daphne_factory, static_root):
    """`docker compose up` and http://chat.example:8000 from another machine: the register
    form works (the CSRF cookie is not Secure, so a browser keeps it over plain HTTP) and
    the container's healthcheck passes although DJANGO_ALLOWED_HOSTS names only the host."""
    server = start_compose_web(daphne_factory, static_root)
    origin = f"http://{PUBLIC_HOST}:8000"
    # A cookie jar keeps cookies as a browser does: a Secure one never goes back over http.
    with httpx.Client(base_url=server.url, headers={"Host": f"{PUBLIC_HOST}:8000"}) as browser:
        page = browser.get("/accounts/register/")
        assert page.status_code == 200, server.log()
        csrf = set_cookie(page, "csrftoken")["csrftoken"]
        assert not csrf["secure"], "a browser drops a Secure cookie set over http://"

        registered = browser.post(
            "/accounts/register/",
            data={
                "csrfmiddlewaretoken": form_token(page),
                "username": "composeuser",
                "password": PASSWORD,
            },
            headers={"Origin": origin, "Referer": f"{origin}/accounts/register/"},
        )
        assert registered.status_code == 302, registered.text[:2000]
        assert registered.headers["location"] == "/"
        assert not set_cookie(registered, "sessionid")["sessionid"]["secure"]

        home = browser.get("/")
        assert home.status_code == 200, home.text[:2000]
        assert "composeuser" in home.text
    assert User.objects.filter(username="composeuser").exists()

    healthcheck = run_compose_healthcheck(server)
    assert healthcheck.returncode == 0, healthcheck.stderr + server.log()
    # Only /health is exempt: the server's own address is not a host it serves pages to.
    assert httpx.get(f"{server.url}/accounts/register/").status_code == 400


def test_behind_an_https_proxy(daphne_factory, static_root):
    """The README's HTTPS set-up: a TLS proxy passes Host and X-Forwarded-Proto, the two
    switches are on. Cookies are Secure, plain HTTP is redirected, HSTS is sent, the form
    works from the https origin, and the healthcheck still gets its answer over http."""
    server = start_compose_web(
        daphne_factory,
        static_root,
        DJANGO_SECURE_SSL_REDIRECT="true",
        DJANGO_SECURE_COOKIES="true",
        DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{PUBLIC_HOST}",
    )
    origin = f"https://{PUBLIC_HOST}"
    proxied = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=server.url) as client:
        plain = client.get("/accounts/register/", headers={"Host": PUBLIC_HOST})
        assert plain.status_code == 301, server.log()
        assert plain.headers["location"] == f"{origin}/accounts/register/"

        page = client.get("/accounts/register/", headers=proxied)
        assert page.status_code == 200, server.log()
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        csrf = set_cookie(page, "csrftoken")["csrftoken"]
        assert csrf["secure"]

        # The browser speaks https to the proxy, so it sends its Secure cookie back.
        registered = client.post(
            "/accounts/register/",
            data={
                "csrfmiddlewaretoken": form_token(page),
                "username": "httpsuser",
                "password": PASSWORD,
            },
            headers={
                **proxied,
                "Origin": origin,
                "Referer": f"{origin}/accounts/register/",
                "Cookie": f"csrftoken={csrf.value}",
            },
        )
        assert registered.status_code == 302, registered.text[:2000]
        assert set_cookie(registered, "sessionid")["sessionid"]["secure"]
    assert User.objects.filter(username="httpsuser").exists()

    healthcheck = run_compose_healthcheck(server)
    assert healthcheck.returncode == 0, healthcheck.stderr + server.log()
