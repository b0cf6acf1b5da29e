import gc

import pytest
from django.utils.deprecation import MiddlewareMixin

from conversations.tests.factories import group_with


@pytest.mark.django_db
async def test_middleware_chain_runs_sync_under_asgi(async_client, monkeypatch):
    """Django's middleware run in async mode would hop threads for every hook (~10 hops a
    request, measured with `python -m bench.inprocess send`); the settings keep the whole
    chain sync so a request pays one hop into its thread."""
    async_hooks: list[str] = []
    original = MiddlewareMixin.__acall__

    async def spy(self, request):
        async_hooks.append(type(self).__name__)
        return await original(self, request)

    monkeypatch.setattr(MiddlewareMixin, "__acall__", spy)
    response = await async_client.get("/accounts/login/")
    assert response.status_code == 200
    assert async_hooks == []


@pytest.mark.django_db
def test_rendered_api_responses_release_their_data(client_for, user, other_user):
    """DRF keeps a response in reference cycles; once rendered its data is dropped, so a
    large list is freed when the request ends instead of by a full garbage collection."""
    for n in range(3):
        group_with(user, other_user, name=f"g{n}")
    gc.collect()
    response = client_for(user).get("/api/conversations")
    assert response.status_code == 200
    assert len(response.json()) == 3  # the rendered bytes are intact
    assert response.data is None
    del response
    assert gc.collect() < 1000  # only the request's own small cycles are left
