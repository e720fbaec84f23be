"""Action plans, commitments and IRM ratings read from OGP's pages, and the coverage table.

The files data/ogp-web/<page>.trig for plans and commitments are written from
scripts/ogp-web-plans.txt by scripts/gen_ogp_web_plans.py; data/README.md carries a coverage
table written by scripts/gen_coverage.py. Both must be equal to a fresh generation. The counts
the acceptance of issue 13 asks for are printed (run with -s to see them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from ogpkg.namespaces import ID
from ogpkg.store import MemoryDataset
from tests.script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
coverage = load_script(ROOT / "scripts" / "gen_coverage.py", "gen_coverage")
pages = load_script(ROOT / "scripts" / "gen_ogp_web_plans.py", "gen_ogp_web_plans")

PLAN = ID + "plan/"
GRAPH_WEB = "https://w3id.org/ogp-kg/graph/ogp-web-"


@pytest.fixture(scope="module")
def bundled() -> MemoryDataset:
    return coverage.load_bundled(ROOT)


def test_counts_of_plans_and_commitments_are_printed(bundled: MemoryDataset) -> None:
    total = coverage.counts(bundled)
    print(f"\naction plans: {total['plans']}, with a period: {total['datedPlans']}; "
          f"commitments: {total['commitments']}, with an OGP identifier: "
          f"{total['identifiedCommitments']}; OGP pages stating plans or commitments: "
          f"{total['pages']}")
    assert total["datedPlans"] >= 100
    assert total["identifiedCommitments"] >= 55
    assert total["pages"] >= 100


def test_coverage_table_in_data_readme_is_a_fresh_generation(bundled: MemoryDataset) -> None:
    readme = coverage.README.read_text(encoding="utf-8")
    assert coverage.splice(readme, coverage.table(bundled)) == readme, (
        "data/README.md: coverage table out of date; run python scripts/gen_coverage.py")


def test_coverage_table_has_a_row_per_country_and_level(bundled: MemoryDataset) -> None:
    lines = coverage.table(bundled).splitlines()
    assert "| MA | local |" in "\n".join(lines)
    assert any(line.startswith("| MX | national | ") for line in lines)
    assert lines[-1].startswith("| **all** |")


def test_splice_refuses_a_readme_without_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        coverage.splice("# no table here\n", "| x |\n")


def test_ogp_web_plan_files_are_written_from_the_notes() -> None:
    assert pages.main(["--check"]) == 0


def test_notes_with_an_unknown_record_are_refused_with_their_line() -> None:
    notes = "P https://www.opengovpartnership.org/documents/x/ | X | en\nZ something\n"
    with pytest.raises(pages.NotesError, match="line 2: unknown record 'Z'"):
        pages.parse(notes)


def test_notes_name_a_plan_government_before_use() -> None:
    notes = ("P https://www.opengovpartnership.org/documents/x/ | X | en\n"
             "L XX-2020 | national | XX | 2020 | 2022\n")
    with pytest.raises(pages.NotesError, match="line 2: government XX has no G line"):
        pages.parse(notes)


def _ends(ds: MemoryDataset, plan: str, graph: str) -> list[str]:
    rows = ds.select(f"""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX time: <http://www.w3.org/2006/time#>
        SELECT ?end WHERE {{ GRAPH <{GRAPH_WEB}{graph}> {{
            <{PLAN}{plan}> dcterms:temporal/time:hasEnd/time:inXSDgYear ?end }} }}""")
    return sorted(str(row["end"]) for row in rows)


def test_each_page_keeps_its_own_period_of_mexicos_fourth_plan(bundled: MemoryDataset) -> None:
    assert _ends(bundled, "MX-2019", "documents-mexico-design-report-2019-2021") == ["2021"]
    assert _ends(bundled, "MX-2019", "documents-mexico-results-report-2019-2022") == ["2022"]


def test_commitment_page_gives_id_plan_and_irm_early_results(bundled: MemoryDataset) -> None:
    rows = bundled.select(f"""
        PREFIX ogp: <https://w3id.org/ogp-kg/def/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?id ?plan ?rating WHERE {{
          GRAPH <{GRAPH_WEB}members-north-macedonia-commitments-mk0103> {{
            ?c dcterms:identifier ?id ; ogp:inActionPlan ?plan ;
               ogp:hasAssessment/ogp:rating ?rating }} }}""")
    assert [(row["id"], row["plan"], row["rating"]) for row in rows] == [
        (Literal("MK0103"), URIRef(PLAN + "MK-2016"),
         URIRef("https://w3id.org/ogp-kg/concept/rating/did-not-change"))]
