"""Field encryption at rest (SECURITY.md CRY-2, CRY-4, CRY-5): AES-256-GCM, keys outside the database.

A token is ``v1:<key id>:<base64url(nonce || ciphertext+tag)>``. The key id (first 8 hex digits of
the key's SHA-256) is stored so that rotation can tell which key sealed a value. ``associated``
binds a ciphertext to where it belongs (for example ``b"totp:42"``): the same token copied into
another row or column does not decrypt.

The key ring: the current key is ``field_key`` (``KEHU_FIELD_KEY`` or ``<key dir>/field_key.key``);
older keys, kept only to read what is not yet rotated, come from ``KEHU_FIELD_KEYS`` (comma-separated
``hex`` or ``id:hex``) and from ``<key dir>/field_keys/*.key``. Encryption always uses the current
key; decryption uses whichever key the token names.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

from kehu.core import keys

VERSION = "v1"
NONCE_BYTES = 12  # 96 bits, the size GCM is specified for
_TOKEN = re.compile(r"\Av1:([0-9a-f]{8}):[A-Za-z0-9_=-]+\Z")


class DecryptionError(ValueError):
    """The token cannot be opened: malformed, or sealed with a key the ring does not hold."""


class IntegrityError(DecryptionError):
    """The token names a key we hold but fails GCM authentication: it was altered, or it was
    copied from another row or column (CRY-4). Callers log this as a security event."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _parse_key(text: str, origin: str) -> bytes:
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"Field key {origin} must be hex") from exc
    if len(raw) < 32:
        raise ImproperlyConfigured(f"Field key {origin} must be at least 32 bytes (64 hex digits)")
    return raw[:32]


def _older_keys() -> list[bytes]:
    found = []
    for entry in filter(None, (e.strip() for e in os.environ.get("KEHU_FIELD_KEYS", "").split(","))):
        claimed, _sep, hex_key = entry.rpartition(":")
        key = _parse_key(hex_key, "in KEHU_FIELD_KEYS")
        # An "id:hex" entry whose id does not match its key is a pasting mistake: refuse it loudly
        # rather than keep rows undecryptable until someone notices.
        if claimed and claimed != key_id(key):
            raise ImproperlyConfigured(f"KEHU_FIELD_KEYS: key id {claimed!r} does not match its key ({key_id(key)})")
        found.append(key)
    folder = keys.key_dir() / "field_keys"
    if folder.is_dir():
        for path in sorted(folder.glob("*.key")):
            found.append(_parse_key(path.read_text(encoding="ascii"), str(path)))
    return found


@cache
def _current() -> tuple[str, bytes]:
    key = keys.load_bytes("field_key")[:32]
    return key_id(key), key


@cache
def _key_ring() -> dict[str, bytes]:
    ring = {key_id(key): key for key in _older_keys()}
    ident, key = _current()
    ring[ident] = key
    return ring


def forget_keys() -> None:
    """Drop the cached ring, so a changed key configuration is read again (tests, rotation)."""
    _current.cache_clear()
    _key_ring.cache_clear()


def current_key_id() -> str:
    return _current()[0]


def readable_key_ids() -> list[str]:
    return sorted(_key_ring())


def current_prefix() -> str:
    """Every token sealed with the current key starts with this: rotation selects the others."""
    return f"{VERSION}:{current_key_id()}:"


def is_token(value: str) -> bool:
    return bool(_TOKEN.match(value))


def key_id_of(token: str) -> str:
    match = _TOKEN.match(token or "")
    if match is None:
        raise DecryptionError("malformed ciphertext")
    return match.group(1)


def encrypt(text: str, *, associated: bytes = b"") -> str:
    ident, key = _current()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf-8"), associated)
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{VERSION}:{ident}:{body}"


def decrypt(token: str, *, associated: bytes = b"") -> str:
    ident = key_id_of(token)
    try:
        raw = base64.urlsafe_b64decode(token.split(":", 2)[2].encode("ascii"))
    except ValueError as exc:
        raise IntegrityError("ciphertext is not valid base64") from exc
    key = _key_ring().get(ident)
    if key is None:
        raise DecryptionError(f"no key with id {ident!r}")
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated)
    except InvalidTag as exc:
        raise IntegrityError("ciphertext failed authentication") from exc
    return plain.decode("utf-8")


def reencrypt(token: str, *, associated: bytes = b"") -> str:
    """The same plaintext sealed again under the current key (key rotation)."""
    return encrypt(decrypt(token, associated=associated), associated=associated)
