"""A path no route matches: the API's JSON error under /api/, Django's page elsewhere."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/nope",
        "/api/conversations/0.5/members/1/",  # ids take no dot: no route matches
        "/api/users/1.5/block",
        "/api/friends/requests/2.0/accept",
    ],
)
def test_unmatched_api_paths_answer_json(client, path):
    response = client.delete(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_other_unmatched_paths_keep_the_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
