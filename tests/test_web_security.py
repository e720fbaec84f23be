"""Pages over real HTTP against a store with hostile data: every HTML response carries the
security headers, IRIs from the data become links only when they are http(s), labels are
isolated from the text around them, and the query page talks only to its own endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.hostile_data import PAGE, RLO_LABEL, hostile_store
from tests.http_server import running


@pytest.fixture(scope="module")
def client(built_dir: Path, built_settings: Settings,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    data_dir = hostile_store(built_dir, tmp_path_factory.mktemp("hostile") / "var")
    settings = replace(built_settings, data_dir=data_dir, query_workers=2)
    with running(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as c:
        yield c


class _Links(HTMLParser):
    """Every href/src/action in a page, and the text of <bdi> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.bdi: list[str] = []
        self._in_bdi = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction") and value is not None:
                self.urls.append(value)
        if tag == "bdi" or (tag != "html" and ("dir", "auto") in attrs):
            self._in_bdi += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "bdi" and self._in_bdi:
            self._in_bdi -= 1

    def handle_data(self, data: str) -> None:
        if self._in_bdi:
            self.bdi.append(data)


def parse(text: str) -> _Links:
    p = _Links()
    p.feed(text)
    return p


HTML_PATHS = ["/", "/query", "/docs", PAGE, PAGE + "?lang=ar", "/def/NationalGovernment",
              "/contribute", "/graph/hostile"]


@pytest.mark.parametrize("path", HTML_PATHS)
def test_every_html_page_has_the_security_headers(client: httpx.Client, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("referrer-policy") == "no-referrer"
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", r.text), \
        "an inline script the policy would block"


@pytest.mark.parametrize("path", ["/", PAGE, PAGE + "?lang=fr", "/graph/hostile",
                                  "/id/source/hostile"])
def test_links_go_only_to_http_or_local_addresses(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    for url in parse(r.text).urls:
        assert re.match(r"(https?://|/(?![/\\])|#|\?)", url), f"{path}: link to {url!r}"
    assert "pwned" in r.text or path == "/graph/hostile"  # shown as text, not as a link


def test_hostile_iris_are_shown_as_text(client: httpx.Client) -> None:
    r = client.get(PAGE)
    assert "javascript:window.__pwned=1" in r.text
    assert "data:text/html;base64," in r.text


def test_labels_and_values_are_isolated_from_the_text_around_them(client: httpx.Client) -> None:
    for path in (PAGE, "/"):
        page = parse(client.get(path).text)
        assert any(RLO_LABEL in text for text in page.bdi), f"{path}: label not in <bdi>"


def test_query_page_refuses_other_endpoints_by_default(client: httpx.Client) -> None:
    r = client.get("/query", params={"endpoint": "https://evil.example/sparql"})
    csp = r.headers["content-security-policy"]
    assert re.search(r"connect-src 'self'(;|$)", csp), csp
    assert '"endpoints": []' in r.text


def test_query_page_may_talk_to_configured_endpoints(built_settings: Settings) -> None:
    settings = replace(built_settings, query_workers=1,
                       ui_endpoints="https://query.example.org/sparql")
    with running(create_app(settings)) as url:
        r = httpx.get(url + "/query", timeout=60)
    assert "connect-src 'self' https://query.example.org/sparql;" in \
        r.headers["content-security-policy"]
    assert '"endpoints": ["https://query.example.org/sparql"]' in r.text
