"""REST of exports and deletion: the owner downloads, nobody else even sees it."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from leaving.models import Export

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(user, client_for, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post("/api/account/export")
    assert response.status_code == 202
    return Export.objects.get(pk=response.json()["id"])


def test_the_owner_downloads_the_archive(user, client_for, ready):
    api = client_for(user)
    listed = api.get("/api/account/exports").json()
    assert [e["id"] for e in listed] == [ready.id]
    assert listed[0]["status"] == "ready"
    assert api.get(f"/api/account/exports/{ready.id}").json() == listed[0]
    response = api.get(listed[0]["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"].startswith("private")
    data = json.loads(b"".join(response.streaming_content))
    assert data["profile"]["username"] == "alice"


def test_nobody_else_sees_or_downloads_it(other_user, client_for, ready, client):
    stranger = client_for(other_user)
    assert stranger.get(f"/api/account/exports/{ready.id}").status_code == 404
    assert stranger.get(f"/api/account/exports/{ready.id}/download").status_code == 404
    assert stranger.get("/api/account/exports").json() == []
    assert client.get(f"/api/account/exports/{ready.id}/download").status_code in (401, 403)


def test_an_expired_or_unfinished_export_is_not_served(user, client_for, ready):
    api = client_for(user)
    Export.objects.filter(pk=ready.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get(f"/api/account/exports/{ready.id}/download")
    assert (response.status_code, response.json()["code"]) == (410, "export_expired")
    pending = Export.objects.create(user=user)
    response = api.get(f"/api/account/exports/{pending.id}/download")
    assert (response.status_code, response.json()["code"]) == (409, "export_not_ready")
    assert api.get("/api/account/exports/99999999999999999999/download").status_code == 404


def test_a_second_request_while_one_is_built_returns_it(user, client_for):
    pending = Export.objects.create(user=user)
    response = client_for(user).post("/api/account/export")
    assert (response.status_code, response.json()["id"]) == (202, pending.id)


@pytest.mark.parametrize("n", [2, 4])
def test_the_export_list_costs_one_query(user, client_for, n, django_assert_num_queries):
    api = client_for(user)
    for _ in range(n):
        Export.objects.create(user=user, status="failed")
    with django_assert_num_queries(1):
        assert len(api.get("/api/account/exports").json()) == n


def test_delete_needs_a_password_field(user, client_for):
    response = client_for(user).post("/api/account/delete", {}, format="json")
    assert response.status_code == 400 and "password" in response.json()


@pytest.mark.parametrize("path", ["/api/account/delete", "/api/account/export"])
def test_the_account_routes_take_post_only(user, client_for, path):
    """The action was a method named `delete`, which DRF also routed HTTP DELETE to (on
    both routes, advertised in `Allow`): a DELETE with the password deleted the account."""
    api = client_for(user)
    response = api.delete(path, {"password": "whatever"}, format="json")
    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"
