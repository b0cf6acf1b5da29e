import pytest

pytestmark = pytest.mark.django_db


def test_health_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"].startswith("ok")
    assert isinstance(body["websocket_connections"], int)
    assert body["timestamp"].endswith("+00:00")


@pytest.mark.needs_services
def test_health_degraded_when_redis_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["redis"].startswith("error")
    assert body["database"] == "ok"


def test_health_degraded_when_database_down(client, monkeypatch):
    from chat_project import views

    def broken():
        return "error: OperationalError"

    monkeypatch.setattr(views, "_check_database", broken)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")


def test_schema_and_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/auth/login" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/nope")
    assert response.status_code == 404


# --- /health answers probes by address; every other path keeps the host check ---------------


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "10.0.3.7:8000", "[::1]:8000"])
@pytest.mark.parametrize("path", ["/health", "/health/"])
def test_health_answers_probes_by_address_whatever_the_allowed_hosts(client, settings, host, path):
    """The compose health check calls 127.0.0.1:8000 (load balancers a container's IP)
    while DJANGO_ALLOWED_HOSTS names the public host: the probe must still get 200."""
    settings.ALLOWED_HOSTS = ["chat.example"]
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    "path", ["/accounts/register/", "/api/auth/me", "/", "/healthz", "/health/x", "/api/health"]
)
def test_every_other_path_keeps_host_validation(client, settings, path):
    settings.ALLOWED_HOSTS = ["chat.example"]
    assert client.get(path, HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get(path, HTTP_HOST="chat.example").status_code != 400


def test_health_is_not_redirected_to_https(client, settings):
    """With DJANGO_SECURE_SSL_REDIRECT the plain-HTTP probe still gets its answer."""
    settings.ALLOWED_HOSTS = ["chat.example"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health", HTTP_HOST="127.0.0.1:8000").status_code == 200
    redirected = client.get("/accounts/register/", HTTP_HOST="chat.example")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://chat.example/accounts/register/"
