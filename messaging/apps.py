from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        # A conversation shows its last message as messaging represents it; conversations
        # sits below messaging and cannot import it, so messaging hands in its reader.
        from conversations.api.serializers import represent_messages_with
        from messaging.api.serializers import represent_messages

        represent_messages_with(represent_messages)
