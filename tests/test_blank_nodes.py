"""Blank nodes are ordinary nodes: a file whose nodes are blank is validated like any other,
and identically through the command line (``ogpkg validate``), the upload page (``POST
/contribute``) and a Graph Store ``PUT``; a result about a blank node names it by the path from
the nearest IRI."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH
from typer.testing import CliRunner

from ogpkg.cli import app
from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.conftest import ROOT, TOKEN
from tests.http_server import running

PREFIXES = """\
@prefix ogp: <https://w3id.org/ogp-kg/def/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix plan: <https://w3id.org/ogp-kg/id/plan/> .
@prefix commitment: <https://w3id.org/ogp-kg/id/commitment/> .
"""
#: a commitment whose period is written in blank nodes; the end instant has no date
BLANK = PREFIXES + """
commitment:MA-2021-90 a ogp:Commitment ;
    ogp:inActionPlan plan:MA-2021 ;
    dcterms:identifier "MA-2021-90" ;
    dcterms:title "A commitment with its period in blank nodes"@en ;
    dcterms:temporal [
        a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDate "2021-09-01"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ]
    ] .
"""
GRAPH = "https://w3id.org/ogp-kg/graph/contribution/test-blank-nodes"
EXPECTED = {("Violation", "commitment:MA-2021-90 dcterms:temporal [ time:hasEnd [ … ] ]",
             "http://www.w3.org/ns/shacl#MinCountConstraintComponent")}


def outcome(report: dict) -> list[tuple[object, ...]]:
    """What must be the same whichever way the file came in: each result, with a blank
    focus node by its readable name (blank node ids differ from one parse to the next)."""
    return sorted((r["severity"], r["focus_name"] or r["focus"], r["path"], r["value"],
                   r["shape"], r["component"], r["message"]) for r in report["results"])


def test_blank_nodes_are_validated_alike_by_the_cli_the_upload_page_and_the_graph_store(
        writable_settings: Settings, tmp_path: Path) -> None:
    data = tmp_path / "blank.ttl"
    data.write_text(BLANK, encoding="utf-8")
    cli = CliRunner().invoke(app, [
        "validate", str(data), "--report", "json", "--data-dir",
        str(writable_settings.data_dir), "--content-dir", str(ROOT)])
    assert cli.exit_code == 1, cli.output
    by_cli = json.loads(cli.stdout)
    assert {(r["severity"], r["focus_name"], r["component"])
            for r in by_cli["results"]} == EXPECTED
    [result] = by_cli["results"]
    assert result["focus"].startswith("_:")
    assert result["location"] == {"source": "blank.ttl", "line": 8}  # its IRI's line

    with running(create_app(writable_settings)) as url, \
            httpx.Client(base_url=url, timeout=60) as client:
        before = client.get("/health").json()["version"]
        upload = client.post("/contribute", files={"file": ("blank.ttl", BLANK.encode())},
                             headers={"Accept": "application/json"})
        assert upload.status_code == 201, upload.text
        put = client.put("/graph-store", params={"graph": GRAPH}, content=BLANK.encode(),
                         headers={"Content-Type": "text/turtle",
                                  "Authorization": f"Bearer {TOKEN}"})
        assert put.status_code == 422, put.text
        by_put = put.json()["detail"]["report"]
        assert client.get("/health").json()["version"] == before
        assert client.get("/graph-store", params={"graph": GRAPH}).status_code == 404

    assert outcome(upload.json()["report"]) == outcome(by_cli) == outcome(by_put)


@pytest.mark.parametrize(("name", "text"), [
    ("blank.jsonld", json.dumps({
        "@context": {"ogp": "https://w3id.org/ogp-kg/def/",
                     "dcterms": "http://purl.org/dc/terms/",
                     "time": "http://www.w3.org/2006/time#"},
        "@id": "https://w3id.org/ogp-kg/id/commitment/MA-2021-90",
        "@type": "ogp:Commitment",
        "ogp:inActionPlan": {"@id": "https://w3id.org/ogp-kg/id/plan/MA-2021"},
        "dcterms:identifier": "MA-2021-90",
        "dcterms:title": {"@value": "A commitment", "@language": "en"},
        "dcterms:temporal": {"@type": "time:Interval",
                             "time:hasEnd": {"@type": "time:Instant"}}})),
    ("blank.rdf", """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:ogp="https://w3id.org/ogp-kg/def/" xmlns:dcterms="http://purl.org/dc/terms/"
         xmlns:time="http://www.w3.org/2006/time#">
  <ogp:Commitment rdf:about="https://w3id.org/ogp-kg/id/commitment/MA-2021-90">
    <ogp:inActionPlan rdf:resource="https://w3id.org/ogp-kg/id/plan/MA-2021"/>
    <dcterms:identifier>MA-2021-90</dcterms:identifier>
    <dcterms:title xml:lang="en">A commitment</dcterms:title>
    <dcterms:temporal>
      <time:Interval><time:hasEnd><time:Instant/></time:hasEnd></time:Interval>
    </dcterms:temporal>
  </ogp:Commitment>
</rdf:RDF>
"""),
])
def test_json_ld_without_id_and_rdf_xml_without_about_are_validated(
        built_settings: Settings, tmp_path: Path, name: str, text: str) -> None:
    data = tmp_path / name
    data.write_text(text, encoding="utf-8")
    cli = CliRunner().invoke(app, [
        "validate", str(data), "--report", "json", "--data-dir",
        str(built_settings.data_dir), "--content-dir", str(ROOT)])
    assert cli.exit_code == 1, cli.output
    names = {(r["focus_name"], r["component"].rsplit("#", 1)[-1])
             for r in json.loads(cli.stdout)["results"]}
    assert ("commitment:MA-2021-90 dcterms:temporal [ time:hasEnd [ … ] ]",
            "MinCountConstraintComponent") in names


def test_a_blank_focus_node_is_described_in_the_turtle_report(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ] .
""", encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text("""@prefix ex: <http://example.org/> .
ex:box ex:holds [ a ex:Thing ; ex:colour "red" ] .
""", encoding="utf-8")
    run = CliRunner().invoke(app, ["validate", str(data), "--shapes", str(shapes),
                                   "--report", "turtle"])
    assert run.exit_code == 1, run.output
    ex = Namespace("http://example.org/")
    g = Graph().parse(data=run.stdout, format="turtle")
    [focus] = g.objects(None, SH.focusNode)
    assert g.value(focus, URIRef(ex.colour)) == Literal("red")
    [shape] = g.objects(None, SH.sourceShape)
    assert g.value(shape, SH.minCount) == Literal(1)
    as_json = CliRunner().invoke(app, ["validate", str(data), "--shapes", str(shapes),
                                       "--report", "json"])
    [result] = json.loads(as_json.stdout)["results"]
    assert result["focus_name"] == "<http://example.org/box> <http://example.org/holds> [ … ]"
    assert result["location"] == {"source": str(data), "line": 2}
