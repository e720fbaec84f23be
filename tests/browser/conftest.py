"""Browser fixtures: Debian's chromium driven by Playwright, against a real server on
127.0.0.1. Every request that would leave the machine is blocked and recorded; a test fails
if a page tried one. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.http_server import running

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = _chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; .ci/run installs Debian's chromium")
        pytest.skip("no chromium on this machine (apt-get install chromium); CI runs these")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(built_settings: Settings) -> Iterator[str]:
    with running(create_app(replace(built_settings, query_workers=2))) as url:
        yield url


@pytest.fixture(scope="module")
def writable_site(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[str]:
    """A server over a private copy of the store, with the write token."""
    from tests.conftest import TOKEN, copy_store

    data_dir = copy_store(built_settings.data_dir, tmp_path_factory.mktemp("web") / "var")
    settings = replace(built_settings, data_dir=data_dir, write_token=TOKEN, query_workers=2)
    with running(create_app(settings)) as url:
        yield url


@pytest.fixture()
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    # bypass_csp: axe-core is injected as an inline script, which the pages' policy forbids
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    pg = context.new_page()
    leaving: list[str] = []

    def guard(route, req) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(req.url).hostname or ""
        if req.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            leaving.append(req.url)
            route.abort()

    pg.route("**/*", guard)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_[]." else "_" for c in request.node.name)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert leaving == [], f"requests that would leave the machine: {leaving}"


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Serious and critical accessibility violations axe-core finds on the page."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
