"""Shared fixtures: the repository's content, and one store built from it per session."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ogpkg.config import Settings, load_settings
from ogpkg.contrib import content
from ogpkg.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shapes():  # type: ignore[no-untyped-def]
    from ogpkg.validation.validate import Shapes

    return Shapes.from_paths(content.shape_files(ROOT), content.ontology_files(ROOT))


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory, shapes) -> Path:  # type: ignore[no-untyped-def]
    """A data directory holding the store built from the bundled content, through the write
    gate (validated)."""
    from ogpkg.contrib.gate import Gate

    data_dir = tmp_path_factory.mktemp("store")
    with Store(data_dir) as store:
        gate = Gate(store, shapes)
        _, outcome = content.sync(gate, ROOT)
        gate.close()
    assert outcome is not None and outcome.written, outcome and outcome.report.to_text("en")
    return data_dir


@pytest.fixture(scope="session")
def built_settings(built_dir: Path) -> Settings:
    return load_settings({"data_dir": built_dir, "content_dir": ROOT}, environ={})


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh, empty data directory."""
    return load_settings({"data_dir": tmp_path / "var", "content_dir": ROOT}, environ={})


TOKEN = "test-write-token"


def copy_store(built_dir: Path, dest: Path) -> Path:
    """A private, writable copy of a built store: its current snapshot (the working copy is
    rebuilt from it on first open)."""
    import shutil

    version = int((built_dir / "CURRENT").read_text().strip())
    name = f"{version:08d}"
    (dest / "snapshots").mkdir(parents=True)
    shutil.copytree(built_dir / "snapshots" / name, dest / "snapshots" / name)
    shutil.copy(built_dir / "snapshots" / f"{name}.json", dest / "snapshots" / f"{name}.json")
    (dest / "CURRENT").write_text(str(version))
    return dest


@pytest.fixture()
def writable_settings(built_dir: Path, tmp_path: Path) -> Settings:
    """Settings over a private copy of the built store, with a write token."""
    data_dir = copy_store(built_dir, tmp_path / "var")
    return load_settings({"data_dir": data_dir, "content_dir": ROOT, "write_token": TOKEN,
                          "query_workers": 2}, environ={})


# --------------------------------------------------------------------------- pySHACL runs


@functools.cache
def _translated(text: str, base: str | None, namespaces: frozenset[tuple[str, Any]]) -> Any:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text), base, dict(namespaces))


def _prefixes_in(text: str, namespaces: Mapping[str, Any] | None) -> frozenset[tuple[str, Any]]:
    """The initial namespaces whose prefix the query text mentions: only those can change how
    it is read (a prefixed name is written ``prefix:``)."""
    return frozenset((p, ns) for p, ns in (namespaces or {}).items() if f"{p}:" in text)


@pytest.fixture(scope="module")
def sparql_parsed_once() -> Iterator[None]:
    """rdflib parses each SPARQL text once, not on every call.

    pySHACL runs a SHACL-SPARQL constraint once per focus node, and rdflib parses the text
    each time: that parsing was most of a pySHACL run over the shapes' examples. The parsed
    query is the one rdflib builds for the same text, base and the prefixes the text uses (a
    prepared query), so results are unchanged; a text that fails to parse fails every time.
    """
    from rdflib.plugins.sparql.processor import SPARQLProcessor

    plain = SPARQLProcessor.query

    def query(self: Any, strOrQuery: Any, initBindings: Any = None, initNs: Any = None,
              base: Any = None, DEBUG: bool = False) -> Any:  # rdflib's parameter names
        if isinstance(strOrQuery, str):
            strOrQuery = _translated(strOrQuery, base, _prefixes_in(strOrQuery, initNs))
        return plain(self, strOrQuery, initBindings, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SPARQLProcessor, "query", query)
        yield


@pytest.fixture(scope="session")
def dataset():  # type: ignore[no-untyped-def]
    """The bundled content, unvalidated, in memory; the default graph is the union of all
    graphs (read once per test process)."""
    from ogpkg.store import MemoryDataset

    ds = MemoryDataset()
    for f in content.discover(ROOT):
        part, graphs = content.parse_file(f)
        ds.copy_graphs_from(part, graphs)
    return ds
