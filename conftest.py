"""Suite-wide fixtures and the requirement marker (DESIGN.md "Traceability")."""

from __future__ import annotations

import pytest

@pytest.fixture
def make_user(db):
    from kehu.org.factories import UserFactory

    def make(*role_codes: str, **fields):
        return UserFactory(roles=list(role_codes), **fields)

    return make


@pytest.fixture
def login(client):
    """Sign a user in on the test client the way the login page would, second factor included."""

    def do(user):
        client.force_login(user)
        session = client.session
        session["kehu_mfa_verified"] = True
        session.save()
        return client

    return do


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )


_AUDIT_TABLES = ("compliance_auditentry", "compliance_auditchainhead")
_pg_triggers_off = {"on": False}


@pytest.fixture(autouse=True)
def _audit_triggers_let_flush_through(request, django_db_blocker):
    """A transactional test ends with a flush (DELETE on SQLite, TRUNCATE on PostgreSQL of every
    table), which the audit log's append-only triggers rightly refuse once the test wrote an audit
    row (any sign-in does). This fixture's teardown runs just before pytest-django's flush:
    SQLite: empty the audit tables with their triggers dropped and recreated around it;
    PostgreSQL: switch user triggers off for the connection (session_replication_role) and back on
    when the next test starts, so no test body ever runs without them."""
    from django.db import connection

    if _pg_triggers_off["on"]:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
        # Inside a test's transaction the SET is undone at rollback: switch on again next time.
        _pg_triggers_off["on"] = connection.in_atomic_block
    yield
    if not _is_transactional(request):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            names = ", ".join(["%s"] * len(_AUDIT_TABLES))
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})",
                           _AUDIT_TABLES)
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            for table in _AUDIT_TABLES:
                cursor.execute(f'DELETE FROM "{table}"')
            for _name, sql in triggers:
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            _pg_triggers_off["on"] = True
