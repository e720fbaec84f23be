"""Content sync: the first run builds the store, later runs reload only changed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpkg.contrib import content
from ogpkg.contrib.gate import Gate
from ogpkg.errors import ConfigError, InputError, ParseError
from ogpkg.store import Store
from ogpkg.validation.validate import Shapes

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


def whole_root(tmp_path: Path, shapes: str) -> Path:
    """A content folder with every part, whose one shapes file holds ``shapes``."""
    root = make_root(tmp_path)
    (root / "shapes" / "s.ttl").write_text(shapes)
    for folder, name in (("queries/examples", "q.rq"), ("queries/qc", "x-violation.rq")):
        (root / folder).mkdir(parents=True)
        (root / folder / name).write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 0\n")
    return root


SHAPE = ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
         "ex:AShape a sh:NodeShape ; sh:targetClass ex:A ; "
         "sh:property [ sh:path ex:p ; sh:minCount 1 ] .\n")
NO_SHAPE = "@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh: a <http://example.org/Prefixes> .\n"


def test_missing_names_each_absent_part_and_where(tmp_path: Path) -> None:
    root = make_root(tmp_path)  # ontology and data, no shapes, no queries
    assert content.missing(root) == [
        f"the SHACL shapes (no *.ttl file under {root / 'shapes'})",
        f"the example queries ({root / 'queries' / 'examples'} is not a folder)",
        f"the quality checks ({root / 'queries' / 'qc'} is not a folder)",
    ]
    assert content.missing(whole_root(tmp_path / "b", SHAPE)) == []


def test_templates_alone_are_not_data(tmp_path: Path) -> None:
    root = whole_root(tmp_path, SHAPE)
    (root / "data" / "seeds" / "x.trig").unlink()
    assert content.missing(root) == [f"the bundled data (no RDF file under {root / 'data'})"]


def test_no_shape_files_is_an_error_naming_the_folder(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    with pytest.raises(ConfigError, match=f"cannot load the SHACL shapes: no \\*.ttl file under "
                       f"{root / 'shapes'}"):
        content.shape_files(root)


def test_shapes_files_declaring_no_shape_are_refused(tmp_path: Path) -> None:
    root = whole_root(tmp_path, NO_SHAPE)
    with pytest.raises(ConfigError, match=r"no SHACL shapes: \S+/shapes/s.ttl declare\(s\) no "
                       r"sh:NodeShape"):
        content.load_shapes(root)
    assert len(content.load_shapes(whole_root(tmp_path / "b", SHAPE))) == 2  # node + property


def test_an_empty_ontology_is_refused(tmp_path: Path) -> None:
    root = whole_root(tmp_path, SHAPE)
    (root / "ontology" / "ogp.ttl").write_text("@prefix ex: <http://example.org/> .\n")
    with pytest.raises(ConfigError, match=r"the ontology under .*ontology is empty"):
        content.load_shapes(root)


@pytest.mark.parametrize("command", ["validate", "check"])
def test_zero_shapes_exits_2_never_conforms(tmp_path: Path, command: str) -> None:
    from typer.testing import CliRunner

    from ogpkg.cli import app

    root = whole_root(tmp_path, NO_SHAPE)
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/x> a <http://example.org/A> .\n")
    args = [command, *([str(bad)] if command == "validate" else []), "--content-dir",
            str(root), "--data-dir", str(tmp_path / "var")]
    result = CliRunner().invoke(app, args)
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2, said
    assert "no SHACL shapes" in said and "conforms" not in said + result.stdout


def test_serve_with_zero_shapes_is_a_start_up_error(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = whole_root(tmp_path, NO_SHAPE)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", "from ogpkg.cli import app; app()", "serve",
                           "--no-sync", "--port", "0", "--content-dir", str(root),
                           "--data-dir", str(tmp_path / "var")], env=env, capture_output=True,
                          text=True, timeout=120)
    said = " ".join(done.stderr.split())
    assert done.returncode == 2, said
    assert "no SHACL shapes" in said and "serving" not in said
