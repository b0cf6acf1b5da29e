from django.apps import AppConfig


class ChatProjectConfig(AppConfig):
    """The project as an app: `manage.py worker` and the background tasks' admin
    (chat_project/tasks.py). It has no models."""

    name = "chat_project"
    verbose_name = "Chat server"
