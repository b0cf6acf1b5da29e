"""Shapes of the leaving app's API: inputs check shape only; the export representation
is `events.export_representation`, documented here."""

from typing import Any

from rest_framework import serializers

from chat_project.inputs import StrictJSONInput
from leaving.events import export_representation
from leaving.models import Export


class ExportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Export.Status.choices)
    size = serializers.IntegerField(allow_null=True, help_text="Bytes; null until ready.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="After this the file is deleted (`expired`)."
    )
    download_url = serializers.CharField(
        allow_null=True, help_text="Only for its owner; null unless `ready`."
    )

    def to_representation(self, instance: Export) -> dict[str, Any]:
        return export_representation(instance)


class AccountDeleteInputSerializer(StrictJSONInput):
    password = serializers.CharField(max_length=128, trim_whitespace=False)
