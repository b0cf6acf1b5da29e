from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        from accounts import services as accounts_services

        from .avatars import user_audience_groups

        # A person's new name or picture reaches everyone who sees them (friends and
        # co-members); accounts sits below and cannot ask us, so we hand the audience in.
        accounts_services.use_user_audience(user_audience_groups)
