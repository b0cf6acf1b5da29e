"""The project's one DRF router: each app adds its viewsets through `register(router)`."""

from typing import Any

from rest_framework.routers import DefaultRouter


class OptionalSlashRouter(DefaultRouter):
    """Every route answers with and without a trailing slash (API.md conventions)."""

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"

    def get_api_root_view(self, api_urls: object = None) -> Any:
        """The browsable root names each prefix by the viewset that lists it: several apps
        add detail routes under `users` and `conversations`, and DRF's root kept the last
        registration of a prefix, which has no list."""
        listing: dict[str, str] = {}
        for prefix, viewset, basename in self.registry:
            if hasattr(viewset, "list"):
                listing.setdefault(prefix, self.routes[0].name.format(basename=basename))
        return self.APIRootView.as_view(api_root_dict=listing)


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
