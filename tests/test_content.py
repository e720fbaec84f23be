"""Content sync: the first run builds the store, later runs reload only changed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpkg import content
from ogpkg.contrib.gate import Gate
from ogpkg.errors import InputError, ParseError
from ogpkg.store import Store
from ogpkg.validate import Shapes

ONT = "@prefix ex: <http://example.org/> .\nex:A a <http://www.w3.org/2002/07/owl#Class> .\n"
DATA = """@prefix ex: <http://example.org/> .
GRAPH <https://w3id.org/ogp-kg/graph/seed-x> { ex:a ex:p "%s" . }
"""


SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:PShape a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
  sh:property [ sh:path ex:p ; sh:maxLength 5 ] .
"""


def gate(store: Store) -> Gate:
    from rdflib import Graph

    return Gate(store, Shapes(Graph().parse(data=SHAPES, format="turtle")))


def sync(store: Store, root: Path) -> content.SyncPlan:
    plan, outcome = content.sync(gate(store), root)
    assert outcome is None or outcome.written, outcome.report.to_text("en")
    return plan


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    for d in ("ontology", "shapes", "data/seeds", "data/templates"):
        (root / d).mkdir(parents=True)
    (root / "ontology" / "ogp.ttl").write_text(ONT)
    (root / "data" / "seeds" / "x.trig").write_text(DATA % "one")
    (root / "data" / "templates" / "ignored.ttl").write_text("not parsed")
    return root


def test_first_sync_builds_then_only_changes_reload(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    store = Store(tmp_path / "var")
    first = sync(store, root)
    assert sorted(f.rel for f in first.load) == ["data/seeds/x.trig", "ontology/ogp.ttl"]
    assert store.graph_names() == ["https://w3id.org/ogp-kg/graph/ontology/ogp",
                                   "https://w3id.org/ogp-kg/graph/seed-x"]
    v = store.version
    assert sync(store, root).empty and store.version == v
    (root / "data" / "seeds" / "x.trig").write_text(DATA % "two")
    again = sync(store, root)
    assert [f.rel for f in again.load] == ["data/seeds/x.trig"]
    rows = store.select("SELECT ?o { ?s <http://example.org/p> ?o }")
    assert [str(r["o"]) for r in rows] == ["two"]


def test_deleted_file_drops_its_graphs(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    store = Store(tmp_path / "var")
    sync(store, root)
    (root / "data" / "seeds" / "x.trig").unlink()
    done = sync(store, root)
    assert done.removed == ["data/seeds/x.trig"]
    assert store.graph_names() == ["https://w3id.org/ogp-kg/graph/ontology/ogp"]


def test_broken_file_changes_nothing(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    store = Store(tmp_path / "var")
    sync(store, root)
    (root / "ontology" / "ogp.ttl").write_text(ONT + "ex:B a \n")
    (root / "data" / "seeds" / "x.trig").write_text(DATA % "changed")
    with pytest.raises(ParseError, match=r"ontology/ogp.ttl line 4"):
        sync(store, root)
    rows = store.select("SELECT ?o { ?s <http://example.org/p> ?o }")
    assert [str(r["o"]) for r in rows] == ["one"]


def test_data_facts_outside_named_graph_are_refused(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "data" / "seeds" / "y.trig").write_text("<http://a> <http://b> <http://c> .")
    store = Store(tmp_path / "var")
    with pytest.raises(InputError, match="outside a named graph"):
        sync(store, root)
    assert store.version == 0


def test_two_files_may_not_fill_one_graph(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "data" / "seeds" / "z.trig").write_text(DATA % "dup")
    with pytest.raises(InputError, match="already filled by"):
        sync(Store(tmp_path / "var"), root)


def test_content_that_does_not_conform_is_not_written(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "data" / "seeds" / "x.trig").write_text(DATA % "far too long")
    store = Store(tmp_path / "var")
    _, outcome = content.sync(gate(store), root)
    assert outcome is not None and outcome.blocked and not outcome.written
    assert [r.component_name for r in outcome.report.violations()] == ["MaxLength"]
    assert store.version == 0 and len(store.select("SELECT * { GRAPH ?g { ?s ?p ?o } }")) == 0
