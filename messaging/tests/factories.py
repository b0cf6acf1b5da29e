"""Messages created straight in the database (no service rules, no events).

Use these to build history for selector/API tests; use `message_send` when the test is
about sending. `MessageFactory` keeps `Conversation.last_seq`/`last_message_*` and the
change numbers consistent so unread counts, seq gaps and the catch-up stay realistic, and
renders `content_html` as a send would (without mentions: give `mention_ids` yourself).
"""

import factory
from django.db.models import F

from accounts.tests.factories import UserFactory
from conversations.models import Conversation
from conversations.tests.factories import ConversationFactory
from messaging.formatting import render
from messaging.models import Attachment, Message


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SubFactory(UserFactory)
    content = factory.Sequence(lambda n: f"message {n}")
    seq = 0  # replaced in _create

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        conversation = kwargs["conversation"]
        Conversation.objects.filter(pk=conversation.pk).update(
            last_seq=F("last_seq") + 1, last_change_seq=F("last_change_seq") + 1
        )
        conversation.refresh_from_db(fields=["last_seq", "last_change_seq"])
        kwargs["seq"] = conversation.last_seq
        kwargs["change_seq"] = conversation.last_change_seq
        if "content_html" not in kwargs:  # as a send renders it (no mentions)
            kwargs["content_html"] = render(kwargs["content"]).html
        message = super()._create(model_class, *args, **kwargs)
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_id=message.id, last_message_at=message.created_at
        )
        return message


class AttachmentFactory(factory.django.DjangoModelFactory):
    """An attachment row of `message` (attached) or of nobody's message (an upload); its
    file names point nowhere: for representation and query tests, not downloads (those
    upload through `services.attachment_upload` into a `media_root`)."""

    class Meta:
        model = Attachment

    uploader = factory.LazyAttribute(lambda a: a.message.sender if a.message else None)
    message = None
    name = factory.Sequence(lambda n: f"picture-{n}.png")
    size = 1234
    content_type = "image/png"
    width = 640
    height = 480
    file = factory.Sequence(lambda n: f"attachments/test/{n}.png")
    thumbnail = factory.Sequence(lambda n: f"attachments/test/{n}-thumb.webp")
    attached_at = factory.LazyAttribute(lambda a: a.message.created_at if a.message else None)
