"""The bundled content — ``ontology/``, ``shapes/`` and ``data/`` — and keeping the store in step.

The content lives in the checkout's top-level folders; a wheel ships the same folders inside
the package (``ogpkg/bundle/``), and ``content_dir`` picks one (see :mod:`ogpkg.config`).
:func:`missing` says what a content folder lacks; a folder that lacks a part is refused at
start-up, and :func:`load_shapes` refuses shapes files that declare no shape, since validating
against zero shapes would pass anything.

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
from typing import TYPE_CHECKING, Any

from ogpkg.contrib.gate import Change, Gate, Outcome
from ogpkg.errors import ConfigError, InputError, Location
from ogpkg.namespaces import BASE, GRAPH
from ogpkg.store import DATASET_FORMATS, GraphLoad, MemoryDataset, Store, format_from_name

if TYPE_CHECKING:
    from ogpkg.validation.validate import Shapes

CONTENT_DIRS = ("ontology", "shapes", "data")
RDF_SUFFIXES = (".ttl", ".trig", ".nq", ".nt", ".jsonld", ".rdf")
#: data/ folders that hold inputs for contributors, not graph content
SKIP_DIRS = ("data/templates",)
#: what a content folder must hold: (folder, what it is, a file name pattern, suffixes)
PARTS = (
    ("ontology", "the ontology", "*.ttl", (".ttl",)),
    ("shapes", "the SHACL shapes", "*.ttl", (".ttl",)),
    ("data", "the bundled data", "RDF", RDF_SUFFIXES),
    ("queries/examples", "the example queries", "*.rq", (".rq",)),
    ("queries/qc", "the quality checks", "*-violation.rq", ("-violation.rq",)),
)


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


def missing(root: Path) -> list[str]:
    """What ``root`` lacks of :data:`PARTS`, each naming the folder looked in; [] when whole."""
    problems = []
    for folder, what, pattern, suffixes in PARTS:
        path = root / folder
        if not path.is_dir():
            problems.append(f"{what} ({path} is not a folder)")
        elif not _files(root, folder, suffixes):
            problems.append(f"{what} (no {pattern} file under {path})")
    return problems


def _files(root: Path, folder: str, suffixes: tuple[str, ...]) -> list[Path]:
    found = []
    for path in sorted((root / folder).rglob("*")):
        rel = path.relative_to(root).as_posix()
        if (path.is_file() and path.name.endswith(suffixes)
                and not any(rel.startswith(d + "/") for d in SKIP_DIRS)):
            found.append(path)
    return found


def ontology_files(root: Path) -> list[Path]:
    """The ontology's files. Raises :class:`ConfigError` naming the folder when there are none."""
    return _required(root, "ontology")


def shape_files(root: Path) -> list[Path]:
    """The shapes' files. Raises :class:`ConfigError` naming the folder when there are none."""
    return _required(root, "shapes")


def _required(root: Path, folder: str) -> list[Path]:
    files = _files(root, folder, (".ttl",))
    if not files:
        what = next(p[1] for p in PARTS if p[0] == folder)
        raise ConfigError(f"cannot load {what}: no *.ttl file under {root / folder}")
    return files


def load_shapes(root: Path) -> Shapes:
    """The shapes under ``root/shapes`` with the ontology under ``root/ontology``, parsed and
    compiled.

    Raises :class:`ConfigError` when the files declare no shape or the ontology is empty
    (validating against them would pass anything), :class:`ParseError` (file and line) for a
    file that does not parse.
    """
    from ogpkg.validation.validate import Shapes

    files = shape_files(root)
    shapes = require_shapes(Shapes.from_paths(files, ontology_files(root)), files)
    if len(shapes.ontology) == 0:
        raise ConfigError(f"the ontology under {root / 'ontology'} is empty (no triples)")
    return shapes


def require_shapes(shapes: Shapes, files: list[Path]) -> Shapes:
    """``shapes``, read from ``files``, unless they hold no shape: validating against zero
    shapes would pass anything. Raises :class:`ConfigError` naming the files."""
    if len(shapes) == 0:
        raise ConfigError(f"no SHACL shapes: {', '.join(str(f) for f in files) or 'no file'} "
                          "declare(s) no sh:NodeShape or sh:PropertyShape; validating against "
                          "zero shapes would pass anything")
    return shapes


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


__all__ = ["ContentFile", "SyncPlan", "discover", "load_shapes", "missing", "ontology_files",
           "parse_file", "plan", "require_shapes", "shape_files", "sync"]
