"""Body limits before anything is read (chat_project/uploads.py `body_limit`): the ASGI
handler refuses a declared Content-Length over the path's limit without reading the body."""

import asyncio

import pytest

from chat_project.handler import ASGIHandler

pytestmark = pytest.mark.django_db


def call(path: str, length: int) -> tuple[list[dict], int]:
    """Run one request through the project's ASGI handler; (sent messages, body reads)."""
    reads = 0

    async def receive() -> dict:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * min(length, 10), "more_body": False}

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"multipart/form-data; boundary=x"),
            (b"content-length", str(length).encode()),
        ],
    }
    asyncio.run(ASGIHandler()(scope, receive, send))
    return sent, reads


def test_an_oversize_upload_is_refused_unread(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    sent, reads = call("/api/uploads", 10**9)
    assert reads == 0
    assert sent[0]["status"] == 413
    assert b'"code":"file_too_large"' in sent[1]["body"].replace(b" ", b"")


def test_other_paths_keep_request_max_bytes(settings):
    settings.REQUEST_MAX_BYTES = 1000
    sent, reads = call("/api/messages", 5000)
    assert (reads, sent[0]["status"]) == (0, 413)
    assert b"payload_too_large" in sent[1]["body"]
    # A file path takes more than REQUEST_MAX_BYTES: this one is read and answered by DRF.
    sent, reads = call("/api/uploads", 5000)
    assert reads == 1 and sent[0]["status"] != 413
