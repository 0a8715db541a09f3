"""Customers for the tests, made the way every door makes them: through the forms, then the service."""

from __future__ import annotations

from kehu.customers import services
from kehu.customers.forms import ContactForm, CustomerForm

# The customer page's query budget whatever the customer's history, sign-in included; the measured
# breakdown is beside tests/test_customers_pages.py's budget test.
DETAIL_QUERIES = 30


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
