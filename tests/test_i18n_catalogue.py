"""PLAT-1: the English catalogue is complete and the pages really are English under Accept-Language: en.

Source strings are Simplified Chinese; kehu/locale/en/LC_MESSAGES/django.po must translate every one of
them, keep their placeholders, and stay in step with the code (a new untranslated string fails here).
"""

import re
import shutil
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from kehu.org import roles
from kehu.org.models import Role
from kehu.policy.models import Policy

pytestmark = pytest.mark.req("PLAT-1")

EN_PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"

# %(name)s, %(n)d, %s, a literal %%, and str.format's {name}.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdif]|%%|\{\w*\}")
# Chinese text: Han characters and CJK / full-width punctuation. U+3000 (ideographic space) is left
# out: the department picker indents with it, and it reads as a space in either language.
CHINESE = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff00-\uffef]+")
# Shown in Chinese on purpose in every language: the brand, and the language switch naming each
# language in itself so a reader of either can always find their own.
BILINGUAL = ("客户 Kehu", "简体中文")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(EN_PO))


def entry_key(entry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def test_header_declares_english(catalogue):
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Language"] == "en"
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert "charset=UTF-8" in catalogue.metadata["Content-Type"]


def test_every_string_is_translated_and_none_is_fuzzy(catalogue):
    assert len(catalogue) > 500
    untranslated = [e.msgid for e in catalogue if not e.translated()]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    obsolete = [e.msgid for e in catalogue.obsolete_entries()]
    assert untranslated == [] and fuzzy == [] and obsolete == []
    for entry in catalogue:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1], entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid
        else:
            assert entry.msgstr.strip(), entry.msgid


def test_translations_are_english(catalogue):
    still_chinese = [(e.msgid, e.msgstr) for e in catalogue
                     for text in ([e.msgstr] if not e.msgid_plural else e.msgstr_plural.values())
                     if CHINESE.search(text) and not set(CHINESE.findall(text)) <= set(BILINGUAL)]
    assert still_chinese == []


def test_placeholders_survive_translation(catalogue):
    broken = []
    for entry in catalogue:
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translation in pairs:
            if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(translation)):
                broken.append((source, translation))
    assert broken == []


def test_placeholder_check_catches_a_dropped_placeholder():
    # The check above is only as good as the pattern: it must see each kind of placeholder.
    for source in ("共 %(n)s 条", "%(n)d 个", "%s 行", "占 %(share)s%%", "{name} 已存在"):
        assert PLACEHOLDER.findall(source), source
    assert Counter(PLACEHOLDER.findall("%(n)s entries")) != Counter(PLACEHOLDER.findall("entries"))


def _gettext_tools_missing() -> str | None:
    missing = [tool for tool in ("xgettext", "msguniq", "msgmerge") if shutil.which(tool) is None]
    return ", ".join(missing) or None


@pytest.mark.skipif(_gettext_tools_missing() is not None,
                    reason=f"GNU gettext not installed (missing: {_gettext_tools_missing()}); "
                           "cannot re-extract the strings to compare with the committed catalogue")
def test_catalogue_has_every_string_in_the_code(catalogue, tmp_path, monkeypatch):
    """Extract the strings again from a copy of the package: none may be missing from the committed .po."""
    source = EN_PO.parents[3]  # the kehu package directory
    copy = tmp_path / "kehu"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    # LOCALE_PATHS decides where makemessages writes: point it at the copy, never at the real catalogue.
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["en"], no_location=True, no_obsolete=True, verbosity=0)
    extracted = polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    committed = {entry_key(e) for e in catalogue}
    missing = sorted((ctx or "", msgid) for ctx, msgid in {entry_key(e) for e in extracted} - committed)
    assert missing == [], "run makemessages and translate these strings"


# --- the pages, in English and in the default Chinese ------------------------------------------

def chinese_outside(text: str, data: list[str]) -> list[str]:
    for known in sorted([*data, *BILINGUAL], key=len, reverse=True):
        text = text.replace(known, "")
    return CHINESE.findall(text)


def user_data(user) -> list[str]:
    department = user.department
    return [user.full_name, department.name, department.company.name, department.company.short_name]


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.django_db
def test_login_page_in_english(english):
    page = english.get("/login/").content.decode()
    assert '<html lang="en"' in page
    assert "Sign in to Kehu CRM" in page and "Username" in page and "Password" in page
    assert chinese_outside(page, []) == []


@pytest.mark.django_db
def test_failed_sign_in_message_in_english(english, make_user):
    make_user(username="wangfang")
    page = english.post("/login/", {"username": "wangfang", "password": "wrong"}).content.decode()
    assert "Wrong username or password" in page
    assert chinese_outside(page, []) == []


@pytest.mark.django_db
def test_home_page_in_english(english, make_user, login):
    user = make_user(roles.SALESPERSON)
    login(user)
    page = english.get("/").content.decode()
    assert f"Hello, {user.full_name}" in page and "Salesperson" in page and "Sign out" in page
    assert chinese_outside(page, user_data(user)) == []


@pytest.mark.django_db
def test_forbidden_page_in_english(english, make_user, login):
    user = make_user(roles.SALESPERSON)
    login(user)
    response = english.get("/org/users/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You do not have permission to do this." in page and "Back to home" in page
    assert chinese_outside(page, user_data(user)) == []


@pytest.mark.django_db
def test_user_list_in_english(english, make_user, login):
    admin = make_user(roles.SYSTEM_ADMIN)
    other = make_user(roles.SALESPERSON, department=admin.department)
    login(admin)
    page = english.get("/org/users/").content.decode()
    assert "New user" in page and "Deactivate" in page and "Active" in page and "Salesperson" in page
    assert chinese_outside(page, user_data(admin) + user_data(other)) == []


@pytest.mark.django_db
def test_policy_rules_name_tiers_in_english(english, make_user, login):
    user = make_user(roles.SALESPERSON)
    login(user)
    version = Policy.objects.get(code="customer_management").versions.get(number=1)
    page = english.get(f"/policy/versions/{version.pk}/").content.decode()
    assert "Strategic › Annual sales at least" in page  # the tier's English name labels its rows
    assert "Strategic, Key" in page  # never_return_tiers, listed with an English separator
    assert "Back to the public pool" in page or "Public pool rules" in page


@pytest.mark.django_db
def test_error_message_names_role_in_english(english, make_user, login):
    security = make_user(roles.SECURITY_ADMIN)
    target = make_user(roles.SALESPERSON, department=security.department)
    login(security)
    chosen = [Role.objects.get(code=roles.SYSTEM_ADMIN).pk, Role.objects.get(code=roles.SALESPERSON).pk]
    page = english.post(f"/org/users/{target.pk}/roles/", {"roles": chosen}).content.decode()
    assert "an administrator role (System administrator)" in page
    assert chinese_outside(page, user_data(security) + user_data(target)) == []


@pytest.mark.django_db
def test_chinese_stays_the_default(client, make_user, login):
    login_page = client.get("/login/").content.decode()
    assert '<html lang="zh-hans"' in login_page and "登录客户管理系统" in login_page
    assert "Sign in to Kehu CRM" not in login_page
    user = make_user(roles.SALESPERSON)
    login(user)
    home = client.get("/").content.decode()
    assert f"您好，{user.full_name}" in home and "销售员" in home and "工作台" in home
    forbidden = client.get("/org/users/").content.decode()
    assert "您没有执行此操作的权限。" in forbidden
