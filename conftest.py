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

    def do(user, on=None):
        """``on``: another test client, for a second signed-in user in the same test."""
        target = on if on is not None else client
        target.force_login(user)
        session = target.session
        session["kehu_mfa_verified"] = True
        session.save()
        return target

    return do


@pytest.fixture(scope="session", autouse=True)
def _audit_guards_lifted_for_flush():
    """A transactional test (transactional_db, live_server) ends by emptying every table, which the
    audit log's append-only triggers rightly refuse. Lift them for that flush only."""
    from django.db import connections
    from django.test import TransactionTestCase

    from kehu.compliance import guards

    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        with guards.lifted(connections["default"]):
            original(self)

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.fixture(autouse=True)
def _language_restored():
    """A request in English (Accept-Language, the language cookie) leaves English active on the test's
    thread once the response is rendered; the next test would then read English labels. Every test starts
    and ends with no language activated, that is in settings.LANGUAGE_CODE (Simplified Chinese)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; ids repeat across rolled-back tests, so start empty."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bearer(db):
    """``bearer(user)`` → headers carrying a fresh API token for ``user`` (issued as by the CLI)."""
    from kehu.org.api_tokens import api_token_create

    def make(user, **fields):
        _token, secret = api_token_create(actor=None, user=user, **fields)
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def api_client(bearer):
    """``api_client(user)`` → a test client that sends ``user``'s API token with every request."""
    from django.test import Client

    def make(user):
        return Client(headers=bearer(user))

    return make
