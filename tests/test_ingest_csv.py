"""Reading the CSV templates: header checks, all row problems at once, the RDF they become."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest

from ogpkg.config import PROJECT_ROOT
from ogpkg.contrib.ingest import ParsedInput, read_input
from ogpkg.contrib.ingest.csv_templates import ACTION_PLANS, COMMITMENTS, TEMPLATES
from ogpkg.errors import InputError, ParseError
from ogpkg.namespaces import BASE, sparql_prologue

TEMPLATES_DIR = PROJECT_ROOT / "data" / "templates"
CONCEPTS = {
    "policy-area": frozenset({"transparency", "open-justice", "access-to-information"}),
    "ogp-value": frozenset({"access-to-information", "civic-participation"}),
    "status": frozenset({"in-implementation", "complete"}),
}
PROLOGUE = sparql_prologue()


def read(text: str | bytes, name: str = "x.csv", **kw: object) -> ParsedInput:
    data = text.encode("utf-8") if isinstance(text, str) else text
    options: dict[str, object] = {"max_bytes": 1_000_000, "max_literal_bytes": 10_000,
                                  "concepts": CONCEPTS, **kw}
    return read_input(data, name, **options)  # type: ignore[arg-type]


def errors_of(exc: InputError) -> list[dict[str, object]]:
    errors = exc.detail["errors"]
    assert isinstance(errors, list)
    return errors


PLAN_HEADER = "plan_id,type,governments,start_year,end_year,title_en,title_ar"
PLAN_ROW = "MA-2021,national,MA,2021,2023,Second national open government action plan 2021-2023,"


# --------------------------------------------------------------------------- the examples

@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_example_file_has_the_template_columns_in_order_and_reads(template: str) -> None:
    path = TEMPLATES_DIR / f"{template}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == TEMPLATES[template].column_names
    parsed = read_input(path, path.name, max_bytes=1_000_000, max_literal_bytes=1_000_000)
    assert parsed.fmt == f"csv:{template}"
    assert parsed.triples > 0


def test_action_plans_example_maps_onto_the_model() -> None:
    path = TEMPLATES_DIR / "action-plans.csv"
    ds = read_input(path, path.name, max_bytes=1_000_000, max_literal_bytes=1_000_000).dataset
    assert ds.ask(PROLOGUE + """ASK {
        plan:MA-2021 a ogp:ActionPlan, ogp:NationalActionPlan, prov:Entity ;
            dcterms:identifier "MA-2021" ;
            ogp:government gov:MA ;
            ogp:planNumber "2"^^xsd:positiveInteger ;
            ogp:commitmentCount "22"^^xsd:nonNegativeInteger ;
            ogp:policyArea area:open-justice ;
            ogp:publishedAt <http://www.gouvernement-ouvert.ma/> ;
            dcterms:temporal [ a time:Interval ;
                time:hasBeginning [ a time:Instant ; time:inXSDgYear "2021"^^xsd:gYear ] ;
                time:hasEnd [ a time:Instant ; time:inXSDgYear "2023"^^xsd:gYear ] ] .
        plan:MA-02-2025 a ogp:LocalActionPlan ; ogp:government gov:MA-02 .
    }""")
    titles = ds.select(PROLOGUE + 'SELECT ?t WHERE { plan:MA-2021 dcterms:title ?t '
                                  'FILTER(lang(?t) = "ar") }')
    assert len(titles) == 1
    title = str(titles[0]["t"])
    assert title == unicodedata.normalize("NFC", title)


def test_commitments_example_maps_onto_the_model() -> None:
    path = TEMPLATES_DIR / "commitments.csv"
    ds = read_input(path, path.name, max_bytes=1_000_000, max_literal_bytes=1_000_000).dataset
    assert ds.ask(PROLOGUE + """ASK {
        commitment:MO0001 a ogp:Commitment ;
            dcterms:identifier "MO0001" ;
            ogp:inActionPlan plan:MA-2018 ;
            ogp:leadInstitution agency:ma-mrafp ;
            ogp:policyArea area:access-to-information ;
            dcterms:title "ATI Awareness Raising"@en ;
            dcterms:temporal [
                time:hasBeginning [ time:inXSDgYearMonth "2018-12"^^xsd:gYearMonth ] ;
                time:hasEnd [ time:inXSDgYearMonth "2019-12"^^xsd:gYearMonth ] ] .
        commitment:MAORT0002 ogp:ogpValue value:civic-participation .
    }""")


def test_readme_documents_every_column_of_every_template() -> None:
    readme = (TEMPLATES_DIR / "README.md").read_text(encoding="utf-8")
    for template in TEMPLATES.values():
        section = readme.split(f"\n## {template.name}.csv\n", 1)[1].split("\n## ", 1)[0]
        documented = re.findall(r"^\| `([a-z_]+)` \| (yes|no) \|", section, flags=re.MULTILINE)
        assert documented == [(c.name, "yes" if c.required else "no")
                              for c in template.columns], template.name
        assert template.markdown_table() in section, f"regenerate the {template.name} table"


# --------------------------------------------------------------------------- mapping details

def test_template_is_detected_from_the_header_or_forced_by_format() -> None:
    assert read(f"{PLAN_HEADER}\n{PLAN_ROW}\n").fmt == "csv:action-plans"
    assert read("commitment_id,plan_id,title_en\nMO0001,MA-2018,ATI\n").fmt == "csv:commitments"
    forced = read("plan_id,commitment_id,title_en\nMA-2018,MO0001,ATI\n", fmt="csv:commitments")
    assert forced.fmt == "csv:commitments"


def test_header_names_ignore_case_and_surrounding_spaces() -> None:
    parsed = read(" Plan_ID , TYPE,governments,start_year,title_en\n"
                  "MA-2021,National,MA,2021,Plan\n")
    assert parsed.dataset.ask(PROLOGUE + "ASK { plan:MA-2021 a ogp:NationalActionPlan }")


def test_forced_template_with_the_other_header_hints_at_it() -> None:
    with pytest.raises(InputError) as info:
        read(f"{PLAN_HEADER}\n{PLAN_ROW}\n", fmt="csv:commitments")
    assert "missing required column 'commitment_id'" in str(info.value)
    assert "looks like the action-plans template" in str(info.value)


def test_every_row_problem_is_reported_together_with_row_column_and_value() -> None:
    text = "\n".join([
        PLAN_HEADER,
        PLAN_ROW,
        "MA-2018,national,MA,2018,20x0,Morocco Action Plan 2018-2020,",
        "",  # a blank line is skipped but keeps its row number
        "MA-2024,national,morocco,2024,2027,,",
    ]) + "\n"
    with pytest.raises(InputError) as info:
        read(text)
    exc = info.value
    assert not isinstance(exc, ParseError)
    assert errors_of(exc) == [
        {"row": 3, "column": "end_year", "value": "20x0",
         "message": "'20x0' is not a year: write four digits, e.g. 2021"},
        {"row": 5, "column": "governments", "value": "morocco",
         "message": "'morocco' is not a government code: use the ISO 3166 code of the place "
                    "it governs, e.g. MA or MA-01, or a locality code of "
                    "data/registry/localities.csv, e.g. MA-L0001"},
        {"row": 5, "column": "title_en", "value": "",
         "message": "a plan needs a title: fill title_en, title_fr or title_ar"},
    ]
    assert exc.location is not None and exc.location.row == 3
    assert "3 problems" in str(exc) and "row 5, column 'governments'" in str(exc)


def test_all_header_problems_are_reported_together() -> None:
    with pytest.raises(InputError) as info:
        read("plan_id,typ,governments,title_en,title_en,colour\nMA-2021,national,MA,a,b,red\n",
             fmt="csv:action-plans")
    messages = [e["message"] for e in errors_of(info.value)]
    assert messages == [
        "unknown column 'typ' — did you mean 'type'?",
        "column 'title_en' appears twice",
        "unknown column 'colour'; the action-plans template has: "
        + ", ".join(ACTION_PLANS.column_names),
        "missing required column 'type'",
        "missing required column 'start_year'",
    ]
    assert all(e["row"] == 1 for e in errors_of(info.value))


def test_multiline_quoted_cells_count_as_one_row() -> None:
    text = (f'{PLAN_HEADER}\nMA-2018,national,MA,2018,2020,"Morocco\nAction Plan, first",\n'
            f"{PLAN_ROW}x\n")
    with pytest.raises(InputError) as info:
        read(text.replace(",2021,2023,", ",2021,x,"))
    assert errors_of(info.value)[0]["row"] == 3


def test_byte_order_mark_is_accepted() -> None:
    parsed = read(b"\xef\xbb\xbf" + f"{PLAN_HEADER}\n{PLAN_ROW}\n".encode())
    assert parsed.fmt == "csv:action-plans"


def test_unterminated_quote_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not valid CSV"):
        read(f'{PLAN_HEADER}\nMA-2021,national,MA,2021,2023,"Plan" extra,\n')


@pytest.mark.parametrize(("value", "prop", "datatype"), [
    ("2021-12-15", "inXSDDate", "date"),
    ("2021-12", "inXSDgYearMonth", "gYearMonth"),
    ("2021", "inXSDgYear", "gYear"),
])
def test_dates_keep_the_precision_the_source_gives(value: str, prop: str, datatype: str) -> None:
    ds = read(f"commitment_id,plan_id,title_en,start_date\nMO0001,MA-2018,ATI,{value}\n").dataset
    assert ds.ask(PROLOGUE + f"""ASK {{ commitment:MO0001 dcterms:temporal/time:hasBeginning
        [ a time:Instant ; time:{prop} "{value}"^^xsd:{datatype} ] }}""")


def test_end_date_of_coarser_precision_in_the_same_year_is_not_before_start() -> None:
    read("commitment_id,plan_id,title_en,start_date,end_date\nMO0001,MA-2018,ATI,2019-12,2019\n")
    with pytest.raises(InputError, match="end_date 2018 is before start_date 2019-12"):
        read("commitment_id,plan_id,title_en,start_date,end_date\nMO0001,MA-2018,ATI,2019-12,2018\n")


def test_institutions_are_organisations_or_governments_by_case() -> None:
    ds = read("commitment_id,plan_id,title_en,lead_institution,supporting_institutions\n"
              "MO0001,MA-2018,ATI,ma-mrafp,MA-01; ndi\n").dataset
    assert ds.ask(PROLOGUE + """ASK { commitment:MO0001 ogp:leadInstitution agency:ma-mrafp ;
        ogp:supportingInstitution gov:MA-01, agency:ndi }""")


def test_concept_codes_are_checked_against_the_given_schemes() -> None:
    ok = read("commitment_id,plan_id,title_en,ogp_values,status\n"
              "MO0001,MA-2018,ATI,civic-participation,complete\n").dataset
    assert ok.ask(PROLOGUE + """ASK { commitment:MO0001 ogp:ogpValue value:civic-participation ;
        ogp:commitmentStatus status:complete }""")
    with pytest.raises(InputError) as info:
        read("commitment_id,plan_id,title_en,ogp_values,policy_areas\n"
             "MO0001,MA-2018,ATI,Civic Participation,open-justise;budget\n")
    assert [e["message"] for e in errors_of(info.value)] == [
        "unknown policy area 'open-justise' — did you mean 'open-justice'?",
        "unknown policy area 'budget'; known codes: access-to-information, open-justice, "
        "transparency",
        "'Civic Participation' is not an OGP value code: codes are lowercase letters, digits "
        "and hyphens (did you mean 'civic-participation'?)",
    ]


def test_reference_to_a_plan_not_in_the_file_is_left_to_validation() -> None:
    ds = read("commitment_id,plan_id,title_en\nMO0001,MA-1999,ATI\n").dataset
    assert ds.ask(PROLOGUE + "ASK { commitment:MO0001 ogp:inActionPlan plan:MA-1999 }")


def test_cell_over_the_literal_cap_is_a_row_problem() -> None:
    with pytest.raises(InputError) as info:
        read(f"commitment_id,plan_id,title_en\nMO0001,MA-2018,{'x' * 200}\n",
             max_literal_bytes=100)
    [error] = errors_of(info.value)
    assert error["row"] == 2 and error["column"] == "title_en"
    assert "200 bytes, over the limit of 100 bytes" in str(error["message"])


def test_locate_maps_nodes_and_their_intervals_to_rows() -> None:
    parsed = read(f"{PLAN_HEADER}\nMA-2018,national,MA,2018,2020,First,\n{PLAN_ROW}\n",
                  name="plans.csv")
    loc = parsed.locate(BASE + "id/plan/MA-2021")
    assert loc is not None and (loc.source, loc.row) == ("plans.csv", 3)
    [row] = parsed.dataset.select(PROLOGUE + "SELECT ?i WHERE { plan:MA-2018 dcterms:temporal ?i }")
    interval = parsed.locate("_:" + str(row["i"]))
    assert interval is not None and interval.row == 2
    assert parsed.locate(BASE + "id/government/MA") is None


def test_base_iri_applies_to_instances_concepts_and_terms() -> None:
    other = "https://example.org/kg/"
    ds = read("commitment_id,plan_id,title_en,policy_areas\nMO0001,MA-2018,ATI,open-justice\n",
              base_iri=other).dataset
    assert ds.ask(f"""ASK {{ <{other}id/commitment/MO0001> a <{other}def/Commitment> ;
        <{other}def/inActionPlan> <{other}id/plan/MA-2018> ;
        <{other}def/policyArea> <{other}concept/policy-area/open-justice> }}""")


def test_commitments_template_requires_only_its_key_columns() -> None:
    assert COMMITMENTS.required == ["commitment_id", "plan_id"]
    assert ACTION_PLANS.required == ["plan_id", "type", "governments", "start_year"]


def test_default_concepts_come_from_the_ontology(tmp_path: Path) -> None:
    parsed = read_input(b"commitment_id,plan_id,title_en,policy_areas\nMO0001,MA-2018,ATI,"
                        b"transparency\n", "c.csv", max_bytes=10_000, max_literal_bytes=10_000)
    assert parsed.triples > 0


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_the_documented_examples_form_a_valid_row(template: str) -> None:
    columns = TEMPLATES[template].columns
    header = ",".join(c.name for c in columns)
    row = ",".join(f'"{c.example}"' for c in columns)
    parsed = read_input(f"{header}\n{row}\n".encode(), "examples.csv", max_bytes=100_000,
                        max_literal_bytes=100_000)
    assert parsed.fmt == f"csv:{template}"


def test_empty_trailing_columns_from_spreadsheets_are_ignored() -> None:
    parsed = read(f"{PLAN_HEADER},,\n{PLAN_ROW},,\n")
    assert parsed.fmt == "csv:action-plans"
    with pytest.raises(InputError, match="the row has 9 fields but the header has 7"):
        read(f"{PLAN_HEADER},,\n{PLAN_ROW},,oops\n")
