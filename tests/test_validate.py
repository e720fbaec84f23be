"""The fast validator: every constraint component on fixtures, focus graphs, the literal cap,
messages and labels, batching, the report formats, and errors in shapes files."""

from __future__ import annotations

import csv
import io
import re
import threading
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from ogpkg.errors import ConfigError, Location, NotFoundError, ParseError
from ogpkg.namespaces import ONTOLOGY_GRAPH
from ogpkg.store import MemoryDataset
from ogpkg.validation.compile import Evaluator
from ogpkg.validation.validate import (
    MAX_LITERAL_COMPONENT,
    Shapes,
    ValidationReport,
    validate,
    validate_pyshacl,
)

FIXTURES = Path(__file__).parent / "validate_fixtures"
EX = "https://example.org/ns#"
SH = Namespace("http://www.w3.org/ns/shacl#")
PREFIX = ("@prefix ex: <https://example.org/ns#> . "
          "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . "
          "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . ")


@pytest.fixture(scope="module")
def fixture_shapes() -> Shapes:
    return Shapes.from_paths([FIXTURES / "shapes.ttl"], [FIXTURES / "ontology.ttl"])


def dataset(*files: str, extra: dict[str, str] | None = None) -> MemoryDataset:
    """The fixture files, the fixture ontology and ``extra`` Turtle texts (graph -> text)."""
    ds = MemoryDataset()
    for name in files:
        ds.load(FIXTURES / name, "trig", source=name)
    ds.load(FIXTURES / "ontology.ttl", "turtle", source="ontology.ttl", graph=ONTOLOGY_GRAPH)
    for graph, text in (extra or {}).items():
        ds.load((PREFIX + text).encode(), "turtle", source=graph, graph=graph)
    return ds


@pytest.fixture(scope="module")
def invalid(fixture_shapes: Shapes) -> ValidationReport:
    return validate(dataset("invalid.trig"), fixture_shapes, lang_fallback="fr")


def short(text: str | None) -> str | None:
    """Results in a readable form: ex:/xsd:/rdfs: names, blank nodes as _:b."""
    if text is None:
        return None
    text = re.sub(r"<?https://example\.org/ns#([\w-]+)>?", r"ex:\1", text)
    text = re.sub(r"<?http://www\.w3\.org/2001/XMLSchema#(\w+)>?", r"xsd:\1", text)
    text = re.sub(r"<?http://www\.w3\.org/2000/01/rdf-schema#(\w+)>?", r"rdfs:\1", text)
    text = re.sub(r"<?http://www\.w3\.org/1999/02/22-rdf-syntax-ns#(\w+)>?", r"rdf:\1", text)
    return re.sub(r"^_:\w+$", "_:b", text)


def rows(report: ValidationReport) -> set[tuple[str | None, ...]]:
    return {(r.severity[0], short(r.focus), r.component_name, short(r.path), short(r.value))
            for r in report.results}


#: what invalid.trig must give: (severity, focus, component, path, value)
EXPECTED = {
    ("V", "ex:p1", "MinCount", "ex:name", None),
    ("V", "ex:p1", "Datatype", "ex:age", '"abc"^^xsd:integer'),
    ("V", "ex:p1", "MinInclusive", "ex:age", '"abc"^^xsd:integer'),
    ("V", "ex:p1", "MaxExclusive", "ex:age", '"abc"^^xsd:integer'),
    ("V", "ex:p1", "Datatype", "ex:birthDate", '"2021-13-45"^^xsd:date'),
    ("V", "ex:p2", "MaxCount", "ex:name", None),
    ("V", "ex:p2", "MinLength", "ex:name", '"X"@en'),
    ("V", "ex:p2", "MinLength", "ex:name", '"Y"@en'),
    ("V", "ex:p2", "UniqueLang", "ex:name", None),
    ("V", "ex:p2", "LanguageIn", "ex:name", '"Zed"@de'),
    ("V", "ex:p2", "MaxExclusive", "ex:age", '"150"^^xsd:integer'),
    ("V", "ex:p2", "MinInclusive", "ex:age", '"-1"^^xsd:integer'),
    ("V", "ex:p3", "Datatype", "ex:name", '"Patrick"'),
    ("V", "ex:p3", "LanguageIn", "ex:name", '"Patrick"'),
    ("V", "ex:p3", "Pattern", "ex:code", '"12-AB"'),
    ("V", "ex:p3", "Pattern", "ex:code", "ex:codeIri"),
    ("V", "ex:p3", "NodeKind", "ex:code", "ex:codeIri"),
    ("V", "ex:p3", "Class", "ex:knows", '"Bob"'),
    ("V", "ex:p3", "Class", "ex:knows", "ex:rock"),
    ("V", "ex:p3", "NodeKind", "ex:knows", '"Bob"'),
    ("V", "ex:p3", "MinExclusive", "ex:score", '"0"^^xsd:decimal'),
    ("V", "ex:p3", "MinExclusive", "ex:score", '"high"'),
    ("V", "ex:p3", "MaxInclusive", "ex:score", '"11"^^xsd:integer'),
    ("V", "ex:p3", "MaxInclusive", "ex:score", '"high"'),
    ("V", "ex:p3", "In", "ex:status", "ex:unknown"),
    ("V", "ex:p4", "Disjoint", "ex:nick", '"Quinn"@en'),
    ("V", "ex:p4", "Equals", "ex:altName", '"Q"'),
    ("V", "ex:p4", "Equals", "ex:altName", '"Q2"'),
    ("V", "ex:p4", "LessThanOrEquals", "ex:start", '"5"^^xsd:integer'),
    ("V", "ex:p4", "LessThan", "ex:birthDate", '"2000-01-01"^^xsd:date'),
    ("V", "ex:p4", "Datatype", "ex:children", '"-5"^^xsd:integer'),
    ("V", "ex:p4", "MaxCount", "^(ex:member)", None),
    ("I", "ex:longy", "MinCount", "ex:shortName", None),
    ("V", "ex:o1", "QualifiedMinCount", "rdf:type", None),
    ("V", "ex:o2", "QualifiedMaxCount", "rdf:type", None),
    ("V", "ex:o1", "Node", "ex:member", "ex:ghost"),
    ("V", "ex:o1", "HasValue", "ex:sector", None),
    ("V", "ex:o1", "Closed", "ex:extra", '"x"'),
    ("V", "ex:o1", "NodeKind", "ex:homepage", '"http://x.example/"'),
    ("V", "ex:e1", "Class", "(ex:partOf)*", "ex:e1"),
    ("V", "ex:e1", "SPARQL", "ex:endDate", '"2021-05-01"^^xsd:date'),
    ("V", "ex:e1", "Or", "ex:location", "_:b"),
    ("V", "ex:e1", "Or", "ex:location", '"42"^^xsd:integer'),
    ("V", "ex:e1", "Xone", "ex:mode", "ex:online"),
    ("V", "ex:e1", "Xone", "ex:mode", "ex:other"),
    ("V", "ex:e1", "Not", "ex:organizer", "ex:p1"),
    ("V", "ex:e1", "MinCount", "(rdfs:label | ex:title)", None),
    ("V", "ex:e1", "MinCount", "(ex:host / rdfs:label)", None),
    ("W", "ex:e1", "MinCount", "ex:description", None),
    ("V", "ex:e2", "And", "ex:host", "ex:p1"),
    ("V", "ex:e2", "Class", "(ex:partOf)*", "ex:e1"),
    ("V", "ex:e2", "MaxCount", "(ex:partOf)?", None),
    ("V", "ex:e2", "NodeKind", "(ex:partOf)+", "_:b"),
    ("V", "ex:note1", "MinCount", "ex:text", None),
    ("V", "ex:note3", "MinCount", "ex:text", None),
    ("V", '"a literal note"', "MinCount", "ex:text", None),
    ("V", "ex:memo2", "MaxLength", "ex:text", '"this text is too long"'),
}


# --------------------------------------------------------------------------- components

def test_conforming_fixture_gives_no_result(fixture_shapes: Shapes) -> None:
    report = validate(dataset("valid.trig"), fixture_shapes)
    assert report.results == []
    assert report.conforms and report.engine == "fast"
    assert report.focus_count == 9
    assert report.shapes_count == len(fixture_shapes) > 30


def test_each_constraint_component_reports_exactly_the_broken_values(
        invalid: ValidationReport) -> None:
    found = rows(invalid)
    assert found - EXPECTED == set(), "unexpected results"
    assert EXPECTED - found == set(), "missed results"
    assert len(invalid.results) == len(EXPECTED)
    assert not invalid.conforms


def test_ill_typed_literals_are_datatype_violations(invalid: ValidationReport) -> None:
    bad = {short(r.value) for r in invalid.results
           if r.component_name == "Datatype" and r.focus == EX + "p1"}
    assert bad == {'"abc"^^xsd:integer', '"2021-13-45"^^xsd:date'}


def test_derived_integer_type_accepts_store_integers_in_range(fixture_shapes: Shapes) -> None:
    # the store keeps xsd:nonNegativeInteger as xsd:integer; the range still decides
    ds = dataset(extra={"urn:g": 'ex:z a ex:Person ; ex:name "Zoe"@en ; ex:children '
                                 '"4"^^xsd:nonNegativeInteger , 5 , '
                                 '"-1"^^xsd:nonNegativeInteger .'})
    report = validate(ds, fixture_shapes, focus_graphs=["urn:g"])
    assert rows(report) == {("V", "ex:z", "Datatype", "ex:children", '"-1"^^xsd:integer')}


def test_a_warning_makes_the_report_not_conform_but_is_no_violation(
        fixture_shapes: Shapes) -> None:
    """SHACL 3.6.1: sh:conforms is false when there is any result; a write policy decides
    from the severities."""
    ds = dataset("valid.trig", extra={"urn:g": 'ex:talk ex:startDate "2022-01-01"^^xsd:date ; '
                                                'a ex:Event ; ex:title "Talk" ; ex:host ex:acme .'})
    report = validate(ds, fixture_shapes)
    assert rows(report) == {("W", "ex:talk", "MinCount", "ex:description", None)}
    assert not report.conforms
    assert report.violations() == [] and len(report.warnings()) == 1
    assert report.severities() == {"Warning": 1}
    assert "sh:conforms false" in report.to_turtle()


def test_focus_graphs_limit_focus_nodes_but_values_come_from_everywhere(
        fixture_shapes: Shapes) -> None:
    contribution = "https://example.org/contribution"
    ds = dataset("valid.trig", "invalid.trig", extra={contribution: (
        'ex:dave a ex:Person ; ex:knows ex:bob . '          # ex:bob is typed in another graph
        'ex:erin a ex:Person ; ex:name "Erin"@en ; ex:knows ex:bob .')})
    report = validate(ds, fixture_shapes, focus_graphs=[contribution])
    assert rows(report) == {("V", "ex:dave", "MinCount", "ex:name", None)}
    assert report.focus_count == 2


def test_focus_graph_with_nothing_in_it_validates_nothing(fixture_shapes: Shapes) -> None:
    report = validate(dataset("invalid.trig"), fixture_shapes, focus_graphs=["urn:empty"])
    assert report.results == [] and report.focus_count == 0


@pytest.mark.parametrize("inline_limit", [1000, 0])
def test_node_typed_only_outside_the_focus_graphs_is_still_a_focus_node(
        fixture_shapes: Shapes, monkeypatch: pytest.MonkeyPatch, inline_limit: int) -> None:
    # ex:frank is typed in another graph; the contribution only says whom he knows.
    # With a limit of 0 such nodes are not listed in the queries but found by the path.
    monkeypatch.setattr(Evaluator, "INLINE_LIMIT", inline_limit)
    ds = dataset("valid.trig", extra={"urn:other": "ex:frank a ex:Student .",
                                      "urn:g": "ex:frank ex:knows ex:bob ."})
    report = validate(ds, fixture_shapes, focus_graphs=["urn:g"])
    assert rows(report) == {("V", "ex:frank", "MinCount", "ex:name", None)}
    assert report.focus_count == 1


def test_subclass_stated_in_the_data_makes_its_instances_focus_nodes(
        fixture_shapes: Shapes) -> None:
    # the class closure is read from the whole dataset, not only the ontology
    ds = dataset(extra={"urn:sub": "ex:Intern rdfs:subClassOf ex:Student .",
                        "urn:g": "ex:gina a ex:Intern ."})
    report = validate(ds, fixture_shapes, focus_graphs=["urn:g"])
    assert rows(report) == {("V", "ex:gina", "MinCount", "ex:name", None)}


def test_the_result_does_not_depend_on_threads_inlining_or_scans(
        fixture_shapes: Shapes, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = dataset("valid.trig", "invalid.trig")
    reports = [validate(ds, fixture_shapes), validate(ds, fixture_shapes, focus_graphs=[
        str(g) for g in {q[3] for q in ds.quads()} if str(g) != ONTOLOGY_GRAPH])]
    monkeypatch.setattr("ogpkg.validation.validate.os.cpu_count", lambda: 1)
    monkeypatch.setattr(Evaluator, "INLINE_LIMIT", 0)
    monkeypatch.setattr(Evaluator, "SCAN_RATIO", 0)
    plain = [validate(ds, fixture_shapes), validate(ds, fixture_shapes, focus_graphs=[
        str(g) for g in {q[3] for q in ds.quads()} if str(g) != ONTOLOGY_GRAPH])]
    for fast, slow in zip(reports, plain, strict=True):
        assert fast.results and fast.results == slow.results
        assert [r.messages for r in fast.results] == [r.messages for r in slow.results]
        assert fast.focus_count == slow.focus_count


#: one filter that uses no variable of its query, one that uses ?value
SPARQL_SHAPES = PREFIX + (
    "@prefix sh: <http://www.w3.org/ns/shacl#> . "
    "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql "
    '[ sh:select "SELECT $this WHERE { FILTER NOT EXISTS { ?f a <urn:Flag> } }" ] , '
    '[ sh:select "SELECT $this ?value WHERE { $this <urn:q> ?value . '
    'FILTER NOT EXISTS { ?value a <urn:Flag> } }" ] .')


@pytest.mark.parametrize("flagged, expected", [
    (False, {("ex:a", "ex:a"), ("ex:b", "ex:b"), ("ex:a", "ex:f1"), ("ex:b", "ex:f2")}),
    (True, {("ex:b", "ex:f2")}),
])
def test_filter_on_no_variable_of_the_query_is_decided_once_with_the_same_result(
        tmp_path: Path, flagged: bool, expected: set[tuple[str | None, ...]]) -> None:
    shapes = Shapes.from_paths([write(tmp_path, "s.ttl", SPARQL_SHAPES)], [])
    data = "ex:a a ex:C ; <urn:q> ex:f1 . ex:b a ex:C ; <urn:q> ex:f2 . "
    data += "ex:f1 a <urn:Flag> ." if flagged else ""
    ds = MemoryDataset()
    ds.load((PREFIX + data).encode(), "turtle", source="d", graph="urn:g")
    found = {(short(r.focus), short(r.value)) for r in validate(ds, shapes).results}
    graph = Graph().parse(data=PREFIX + data, format="turtle")
    reference = {(short(r.focus), short(r.value))
                 for r in validate_pyshacl(graph, shapes).results}
    assert found == expected == reference


# --------------------------------------------------------------------------- literal cap

def test_literal_over_the_cap_is_a_violation_named_in_three_languages(
        fixture_shapes: Shapes) -> None:
    text = "é" * 600  # 1,200 bytes in UTF-8
    ds = dataset("valid.trig", extra={"urn:g": f'ex:alice ex:note "{text}" ; ex:other "short" .'})
    report = validate(ds, fixture_shapes, max_literal_bytes=1000, focus_graphs=["urn:g"])
    [result] = report.results
    assert result.component == MAX_LITERAL_COMPONENT
    assert MAX_LITERAL_COMPONENT == "https://w3id.org/ogp-kg/def/MaxLiteralLengthConstraintComponent"
    assert (result.focus, result.path) == (EX + "alice", EX + "note")
    assert len(result.value or "") < 100  # the offending value is shown shortened
    assert set(result.messages) == {"en", "fr", "ar"}
    assert "1200" in result.message("en") and "1000" in result.message("ar")
    assert not report.conforms
    assert validate(ds, fixture_shapes, max_literal_bytes=1200,
                    focus_graphs=["urn:g"]).results == []


# --------------------------------------------------------------------------- messages

def test_shape_messages_are_kept_in_every_language(invalid: ValidationReport) -> None:
    [r] = [r for r in invalid.results if r.component_name == "MinCount" and r.focus == EX + "p1"]
    assert set(r.messages) == {"en", "fr", "ar"}
    assert r.message("fr").startswith("Une personne a un ou deux noms")
    assert r.message("ar").startswith("للشخص")
    assert r.message("de") == r.message("en")  # falls back to English


def test_components_without_sh_message_get_built_in_messages(invalid: ValidationReport) -> None:
    [r] = [r for r in invalid.results if r.component_name == "In"]
    assert r.message("en") == "Value is not one of <https://example.org/ns#active>, " \
                              "<https://example.org/ns#retired>."
    assert r.message("fr").startswith("La valeur n'est pas l'une de")
    assert r.message("ar").startswith("القيمة ليست من بين")


def test_sparql_messages_substitute_this_and_value(invalid: ValidationReport) -> None:
    [r] = [r for r in invalid.results if r.component_name == "SPARQL"]
    assert r.message("en") == f"{EX}e1 ends on 2021-05-01, before it starts."
    assert r.message("fr") == f"{EX}e1 finit le 2021-05-01, avant de commencer."


def test_focus_label_in_the_report_language(invalid: ValidationReport) -> None:
    [r] = [r for r in invalid.results if r.component_name == "MinCount" and r.focus == EX + "p1"]
    assert r.focus_label == "Personne un"  # lang_fallback="fr"
    assert r.label("en") == "Person one"


def test_locate_places_each_focus_node_once(fixture_shapes: Shapes) -> None:
    calls: list[str] = []

    def locate(focus: str) -> Location | None:
        calls.append(focus)
        return Location("people.ttl", line=7) if focus == EX + "p3" else None

    report = validate(dataset("invalid.trig"), fixture_shapes, locate=locate)
    assert len(calls) == len(set(calls)) == len({r.focus for r in report.results})
    p3 = [r for r in report.results if r.focus == EX + "p3"]
    assert p3 and all(str(r.location) == "people.ttl line 7" for r in p3)
    assert all(r.location is None for r in report.results if r.focus != EX + "p3")


# --------------------------------------------------------------------------- batching

class CountingDataset(MemoryDataset):
    def __init__(self) -> None:
        super().__init__()
        self.queries = 0
        self._lock = threading.Lock()  # queries run in several threads

    def select(self, query: str, *, union: bool = True):  # type: ignore[no-untyped-def]
        with self._lock:
            self.queries += 1
        return super().select(query, union=union)


def people(n: int) -> CountingDataset:
    ds = CountingDataset()
    ds.load(FIXTURES / "ontology.ttl", "turtle", source="ontology.ttl", graph=ONTOLOGY_GRAPH)
    text = PREFIX + "".join(f'ex:q{i} a ex:Person ; ex:name "n{i}"@de ; ex:age {i - 5} .\n'
                            for i in range(n))
    ds.load(text.encode(), "turtle", source="people.ttl", graph="urn:g")
    return ds


def test_one_query_per_constraint_whatever_the_number_of_focus_nodes(
        fixture_shapes: Shapes) -> None:
    small, large = people(10), people(200)
    r_small, r_large = validate(small, fixture_shapes), validate(large, fixture_shapes)
    assert len(r_large.results) > len(r_small.results) > 0
    assert small.queries == large.queries


# --------------------------------------------------------------------------- formats

def test_json_report_has_one_stable_shape(invalid: ValidationReport) -> None:
    doc = invalid.to_json("ar")
    assert set(doc) == {"conforms", "engine", "lang", "summary", "results"}
    assert doc["summary"] == {"violations": 55, "warnings": 1, "infos": 1,
                              "focus_nodes": invalid.focus_count,
                              "shapes": invalid.shapes_count,
                              "elapsed_s": round(invalid.elapsed_s, 4)}
    results = doc["results"]
    assert isinstance(results, list) and len(results) == len(invalid.results)
    assert all(set(r) == {"severity", "focus", "focus_label", "focus_name", "path", "value",
                          "shape", "shape_name", "component", "message", "messages",
                          "location"}
               for r in results)
    [name] = [r for r in results if r["component"].endswith("#MaxCountConstraintComponent")
              and r["path"] == EX + "name"]
    assert name["shape_name"] == "الاسم" and name["message"].startswith("للشخص")


def test_turtle_report_is_a_shacl_validation_report(invalid: ValidationReport) -> None:
    g = Graph().parse(data=invalid.to_turtle(), format="turtle")
    [report] = g.subjects(URIRef(str(SH.conforms)), None)
    assert g.value(report, SH.conforms) == Literal(False)
    results = list(g.objects(report, SH.result))
    assert len(results) == len(invalid.results)
    inverse = [r for r in results if g.value(g.value(r, SH.resultPath), SH.inversePath)]
    assert [g.value(g.value(r, SH.resultPath), SH.inversePath) for r in inverse] == [
        URIRef(EX + "member")]
    [p1] = [r for r in results if g.value(r, SH.focusNode) == URIRef(EX + "p1")
            and g.value(r, SH.sourceConstraintComponent) == SH.MinCountConstraintComponent]
    assert {m.language for m in g.objects(p1, SH.resultMessage)} == {"en", "fr", "ar"}
    only_fr = Graph().parse(data=invalid.to_turtle("fr"), format="turtle")
    assert {m.language for m in only_fr.objects(None, SH.resultMessage)} == {"fr"}


def test_text_report_groups_results_by_rule(invalid: ValidationReport) -> None:
    text = invalid.to_text("en")
    first = text.splitlines()[0]
    assert first.startswith("✗ does not conform: 55 violation(s), 1 warning(s), 1 info(s)")
    assert "× 2" in text  # the two MinLength results form one group
    assert "[Violation] <https://example.org/ns#Person-name> — name (MinCount) × 1" in text
    assert "“Person one”" in text  # the focus node's label
    assert "value: \"abc\"^^xsd:integer" in text


def test_html_report_is_escaped_and_right_to_left_in_arabic(fixture_shapes: Shapes) -> None:
    ds = dataset("valid.trig", extra={"urn:g": (
        'ex:mallory a ex:Person ; ex:name "Mallory"@en ; '
        'ex:code "<script>alert(1)</script>" .')})
    report = validate(ds, fixture_shapes)
    assert [r.component_name for r in report.results] == ["Pattern"]
    page = report.to_html("ar")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<html lang="ar" dir="rtl">' in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "مخالفة" in page  # the report's words are Arabic
    assert '<html lang="en" dir="ltr">' in report.to_html("en")


def test_csv_report_has_a_header_and_one_row_per_result(invalid: ValidationReport) -> None:
    table = list(csv.reader(io.StringIO(invalid.to_csv("fr"))))
    assert table[0] == ["severity", "focus", "focus_label", "path", "value", "message", "shape",
                        "component", "location"]
    assert len(table) == len(invalid.results) + 1
    assert list({row[2] for row in table[1:] if row[1] == EX + "p1"}) == ["Personne un"]


# --------------------------------------------------------------------------- shapes errors

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shapes_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.ttl", "@prefix ex: <https://example.org/ns#> .\n\n"
                                     "ex:a ex:b ex:c .\nex:a ex:b \"oops .\n")
    with pytest.raises(ParseError) as info:
        Shapes.from_paths([bad], [])
    assert info.value.location is not None
    assert info.value.location.source == str(bad) and info.value.location.line == 4


def test_missing_shapes_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        Shapes.from_paths([tmp_path / "nope.ttl"], [])


@pytest.mark.parametrize("body, message", [
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P . ex:P sh:minCount 1 .",
     "has no sh:path"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select "
     '"SELECT $this WHERE { $this ex:p ?o } LIMIT 5" ] .', "LIMIT"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:datatype xsd:string , xsd:integer .",
     "more than one sh:datatype"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:pattern \"(\" .",
     "not a valid regular expression"),
])
def test_malformed_shape_is_a_config_error(tmp_path: Path, body: str, message: str) -> None:
    shapes = write(tmp_path, "s.ttl", PREFIX + "@prefix sh: <http://www.w3.org/ns/shacl#> . "
                   + body)
    with pytest.raises(ConfigError, match=message):
        Shapes.from_paths([shapes], [])


def test_sparql_constraint_that_cannot_run_names_its_shape(tmp_path: Path) -> None:
    shapes = write(tmp_path, "s.ttl", PREFIX + "@prefix sh: <http://www.w3.org/ns/shacl#> . "
                   'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select '
                   '"SELECT $this WHERE { $this ex:p ?o FILTER(?o >>> 1) }" ] .')
    with pytest.raises(ConfigError, match=re.escape("shape <https://example.org/ns#S>, sh:sparql")):
        validate(dataset(), Shapes.from_paths([shapes], []))
