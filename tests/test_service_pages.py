"""The service pages (SVC-1..4): the queue, entering a ticket, the ticket page with its steps, the customer
page's tab and the categories. Each page as anonymous (login), without permission (403), out of scope (404)
and with permission; the steps through the pages; English with no Chinese left."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.customers import permissions as customer_perms
from kehu.customers.models import Customer
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from kehu.org.models import Role
from kehu.service import services
from kehu.service.actions import CATEGORY_SAVE
from kehu.service.models import Status, Ticket, TicketCategory
from kehu.service.views_queue import SEARCH_SESSION_KEY, TAB_ROWS
from tests.customer_data import TAB_QUERIES, make_customer
from tests.test_i18n_catalogue import chinese_outside, user_data

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-1", "SVC-2", "SVC-4")]

QUEUE = reverse("service:queue")
NEW = reverse("service:ticket_new")
CATEGORIES = reverse("service:categories")
# The ticket page: sign-in (4), the ticket with its joins, its history, the choices of the edit and assign
# forms (categories, users), the handbook's suggestions (one query without a category).
TICKET_PAGE_QUERIES = 9


@pytest.fixture
def agent(make_user, sales):
    """A customer-service agent of the salesperson's company: company scope, every ticket permission and the
    categories."""
    return make_user(roles.CUSTOMER_SERVICE, full_name="赵客服", department=sales.department)


@pytest.fixture
def outsider(make_user):
    """Signed in, but holding no service permission."""
    return make_user(roles.AUDIT_ADMIN)


def open_ticket(actor, customer=None, **fields) -> Ticket:
    values = {"kind": "complaint", "channel": "phone", "title": "设备异响", "description": "客户反映设备运行时异响",
              **fields}
    if customer is None:
        values.setdefault("reporter_name", "刘先生")
    return services.ticket_open(actor=actor, customer=customer, **values)


def strategic(customer) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(tier="strategic")
    customer.tier = "strategic"
    return customer


def ticket_url(ticket, step: str = "") -> str:
    return reverse("service:ticket_act", args=[ticket.pk, step]) if step else reverse("service:ticket", args=[ticket.pk])


# --- who may open each page ------------------------------------------------------------------------
@pytest.fixture
def a_ticket(sales):
    return open_ticket(sales, make_customer(sales, "杭州远景机械有限公司"))


def every_page(ticket) -> list[tuple[str, str]]:
    category = TicketCategory.objects.create(code="noise", name="噪音")
    return [("get", QUEUE), ("post", reverse("service:search")), ("get", NEW), ("post", reverse("service:ticket_new_pick")),
            ("get", ticket_url(ticket)), ("post", ticket_url(ticket, "respond")), ("get", CATEGORIES),
            ("get", reverse("service:category_new")), ("get", reverse("service:category_edit", args=[category.pk]))]


def test_anonymous_is_sent_to_sign_in(client, a_ticket):
    for method, url in every_page(a_ticket):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_without_permission_403(login, outsider, a_ticket):
    client = login(outsider)
    for method, url in every_page(a_ticket):
        assert getattr(client, method)(url).status_code == 403, url


def test_out_of_scope_ticket_is_404(login, other, a_ticket):
    """``other`` is a salesperson too (may see tickets) but neither owns the customer nor handles the ticket."""
    client = login(other)
    assert client.get(ticket_url(a_ticket)).status_code == 404
    assert client.post(ticket_url(a_ticket, "respond"), {"respond-note": "已致电"}).status_code == 404
    assert a_ticket.number not in client.get(QUEUE).content.decode()
    a_ticket.refresh_from_db()
    assert a_ticket.first_response_at is None


def test_an_unknown_step_is_404(login, sales, a_ticket):
    assert login(sales).post(ticket_url(a_ticket, "explode")).status_code == 404


def test_assigning_needs_the_assign_permission(login, sales, other, a_ticket):
    response = login(sales).post(ticket_url(a_ticket, "assign"), {"assign-responsible": other.pk})
    assert response.status_code == 403
    assert Ticket.objects.get(pk=a_ticket.pk).responsible == sales


def test_categories_need_their_own_permission(login, sales):
    assert login(sales).get(CATEGORIES).status_code == 403  # a salesperson handles tickets, not categories


# --- the queue --------------------------------------------------------------------------------------
def test_queue_puts_strategic_first_then_priority(login, agent, sales):
    plain = open_ticket(sales, make_customer(sales, "宁波普通贸易有限公司"), severity="critical", title="普通客户重大问题")
    first = open_ticket(sales, strategic(make_customer(sales, "上海战略集团有限公司")), severity="minor", title="战略客户小问题")
    anonymous = open_ticket(sales, title="散客咨询", kind="inquiry")
    html = login(agent).get(QUEUE).content.decode()
    order = [html.index(f'data-ticket="{t.number}"') for t in (first, plain, anonymous)]
    assert order == sorted(order)
    row = html[order[0]:order[1]]
    assert "战略" in row and "上海战略集团有限公司" in row and "投诉" in row and "电话" in row and "张销售" in row


def test_queue_filters(login, agent, sales):
    customer = make_customer(sales, "苏州精工有限公司")
    complaint = open_ticket(sales, customer, title="外壳开裂")
    inquiry = open_ticket(agent, customer, kind="inquiry", title="询问保修期", responsible=agent)
    closed = open_ticket(sales, customer, title="早已处理")
    aftersales = DepartmentFactory(company=sales.department.company, name="售后服务部")
    category = TicketCategory.objects.create(code="repair", name="维修", team=aftersales)
    routed = open_ticket(sales, customer, title="上门维修", category=category, kind="after_sales")
    services.ticket_transition(actor=sales, ticket=closed, to=Status.IN_PROGRESS)
    services.ticket_transition(actor=sales, ticket=closed, to=Status.RESOLVED, cause="螺丝松动", solution="紧固")
    client = login(agent)

    def shown(**params) -> set[str]:
        html = client.get(QUEUE, params).content.decode()
        return set(re.findall(r'data-ticket="([^"]+)"', html))

    assert shown() == {complaint.number, inquiry.number, routed.number}  # open ones by default
    assert shown(status="resolved") == {closed.number}
    assert shown(kind="inquiry") == {inquiry.number}
    assert shown(mine="1") == {inquiry.number}
    assert shown(priority=complaint.priority, kind="complaint") == {complaint.number}
    assert shown(team=aftersales.pk) == {routed.number}  # the category's team is the ticket's queue
    assert shown(sla_state="breached") == set()


def test_queue_search_is_posted_and_kept_out_of_the_url(login, agent, sales):
    customer = make_customer(sales, "无锡华光电器有限公司")
    wanted = open_ticket(sales, customer, title="显示屏闪烁")
    open_ticket(sales, make_customer(sales, "常州其他有限公司"), title="包装破损")
    client = login(agent)
    response = client.post(reverse("service:search") + "?kind=complaint", {"q": "华光"})
    assert response.status_code == 302 and response["Location"] == QUEUE + "?kind=complaint"
    assert "华光" not in response["Location"] and client.session[SEARCH_SESSION_KEY] == "华光"
    html = client.get(response["Location"]).content.decode()
    assert re.findall(r'data-ticket="([^"]+)"', html) == [wanted.number]
    client.post(reverse("service:search"), {"q": wanted.number})
    assert re.findall(r'data-ticket="([^"]+)"', client.get(QUEUE).content.decode()) == [wanted.number]
    client.post(reverse("service:search"), {"q": ""})
    assert SEARCH_SESSION_KEY not in client.session


def test_queue_shows_a_breached_clock_before_the_sweep_runs(login, agent, sales):
    customer = make_customer(sales, "合肥迅达有限公司")
    with clock.frozen(clock.now() - dt.timedelta(days=30)):  # the stored state is still on track: no sweep ran
        late = open_ticket(sales, customer, title="一个月前的投诉")
    fresh = open_ticket(sales, customer, title="刚来的投诉")
    assert Ticket.objects.get(pk=late.pk).sla_state == "on_track"
    html = login(agent).get(QUEUE).content.decode()

    def row(ticket) -> str:
        return html[html.index(f'data-ticket="{ticket.number}"'):].split("</tr>")[0]

    assert "已超时" in row(late) and "已超时" not in row(fresh) and "正常" in row(fresh)


def test_queue_of_fifty_rows_costs_a_fixed_number_of_queries(login, agent, sales, django_assert_max_num_queries):
    customers = [make_customer(sales, f"批量测试{i}号有限公司") for i in range(5)]
    for i in range(50):
        open_ticket(sales, customers[i % 5], title=f"问题{i}")
    client = login(agent)
    client.get(QUEUE)  # the caches a running server holds
    # sign-in (4), the count, the page's rows with their joins, the team filter's departments (count, rows),
    # the category filter's categories
    with django_assert_max_num_queries(9):
        html = client.get(QUEUE).content.decode()
    assert html.count("data-ticket=") == 50


# --- entering a ticket -----------------------------------------------------------------------------
def new_ticket_data(**fields) -> dict:
    return {"channel": "wechat", "kind": "quality", "severity": "normal", "title": "批次色差",
            "description": "第三批货物颜色与样品不一致", **fields}


def test_enter_a_ticket_for_a_customer(login, agent, sales):
    customer = make_customer(sales, "南京恒瑞材料有限公司", mobile="13812345678")
    contact = customer.contacts.get()
    category = TicketCategory.objects.create(code="color", name="色差", kind="quality")
    client = login(agent)
    response = client.post(NEW, new_ticket_data(customer=customer.pk, contact=contact.pk, category=category.pk,
                                                product="涂料 A3"))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket_url(ticket)
    assert (ticket.customer, ticket.contact, ticket.category, ticket.channel, ticket.kind, ticket.product, ticket.created_by) == (
        customer, contact, category, "wechat", "quality", "涂料 A3", agent)
    page = client.get(ticket_url(ticket)).content.decode()
    assert ticket.number in page and "南京恒瑞材料有限公司" in page and "色差" in page and "微信" in page


def test_enter_a_ticket_without_a_customer_from_the_complaint_box(login, agent):
    client = login(agent)
    response = client.post(NEW, new_ticket_data(channel="complaint_box", reporter_name="王女士",
                                                reporter_phone="13900001111"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.customer is None and ticket.reporter_phone.reveal() == "13900001111"
    assert "13900001111" not in client.get(ticket_url(ticket)).content.decode()  # shown masked


def test_an_error_names_the_field_and_the_rule(login, agent):
    client = login(agent)
    response = client.post(NEW, new_ticket_data(title=""))
    assert response.status_code == 400 and Ticket.objects.count() == 0
    assert "标题：这个字段是必填项。" in response.content.decode()
    # The service's rule: a ticket needs a customer or whoever raised it.
    response = client.post(NEW, new_ticket_data())
    html = response.content.decode()
    assert response.status_code == 400 and "客户：请选择客户，或填写反映人姓名或单位。" in html
    assert "第三批货物颜色与样品不一致" in html  # what was typed is kept


def test_a_customer_out_of_scope_cannot_be_picked(login, sales, other):
    theirs = make_customer(other, "厦门别家有限公司")
    client = login(sales)
    response = client.post(NEW, new_ticket_data(customer=theirs.pk))
    assert response.status_code == 400 and Ticket.objects.count() == 0
    assert "客户：客户不存在，或不在您的数据范围内。" in response.content.decode()
    picker = client.post(reverse("service:ticket_new_pick"), {"customer_q": "厦门别家"}, HTTP_HX_REQUEST="true")
    assert "厦门别家有限公司" not in picker.content.decode()
    assert client.get(NEW, {"customer": theirs.pk}).status_code == 404


def test_a_contact_of_another_customer_is_refused(login, sales):
    mine = make_customer(sales, "青岛海纳有限公司")
    elsewhere = make_customer(sales, "烟台港联有限公司", mobile="13812345678")
    response = login(sales).post(NEW, new_ticket_data(customer=mine.pk, contact=elsewhere.contacts.get().pk))
    assert response.status_code == 400 and "联系人不属于所选客户。" in response.content.decode()


def test_the_picker_finds_customers_and_lists_the_contacts(login, sales):
    customer = make_customer(sales, "武汉长江动力有限公司", mobile="13812345678")
    client = login(sales)
    found = client.post(reverse("service:ticket_new_pick"), {"customer_q": "长江动力"}, HTTP_HX_REQUEST="true")
    html = found.content.decode()
    assert 'id="customer-pick"' in html and "<html" not in html and "武汉长江动力有限公司" in html
    picked = client.post(reverse("service:ticket_new_pick"), {"customer_q": "长江动力", "customer": customer.pk},
                         HTTP_HX_REQUEST="true").content.decode()
    assert "李四" in picked and 'name="contact"' in picked
    # Without JavaScript the search button posts the whole form: the page comes back with the choices.
    page = client.post(reverse("service:ticket_new_pick"), new_ticket_data(customer_q="长江动力", title="")).content.decode()
    assert "<html" in page and "武汉长江动力有限公司" in page and "第三批货物颜色与样品不一致" in page
    assert "未能保存" not in page and "这个字段是必填项" not in page  # a search is no attempt to save


def test_new_ticket_from_the_customer_page(login, sales):
    customer = make_customer(sales, "成都天府软件有限公司")
    client = login(sales)
    tab = client.get(reverse("customers:tab", args=[customer.pk, "tickets"])).content.decode()
    link = f'{NEW}?customer={customer.pk}'
    assert link in tab
    page = client.get(link).content.decode()
    assert re.search(rf'value="{customer.pk}"[^>]*checked', page) and "成都天府软件有限公司" in page


# --- the ticket page and its steps -----------------------------------------------------------------
def step(client, ticket, name: str, **fields):
    return client.post(ticket_url(ticket, name), {f"{name}-{key}": value for key, value in fields.items()})


def test_ticket_page_shows_the_facts_and_both_clocks(login, sales):
    customer = strategic(make_customer(sales, "重庆长安配件有限公司"))
    ticket = open_ticket(sales, customer, kind="quality", severity="normal", product="刹车片")
    html = login(sales).get(ticket_url(ticket)).content.decode()
    for text in (ticket.number, "重庆长安配件有限公司", "战略客户", "先处理后分清责任", "刹车片", "质量问题", "电话", "受理",
                 "张销售", "首次响应", "首次响应时限", "解决时限", "前解决", f"按第 {ticket.policy_version.number} 版制度计时", "登记"):
        assert text in html, text


def test_ticket_page_names_whom_an_escalation_reached(login, agent, sales):
    ticket = open_ticket(sales, make_customer(sales, "福州闽江有限公司"))
    client = login(agent)
    for code, shown in (("manager", "直属上级"), ("marketing_vp", "营销副总"), ("owner", "责任人")):
        Ticket.objects.filter(pk=ticket.pk).update(escalated_to=code, escalated_at=clock.now())
        html = client.get(ticket_url(ticket)).content.decode()
        assert shown in html.split('id="ticket-escalated">')[1].split("</dd>")[0], code


def test_ticket_page_costs_the_same_for_a_long_history(login, agent, sales):
    customer = make_customer(sales, "哈尔滨冰城有限公司")
    short, long = open_ticket(sales, customer), open_ticket(sales, customer)
    for i in range(15):
        services.ticket_transition(actor=sales, ticket=long, to=Status.IN_PROGRESS if i % 2 == 0 else Status.WAITING,
                                   note=f"第{i}步")
    services.ticket_transition(actor=sales, ticket=short, to=Status.IN_PROGRESS)
    client = login(agent)
    client.get(ticket_url(short))
    costs = []
    for ticket in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ticket_url(ticket)).status_code == 200
        costs.append(len(queries))
    assert costs[0] == costs[1] <= TICKET_PAGE_QUERIES, costs


def test_the_steps_through_the_pages(login, agent, sales):
    ticket = open_ticket(sales, make_customer(sales, "天津滨海设备有限公司"))
    client = login(sales)
    html = client.get(ticket_url(ticket)).content.decode()
    assert 'id="act-respond"' in html and 'id="act-resolve"' not in html and 'id="act-assign"' not in html

    assert step(client, ticket, "respond", note="已电话联系客户").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.first_response_at is not None

    assert step(client, ticket, "wait", note="等客户寄回样品").status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.WAITING
    html = client.get(ticket_url(ticket)).content.decode()
    assert "已暂停" in html and 'id="act-resume"' in html and 'id="act-wait"' not in html

    assert step(client, ticket, "resume").status_code == 302
    response = step(client, ticket, "resolve", cause="", solution="更换轴承")
    assert response.status_code == 400 and "原因分析：这个字段是必填项。" in response.content.decode()
    assert "<details class=\"card mb-2\" id=\"act-resolve\" open>" in response.content.decode()
    assert step(client, ticket, "resolve", cause="轴承磨损", solution="更换轴承").status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.cause, ticket.solution) == (Status.RESOLVED, "轴承磨损", "更换轴承")

    assert step(client, ticket, "feedback", feedback="已告知客户更换轴承并试机正常").status_code == 302
    assert step(client, ticket, "close").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_by_customer
    assert ticket.customer_feedback == "已告知客户更换轴承并试机正常"

    assert step(client, ticket, "reopen", note="客户反映再次异响").status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REOPENED
    html = client.get(ticket_url(ticket)).content.decode()
    for text in ("已电话联系客户", "等客户寄回样品", "客户反映再次异响", "→ 已重新打开", "轴承磨损", "反馈客户"):
        assert text in html, text


def test_a_step_the_workflow_does_not_allow_is_a_form_error(login, sales):
    ticket = open_ticket(sales, make_customer(sales, "大连船舶配套有限公司"))
    response = step(login(sales), ticket, "close")
    assert response.status_code == 400
    assert 'id="act-close"' in response.content.decode()  # shown with the service's message
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_assign_to_another_person(login, agent, sales, make_user):
    engineer = make_user(roles.AFTER_SALES_ENGINEER, full_name="孙工程师", department=sales.department)
    ticket = open_ticket(sales, make_customer(sales, "郑州宇通配件有限公司"))
    client = login(agent)
    assert 'id="act-assign"' in client.get(ticket_url(ticket)).content.decode()
    assert step(client, ticket, "assign", responsible=engineer.pk, note="需上门检测").status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).responsible == engineer
    assert "孙工程师" in client.get(ticket_url(ticket)).content.decode()


def test_only_active_users_can_be_assigned(login, agent, sales, make_user):
    gone = make_user(roles.SALESPERSON, is_active=False)
    ticket = open_ticket(sales, make_customer(sales, "长沙湘江有限公司"))
    response = step(login(agent), ticket, "assign", responsible=gone.pk)
    assert response.status_code == 400 and Ticket.objects.get(pk=ticket.pk).responsible == sales


# --- the handbook's suggestions and the callback's rating (helpers "kb" and "sweeps") ----------------
def article(author, title: str, category=None, **fields):
    from kehu.service.models import HandbookArticle

    made = HandbookArticle.objects.create(title=title, problem=fields.pop("problem", title), solution="先断电再检查",
                                          created_by=author, **fields)
    if category is not None:
        made.categories.add(category)
    return made


def test_new_ticket_suggests_handbook_articles_by_category_and_words(login, agent, sales, outsider, client):
    category = TicketCategory.objects.create(code="motor", name="电机故障")
    by_category = article(agent, "电机过热处理", category)
    by_words = article(agent, "显示屏花屏的排查", keywords="显示屏 花屏")
    unpublished = article(agent, "显示屏旧办法", keywords="显示屏", published=False)
    url = reverse("service:ticket_new_suggest")
    assert client.post(url).status_code == 302  # anonymous: to sign in
    assert login(outsider).post(url).status_code == 403
    user = login(sales)
    assert user.get(url).status_code == 405  # the text may hold a phone number: never in a URL (WEB-7)
    html = user.post(url, {"category": category.pk, "title": "", "description": ""}).content.decode()
    assert by_category.title in html and by_words.title not in html
    html = user.post(url, {"category": "", "title": "客户反映", "description": "显示屏花屏，电话13812345678"}).content.decode()
    assert by_words.title in html and unpublished.title not in html and "<html" not in html
    assert 'hx-post="' + url in user.get(NEW).content.decode()


def test_ticket_page_suggests_articles_while_open(login, sales, agent):
    category = TicketCategory.objects.create(code="motor", name="电机故障")
    found = article(agent, "电机过热处理", category)
    ticket = open_ticket(sales, make_customer(sales, "太原晋能有限公司"), category=category)
    client = login(sales)
    assert found.title in client.get(ticket_url(ticket)).content.decode()
    services.ticket_transition(actor=sales, ticket=ticket, to=Status.IN_PROGRESS)
    services.ticket_transition(actor=sales, ticket=ticket, to=Status.RESOLVED, cause="散热不良", solution="清理风道")
    assert found.title not in client.get(ticket_url(ticket)).content.decode()


def test_a_closed_ticket_offers_the_rating_form(login, sales):
    ticket = open_ticket(sales, make_customer(sales, "兰州黄河有限公司"))
    client = login(sales)
    rate = reverse("service:ticket_rate", args=[ticket.pk])
    assert rate not in client.get(ticket_url(ticket)).content.decode()
    services.ticket_transition(actor=sales, ticket=ticket, to=Status.IN_PROGRESS)
    services.ticket_transition(actor=sales, ticket=ticket, to=Status.RESOLVED, cause="安装不当", solution="重新安装")
    services.ticket_transition(actor=sales, ticket=ticket, to=Status.CLOSED, by_customer=True)
    assert f'action="{rate}"' in client.get(ticket_url(ticket)).content.decode()
    assert client.post(rate, {"satisfaction": "4", "comment": "处理及时"}).status_code == 302
    html = client.get(ticket_url(ticket)).content.decode()
    assert "处理及时" in html and f'action="{rate}"' not in html


# --- the customer page's tab -----------------------------------------------------------------------
def test_customer_tab_lists_the_tickets_newest_first(login, sales, other):
    customer = make_customer(sales, "西安秦川仪表有限公司")
    older = open_ticket(sales, customer, title="旧问题")
    with clock.frozen(clock.now() + dt.timedelta(hours=1)):
        newer = open_ticket(sales, customer, title="新问题")
    open_ticket(other, make_customer(other, "别人的客户有限公司"), title="别人的问题")
    html = login(sales).get(reverse("customers:tab", args=[customer.pk, "tickets"])).content.decode()
    assert html.index(newer.number) < html.index(older.number) and "别人的问题" not in html
    assert "服务工单" in html


def test_customer_tab_costs_the_same_however_many_tickets(login, sales, django_assert_max_num_queries):
    customer = make_customer(sales, "贵阳黔丰有限公司")
    for i in range(TAB_ROWS + 5):
        open_ticket(sales, customer, title=f"第{i}个问题")
    client = login(sales)
    url = reverse("customers:tab", args=[customer.pk, "tickets"])
    client.get(url)
    with django_assert_max_num_queries(TAB_QUERIES["tickets"]):
        html = client.get(url).content.decode()
    assert len(re.findall(r'href="/service/tickets/\d+/"', html)) == TAB_ROWS


def test_customer_tab_without_ticket_permission(login, sales, make_user):
    Role.objects.create(code="customer_viewer", name="客户查看", data_scope=roles.COMPANY,
                        permissions=[customer_perms.VIEW])
    viewer = make_user("customer_viewer", department=sales.department)
    customer = make_customer(sales, "昆明滇池有限公司")
    open_ticket(sales, customer, title="看不到的问题")
    response = login(viewer).get(reverse("customers:tab", args=[customer.pk, "tickets"]))
    html = response.content.decode()
    assert response.status_code == 200 and "您没有查看服务工单的权限。" in html and "看不到的问题" not in html
    assert NEW not in html


# --- categories ------------------------------------------------------------------------------------
def category_data(**fields) -> dict:
    return {"code": "leak", "name": "渗漏", "name_en": "Leak", "kind": "quality", "team": "", "default_handler": "",
            "active": "on", "position": "3", **fields}


def test_create_and_edit_a_category_audited(login, agent):
    client = login(agent)
    response = client.post(reverse("service:category_new"), category_data(default_handler=agent.pk))
    assert response.status_code == 302 and response["Location"] == CATEGORIES
    category = TicketCategory.objects.get(code="leak")  # beside the default categories (migration 0002)
    assert (category.code, category.name, category.kind, category.default_handler, category.active, category.position) == (
        "leak", "渗漏", "quality", agent, True, 3)
    assert "渗漏" in client.get(CATEGORIES).content.decode()
    edit = reverse("service:category_edit", args=[category.pk])
    assert 'value="leak"' in client.get(edit).content.decode()
    response = client.post(edit, category_data(name="渗漏滴水", active="", default_handler=agent.pk))
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name == "渗漏滴水" and not category.active
    entries = list(AuditEntry.objects.filter(action=CATEGORY_SAVE).order_by("seq"))
    assert [e.data["created"] for e in entries] == [True, False]
    assert entries[1].data["changed"] == ["active", "name"]


def test_a_category_code_is_unique(login, agent):
    TicketCategory.objects.create(code="leak", name="渗漏")
    response = login(agent).post(reverse("service:category_new"), category_data(name="另一个"))
    assert response.status_code == 400 and "编码：编码“leak”已被其他分类使用。" in response.content.decode()
    assert TicketCategory.objects.filter(name="另一个").count() == 0


def test_a_dispatcher_may_name_the_responsible_person_when_entering(login, agent, sales, make_user):
    engineer = make_user(roles.AFTER_SALES_ENGINEER, full_name="周工程师", department=sales.department)
    assert 'name="responsible"' not in login(sales).get(NEW).content.decode()  # routed for a salesperson
    client = login(agent)
    assert 'name="responsible"' in client.get(NEW).content.decode()
    response = client.post(NEW, new_ticket_data(reporter_name="吴先生", responsible=engineer.pk))
    assert response.status_code == 302 and Ticket.objects.get().responsible == engineer


def test_edit_a_ticket_changes_its_priority(login, sales):
    ticket = open_ticket(sales, make_customer(sales, "南昌赣江有限公司"), severity="minor")
    client = login(sales)
    assert 'id="act-edit"' in client.get(ticket_url(ticket)).content.decode()
    response = step(client, ticket, "edit", title="整机停机", severity="critical", product="主机", category="",
                    description=ticket.description)
    assert response.status_code == 302
    ticket_after = Ticket.objects.get(pk=ticket.pk)
    assert (ticket_after.title, ticket_after.severity, ticket_after.product) == ("整机停机", "critical", "主机")
    assert ticket_after.priority_rank < ticket.priority_rank
    response = step(client, ticket, "edit", title="", severity="critical", description="")
    assert response.status_code == 400 and "标题：这个字段是必填项。" in response.content.decode()


def test_a_new_ticket_offers_only_active_categories(login, agent):
    TicketCategory.objects.create(code="on", name="在用分类")
    TicketCategory.objects.create(code="off", name="停用分类", active=False)
    html = login(agent).get(NEW).content.decode()
    assert "在用分类" in html and "停用分类" not in html


# --- navigation and English ------------------------------------------------------------------------
def test_navigation_section(login, agent, sales):
    html = login(agent).get("/").content.decode()
    assert "服务与投诉" in html and QUEUE in html and NEW in html and CATEGORIES in html
    html = login(sales).get("/").content.decode()
    assert QUEUE in html and CATEGORIES not in html


@pytest.mark.req("PLAT-1")
def test_pages_in_english_have_no_chinese_left(client, login, agent, sales):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    customer = strategic(make_customer(sales, "英文测试有限公司", mobile="13812345678"))
    category = TicketCategory.objects.create(code="noise", name="噪音", name_en="Noise")
    ticket = open_ticket(sales, customer, category=category, kind="quality")
    services.ticket_respond(actor=sales, ticket=ticket, note="已回电")
    login(agent)
    data = [*user_data(agent), *user_data(sales), customer.name, ticket.title, ticket.description, "已回电", "李四", category.name, "批次色差", "第三批货物颜色与样品不一致",
            *ticket.events.values_list("note", flat=True)]
    pages = {
        "queue": client.get(QUEUE), "new": client.get(NEW, {"customer": customer.pk}),
        "ticket": client.get(ticket_url(ticket)), "categories": client.get(CATEGORIES),
        "category": client.get(reverse("service:category_edit", args=[category.pk])),
        "tab": client.get(reverse("customers:tab", args=[customer.pk, "tickets"])),
        "error": client.post(NEW, new_ticket_data()),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert chinese_outside(html, data) == [], name
    assert "Strategic" in pages["ticket"].content.decode() and "Ticket queue" in pages["queue"].content.decode()
