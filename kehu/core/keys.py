"""Secret keys kept outside the database (SECURITY.md CRY-2, AUD-3).

A key named NAME comes from the environment variable ``KEHU_<NAME>`` (hex) or from the file
``<key dir>/<name>.key``. The dev and test profiles create a missing file (0600); production
refuses to start without the key, so a database dump alone never carries its own keys.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_state: dict[str, object] = {"key_dir": None, "may_generate": False}


def configure(*, key_dir: Path, may_generate: bool) -> None:
    _state["key_dir"] = Path(key_dir)
    _state["may_generate"] = may_generate


def key_dir() -> Path:
    folder = _state["key_dir"]
    if folder is None:
        raise ImproperlyConfigured("kehu.core.keys.configure() was not called")
    return Path(folder)


def _key_file(name: str) -> Path:
    return key_dir() / f"{name}.key"


def load_text(name: str, *, length: int = 64) -> str:
    """Return the key as text, creating a random one in dev/test when none exists."""
    from_env = os.environ.get(f"KEHU_{name.upper()}")
    if from_env:
        return from_env.strip()
    path = _key_file(name)
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    if not _state["may_generate"]:
        raise ImproperlyConfigured(
            f"Key '{name}' is missing: set KEHU_{name.upper()} or create {path} (production never generates keys)"
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_hex(length // 2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value


def load_bytes(name: str) -> bytes:
    """A 32-byte key (HMAC, AES-256)."""
    value = load_text(name, length=64)
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Key '{name}' must be hex") from exc
    if len(raw) < 32:
        raise ImproperlyConfigured(f"Key '{name}' must be at least 32 bytes (64 hex digits)")
    return raw
