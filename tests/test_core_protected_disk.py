"""Protected fields on a real SQLite file, driven through separate processes (SECURITY.md CRY-2, CRY-5, RES-2):
a sentinel ID number and mobile are nowhere in the database file, its WAL or a dump; ``kehu keys rotate``
killed with SIGKILL mid-run and rerun leaves every row decryptable and none on the old key."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.protected_app.helpers import new_key

ROOT = Path(__file__).resolve().parent.parent
ROWS = 10_000
SENTINEL_ID = "11010119900307803X"
SENTINEL_MOBILE = "13812345678"


def environment(folder: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KEHU_")}
    return {
        **env,
        "KEHU_PROFILE": "test",
        "KEHU_VAR_DIR": str(folder / "var"),
        "KEHU_DATABASE_URL": f"sqlite:///{folder / 'kehu.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kehu.settings",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def kehu(*args: str, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kehu", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def script(code: str, env: dict) -> str:
    result = subprocess.run([sys.executable, "-c", "import django\ndjango.setup()\n" + code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """One migrated database file (and its generated keys), copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    result = kehu("migrate", "-v", "0", env=environment(folder))
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def workdir(migrated, tmp_path) -> Path:
    shutil.copytree(migrated / "var", tmp_path / "var")
    shutil.copyfile(migrated / "kehu.sqlite3", tmp_path / "kehu.sqlite3")
    return tmp_path


@pytest.mark.req("SEC-4")
def test_sentinel_is_nowhere_in_the_file_the_wal_or_a_dump(workdir):
    env = environment(workdir)
    script(f"""
import shutil
from django.conf import settings
from django.db import connection
from tests.protected_app.models import Person
Person.objects.create(name="哨兵", mobile="{SENTINEL_MOBILE}", id_number="{SENTINEL_ID}",
                      address="浙江省杭州市西湖区文三路 90 号")
with connection.cursor() as cursor:
    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")  # pages reach the main file; the WAL keeps its frames
name = settings.DATABASES["default"]["NAME"]
shutil.copyfile(name, "{workdir}/snapshot.db")
shutil.copyfile(name + "-wal", "{workdir}/snapshot.wal")
""", env)
    wal = (workdir / "snapshot.wal").read_bytes()
    assert len(wal) > 0, "the row should have gone through the WAL"
    database = sqlite3.connect(workdir / "kehu.sqlite3")
    dump = "\n".join(database.iterdump())
    row = database.execute("SELECT * FROM protected_app_person WHERE name = '哨兵'").fetchone()
    database.close()
    assert row is not None
    haystacks = {
        "database file": (workdir / "snapshot.db").read_bytes(),
        "wal": wal,
        "database file after close": (workdir / "kehu.sqlite3").read_bytes(),
        "dump": dump.encode(),
    }
    for needle in (SENTINEL_ID, SENTINEL_ID.lower(), SENTINEL_MOBILE, "文三路"):
        for where, data in haystacks.items():
            assert needle.encode() not in data, f"{needle} found in the {where}"
    # The last four are not stored in clear beside the ciphertext either (CRY-3: keyed index instead).
    assert not {"5678", "803X"} & {value for value in row if isinstance(value, str)}
    person_inserts = [line for line in dump.splitlines() if line.startswith('INSERT INTO "protected_app_person"')]
    assert len(person_inserts) == 1 and "'5678'" not in person_inserts[0] and "'803X'" not in person_inserts[0]


SEED = """
from tests.protected_app.models import Person
Person.objects.bulk_create(
    [Person(name=f"p{i}", mobile=f"139{i:08d}", id_number=f"110101199003{i:05d}X") for i in range(%d)],
    batch_size=1000,
)
"""

VERIFY = """
import json
from kehu.core import rotation
from tests.protected_app.models import Person
wrong = 0
for person in Person.objects.iterator(chunk_size=2000):
    number = int(person.name[1:])
    if (person.mobile.reveal(), person.id_number.reveal()) != (f"139{number:08d}", f"110101199003{number:05d}X"):
        wrong += 1
print(json.dumps({"rows": Person.objects.count(), "wrong": wrong,
                  "pending": {t.label: t.pending().count() for t in rotation.targets()}}))
"""


@pytest.mark.req("SEC-4")
def test_rotation_killed_mid_run_resumes_to_completion(workdir):
    old, new = new_key(), new_key()
    script(SEED % ROWS, environment(workdir, KEHU_FIELD_KEY=old))
    rotating = environment(workdir, KEHU_FIELD_KEY=new, KEHU_FIELD_KEYS=old)

    process = subprocess.Popen([sys.executable, "-m", "kehu", "keys", "rotate"], cwd=ROOT, env=rotating,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if re.match(rf"protected_app\.person\.mobile: \d+/{ROWS}", line):
            process.send_signal(signal.SIGKILL)  # kill -9 right after the first committed batch
            break
    process.wait(timeout=60)
    process.stdout.close()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "rotate finished before it could be killed"

    halfway = json.loads(script(VERIFY, rotating))
    assert 0 < halfway["pending"]["protected_app.person.mobile"] < ROWS
    assert halfway["pending"]["protected_app.person.id_number"] == ROWS

    rerun = kehu("keys", "rotate", env=rotating)
    assert rerun.returncode == 0, rerun.stderr
    assert f"protected_app.person.id_number: {ROWS}/{ROWS}" in rerun.stdout

    final = json.loads(script(VERIFY, rotating))
    assert final["rows"] == ROWS and final["wrong"] == 0
    assert set(final["pending"].values()) == {0}
    # And with the old key gone from the ring, everything still opens: nothing depends on it any more.
    assert json.loads(script(VERIFY, environment(workdir, KEHU_FIELD_KEY=new)))["wrong"] == 0
