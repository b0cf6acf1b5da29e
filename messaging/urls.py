from django.urls import path

from . import downloads, views
from .api.webhooks import WebhookPostView

urlpatterns = [
    # Incoming webhooks (messaging/api/webhooks.py): outside the router, a plain POST to the
    # URL, as CI and alerting tools send; no trailing slash, as Slack's.
    path("api/hooks/<str:secret>", WebhookPostView.as_view(), name="webhook-post"),
    path("", views.home, name="home"),
    path("c/<int:conversation_id>/", views.home, name="conversation"),
    # Attachment files behind signed URLs (messaging/attachments.py).
    path("files/<int:attachment_id>/<str:token>/<str:name>", downloads.file, name="file"),
    path(
        "files/<int:attachment_id>/<str:token>/thumb/<str:name>",
        downloads.thumbnail,
        name="file-thumbnail",
    ),
]
