"""SECURITY.md CRASH-1 / RES-2: a fresh SQLite connection built from the project's settings has
WAL, synchronous=FULL, busy_timeout 5000 ms, secure_delete on, and starts writers' transactions
IMMEDIATE (a transaction that has only read already holds the write lock)."""

import copy
import sqlite3

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.req("PLAT-5"),
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                       reason="SQLite settings; PostgreSQL runs its own"),
]

ALIAS = "pragma_probe"


@pytest.fixture
def file_connection(tmp_path):
    config = copy.deepcopy(settings.DATABASES["default"])
    config["NAME"] = str(tmp_path / "probe.sqlite3")
    config.pop("TEST", None)
    wrapper = DatabaseWrapper({**connections["default"].settings_dict, **config}, alias=ALIAS)
    connections[ALIAS] = wrapper
    yield wrapper
    wrapper.close()
    del connections[ALIAS]


def pragma(wrapper, name: str):
    with wrapper.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_pragmas_on_a_fresh_connection(file_connection):
    assert pragma(file_connection, "journal_mode") == "wal"
    assert pragma(file_connection, "synchronous") == 2  # FULL
    assert pragma(file_connection, "busy_timeout") == 5000
    assert pragma(file_connection, "secure_delete") == 1
    assert pragma(file_connection, "foreign_keys") == 1


def test_transactions_begin_immediate(file_connection, tmp_path):
    with file_connection.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x integer)")
    assert file_connection.transaction_mode == "IMMEDIATE"
    with transaction.atomic(using=ALIAS):
        pragma(file_connection, "user_version")  # a read only
        other = sqlite3.connect(tmp_path / "probe.sqlite3", timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
