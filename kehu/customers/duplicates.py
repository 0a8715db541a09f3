"""Duplicate check (查重, INFO-5).

It looks at ALL customers, whatever the asking user's data scope: a check limited to what the
user may see would let duplicates in. What it returns is therefore only what a refusal needs to
say: the customer's (masked, for individuals) name, its owner's name and which keys matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from kehu.core import masking
from kehu.core.names import normalize_company_name, normalize_person_name
from kehu.core.protected import protected_lookup

SAME_CREDIT_CODE = "credit_code"
SAME_NAME = "name"
SAME_MOBILE = "mobile"
REASON_LABELS = {SAME_CREDIT_CODE: _("统一社会信用代码相同"), SAME_NAME: _("名称相同"), SAME_MOBILE: _("手机号相同")}


@dataclass
class DuplicateHit:
    customer_id: int
    display_name: str
    owner_name: str
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS[r]) for r in self.reasons]


def find_duplicates(*, kind: str, name: str, credit_code: str = "", mobiles: tuple[str, ...] = (),
                    exclude_id: int | None = None, limit: int = 10) -> list[DuplicateHit]:
    from kehu.customers.models import Contact, Customer

    # Scope-blind on purpose (see the module docstring); deleted customers count as well, but not
    # those merged into another (INFO-5): their contacts and chosen values live on in the survivor.
    everyone = Customer._base_manager.filter(merged_into=None).select_related("owner")
    if exclude_id is not None:
        everyone = everyone.exclude(pk=exclude_id)
    found: dict[int, DuplicateHit] = {}

    def add(customers, reason: str) -> None:
        for customer in customers[:limit]:
            hit = found.get(customer.pk)
            if hit is None:
                owner = customer.owner.full_name if customer.owner_id else str(_("公海"))
                shown = masking.mask_name(customer.name) if customer.kind == "individual" else customer.name
                hit = found[customer.pk] = DuplicateHit(customer.pk, shown, owner)
            if reason not in hit.reasons:
                hit.reasons.append(reason)

    if credit_code:
        add(everyone.filter(credit_code=credit_code), SAME_CREDIT_CODE)
    if name:
        add(everyone.filter(name_normalized=name_key(kind, name), kind=kind), SAME_NAME)
    for mobile in filter(None, mobiles):
        add(everyone.filter(**protected_lookup(Customer, "mobile", mobile)), SAME_MOBILE)
        via_contacts = Contact._base_manager.filter(**protected_lookup(Contact, "mobile", mobile)).values("customer_id")
        add(everyone.filter(pk__in=via_contacts), SAME_MOBILE)
    return list(found.values())[:limit]


@lru_cache(maxsize=1 << 17)  # an import's checks ask for each row's key several times, 100,000 rows apart
def name_key(kind: str, name: str) -> str:
    """The normalised name the check compares, for a customer of ``kind``."""
    return (normalize_person_name if kind == "individual" else normalize_company_name)(name)


def identity_keys(data: dict) -> list[tuple[str, str]]:
    """The keys ``find_duplicates`` looks a new customer up by: kind + normalised name, credit
    code, mobile (compared with the customers' and the contacts' mobiles)."""
    keys = [(SAME_NAME, f"{data.get('kind')}:{name_key(data.get('kind', ''), data['name'])}")]
    if data.get("credit_code"):
        keys.append((SAME_CREDIT_CODE, data["credit_code"]))
    if data.get("mobile"):
        keys.append((SAME_MOBILE, data["mobile"]))
    return keys


def claimed_keys(data: dict, contacts: tuple[dict, ...] = ()) -> list[tuple[str, str]]:
    """The keys a created customer makes taken for the customers after it: its own identity keys
    and its contacts' mobiles (a later customer with that mobile is a duplicate, as in the archive)."""
    return identity_keys(data) + [(SAME_MOBILE, c["mobile"]) for c in contacts if c.get("mobile")]


class ArchiveKeys:
    """Which of many new customers' names, credit codes and mobiles are already in the archive,
    fetched in a few batched ``IN`` queries (scope-blind, deleted customers included, as
    ``find_duplicates``), so only the customers that may be duplicates pay for the full check."""

    BATCH = 500

    def __init__(self, rows: list[dict]):
        from kehu.customers.models import Contact, Customer

        everyone = Customer._base_manager
        self.credit_codes = self._fetch(everyone, "credit_code", {d["credit_code"] for d in rows if d.get("credit_code")})
        self.names = self._fetch(everyone, "name_normalized", {name_key(d.get("kind", ""), d["name"]) for d in rows})
        index_of = {}
        column = ""
        for data in rows:
            if data.get("mobile"):
                ((column, index),) = protected_lookup(Customer, "mobile", data["mobile"]).items()
                index_of[data["mobile"]] = index
        wanted = set(index_of.values())
        found = self._fetch(everyone, column, wanted) if wanted else set()
        found |= self._fetch(Contact._base_manager, column, wanted) if wanted else set()
        self.mobiles = {m for m, index in index_of.items() if index in found}

    def _fetch(self, manager, column: str, values: set[str]) -> set[str]:
        values = list(values)
        hits: set[str] = set()
        for start in range(0, len(values), self.BATCH):
            chunk = values[start:start + self.BATCH]
            hits.update(manager.filter(**{f"{column}__in": chunk}).values_list(column, flat=True))
        return hits

    def may_match(self, data: dict) -> bool:
        return (data.get("credit_code") in self.credit_codes
                or name_key(data.get("kind", ""), data["name"]) in self.names
                or data.get("mobile") in self.mobiles)
