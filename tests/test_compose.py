"""docker-compose.yml, read as Compose reads it (`make compose-check`).

No Docker engine runs here, so `docker compose config` cannot; these tests check the file's
shape instead, and that it is the shape tests/e2e/test_proxy.py runs live: the proxy's
site file and variables, the web service's environment behind it, the replicas, the
order things start in, and the stop that leaves a graceful restart its time.
"""

import os
import re
import shutil
import subprocess

import pytest
from django.conf import settings as django_settings

from tests.deployment import (
    ROOT,
    compose_file,
    compose_service_environment,
    env_example,
    interpolate,
    operator_shell,
)

NGINX = ROOT / "deploy" / "nginx"
SERVICES = compose_file()["services"]
#: The services that run for good (migrate runs once; backup on demand).
LONG_RUNNING = ("db", "redis", "web", "worker", "proxy", "certbot")


def required_variables() -> set[str]:
    """Every `${NAME:?...}` of the file: compose refuses to start without them."""
    return set(re.findall(r"\$\{([A-Z0-9_]+):\?", (ROOT / "docker-compose.yml").read_text()))


def seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"([\d.]+)(ms|s|m|h)", duration))


def test_compose_interpolation_follows_compose_rules():
    shell = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d} ${EMPTY:-d} ${UNSET:-d} ${EMPTY-d} ${UNSET-d}", shell) == (
        "x d d  d"
    )
    assert interpolate("$SET ${SET} $$SET ${UNSET}", shell) == "x x $SET "
    with pytest.raises(ValueError, match="set it"):
        interpolate("${EMPTY:?set it}", shell)


def test_env_example_names_every_variable_compose_requires():
    assert required_variables() == {"CHAT_DOMAIN", "DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"}
    assert required_variables() <= set(env_example())
    # Secrets are left blank for the operator; nothing in the example is a usable secret.
    assert env_example()["DJANGO_SECRET_KEY"] == env_example()["POSTGRES_PASSWORD"] == ""


@pytest.mark.parametrize("variable", sorted(required_variables()))
def test_compose_refuses_to_start_without(variable):
    shell = operator_shell()
    shell[variable] = ""
    with pytest.raises(ValueError, match=variable):
        for service in ("web", "proxy", "db"):
            compose_service_environment(service, shell)


def test_web_runs_production_settings_behind_the_tls_proxy():
    environment = compose_service_environment("web", operator_shell())
    assert environment["DJANGO_SETTINGS_MODULE"] == "chat_project.settings.production"
    assert environment["DJANGO_ALLOWED_HOSTS"] == "chat.example.com"
    assert environment["DJANGO_CSRF_TRUSTED_ORIGINS"] == "https://chat.example.com"
    assert environment["DJANGO_SECURE_COOKIES"] == "true"
    assert environment["DJANGO_SECURE_SSL_REDIRECT"] == "false"  # the proxy redirects
    assert environment["DATABASE_URL"] == ("postgres://chat:compose-db-password@db:5432/chat")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    # X-Forwarded-* believed from the proxy's fixed address only.
    proxy_address = SERVICES["proxy"]["networks"]["default"]["ipv4_address"]
    assert environment["TRUSTED_PROXIES"] == proxy_address
    subnet = compose_file()["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert proxy_address.rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]
    assert environment["LOG_FORMAT"] == "json"


def test_only_the_proxy_is_published():
    published = {
        name
        for name, service in SERVICES.items()
        for port in service.get("ports", [])
        if not port.startswith("127.0.0.1:")
    }
    assert published == {"proxy"}  # Prometheus listens on this machine only
    proxy = compose_service_environment("proxy", operator_shell())
    assert SERVICES["proxy"]["ports"] == [
        f"{proxy['CHAT_HTTP_PORT']}:80",
        f"{proxy['CHAT_HTTPS_PORT']}:443",
    ]
    assert proxy["CHAT_SERVER_NAME"] == "chat.example.com"
    assert proxy["CHAT_PUBLIC_URL"] == "https://chat.example.com"


def test_the_proxy_serves_the_folders_the_web_service_writes():
    web = compose_service_environment("web", operator_shell())
    proxy = compose_service_environment("proxy", operator_shell())
    mounts = {
        name: dict(volume.split(":")[:2] for volume in SERVICES[name].get("volumes", []))
        for name in ("web", "migrate", "proxy")
    }
    # Uploads: written by the replicas, sent by nginx after the app's X-Accel-Redirect.
    assert mounts["web"]["media"] == web["DJANGO_MEDIA_ROOT"] == "/app/media"
    assert mounts["proxy"]["media"] == proxy["CHAT_MEDIA_ROOT"]
    assert "media:/app/media:ro" in SERVICES["proxy"]["volumes"]
    assert web["FILES_ACCEL_REDIRECT_PREFIX"] == "/protected-files/"
    template = (NGINX / "chat.conf.template").read_text()
    assert (
        "location /protected-files/ {\n        internal;\n        alias ${CHAT_MEDIA_ROOT}/;"
        in (template)
    )
    # Static files: collected by `migrate` into the volume nginx serves.
    assert mounts["migrate"]["static"] == web["DJANGO_STATIC_ROOT"]
    assert mounts["proxy"]["static"] == proxy["CHAT_STATIC_ROOT"] == web["DJANGO_STATIC_ROOT"]


def test_two_or_more_replicas_round_robin_without_sticky_sessions():
    assert SERVICES["web"]["deploy"]["replicas"] >= 2
    assert "container_name" not in SERVICES["web"]  # one name would forbid replicas
    upstream = (NGINX / "upstream.conf").read_text()
    assert re.search(r"^\s*server web:8000 resolve ", upstream, re.MULTILINE)
    assert "resolver 127.0.0.11" in upstream  # Docker's DNS: every replica's address
    directives = "\n".join(
        line.split("#")[0]
        for line in (upstream + (NGINX / "chat.conf.template").read_text()).splitlines()
    )
    for sticky in ("ip_hash", "hash ", "sticky", "least_conn"):
        assert sticky not in directives, sticky
    assert "--port" in SERVICES["web"]["command"]
    assert SERVICES["web"]["command"][SERVICES["web"]["command"].index("--port") + 1] == "8000"


def test_the_proxy_image_carries_the_files_the_e2e_test_renders():
    dockerfile = (NGINX / "Dockerfile").read_text()
    proxy = compose_service_environment("proxy", operator_shell())
    assert "COPY chat.conf.template /etc/nginx/templates/default.conf.template" in dockerfile
    assert f"COPY upstream.conf {proxy['CHAT_UPSTREAM_CONF']}" in dockerfile
    assert "chat-certificate.sh /docker-entrypoint.d/" in dockerfile
    assert SERVICES["proxy"]["build"] == "deploy/nginx"
    # The script's default folder is where the site reads the certificate from.
    assert proxy["CHAT_TLS_CERT"] == "/etc/nginx/tls/fullchain.pem"
    assert proxy["CHAT_TLS_KEY"] == "/etc/nginx/tls/privkey.pem"
    assert 'tls="${CHAT_TLS_DIR:-/etc/nginx/tls}"' in (NGINX / "chat-certificate.sh").read_text()
    # Only the CHAT_ variables are substituted: nginx's own $host, $uri... stay.
    assert proxy["NGINX_ENVSUBST_FILTER"] == "^CHAT_"


def test_services_are_health_checked_and_restarted():
    for name in LONG_RUNNING:
        assert SERVICES[name]["restart"] == "unless-stopped", name
    for name in ("db", "redis", "web", "worker", "proxy"):
        assert "healthcheck" in SERVICES[name], name
    web_check = SERVICES["web"]["healthcheck"]["test"]
    assert web_check[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/health" in web_check[3]
    assert SERVICES["proxy"]["healthcheck"]["test"][-1] == "https://127.0.0.1/health"
    assert SERVICES["proxy"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_a_worker_runs_the_background_tasks_with_the_web_settings():
    """The `worker` service: the web image and environment, the database backend, its
    metrics port, started after the migrations on a healthy database (tests/e2e/
    test_compose_deployment.py runs its command with its environment)."""
    worker, web = SERVICES["worker"], SERVICES["web"]
    assert worker.get("image") == web.get("image") and worker.get("build") == web.get("build")
    shell = operator_shell()
    environment = compose_service_environment("worker", shell)
    assert environment == compose_service_environment("web", shell)
    assert environment["TASKS_BACKEND"] == "database"
    assert environment["DJANGO_SETTINGS_MODULE"] == "chat_project.settings.production"
    command = worker["command"]
    assert command[:3] == ["python", "manage.py", "worker"], command
    assert command[command.index("--metrics-port") + 1] == "9100"
    assert "http://127.0.0.1:9100/metrics" in worker["healthcheck"]["test"][3]
    assert worker["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert "media:/app/media" in worker["volumes"]  # the purge deletes upload files
    assert "ports" not in worker  # its metrics stay inside the compose network
    # SIGTERM lets the running task finish.
    assert seconds(worker["stop_grace_period"]) >= 30
    scrape = (ROOT / "docs" / "monitoring" / "prometheus.yml").read_text()
    assert "names: [worker]" in scrape and "port: 9100" in scrape


def test_migrations_run_once_before_any_replica():
    assert SERVICES["migrate"]["restart"] == "no"
    assert "manage.py migrate" in " ".join(SERVICES["migrate"]["command"])
    assert "collectstatic" in " ".join(SERVICES["migrate"]["command"])
    assert SERVICES["web"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "redis": {"condition": "service_healthy"},
    }
    assert SERVICES["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "migrate" not in " ".join(SERVICES["web"]["command"])  # not N times at once


def test_a_stopping_replica_gets_the_time_its_graceful_shutdown_takes():
    web = compose_service_environment("web", operator_shell())
    timeout = int(web["SHUTDOWN_TIMEOUT_SECONDS"])
    assert timeout == django_settings.SHUTDOWN_TIMEOUT_SECONDS  # the settings' default
    assert seconds(SERVICES["web"]["stop_grace_period"]) >= timeout + 5


def test_data_lives_in_volumes():
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    assert "redisdata:/data" in SERVICES["redis"]["volumes"]
    assert set(compose_file()["volumes"]) == {
        "pgdata",
        "redisdata",
        "media",
        "static",
        "letsencrypt",
        "acme",
        "prometheus",
    }


def test_the_backup_tool_sees_the_database_and_the_uploads():
    backup = SERVICES["backup"]
    assert backup["profiles"] == ["tools"]  # not started by `up`
    assert backup["entrypoint"] == ["/scripts/backup.sh"]
    environment = compose_service_environment("backup", operator_shell())
    web = compose_service_environment("web", operator_shell())
    assert environment["DATABASE_URL"] == web["DATABASE_URL"]
    assert f"media:{environment['MEDIA_ROOT']}" in backup["volumes"]
    assert backup["image"] == SERVICES["db"]["image"]  # pg_dump of the server's version


def docker_compose_available() -> bool:
    if not shutil.which("docker"):
        return False
    version = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
    )
    return version.returncode == 0


@pytest.mark.skipif(not docker_compose_available(), reason="the docker compose plugin is absent")
def test_docker_compose_config_accepts_the_file():
    """Where the compose client exists, it validates the file itself (no engine needed)."""
    result = subprocess.run(
        ["docker", "compose", "config", "--quiet"],
        cwd=ROOT,
        env={**os.environ, **operator_shell()},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
