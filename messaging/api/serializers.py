from rest_framework import serializers

from messaging.models import Message


class MessageSerializer(serializers.ModelSerializer):
    """The one message representation: REST responses, `new_message` events, `last_message`."""

    conversation_id = serializers.IntegerField(read_only=True)
    sender_id = serializers.IntegerField(read_only=True)
    sender_username = serializers.CharField(source="sender.username", read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation_id",
            "seq",
            "sender_id",
            "sender_username",
            "content",
            "message_type",
            "client_id",
            "created_at",
            "edited_at",
            "is_deleted",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Message) -> dict:
        data = super().to_representation(instance)
        if instance.is_deleted:
            data["content"] = ""
        return data
