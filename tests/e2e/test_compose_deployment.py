"""The documented deployment, live, from a browser's side: docker-compose.yml's `web`
service (its environment for an operator's .env, uvicorn as the image starts it) behind
its `proxy` (Debian's nginx on deploy/nginx/chat.conf.template: tests/e2e/proxy.py), with
this run's PostgreSQL and Redis in place of the compose services and static files
collected as the Dockerfile collects them.

A browser-like client is sent from http:// to https://, registers through the web form
with Secure cookies and gets HSTS; the compose healthcheck command passes against a
replica, called by its address.
"""

from __future__ import annotations

import re
import subprocess
import sys
from http.cookies import SimpleCookie

import httpx
import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from tests.deployment import compose_file
from tests.e2e import mail_sink as mail_sink_module
from tests.e2e.conftest import LiveServer
from tests.e2e.mail_sink import body_of
from tests.e2e.proxy import SERVER_NAME, replica_environment, replicas_behind_nginx
from tests.e2e.worker import start_worker

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"

mail_sink = mail_sink_module.mail_sink


@pytest.fixture
def stack(uvicorn_factory, static_root, tmp_path):
    running = replicas_behind_nginx(uvicorn_factory, static_root, tmp_path, 2)
    yield running
    running.nginx.stop()


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


def test_a_browser_registers_over_https_through_the_proxy(stack):
    nginx = stack.nginx
    plain = httpx.get(f"http://127.0.0.1:{nginx.http_port}/accounts/register/")
    assert plain.status_code == 301
    assert plain.headers["location"] == f"{nginx.url}/accounts/register/"

    origin = nginx.url
    with httpx.Client(base_url=nginx.url, verify=nginx.ssl_context()) as browser:
        page = browser.get("/accounts/register/")
        assert page.status_code == 200, page.text[:2000]
        assert page.headers["strict-transport-security"].startswith("max-age=31536000")
        assert set_cookie(page, "csrftoken")["csrftoken"]["secure"]

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
        assert set_cookie(registered, "sessionid")["sessionid"]["secure"]

        home = browser.get("/")
        assert home.status_code == 200, home.text[:2000]
        assert "composeuser" in home.text
    assert User.objects.filter(username="composeuser").exists()


def test_the_compose_healthcheck_passes_on_a_replica_by_its_address(stack):
    server = stack.servers[0]
    healthcheck = run_compose_healthcheck(server)
    assert healthcheck.returncode == 0, healthcheck.stderr + server.log()
    # Only /health is exempt: the replica's own address is not a host it serves pages to.
    assert httpx.get(f"{server.url}/accounts/register/").status_code == 400
    assert SERVER_NAME not in server.url


def test_the_compose_worker_sends_what_a_replica_queued(stack, static_root, tmp_path, mail_sink):
    """The `worker` service's command with its environment (the web one: tests/
    test_compose.py) mails a password reset asked through the proxy: the replicas only
    queue it (the database backend), the worker sends it."""
    UserFactory(username="composeuser", email="composeuser@example.com")
    command = compose_file()["services"]["worker"]["command"]
    assert command[:3] == ["python", "manage.py", "worker"]
    environment = replica_environment(static_root, tmp_path / "media", EMAIL_URL=mail_sink.url)
    assert environment["TASKS_BACKEND"] == "database"
    nginx = stack.nginx
    with httpx.Client(base_url=nginx.url, verify=nginx.ssl_context()) as client:
        asked = client.post("/api/auth/password-reset", json={"email": "composeuser@example.com"})
    assert asked.status_code == 202, asked.text
    assert mail_sink.messages == []  # queued, not sent by the replica
    worker = start_worker(tmp_path, command=[sys.executable, *command[1:]], **environment)
    try:
        (mail,) = mail_sink.wait_for("composeuser@example.com")
    finally:
        worker.stop()
    assert f"https://{SERVER_NAME}" in body_of(mail)  # the public address, over HTTPS
