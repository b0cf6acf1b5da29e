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
