"""`POST/DELETE /api/uploads` and the downloads of what was uploaded, on the real filesystem
storage in a fresh MEDIA_ROOT: type sniffing, images re-encoded without metadata, limits."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from django.test import Client
from PIL import ExifTags, Image

from messaging.attachments import download_token
from messaging.models import Attachment
from tests import files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

URL = "/api/uploads"


@pytest.fixture
def alice(user, client_for):
    return client_for(user)


def post(client, name: str, data: bytes, content_type: str = "image/png"):
    return client.post(URL, {"file": files.upload(name, data, content_type)}, format="multipart")


def stored(media_root: Path) -> list[Path]:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def fetch(url: str):
    """A download as `<img src>` makes it: no session, no Authorization header."""
    response = Client().get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_an_image_is_stored_re_encoded_with_a_thumbnail(alice, user, media_root):
    response = post(alice, "cat.png", files.image_bytes("PNG", (640, 480)))
    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get()
    assert body == {
        "id": attachment.id,
        "name": "cat.png",
        "size": attachment.size,
        "content_type": "image/png",
        "width": 640,
        "height": 480,
        "url": body["url"],
        "thumbnail_url": body["thumbnail_url"],
        "created_at": body["created_at"],
    }
    assert body["url"].startswith(f"/files/{attachment.id}/{user.id}.")
    assert body["url"].endswith("/cat.png")
    assert len(stored(media_root)) == 2  # the image and its thumbnail

    image, data = fetch(body["url"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert image["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert image["Content-Disposition"].startswith("inline")
    assert image["Cache-Control"].startswith("private")
    assert Image.open(io.BytesIO(data)).size == (640, 480)

    thumbnail, data = fetch(body["thumbnail_url"])
    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/webp"
    small = Image.open(io.BytesIO(data))
    assert small.format == "WEBP" and small.size == (400, 300)


def test_gps_and_every_other_metadata_are_gone_and_the_photo_is_upright(alice, media_root):
    original = files.jpeg_with_gps(size=(300, 200), orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    body = post(alice, "holiday.jpg", original, "image/jpeg").json()
    assert (body["width"], body["height"]) == (200, 300)  # turned as the tag said
    _, data = fetch(body["url"])
    clean = Image.open(io.BytesIO(data))
    assert clean.format == "JPEG" and clean.size == (200, 300)
    assert not clean.getexif()
    assert "exif" not in clean.info and "comment" not in clean.info
    assert b"SpyCam" not in data and b"taken at home" not in data


@pytest.mark.parametrize(
    ("name", "data", "declared", "expected"),
    [
        ("logo.png", files.HTML_AS_PNG, "image/png", "application/octet-stream"),
        ("photo.jpg", files.EXECUTABLE, "image/jpeg", "application/octet-stream"),
        ("drawing.svg", files.SVG, "image/svg+xml", "application/octet-stream"),
        ("page.html", files.HTML_AS_PNG, "text/html", "application/octet-stream"),
        ("notes.txt", b"just some notes\n", "text/plain", "text/plain; charset=utf-8"),
        ("paper.png", b"%PDF-1.7\n...", "image/png", "application/pdf"),
    ],
)
def test_the_type_comes_from_the_bytes_and_non_images_are_downloads_only(
    alice, name, data, declared, expected
):
    body = post(alice, name, data, declared).json()
    assert body["content_type"] == expected
    assert (body["width"], body["height"], body["thumbnail_url"]) == (None, None, None)
    response, served = fetch(body["url"])
    assert response.status_code == 200
    assert served == data  # kept as it came, never rendered
    assert response["Content-Type"] == expected
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_an_image_named_as_another_format_gets_its_real_extension(alice):
    body = post(alice, "screenshot.png", files.image_bytes("JPEG"), "image/png").json()
    assert body["content_type"] == "image/jpeg"
    assert body["name"] == "screenshot.jpg"


def test_a_decompression_bomb_is_refused_before_decoding(alice, media_root):
    bomb = files.png_bomb(20_000, 20_000)  # 400 million pixels in a few kilobytes
    assert len(bomb) < 100_000
    started = time.monotonic()
    response = post(alice, "bomb.png", bomb)
    assert time.monotonic() - started < 2
    assert response.status_code == 400
    (message,) = response.json()["file"]
    assert "too many pixels" in message
    assert stored(media_root) == [] and not Attachment.objects.exists()


def test_a_bomb_under_pillows_own_limit_is_refused_by_ours(alice, settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    response = post(alice, "big.png", files.png_bomb(2_000, 2_000))
    assert response.status_code == 400
    assert "too many pixels" in response.json()["file"][0]


def test_a_broken_image_is_refused(alice, media_root):
    data = files.image_bytes("PNG")[:200]
    response = post(alice, "broken.png", data)
    assert response.status_code == 400
    assert "cannot be" in response.json()["file"][0]
    assert stored(media_root) == []


def test_an_oversize_file_is_413_and_nothing_is_stored(alice, settings, media_root):
    settings.UPLOAD_MAX_BYTES = 1000
    response = post(alice, "big.bin", os.urandom(2000), "application/octet-stream")
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    # Declared larger than the limit with the multipart envelope: refused unread.
    response = post(alice, "huge.bin", os.urandom(200_000), "application/octet-stream")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The file is too large (at most 1000 bytes).",
        "code": "file_too_large",
    }
    assert stored(media_root) == [] and not Attachment.objects.exists()


def test_an_upload_body_may_be_larger_than_other_requests(alice, settings):
    settings.REQUEST_MAX_BYTES = 1000
    assert post(alice, "doc.bin", os.urandom(5000)).status_code == 201
    assert alice.post("/api/messages", {"x": "y" * 2000}, format="json").status_code == 413


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "No file was submitted (multipart field `file`)."),
        ({"file": files.upload("empty.txt", b"")}, "The submitted file is empty."),
    ],
)
def test_a_missing_or_empty_file_is_a_400_naming_file(alice, payload, message):
    response = alice.post(URL, payload, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": [message]}


def test_json_is_not_an_upload(alice):
    response = alice.post(URL, {"file": "x"}, format="json")
    assert response.status_code == 415


def test_the_quota_holds(alice, user, settings, media_root):
    settings.UPLOAD_QUOTA_BYTES = 3000
    assert post(alice, "a.bin", os.urandom(2000)).status_code == 201
    response = post(alice, "b.bin", os.urandom(2000))
    assert response.status_code == 413
    assert response.json()["code"] == "quota_exceeded"
    assert Attachment.objects.count() == 1 and len(stored(media_root)) == 1
    assert post(alice, "c.bin", os.urandom(900)).status_code == 201


def test_uploads_are_rate_limited(alice, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "upload": "2/hour"}
    for _ in range(2):
        assert post(alice, "a.txt", b"hello").status_code == 201
    response = post(alice, "a.txt", b"hello")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response


def test_uploading_needs_a_login(api_client):
    assert post(api_client, "a.txt", b"hello").status_code == 401


def test_a_name_is_cleaned(alice):
    body = post(alice, "../../etc/\x00pass\x07wd.txt", b"hello").json()
    assert body["name"] == "passwd.txt"


def test_you_delete_your_own_unattached_upload_and_its_files(alice, other_user, client_for):
    body = post(alice, "cat.png", files.image_bytes()).json()
    assert client_for(other_user).delete(f"{URL}/{body['id']}").status_code == 404
    assert alice.delete(f"{URL}/abc").status_code == 404
    assert alice.delete(f"{URL}/{body['id']}").status_code == 204
    assert not Attachment.objects.exists()
    assert fetch(body["url"])[0].status_code == 404
    assert alice.delete(f"{URL}/{body['id']}").status_code == 404


def test_files_are_deleted_only_after_the_commit(
    alice, media_root, django_capture_on_commit_callbacks
):
    body = post(alice, "a.txt", b"hello").json()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert alice.delete(f"{URL}/{body['id']}").status_code == 204
    assert len(stored(media_root)) == 1  # not yet: the transaction might roll back
    for callback in callbacks:
        callback()
    assert stored(media_root) == []


# --- downloads ---------------------------------------------------------------------------


def test_an_unattached_upload_is_for_its_uploader_only(alice, user, other_user):
    body = post(alice, "a.txt", b"hello").json()
    stranger_url = f"/files/{body['id']}/{download_token(body['id'], other_user.id)}/a.txt"
    assert fetch(stranger_url)[0].status_code == 404
    assert fetch(body["url"])[0].status_code == 200


def test_a_forged_or_expired_link_is_404(alice, user):
    body = post(alice, "a.txt", b"hello").json()
    attachment_id = body["id"]
    viewer, expires, signature = body["url"].split("/")[3].split(".")
    forged = f"/files/{attachment_id}/{viewer}.{int(expires) + 3600}.{signature}/a.txt"
    assert fetch(forged)[0].status_code == 404
    other = f"/files/{attachment_id + 1}/{viewer}.{expires}.{signature}/a.txt"
    assert fetch(other)[0].status_code == 404
    old = download_token(attachment_id, user.id, now=time.time() - 3 * 3600)
    assert fetch(f"/files/{attachment_id}/{old}/a.txt")[0].status_code == 404
    assert fetch(f"/files/{attachment_id}/garbage/a.txt")[0].status_code == 404


def test_a_banned_user_s_links_stop_working(alice, user):
    body = post(alice, "a.txt", b"hello").json()
    user.is_active = False
    user.save()
    assert fetch(body["url"])[0].status_code == 404


def test_a_file_missing_from_the_storage_is_404(alice, media_root):
    body = post(alice, "a.txt", b"hello").json()
    for path in stored(media_root):
        path.unlink()
    assert fetch(body["url"])[0].status_code == 404


def test_the_front_proxy_can_serve_the_bytes(alice, settings):
    body = post(alice, "a.txt", b"hello").json()
    settings.FILES_ACCEL_REDIRECT_PREFIX = "/protected-files/"
    response, data = fetch(body["url"])
    assert response.status_code == 200 and data == b""
    name = Attachment.objects.get().file
    assert response["X-Accel-Redirect"] == f"/protected-files/{name}"
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''a.txt"
    assert response["X-Content-Type-Options"] == "nosniff"
