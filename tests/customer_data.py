"""Customers for the tests, made the way every door makes them: through the forms, then the service."""

from __future__ import annotations

from kehu.customers import services
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.models import Customer

# The customer page's query budget whatever the customer's history, sign-in included; the measured
# breakdown is beside tests/test_customers_pages.py's budget test. Each tab loads on its own request
# (htmx); its budget, sign-in included: the customer (2: shared ids, the row) + its own reads + the 4 of
# sign-in (session, user, roles, department; the session itself is written at most once a minute). The API's detail: token, roles, department, shared ids, customer, tags, contacts.
DETAIL_QUERIES = 13
TAB_QUERIES = {"contacts": 7, "history": 7, "attachments": 8, "consents": 9, "followups": 8, "events": 9, "tickets": 7,
               "commitments": 8}
API_DETAIL_QUERIES = 7


def cleaned(form_class, data: dict) -> dict:
    """The form's cleaned data; the test fails on the spot when the input itself is invalid."""
    form = form_class(data)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def make_customer(owner, name: str, *, mobile: str = "", **extra):
    """An enterprise customer owned by ``owner``; with ``mobile``, one contact 李四 holding it."""
    contacts = (cleaned(ContactForm, {"name": "李四", "mobile": mobile}),) if mobile else ()
    return services.customer_create(actor=owner, data=cleaned(CustomerForm, {"kind": "enterprise", "name": name,
                                                                               "stage": "potential", **extra}),
                                    contacts=contacts)


def bulk_customers(owner, count: int, start: int = 0) -> None:
    """``count`` plain rows at once: enough to pass the list's count cap without a service call each."""
    Customer.objects.bulk_create(Customer(name=f"批量{i}号有限公司", name_normalized=f"批量{i}号有限公司", owner=owner,
                                          department=owner.department) for i in range(start, start + count))


def pooled(owner, name: str, at, **extra) -> Customer:
    """A customer ``owner`` creates at ``at`` and releases to their pool an hour later."""
    import datetime as dt

    from kehu.core import clock
    from kehu.customers import ownership

    with clock.frozen(at):
        customer = make_customer(owner, name, **extra)
    with clock.frozen(at + dt.timedelta(hours=1)):
        ownership.customer_release(actor=owner, customer=customer, reason="无意向")
    return Customer.objects.get(pk=customer.pk)
