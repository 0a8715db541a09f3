"""Customer pages: list with filters, detail with timeline, create/edit, contacts, reveal (INFO-1..6, INFO-11, SEC-3).

Thin adapters: reads through kehu.customers.selectors (404 out of scope), writes through the
services; a DomainError becomes a form error. The search text may be a phone number, so it is
always POSTed and kept in the session, never put in a URL (SECURITY.md WEB-7).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core import regions
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers import (
    consent,
    custom_fields,
    downloads,
    field_access,
    filetypes,
    pools,
    selectors,
    services,
    timeline,
)
from kehu.customers import permissions as perms
from kehu.customers.display import industry_name, region_name
from kehu.customers.field_access import CONTACT, CUSTOMER
from kehu.customers.filters import CustomerFilterForm
from kehu.customers.forms import (
    AttachmentForm,
    ConsentForm,
    ContactForm,
    CustomerForm,
    FieldPermissionForm,
    ReviewForm,
    apply_field_access,
)
from kehu.customers.listing import counted_window
from kehu.customers.models import Tag
from kehu.customers.presets import RISK_LEVEL_KEY
from kehu.policy.evaluators.suitability import PRODUCT_RISKS, risk_label
from kehu.policy.selectors import tier_names, version_in_force
from kehu.web import search
from kehu.web.decorators import permission_required

SEARCH_SESSION_KEY = "kehu_customer_search"
PAGE_SIZE = 20
PROTECTED_INPUTS = ("mobile", "id_number", "email", "address")


def _adapt(call, *args, **kwargs):
    """Run a selector: NotFound → 404 page, PermissionDenied → 403 page."""
    try:
        return call(*args, **kwargs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc.message)) from exc


def _region_options(data) -> dict:
    """The option lists of the three cascading selects for the values currently chosen."""

    def under(code):
        try:
            return regions.children(code) if code else ()
        except NotFound:
            return ()

    return {"provinces": regions.provinces(), "cities": under(data.get("province")),
            "districts": under(data.get("city"))}


@require_GET
@permission_required(perms.VIEW)
def customer_list(request):
    form = CustomerFilterForm(request.GET)
    form.is_valid()
    q = search.remembered(request, SEARCH_SESSION_KEY)
    definitions = custom_fields.definitions()
    custom, custom_errors = custom_fields.filters_from(request.GET, definitions)
    rows = _adapt(selectors.customers_for, request.user, dataclasses.replace(form.filters(q), custom=custom))
    page = form.cleaned_data.get("page") or 1
    window, counted = counted_window(rows, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    count, more = counted.value, counted.capped
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "customers/list.html", {
        "form": form, "q": q, "customers": window[:PAGE_SIZE], "count": count, "more": more, "page": page,
        "has_next": len(window) > PAGE_SIZE, "query": params.urlencode(), "sort": form.cleaned_data.get("sort", ""),
        "hidden": field_access.for_user(request.user).hidden(CUSTOMER),
        "contact_hidden": field_access.for_user(request.user).hidden(CONTACT),
        "tags": Tag.objects.values_list("name", flat=True), **_region_options(form.cleaned_data),
        "custom_filters": [(f, request.GET.get(custom_fields.FILTER_PREFIX + f.key, ""))
                           for f in custom_fields.filterable(definitions)],
        "custom_filter_errors": custom_errors.values(),
    })


@require_POST
@permission_required(perms.VIEW)
def customer_search(request):
    """Keep the search text in the session and go back to the list with the same (PI-free) filters."""
    return search.remember(request, SEARCH_SESSION_KEY, reverse("customers:list"))


@require_GET
@permission_required(perms.VIEW)
def customer_detail(request, pk: int):
    """The header, the review status and the timeline; the tabs load on demand (``customer_tab``), or
    inline with ``?tab=`` (the tabs' links without JavaScript, and the pages after a form's error)."""
    try:
        customer = selectors.customer_detail_for(request.user, pk)
    except NotFound as exc:
        if exc.code == "customer_merged":  # an old link to a merged duplicate leads to the survivor (INFO-5)
            return redirect("customers:detail", pk=exc.details["merged_into"])
        raise Http404(str(exc.message)) from exc
    services.customer_viewed(actor=request.user, customer=customer)
    tab = request.GET.get("tab", "")
    return _detail_page(request, customer, tab=tab if tab in TABS else "")


def _detail_page(request, customer, *, tab="", status=200, **forms):
    """The customer page, in a fixed number of queries whatever its history (docs/performance.md);
    ``tab`` is rendered inline, with the bound form of a failed upload or consent when given."""
    user = request.user
    hidden = field_access.for_user(user).hidden(CUSTOMER)
    plain = services.pii_detail_plaintext(actor=user, customer=customer)
    definitions = custom_fields.definitions()
    version = version_in_force()  # once: the review status, the tier's name and the pool countdown
    context = {
        "custom_values": custom_fields.shown_values(customer, definitions),
        "suitability": any(f.key == RISK_LEVEL_KEY for f in definitions),
        "customer": customer, "events": timeline.events_for(customer, user),
        "tier": tier_names(version=version).get(customer.tier, customer.tier),
        "region": "" if hidden & {"province", "city", "district"} else region_name(customer),
        "industry": "" if "industry" in hidden else industry_name(customer),
        "can_edit": user.has_permission(perms.EDIT),
        "can_unmask": user.has_permission(perms.UNMASK), "can_merge": user.has_permission(perms.MERGE),
        "can_review": user.has_permission(perms.REVIEW), "review_form": ReviewForm(),
        "status": selectors.stale_rows([customer], selectors.reminders_in_force(version))[0],
        "return_decision": pools.return_decisions([customer], version=version).get(customer.pk),
        "hidden": hidden, "plain": {f: v for (cid, f), v in plain.items() if cid is None},
        "tabs": TABS, "active_tab": tab,
    }
    if tab:
        context.update(TABS[tab].context(request, customer, **forms), tab_template=TABS[tab].template)
    return render(request, "customers/detail.html", context, status=status)


@require_GET
@permission_required(perms.VIEW)
def customer_tab(request, pk: int, tab: str):
    """One tab of the customer page, for htmx to swap in (the tabs and the chosen one's content)."""
    if tab not in TABS:
        raise Http404
    customer = _adapt(selectors.customer_detail_for, request.user, pk)
    return render(request, "customers/_tabs.html", {"customer": customer, "tabs": TABS, "active_tab": tab,
                                                    "tab_template": TABS[tab].template,
                                                    **TABS[tab].context(request, customer)})


def _contacts_tab(request, customer) -> dict:
    """The contacts, with the plaintext of a role masked "in lists only" (audited: one reveal row)."""
    contacts = list(selectors.contacts_of(customer))
    plain = services.pii_detail_plaintext(actor=request.user, customer=customer, contacts=contacts)
    for contact in contacts:
        contact.plain = {f: v for (cid, f), v in plain.items() if cid == contact.pk}
    return {"contacts": contacts, "contact_hidden": field_access.for_user(request.user).hidden(CONTACT),
            "can_edit": request.user.has_permission(perms.EDIT), "can_unmask": request.user.has_permission(perms.UNMASK)}


def _history_tab(request, customer) -> dict:
    return {"history": selectors.field_history(customer, hidden=selectors.history_hidden(request.user))}


def _attachments_tab(request, customer, attachment_form=None) -> dict:
    user = request.user
    return {"attachments": selectors.attachments_of(user, customer),
            "can_upload": user.has_permission(perms.ATTACHMENT_UPLOAD),
            "can_delete_attachment": user.has_permission(perms.ATTACHMENT_DELETE),
            "attachment_form": attachment_form or AttachmentForm()}


def _consents_tab(request, customer, consent_form=None) -> dict:
    return _consent_context(request, selectors.consent_history(request.user, customer), consent_form or ConsentForm(
        customer=customer, contacts=list(selectors.contacts_of(customer))))


def _consent_context(request, consents, form) -> dict:
    """The consent table and form (customers/_consents.html) of the customer page and of a contact's."""
    return {"consents": consents, "consent_states": _consent_rows(consents),
            "can_record_consent": request.user.has_permission(perms.CONSENT_RECORD), "consent_form": form}


def _tab_url(pk: int, tab: str) -> str:
    return reverse("customers:detail", args=[pk]) + f"?tab={tab}#tabs"


@dataclasses.dataclass(frozen=True)
class Tab:
    label: object
    context: Callable[..., dict]  # (request, customer, **bound forms) -> the context of ``template``
    template: str


# The customer page's tabs, in order; later apps add theirs with ``register_tab`` from AppConfig.ready().
TABS: dict[str, Tab] = {
    "contacts": Tab(gettext_lazy("联系人"), _contacts_tab, "customers/_contacts.html"),
    "history": Tab(gettext_lazy("修改记录"), _history_tab, "customers/_history.html"),
    "attachments": Tab(gettext_lazy("附件"), _attachments_tab, "customers/_attachments.html"),
    "consents": Tab(gettext_lazy("个人信息同意"), _consents_tab, "customers/_consents.html"),
}


def register_tab(name: str, label, context: Callable[..., dict], template: str) -> None:
    TABS[name] = Tab(label, context, template)


def _consent_rows(history) -> list:
    """The current state of each (person, purpose, channel), for the consent table."""
    return sorted(consent.current_states(history).values(), key=lambda r: (r.contact_id or 0, r.purpose, r.channel))


def _mergeable(request, customer, conflict) -> set[int]:
    """Duplicate-check hits the user may merge into the customer being edited (INFO-5)."""
    if customer is None or conflict is None or not request.user.has_permission(perms.MERGE):
        return set()
    return selectors.visible_ids(request.user, [hit["customer_id"] for hit in conflict.details.get("hits", [])])


def _customer_form_page(request, form, *, customer=None, conflict=None):
    return render(request, "customers/edit.html", {
        "form": form, "customer": customer, "conflict": conflict,
        "mergeable": _mergeable(request, customer, conflict),
        "warn": conflict is not None and conflict.code == "duplicate_warning",
        "region_fields": ("province", "city", "district"),
        "region_editable": all(f in getattr(form, "writable", form.fields) for f in ("province", "city", "district")),
        **_region_options(form.data if form.is_bound else form.initial),
    })


@require_http_methods(["GET", "POST"])
@permission_required(perms.CREATE)
def customer_new(request):
    form = apply_field_access(CustomerForm(request.POST or None), field_access.for_user(request.user), CUSTOMER)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=request.user, data=_writable(form), entry_point="web",
                                                confirmed_duplicate=bool(request.POST.get("confirm_duplicate")))
        except Conflict as exc:
            return _customer_form_page(request, form, conflict=exc)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return redirect("customers:detail", pk=customer.pk)
    return _customer_form_page(request, form)


def _initial(obj, fields) -> dict:
    """Form initial values; protected ones stay empty (left empty = unchanged) so no plaintext reaches the page."""
    return {f: getattr(obj, f) for f in fields if f not in PROTECTED_INPUTS}


def _writable(form) -> dict:
    """Cleaned data of the fields the user may write: a read-only field's posted value is ignored (SEC-3)."""
    return {k: v for k, v in form.cleaned_data.items() if k in form.writable}


def _kept_blank(form, obj) -> dict:
    """Writable cleaned data without the protected fields the user left empty: those keep their stored value."""
    return {k: v for k, v in _writable(form).items() if not (k in PROTECTED_INPUTS and not v and getattr(obj, k))}


@require_http_methods(["GET", "POST"])
@permission_required(perms.EDIT)
def customer_edit(request, pk: int):
    customer = _adapt(selectors.customer_for, request.user, pk)
    initial = {**_initial(customer, services.CUSTOMER_FIELDS), "tags": ", ".join(t.name for t in customer.tags.all())}
    form = apply_field_access(CustomerForm(request.POST or None, initial=initial, custom_existing=customer.custom),
                              field_access.for_user(request.user), CUSTOMER, customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(actor=request.user, customer=customer, data=_kept_blank(form, customer),
                                     entry_point="web", confirmed_duplicate=bool(request.POST.get("confirm_duplicate")))
        except Conflict as exc:
            return _customer_form_page(request, form, customer=customer, conflict=exc)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return redirect("customers:detail", pk=customer.pk)
    return _customer_form_page(request, form, customer=customer)


def _contact_page(request, form, customer, contact=None, *, consent_form=None, status=200):
    context = {"form": form, "customer": customer, "contact": contact}
    if contact is not None:
        context.update(_consent_context(request, selectors.consent_history(request.user, customer, contact),
                                        consent_form or ConsentForm(customer=customer, fixed_contact=contact)))
    return render(request, "customers/contact_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(perms.EDIT)
def contact_new(request, pk: int):
    customer = _adapt(selectors.customer_for, request.user, pk)
    form = apply_field_access(ContactForm(request.POST or None), field_access.for_user(request.user), CONTACT)
    if request.method == "POST" and form.is_valid():
        services.contact_create(actor=request.user, customer=customer, data=_writable(form))
        return redirect("customers:detail", pk=customer.pk)
    return _contact_page(request, form, customer)


@require_http_methods(["GET", "POST"])
@permission_required(perms.EDIT)
def contact_edit(request, pk: int, contact_pk: int):
    contact = _adapt(selectors.contact_for, request.user, pk, contact_pk)
    form = apply_field_access(ContactForm(request.POST or None, initial=_initial(contact, services.CONTACT_FIELDS)),
                              field_access.for_user(request.user), CONTACT, contact)
    if request.method == "POST" and form.is_valid():
        services.contact_update(actor=request.user, contact=contact, data=_kept_blank(form, contact))
        return redirect("customers:detail", pk=pk)
    return _contact_page(request, form, contact.customer, contact)


@require_http_methods(["GET", "POST"])
@permission_required(perms.UNMASK)
def reveal(request, pk: int):
    """GET: the small reason form for one value; POST: the plaintext in its place (htmx swaps it in)."""
    source = request.POST if request.method == "POST" else request.GET
    contact_id = source.get("contact", "")
    if contact_id and not contact_id.isdigit():
        raise Http404
    obj = (_adapt(selectors.contact_for, request.user, pk, int(contact_id)) if contact_id
           else _adapt(selectors.customer_for, request.user, pk))
    field = source.get("field", "")
    entity = CONTACT if contact_id else CUSTOMER
    if field not in services.REVEAL_FIELDS[type(obj)] or not field_access.for_user(request.user).visible(entity, field):
        raise Http404
    context = {"customer_pk": pk, "contact_id": contact_id, "field": field, "masked": getattr(obj, field)}
    if request.method == "GET":
        return render(request, "customers/_reveal_form.html", context)
    try:
        value = services.pii_reveal(actor=request.user, obj=obj, field=field, reason=source.get("reason", ""))
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        return render(request, "customers/_reveal_form.html", {**context, "error": exc.message}, status=exc.status)
    return render(request, "customers/_revealed.html", {"value": value, "label": _("已记录查看")})


# --- attachments (INFO-10) ----------------------------------------------------------------------
@require_POST
@permission_required(perms.ATTACHMENT_UPLOAD)
def attachment_upload(request, pk: int):
    customer = _adapt(selectors.customer_detail_for, request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > filetypes.max_bytes():  # before reading it into memory
            form.add_error("file", _("文件“%(name)s”超过 %(mb)d MB 的上限，已拒绝。")
                           % {"name": upload.name, "mb": filetypes.max_bytes() >> 20})
        else:
            try:
                services.attachment_upload(actor=request.user, customer=customer, data=upload.read(),
                                           file_name=upload.name, kind=form.cleaned_data["kind"],
                                           description=form.cleaned_data["description"])
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                return redirect(_tab_url(pk, "attachments"))
    return _detail_page(request, customer, tab="attachments", attachment_form=form, status=400)


@require_GET
@permission_required(perms.VIEW)
def attachment_download(request, pk: int, attachment_pk: int):
    attachment = _adapt(selectors.attachment_for, request.user, pk, attachment_pk)
    handle = _adapt(services.attachment_download, actor=request.user, attachment=attachment)
    return downloads.attachment_response(attachment, handle)


@require_POST
@permission_required(perms.ATTACHMENT_DELETE)
def attachment_delete(request, pk: int, attachment_pk: int):
    attachment = _adapt(selectors.attachment_for, request.user, pk, attachment_pk)
    _adapt(services.attachment_delete, actor=request.user, attachment=attachment)
    return redirect(_tab_url(pk, "attachments"))


# --- consent (PRIV-1) ---------------------------------------------------------------------------
@require_POST
@permission_required(perms.CONSENT_RECORD)
def consent_record(request, pk: int):
    """The consent form of the customer page and of the contact page (``return_to=contact``)."""
    customer = _adapt(selectors.customer_detail_for, request.user, pk)
    contacts = list(selectors.contacts_of(customer))
    contact_id = request.POST.get("contact", "")
    on_contact_page = request.POST.get("return_to") == "contact" and contact_id.isdigit()
    contact = _adapt(selectors.contact_for, request.user, pk, int(contact_id)) if contact_id.isdigit() else None
    if contact_id and contact is None:
        raise Http404
    form = (ConsentForm(request.POST, customer=customer, fixed_contact=contact) if on_contact_page
            else ConsentForm(request.POST, customer=customer, contacts=contacts))
    if form.is_valid():
        try:
            services.consent_apply(actor=request.user, customer=customer, contact=contact, data=form.cleaned_data)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc.message)) from exc
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            if on_contact_page:
                return redirect(reverse("customers:contact_edit", args=[pk, contact.pk]) + "#consent")
            return redirect(_tab_url(pk, "consents"))
    if on_contact_page:
        contact_form = ContactForm(initial=_initial(contact, services.CONTACT_FIELDS))
        return _contact_page(request, contact_form, customer, contact, consent_form=form, status=400)
    return _detail_page(request, customer, tab="consents", consent_form=form, status=400)


# --- the field matrix (SEC-3), for the security administrator ---------------------------------


@require_GET
@permission_required(perms.FIELD_POLICY)
def field_matrix(request):
    """Role × field: every business role's level for every customer and contact field."""
    roles = list(selectors.field_matrix_roles(request.user))
    rows = [(cells[0], cells) for cells in zip(*(selectors.field_matrix_cells(role) for role in roles), strict=True)]
    return render(request, "customers/field_matrix.html", {"roles": roles, "rows": rows})


@require_http_methods(["GET", "POST"])
@permission_required(perms.FIELD_POLICY)
def field_matrix_edit(request, role_pk: int):
    role = _adapt(selectors.field_matrix_role, request.user, role_pk)
    form = FieldPermissionForm(request.POST if request.method == "POST" else None, role=role,
                               cells=selectors.field_matrix_cells(role))
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.field_permissions_set(actor=request.user, role=role, cells=form.wanted())
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("已保存 %(n)d 项字段权限修改。") % {"n": len(changes)})
            return redirect("customers:field_matrix")
    return render(request, "customers/field_matrix_edit.html", {"role": role, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required(perms.VIEW)
def suitability(request, pk: int):
    """Investor suitability before offering a product (INFO-8 investment preset): pick the product's
    risk level, see whether it may be offered and why; every check is audited."""
    customer = _adapt(selectors.customer_for, request.user, pk)
    decision, error = None, None
    if request.method == "POST":
        try:
            decision = services.suitability_check(actor=request.user, customer=customer,
                                                  product_risk=request.POST.get("product_risk", ""))
        except DomainError as exc:
            error = exc.message
    return render(request, "customers/suitability.html", {
        "customer": customer, "decision": decision, "error": error,
        "risks": [(risk, risk_label(risk)) for risk in PRODUCT_RISKS],
        "level": (customer.custom or {}).get(RISK_LEVEL_KEY, ""),
    }, status=422 if error else 200)
