"""Images done safely: the one place that decodes what users upload (attachments, avatars).

An uploaded image is never stored or served as it came. Its type is read from its bytes
(Pillow, restricted to the formats below, never the name or the declared type); its size is
checked against `UPLOAD_MAX_PIXELS` from the header, before a pixel is decoded, so a
decompression bomb costs nothing; then it is decoded, turned upright (EXIF orientation),
and re-encoded from its pixels alone, so EXIF (GPS, camera, time), XMP and comments are
gone. Only the colour profile is kept, so colours look the same. Thumbnails and avatars
are WebP.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

#: Raster formats shown inline (in `<img>`), with their content type: everything else,
#: SVG included, is a plain file and only ever downloaded.
SAFE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
#: The longest side of an attachment's thumbnail.
THUMBNAIL_SIDE = 400
#: The sides of an avatar's two squares: the full one and the small one for lists.
AVATAR_SIDES = (256, 64)
JPEG_QUALITY = 85
WEBP_QUALITY = 82


class ImageRefused(ValueError):
    """An image that will not be stored: too many pixels (`image_too_large`), or bytes
    that claim a format they do not hold (`invalid_image`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CleanImage:
    """An image re-encoded from its pixels, with its one thumbnail (WebP)."""

    data: bytes
    format: str
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes


def sniff_format(file: IO[bytes]) -> str | None:
    """The image format of `file` from its first bytes (one of SAFE_FORMATS), else None.

    Reads only the header; the file is left at its start.
    """
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=list(SAFE_FORMATS)) as image:
                found = image.format
    except Image.DecompressionBombError:
        found = _format_of_bomb(file)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        found = None
    finally:
        file.seek(0)
    return found if found in SAFE_FORMATS else None


def _format_of_bomb(file: IO[bytes]) -> str | None:
    """Pillow refuses to even open an image far over its own limit: name it by its magic
    bytes so it is refused as too large rather than taken for a plain file."""
    file.seek(0)
    head = file.read(16)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _open_checked(file: IO[bytes], fmt: str) -> Image.Image:
    """Open for decoding after the pixel check (header only so far)."""
    limit = settings.UPLOAD_MAX_PIXELS
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(file, formats=[fmt])
    except Image.DecompressionBombError as exc:
        raise _too_large(limit) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused(
            f"The file looks like {fmt} but cannot be read.", "invalid_image"
        ) from exc
    width, height = image.size
    frames = getattr(image, "n_frames", 1) if fmt in ("GIF", "WEBP") else 1
    if width * height * frames > limit:
        image.close()
        raise _too_large(limit)
    return image


def _too_large(limit: int) -> ImageRefused:
    return ImageRefused(
        f"The image has too many pixels (at most {limit}, all frames together).",
        "image_too_large",
    )


#: What is kept of an image's `info`: how its pixels are to be shown, nothing about it.
_KEPT_INFO = ("icc_profile", "transparency")


def _pixels_only(frame: Image.Image) -> Image.Image:
    """A copy with no metadata at all: the colour profile and transparency only."""
    clean = frame.copy()
    clean.info = {key: frame.info[key] for key in _KEPT_INFO if key in frame.info}
    return clean


def _encode(frames: list[Image.Image], fmt: str, durations: list[int], loop: int | None) -> bytes:
    out = io.BytesIO()
    first = frames[0]
    options: dict = {}
    icc = first.info.get("icc_profile")
    if icc and fmt != "GIF":
        options["icc_profile"] = icc
    if fmt == "JPEG":
        if first.mode not in ("RGB", "L"):
            first = first.convert("RGB")
        first.save(out, "JPEG", quality=JPEG_QUALITY, **options)
    elif fmt == "WEBP" or (fmt == "GIF" and len(frames) > 1):
        if len(frames) > 1:
            options.update(save_all=True, append_images=frames[1:], duration=durations)
            options["loop"] = loop or 0
        if fmt == "WEBP":
            options["quality"] = WEBP_QUALITY
        first.save(out, fmt, **options)
    else:
        first.save(out, fmt, **options)
    return out.getvalue()


def clean_image(file: IO[bytes], fmt: str) -> CleanImage:
    """Decode (within the pixel cap), turn upright, re-encode without metadata, thumbnail.

    `fmt` is what `sniff_format` found. Raises ImageRefused.
    """
    with _open_checked(file, fmt) as image:
        loop = image.info.get("loop")
        frames: list[Image.Image] = []
        durations: list[int] = []
        try:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index == 0:
                    upright = ImageOps.exif_transpose(frame)
                    frame = upright if upright is not None else frame
                frames.append(_pixels_only(frame))
                durations.append(int(frame.info.get("duration", 100) or 100))
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRefused(
                f"The file looks like {fmt} but cannot be decoded.", "invalid_image"
            ) from exc
    if fmt in ("GIF", "WEBP") and len(frames) > 1:
        # Frames of different sizes (orientation only turns the first) cannot be saved.
        frames = [frames[0], *(f for f in frames[1:] if f.size == frames[0].size)]
        durations = durations[: len(frames)]
    data = _encode(frames, fmt, durations, loop)
    width, height = frames[0].size
    return CleanImage(
        data=data,
        format=fmt,
        content_type=SAFE_FORMATS[fmt],
        extension=EXTENSIONS[fmt],
        width=width,
        height=height,
        thumbnail=_webp(_thumbnail(frames[0])),
    )


def _for_webp(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    has_alpha = image.mode in ("LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _thumbnail(image: Image.Image) -> Image.Image:
    small = _for_webp(image).copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return small


def _webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    options = {"quality": WEBP_QUALITY}
    icc = image.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    _for_webp(image).save(out, "WEBP", **options)
    return out.getvalue()


def avatar_squares(file: IO[bytes], sides: Iterable[int] = AVATAR_SIDES) -> dict[int, bytes]:
    """An avatar: the image's centre square (upright, first frame) in each size, as WebP.

    Raises ImageRefused, also for a file that is not an image of SAFE_FORMATS.
    """
    fmt = sniff_format(file)
    if fmt is None:
        raise ImageRefused("An avatar must be a PNG, JPEG, GIF or WebP image.", "invalid_image")
    with _open_checked(file, fmt) as image:
        try:
            image.seek(0)
            upright = ImageOps.exif_transpose(image)
            frame = _pixels_only(upright if upright is not None else image)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRefused(
                f"The file looks like {fmt} but cannot be decoded.", "invalid_image"
            ) from exc
    frame = _for_webp(frame)
    return {
        side: _webp(ImageOps.fit(frame, (side, side), Image.Resampling.LANCZOS)) for side in sides
    }
