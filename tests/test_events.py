"""Customer events (REL-5): events within the organiser's scope, invitations of the customers one sees (by
e-mail or SMS only with marketing consent, PRIV-1), replies and attendance, attendance on the timeline;
pages and /api/v1/events."""

import datetime as dt

import pytest
from django.urls import reverse

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.customers import services, timeline
from kehu.customers.factories import ContactFactory, CustomerFactory
from kehu.engagement import events
from kehu.engagement.models import Invitation
from kehu.org import roles

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-5")]


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, department=sales.department)


@pytest.fixture
def event(manager):
    return events.event_save(actor=manager, title="2027 年客户感恩会", kind="thanksgiving",
                             starts_at=clock.now() - dt.timedelta(hours=2), location="杭州")


@pytest.fixture
def customer(sales):
    return CustomerFactory(owner=sales, department=sales.department, name="杭州华信电子科技有限公司")


@pytest.fixture
def contact(customer):
    return ContactFactory(customer=customer, name="李四")


def test_invite_reply_attend_and_the_timeline(sales, event, customer, contact, login):
    c = login(sales)
    c.post(reverse("engagement:event_invite", args=[event.pk]),
           {"customer": customer.pk, "contact": contact.pk, "channel": "phone"})
    invitation = Invitation.objects.get()
    assert (invitation.contact, invitation.invited_by) == (contact, sales)
    c.post(reverse("engagement:event_respond", args=[event.pk, invitation.pk]), {"rsvp": "accepted"})
    c.post(reverse("engagement:event_respond", args=[event.pk, invitation.pk]), {"attended": "yes"})
    invitation.refresh_from_db()
    assert invitation.rsvp == "accepted" and invitation.attended is True
    [shown] = [e for e in timeline.events_for(customer, sales) if e.kind == "event"]
    assert shown.title == "出席活动：2027 年客户感恩会" and shown.detail == "李四"
    assert shown.url == reverse("engagement:event_detail", args=[event.pk])
    assert AuditEntry.objects.filter(action="event.response").count() == 2
    # inviting the same person twice is refused
    response = c.post(reverse("engagement:event_invite", args=[event.pk]),
                      {"customer": customer.pk, "contact": contact.pk, "channel": "phone"}, follow=True)
    assert "已邀请过" in response.content.decode() and Invitation.objects.count() == 1


@pytest.mark.req("PRIV-1")
def test_email_and_sms_invitations_need_consent(sales, event, customer, contact):
    with pytest.raises(DomainError) as refused:
        events.invite(actor=sales, event=event, customer=customer, contact=contact, channel="sms")
    assert refused.value.code == "consent_never_asked"
    with pytest.raises(DomainError) as refused:
        events.invite(actor=sales, event=event, customer=customer, contact=None, channel="email")
    assert refused.value.code == "consent_not_a_person"  # an enterprise is invited through its contacts
    services.consent_grant(actor=sales, customer=customer, contact=contact, purpose="marketing", channel="sms",
                           legal_basis="consent", notice_version="v2026-01", collected_via="paper")
    invitation = events.invite(actor=sales, event=event, customer=customer, contact=contact, channel="sms")
    assert AuditEntry.objects.filter(action="event.invite").get().data["consent_record"]
    assert invitation.channel == "sms"


def test_attendance_only_once_the_event_has_started(sales, manager, customer):
    later = events.event_save(actor=manager, title="座谈会", kind="seminar",
                              starts_at=clock.now() + dt.timedelta(days=3))
    invitation = events.invite(actor=sales, event=later, customer=customer, contact=None, channel="in_person")
    with pytest.raises(DomainError) as refused:
        events.respond(actor=sales, invitation=invitation, attended=True)
    assert refused.value.code == "not_started"


def test_pages_anonymous_without_permission_and_out_of_scope(client, login, sales, other, event, customer,
                                                               make_user):
    invitation = events.invite(actor=sales, event=event, customer=customer, contact=None, channel="phone")
    urls = [reverse("engagement:event_list"), reverse("engagement:event_detail", args=[event.pk])]
    for url in urls:
        assert client.get(url).status_code == 302
    engineer = login(make_user(roles.SYSTEM_ADMIN))
    for url in urls:
        assert engineer.get(url).status_code == 403
    theirs = login(make_user(roles.SALESPERSON, department=sales.department))  # the customer is not theirs
    html = theirs.get(reverse("engagement:event_detail", args=[event.pk])).content.decode()
    assert "2027 年客户感恩会" in html and "杭州华信" not in html
    assert theirs.post(reverse("engagement:event_respond", args=[event.pk, invitation.pk]),
                       {"attended": "yes"}).status_code == 404
    assert theirs.post(reverse("engagement:event_invite", args=[event.pk]),
                       {"customer": customer.pk, "channel": "phone"}).status_code == 404
    # a salesperson may not create events
    assert theirs.post(reverse("engagement:event_list"), {"title": "x", "kind": "other",
                                                          "starts_at": "2027-01-01T10:00"}).status_code == 403


def test_an_event_of_another_company_is_not_seen(make_user, event, login):
    stranger = make_user(roles.SALES_MANAGER)  # another company
    assert login(stranger).get(reverse("engagement:event_detail", args=[event.pk])).status_code == 404


def test_event_pages_query_budget(sales, event, manager, login, django_assert_max_num_queries):
    for i in range(25):
        customer = CustomerFactory(owner=sales, department=sales.department, name=f"客户{i}有限公司")
        events.invite(actor=sales, event=event, customer=customer, contact=None, channel="phone")
    c = login(manager)
    with django_assert_max_num_queries(12):
        assert "2027 年客户感恩会" in c.get(reverse("engagement:event_list")).content.decode()
    with django_assert_max_num_queries(12):
        assert c.get(reverse("engagement:event_detail", args=[event.pk])).content.decode().count("有限公司") >= 25


def test_manager_creates_an_event_on_the_page(manager, login):
    response = login(manager).post(reverse("engagement:event_list"), {
        "title": "质量座谈会", "kind": "seminar", "starts_at": "2027-03-01T14:00", "location": "宁波"})
    detail = events.events_for(manager).get(title="质量座谈会")
    assert response["Location"] == reverse("engagement:event_detail", args=[detail.pk])
    assert detail.starts_at == dt.datetime(2027, 3, 1, 6, 0, tzinfo=dt.UTC)


def test_api(sales, other, manager, customer, contact, api_client, client, make_user):
    assert client.get("/api/v1/events").status_code == 401
    assert api_client(make_user(roles.SYSTEM_ADMIN)).get("/api/v1/events").status_code == 403
    created = api_client(manager).post("/api/v1/events", {
        "title": "感恩会", "kind": "thanksgiving", "starts_at": (clock.now() - dt.timedelta(hours=1)).isoformat()},
        content_type="application/json")
    assert created.status_code == 201
    event_id = created.json()["id"]
    assert api_client(sales).post("/api/v1/events", {"title": "x", "kind": "other", "starts_at": "2027-01-01T10:00:00+08:00"},
                                  content_type="application/json").status_code == 403
    api = api_client(sales)
    invited = api.post(f"/api/v1/events/{event_id}/invitations",
                       {"customer_id": customer.pk, "contact_id": contact.pk, "channel": "email"},
                       content_type="application/json")
    assert invited.status_code == 409 and invited.json()["code"] == "consent_never_asked"
    invited = api.post(f"/api/v1/events/{event_id}/invitations",
                       {"customer_id": customer.pk, "contact_id": contact.pk, "channel": "phone"},
                       content_type="application/json")
    assert invited.status_code == 201
    invitation_id = invited.json()["id"]
    answered = api.post(f"/api/v1/events/{event_id}/invitations/{invitation_id}/response",
                        {"rsvp": "accepted", "attended": True}, content_type="application/json")
    assert answered.json()["attended"] is True
    assert api.get(f"/api/v1/events/{event_id}").json()["attended"] == 1
    colleague = api_client(make_user(roles.SALESPERSON, department=sales.department))  # not their customer
    assert colleague.get(f"/api/v1/events/{event_id}/invitations").json()["items"] == []
    assert colleague.post(f"/api/v1/events/{event_id}/invitations",
                          {"customer_id": customer.pk, "channel": "phone"},
                          content_type="application/json").status_code == 404
    assert api_client(other).get(f"/api/v1/events/{event_id}").status_code == 404  # another company


@pytest.mark.req("INFO-5")
def test_a_merge_moves_invitations_and_keeps_one_per_event(sales, manager, event, customer, contact):
    dup = CustomerFactory(owner=sales, department=sales.department, name="杭州华信电子有限公司")
    events.invite(actor=sales, event=event, customer=customer, contact=None, channel="phone")
    events.invite(actor=sales, event=event, customer=dup, contact=None, channel="phone")
    dup_contact = ContactFactory(customer=dup, name="赵六")
    events.invite(actor=sales, event=event, customer=dup, contact=dup_contact, channel="phone")
    services.customer_merge(actor=manager, target=customer, duplicate=dup)
    moved = Invitation.objects.order_by("contact_id").values_list("customer_id", "contact_id")
    assert sorted(moved, key=lambda row: row[1] or 0) == [(customer.pk, None), (customer.pk, dup_contact.pk)]


def test_the_customer_page_tab_lists_invitations_and_invites_to_an_upcoming_event(sales, manager, event, customer,
                                                                                  contact, login):
    later = events.event_save(actor=manager, title="质量座谈会", kind="seminar",
                              starts_at=clock.now() + dt.timedelta(days=5))
    events.invite(actor=sales, event=event, customer=customer, contact=None, channel="phone")
    c = login(sales)
    html = c.get(reverse("customers:tab", args=[customer.pk, "events"])).content.decode()
    assert "2027 年客户感恩会" in html  # the invitation
    choices = html[html.index('id="inv-event"'):]
    choices = choices[:choices.index("</select>")]
    assert "质量座谈会" in choices and "感恩会" not in choices  # upcoming events only
    response = c.post(reverse("engagement:customer_invite", args=[customer.pk]),
                      {"event": later.pk, "contact": contact.pk, "channel": "in_person"})
    assert response["Location"] == f"{reverse('customers:detail', args=[customer.pk])}?tab=events#tabs"
    assert Invitation.objects.filter(event=later, contact=contact).exists()


def test_the_tab_invite_stays_in_scope(sales, other, later_event_for, customer, login, make_user):
    event = later_event_for(sales)
    theirs = login(make_user(roles.SALESPERSON, department=sales.department))
    assert theirs.post(reverse("engagement:customer_invite", args=[customer.pk]),
                       {"event": event.pk, "channel": "phone"}).status_code == 404
    assert login(other).post(reverse("engagement:customer_invite", args=[customer.pk]),
                             {"event": event.pk, "channel": "phone"}).status_code == 404
    assert login(make_user(roles.SYSTEM_ADMIN)).post(reverse("engagement:customer_invite", args=[customer.pk]),
                                                     {"event": event.pk, "channel": "phone"}).status_code == 403


@pytest.fixture
def later_event_for(manager):
    return lambda user: events.event_save(actor=manager, title="座谈会", kind="seminar",
                                          starts_at=clock.now() + dt.timedelta(days=5))


def test_the_event_page_finds_and_picks_a_customer_in_scope(sales, other, event, customer, contact, login):
    theirs = CustomerFactory(owner=other, department=other.department, name="杭州华信物流有限公司")
    pick = reverse("engagement:event_invite_pick", args=[event.pk])
    c = login(sales)
    html = c.get(reverse("engagement:event_detail", args=[event.pk])).content.decode()
    assert 'name="q"' in html and pick in html and "客户编号" not in html  # a search, not an ID field
    found = c.post(pick, {"q": "杭州华信"}, HTTP_HX_REQUEST="true").content.decode()
    assert "杭州华信电子科技有限公司" in found and f'value="{customer.pk}"' in found
    assert "杭州华信物流" not in found  # another salesperson's customer is not offered
    picked = c.post(pick, {"q": "杭州华信", "customer": customer.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert f'<option value="{contact.pk}">李四' in picked and "<html" not in picked
    page = c.post(pick, {"q": "杭州华信"}).content.decode()  # without JavaScript: the whole page
    assert "<html" in page and "2027 年客户感恩会" in page and "杭州华信电子科技有限公司" in page
    assert "没有匹配的客户" in c.post(pick, {"q": "不存在的公司"}, HTTP_HX_REQUEST="true").content.decode()
    # picking a customer out of scope, or inviting it, is refused as not found
    assert c.post(pick, {"q": "物流", "customer": theirs.pk}, HTTP_HX_REQUEST="true").status_code == 404
    assert c.post(reverse("engagement:event_invite", args=[event.pk]),
                  {"customer": theirs.pk, "channel": "phone"}).status_code == 404
    c.post(reverse("engagement:event_invite", args=[event.pk]),
           {"q": "杭州华信", "customer": customer.pk, "contact": contact.pk, "channel": "phone"})
    assert Invitation.objects.get().contact == contact


def test_the_customer_pick_anonymous_and_without_permission(client, login, make_user, event, customer):
    pick = reverse("engagement:event_invite_pick", args=[event.pk])
    assert client.post(pick, {"q": "杭州"}).status_code == 302
    assert client.get(pick).status_code in (302, 405)
    assert login(make_user(roles.SYSTEM_ADMIN)).post(pick, {"q": "杭州"}).status_code == 403
    assert login(make_user(roles.SALES_MANAGER)).post(pick, {"q": "杭州"}).status_code == 404  # another company's event


def test_the_customer_pick_query_budget(sales, event, login, django_assert_max_num_queries):
    for i in range(15):
        CustomerFactory(owner=sales, department=sales.department, name=f"杭州客户{i}有限公司")
    c = login(sales)
    with django_assert_max_num_queries(10):
        html = c.post(reverse("engagement:event_invite_pick", args=[event.pk]), {"q": "杭州客户"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert html.count('type="radio"') == 10
