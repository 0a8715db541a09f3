"""Field encryption at rest (SECURITY.md CRY-2): AES-256-GCM with the key kept outside the database.

A token is ``v1:<key id>:<base64url(nonce || ciphertext+tag)>``. The key id (first 8 hex digits of
the key's SHA-256) is stored so that a later key rotation can tell which key sealed a value; today
the key ring holds the one current key. ``associated`` binds a ciphertext to its row (for example
``b"totp:42"``): the same token copied into another row does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kehu.core import keys

VERSION = "v1"
NONCE_BYTES = 12  # 96 bits, the size GCM is specified for


class DecryptionError(ValueError):
    """The token is malformed, sealed with an unknown key, or was tampered with."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@cache
def _current() -> tuple[str, bytes]:
    key = keys.load_bytes("field_key")[:32]
    return key_id(key), key


def _key_ring() -> dict[str, bytes]:
    ident, key = _current()
    return {ident: key}


def encrypt(text: str, *, associated: bytes = b"") -> str:
    ident, key = _current()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, text.encode("utf-8"), associated)
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{VERSION}:{ident}:{body}"


def decrypt(token: str, *, associated: bytes = b"") -> str:
    try:
        version, ident, body = token.split(":", 2)
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (ValueError, AttributeError) as exc:
        raise DecryptionError("malformed ciphertext") from exc
    if version != VERSION:
        raise DecryptionError(f"unknown ciphertext version {version!r}")
    key = _key_ring().get(ident)
    if key is None:
        raise DecryptionError(f"no key with id {ident!r}")
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated)
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc
    return plain.decode("utf-8")
