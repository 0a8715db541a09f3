"""REL-6 webhook formats: the robots' documented JSON and signatures, posted to a real local HTTP server."""

import base64
import hashlib
import hmac
import urllib.parse

import pytest

from kehu.engagement import webhooks

pytestmark = pytest.mark.req("REL-6")

MESSAGE = webhooks.Message(id=7, kind="care", title="关怀提醒", body="张三明天生日", url="https://crm.example/c/1/",
                           recipient="li", created_at="2027-09-14T09:00:00+08:00")
NOW = 1_800_000_000.25


def test_wecom_markdown():
    assert webhooks.payload("wecom", MESSAGE) == {"msgtype": "markdown", "markdown": {
        "content": "### 关怀提醒\n\n张三明天生日\n\n[查看详情](https://crm.example/c/1/)"}}


def test_dingtalk_markdown_has_a_title_and_text():
    body = webhooks.payload("dingtalk", MESSAGE)
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "关怀提醒"
    assert body["markdown"]["text"].startswith("### 关怀提醒\n\n张三明天生日")


def test_feishu_post_rich_text():
    assert webhooks.payload("feishu", MESSAGE) == {"msg_type": "post", "content": {"post": {"zh_cn": {
        "title": "关怀提醒",
        "content": [[{"tag": "text", "text": "张三明天生日"}],
                    [{"tag": "a", "text": "查看详情", "href": "https://crm.example/c/1/"}]]}}}}


def test_generic_json_carries_the_fields():
    assert webhooks.payload("json", MESSAGE) == {
        "id": 7, "kind": "care", "title": "关怀提醒", "body": "张三明天生日", "url": "https://crm.example/c/1/",
        "recipient": "li", "created_at": "2027-09-14T09:00:00+08:00"}


def test_dingtalk_signature_in_the_query_string(robot):
    result = webhooks.send("dingtalk", webhooks.build("dingtalk", robot.url + "?access_token=abc", "SECret",
                                                      MESSAGE, now=NOW))
    assert result.ok
    [got] = robot.received
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(got.path).query)
    assert query["access_token"] == ["abc"]
    assert query["timestamp"] == ["1800000000250"]
    expected = base64.b64encode(hmac.new(b"SECret", b"1800000000250\nSECret", hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert got.json["msgtype"] == "markdown"


def test_feishu_signature_in_the_body(robot):
    assert webhooks.send("feishu", webhooks.build("feishu", robot.url, "s3", MESSAGE, now=NOW)).ok
    body = robot.received[0].json
    assert body["timestamp"] == "1800000000"
    assert body["sign"] == base64.b64encode(hmac.new(b"1800000000\ns3", b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "post"


def test_generic_json_signature_header(robot):
    assert webhooks.send("json", webhooks.build("json", robot.url, "k", MESSAGE, now=NOW)).ok
    got = robot.received[0]
    digest = hmac.new(b"k", b"1800000000." + got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Kehu-Signature"] == f"sha256={digest}"


def test_without_a_secret_nothing_is_signed(robot):
    assert webhooks.send("wecom", webhooks.build("wecom", robot.url, "", MESSAGE, now=NOW)).ok
    got = robot.received[0]
    assert got.path == "/hook" and "sign" not in got.json


@pytest.mark.parametrize("status,answer,ok", [
    (200, '{"errcode": 0, "errmsg": "ok"}', True),
    (200, '{"errcode": 310000, "errmsg": "sign not match"}', False),  # robots answer 200 with an error code
    (200, "not json", False),
    (500, "boom", False),
])
def test_the_robot_answer_decides(robot, status, answer, ok):
    robot.answers.append((status, answer))
    result = webhooks.send("dingtalk", webhooks.build("dingtalk", robot.url, "", MESSAGE, now=NOW))
    assert result.ok is ok
    assert str(status) in result.detail


def test_an_unreachable_robot_is_a_failure_not_an_exception():
    result = webhooks.send("json", webhooks.build("json", "http://127.0.0.1:9/hook", "", MESSAGE, now=NOW))
    assert not result.ok and "refused" in result.detail.lower()


def test_a_saved_url_is_shown_masked():
    assert webhooks.mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef1234") == \
        "https://qyapi.weixin.qq.com/…1234"
