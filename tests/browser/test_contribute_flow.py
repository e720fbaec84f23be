"""The contribution flow in a real browser: upload a CSV template, read the report, follow
its links, download it, publish with the token; and no serious accessibility violation on
the upload and report pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import TOKEN

pytestmark = pytest.mark.browser

BAD = Path(__file__).resolve().parent.parent / "bad_inputs"
CONFORMING = ("commitment_id,plan_id,title_en,title_fr,start_date,end_date\n"
              "MOBROWSER1,MA-2018,A browser test,Un test de navigateur,2019-01,2020-06\n")


def _upload(page, site: str, path: Path, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site}/contribute?lang={lang}")
    page.set_input_files("#file", str(path))
    page.select_option("#lang", lang)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/contribute/*?lang=*")


def test_non_conforming_csv_shows_the_expected_messages(page, site: str) -> None:  # type: ignore[no-untyped-def]
    _upload(page, site, BAD / "shacl-commitment-unknown-plan.csv", "fr")
    summary = page.locator("p.summary")
    assert "non conforme" in summary.inner_text()
    assert "2 violation(s)" in summary.inner_text()
    rules = page.locator("section.rule")
    assert rules.count() == 2
    text = page.locator("main").inner_text()
    assert "Un engagement doit appartenir à exactement un plan d'action" in text
    assert "shacl-commitment-unknown-plan.csv ligne 2" in text
    assert "ne peut pas être publié" in text
    # the focus node links to its page in the dataset, the property to its documentation
    page.locator("section.rule a[href='/def/inActionPlan?lang=fr']").first.click()
    page.wait_for_url("**/def/inActionPlan?lang=fr")
    assert page.locator("h1").inner_text()


def test_report_page_in_arabic_is_right_to_left_and_downloads(page, site: str) -> None:  # type: ignore[no-untyped-def]
    _upload(page, site, BAD / "shacl-commitment-unknown-plan.csv", "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "غير مطابق" in page.locator("p.summary").inner_text()
    with page.expect_download() as info:
        page.locator("a[href*='/report.json']").click()
    report = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert report["conforms"] is False and report["lang"] == "ar"


def test_unreadable_csv_names_the_row(page, site: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site}/contribute")
    page.set_input_files("#file", str(BAD / "plans-many-errors.csv"))
    page.locator("form button[type=submit]").click()
    alert = page.locator("[role=alert]")
    alert.wait_for()
    assert "could not be read" in alert.inner_text()
    assert page.locator("table tbody tr").count() >= 2  # one row per problem


def test_conforming_csv_is_published_with_the_token(page, writable_site: str,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(CONFORMING, encoding="utf-8")
    _upload(page, writable_site, path)
    assert "conforms" in page.locator("p.summary").inner_text()
    page.fill("#contributor", "Browser Tester")
    page.fill("#token", TOKEN)
    page.locator("form[action$='/publish'] button").click()
    done = page.locator("p.done")
    done.wait_for()
    assert "Published as graph" in done.inner_text()
    done.locator("a").click()
    page.wait_for_url("**/graph/contribution/**")
    assert page.locator("h1").inner_text()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_serious_accessibility_violation_on_the_flow(page, site: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site}/contribute?lang={lang}")
    assert axe_violations(page) == []
    _upload(page, site, BAD / "shacl-commitment-unknown-plan.csv", lang)
    assert axe_violations(page) == []
