from django.contrib import admin
from django.urls import include, path, re_path
from django.utils import timezone
from django.views.decorators.cache import cache_page
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
from conversations import views as conversation_views

from . import avatars
from .api_router import router
from .views import asyncapi, health, not_found

STARTED = timezone.now()

handler404 = not_found

# The browsable API's "Log in" / "Log out" (DRF looks them up as `rest_framework:login`
# and `:logout`) are the web UI's own: one login page, and a logout that also closes the
# session's WebSockets.
api_auth_urls = (
    [
        path("login/", accounts_views.LoginView.as_view(), name="login"),
        path("logout/", accounts_views.LogoutView.as_view(), name="logout"),
    ],
    "rest_framework",
)

urlpatterns = [
    re_path(r"^health/?$", health, name="health"),
    path("admin/", admin.site.urls),
    # The web UI's translations (global gettext/ngettext/interpolate), in the request's
    # language; they change only with a deploy, so caches may keep them until then.
    path(
        "jsi18n/",
        cache_page(3600)(last_modified(lambda request: STARTED)(JavaScriptCatalog.as_view())),
        name="javascript-catalog",
    ),
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
    # The WebSocket protocol (AsyncAPI), linked from the schema and the API root.
    path("api/asyncapi.yaml", asyncapi, name="asyncapi"),
    path("api/", include(router.urls)),
    path("api-auth/", include(api_auth_urls)),
    # Content-addressed avatar files (chat_project/avatars.py); never MEDIA_URL.
    path("avatars/<str:kind>/<int:owner_id>/<str:name>", avatars.serve, name="avatar"),
    # The web push service worker: at the root, so that its scope is the whole site.
    path("sw.js", accounts_views.service_worker, name="service-worker"),
    path("accounts/", include("accounts.urls")),
    path("friends/", include("friends.urls")),
    path("rooms/", include("conversations.urls")),
    path("invite/<str:code>/", conversation_views.invite_page, name="invite"),
    path("wallet/", include("payments.urls")),
    path("", include("messaging.urls")),
]
