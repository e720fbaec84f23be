"""``ogpkg validate DATA --shapes SHAPES``: any data against any shapes, without the ontology
or the store, in every report format; exit 0 conforms, 1 does not, 2 unreadable."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SH
from typer.testing import CliRunner

from ogpkg.cli import app

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:age ; sh:datatype xsd:integer ; sh:maxInclusive 150 ] ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:severity sh:Warning ] .
"""
GOOD = """@prefix ex: <http://example.org/> .
ex:ann a ex:Person ; ex:name "Ann" ; ex:age 40 .
"""
BAD = """@prefix ex: <http://example.org/> .
ex:bob a ex:Person ;
    ex:age 200 .
"""


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("shapes.ttl", SHAPES), ("good.ttl", GOOD), ("bad.ttl", BAD)):
        out[name] = tmp_path / name
        out[name].write_text(text, encoding="utf-8")
    return out


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["validate", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_conforming_data_exits_0(files: dict[str, Path]) -> None:
    code, out, _ = run(files["good.ttl"], "--shapes", files["shapes.ttl"], "--report", "json")
    assert code == 0
    assert json.loads(out)["conforms"] is True


def test_every_result_of_any_severity_makes_it_not_conform(files: dict[str, Path]) -> None:
    code, out, err = run(files["bad.ttl"], "--shapes", files["shapes.ttl"], "--report", "json")
    assert code == 1, err
    report = json.loads(out)
    assert report["conforms"] is False
    assert sorted((r["severity"], r["component"].rsplit("#")[-1], r["location"]["line"])
                  for r in report["results"]) == [
        ("Violation", "MaxInclusiveConstraintComponent", 2),
        ("Warning", "MinCountConstraintComponent", 2)]


def test_turtle_report_is_the_validation_report_on_stdout(files: dict[str, Path]) -> None:
    code, out, _ = run(files["bad.ttl"], "--shapes", files["shapes.ttl"], "--report", "turtle")
    assert code == 1
    g = Graph().parse(data=out, format="turtle")
    assert (None, SH.conforms, Literal(False)) in g
    assert len(list(g.objects(None, SH.result))) == 2
    assert (None, SH.resultSeverity, SH.Warning) in g


@pytest.mark.parametrize(("fmt", "check"), [
    ("text", lambda out: "does not conform" in out and "ex" in out),
    ("html", lambda out: out.lstrip().lower().startswith("<!doctype html>")),
    ("csv", lambda out: next(csv.reader(io.StringIO(out)))[0] == "severity"),
])
def test_other_report_formats(files: dict[str, Path], fmt: str, check: object) -> None:
    code, out, _ = run(files["bad.ttl"], "--shapes", files["shapes.ttl"], "--report", fmt)
    assert code == 1
    assert check(out)  # type: ignore[operator]


def test_shapes_file_without_shapes_is_an_error(files: dict[str, Path]) -> None:
    code, out, err = run(files["bad.ttl"], "--shapes", files["good.ttl"])
    assert code == 2 and out == ""
    assert "good.ttl: no shapes found" in " ".join(err.split())


def test_unreadable_data_names_the_file_and_line(files: dict[str, Path],
                                                 tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    code, _, err = run(broken, "--shapes", files["shapes.ttl"])
    assert code == 2
    assert "broken.ttl" in err and "line 2" in err


def test_missing_file_exits_2(files: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "nope.ttl", "--shapes", files["shapes.ttl"])
    assert code == 2 and "nope.ttl" in err


def test_custom_severity_keeps_its_iri(tmp_path: Path) -> None:
    shapes = tmp_path / "s.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:class ex:C ; sh:severity ex:Serious .
""", encoding="utf-8")
    code, out, _ = run(shapes, "--shapes", shapes, "--report", "turtle")
    assert code == 1
    g = Graph().parse(data=out, format="turtle")
    assert {str(s) for s in g.objects(None, SH.resultSeverity)} == {"http://example.org/Serious"}
