"""The public service page (SVC-8): anonymous filing and status lookup, the offline challenge, the honeypot and
fill-time traps, the limits per address and per phone, and that nothing of any other customer, ticket or
person leaks through either page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.org import roles
from kehu.service import actions, challenge, selectors, services
from kehu.service.challenge_image import svg
from kehu.service.models import Ticket, TicketCategory
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-8")]

INTAKE, STATUS = "/public/service/", "/public/service/status/"
NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def no_fill_wait(settings):
    """People take seconds to fill the form; the test client does not. The wait is tested on its own."""
    settings.KEHU_PUBLIC_MIN_FILL_SECONDS = 0


@pytest.fixture
def service_desk(make_user):
    """A customer-service agent (who takes tickets no one else does) and an active category."""
    agent = make_user(roles.CUSTOMER_SERVICE, full_name="赵客服")
    category = TicketCategory.objects.create(code="delivery", name="物流配送", name_en="Delivery")
    return agent, category


def token_of(response) -> str:
    return re.search(r'name="challenge" value="([^"]+)"', response.content.decode())[1]


def answered(client, url: str, fields: dict, **extra) -> dict:
    """``fields`` with the challenge the page just issued, answered right."""
    token = token_of(client.get(url, **extra))
    return {**fields, "challenge": token, "answer": str(challenge.question_for(token).answer)}


def complaint(phone="13900001111", **overrides) -> dict:
    return {"kind": "complaint", "name": "陈先生", "company": "宁波恒通物流有限公司", "phone": phone,
            "email": "chen@example.com", "product": "冷链箱", "description": "送货延误三天\n货物有破损", **overrides}


def file(client, fields: dict, **extra):
    return client.post(INTAKE, answered(client, INTAKE, fields, **extra), **extra)


def filed_number(response) -> str:
    return re.search(r'id="tracking-number">([^<]+)<', response.content.decode())[1]


def look_up(client, number: str, phone: str, **extra):
    return client.post(STATUS, answered(client, STATUS, {"number": number, "phone": phone}, **extra), **extra)


# --- Filing -------------------------------------------------------------------------------------------


def test_anonymous_files_a_complaint_and_gets_a_tracking_number(client, service_desk):
    agent, category = service_desk
    page = client.get(INTAKE)
    assert page.status_code == 200 and "提交投诉、建议或咨询" in page.content.decode()
    assert "物流配送" in page.content.decode()  # the active categories to choose from

    response = file(client, complaint(category=category.pk))

    assert response.status_code == 200
    ticket = Ticket.objects.get(number=filed_number(response))
    assert (ticket.kind, ticket.channel, ticket.category, ticket.created_by) == ("complaint", "web_form", category, None)
    assert (ticket.reporter_name, ticket.reporter_company, ticket.product) == ("陈先生", "宁波恒通物流有限公司", "冷链箱")
    assert ticket.reporter_phone.reveal() == "13900001111" and ticket.reporter_email.reveal() == "chen@example.com"
    assert ticket.title == "送货延误三天" and ticket.description == "送货延误三天\n货物有破损"
    assert ticket.customer is None  # no customer has this phone


def test_inactive_categories_are_not_offered(client, service_desk):
    TicketCategory.objects.create(code="old", name="旧分类", active=False)
    assert "旧分类" not in client.get(INTAKE).content.decode()


def test_the_ticket_is_linked_only_when_the_phone_is_one_customers(client, service_desk, sales, other):
    mine = make_customer(sales, "杭州华信电子科技有限公司", mobile="13812345678")
    make_customer(sales, "苏州远景贸易有限公司", mobile="13700002222")
    make_customer(other, "无锡同创机械有限公司", mobile="13700002222")

    linked = Ticket.objects.get(number=filed_number(file(client, complaint(phone="138 1234 5678"))))
    shared = Ticket.objects.get(number=filed_number(file(client, complaint(phone="13700002222"))))

    assert (linked.customer, linked.contact) == (mine, mine.contacts.get())
    assert (shared.customer, shared.contact) == (None, None)  # two customers have it: no guessing


def test_a_strategic_customers_complaint_lands_at_the_top_of_the_queue(client, service_desk, sales):
    agent, _category = service_desk
    plain = make_customer(sales, "苏州远景贸易有限公司", mobile="13700002222")
    strategic = make_customer(sales, "杭州华信电子科技有限公司", mobile="13812345678")
    Customer.objects.filter(pk=strategic.pk).update(tier="strategic")
    earlier = filed_number(file(client, complaint(phone="13700002222")))
    later = filed_number(file(client, complaint(phone="13812345678")))

    ticket = Ticket.objects.get(number=later)
    assert (ticket.customer, ticket.strategic, ticket.customer_tier) == (strategic, True, "strategic")
    assert Ticket.objects.get(number=earlier).customer == plain
    assert [t.number for t in selectors.queue(sales)][:2] == [later, earlier]


def test_the_answer_never_tells_whether_the_phone_matched_a_customer(client, service_desk, sales):
    make_customer(sales, "杭州华信电子科技有限公司", mobile="13812345678")
    matched = file(client, complaint(phone="13812345678")).content.decode()
    unmatched = file(client, complaint(phone="13900001111")).content.decode()

    def bare(html):  # the tracking number and the CSRF token differ, as they must
        return re.sub(r'id="tracking-number">[^<]+<|name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert bare(matched) == bare(unmatched)
    assert "杭州华信" not in matched and "李四" not in matched


def test_invalid_input_names_the_field_and_files_nothing(client, service_desk):
    response = file(client, complaint(phone="12345", description=""))
    assert response.status_code == 400
    assert "手机号码须为 11 位数字" in response.content.decode() and "问题描述" in response.content.decode()
    assert not Ticket.objects.exists()


def test_when_nobody_can_take_tickets_the_visitor_keeps_the_text(client):
    response = file(client, complaint())
    assert response.status_code == 503 and not Ticket.objects.exists()
    html = response.content.decode()
    assert "暂时无法受理" in html and "送货延误三天" in html
    assert "客服专员" not in html  # the reason is for the administrator, not the visitor


# --- The challenge ------------------------------------------------------------------------------------


def test_the_challenge_accepts_its_answer_once():
    with clock.frozen(NOW):
        token = challenge.issue()
    answer = str(challenge.question_for(token).answer)
    with clock.frozen(NOW + dt.timedelta(seconds=30)):
        challenge.check(token, answer)
        with pytest.raises(challenge.Refused) as reused:
            challenge.check(token, answer)
    assert reused.value.code == "reused"


def test_a_wrong_answer_spends_the_question():
    token = challenge.issue()
    answer = challenge.question_for(token).answer
    with pytest.raises(challenge.Refused) as wrong:
        challenge.check(token, str(answer + 1))
    assert wrong.value.code == "wrong"
    with pytest.raises(challenge.Refused) as again:
        challenge.check(token, str(answer))  # no second guess at the same question
    assert again.value.code == "reused"


@pytest.mark.parametrize("answer", ["", "abc", "-1", "1e3"])
def test_a_non_number_is_a_wrong_answer(answer):
    with pytest.raises(challenge.Refused) as refused:
        challenge.check(challenge.issue(), answer)
    assert refused.value.code == "wrong"


def test_full_width_digits_are_read_as_digits():
    token = challenge.issue()
    full_width = str(challenge.question_for(token).answer).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    challenge.check(token, full_width)


def test_an_expired_challenge_is_refused(settings):
    with clock.frozen(NOW):
        token = challenge.issue()
    with clock.frozen(NOW + dt.timedelta(seconds=settings.KEHU_PUBLIC_CHALLENGE_SECONDS + 1)), \
            pytest.raises(challenge.Refused) as refused:
        challenge.check(token, str(challenge.question_for(token).answer))
    assert refused.value.code == "expired"


def test_a_forged_challenge_is_refused():
    token = challenge.issue()
    nonce = signing.loads(token, salt=challenge.SALT)["n"]
    forgeries = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered signature
        signing.dumps({"n": nonce, "at": 0}, salt=challenge.SALT + ".other"),  # signed for something else
        signing.dumps({"n": nonce, "at": "now"}, salt=challenge.SALT),  # ours, but not a challenge
        "",
    ]
    for forged in forgeries:
        with pytest.raises(challenge.Refused) as refused:
            challenge.check(forged, "1")
        assert refused.value.code == "forged", forged


def test_an_answer_sooner_than_a_person_can_fill_the_form_is_refused(settings):
    settings.KEHU_PUBLIC_MIN_FILL_SECONDS = 5
    with clock.frozen(NOW):
        token = challenge.issue()
    with clock.frozen(NOW + dt.timedelta(seconds=2)), pytest.raises(challenge.Refused) as refused:
        challenge.check(token, str(challenge.question_for(token).answer))
    assert refused.value.code == "too_fast"


def test_the_token_and_the_image_hold_no_question_in_plain_text():
    token = challenge.issue()
    question = challenge.question_for(token)
    assert set(signing.loads(token, salt=challenge.SALT)) == {"n", "at"}
    for chinese in (True, False):
        image = svg(question, chinese=chinese)
        assert image.startswith("<svg") and "<text" not in image and "<script" not in image
        assert svg(question, chinese=chinese) != image  # new noise each time


def test_the_questions_vary():
    assert len({challenge.question_for(challenge.issue()) for _ in range(40)}) > 10


@pytest.mark.parametrize("code, fields", [
    ("wrong", {"answer": "1000"}),
    ("reused", None),
    ("forged", {"challenge": "forged:token"}),
])
def test_the_page_refuses_a_bad_challenge_and_asks_a_new_question(client, service_desk, code, fields):
    data = answered(client, INTAKE, complaint())
    if code == "reused":
        file_first = client.post(INTAKE, data)
        assert file_first.status_code == 200
    response = client.post(INTAKE, {**data, **(fields or {})})
    assert response.status_code == 400
    assert Ticket.objects.count() == (1 if code == "reused" else 0)
    html = response.content.decode()
    assert token_of(response) != data["challenge"]  # a new question to answer
    answer_input = re.search(r'<input[^>]*name="answer"[^>]*>', html)[0]
    assert "value=" not in answer_input  # the old answer is not offered again (category options have values)
    assert "宁波恒通物流有限公司" in html  # what was typed is kept


def test_the_honeypot_refuses_without_saying_why(client, service_desk):
    response = file(client, complaint(website="http://spam.example"))
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert "提交未通过校验" in response.content.decode()


def test_a_form_sent_back_too_fast_is_refused(client, service_desk, settings):
    settings.KEHU_PUBLIC_MIN_FILL_SECONDS = 60
    response = file(client, complaint())
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert "提交过快" in response.content.decode()


def test_no_csrf_bypass(service_desk):
    strict = Client(enforce_csrf_checks=True)
    data = answered(strict, INTAKE, complaint())
    assert strict.post(INTAKE, data).status_code == 403
    assert strict.post(STATUS, answered(strict, STATUS, {"number": "X", "phone": "13900001111"})).status_code == 403
    assert not Ticket.objects.exists()
    data["csrfmiddlewaretoken"] = strict.cookies["csrftoken"].value
    assert strict.post(INTAKE, data).status_code == 200 and Ticket.objects.count() == 1


# --- Status lookup ------------------------------------------------------------------------------------


def test_status_lookup_shows_the_ticket_and_the_feedback_only(client, service_desk, sales):
    agent, _category = service_desk
    customer = make_customer(sales, "杭州华信电子科技有限公司", mobile="13812345678")
    number = filed_number(file(client, complaint(phone="13812345678")))
    ticket = Ticket.objects.get(number=number)
    services.ticket_respond(actor=ticket.responsible, ticket=ticket, note="内部备注：先联系仓库主管")
    services.ticket_transition(actor=ticket.responsible, ticket=ticket, to="resolved", cause="承运商分拣失误",
                               solution="更换承运商线路")
    services.ticket_feedback(actor=ticket.responsible, ticket=ticket, feedback="已安排补发，预计明日送达。")

    response = look_up(client, number, "13812345678")

    html = response.content.decode()
    assert response.status_code == 200 and number in html
    assert "投诉" in html and "已解决" in html and "已安排补发，预计明日送达。" in html and "客户服务团队" in html
    for secret in ("内部备注", "承运商分拣失误", "更换承运商线路", customer.name, "李四", "13812345678", ticket.responsible.full_name,
                   ticket.responsible.username, "陈先生", "chen@example.com", "冷链箱", "送货延误三天"):
        assert secret not in html, secret
    entry = AuditEntry.objects.get(action=actions.PUBLIC_LOOKUP)
    assert (entry.actor_id, entry.target_id) == (None, str(ticket.pk))


def test_wrong_number_and_wrong_phone_answer_the_same(client, service_desk):
    number = filed_number(file(client, complaint(phone="13900001111")))
    wrong_phone = look_up(client, number, "13900002222")
    wrong_number = look_up(client, number[:-1] + ("1" if number[-1] != "1" else "2"), "13900001111")
    lower_case = look_up(client, number.lower(), "13900001111")

    def bare(response):  # what was typed comes back, and the new challenge and CSRF token differ every time
        return re.sub(r'value="[^"]*"|src="data:image/svg\+xml;base64,[^"]+"', "", response.content.decode())

    assert wrong_phone.status_code == wrong_number.status_code == 200
    assert bare(wrong_phone) == bare(wrong_number)
    assert "没有找到与该工单号和手机号码相符的工单" in bare(wrong_phone) and number not in bare(wrong_phone)
    assert number in lower_case.content.decode() and "处理进度" in lower_case.content.decode()
    assert AuditEntry.objects.filter(action=actions.PUBLIC_LOOKUP).count() == 1  # the right one only
    # Only a POST looks up (the phone stays out of URLs and logs): a GET with the pair shows the empty form.
    by_get = client.get(STATUS, {"number": number, "phone": "13900001111"}).content.decode()
    assert 'id="ticket-status"' not in by_get and f'value="{number}"' not in by_get


def test_another_customers_data_never_appears(client, service_desk, sales, other):
    first = make_customer(sales, "杭州华信电子科技有限公司", mobile="13812345678")
    second = make_customer(other, "苏州远景贸易有限公司", mobile="13700002222")
    mine = filed_number(file(client, complaint(phone="13812345678", name="陈先生")))
    theirs = filed_number(file(client, complaint(phone="13700002222", name="刘女士", company="苏州远景贸易有限公司",
                                                 description="发票抬头错误")))
    assert Ticket.objects.get(number=theirs).customer == second

    html = look_up(client, mine, "13812345678").content.decode()
    assert mine in html
    for leaked in (theirs, second.name, "刘女士", "13700002222", "发票抬头错误", first.name):
        assert leaked not in html, leaked
    # Their number with my phone is as unknown as a number that does not exist.
    assert "没有找到" in look_up(client, theirs, "13812345678").content.decode()


def test_query_budgets(client, service_desk, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # the active categories
        client.get(INTAKE)
    data = answered(client, INTAKE, complaint())
    # Matching the phone (2), then ticket_open: policy, routing, numbering, the ticket, its event, the audit
    # entry (here the chain's first, which creates its head) and the notification.
    with django_assert_max_num_queries(20):
        number = filed_number(client.post(INTAKE, data))
    data = answered(client, STATUS, {"number": number, "phone": "13900001111"})
    with django_assert_max_num_queries(6):  # the ticket, the audit entry (head, insert, advance), savepoints
        assert number in client.post(STATUS, data).content.decode()


# --- Limits -------------------------------------------------------------------------------------------


def test_submissions_per_address_answer_429_after_the_limit(client, service_desk, settings):
    settings.KEHU_PUBLIC_SUBMIT_PER_IP_HOUR = 2
    assert file(client, complaint()).status_code == 200
    assert file(client, complaint(kind="")).status_code == 400  # a refused try counts too
    limited = file(client, complaint())
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "操作过于频繁" in limited.content.decode()
    assert Ticket.objects.count() == 1
    other_address = file(client, complaint(), REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 200


def test_submissions_per_phone_answer_429_from_any_address(client, service_desk, settings):
    settings.KEHU_PUBLIC_SUBMIT_PER_PHONE_DAY = 1
    assert file(client, complaint(), REMOTE_ADDR="10.0.0.1").status_code == 200
    assert file(client, complaint(), REMOTE_ADDR="10.0.0.2").status_code == 429
    assert file(client, complaint(phone="13900003333"), REMOTE_ADDR="10.0.0.3").status_code == 200


def test_lookups_answer_429_after_the_limit(client, service_desk, settings):
    settings.KEHU_PUBLIC_LOOKUP_PER_IP_HOUR = 3
    number = filed_number(file(client, complaint()))
    for _ in range(3):
        assert look_up(client, "NOPE", "13900001111").status_code == 200
    assert look_up(client, number, "13900001111").status_code == 429  # even the right pair, once spent


def test_lookups_per_phone_answer_429_from_any_address(client, service_desk, settings):
    settings.KEHU_PUBLIC_LOOKUP_PER_PHONE_HOUR = 2
    for address in ("10.0.0.1", "10.0.0.2"):
        assert look_up(client, "NOPE", "13900001111", REMOTE_ADDR=address).status_code == 200
    assert look_up(client, "NOPE", "13900001111", REMOTE_ADDR="10.0.0.3").status_code == 429


def test_the_limit_window_passes(client, service_desk, settings):
    settings.KEHU_PUBLIC_LOOKUP_PER_IP_HOUR = 1
    with clock.frozen(NOW):
        assert look_up(client, "NOPE", "13900001111").status_code == 200
        assert look_up(client, "NOPE", "13900001111").status_code == 429
    with clock.frozen(NOW + dt.timedelta(hours=1)):
        assert look_up(client, "NOPE", "13900001111").status_code == 200


# --- Language -----------------------------------------------------------------------------------------


def test_the_pages_speak_english(client, service_desk, settings):
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    page = client.get(INTAKE, **en).content.decode()
    assert "Complaint" in page and "Delivery" in page and "物流配送" not in page and "提交" not in page
    number = filed_number(file(client, complaint(), **en))
    status = look_up(client, number, "13900001111", **en).content.decode()
    assert number in status and "Complaint" in status and "Customer service team" in status
    assert "No ticket matches" in look_up(client, "NOPE", "13900001111", **en).content.decode()
    settings.KEHU_PUBLIC_LOOKUP_PER_IP_HOUR = 0
    assert "Too many requests" in look_up(client, "NOPE", "13900001111", **en).content.decode()


def test_the_pages_speak_chinese_by_default(client, service_desk):
    assert "手机号码" in client.get(INTAKE).content.decode()
    assert "查询处理进度" in client.get(STATUS).content.decode()


def test_signed_in_staff_see_the_same_public_page(client, login, service_desk):
    agent, _category = service_desk
    login(agent)
    assert client.get(INTAKE).status_code == 200 and "提交投诉、建议或咨询" in client.get(INTAKE).content.decode()


def test_the_form_needs_no_javascript_and_no_inline_code(client, service_desk):
    response = client.get(INTAKE)
    assert "script-src 'self'" in response["Content-Security-Policy"] and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    form = html[html.index('<form method="post" action="/public/service/"'):]
    form = form[:form.index("</form>")]
    assert "<script" not in form and " on" not in re.sub(r'"[^"]*"', '""', form)
    assert 'type="submit"' in form and 'name="csrfmiddlewaretoken"' in form
    assert 'src="data:image/svg+xml;base64,' in form  # the question travels inside the page
    assert client.get(reverse("service_public:status")).status_code == 200
