"""The fast validator gives the same results as pySHACL, the reference: on the fixtures, on the
project's shapes with their examples, and on synthetic data with injected errors.

Results are compared on (focus, path, value, shape, component, severity). A value is compared
by what it means, not how it is spelled: the store writes literals in canonical form
(``"0.0"^^xsd:decimal`` becomes ``"0"^^xsd:decimal``) and keeps derived integer types as
``xsd:integer``.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

from ogpkg.contrib import content
from ogpkg.namespaces import ONTOLOGY_GRAPH
from ogpkg.store import MemoryDataset
from ogpkg.validation.validate import (
    Shapes,
    ValidationReport,
    canonical_value,
    validate,
    validate_pyshacl,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "validate_fixtures"
EXAMPLES = Path(__file__).parent / "shapes" / "examples"
CONTEXT = Path(__file__).parent / "shapes" / "context.ttl"
GENERATOR = ROOT / "bench" / "generate.py"
EX = "https://example.org/ns#"

pytestmark = pytest.mark.usefixtures("sparql_parsed_once")


def keys(report: ValidationReport) -> set[tuple[object, ...]]:
    return report.comparison_keys()


def both(ds: Dataset, shapes: Shapes) -> tuple[ValidationReport, ValidationReport]:
    """The fast path on a MemoryDataset holding the same quads (blank nodes keep their ids)
    plus the ontology, and pySHACL on the dataset."""
    mem = MemoryDataset()
    mem.add((s, p, o, g if isinstance(g, URIRef) and not str(g).startswith("urn:x-rdflib")
             else None) for s, p, o, g in ds.quads((None, None, None, None)))
    mem.add((s, p, o, URIRef(ONTOLOGY_GRAPH)) for s, p, o in shapes.ontology)
    return validate(mem, shapes), validate_pyshacl(ds, shapes)


def assert_same(fast: ValidationReport, ref: ValidationReport) -> None:
    only_fast, only_ref = keys(fast) - keys(ref), keys(ref) - keys(fast)
    assert not only_fast and not only_ref, (
        "fast path and pySHACL differ:\n"
        + "\n".join(f"  only fast: {k}" for k in sorted(only_fast, key=str))
        + "\n" + "\n".join(f"  only pyshacl: {k}" for k in sorted(only_ref, key=str)))
    assert fast.conforms == ref.conforms
    assert fast.focus_count == ref.focus_count


def load(paths: Iterable[Path]) -> Dataset:
    """The files parsed by rdflib, as pySHACL reads them (the fast path gets the same quads)."""
    ds = Dataset(default_union=True)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".trig", ".nq"):
            with warnings.catch_warnings():  # rdflib 7.6 warns inside its own Dataset.parse
                warnings.simplefilter("ignore", DeprecationWarning)
                ds.parse(data=text, format="trig" if path.suffix == ".trig" else "nquads")
        else:
            ds.default_graph.parse(data=text, format="turtle")
    return ds


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def fixture_shapes() -> Shapes:
    return Shapes.from_paths([FIXTURES / "shapes.ttl"], [FIXTURES / "ontology.ttl"])


@pytest.mark.parametrize("name", ["valid.trig", "invalid.trig"])
def test_fixtures_give_the_same_results_with_both_engines(fixture_shapes: Shapes,
                                                          name: str) -> None:
    fast, ref = both(load([FIXTURES / name]), fixture_shapes)
    assert_same(fast, ref)
    assert (name == "valid.trig") == (fast.results == [])
    assert ref.engine == "pyshacl" and fast.engine == "fast"


def test_both_engines_give_the_same_messages_and_labels(fixture_shapes: Shapes) -> None:
    fast, ref = both(load([FIXTURES / "invalid.trig"]), fixture_shapes)
    by_key = {(r.focus, r.path, canonical_value(r.value), r.shape, r.component): r
              for r in ref.results}
    for r in fast.results:
        other = by_key[(r.focus, r.path, canonical_value(r.value), r.shape, r.component)]
        assert (r.messages, r.focus_labels) == (other.messages, other.focus_labels)


def test_focus_graphs_match_pyshacl_restricted_to_their_subjects(
        fixture_shapes: Shapes) -> None:
    ds = load([FIXTURES / "valid.trig", FIXTURES / "invalid.trig"])
    people = URIRef(EX + "people")
    subjects = {s for s, _, _ in ds.graph(people)}
    mem = MemoryDataset()
    mem.add((s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None)))
    mem.add((s, p, o, URIRef(ONTOLOGY_GRAPH)) for s, p, o in fixture_shapes.ontology)
    fast = validate(mem, fixture_shapes, focus_graphs=[str(people)])
    ref = validate_pyshacl(ds, fixture_shapes, focus_nodes=subjects)
    assert_same(fast, ref)
    assert {r.focus for r in fast.results} == {EX + n for n in ("p1", "p2", "p3", "p4", "longy")}


# --------------------------------------------------------------------------- project shapes

def project_shapes() -> Shapes:
    return Shapes.from_paths(content.shape_files(ROOT), content.ontology_files(ROOT))


def examples() -> list[Path]:
    """tests/shapes/examples/<shape>/{ok,bad}-*.ttl (see tests/test_shapes.py)."""
    if not EXAMPLES.is_dir():
        return []
    return sorted(EXAMPLES.rglob("*.ttl"))


@pytest.fixture(scope="module")
def shapes_of_the_project(shapes: Shapes) -> Shapes:
    """The project's shapes, as parsed once for the session (conftest's ``shapes``)."""
    if not list((ROOT / "shapes").glob("*.ttl")):
        pytest.skip("shapes/ has no shapes yet")
    return shapes


@pytest.mark.slow  # about 0.8 s each (pySHACL), some 400 examples
@pytest.mark.parametrize("example", examples() or [None],
                         ids=lambda p: f"{p.parent.name}/{p.name}" if p else "no-examples")
def test_project_shape_examples_give_the_same_results(shapes_of_the_project: Shapes,
                                                      example: Path | None) -> None:
    if example is None:
        pytest.skip(f"no example files under {EXAMPLES}")
    files = [example]
    if "# context: none" not in example.read_text(encoding="utf-8") and CONTEXT.is_file():
        files.append(CONTEXT)
    fast, ref = both(load(files), shapes_of_the_project)
    assert_same(fast, ref)


def generate(tmp: Path) -> Path:
    """Synthetic data at scale 0.02 with injected errors (fewer if the generator cannot place
    that many at this scale)."""
    out = tmp / "synthetic.nq"
    tried = []
    for errors in (30, 18, 9, 8):
        run = subprocess.run([sys.executable, str(GENERATOR), "--scale", "0.02",
                              "--inject-errors", str(errors), "--format", "nq", "--out", str(out)],
                             capture_output=True, text=True, cwd=ROOT)
        if run.returncode == 0:
            return out
        tried.append(f"{errors}: {run.stderr.strip()}")
    pytest.fail("bench/generate.py failed:\n" + "\n".join(tried))


@pytest.mark.slow
def test_synthetic_data_with_injected_errors_gives_the_same_results(
        shapes_of_the_project: Shapes, tmp_path: Path) -> None:
    if not GENERATOR.is_file():
        pytest.skip("bench/generate.py is not there yet")
    fast, ref = both(load([generate(tmp_path)]), shapes_of_the_project)
    assert_same(fast, ref)
    assert fast.violations(), "the injected errors must be found"


@pytest.mark.slow
def test_bundled_data_gives_the_same_results(shapes_of_the_project: Shapes) -> None:
    files = sorted((ROOT / "data").rglob("*.trig"))
    if not files:
        pytest.skip("data/ has no TriG files yet")
    fast, ref = both(load(files), shapes_of_the_project)
    assert_same(fast, ref)
