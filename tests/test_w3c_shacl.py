"""The W3C SHACL test suite (core and SHACL-SPARQL), run through ``ogpkg validate DATA --shapes
SHAPES --report turtle``: one case per test of the suite's manifests.

A test passes when the report is isomorphic to the expected ``sh:ValidationReport`` after the
suite's normalisation: only ``sh:conforms`` and ``sh:result``, and per result ``sh:focusNode``,
``sh:resultPath``, ``sh:resultSeverity``, ``sh:sourceConstraintComponent``, ``sh:sourceShape``
and ``sh:value`` are compared; a blank node is compared by its structure (its triples, and those
of the blank nodes it reaches). A test whose expected result is ``sht:Failure`` passes when the
command refuses the shapes (exit 2).

The suite is read from ``../shared/w3c/shacl`` next to the project (or next to a folder above
it). Without it the tests are skipped, except under CI, where its absence fails.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.term import Node
from typer.testing import CliRunner

from ogpkg.cli import app

ROOT = Path(__file__).resolve().parents[1]
SH = Namespace("http://www.w3.org/ns/shacl#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")

#: per result, the properties the suite compares
RESULT_PROPERTIES = (SH.focusNode, SH.resultPath, SH.resultSeverity,
                     SH.sourceConstraintComponent, SH.sourceShape, SH.value)

#: tests whose difference cannot be avoided, with what differs and why (see README.md,
#: "Where the validator differs from the W3C SHACL test suite")
KNOWN_DIFFERENCES: dict[str, str] = {
    "sparql/pre-binding/shapesGraph-001": (
        "$shapesGraph is an optional feature of SHACL-SPARQL (5.3.1): the shapes graph is "
        "not part of the validated dataset, so a query that reads it is refused (exit 2)"),
}


def suite_dir() -> Path | None:
    """``shared/w3c/shacl`` in the folder above the project, or above one of its parents."""
    for folder in ROOT.parents:
        candidate = folder / "shared" / "w3c" / "shacl"
        if (candidate / "manifest.ttl").is_file():
            return candidate
    return None


@dataclass(frozen=True)
class Case:
    """One test of the suite."""

    id: str
    label: str
    manifest: Path
    entry: URIRef
    data: Path
    shapes: Path

    def load(self) -> tuple[Graph, Node]:
        """The manifest graph and the test's expected result node."""
        graph = parse(self.manifest)
        result = graph.value(self.entry, MF.result)
        assert result is not None, f"{self.id}: no mf:result"
        return graph, result


@contextmanager
def as_written() -> Iterator[None]:
    """rdflib keeps each literal as written: the suite compares terms, and an ill-formed
    ``"none"^^xsd:boolean`` must not turn into ``"false"`` (its log about them is muted)."""
    log = logging.getLogger("rdflib.term")
    level, normalize = log.level, rdflib.NORMALIZE_LITERALS
    log.setLevel(logging.CRITICAL)
    rdflib.NORMALIZE_LITERALS = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        log.setLevel(level)
        rdflib.NORMALIZE_LITERALS = normalize


def parse(path: Path) -> Graph:
    graph = Graph()
    with as_written():
        graph.parse(path, format="turtle")
    return graph


def file_of(iri: Node) -> Path:
    assert isinstance(iri, URIRef) and iri.startswith("file://"), iri
    return Path(iri[len("file://"):])


def collect(manifest: Path, root: Path) -> list[Case]:
    """The tests of ``manifest`` and of the manifests it includes, in manifest order."""
    graph = parse(manifest)
    cases: list[Case] = []
    for top in graph.subjects(RDF.type, MF.Manifest):
        for included in sorted(graph.objects(top, MF.include), key=str):
            cases += collect(file_of(included), root)
        for entries in graph.objects(top, MF.entries):
            for entry in Collection(graph, entries):
                assert isinstance(entry, URIRef)
                action = graph.value(entry, MF.action)
                name = entry.split("/")[-1]
                rel = manifest.relative_to(root).parent / name
                cases.append(Case(str(rel), str(graph.value(entry, RDFS_LABEL) or name),
                                  manifest, entry,
                                  file_of(graph.value(action, SHT.dataGraph)),
                                  file_of(graph.value(action, SHT.shapesGraph))))
    return cases


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
SUITE = suite_dir()
CASES = collect(SUITE / "manifest.ttl", SUITE) if SUITE is not None else []


def params() -> list[object]:
    if SUITE is None:
        return [pytest.param(None, id="suite-missing")]
    out = []
    for case in CASES:
        marks = []
        if case.id in KNOWN_DIFFERENCES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[case.id]))
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


# --------------------------------------------------------------------------- normalisation

def blank_closure(graph: Graph, node: Node, into: Graph) -> None:
    """Copy into ``into`` the triples of ``node`` (a blank node) and of the blank nodes it
    reaches."""
    todo = [node] if isinstance(node, BNode) else []
    seen = set(todo)
    while todo:
        current = todo.pop()
        for p, o in graph.predicate_objects(current):
            into.add((current, p, o))
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                todo.append(o)


def normalised(graph: Graph, report: Node) -> Graph:
    """The report at ``report`` reduced to what the suite compares."""
    out = Graph()
    out.add((report, RDF.type, SH.ValidationReport))
    for conforms in graph.objects(report, SH.conforms):
        out.add((report, SH.conforms, Literal(bool(conforms.toPython()))))  # type: ignore[attr-defined]
    for result in graph.objects(report, SH.result):
        out.add((report, SH.result, result))
        out.add((result, RDF.type, SH.ValidationResult))
        for p in RESULT_PROPERTIES:
            for o in graph.objects(result, p):
                out.add((result, p, o))
                blank_closure(graph, o, out)
    return out


def rows(graph: Graph) -> list[str]:
    """One line per result: its compared properties, blank nodes shown by their triples."""
    def show(node: Node, depth: int = 0) -> str:
        if isinstance(node, BNode) and depth < 4:
            inner = "; ".join(f"{p.n3()} {show(o, depth + 1)}"
                              for p, o in sorted(graph.predicate_objects(node)))
            return f"[{inner}]"
        return node.n3()

    out = []
    for report in graph.subjects(RDF.type, SH.ValidationReport):
        out.append(f"conforms {graph.value(report, SH.conforms)}")
        for result in graph.objects(report, SH.result):
            out.append("  " + " | ".join(
                f"{p.split('#')[-1]}={show(o)}" for p in RESULT_PROPERTIES
                for o in graph.objects(result, p)))
    return sorted(out)


def differences(expected: Graph, actual: Graph) -> str:
    return ("expected:\n" + "\n".join(rows(expected)) + "\nreported:\n"
            + "\n".join(rows(actual)))


# --------------------------------------------------------------------------- running

def run_cli(case: Case) -> tuple[int, str, str]:
    """``ogpkg validate DATA --shapes SHAPES --report turtle`` in-process: exit, stdout,
    stderr."""
    result = CliRunner().invoke(app, ["validate", str(case.data), "--shapes", str(case.shapes),
                                      "--report", "turtle"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def check(case: Case, code: int, stdout: str, stderr: str) -> None:
    graph, expected_node = case.load()
    if (expected_node, RDF.type, SH.ValidationReport) not in graph:
        assert expected_node == SHT.Failure, f"{case.id}: unknown expected result"
        assert code == 2, f"{case.id}: the shapes must be refused (exit 2), got {code}:\n{stdout}"
        assert "error" in stderr, stderr
        return
    assert code in (0, 1), f"{case.id}: exit {code}\n{stderr}"
    with as_written():
        actual_graph = Graph().parse(data=stdout, format="turtle")
    reports = list(actual_graph.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1, stdout
    expected = normalised(graph, expected_node)
    actual = normalised(actual_graph, reports[0])
    conforms = (expected_node, SH.conforms, Literal(True)) in expected
    assert code == (0 if conforms else 1), f"{case.id}: exit {code}"
    assert isomorphic(expected, actual), f"{case.id} ({case.label}):\n" + differences(
        expected, actual)


@pytest.mark.parametrize("case", params())
def test_w3c_shacl(case: Case | None) -> None:
    if case is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the W3C SHACL test suite is missing: expected ../shared/w3c/shacl "
                        f"next to {ROOT}")
        pytest.skip("the W3C SHACL test suite (../shared/w3c/shacl) is not here")
    check(case, *run_cli(case))


SUBPROCESS_CASES = ("core/node/class-001", "core/path/path-inverse-001",
                    "sparql/node/sparql-001", "sparql/pre-binding/unsupported-sparql-001")


@pytest.mark.skipif(SUITE is None and os.environ.get("CI") != "true",
                    reason="the W3C SHACL test suite (../shared/w3c/shacl) is not here")
@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_w3c_shacl_through_the_installed_command(case_id: str) -> None:
    """A few tests through a real ``ogpkg`` process, as CI and users run it."""
    assert SUITE is not None, "the W3C SHACL test suite is missing"
    [case] = [c for c in CASES if c.id == case_id]
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ogpkg"), "validate", str(case.data), "--shapes",
         str(case.shapes), "--report", "turtle"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=case.data.parent)
    check(case, proc.returncode, proc.stdout, proc.stderr)


def test_the_suite_has_every_test() -> None:
    """No test is dropped on the way: the manifests list 98 core and 22 SPARQL tests."""
    if SUITE is None:
        pytest.skip("the W3C SHACL test suite (../shared/w3c/shacl) is not here")
    assert len(CASES) == len({c.id for c in CASES})
    assert sum(c.id.startswith("core/") for c in CASES) == 98
    assert sum(c.id.startswith("sparql/") for c in CASES) == 22
