"""Language-dependent pieces of text that are not whole messages."""

from collections.abc import Iterable

from django.utils.translation import get_language
from django.utils.translation import gettext as _


def join_list(items: Iterable[object]) -> str:
    """Items of an inline list joined the way the active language writes them ("甲、乙" / "A, B")."""
    # Translators: the separator between the items of an inline list (Chinese enumeration comma).
    return _("、").join(str(item) for item in items)


def pick(zh: str, en: str) -> str:
    """The English name of something named in both languages when English is active and it has one."""
    return en if en and (get_language() or "").startswith("en") else zh


def labelled(label: object, value: object) -> str:
    """"label：value" with the active language's colon."""
    return _("%(label)s：%(value)s") % {"label": label, "value": value}


def with_detail(name: object, detail: object) -> str:
    """"name（detail）" with the active language's brackets, for choice labels and the like."""
    return _("%(name)s（%(detail)s）") % {"name": name, "detail": detail}
