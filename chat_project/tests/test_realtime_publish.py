import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from chat_project import realtime
from chat_project.settings.base import channel_layer_config

pytestmark = pytest.mark.needs_services


@pytest.fixture
def pubsub_layer(settings):
    settings.CHANNEL_LAYERS = channel_layer_config(
        settings.REDIS_URL, f"{settings.REDIS_PREFIX}-publish", "pubsub"
    )
    return get_channel_layer()


async def test_sync_publish_reaches_pubsub_group_members(pubsub_layer):
    """Events sent from sync code go out with a sync PUBLISH in the calling thread; a
    socket's channel in the group gets them exactly as the layer's own group_send sends."""
    publisher = realtime._publisher(pubsub_layer)
    assert publisher is not None
    group = realtime.conversation_group(7)
    loop_layer = pubsub_layer._get_layer()
    assert publisher.channel_name(group) == loop_layer._get_group_channel_name(group)
    channel = await pubsub_layer.new_channel()
    await pubsub_layer.group_add(group, channel)
    try:
        await sync_to_async(realtime.send_now)(group, {"type": "new_message", "n": 1})
        await pubsub_layer.group_send(group, realtime._envelope({"type": "typing"}, group))
        first = await asyncio.wait_for(pubsub_layer.receive(channel), 5)
        second = await asyncio.wait_for(pubsub_layer.receive(channel), 5)
    finally:
        await pubsub_layer.group_discard(group, channel)
        await pubsub_layer.flush()
    event = {"type": "new_message", "n": 1}
    assert first == {
        "type": "chat.event",
        "event": event,
        "group": group,
        "text": json.dumps(event),
    }
    assert second["event"] == {"type": "typing"}


def test_other_layers_send_through_the_layer(settings):
    """The core and in-memory layers keep channels' own group_send."""
    settings.CHANNEL_LAYERS = channel_layer_config(settings.REDIS_URL, "x", "core")
    assert realtime._publisher(get_channel_layer()) is None
    settings.CHANNEL_LAYERS = channel_layer_config("", "x")
    assert realtime._publisher(get_channel_layer()) is None
