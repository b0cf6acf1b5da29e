"""Payloads of the leaving app's events, built with the REST representation."""

from typing import Any

from .models import Export


def export_representation(export: Export) -> dict[str, Any]:
    """The one export representation: REST and the `export_ready` event."""
    ready = export.status == Export.Status.READY
    return {
        "id": export.pk,
        "status": export.status,
        "size": export.size if ready else None,
        "created_at": export.created_at.isoformat(),
        "finished_at": export.finished_at.isoformat() if export.finished_at else None,
        "expires_at": export.expires_at.isoformat() if export.expires_at else None,
        "download_url": f"/api/account/exports/{export.pk}/download" if ready else None,
    }


def export_ready(export: Export) -> dict[str, Any]:
    """To the owner's devices: the archive can be downloaded (or failed: `status`)."""
    return {"type": "export_ready", "export": export_representation(export)}
