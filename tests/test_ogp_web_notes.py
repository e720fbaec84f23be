"""Membership (M), locality (K) and second-version (slug) records of the OGP page notes.

scripts/gen_ogp_web_plans.py turns the notes in scripts/ogp-web-plans.txt and
scripts/ogp-web-notes/*.txt into one TriG file per page; these tests parse notes and the TriG
the script renders from them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpkg.contrib.ingest import read_input
from ogpkg.namespaces import ID, PREFIXES
from tests.script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
pages = load_script(ROOT / "scripts" / "gen_ogp_web_plans.py", "gen_ogp_web_plans")

PAGE = "P https://www.opengovpartnership.org/members/x/ | X | en\n"


PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()) + (
    f"PREFIX membership: <{ID}membership/>\nPREFIX place: <{ID}place/>\n")


def rendered(notes: str):  # type: ignore[no-untyped-def]
    [page] = pages.parse(notes)
    return read_input(pages.render(page).encode(), "page.trig", max_bytes=100_000,
                      max_literal_bytes=10_000).dataset


def ask(ds, query: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(ds.ask(PROLOGUE + query))


def test_membership_is_named_by_the_year_and_dated_as_precisely_as_the_page() -> None:
    ds = rendered(PAGE + "G FR | Government of France\nM FR | national | 2014-04\n")
    assert ask(ds, "ASK { membership:FR-ogp-2014 org:member gov:FR ; "
               "org:memberDuring/time:hasBeginning/time:inXSDgYearMonth "
               "\"2014-04\"^^xsd:gYearMonth }")


def test_a_status_only_page_names_the_membership_by_the_year_another_page_gives() -> None:
    ds = rendered(PAGE + "G LU | Government of Luxembourg\n"
                  "M LU | national |  |  | withdrawn |  | 2016\n")
    assert ask(ds, "ASK { membership:LU-ogp-2016 ogp:membershipStatus ?s . "
               "FILTER NOT EXISTS { membership:LU-ogp-2016 org:memberDuring ?d } }")


def test_a_page_giving_another_year_keeps_the_membership_another_page_named() -> None:
    ds = rendered(PAGE + "G GH | Government of Ghana\nM GH | national | 2011 |  |  |  | 2012\n")
    assert ask(ds, "ASK { membership:GH-ogp-2012 org:memberDuring/time:hasBeginning/"
               "time:inXSDgYear \"2011\"^^xsd:gYear }")


def test_locality_government_governs_its_registered_place() -> None:
    ds = rendered(PAGE + "K AM-L0001 |  | Gyumri\nG AM-L0001 | Gyumri, Armenia\n"
                  "M AM-L0001 | local |  | local-2020\n")
    assert ask(ds, "ASK { gov:AM-L0001 a ogp:LocalGovernment ; "
               "ogp:governs place:AM-L0001 . place:AM-L0001 a ogp:Locality ; "
               "dcterms:identifier \"AM-L0001\" . membership:AM-L0001-ogp-lp-2020 "
               "org:organization ?lp }")


def test_a_second_version_of_a_page_takes_its_own_slug() -> None:
    [page] = pages.parse("P https://www.opengovpartnership.org/members/bulgaria/ | Bulgaria | en"
                         " | older version | members-bulgaria-2016-2018\n")
    assert page.slug == "members-bulgaria-2016-2018"


@pytest.mark.parametrize(("notes", "message"), [
    ("G AM-L0001 | Gyumri\n", "line 2: locality AM-L0001 has no K line before its G line"),
    ("M FR | national | 2014\n", "line 2: government FR has no G line"),
    ("G FR-75C | Paris\nM FR-75C | national | 2016\n",
     "line 3: a national member is a country, not 'FR-75C'"),
    ("G FR | France\nM FR | national | April 2014\n",
     "line 3: joined 'April 2014' is not YYYY, YYYY-MM or YYYY-MM-DD"),
    ("G FR | France\nM FR | national | 2014 |  | gone\n",
     "line 3: status 'gone' is not one of active, inactive, withdrawn"),
    ("G FR | France\nM FR | national\n",
     "line 3: membership of FR needs a joining date, a cohort or a status"),
    ("G FR | France\nM FR | national | 2014 |  |  |  | 14\n",
     "line 3: year naming the membership '14' is not a year"),
    ("K AM-0001 |  | Gyumri\n", "line 2: a locality needs a code XX-Lnnnn and a name"),
])
def test_bad_notes_are_refused_with_their_line(notes: str, message: str) -> None:
    with pytest.raises(pages.NotesError, match=message):
        pages.parse(PAGE + notes)
