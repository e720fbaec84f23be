"""The pages in a real browser (Debian's chromium via Playwright), with every request that
would leave the machine blocked: queries run and show rows, the result view switches, pages
speak Arabic right-to-left, links between plans, governments and commitments work, and
axe-core finds no serious accessibility violation."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

OGP = "https://w3id.org/ogp-kg/def/"


def test_example_query_runs_and_shows_rows(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + "/query")
    page.locator("button[data-example='national-action-plans-by-country']").click()
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert rows.count() >= 3
    # the first page of rows, in the query's order (by country code)
    assert "AL" in page.locator(".yasr table").inner_text()


def test_result_view_switches_to_the_raw_response(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + "/query")
    page.locator("button[data-example='moroccan-region-labels']").click()
    page.locator(".yasr table tbody tr").first.wait_for(timeout=20_000)
    page.locator(".yasr .select_response").click()
    raw = page.locator(".yasr .CodeMirror, .yasr pre").first
    raw.wait_for(timeout=10_000)
    assert '"head"' in page.locator(".yasr").inner_text()
    # the downloads list offers every SELECT format
    links = page.locator("#downloads a")
    assert sorted(links.all_inner_texts()) == ["csv", "json", "tsv", "xml"]


def test_query_from_a_shared_link_runs(page, site: str) -> None:  # type: ignore[no-untyped-def]
    q = f"SELECT ?plan WHERE {{ ?plan a <{OGP}NationalActionPlan> }} ORDER BY ?plan"
    page.goto(site + "/query?" + urlencode({"query": q}))
    page.locator(".yasr table tbody tr").first.wait_for(timeout=20_000)
    assert page.locator(".yasr table tbody tr").count() >= 3


def test_government_page_in_arabic_is_right_to_left(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + "/id/government/MA?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    direction = page.evaluate("getComputedStyle(document.querySelector('h1')).direction")
    assert direction == "rtl"


def test_plan_page_links_to_a_government(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + "/id/government/MA")
    plan = page.locator("a[href^='/id/plan/']").first
    plan.click()
    page.wait_for_url("**/id/plan/**")
    page.locator("a[href='/id/government/MA']").first.click()
    page.wait_for_url("**/id/government/MA")
    assert page.locator("h1").inner_text()


def test_home_page_runs_an_example_in_one_click(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + "/")
    page.locator("a[href='/query#ogp-local-members-morocco']").click()
    page.locator(".yasr table tbody tr").first.wait_for(timeout=20_000)
    assert page.locator(".yasr table tbody tr").count() >= 1


@pytest.mark.parametrize("path", ["/", "/query", "/id/government/MA",
                                  "/id/government/MA?lang=ar", "/def/ActionPlan"])
def test_no_serious_accessibility_violation(page, site: str, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(site + path)
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
