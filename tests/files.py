"""Files for upload tests, made here (no binary fixtures in the tree)."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

#: Where the JPEG of `jpeg_with_gps` says it was taken.
GPS_LATITUDE = (52.0, 31.0, 12.0)


def image_bytes(
    fmt: str = "PNG",
    size: tuple[int, int] = (640, 480),
    color: tuple[int, int, int] = (200, 40, 40),
    **options,
) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (300, 200), orientation: int = 6) -> bytes:
    """A JPEG with GPS coordinates, a camera make, a comment and an orientation tag (6:
    shown turned 90°, so an upright copy is `size` swapped)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
    }
    return image_bytes("JPEG", size, exif=exif, comment=b"taken at home")


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG header that claims `width` x `height` pixels (a decompression bomb: the
    compressed data of a huge black image is a few kilobytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


HTML_AS_PNG = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
#: The start of a Windows executable (an "MZ" header).
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)
