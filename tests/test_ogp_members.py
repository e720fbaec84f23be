"""OGP members, OGP Local members and Steering Committee seats in the bundled data.

Counts over the bundled data are pinned (and printed, ``pytest -s``) so that a change to the
member data is a deliberate one; the locality registry, the member pages' provenance and the
members / steering-committee-seats CSV templates are checked here too.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from ogpkg.contrib.ingest import read_input
from ogpkg.errors import InputError
from ogpkg.namespaces import ID, PREFIXES
from ogpkg.store import MemoryDataset

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "data" / "registry" / "localities.csv"

PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()) + (
    f"PREFIX membership: <{ID}membership/>\nPREFIX place: <{ID}place/>\n"
    f"PREFIX cohort: <{PREFIXES['concept']}cohort/>\n"
    f"PREFIX mstatus: <{PREFIXES['concept']}membership-status/>\n")

#: minimum counts over the bundled data; raise them when members are added
NATIONAL_MEMBERS = 81
LOCAL_MEMBERS = 48
STEERING_COMMITTEE_SEATS = 66
CIVIL_SOCIETY_SEATS = 26


def count(ds: MemoryDataset, where: str) -> int:
    rows = ds.select(PROLOGUE + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")
    return int(rows[0]["n"])  # type: ignore[call-overload]


def codes(ds: MemoryDataset, query: str) -> set[str]:
    return {str(r["x"]).rsplit("/", 1)[1] for r in ds.select(PROLOGUE + query)}


# --------------------------------------------------------------------------- counts

NATIONAL = ("?m org:member ?x ; org:organization agency:ogp ; org:role role:national-member . "
            "?x a ogp:NationalGovernment .")
LOCAL = ("?m org:member ?x ; org:organization agency:ogp-lp ; org:role role:local-member . "
         "?x a ogp:LocalGovernment .")
SEATS = "?x org:organization agency:ogp-sc ; ogp:seat ?seat ."


def test_member_and_seat_counts_reach_their_pins(dataset: MemoryDataset) -> None:
    national = count(dataset, NATIONAL)
    local = count(dataset, LOCAL)
    seats = count(dataset, SEATS)
    civil = count(dataset, SEATS + " FILTER (?seat = role:civil-society-seat)")
    print(f"\nnational members with an OGP membership: {national}\n"
          f"local members with an OGP Local membership: {local}\n"
          f"steering-committee seats (terms): {seats}, of which civil society: {civil}")
    assert national >= NATIONAL_MEMBERS
    assert local >= LOCAL_MEMBERS
    assert seats >= STEERING_COMMITTEE_SEATS
    assert civil >= CIVIL_SOCIETY_SEATS


def test_every_national_membership_says_when_it_began_or_ended(dataset: MemoryDataset) -> None:
    undated = codes(dataset, "SELECT DISTINCT ?x WHERE { ?x org:organization agency:ogp ; "
                    "org:role role:national-member . FILTER NOT EXISTS { ?x org:memberDuring "
                    "?i } FILTER NOT EXISTS { ?x ogp:attestedOn ?d } }")
    assert undated == set()


def test_every_local_membership_has_a_joining_date_or_a_cohort(dataset: MemoryDataset) -> None:
    undated = codes(dataset, "SELECT DISTINCT ?x WHERE { ?x org:organization agency:ogp-lp ; "
                    "org:role role:local-member . FILTER NOT EXISTS { ?x org:memberDuring/"
                    "time:hasBeginning ?b } FILTER NOT EXISTS { ?x ogp:cohort ?c } }")
    assert undated == set()


def test_the_fifteen_pioneers_form_the_2016_cohort(dataset: MemoryDataset) -> None:
    pioneers = codes(dataset, "SELECT DISTINCT ?x WHERE { ?m ogp:cohort cohort:local-2016 ; "
                     "org:member ?x }")
    assert len(pioneers) == 15
    assert {"GH-L0001", "KE-05", "GB-SCT", "KR-11", "US-L0001"} <= pioneers


def test_withdrawn_and_inactive_statuses_come_from_their_pages(dataset: MemoryDataset) -> None:
    rows = dataset.select(PROLOGUE + "SELECT ?m ?s ?g WHERE { GRAPH ?g { ?m ogp:membershipStatus "
                          "?s } } ORDER BY ?m ?s")
    found = {(str(r["m"]).rsplit("/", 1)[1], str(r["s"]).rsplit("/", 1)[1],
              str(r["g"]).rsplit("/", 1)[1]) for r in rows}
    news = "ogp-web-news-el-salvador-"
    assert ("SV-ogp-2011", "inactive",
            news + "declared-inactive-in-the-open-government-partnership") in found
    assert ("SV-ogp-2011", "withdrawn",
            news + "exits-international-partnership-on-open-government") in found
    assert ("TR-ogp-national-member", "withdrawn", "ogp-web-tag-turkey") in found


def test_civil_society_seats_are_held_by_people_and_government_seats_by_countries(
        dataset: MemoryDataset) -> None:
    wrong = codes(dataset, "SELECT DISTINCT ?x WHERE { ?x ogp:seat ?seat ; org:member ?who . "
                  "FILTER ((?seat = role:civil-society-seat && NOT EXISTS { ?who a foaf:Person })"
                  " || (?seat = role:government-seat && NOT EXISTS { ?who a "
                  "ogp:NationalGovernment })) }")
    assert wrong == set()


def test_germany_served_two_consecutive_terms(dataset: MemoryDataset) -> None:
    terms = codes(dataset, "SELECT DISTINCT ?x WHERE { ?x org:organization agency:ogp-sc ; "
                  "org:member gov:DE }")
    assert {"DE-ogp-sc-2019-10-01", "DE-ogp-sc-2022-10-01"} <= terms


# --------------------------------------------------------------------------- localities

def registry() -> list[dict[str, str]]:
    with REGISTRY.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_registry_codes_are_unique_serials_of_their_country() -> None:
    rows = registry()
    assert [r["code"] for r in rows] == sorted({r["code"] for r in rows}), "sorted, no repeats"
    for r in rows:
        assert re.fullmatch(r"[A-Z]{2}-L\d{4}", r["code"]), r["code"]
        assert r["code"][:2] == r["country"], r["code"]
        assert r["first_named_on"].startswith(("http://", "https://")), r["code"]


def test_every_locality_in_the_data_is_registered_and_every_registered_one_used(
        dataset: MemoryDataset) -> None:
    used = codes(dataset, "SELECT DISTINCT ?x WHERE { ?x a ogp:Locality }")
    assert used == {r["code"] for r in registry()}


def test_locality_iri_ends_with_its_registry_code(dataset: MemoryDataset) -> None:
    rows = dataset.select(PROLOGUE + "SELECT ?x ?code WHERE { ?x a ogp:Locality ; "
                          "dcterms:identifier ?code }")
    assert rows
    for r in rows:
        assert str(r["x"]) == f"{ID}place/{r['code']}"


def test_municipal_members_are_local_governments_of_localities(dataset: MemoryDataset) -> None:
    tetouan = dataset.select(PROLOGUE + "SELECT ?level WHERE { gov:MA-L0001 a "
                             "ogp:LocalGovernment ; ogp:governs ?p . ?p a ogp:Locality ; "
                             "ogp:adminLevel ?level ; schema:containedInPlace country:MA }")
    assert [str(r["level"]).rsplit("/", 1)[1] for r in tetouan] == ["municipality"]


# --------------------------------------------------------------------------- the plan gaps

def test_the_consortium_plan_is_one_plan_with_four_regional_governments(
        dataset: MemoryDataset) -> None:
    govs = codes(dataset, "SELECT DISTINCT ?x WHERE { plan:MA-02-2025 ogp:government ?x }")
    assert govs == {"MA-02", "MA-08", "MA-09", "MA-11"}
    assert codes(dataset, "SELECT DISTINCT ?x WHERE { ?x a ogp:ActionPlan . "
                 "FILTER (?x IN (plan:MA-08-2025, plan:MA-11-2025, plan:MA-01-2020)) }") == set()


def test_the_first_tanger_tetouan_al_hoceima_plan_carries_both_sources(
        dataset: MemoryDataset) -> None:
    graphs = codes(dataset, "SELECT DISTINCT ?x WHERE { GRAPH ?x { plan:MA-01-2021 "
                   "ogp:government gov:MA-01 } }")
    assert graphs == {"seed-002",
                      "ogp-web-documents-action-plan-tangier-tetouan-al-hoceima-morocco-2021-2026"}


# --------------------------------------------------------------------------- the templates

def read(text: str, name: str = "t.csv"):  # type: ignore[no-untyped-def]
    return read_input(text.encode(), name, max_bytes=100_000, max_literal_bytes=10_000)


def ask(parsed, query: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(parsed.dataset.ask(PROLOGUE + query))


def test_members_row_names_the_membership_by_year_joined_and_describes_the_locality() -> None:
    parsed = read("member,level,name_en,place_name,place_level,joined,cohort\n"
                  "MA-L0001,local,Commune de Tétouan,Tétouan,municipality,2022-05,local-2022\n")
    assert parsed.fmt == "csv:members"
    assert ask(parsed, "ASK { membership:MA-L0001-ogp-lp-2022 org:member gov:MA-L0001 ; "
               "org:organization agency:ogp-lp ; org:role role:local-member ; "
               "ogp:cohort cohort:local-2022 ; org:memberDuring/time:hasBeginning/"
               "time:inXSDgYearMonth \"2022-05\"^^xsd:gYearMonth . gov:MA-L0001 a "
               "ogp:LocalGovernment ; ogp:governs place:MA-L0001 . place:MA-L0001 a "
               "ogp:Locality ; dcterms:identifier \"MA-L0001\" ; schema:containedInPlace "
               "country:MA ; ogp:adminLevel <" + PREFIXES["concept"]
               + "admin-level/municipality> }")


def test_members_row_with_only_a_cohort_is_named_by_the_cohort_year() -> None:
    parsed = read("member,level,cohort\nKE-05,local,local-2016\n")
    assert ask(parsed, "ASK { membership:KE-05-ogp-lp-2016 ogp:cohort cohort:local-2016 . "
               "gov:KE-05 ogp:governs region:KE-05 }")


def test_withdrawn_member_without_a_start_is_named_by_its_role() -> None:
    parsed = read("member,level,left,status\nTR,national,2017-09-21,withdrawn\n")
    assert ask(parsed, "ASK { membership:TR-ogp-national-member ogp:membershipStatus "
               "mstatus:withdrawn ; org:memberDuring/time:hasEnd/time:inXSDDate ?d }")


def test_members_rows_report_every_problem_with_row_and_column() -> None:
    text = ("member,level,joined,left,cohort,status,place_name\n"
            "MA-01,national,2020,,,,\n"
            "MA,local,2018,,,,\n"
            "MA-02,local,,,,,\n"
            "MA-05,local,2021,2019,local-2021,gone,Béni Mellal\n")
    with pytest.raises(InputError) as info:
        read(text)
    problems = {(e["row"], e["column"]) for e in info.value.detail["errors"]}  # type: ignore[union-attr]
    assert problems == {(2, "member"), (3, "member"), (4, "joined"), (5, "left"), (5, "cohort"),
                        (5, "status"), (5, "place_name")}
    messages = str(info.value)
    assert "a national member is a country" in messages
    assert "unknown cohort 'local-2021'" in messages
    assert "unknown membership status 'gone'" in messages


def test_seat_row_for_a_civil_society_leader_makes_a_person_with_a_three_year_term() -> None:
    parsed = read("member,member_name,seat,start_date,term_years,note_en\n"
                  "UY-0001,Anabel Cruz,civil-society,2021-10-01,3,ICD Uruguay\n")
    assert parsed.fmt == "csv:steering-committee-seats"
    assert ask(parsed, "ASK { membership:UY-0001-ogp-sc-2021-10-01 org:member person:UY-0001 ; "
               "org:organization agency:ogp-sc ; ogp:seat role:civil-society-seat ; "
               "ogp:termLength \"P3Y\"^^xsd:duration . person:UY-0001 a foaf:Person ; "
               "foaf:name \"Anabel Cruz\" }")


def test_seat_rows_check_holder_seat_and_dates() -> None:
    text = ("member,member_name,seat,start_date,end_date\n"
            "KE,,civil-society,2020-10-01,\n"
            "UY-0001,,civil-society,2021-10-01,\n"
            "DE,,government,,\n"
            "GE,,government,2019-10-01,2018\n"
            "GE,,government,2019-10-01,2022-10-01\n")
    with pytest.raises(InputError) as info:
        read(text)
    problems = {(e["row"], e["column"]) for e in info.value.detail["errors"]}  # type: ignore[union-attr]
    assert problems == {(2, "seat"), (3, "member_name"), (4, "start_date"), (5, "end_date"),
                        (6, "member")}


def test_each_template_is_told_apart_by_its_own_columns() -> None:
    assert read("member,level,joined\nMA,national,2018\n").fmt == "csv:members"
    assert read("member,seat,start_date\nMA,government,2021-10-01\n").fmt == (
        "csv:steering-committee-seats")
    with pytest.raises(InputError, match="looks like the members template"):
        read_input(b"member,level,joined\nMA,national,2018\n", "t.csv", fmt="csv:commitments",
                   max_bytes=1000, max_literal_bytes=1000)
