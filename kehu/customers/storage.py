"""Private files under MEDIA_ROOT: 0700 directories, 0600 files, random names (SECURITY.md RES-3).

Nothing under MEDIA_ROOT is served as static: imports are read by their task, attachments leave
only through the scoped download view.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.conf import settings


def private_dir(name: str) -> Path:
    path = Path(settings.MEDIA_ROOT) / name
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask and ignored for an existing directory
    return path


def write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a file that must not exist yet, readable by this process's user only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def attachment_path(stored_name: str) -> Path:
    """Where an attachment's bytes live: attachments/<first two hex digits>/<random name>."""
    if len(stored_name) != 32 or not all(c in "0123456789abcdef" for c in stored_name):
        raise ValueError("not a stored attachment name")
    return Path(settings.MEDIA_ROOT) / "attachments" / stored_name[:2] / stored_name


def attachment_store(data: bytes) -> str:
    """Store ``data`` under a new random name and return the name."""
    stored_name = uuid.uuid4().hex
    private_dir("attachments")
    private_dir(f"attachments/{stored_name[:2]}")
    write_new(attachment_path(stored_name), data)
    return stored_name


def attachment_files():
    """Every stored attachment file (the sweep of orphans walks them)."""
    root = Path(settings.MEDIA_ROOT) / "attachments"
    if root.is_dir():
        yield from (path for path in root.glob("??/*") if path.is_file())
