"""Test helpers: switch field keys (a rotation's setup), damage a token."""

from __future__ import annotations

import base64
import secrets

from kehu.core import crypto


def new_key() -> str:
    return secrets.token_hex(32)


def use_keys(monkeypatch, current: str, *older: str) -> None:
    monkeypatch.setenv("KEHU_FIELD_KEY", current)
    monkeypatch.setenv("KEHU_FIELD_KEYS", ",".join(older))
    crypto.forget_keys()


def flip_one_byte(token: str, position: int = 20) -> str:
    version, ident, body = token.split(":", 2)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[position] ^= 0x01
    return f"{version}:{ident}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
