"""Hostile data in a real browser (Debian's chromium via Playwright), with the pages' own
Content-Security-Policy in force: clicking every link of a resource page whose data holds
``javascript:`` and ``data:`` IRIs runs no script, a right-to-left override in a label stays
inside its label, every HTML response carries the policy, and the query page works under it
and sends queries only to its own endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.hostile_data import PAGE, RLO_LABEL, hostile_store
from tests.http_server import running

pytestmark = pytest.mark.browser

#: how a page reports script that ran: a dialog, or the flag the hostile IRIs set
RAN = "() => window.__pwned !== undefined"


@pytest.fixture(scope="module")
def hostile_site(built_dir: Path, built_settings: Settings,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = hostile_store(built_dir, tmp_path_factory.mktemp("hostile") / "var")
    with running(create_app(replace(built_settings, data_dir=data_dir,
                                    query_workers=2))) as url:
        yield url


def ran(page) -> bool:  # type: ignore[no-untyped-def]
    """Whether script set the flag, once any navigation the click started has settled."""
    from playwright.sync_api import Error

    for _ in range(20):
        page.wait_for_timeout(100)
        try:
            page.wait_for_load_state()
            return bool(page.evaluate(RAN))
        except Error:  # the page navigated while we looked
            continue
    raise AssertionError("the page never settled after the click")


class Watch:
    """What a browser context saw: dialogs, HTML responses without a policy, policy
    violations, and requests that would have left the machine."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.no_policy: list[str] = []
        self.html_pages = 0
        self.leaving: list[str] = []
        self.violations: list[str] = []


@pytest.fixture()
def strict(browser) -> Iterator[tuple[object, Watch]]:  # type: ignore[no-untyped-def]
    """A page with the site's Content-Security-Policy in force (no bypass)."""
    context = browser.new_context(locale="en-GB")
    watch = Watch()
    context.expose_binding("__violation", lambda _source, text: watch.violations.append(text))
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "window.__violation(e.violatedDirective + ' ' + e.blockedURI));")
    page = context.new_page()

    def guard(route, req) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(req.url).hostname or ""
        if req.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            watch.leaving.append(req.url)
            route.abort()

    def on_response(response) -> None:  # type: ignore[no-untyped-def]
        if response.headers.get("content-type", "").startswith("text/html"):
            watch.html_pages += 1
            if "content-security-policy" not in response.headers:
                watch.no_policy.append(response.url)

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.route("**/*", guard)
    page.on("response", on_response)
    page.on("dialog", on_dialog)
    yield page, watch
    context.close()


def test_clicking_every_link_runs_no_script(strict, hostile_site: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = strict
    page.goto(hostile_site + PAGE)
    targets = page.locator("main a, main bdi.nolink")
    count = targets.count()
    assert count >= 10
    assert page.locator("a[href^='javascript:' i], a[href^='data:' i]").count() == 0
    assert "javascript:window.__pwned=1" in page.content()  # shown, as text
    for i in range(count):
        page.goto(hostile_site + PAGE)
        target = page.locator("main a, main bdi.nolink").nth(i)
        target.click(timeout=5_000, no_wait_after=True)
        assert not ran(page), f"script ran after clicking link {i}"
    assert watch.dialogs == []
    assert watch.html_pages >= count and watch.no_policy == []


def test_home_page_links_run_no_script(strict, hostile_site: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = strict
    page.goto(hostile_site + "/")
    hostile = page.get_by_text("AAA hostile government")
    hostile.click(timeout=5_000, no_wait_after=True)
    assert not ran(page) and watch.dialogs == []
    assert page.url.rstrip("/") == hostile_site


def test_override_character_stays_inside_its_label(strict, hostile_site: str) -> None:  # type: ignore[no-untyped-def]
    page, _ = strict
    page.goto(hostile_site + PAGE)
    isolated = page.evaluate("""() => [...document.querySelectorAll('bdi')]
        .filter(b => getComputedStyle(b).unicodeBidi === 'isolate')
        .map(b => b.textContent)""")
    assert RLO_LABEL in isolated
    assert page.locator("h1 bdi").inner_text().startswith("Evil")


def test_query_page_works_under_the_policy_and_ignores_a_foreign_endpoint(  # type: ignore[no-untyped-def]
        strict, hostile_site: str) -> None:
    page, watch = strict
    page.goto(hostile_site + "/query?endpoint=https://evil.example/sparql"
              "&query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20%3Fo%20%7D%20LIMIT%203")
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for(timeout=20_000)
    page.locator("button[data-example='national-action-plans-by-country']").click()
    page.wait_for_timeout(500)
    assert watch.leaving == [], watch.leaving
    assert watch.violations == [], watch.violations
    assert watch.no_policy == []


def test_api_docs_work_under_the_policy(strict, hostile_site: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = strict
    page.goto(hostile_site + "/docs")
    page.locator(".opblock").first.wait_for(timeout=20_000)
    assert page.locator(".opblock").count() >= 5
    assert watch.leaving == [] and watch.violations == [] and watch.no_policy == []
