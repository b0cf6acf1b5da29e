"""Debian's nginx on this machine, with the production proxy configuration.

The site configuration is deploy/nginx/chat.conf.template, rendered the way the nginx
image renders it when docker compose starts the `proxy` service (envsubst of the
variables the compose file gives it), with this test's ports and folders in place of the
containers' ones, and an upstream block listing the test's server processes in place of
the compose one (deploy/nginx/upstream.conf names the `web` service). The TLS certificate
is the self-signed one the proxy image makes when no real one exists yet
(deploy/nginx/chat-certificate.sh).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from tests.deployment import (
    ROOT,
    compose_file,
    compose_service_environment,
    interpolate,
    operator_shell,
)
from tests.e2e.conftest import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATE = ROOT / "deploy" / "nginx" / "chat.conf.template"
CERTIFICATE_SCRIPT = ROOT / "deploy" / "nginx" / "chat-certificate.sh"
SERVER_NAME = "localhost"
_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def envsubst(text: str, values: dict[str, str]) -> str:
    """GNU envsubst with a variable list, as the nginx image runs it: `$NAME` and
    `${NAME}` of the listed names are replaced, everything else ($uri, $host...) stays."""

    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        return values[name] if name in values else match[0]

    return _VARIABLE.sub(replace, text)


def template_variables(template: str) -> set[str]:
    """The `${CHAT_...}` variables a site template uses."""
    return set(re.findall(r"\$\{(CHAT_[A-Z0-9_]+)\}", template))


def compose_proxy_environment(shell: dict[str, str]) -> dict[str, str]:
    """The `proxy` service's environment for `shell` running `docker compose up`."""
    environment = compose_file()["services"]["proxy"]["environment"]
    return {key: interpolate(str(value), shell) for key, value in environment.items()}


@dataclass
class Nginx:
    process: subprocess.Popen
    folder: Path
    http_port: int
    https_port: int
    certificate: Path

    @property
    def url(self) -> str:
        return f"https://{SERVER_NAME}:{self.https_port}"

    @property
    def ws_url(self) -> str:
        return f"wss://{SERVER_NAME}:{self.https_port}/ws/"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def access_log(self) -> list[str]:
        path = self.folder / "access.log"
        return path.read_text().splitlines() if path.exists() else []

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish what it proxies
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def make_certificate(folder: Path) -> Path:
    """The placeholder certificate, made by the script the proxy image runs at start."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CHAT_SERVER_NAME": SERVER_NAME,
        "CHAT_TLS_DIR": str(folder / "tls"),
        "CHAT_LETSENCRYPT_DIR": str(folder / "letsencrypt"),
    }
    subprocess.run(["sh", str(CERTIFICATE_SCRIPT)], env=env, check=True, timeout=60)
    return folder / "tls" / "fullchain.pem"


def start_nginx(
    folder: Path,
    *,
    upstream_ports: list[int],
    static_root: Path,
    media_root: Path,
    http_port: int,
    https_port: int,
) -> Nginx:
    folder.mkdir(parents=True, exist_ok=True)
    certificate = make_certificate(folder)
    servers = "\n".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in upstream_ports
    )
    (folder / "upstream.conf").write_text(f"upstream chat_web {{\n{servers}\n}}\n")
    compose = compose_proxy_environment({"CHAT_DOMAIN": SERVER_NAME})
    ours = {
        "CHAT_SERVER_NAME": SERVER_NAME,
        "CHAT_PUBLIC_URL": f"https://{SERVER_NAME}:{https_port}",
        "CHAT_HTTP_PORT": f"127.0.0.1:{http_port}",
        "CHAT_HTTPS_PORT": f"127.0.0.1:{https_port}",
        "CHAT_UPSTREAM_CONF": str(folder / "upstream.conf"),
        "CHAT_TLS_CERT": str(certificate),
        "CHAT_TLS_KEY": str(certificate.with_name("privkey.pem")),
        "CHAT_STATIC_ROOT": str(static_root),
        "CHAT_MEDIA_ROOT": str(media_root),
        "CHAT_ACME_ROOT": str(folder / "acme"),
        "CHAT_ACCESS_LOG": str(folder / "access.log"),
    }
    # The template's variables, the compose file's and this test's are the same ones.
    template = TEMPLATE.read_text()
    assert template_variables(template) == set(ours), template_variables(template) ^ set(ours)
    assert {name for name in compose if name.startswith("CHAT_")} == set(ours)
    site = envsubst(template, ours)
    (folder / "chat.conf").write_text(site)
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(exist_ok=True)
    # The nginx image's own nginx.conf, in short: the site goes into its `http` block.
    (folder / "nginx.conf").write_text(
        f"""
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/chat.conf;
}}
"""
    )
    command = [NGINX, "-e", str(folder / "error.log"), "-c", str(folder / "nginx.conf")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"])
    nginx = Nginx(process, folder, http_port, https_port, certificate)
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{http_port}/", timeout=1)
            return nginx
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                nginx.stop()
                raise RuntimeError(f"nginx did not start:\n{nginx.error_log()}") from None
            time.sleep(0.1)


def replica_environment(static_root: Path, media_root: Path, **overrides: str) -> dict[str, str]:
    """The `web` service's environment for an operator's .env (CHAT_DOMAIN=localhost), with
    this run's database, Redis prefix, folders and proxy address in place of the compose
    ones; one uvicorn worker per replica (two cores for everything here)."""
    environment = compose_service_environment("web", operator_shell(CHAT_DOMAIN=SERVER_NAME))
    del environment["DATABASE_URL"], environment["REDIS_URL"]  # server_env's: this run's
    environment.update(
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the tests' access tokens are signed with it
        REDIS_PREFIX=settings.REDIS_PREFIX,
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_MEDIA_ROOT=str(media_root),
        TRUSTED_PROXIES="127.0.0.1",
        WEB_CONCURRENCY="1",
        **overrides,
    )
    return environment


@dataclass
class Stack:
    """nginx in front of uvicorn replicas, as docker compose runs them."""

    nginx: Nginx
    servers: list
    start_replica: Callable[[int], Any]


def replicas_behind_nginx(
    uvicorn_factory: Callable[..., Any],
    static_root: Path,
    folder: Path,
    replicas: int,
    **overrides: str,
) -> Stack:
    if not Path(NGINX).exists():  # .ci/system-packages installs it for CI
        problem = "nginx is missing (apt-get install nginx-light)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"proxy tests cannot run in CI: {problem}")
        pytest.skip(problem)
    media_root = folder / "media"
    media_root.mkdir(parents=True, exist_ok=True)
    environment = replica_environment(static_root, media_root, **overrides)
    ports = [free_port() for _ in range(replicas)]

    def start_replica(port: int) -> Any:
        return uvicorn_factory(port=port, **environment)

    servers = [start_replica(port) for port in ports]
    nginx = start_nginx(
        folder / "nginx",
        upstream_ports=ports,
        static_root=static_root,
        media_root=media_root,
        http_port=free_port(),
        https_port=free_port(),
    )
    return Stack(nginx, servers, start_replica)
