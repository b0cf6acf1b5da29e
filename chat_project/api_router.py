"""The project's one DRF router: each app adds its viewsets through `register(router)`."""

from typing import Any

from rest_framework.routers import DefaultRouter


class OptionalSlashRouter(DefaultRouter):
    """Every route answers with and without a trailing slash (API.md conventions)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"

    def get_api_root_view(self, api_urls: object = None) -> Any:
        """Every group of endpoints (chat_project/api_root.py), not only the prefixes that
        have a list: DRF's root left out auth, messages, uploads, payments and the rest."""
        from .api_root import APIRootView

        return APIRootView.as_view()


def build_router() -> OptionalSlashRouter:
    from accounts.api import views as accounts_api
    from conversations.api import avatars as avatars_api
    from conversations.api import views as conversations_api
    from friends.api import views as friends_api
    from leaving.api import views as leaving_api
    from messaging.api import uploads as uploads_api
    from messaging.api import views as messaging_api
    from payments.api import views as payments_api

    router = OptionalSlashRouter()
    apis = (
        accounts_api,
        friends_api,
        conversations_api,
        messaging_api,
        uploads_api,
        avatars_api,
        payments_api,
        leaving_api,
    )
    for module in apis:
        module.register(router)
    return router


router = build_router()
