"""VAPID key pairs (RFC 8292): how this server signs its web pushes.

Only the standard library and `cryptography`: `chat_project.settings.local` imports it
before Django is set up, to give `make run` a pair of its own.
"""

import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_key_pair() -> tuple[str, str]:
    """A new (public, private) pair in the formats browsers and the settings use: the
    public key as the 65-byte uncompressed point, the private key as its raw 32 bytes,
    both base64url without padding (what `applicationServerKey` and web-push tools use)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(public), b64url(private)


def public_key_of(private_key: str) -> str:
    """The public key (base64url uncompressed point) that belongs to a raw private key."""
    value = int.from_bytes(b64url_decode(private_key), "big")
    key = ec.derive_private_key(value, ec.SECP256R1())
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def dev_key_pair(path: Path) -> tuple[str, str]:
    """The development pair kept in `path`, made on first use (readable by the owner only)."""
    try:
        data = json.loads(path.read_text())
        return str(data["public_key"]), str(data["private_key"])
    except (OSError, ValueError, KeyError):
        pass
    public, private = generate_key_pair()
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump({"public_key": public, "private_key": private}, file)
    os.replace(temporary, path)  # two processes starting at once: one pair wins, both read it
    data = json.loads(path.read_text())
    return str(data["public_key"]), str(data["private_key"])
