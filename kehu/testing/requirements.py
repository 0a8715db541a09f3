"""pytest plugin: write which tests name which requirement IDs (``@pytest.mark.req("OWN-3")``).

    pytest --collect-only -q -p kehu.testing.requirements --req-map out.json

The JSON maps each ID to the node ids of the tests naming it, whether the marker sits on the
test, its class or its module (``pytestmark``). ``kehu trace`` reads it.
"""

from __future__ import annotations

import json
from pathlib import Path


def pytest_addoption(parser):
    parser.addoption("--req-map", metavar="PATH", default=None,
                     help="write the requirement-ID → tests map of the collected tests to PATH (JSON)")


def requirement_map(items) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in items:
        ids = {req_id for marker in item.iter_markers("req") for req_id in marker.args}
        for req_id in ids:
            found.setdefault(req_id, []).append(item.nodeid)
    return {req_id: sorted(nodes) for req_id, nodes in sorted(found.items())}


def pytest_collection_finish(session):
    target = session.config.getoption("--req-map")
    if target:
        Path(target).write_text(json.dumps(requirement_map(session.items), indent=1, ensure_ascii=False),
                                encoding="utf-8")
