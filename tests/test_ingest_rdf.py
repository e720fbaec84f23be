"""Reading contributed RDF: formats, errors with positions, size caps, locating subjects.

The bad-input corpus (tests/bad_inputs/, described by EXPECTED.json) is read here: every
entry that is not a SHACL case must fail with its kind, message fragment and line/row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ogpkg.config import PROJECT_ROOT
from ogpkg.contrib.ingest import ParsedInput, read_input
from ogpkg.contrib.ingest.locate import turtle_subject_lines
from ogpkg.errors import (
    InputError,
    NotFoundError,
    OgpkgError,
    ParseError,
    TooLargeError,
    UnsupportedFormatError,
)
from ogpkg.namespaces import BASE

BAD = Path(__file__).parent / "bad_inputs"
EXPECTED: dict[str, dict[str, object]] = json.loads((BAD / "EXPECTED.json").read_text())
LIMITS = {"max_bytes": 1_000_000, "max_literal_bytes": 100_000}

PLAN = BASE + "id/plan/MA-2021"


def kind_of(exc: OgpkgError) -> str:
    if isinstance(exc, TooLargeError):
        return "too_large"
    if isinstance(exc, UnsupportedFormatError):
        return "unsupported"
    if isinstance(exc, ParseError):
        return "parse"
    if isinstance(exc, InputError):
        return "input"
    return type(exc).__name__


def read(data: bytes | Path, name: str, **kw: object) -> ParsedInput:
    return read_input(data, name, **{**LIMITS, **kw})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the corpus

def test_corpus_lists_every_file_and_has_at_least_30() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.name != "EXPECTED.json"}
    assert on_disk == set(EXPECTED)
    assert len(EXPECTED) >= 30
    assert {e["kind"] for e in EXPECTED.values()} >= {"parse", "input", "unsupported", "shacl"}


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["kind"] != "shacl"))
def test_bad_input_fails_with_expected_kind_message_and_position(name: str) -> None:
    expected = EXPECTED[name]
    with pytest.raises(OgpkgError) as info:
        read(BAD / name, name)
    exc = info.value
    assert kind_of(exc) == expected["kind"], str(exc)
    assert str(expected["contains"]) in str(exc)
    assert exc.location is not None and exc.location.source == name
    if "line" in expected:
        assert exc.location.line == expected["line"], str(exc)
    if "row" in expected:
        assert exc.location.row == expected["row"], str(exc)


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["kind"] == "shacl"))
def test_shacl_cases_parse_cleanly_so_only_validation_can_reject_them(name: str) -> None:
    parsed = read(BAD / name, name)
    assert parsed.triples > 0


def test_bad_input_read_from_bytes_fails_like_from_path() -> None:
    name = "turtle-unknown-prefix.ttl"
    with pytest.raises(ParseError) as info:
        read((BAD / name).read_bytes(), name)
    assert info.value.location is not None and info.value.location.line == EXPECTED[name]["line"]


# --------------------------------------------------------------------------- formats

TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
TITLE = "<http://purl.org/dc/terms/title>"
ACTION_PLAN = f"<{BASE}def/ActionPlan>"
SAME_PLAN = {
    "plan.ttl": f'<{PLAN}> a {ACTION_PLAN} ;\n    {TITLE} "Plan"@en .\n',
    "plan.nt": f'<{PLAN}> {TYPE} {ACTION_PLAN} .\n<{PLAN}> {TITLE} "Plan"@en .\n',
    "plan.trig": f'{{ <{PLAN}> a {ACTION_PLAN} ;\n  {TITLE} "Plan"@en . }}\n',
    "plan.nq": f'<{PLAN}> {TYPE} {ACTION_PLAN} .\n<{PLAN}> {TITLE} "Plan"@en .\n',
    "plan.jsonld": json.dumps({"@id": PLAN, "@type": BASE + "def/ActionPlan",
                               "http://purl.org/dc/terms/title": {"@value": "Plan",
                                                                  "@language": "en"}}),
    "plan.rdf": '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
                ' xmlns:dcterms="http://purl.org/dc/terms/">\n'
                f'<rdf:Description rdf:about="{PLAN}">\n'
                f'<rdf:type rdf:resource="{BASE}def/ActionPlan"/>\n'
                '<dcterms:title xml:lang="en">Plan</dcterms:title>\n'
                '</rdf:Description>\n</rdf:RDF>\n',
}


@pytest.mark.parametrize("name", sorted(SAME_PLAN))
def test_every_format_reads_the_same_two_triples_into_the_default_graph(name: str) -> None:
    parsed = read(SAME_PLAN[name].encode(), name)
    assert parsed.triples == 2
    assert parsed.dataset.graph_names() == []
    assert parsed.dataset.ask(f'ASK {{ <{PLAN}> ?p "Plan"@en }}', union=False)
    assert parsed.fmt == {"ttl": "turtle", "nt": "ntriples", "trig": "trig", "nq": "nquads",
                          "jsonld": "jsonld", "rdf": "rdfxml"}[name.rsplit(".", 1)[1]]


@pytest.mark.parametrize("name", ["plan.ttl", "plan.nt", "plan.trig", "plan.nq"])
def test_text_formats_locate_the_subject_line(name: str) -> None:
    parsed = read(("# a comment\n\n" + SAME_PLAN[name]).encode(), name)
    loc = parsed.locate(PLAN)
    assert loc is not None and loc.source == name and loc.line == 3


@pytest.mark.parametrize("name", ["plan.jsonld", "plan.rdf"])
def test_jsonld_and_rdfxml_locate_to_the_file_only(name: str) -> None:
    parsed = read(SAME_PLAN[name].encode(), name)
    loc = parsed.locate(PLAN)
    assert loc is not None and loc.source == name and loc.line is None
    assert parsed.locate(BASE + "id/plan/XX-1999") is None


def test_trig_keeps_named_graphs() -> None:
    g = BASE + "graph/contribution/x"
    parsed = read(f"<{g}> {{ <{PLAN}> a <{BASE}def/ActionPlan> . }}".encode(), "x.trig")
    assert parsed.dataset.graph_names() == [g]


def test_explicit_format_overrides_the_extension() -> None:
    parsed = read(SAME_PLAN["plan.nt"].encode(), "upload.txt", fmt="ntriples")
    assert parsed.fmt == "ntriples" and parsed.triples == 2


def test_unknown_format_name_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormatError, match="unknown format 'yaml'"):
        read(b"x", "x.ttl", fmt="yaml")


def test_byte_order_mark_is_accepted() -> None:
    parsed = read(b"\xef\xbb\xbf" + SAME_PLAN["plan.ttl"].encode(), "bom.ttl")
    assert parsed.triples == 2
    assert parsed.locate(PLAN) is not None and parsed.locate(PLAN).line == 1  # type: ignore[union-attr]


def test_sha256_and_size_are_of_the_raw_bytes() -> None:
    import hashlib

    data = SAME_PLAN["plan.ttl"].encode()
    parsed = read(data, "plan.ttl")
    assert parsed.size == len(data)
    assert parsed.sha256 == hashlib.sha256(data).hexdigest()


def test_base_iri_rewrites_iris_and_locate_undoes_it() -> None:
    other = "https://example.org/kg/"
    parsed = read(SAME_PLAN["plan.ttl"].encode(), "plan.ttl", base_iri=other)
    assert parsed.dataset.ask(f"ASK {{ <{other}id/plan/MA-2021> a <{other}def/ActionPlan> }}")
    loc = parsed.locate(other + "id/plan/MA-2021")
    assert loc is not None and loc.line == 1


def test_wrongly_typed_literal_is_left_to_validation() -> None:
    data = (f'<{PLAN}> <{BASE}def/commitmentCount> '
            '"abc"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    assert read(data.encode(), "x.ttl").triples == 1


# --------------------------------------------------------------------------- size caps

def test_file_over_max_bytes_is_too_large_from_bytes_and_path(tmp_path: Path) -> None:
    data = SAME_PLAN["plan.ttl"].encode()
    with pytest.raises(TooLargeError, match=f"{len(data)} bytes, over the limit of 10 bytes"):
        read(data, "plan.ttl", max_bytes=10)
    path = tmp_path / "plan.ttl"
    path.write_bytes(data)
    with pytest.raises(TooLargeError):
        read(path, "plan.ttl", max_bytes=10)


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read(tmp_path / "nope.ttl", "nope.ttl")


@pytest.mark.parametrize("fmt_name", ["huge.ttl", "huge.nt", "huge.jsonld"])
def test_literal_over_the_cap_names_line_and_subject(fmt_name: str) -> None:
    big = "x" * 2_000
    if fmt_name.endswith(".ttl"):
        data = (f"@prefix dcterms: <http://purl.org/dc/terms/> .\n\n<{PLAN}>\n"
                f'    dcterms:title "Plan" ;\n    dcterms:description "{big}" .\n')
        line = 5
    elif fmt_name.endswith(".nt"):
        data = (f'<{PLAN}> <http://purl.org/dc/terms/title> "Plan" .\n'
                f'<{PLAN}> <http://purl.org/dc/terms/description> "{big}" .\n')
        line = 2
    else:
        data = json.dumps({"@id": PLAN, "http://purl.org/dc/terms/description": big}, indent=1)
        line = 3
    with pytest.raises(InputError) as info:
        read(data.encode(), fmt_name, max_literal_bytes=1_000)
    exc = info.value
    assert not isinstance(exc, ParseError)
    assert f"<{PLAN}>" in str(exc) and "2000 bytes" in str(exc) and "1000 bytes" in str(exc)
    assert exc.location is not None and exc.location.line == line


def test_literal_at_the_cap_is_accepted() -> None:
    data = f'<{PLAN}> <http://purl.org/dc/terms/description> "{"é" * 500}" .'
    assert read(data.encode(), "x.nt", max_literal_bytes=1_000).triples == 1
    with pytest.raises(InputError, match="1002 bytes"):
        read(data.replace("é" * 500, "é" * 501).encode(), "x.nt", max_literal_bytes=1_000)


# --------------------------------------------------------------------------- locate

TRICKY_TURTLE = """@prefix ex: <http://example.org/> .
PREFIX plan: <https://w3id.org/ogp-kg/id/plan/>
@base <http://example.org/base/> .

# ex:commented a ex:Thing .
ex:a a ex:Thing ;
    ex:note "ex:inString a ex:Thing ." ;
    ex:long \"\"\"line one
ex:inLongString a ex:Thing .
\"\"\" .
<relative> a ex:Thing .
ex:b ex:p ex:c.
ex:d ex:p [ ex:q ex:e ] .
plan:MA-01-2020 a ex:Plan .
ex:a ex:again ex:x .
ex:with\\.dot a ex:Thing .
"""


def test_turtle_scan_finds_statement_subjects_only() -> None:
    lines = turtle_subject_lines(TRICKY_TURTLE)
    ex = "http://example.org/"
    assert lines[ex + "a"] == 6
    assert lines["http://example.org/base/relative"] == 11
    assert lines[ex + "b"] == 12
    assert lines[ex + "d"] == 13
    assert lines[BASE + "id/plan/MA-01-2020"] == 14
    assert lines[ex + "with.dot"] == 16
    for not_subject in ("commented", "inString", "inLongString", "c", "e", "Thing", "x"):
        assert ex + not_subject not in lines


def test_trig_scan_skips_graph_names() -> None:
    text = """@prefix ex: <http://example.org/> .
ex:g1 {
    ex:a a ex:Thing .
}
GRAPH ex:g2 { ex:b a ex:Thing }
ex:g3 { ex:c a ex:Thing . ex:d a ex:Thing }
"""
    lines = turtle_subject_lines(text)
    ex = "http://example.org/"
    assert lines == {ex + "a": 3, ex + "b": 5, ex + "c": 6, ex + "d": 6}


BUNDLED = sorted(
    [*PROJECT_ROOT.joinpath("data").rglob("*.trig"), *PROJECT_ROOT.joinpath("data").rglob("*.ttl"),
     *PROJECT_ROOT.joinpath("ontology").glob("*.ttl")])


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_locate_gives_a_line_naming_every_subject_of_a_bundled_file(path: Path) -> None:
    parsed = read(path, path.name, max_bytes=100_000_000, max_literal_bytes=10_000_000)
    rows = parsed.dataset.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")
    assert rows
    lines = path.read_text(encoding="utf-8").splitlines()
    for row in rows:
        iri = str(row["s"])
        loc = parsed.locate(iri)
        assert loc is not None and loc.line is not None, iri
        local = re.split(r"[/#]", iri.rstrip("/"))[-1]
        assert local in lines[loc.line - 1], (iri, loc.line)


# --------------------------------------------------------------------------- format specifics

def test_rdfxml_internal_entities_are_expanded() -> None:
    data = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY plan "{BASE}id/plan/"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dcterms="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="&plan;MA-2021"><dcterms:title>Plan</dcterms:title></rdf:Description>
</rdf:RDF>
"""
    parsed = read(data.encode(), "entities.rdf")
    assert parsed.dataset.ask(f'ASK {{ <{PLAN}> ?p "Plan" }}')


def test_jsonld_context_terms_relative_to_vocab_are_not_flagged() -> None:
    data = {"@context": {"@vocab": BASE + "def/", "Plan": {"@id": "ActionPlan"}},
            "@id": PLAN, "@type": "Plan"}
    parsed = read(json.dumps(data).encode(), "vocab.jsonld")
    assert parsed.dataset.ask(f"ASK {{ <{PLAN}> a <{BASE}def/ActionPlan> }}")


def test_jsonld_relative_id_is_fine_with_a_base() -> None:
    data = {"@context": {"@base": BASE + "id/plan/"}, "@id": "MA-2021",
            "http://purl.org/dc/terms/title": "Plan"}
    parsed = read(json.dumps(data).encode(), "base.jsonld")
    assert parsed.dataset.ask(f'ASK {{ <{PLAN}> ?p "Plan" }}')
