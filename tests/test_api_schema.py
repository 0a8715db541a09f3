"""PLAT-2 / SECURITY.md WEB-8: the OpenAPI document is served, and the committed copy matches it.

When this fails after an intended API change, regenerate: ``kehu openapi > docs/openapi.json``.
"""

import json
from pathlib import Path

import pytest

from kehu.core.management.commands.openapi import render

pytestmark = [pytest.mark.req("PLAT-2")]

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def test_committed_schema_matches_the_live_one():
    assert COMMITTED.read_text(encoding="utf-8") == render(), "run: kehu openapi > docs/openapi.json"


@pytest.mark.django_db
def test_schema_is_served_to_token_holders(client, make_user, bearer):
    response = client.get("/api/v1/openapi.json", headers=bearer(make_user("salesperson")))
    assert response.status_code == 200
    served = response.json()
    assert served["openapi"].startswith("3.")
    assert served == json.loads(render())
    assert served["components"]["securitySchemes"]["ApiTokenAuth"] == {"type": "http", "scheme": "bearer"}
    listed = served["paths"]["/api/v1/users"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"limit", "offset", "q", "department"}


def test_every_operation_documents_the_error_shape():
    document = json.loads(render())
    assert set(document["components"]["schemas"]["Error"]["properties"]) >= {"code", "message", "field", "details"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"4XX", "5XX"} <= set(operation["responses"]), (method, path)
