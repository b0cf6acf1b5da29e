from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from conversations.api.serializers import use_message_facts
        from conversations.system_lines import use_system_line_writer

        from .api.facts import ConversationMessageFacts
        from .attachments import register_event_signing

        register_event_signing()
        # A conversation shows its last message as messaging represents it; conversations
        # sits below messaging and cannot import it, so messaging hands in what it knows.
        use_message_facts(ConversationMessageFacts())
        # Joins, leaves, renames... are stored as messages so history shows them; the
        # conversation services write them through this hook, inside their transaction.
        from .services import system_line_post

        use_system_line_writer(system_line_post)
