"""PLAT-1: Simplified Chinese by default; English by choice (the switch) or by the browser's Accept-Language.
Only the mechanism is tested here (the lang attribute), not the English wording."""

import re

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.req("PLAT-1")]


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_default_is_simplified_chinese():
    response = Client().get("/login/")
    assert html_lang(response) == "zh-hans"
    assert "登录" in response.content.decode()


def test_language_switch_sticks():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert html_lang(client.get("/login/")) == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert html_lang(client.get("/login/")) == "zh-hans"


def test_accept_language_english():
    assert html_lang(Client().get("/login/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "en"
    assert html_lang(Client().get("/login/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})) == "zh-hans"
