"""Webhook formats of the notification channel: WeCom, DingTalk and Feishu group robots, and generic JSON.

Pure payload building and signing, and one ``post`` over HTTP(S). The payloads are the robots' documented
JSON:

- WeCom (企业微信群机器人): ``{"msgtype": "markdown", "markdown": {"content": "..."}}``; success is
  ``{"errcode": 0}``.
- DingTalk (钉钉自定义机器人): ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``; with a
  signing secret the URL gets ``timestamp`` (milliseconds) and ``sign`` = base64(HMAC-SHA256(key=secret,
  msg="{timestamp}\\n{secret}")), URL-encoded; success is ``{"errcode": 0}``.
- Feishu (飞书自定义机器人): ``{"msg_type": "post", "content": {"post": {"zh_cn": {"title", "content"}}}}``;
  with a signing secret the body gets ``timestamp`` (seconds) and ``sign`` = base64(HMAC-SHA256(key=
  "{timestamp}\\n{secret}", msg="")); success is ``{"code": 0}``.
- Generic JSON: the notification's fields; with a secret, header ``X-Kehu-Signature: sha256=<hex HMAC of
  the body>`` and ``X-Kehu-Timestamp``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FORMATS = {
    "wecom": gettext_lazy("企业微信群机器人"),
    "dingtalk": gettext_lazy("钉钉自定义机器人"),
    "feishu": gettext_lazy("飞书自定义机器人"),
    "json": gettext_lazy("通用 JSON"),
}
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    title: str
    body: str
    url: str = ""  # absolute, or empty
    recipient: str = ""
    created_at: str = ""  # ISO 8601


@dataclass(frozen=True)
class Request:
    url: str
    body: bytes
    headers: dict


@dataclass(frozen=True)
class Result:
    ok: bool
    detail: str  # the status and the robot's answer, or the error, for the delivery log


def _markdown(message: Message) -> str:
    lines = [f"### {message.title}", "", message.body]
    if message.url:
        lines += ["", f"[{_('查看详情')}]({message.url})"]
    return "\n".join(lines).strip()


def payload(fmt: str, message: Message) -> dict:
    if fmt == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": _markdown(message)}}
    if fmt == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": message.title, "text": _markdown(message)}}
    if fmt == "feishu":
        content = [[{"tag": "text", "text": message.body}]]
        if message.url:
            content.append([{"tag": "a", "text": _("查看详情"), "href": message.url}])
        return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": message.title, "content": content}}}}
    if fmt == "json":
        return asdict(message)
    raise ValueError(f"unknown webhook format: {fmt}")


def _hmac_b64(key: str, msg: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), msg.encode(), hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    return _hmac_b64(secret, f"{timestamp_ms}\n{secret}")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    return _hmac_b64(f"{timestamp_s}\n{secret}", "")


def build(fmt: str, url: str, secret: str, message: Message, *, now: float) -> Request:
    """The HTTP request for ``message`` (``now``: Unix time in seconds, for the signatures)."""
    body = payload(fmt, message)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if secret and fmt == "dingtalk":
        stamp = int(now * 1000)
        query = urllib.parse.urlencode({"timestamp": stamp, "sign": dingtalk_sign(secret, stamp)})
        url = f"{url}{'&' if '?' in url else '?'}{query}"
    elif secret and fmt == "feishu":
        stamp = int(now)
        body = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **body}
    data = json.dumps(body, ensure_ascii=False).encode()
    if secret and fmt == "json":
        stamp = str(int(now))
        digest = hmac.new(secret.encode(), stamp.encode() + b"." + data, hashlib.sha256).hexdigest()
        headers |= {"X-Kehu-Timestamp": stamp, "X-Kehu-Signature": f"sha256={digest}"}
    return Request(url, data, headers)


def _answer_ok(fmt: str, text: str) -> bool:
    """The robots answer HTTP 200 with an error code in the body; generic JSON trusts the status."""
    if fmt == "json":
        return True
    try:
        answer = json.loads(text)
    except ValueError:
        return False
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode"))) if isinstance(answer, dict) else None
    return code == 0


def send(fmt: str, request: Request) -> Result:
    http = urllib.request.Request(request.url, data=request.body, headers=request.headers, method="POST")
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (admin-set URL)
            text = response.read(2000).decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as exc:
        return Result(False, f"HTTP {exc.code}: {exc.read(500).decode('utf-8', 'replace')}")
    except (urllib.error.URLError, OSError) as exc:
        return Result(False, str(getattr(exc, "reason", exc)))
    return Result(_answer_ok(fmt, text), f"HTTP {status}: {text[:500]}")


def mask_url(url: str) -> str:
    """What a page shows of a saved webhook URL: scheme and host, and the last four characters."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…{url[-4:]}" if parts.netloc else "…"
