import pytest
from django.utils.deprecation import MiddlewareMixin


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
