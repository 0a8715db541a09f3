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
    """What the data migrations install (default roles, policy version 1), again after the flush
    that ends every transactional test has emptied the tables."""
    import importlib

    from django.apps import apps

    from kehu.org.roles import ensure_default_roles

    ensure_default_roles(apps.get_model("org", "Role"))
    importlib.import_module("kehu.policy.migrations.0003_default_policy").forwards(apps, None)


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
