"""Helpers of the browser tests (pytest -m browser)."""

import re

from kehu.org.factories import TEST_PASSWORD


def sign_in(page, base_url: str, username: str) -> None:
    """Sign in with the test password (no second factor) and wait for the home page."""
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
