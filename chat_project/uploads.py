"""Reading uploaded files: size limits, the real type of what came, names fit to keep.

Used by every endpoint that takes a file (attachments, avatars). The size limit holds
three times: the declared Content-Length is checked before the body is read
(`body_limit`, by the ASGI handler and `RequestSizeLimitMiddleware`), the multipart
parser stops as soon as a file passes `UPLOAD_MAX_BYTES` (`SizeLimitHandler`, for bodies
without a length), and `uploaded_file` checks the file it got. Nothing is stored before
all three passed.

The type is read from the bytes, never from the name or the declared type: images through
`chat_project.images` (and re-encoded), a few document types by their signature, text
that is not markup as text/plain; anything else, HTML and SVG included, is
application/octet-stream, stored as it came and only ever downloaded.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework import serializers, status
from rest_framework.exceptions import APIException

from . import images
from .openapi import error

#: Paths whose bodies are files: their limit is UPLOAD_MAX_BYTES (plus the multipart
#: envelope), not REQUEST_MAX_BYTES.
UPLOAD_PATHS = re.compile(r"^/api/(uploads|users/me/avatar|conversations/[0-9]+/avatar)/?$")
#: Room for the multipart boundaries and part headers around the one file.
MULTIPART_OVERHEAD = 64 * 1024
NAME_MAX_LENGTH = 200
OCTET_STREAM = "application/octet-stream"
TEXT_PLAIN = "text/plain; charset=utf-8"

#: Leading bytes of the document types that keep their own type (downloads all the same).
SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
    (b"OggS", 0, "audio/ogg"),
    (b"ID3", 0, "audio/mpeg"),
    (b"fLaC", 0, "audio/flac"),
)


class FileInputSerializer(serializers.Serializer):
    """The multipart body of an upload, for the schema (views read `uploaded_file`)."""

    file = serializers.FileField(
        help_text="At most UPLOAD_MAX_BYTES (25 MiB by default); its type is read from its "
        "bytes, never from its name or declared type."
    )


#: The 415 of the file endpoints, for their schema.
NOT_MULTIPART = error("The body is not `multipart/form-data` (`unsupported_media_type`).")


class UploadRefused(APIException):
    """413 JSON `{detail, code}`: `file_too_large` or `quota_exceeded`."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The file is too large."
    default_code = "file_too_large"


def file_too_large() -> UploadRefused:
    limit = settings.UPLOAD_MAX_BYTES
    return UploadRefused(f"The file is too large (at most {limit} bytes).", "file_too_large")


def body_limit(path: str) -> tuple[int, str]:
    """(the largest body, the 413's code) for a request to `path`."""
    if UPLOAD_PATHS.match(path):
        return settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD, "file_too_large"
    return settings.REQUEST_MAX_BYTES, "payload_too_large"


def body_too_large(path: str) -> dict[str, str]:
    """The 413 body for a request to `path` whose declared length is over its limit."""
    limit, code = body_limit(path)
    if code == "file_too_large":
        return {"detail": str(file_too_large().detail), "code": code}
    return {"detail": f"Request body is too large (limit {limit} bytes).", "code": code}


class SizeLimitHandler(FileUploadHandler):
    """Stops the multipart parser at the first chunk past UPLOAD_MAX_BYTES (a body sent
    without Content-Length is only measured while it is parsed); passes data on."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.UPLOAD_MAX_BYTES:
            raise file_too_large()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def uploaded_file(request: Any, field: str = "file") -> UploadedFile:
    """The one file of a multipart request (DRF's Request), within the size limit.

    Missing or empty -> ValidationError naming `field`; too large -> UploadRefused (413).
    """
    django_request = getattr(request, "_request", request)
    if not any(isinstance(h, SizeLimitHandler) for h in django_request.upload_handlers):
        django_request.upload_handlers.insert(0, SizeLimitHandler(django_request))
    file = request.FILES.get(field)
    if file is None:
        raise ValidationError({field: ["No file was submitted (multipart field `file`)."]})
    if not file.size:
        raise ValidationError({field: ["The submitted file is empty."]})
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise file_too_large()
    return file


def clean_name(name: object, *, fallback: str = "file") -> str:
    """A file name fit to keep and to show: no folders, no control characters, not too
    long (the extension kept)."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if not unicodedata.category(c).startswith("C"))
    text = text.strip().strip(".").strip()
    if len(text) > NAME_MAX_LENGTH:
        stem, dot, extension = text.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            text = f"{stem[: NAME_MAX_LENGTH - len(extension) - 1]}.{extension}"
        else:
            text = text[:NAME_MAX_LENGTH]
    return text or fallback


def _with_extension(name: str, fmt: str) -> str:
    """`name` ending in the extension of the image format it really is."""
    known = {"JPEG": ("jpg", "jpeg", "jfif"), "PNG": ("png",), "GIF": ("gif",), "WEBP": ("webp",)}
    stem, dot, extension = name.rpartition(".")
    if dot and extension.lower() in known[fmt]:
        return name
    return f"{stem if dot and stem else name}.{images.EXTENSIONS[fmt]}"


def _looks_like_text(head: bytes) -> bool:
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text):
        return False
    # Markup (HTML, SVG, XML) is never labelled as something a browser might render.
    return not text.lstrip("\ufeff \t\r\n").startswith("<")


def sniff_file_type(file: IO[bytes]) -> str:
    """The content type of a file that is not a safe image, from its first bytes."""
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    for signature, offset, content_type in SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return content_type
    if head and _looks_like_text(head):
        return TEXT_PLAIN
    return OCTET_STREAM


@dataclass(frozen=True)
class PreparedFile:
    """What will be stored for an upload: a clean image, or the file as it came."""

    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    extension: str
    data: bytes | None  # the re-encoded image; None: store `source` as it is
    source: UploadedFile
    thumbnail: bytes | None

    @property
    def is_image(self) -> bool:
        return self.data is not None


def prepare(file: UploadedFile) -> PreparedFile:
    """Sniff the real type; re-encode an image (ImageRefused -> ValidationError on `file`)."""
    name = clean_name(file.name)
    fmt = images.sniff_format(file)
    if fmt is None:
        return PreparedFile(
            name=name,
            content_type=sniff_file_type(file),
            size=file.size or 0,
            width=None,
            height=None,
            extension="",
            data=None,
            source=file,
            thumbnail=None,
        )
    try:
        image = images.clean_image(file, fmt)
    except images.ImageRefused as exc:
        raise ValidationError({"file": [ValidationError(str(exc), code=exc.code)]}) from exc
    return PreparedFile(
        name=_with_extension(name, fmt),
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        extension=f".{image.extension}",
        data=image.data,
        source=file,
        thumbnail=image.thumbnail,
    )
