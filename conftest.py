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


@pytest.fixture(autouse=True)
def _empty_audit_tables_before_flush(request):
    """A transactional test ends with a flush (DELETE/TRUNCATE of every table), which the audit
    log's append-only triggers rightly refuse once a test has signed in (and so written an audit
    row). Before that flush, empty the audit tables with their triggers briefly switched off.
    This fixture's teardown runs before pytest-django's, which does the flush."""
    yield
    if not _is_transactional(request):
        return
    from django.db import connection

    tables = ("compliance_auditentry", "compliance_auditchainhead")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)", tables)
            triggers = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)", tables)
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')
            for sql in triggers:
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
                cursor.execute(f'DELETE FROM "{table}"')
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
