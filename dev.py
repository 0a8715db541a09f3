#!/usr/bin/env python3
"""Set up and run Kehu from a fresh clone with nothing but Python 3.11 and pip.

    python3 dev.py demo   # virtualenv, install, SQLite under ./var, demo data, http://127.0.0.1:8000
    python3 dev.py test   # virtualenv, install, the whole suite on SQLite, then on PostgreSQL if one answers

Uses only the standard library until the virtualenv exists.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".kehu-installed"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | Path, env: dict | None = None, check: bool = True) -> int:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def ensure_installed() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py runs on whatever python3 the machine has)
        sys.exit("Kehu needs Python 3.11 or newer")
    if not PY.exists():
        say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        say("installing Kehu and its dependencies")
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PY, "-m", "pip", "install", "--quiet", "-e", ".[test]")
        STAMP.write_text(wanted)
    run(BIN / "kehu", "i18n_compile")


def demo(args: list[str]) -> None:
    ensure_installed()
    kehu = BIN / "kehu"
    say("migrating the SQLite database in ./var")
    run(kehu, "migrate", "--no-input")
    run(kehu, "demo", "--if-empty")
    say("starting the background worker (periodic sweeps)")
    worker = subprocess.Popen([str(kehu), "worker"], cwd=ROOT)
    try:
        say("serving http://127.0.0.1:8000 (Ctrl+C stops)")
        run(kehu, "serve", "--bind", "127.0.0.1:8000", *args, check=False)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def postgres_url() -> str | None:
    url = os.environ.get("KEHU_TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test"
    probe = "import psycopg,sys\ntry:\n psycopg.connect(sys.argv[1], connect_timeout=3).close()\nexcept Exception as e:\n print(e); sys.exit(1)"
    ok = subprocess.run([str(PY), "-c", probe, url], cwd=ROOT, capture_output=True, text=True)
    return url if ok.returncode == 0 else None


def test(args: list[str]) -> None:
    ensure_installed()
    env = {"KEHU_PROFILE": "test", "KEHU_VAR_DIR": str(ROOT / "var" / "test")}
    env.pop("KEHU_DATABASE_URL", None)
    os.environ.pop("KEHU_DATABASE_URL", None)
    say("test suite on SQLite")
    failed = run(PY, "-m", "pytest", *args, env=env, check=False)
    url = postgres_url()
    if url:
        say(f"test suite on PostgreSQL ({url.split('@')[-1]})")
        failed |= run(PY, "-m", "pytest", *args, env={**env, "KEHU_DATABASE_URL": url}, check=False)
    else:
        say("PostgreSQL did not answer: the PostgreSQL run was skipped")
        if os.environ.get("CI"):
            failed |= 1
    sys.exit(failed)


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
