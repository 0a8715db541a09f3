"""SECURITY.md PI-8: no outbound calls. No page a manager or an administrator can reach, and no
template or static file of ours, points the browser at another site (no CDN, fonts, analytics)."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

import kehu

pytestmark = [pytest.mark.req("SEC-9")]

MAX_PAGES = 100
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?//", re.I)  # http://, https://, //host, ftp://…
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)", re.I)
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset", "hx-get", "hx-post",
                  "hx-put", "hx-patch", "hx-delete", "manifest", "background"}
# Never followed by the crawler: leaving, or not pages.
NOT_CRAWLED = ("/logout/", "/static/", "/api/", "/i18n/")


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (attribute, value)
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                values = [v.strip().split(" ")[0] for v in value.split(",")] if name == "srcset" else [value]
                self.urls += [(f"{tag}[{name}]", v) for v in values]
            elif name == "style":
                self.urls += [(f"{tag}[style]", v) for v in CSS_URL.findall(value)]

    def handle_data(self, data):
        if self.in_style:
            self.urls += [("style", v) for v in CSS_URL.findall(data)]

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False


def crawl(client) -> dict[str, list[tuple[str, str]]]:
    """GET every same-site page reachable from the home page; returns page → URLs found on it."""
    found: dict[str, list[tuple[str, str]]] = {}
    queue = ["/"]
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        if path in found:
            continue
        response = client.get(path)  # error pages are pages too: their HTML is checked as well
        if not response.get("Content-Type", "").startswith("text/html"):
            found[path] = []
            continue
        parser = LinkParser()
        parser.feed(response.content.decode())
        found[path] = parser.urls
        for attribute, url in parser.urls:
            if not attribute.startswith("a[") or EXTERNAL.match(url):
                continue
            target = urlsplit(urljoin(path, url))
            if target.scheme in ("", "http") and target.path and not target.path.startswith(NOT_CRAWLED):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["general_manager", "system_admin"])
def test_reachable_pages_point_nowhere_else(role, make_user, login):
    client = login(make_user(role))
    client.raise_request_exception = False
    pages = crawl(client)
    assert "/" in pages and len(pages) >= 2
    outside = [(page, attribute, url) for page, urls in pages.items() for attribute, url in urls if EXTERNAL.match(url)]
    assert outside == []


def test_the_checker_catches_external_urls():
    parser = LinkParser()
    parser.feed('<link href="https://cdn.example.com/x.css"><img srcset="//cdn.example/a.png 1x">'
                '<div style="background: url(http://x.example/a.png)"></div><p>https://example.com as text</p>')
    assert [url for _attribute, url in parser.urls if EXTERNAL.match(url)] == [
        "https://cdn.example.com/x.css", "//cdn.example/a.png", "http://x.example/a.png"]


# In our own files: an external URL in a src/href/url() (or loaded by @import). xmlns declarations
# and links inside comments (documentation, licence headers) are not requests.
SOURCE_REFERENCE = re.compile(
    r"""(?:\b(?:src|href|action)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", re.I)
COMMENTS = re.compile(r"<!--.*?-->|/\*.*?\*/|\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)


def test_templates_and_static_files_reference_no_other_site():
    root = Path(kehu.__file__).parent
    offenders = []
    for path in root.rglob("*"):
        if path.suffix not in {".html", ".txt", ".css", ".js", ".svg", ".xml"} or not path.is_file():
            continue
        if "templates" not in path.parts and "static" not in path.parts:
            continue
        text = COMMENTS.sub("", path.read_text(encoding="utf-8", errors="replace"))
        offenders += [f"{path.relative_to(root)}: {m.group(0)}" for m in SOURCE_REFERENCE.finditer(text)]
    assert offenders == []


def test_the_file_check_catches_references_but_not_namespaces_or_comments():
    caught = '<script src="https://cdn.example/x.js"></script> a { background: url(//x.example/a.png) } @import "http://f.example/c.css";'
    harmless = ('<svg xmlns="http://www.w3.org/2000/svg"></svg><!-- see https://getbootstrap.com -->'
                '/* https://example.com licence */ {# https://docs.example #}')
    assert len(SOURCE_REFERENCE.findall(COMMENTS.sub("", caught))) == 3
    assert SOURCE_REFERENCE.findall(COMMENTS.sub("", harmless)) == []
