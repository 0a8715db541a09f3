"""Headless Debian Chromium driven by Playwright, for the main journeys.

Chromium comes from the system (apt package ``chromium``); Playwright never downloads a browser.
Without Chromium the browser tests skip, except where KEHU_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("KEHU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium(django_db_setup):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("KEHU_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} and KEHU_REQUIRE_BROWSER=1")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the Django calls the tests make
    # from it are ordinary synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()
        # With Playwright's loop running Django handed this thread connections of their own:
        # close them, else the test database cannot be dropped.
        connections.close_all()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.csp_errors = errors
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def defaults_seeded(transactional_db):
    """What the data migrations install (default roles and their grants, the field matrix, policy
    version 1), again after the flush that ends every transactional test has emptied the tables.

    Every RunPython step of every migration is replayed in migration order, so a new app's seeding
    cannot be forgotten here (a sales manager without its customer grants would, for one, sign in
    without the second factor that unmask and export demand)."""
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    loader = MigrationLoader(connection)
    editor = SimpleNamespace(connection=connection)  # what the seeding steps read of a schema editor
    schema_steps = ("kehu.core.vendor_sql",)  # triggers and the like survive the flush: not replayed
    plan = dict.fromkeys(node for leaf in loader.graph.leaf_nodes() for node in loader.graph.forwards_plan(leaf))
    for app_label, name in plan:
        if apps.get_app_config(app_label).name.startswith("kehu."):  # third-party data: nothing to restore
            for operation in loader.graph.nodes[(app_label, name)].operations:
                if isinstance(operation, RunPython) and operation.code.__module__ not in schema_steps:
                    operation.code(apps, editor)


@pytest.fixture
def sales(make_user):
    """A salesperson (own + shared scope), the usual owner of the customer tests' records."""
    from kehu.org import roles

    return make_user(roles.SALESPERSON, full_name="张销售")


@pytest.fixture
def other(make_user):
    """Another salesperson, whose customers are out of ``sales``'s scope."""
    from kehu.org import roles

    return make_user(roles.SALESPERSON, full_name="王五")


@pytest.fixture
def robot():
    """A chat robot's webhook on 127.0.0.1 (tests/robot_server.py) that records what it receives."""
    from tests import robot_server

    robot, server = robot_server.start()
    yield robot
    server.shutdown()
    server.server_close()
