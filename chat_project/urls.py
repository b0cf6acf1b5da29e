from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api_router import router
from .views import health

urlpatterns = [
    re_path(r"^health/?$", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (`?script`): the page
    # has no inline script for the Content-Security-Policy to block.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="api_docs/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/", include(router.urls)),
    path("api-auth/", include("rest_framework.urls")),
    path("accounts/", include("accounts.urls")),
    path("friends/", include("friends.urls")),
    path("rooms/", include("conversations.urls")),
    path("", include("messaging.urls")),
]
