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
