from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from conversations.api.serializers import use_message_facts

        from .api.facts import ConversationMessageFacts
        from .attachments import register_event_signing

        register_event_signing()
        # A conversation shows its last message as messaging represents it; conversations
        # sits below messaging and cannot import it, so messaging hands in what it knows.
        use_message_facts(ConversationMessageFacts())
