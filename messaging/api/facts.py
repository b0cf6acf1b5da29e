"""What a conversation shows of its messages: messaging's implementation of
`conversations.api.serializers.MessageFacts`, handed to conversations at start-up
(`messaging.apps`), because conversations sits below messaging and cannot import it."""

from messaging import attachments, selectors

from .serializers import represent_rows


class ConversationMessageFacts:
    def last_messages(self, message_ids: list[int], viewer_id: int | None) -> dict[int, dict]:
        """The messages represented from rows, in three queries (messages, attachments,
        reactions); attachment URLs are signed for nobody: `for_viewer` signs a copy."""
        rows = selectors.message_rows(message_ids=message_ids)
        return {m["id"]: m for m in represent_rows(rows, viewer_id=viewer_id)}

    def for_viewer(self, message: dict | None, viewer_id: int | None) -> dict | None:
        return attachments.for_viewer(message, viewer_id)

    def unread_mentions(self, viewer_id: int, conversation_ids: list[int] | None) -> dict[int, int]:
        return selectors.unread_mention_counts(user_id=viewer_id, conversation_ids=conversation_ids)
