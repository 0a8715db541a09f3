"""Duplicate check (查重, INFO-5).

It looks at ALL customers, whatever the asking user's data scope: a check limited to what the
user may see would let duplicates in. What it returns is therefore only what a refusal needs to
say: the customer's (masked, for individuals) name, its owner's name and which keys matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    normalise = normalize_person_name if kind == "individual" else normalize_company_name
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
        add(everyone.filter(name_normalized=normalise(name), kind=kind), SAME_NAME)
    for mobile in filter(None, mobiles):
        add(everyone.filter(**protected_lookup(Customer, "mobile", mobile)), SAME_MOBILE)
        via_contacts = Contact._base_manager.filter(**protected_lookup(Contact, "mobile", mobile)).values("customer_id")
        add(everyone.filter(pk__in=via_contacts), SAME_MOBILE)
    return list(found.values())[:limit]
