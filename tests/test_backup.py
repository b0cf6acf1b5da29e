"""scripts/backup.sh and scripts/restore.sh against this machine's PostgreSQL.

A database with users, a conversation, messages and uploaded files is backed up, then
restored into a new, empty database and folder: every row and file comes back, and the
sequences go on where they were (a new message gets a new id). A backup whose files do
not match their checksums is refused, and so is a restore without `--yes`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from messaging.services import message_send
from tests.deployment import ROOT

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.needs_services,
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed"),
]

TABLES = {
    "accounts_user": "id, username, email, password",
    "conversations_conversation": "id, name, last_seq",
    "messaging_message": "id, conversation_id, seq, sender_id, content, client_id",
}


def url(database: str) -> str:
    db = connection.settings_dict
    host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["USER"] or "postgres"
    return f"postgres://{user}@{host}:{port}/{database}"


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ROOT / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rows(database: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url(database)) as db:
        return {
            table: db.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()
            for table, columns in TABLES.items()
        }


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    with psycopg.connect(url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_every_row_and_file_into_an_empty_database(tmp_path, empty_database):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    team = group_with(alice, bob, name="Team")
    for n in range(3):
        message_send(
            actor=alice, conversation_id=team.pk, content=f"message {n}", client_id=f"c{n}"
        )
    media = tmp_path / "media"
    (media / "uploads" / "2026").mkdir(parents=True)
    (media / "uploads" / "2026" / "photo.webp").write_bytes(os.urandom(5000))
    (media / "avatars").mkdir()
    (media / "avatars" / "alice.webp").write_bytes(b"avatar bytes")
    source = connection.settings_dict["NAME"]

    made = run(
        "backup.sh", str(tmp_path / "backups"), DATABASE_URL=url(source), MEDIA_ROOT=str(media)
    )
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "db.dump", "media.tar.gz"]
    assert not list((tmp_path / "backups").glob(".*partial"))

    restored_media = tmp_path / "restored-media"
    restored_media.mkdir()
    (restored_media / "stale.txt").write_text("not in the backup")
    done = run(
        "restore.sh",
        str(backup),
        "--yes",
        DATABASE_URL=url(empty_database),
        MEDIA_ROOT=str(restored_media),
    )
    assert done.returncode == 0, done.stderr

    assert rows(empty_database) == rows(source)
    assert len(rows(source)["messaging_message"]) == 3
    assert files(restored_media) == files(media)  # the stale file is gone too
    with psycopg.connect(url(empty_database)) as db:
        migrations = db.execute("SELECT count(*) FROM django_migrations").fetchone()
        (next_id,) = db.execute("SELECT nextval('messaging_message_id_seq')").fetchone()
        (max_id,) = db.execute("SELECT max(id) FROM messaging_message").fetchone()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        assert migrations == cursor.fetchone()
    assert next_id > max_id


def test_a_damaged_backup_or_a_missing_yes_restores_nothing(tmp_path, empty_database):
    UserFactory(username="carol")
    made = run(
        "backup.sh", str(tmp_path / "backups"), DATABASE_URL=url(connection.settings_dict["NAME"])
    )
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert not (backup / "media.tar.gz").exists()  # no MEDIA_ROOT (S3): the database only

    unconfirmed = run("restore.sh", str(backup), DATABASE_URL=url(empty_database))
    assert unconfirmed.returncode == 2
    assert "--yes" in unconfirmed.stderr

    with (backup / "db.dump").open("r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00\x01\x02")
    damaged = run("restore.sh", str(backup), "--yes", DATABASE_URL=url(empty_database))
    assert damaged.returncode == 1
    assert "does not match" in damaged.stderr
    with psycopg.connect(url(empty_database)) as db:
        tables = db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (0,)


def test_only_the_newest_backups_are_kept(tmp_path):
    root = tmp_path / "backups"
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (root / stamp).mkdir(parents=True)
    made = run(
        "backup.sh",
        str(root),
        DATABASE_URL=url(connection.settings_dict["NAME"]),
        BACKUP_KEEP="2",
    )
    assert made.returncode == 0, made.stderr
    kept = sorted(p.name for p in root.iterdir())
    assert kept[0] == "20260103T000000Z" and len(kept) == 2
