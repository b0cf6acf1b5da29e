from django.urls import path

from . import downloads, views

urlpatterns = [
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
