"""Where uploads are stored is configuration only: MEDIA_ROOT by default, an S3-compatible
bucket when S3_BUCKET is set (docs/api.md, "Uploads and attachments")."""

import pytest
from django.core.files.storage import FileSystemStorage, storages

from chat_project.settings.base import storage_config


def test_uploads_go_under_media_root_by_default():
    storage = storages.create_storage(storage_config(""))
    assert isinstance(storage, FileSystemStorage)


def test_an_s3_bucket_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    from storages.backends.s3 import S3Storage

    monkeypatch.setenv("S3_ENDPOINT_URL", "http://minio:9000")
    monkeypatch.setenv("S3_REGION", "eu-west-1")
    monkeypatch.setenv("S3_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("S3_PREFIX", "chat")
    storage = storages.create_storage(storage_config("chat-files"))
    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == "chat-files"
    assert storage.default_acl == "private"  # never public: downloads are checked
    assert storage.querystring_auth is True
    assert storage.file_overwrite is False
    assert (storage.endpoint_url, storage.region_name) == ("http://minio:9000", "eu-west-1")
    assert (storage.access_key, storage.secret_key, storage.location) == ("key", "secret", "chat")
