"""The bundled content — ``ontology/``, ``shapes/`` and ``data/`` — and keeping the store in step.

Each file becomes one or more named graphs:

* ``ontology/<name>.ttl`` → ``graph/ontology/<name>`` (``ontology/external/x.ttl`` →
  ``graph/ontology/external/x``);
* ``shapes/<name>.ttl`` → ``graph/shapes/<name>``;
* dataset files under ``data/`` (TriG, N-Quads) → the graphs they declare; facts outside a
  named graph are refused, since every fact must carry its source.

:func:`sync` compares file hashes with what the current store version recorded and, in one
atomic write, replaces the graphs of new or changed files and drops those of deleted files.
The bundled data goes through the write gate like any contribution: a change that does not
conform is not written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ogpkg.contrib.gate import Change, Gate, Outcome
from ogpkg.errors import InputError, Location
from ogpkg.namespaces import BASE, GRAPH
from ogpkg.store import DATASET_FORMATS, GraphLoad, MemoryDataset, Store, format_from_name

CONTENT_DIRS = ("ontology", "shapes", "data")
RDF_SUFFIXES = (".ttl", ".trig", ".nq", ".nt", ".jsonld", ".rdf")
#: data/ folders that hold inputs for contributors, not graph content
SKIP_DIRS = ("data/templates",)


@dataclass(frozen=True)
class ContentFile:
    path: Path
    rel: str  # path relative to the content root, with forward slashes
    sha256: str

    @property
    def fmt(self) -> str:
        return format_from_name(self.path.name)

    def graph_for_default(self, base: str = BASE) -> str | None:
        """The graph that triples outside a named graph go to, or None when not allowed."""
        top, _, rest = self.rel.partition("/")
        stem = rest.rsplit(".", 1)[0]
        if top == "ontology":
            return base + GRAPH[len(BASE):] + "ontology/" + stem
        if top == "shapes":
            return base + GRAPH[len(BASE):] + "shapes/" + stem
        return None


def discover(root: Path) -> list[ContentFile]:
    """Every RDF file of the bundled content, sorted by path."""
    files = []
    for top in CONTENT_DIRS:
        for path in sorted((root / top).rglob("*")):
            rel = path.relative_to(root).as_posix()
            if (not path.is_file() or path.suffix not in RDF_SUFFIXES
                    or any(rel.startswith(d + "/") for d in SKIP_DIRS)):
                continue
            files.append(ContentFile(path, rel, hashlib.sha256(path.read_bytes()).hexdigest()))
    return files


def ontology_files(root: Path) -> list[Path]:
    return sorted((root / "ontology").rglob("*.ttl"))


def shape_files(root: Path) -> list[Path]:
    return sorted((root / "shapes").rglob("*.ttl"))


@dataclass
class SyncPlan:
    load: list[ContentFile] = field(default_factory=list)
    unchanged: list[ContentFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # rel paths no longer present

    @property
    def empty(self) -> bool:
        return not self.load and not self.removed


def plan(store: Store, root: Path) -> SyncPlan:
    recorded: dict[str, Any] = store.meta().get("content", {})
    result = SyncPlan()
    files = discover(root)
    for f in files:
        if recorded.get(f.rel, {}).get("sha256") == f.sha256:
            result.unchanged.append(f)
        else:
            result.load.append(f)
    present = {f.rel for f in files}
    result.removed = sorted(rel for rel in recorded if rel not in present)
    return result


def parse_file(f: ContentFile, base_iri: str = BASE) -> tuple[MemoryDataset, list[str]]:
    """Parse one content file; returns the dataset and the graphs it fills.

    Raises :class:`ParseError` (file, line, column) or :class:`InputError` for facts outside
    a named graph in a data file.
    """
    ds = MemoryDataset()
    default_graph = f.graph_for_default(base_iri)
    ds.load(f.path, f.fmt, source=f.rel, graph=default_graph, base_iri=base_iri)
    if default_graph is None and f.fmt in DATASET_FORMATS:
        stray = ds.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union=False)
        if stray and int(stray[0]["n"]) > 0:  # type: ignore[call-overload]
            raise InputError("facts outside a named graph: every fact in data/ must sit in "
                             "the named graph of its source", location=Location(f.rel))
    elif default_graph is None:
        raise InputError(f"data files must be TriG or N-Quads with named graphs, not {f.fmt}",
                         location=Location(f.rel))
    return ds, ds.graph_names()


def sync(gate: Gate, root: Path, *, progress: Callable[[str], None] | None = None,
         force: bool = False) -> tuple[SyncPlan, Outcome | None]:
    """Bring the store in step with the content under ``root``, through the write gate:
    validated like any write, committed atomically or not at all.

    Returns what was planned and the gate's outcome (None when nothing changed); when the
    outcome does not conform nothing was written. Raises :class:`ParseError` /
    :class:`InputError` for unreadable files; in every case but a written outcome the store
    is left as it was.
    """
    store = gate.store
    todo = plan(store, root)
    if force:
        todo.load, todo.unchanged = todo.load + todo.unchanged, []
    if todo.empty:
        return todo, None
    recorded: dict[str, Any] = dict(store.meta().get("content", {}))
    drop: set[str] = set()
    for rel in todo.removed:
        drop.update(recorded.pop(rel, {}).get("graphs", []))
    loads: list[GraphLoad] = []
    owners: dict[str, str] = {g: rel for rel, info in recorded.items()
                              for g in info.get("graphs", [])}
    for f in todo.load:
        if progress:
            progress(f.rel)
        drop.update(recorded.get(f.rel, {}).get("graphs", []))
        ds, graphs = parse_file(f, store.base_iri)
        for g in graphs:
            owner = owners.get(g)
            if owner is not None and owner != f.rel:
                raise InputError(f"graph <{g}> is already filled by {owner}; one file per "
                                 "graph", location=Location(f.rel))
            owners[g] = f.rel
            loads.append(GraphLoad(g, dataset=ds, from_graph=g, source=f.rel))
        recorded[f.rel] = {"sha256": f.sha256, "graphs": graphs}
    drop -= {item.graph for item in loads}
    change = Change(f"sync {len(todo.load)} file(s), removed {len(todo.removed)}",
                    replace=loads, drop=sorted(drop), repository=True,
                    meta={"content": recorded})
    return todo, gate.submit(change)


__all__ = ["ContentFile", "SyncPlan", "discover", "ontology_files",
           "parse_file", "plan", "shape_files", "sync"]
