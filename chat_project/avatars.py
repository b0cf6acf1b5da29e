"""Avatars of users and conversations: their files, their URLs, and serving them.

An avatar is the centre square of an uploaded image in two sizes (256 and 64 px, WebP,
re-encoded without metadata by `chat_project.images`). The owner's row keeps only a key:
the first 32 hex digits of the SHA-256 of the large file. The files are
`avatars/<kind>/<owner id>/<key>-<side>.webp` in the default storage, and the URLs
`/avatars/<kind>/<owner id>/<key>-<side>.webp` — content-addressed, unguessable (128
bits), long-lived and cacheable for a year (`immutable`): a new avatar is a new URL, and
the old files are deleted once the change commits. Serving needs no login and no query;
anyone given the URL may see the picture, as anyone shown the person may.

`kind` is `u` for users and `c` for conversations (groups and rooms).
"""

from __future__ import annotations

import hashlib
import re
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import images
from .file_responses import file_response

KINDS = frozenset({"u", "c"})
LARGE, SMALL = images.AVATAR_SIDES
KEY = re.compile(r"^[0-9a-f]{32}$")
FILE_NAME = re.compile(r"^(?P<key>[0-9a-f]{32})-(?P<side>256|64)\.webp$")
#: A year: an avatar's URL never shows anything else.
MAX_AGE = 365 * 24 * 3600


def _name(kind: str, owner_id: int, key: str, side: int) -> str:
    return f"avatars/{kind}/{owner_id}/{key}-{side}.webp"


def urls(kind: str, owner_id: int, key: str) -> tuple[str | None, str | None]:
    """(avatar_url, avatar_thumbnail_url): the 256 and the 64 px square, or (None, None)."""
    if not key or not KEY.match(key):
        return None, None
    base = f"/avatars/{kind}/{owner_id}/{key}"
    return f"{base}-{LARGE}.webp", f"{base}-{SMALL}.webp"


def store(kind: str, owner_id: int, file: IO[bytes]) -> str:
    """Crop, scale and re-encode `file`, store both squares; returns the new key.

    Not an image of PNG/JPEG/GIF/WebP, over the pixel cap or undecodable ->
    ValidationError on `file`.
    """
    try:
        squares = images.avatar_squares(file)
    except images.ImageRefused as exc:
        raise ValidationError({"file": [ValidationError(str(exc), code=exc.code)]}) from exc
    key = hashlib.sha256(squares[LARGE]).hexdigest()[:32]
    for side, data in squares.items():
        name = _name(kind, owner_id, key, side)
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
    return key


def delete_on_commit(kind: str, owner_id: int, key: str) -> None:
    """Delete an avatar's files once the transaction that replaced it commits."""
    if not key or not KEY.match(key):
        return

    def delete() -> None:
        for side in images.AVATAR_SIDES:
            default_storage.delete(_name(kind, owner_id, key, side))

    transaction.on_commit(delete)


@require_safe
def serve(request: HttpRequest, kind: str, owner_id: int, name: str) -> HttpResponseBase:
    """`/avatars/<kind>/<owner id>/<key>-<side>.webp`: the file, if it is still current."""
    match = FILE_NAME.match(name)
    if kind not in KINDS or match is None:
        raise Http404("Avatar not found.")
    response = file_response(
        _name(kind, owner_id, match["key"], int(match["side"])),
        content_type="image/webp",
        download_name=name,
        max_age=MAX_AGE,
    )
    response["Cache-Control"] += ", immutable"
    return response


_URL_SCHEMA = {
    "type": "string",
    "nullable": True,
    "description": "Same-origin path of a square WebP; null without an avatar. Long-lived: "
    "it changes when the avatar changes.",
}


@extend_schema_field(_URL_SCHEMA)
class AvatarURLField(serializers.Field):
    """`avatar_url` (256 px) or, with `small=True`, `avatar_thumbnail_url` (64 px) of the
    object given by `source` (the serializer's object by default), which has `pk` and
    `avatar` (the key)."""

    def __init__(self, kind: str, *, small: bool = False, source: str = "*", **kwargs: Any):
        super().__init__(source=source, read_only=True, **kwargs)
        self.kind = kind
        self.small = small

    def to_representation(self, owner: Any) -> str | None:
        return urls(self.kind, owner.pk, owner.avatar)[1 if self.small else 0]
