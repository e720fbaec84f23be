"""The RDF store: the only module that imports pyoxigraph.

Two kinds of dataset share one query interface (:class:`Queryable`):

* :class:`MemoryDataset` — an in-memory dataset for parsing, validation and tests;
* :class:`Store` — the on-disk store under a data directory, written by one writer and read
  through numbered snapshots.

How writes stay atomic
----------------------
The writable working copy ``main/`` is never read by queries. A write marks it ``DIRTY``,
changes it (any number of graph replacements), then takes a RocksDB checkpoint of it into
``snapshots/<n>`` (hard links, milliseconds) and finally moves the ``CURRENT`` pointer to
``n`` with an atomic rename: that rename is the commit. A write that fails or is killed
before it leaves ``DIRTY`` behind; the next open (or :meth:`Store.rollback`) rebuilds
``main/`` from the snapshot ``CURRENT`` names. Readers open ``snapshots/CURRENT`` read-only,
so they never see a half-done write, and the snapshot number is the data version.

Nothing above this module sees pyoxigraph's types: terms cross the boundary as rdflib terms,
errors as :mod:`ogpkg.errors` classes.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

if TYPE_CHECKING:
    from rdflib import BNode, Literal, URIRef
    from rdflib.term import Node
else:  # imported on first use: query workers never convert terms and start faster without it
    BNode = Literal = URIRef = None
    Node = Any

from ogpkg.errors import (
    Forbidden,
    InputError,
    Location,
    NotFoundError,
    OgpkgError,
    ParseError,
    StoreError,
    UnsupportedFormatError,
    UpstreamError,
)
from ogpkg.namespaces import BASE

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- formats

#: format name -> pyoxigraph format; the names are what the CLI and the API accept
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "n3": ox.RdfFormat.N3,
}
DATASET_FORMATS = frozenset({"trig", "nquads", "jsonld"})

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

_EXTENSIONS = {
    "ttl": "turtle", "turtle": "turtle", "trig": "trig", "nt": "ntriples", "nq": "nquads",
    "jsonld": "jsonld", "json": "jsonld", "rdf": "rdfxml", "owl": "rdfxml", "xml": "rdfxml",
    "n3": "n3",
}


def format_from_name(name: str) -> str:
    """The RDF format name for a file name, by its extension.

    Raises :class:`UnsupportedFormatError` for an extension we do not read.
    """
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in _EXTENSIONS:
        raise UnsupportedFormatError(
            f"cannot tell the RDF format from the extension '.{ext}'; use one of "
            + ", ".join(sorted("." + e for e in _EXTENSIONS)),
            location=Location(name))
    return _EXTENSIONS[ext]


def format_from_media_type(media_type: str) -> str | None:
    """The RDF format name for a media type (parameters ignored), or None."""
    fmt = ox.RdfFormat.from_media_type(media_type.split(";")[0].strip())
    if fmt is None:
        return None
    for name, value in RDF_FORMATS.items():
        if value == fmt:
            return name
    return None


def media_type_of(fmt: str) -> str:
    if fmt in RDF_FORMATS:
        return str(RDF_FORMATS[fmt].media_type)
    return str(RESULT_FORMATS[fmt].media_type)


def _rdf_format(fmt: str) -> ox.RdfFormat:
    try:
        return RDF_FORMATS[fmt]
    except KeyError:
        raise UnsupportedFormatError(
            f"unknown RDF format '{fmt}'; use one of {', '.join(RDF_FORMATS)}") from None


# --------------------------------------------------------------------------- terms

def _load_rdflib() -> None:
    global BNode, Literal, URIRef
    import rdflib

    BNode, Literal, URIRef = rdflib.BNode, rdflib.Literal, rdflib.URIRef  # type: ignore[misc]


def to_rdflib(term: Any) -> Node:
    """A pyoxigraph term as an rdflib term."""
    if URIRef is None:
        _load_rdflib()
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    if isinstance(term, ox.DefaultGraph):
        return URIRef("urn:x-default-graph")
    raise TypeError(f"unsupported term {term!r}")


def to_ox(term: Node) -> Any:
    """An rdflib term as a pyoxigraph term."""
    if URIRef is None:
        _load_rdflib()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def _term(value: Sequence[str | None]) -> Any:
    """A pyoxigraph term from ``("iri", iri, None)`` or ``("literal", text, datatype)``."""
    kind, text, datatype = value[0], value[1], value[2]
    if text is None:
        raise InputError("a bound value is missing")
    if kind == "iri":
        return ox.NamedNode(text)
    return ox.Literal(text, datatype=ox.NamedNode(datatype) if datatype else None)


def _rebaser(base_iri: str) -> Callable[[Any], Any] | None:
    """A term mapper that rewrites the canonical base to ``base_iri`` (None when equal)."""
    if base_iri == BASE:
        return None
    n = len(BASE)

    def rebase(term: Any) -> Any:
        if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
            return ox.NamedNode(base_iri + term.value[n:])
        if isinstance(term, ox.Literal) and term.datatype.value.startswith(BASE):
            return ox.Literal(term.value, datatype=ox.NamedNode(base_iri + term.datatype.value[n:]))
        return term

    return rebase


# --------------------------------------------------------------------------- parsing

_POSITION_PREFIX = re.compile(r"^(?:Parser )?error (?:at|between) [^:]*?(?:\d+:\d+)?[^:]*: ")
_LINE_COL = re.compile(r"line (\d+)(?: between)?,? columns? (\d+)|(\d+):(\d+)")
_LINE_SUFFIX = re.compile(r" \(line \d+\)$")


def _clean_message(exc: BaseException) -> tuple[str, int | None, int | None]:
    """pyoxigraph's message without its position prefix/suffix, and the position."""
    msg = str(exc)
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "offset", None)
    m = _POSITION_PREFIX.match(msg)
    if m:
        pos = _LINE_COL.search(m.group(0))
        if pos:
            a, b, c, d = pos.groups()
            line = line or int(a or c)
            column = column or int(b or d)
        msg = msg[m.end():]
    return _LINE_SUFFIX.sub("", msg), line, column


def _parse_error(exc: BaseException, source: str) -> ParseError:
    """A pyoxigraph parse error as a :class:`ParseError` naming file, line and column."""
    msg, line, column = _clean_message(exc)
    if isinstance(exc, UnicodeDecodeError):
        msg = f"the file is not valid UTF-8 (byte {exc.start})"
    return ParseError(msg, location=Location(source, line=line, column=column))


def _read_error(exc: BaseException, source: str) -> InputError:
    if isinstance(exc, SyntaxError | UnicodeDecodeError):
        return _parse_error(exc, source)
    text = str(exc)
    if "invalid utf-8" in text.lower() or "utf-8" in text.lower():
        return ParseError(f"the file is not valid UTF-8 ({text})", location=Location(source))
    return ParseError(text or type(exc).__name__, location=Location(source))


def _input_kwargs(data: bytes | str | Path | IO[bytes]) -> dict[str, Any]:
    if isinstance(data, Path):
        return {"path": str(data)}
    return {"input": data}


def parse_quads(data: bytes | str | Path | IO[bytes], fmt: str, *, source: str,
                graph: str | None = None, base_iri: str = BASE) -> Iterator[Any]:
    """Parse RDF into pyoxigraph quads (internal; for :class:`MemoryDataset` and :class:`Store`).

    Triples of graph formats, and the default graph of dataset formats, go to ``graph`` when
    given. Raises :class:`ParseError` with file, line and column.
    """
    rebase = _rebaser(base_iri)
    target = ox.NamedNode(graph) if graph else None
    try:
        for q in ox.parse(format=_rdf_format(fmt), base_iri=None, **_input_kwargs(data)):
            g = q.graph_name
            if target is not None and isinstance(g, ox.DefaultGraph):
                g = target
            if rebase is None:
                yield ox.Quad(q.subject, q.predicate, q.object, g) if g is not q.graph_name else q
            else:
                yield ox.Quad(rebase(q.subject), rebase(q.predicate), rebase(q.object),
                              rebase(g))
    except (SyntaxError, ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise NotFoundError(f"no such file: {data!r}") from None
        raise _read_error(exc, source) from None


# --------------------------------------------------------------------------- queries

Row = dict[str, Node]


class BytesSink(Protocol):
    """Where a serialised result streams to (a file, a socket wrapper, a frame writer)."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class Queryable(Protocol):
    """What the validator and the CLI need from any dataset."""

    def select(self, query: str, *, union: bool = True) -> list[Row]: ...

    def ask(self, query: str, *, union: bool = True) -> bool: ...


def _query_error(exc: BaseException) -> InputError:
    msg, line, column = _clean_message(exc)
    return ParseError(f"SPARQL: {msg}", location=Location("query", line=line, column=column))


class _QueryMixin:
    """Queries over ``self._store``. The default graph of every query is the union of all
    graphs with set semantics: a triple stated in several graphs counts once."""

    _store: Any

    def _union_store(self) -> tuple[Any, bool]:
        """The pyoxigraph store to run union-default-graph queries on, and whether to pass
        ``use_default_graph_as_union`` (which has bag semantics: one row per graph)."""
        return self._store, True

    def _query(self, query: str, union: bool, default_graphs: list[str] | None = None,
               named_graphs: list[str] | None = None,
               substitutions: Mapping[str, Sequence[str | None]] | None = None,
               base_iri: str | None = None) -> Any:
        kw: dict[str, Any] = {"base_iri": base_iri} if base_iri else {}
        store, flag = self._union_store() if union and not default_graphs else (self._store,
                                                                                  False)
        try:
            if substitutions:
                kw["substitutions"] = {ox.Variable(var): _term(value)
                                       for var, value in substitutions.items()}
            if default_graphs:
                kw["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
            if named_graphs:
                kw["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            return store.query(query, use_default_graph_as_union=flag, **kw)
        except SyntaxError as exc:
            raise _query_error(exc) from None
        except (ValueError, RuntimeError) as exc:
            raise InputError(f"SPARQL: {exc}") from None
        except OSError as exc:  # SERVICE calls happen during evaluation
            raise UpstreamError(f"SPARQL: {exc}") from None

    def select(self, query: str, *, union: bool = True) -> list[Row]:
        """Rows of a SELECT query as dicts of rdflib terms (unbound variables omitted)."""
        result = self._query(query, union)
        if not isinstance(result, ox.QuerySolutions):
            raise InputError("expected a SELECT query")
        names = [v.value for v in result.variables]
        rows = []
        for sol in result:
            row = {}
            for name in names:
                value = sol[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            rows.append(row)
        return rows

    def ask(self, query: str, *, union: bool = True) -> bool:
        result = self._query(query, union)
        if not isinstance(result, ox.QueryBoolean):
            raise InputError("expected an ASK query")
        return bool(result)

    def construct(self, query: str, *, union: bool = True) -> list[tuple[Node, Node, Node]]:
        result = self._query(query, union)
        if not isinstance(result, ox.QueryTriples):
            raise InputError("expected a CONSTRUCT or DESCRIBE query")
        return [(to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object))
                for t in result]

    def query_bytes(self, query: str, fmt: str | Callable[[str], str] | None = None, *,
                    union: bool = True, default_graphs: list[str] | None = None,
                    named_graphs: list[str] | None = None) -> tuple[str, bytes]:
        """Run any query and serialise its result: returns (format name, bytes).

        ``fmt`` defaults to ``json`` for SELECT/ASK and ``turtle`` for CONSTRUCT/DESCRIBE; it
        may also be a callable ``kind -> format`` (kind is "solutions", "boolean" or "graph")
        for content negotiation after the query kind is known. ``default_graphs`` /
        ``named_graphs`` restrict the dataset (SPARQL Protocol ``default-graph-uri`` /
        ``named-graph-uri``). Raises :class:`ParseError` for a bad query and
        :class:`UnsupportedFormatError` when the result kind cannot take ``fmt``.
        """
        out = io.BytesIO()
        fmt = self.query_to(query, out, fmt, union=union, default_graphs=default_graphs,
                            named_graphs=named_graphs)
        return fmt, out.getvalue()

    def query_to(self, query: str, out: BytesSink, fmt: str | Callable[[str], str] | None = None,
                 *, union: bool = True, default_graphs: list[str] | None = None,
                 named_graphs: list[str] | None = None,
                 substitutions: Mapping[str, Sequence[str | None]] | None = None,
                 base_iri: str | None = None) -> str:
        """Run any query and stream its serialised result into ``out`` (anything with
        ``write(bytes)``) as it is computed; returns the format name. Arguments and errors as
        :meth:`query_bytes`; ``fmt`` is decided before the first byte is written.
        ``substitutions`` binds projected variables to terms (SPARQL SEP-0007), each given as
        ``("iri", iri, None)`` or ``("literal", text, datatype)``: values are never spliced
        into the query text. Relative IRIs in the query are resolved against ``base_iri``
        (its own ``BASE`` comes first)."""
        result = self._query(query, union, default_graphs, named_graphs, substitutions,
                             base_iri)
        if callable(fmt):
            kind = ("graph" if isinstance(result, ox.QueryTriples) else
                    "boolean" if isinstance(result, ox.QueryBoolean) else "solutions")
            fmt = fmt(kind)
        if isinstance(result, ox.QueryTriples):
            fmt = fmt or "turtle"
            if fmt not in RDF_FORMATS or fmt in ("n3",):
                raise UnsupportedFormatError(
                    f"a graph result cannot be written as '{fmt}'; use one of turtle, ntriples, "
                    "nquads, trig, rdfxml, jsonld")
            self._serialize_result(result, out, RDF_FORMATS[fmt])
            return fmt
        fmt = fmt or "json"
        if fmt not in RESULT_FORMATS:
            raise UnsupportedFormatError(
                f"a SELECT or ASK result cannot be written as '{fmt}'; use one of "
                + ", ".join(RESULT_FORMATS))
        self._serialize_result(result, out, RESULT_FORMATS[fmt])
        return fmt

    @staticmethod
    def _serialize_result(result: Any, out: BytesSink, fmt: Any) -> None:
        try:
            result.serialize(out, format=fmt)
        except OgpkgError:
            raise
        except OSError as exc:  # evaluation is lazy: a failing SERVICE call shows up here
            raise UpstreamError(f"SPARQL: {exc}") from None

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        """Triples in ``graph``, or distinct triples over all graphs."""
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(rows[0]["n"].toPython()) if rows else 0  # type: ignore[attr-defined]

    def _named_quads(self) -> Iterator[Any]:
        for q in self._store:
            if not isinstance(q.graph_name, ox.DefaultGraph):
                yield q

    def serialize(self, fmt: str, *, graph: str | None = None) -> bytes:
        """The whole dataset (dataset formats) or one graph (any format) as bytes."""
        rdf_format = _rdf_format(fmt)
        if graph is not None:
            return self._store.dump(format=rdf_format, from_graph=ox.NamedNode(graph)) or b""
        if fmt not in DATASET_FORMATS - {"jsonld"}:
            raise UnsupportedFormatError(f"a whole dataset cannot be written as '{fmt}'; "
                                         "use nquads or trig")
        return ox.serialize(self._dataset_quads(), format=rdf_format) or b""

    def _dataset_quads(self) -> Iterator[Any]:
        """The quads of the dataset as loaded (no materialised union copies)."""
        return iter(self._store)

    def dump_to(self, out: IO[bytes], fmt: str) -> None:
        """Write every graph as N-Quads or TriG (the materialised union is not repeated)."""
        if fmt not in ("nquads", "trig"):
            raise UnsupportedFormatError(f"a dump is nquads or trig, not '{fmt}'")
        ox.serialize(self._dataset_quads(), out, format=_rdf_format(fmt))

    def quads(self, graph: str | None = None) -> Iterator[tuple[Node, Node, Node, Node]]:
        """Quads of one graph, or of the whole dataset as loaded."""
        source = (self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
                  if graph else self._dataset_quads())
        for q in source:
            yield to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object), to_rdflib(
                q.graph_name)


class MemoryDataset(_QueryMixin):
    """An in-memory RDF dataset with the store's query interface."""

    def __init__(self) -> None:
        self._store = ox.Store()
        self._union: Any = None  # built on the first union query after a change

    def _union_store(self) -> tuple[Any, bool]:
        if self._union is None:
            self._union = ox.Store()
            self._union.bulk_extend(self._store)
            self._union.bulk_extend(_to_default(self._store))
        return self._union, False

    def load(self, data: bytes | str | Path | IO[bytes], fmt: str, *, source: str,
             graph: str | None = None, base_iri: str = BASE) -> int:
        """Parse and add ``data``; returns the number of quads parsed. Atomic: on a parse
        error nothing is added, and :class:`ParseError` names file, line and column."""
        self._union = None
        if base_iri == BASE and (graph is None or fmt not in DATASET_FORMATS):
            # no IRI to rewrite: pyoxigraph parses and adds in one native, atomic step
            before = len(self._store)
            target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
            try:
                self._store.load(format=_rdf_format(fmt), to_graph=target,
                                 **_input_kwargs(data))
            except (SyntaxError, ValueError, OSError) as exc:
                if isinstance(exc, FileNotFoundError):
                    raise NotFoundError(f"no such file: {data!r}") from None
                raise _read_error(exc, source) from None
            return len(self._store) - before
        quads = list(parse_quads(data, fmt, source=source, graph=graph, base_iri=base_iri))
        self._store.extend(quads)
        return len(quads)

    def add(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> None:
        self._store.extend(
            ox.Quad(to_ox(s), to_ox(p), to_ox(o),
                    to_ox(g) if g is not None else ox.DefaultGraph())
            for s, p, o, g in quads)
        self._union = None

    def copy_graphs_from(self, other: _QueryMixin, graphs: Iterable[str]) -> None:
        for g in graphs:
            self._store.extend(other._store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
        self._union = None

    def __len__(self) -> int:
        return len(self._store)


# --------------------------------------------------------------------------- on-disk store

@dataclass
class GraphLoad:
    """One graph replacement in a :meth:`Store.write`: the graph's new content."""

    graph: str
    data: bytes | str | Path | None = None
    fmt: str = "turtle"
    source: str = "<input>"
    quads: list[tuple[Node, Node, Node]] = field(default_factory=list)
    #: copy from a parsed dataset: its graph ``from_graph`` (None: every graph, flattened)
    dataset: MemoryDataset | None = None
    from_graph: str | None = None


class SnapshotReader:
    """Hands out the current snapshot of a data directory, reopening it when a write has
    committed a new version. Needs no writer lock: any number of readers may run."""

    def __init__(self, data_dir: Path, *, recheck_s: float = 0.0) -> None:
        """``recheck_s``: how long a version read from ``CURRENT`` is trusted before the file
        is looked at again (0: every time). A commit by another process is then seen up to
        that much later; call :meth:`forget` after a commit of this process's own."""
        self.data_dir = Path(data_dir)
        self.recheck_s = recheck_s
        self._current = str(self.data_dir / "CURRENT")
        self._snap: Snapshot | None = None
        self._seen: tuple[int, int, int] | None = None  # (inode, mtime, version) of CURRENT
        self._checked = -1.0e9  # monotonic time of the last look at CURRENT

    def forget(self) -> None:
        """Look at ``CURRENT`` again on the next call (a commit has just happened)."""
        self._checked = -1.0e9

    def version(self) -> int:
        """The committed version. A commit replaces ``CURRENT`` by rename, which changes its
        inode, so a ``stat`` tells whether the file needs reading again."""
        if self.recheck_s > 0 and self._seen is not None:
            now = time.monotonic()
            if now - self._checked < self.recheck_s:
                return self._seen[2]
            self._checked = now
        try:
            st = os.stat(self._current)
        except FileNotFoundError:
            return 0
        if self._seen is not None and self._seen[:2] == (st.st_ino, st.st_mtime_ns):
            return self._seen[2]
        try:
            with open(self._current) as f:
                version = int(f.read().strip())
        except (FileNotFoundError, ValueError):
            return 0
        self._seen = (st.st_ino, st.st_mtime_ns, version)
        return version

    def current(self) -> Snapshot:
        v = self.version()
        if v == 0:
            raise StoreError(f"the store at {self.data_dir} is empty; build it with "
                             "'ogpkg serve' or 'ogpkg check'")
        if self._snap is None or self._snap.version != v:
            self._snap = Snapshot(self.data_dir / "snapshots" / f"{v:08d}", v)
        return self._snap


class _MaterialisedUnion(_QueryMixin):
    """On disk, the default graph holds the set-union of all named graphs, kept in step by
    every write (:meth:`Store._replace_graph`), so union queries need no flag and count each
    triple once."""

    def _union_store(self) -> tuple[Any, bool]:
        return self._store, False

    def _dataset_quads(self) -> Iterator[Any]:
        return self._named_quads()


class Snapshot(_MaterialisedUnion):
    """A read-only view of one committed version of the store."""

    def __init__(self, path: Path, version: int) -> None:
        self.path = path
        self.version = version
        try:
            self._store = ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open snapshot {path}: {exc}") from None


class Store(_MaterialisedUnion):
    """The on-disk store: one writer, numbered read-only snapshots, atomic writes.

    ``Store(data_dir)`` opens (creating if needed) and recovers from an interrupted write.
    Raises :class:`StoreError` when the directory cannot be used (e.g. another process holds
    the writer lock).
    """

    def __init__(self, data_dir: Path, *, base_iri: str = BASE, keep_snapshots: int = 3) -> None:
        self.data_dir = Path(data_dir)
        self.base_iri = base_iri
        self.keep_snapshots = max(1, keep_snapshots)
        self._main_dir = self.data_dir / "main"
        self._snap_dir = self.data_dir / "snapshots"
        self._current_file = self.data_dir / "CURRENT"
        self._dirty_file = self.data_dir / "DIRTY"
        try:
            self._snap_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {self.data_dir}: {exc}") from None
        self._store = None
        self._recover()

    # -- lifecycle

    def _open_main(self) -> None:
        try:
            try:
                self._store = ox.Store(str(self._main_dir))
            except OSError:
                # a store this process closed may wait in a reference cycle: free it, retry
                gc.collect()
                self._store = ox.Store(str(self._main_dir))
        except OSError as exc:
            raise StoreError(
                f"cannot open the store at {self._main_dir}: {exc}. Is another ogpkg process "
                "writing to it? Stop it or use another --data-dir.") from None

    def _recover(self, *, rolling_back: bool = False) -> None:
        """Bring ``main/`` to the state of the current snapshot if a write was interrupted
        (or is being rolled back on purpose)."""
        version = self.version
        for p in self._snap_dir.iterdir():  # half-made checkpoints and uncommitted versions
            if p.name.startswith("tmp-") or (p.name.isdigit() and int(p.name) > version):
                shutil.rmtree(p, ignore_errors=True)
            elif p.suffix == ".json" and p.stem.isdigit() and int(p.stem) > version:
                p.unlink(missing_ok=True)
        if self._dirty_file.exists() or not self._main_dir.exists():
            self._store = None
            shutil.rmtree(self._main_dir, ignore_errors=True)
            if version > 0:
                log.log(logging.DEBUG if rolling_back else logging.WARNING,
                        "store: restoring %s from snapshot %d after an interrupted write",
                        self._main_dir, version)
                ox.Store.read_only(str(self.snapshot_path(version))).backup(str(self._main_dir))
            self._dirty_file.unlink(missing_ok=True)
        self._open_main()

    def close(self) -> None:
        """Flush and release the writer lock."""
        if self._store is not None:
            self._store.flush()
        self._store = None
        gc.collect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- versions

    @property
    def version(self) -> int:
        """The committed data version (0: nothing committed yet)."""
        try:
            return int(self._current_file.read_text().strip())
        except FileNotFoundError:
            return 0
        except ValueError as exc:
            raise StoreError(f"{self._current_file} is corrupt: {exc}") from None

    def snapshot_path(self, version: int) -> Path:
        return self._snap_dir / f"{version:08d}"

    def snapshot(self, version: int | None = None) -> Snapshot:
        """A read-only view of a committed version (the current one by default)."""
        v = self.version if version is None else version
        if v == 0:
            self._commit({"message": "empty store"})
            v = self.version
        return Snapshot(self.snapshot_path(v), v)

    def meta(self, version: int | None = None) -> dict[str, Any]:
        """The metadata recorded with a version (files loaded, their hashes, graphs)."""
        v = self.version if version is None else version
        path = self._snap_dir / f"{v:08d}.json"
        if not path.exists():
            return {}
        meta: dict[str, Any] = json.loads(path.read_text())
        return meta

    # -- writing

    def begin(self) -> Transaction:
        """Start the one write in progress: the working copy is marked ``DIRTY`` until the
        transaction commits or rolls back (a crash in between is rolled back on the next
        open). Only :class:`ogpkg.contrib.gate.Gate` calls this in the package."""
        assert self._store is not None
        if self._dirty_file.exists():
            raise StoreError("a write is already in progress on this store")
        self._dirty_file.write_text(str(os.getpid()))
        _fsync_dir(self.data_dir)
        return Transaction(self)

    def write(self, *, replace: Iterable[GraphLoad] = (), drop: Iterable[str] = (),
              meta: dict[str, Any] | None = None,
              check: Callable[[Store, list[str]], None] | None = None,
              progress: Callable[[str], None] | None = None,
              apply: Callable[[Store], list[str]] | None = None) -> int:
        """Replace and drop graphs as one atomic step; returns the new version.

        A low-level primitive (no policy, no validation): the package writes through
        :class:`ogpkg.contrib.gate.Gate`. ``check(store, graphs)`` runs after the changes are
        applied and before the commit; if it raises, the working copy is rolled back and the
        error propagates. ``apply(store)`` makes further changes and returns the graphs it
        changed. Any failure leaves the committed store exactly as it was.
        """
        txn = self.begin()
        try:
            for g in drop:
                txn.drop_graph(g)
            changed = []
            for item in replace:
                if progress:
                    progress(item.graph)
                txn.replace_graph(item)
                changed.append(item.graph)
            if apply is not None:
                changed += apply(self)
            if check is not None:
                check(self, changed)
        except BaseException:
            txn.rollback()
            raise
        return txn.commit(meta or {})

    def compact(self) -> int:
        """Compact the working copy (merge its many small files after a large load) and commit
        it as a new version, which readers then open; returns that version. The data is
        unchanged; queries over a compacted snapshot read fewer files."""
        assert self._store is not None
        self._store.optimize()
        return self._commit({"message": "compaction"})

    def _remove_graph(self, g: Any) -> None:
        """Remove a named graph, and from the union those triples no other graph states."""
        assert self._store is not None
        if not self._store.contains_named_graph(g):
            return
        self._store.update(
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{g.value}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != <{g.value}>) }} }}")
        self._store.remove_graph(g)

    def _replace_graph(self, item: GraphLoad) -> None:
        assert self._store is not None
        g = ox.NamedNode(item.graph)
        self._remove_graph(g)
        if item.data is not None:
            if isinstance(item.data, Path) and self.base_iri == BASE and item.fmt not in (
                    "trig", "nquads", "jsonld"):
                # fast path: the native bulk loader straight from the file
                try:
                    self._store.bulk_load(path=str(item.data), format=_rdf_format(item.fmt),
                                          to_graph=g)
                except (SyntaxError, ValueError, OSError) as exc:
                    raise _read_error(exc, item.source) from None
                self._store.bulk_extend(_to_default(
                    self._store.quads_for_pattern(None, None, None, g)))
            else:
                self._store.bulk_extend(_with_union(g, parse_quads(
                    item.data, item.fmt, source=item.source, graph=item.graph,
                    base_iri=self.base_iri)))
        if item.dataset is not None:
            self._copy_dataset(g, item.dataset._store, item.from_graph)
        if item.quads:
            self._add_quads(item.graph, item.quads)

    def _copy_dataset(self, g: Any, src: Any, from_graph: str | None) -> None:
        """Copy a parsed dataset's graph (``from_graph``, or every graph flattened) into the
        named graph ``g`` and the union."""
        sources = [ox.NamedNode(from_graph)] if from_graph else \
            [ox.DefaultGraph(), *src.named_graphs()]
        for sg in sources:
            data = src.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=sg)
            if b"_:" in data:
                # the loader renames blank nodes on every parse: the named graph and the
                # union must hold the same ones, so copy the terms themselves
                self._store.bulk_extend(_with_union(g, src.quads_for_pattern(
                    None, None, None, sg)))
                continue
            for target in (g, ox.DefaultGraph()):  # native: parse and write in Rust
                self._store.bulk_load(input=data, format=ox.RdfFormat.N_TRIPLES,
                                      to_graph=target)

    def add_quads(self, graph: str, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        """Add triples to ``graph`` of the working copy; only valid inside :meth:`write`
        (e.g. from its ``check``), where the commit or rollback that follows covers them."""
        assert self._store is not None
        if not self._dirty_file.exists():
            raise StoreError("add_quads is only allowed during a write")
        self._add_quads(graph, triples)

    def _add_quads(self, graph: str, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        assert self._store is not None
        g = ox.NamedNode(graph)
        self._store.extend(_with_union(g, (ox.Quad(to_ox(s), to_ox(p), to_ox(o), g)
                                           for s, p, o in triples)))

    def rollback(self) -> None:
        """Discard uncommitted changes: rebuild the working copy from the current snapshot."""
        self._store = None
        self._dirty_file.write_text("rollback")
        self._recover(rolling_back=True)

    def _commit(self, meta: dict[str, Any]) -> int:
        assert self._store is not None
        version = self.version + 1
        tmp = self._snap_dir / f"tmp-{version}"
        shutil.rmtree(tmp, ignore_errors=True)
        self._store.flush()
        self._store.backup(str(tmp))
        final = self.snapshot_path(version)
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        meta = {**self.meta(), **meta, "version": version, "committed_at": time.time()}
        _atomic_write(self._snap_dir / f"{version:08d}.json", json.dumps(meta, indent=1))
        _atomic_write(self._current_file, str(version))  # the commit point
        self._dirty_file.unlink(missing_ok=True)
        self._prune(version)
        return version

    def _prune(self, version: int) -> None:
        for p in self._snap_dir.iterdir():
            stem = p.name.split(".")[0]
            if stem.isdigit() and int(stem) <= version - self.keep_snapshots:
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)


@dataclass
class Delta:
    """What a change did to the working copy, read back from the store itself (not from
    the request that asked for it): quads added and removed per named graph, whether the
    default graph (the materialised union) was changed directly, and the named graphs that
    appeared or disappeared."""

    added: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    default_added: int = 0
    default_removed: int = 0
    created: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)
    _plus: list[Any] = field(default_factory=list, repr=False)   # named quads added
    _minus: list[Any] = field(default_factory=list, repr=False)  # named quads removed

    @property
    def graphs(self) -> list[str]:
        """The named graphs whose content or existence changed."""
        return sorted({*self.added, *self.removed, *self.created, *self.dropped})

    @property
    def default_changed(self) -> bool:
        return bool(self.default_added or self.default_removed)

    @property
    def removes(self) -> bool:
        return bool(self.removed or self.dropped)

    @property
    def empty(self) -> bool:
        return not self.graphs and not self.default_changed

    def total(self) -> tuple[int, int]:
        """(quads added, quads removed) over the named graphs."""
        return sum(self.added.values()), sum(self.removed.values())

    def merge(self, other: Delta) -> None:
        for mine, theirs in ((self.added, other.added), (self.removed, other.removed)):
            for g, n in theirs.items():
                mine[g] = mine.get(g, 0) + n
        self.default_added += other.default_added
        self.default_removed += other.default_removed
        self.created |= other.created
        self.dropped |= other.dropped
        self._plus += other._plus
        self._minus += other._minus


def _differences(before: Iterable[Any], after: Iterable[Any]) -> tuple[set[Any], set[Any]]:
    """(only in before, only in after) of two quad streams. Two stores list the same quads
    in the same order, so walking both side by side keeps the pending sets as small as the
    difference, whatever the size of the store."""
    gone: set[Any] = set()
    new: set[Any] = set()
    for a, b in itertools.zip_longest(before, after):
        if a == b:
            continue
        if a is not None:
            if a in new:
                new.discard(a)
            else:
                gone.add(a)
        if b is not None:
            if b in gone:
                gone.discard(b)
            else:
                new.add(b)
    return gone, new


def _count(store: Any, graph: Any) -> int:
    """Quads in one named graph, counted by the store."""
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))["n"].value)


_STORAGE_ERROR = re.compile(r"\b(IO error|Corruption|rocksdb|No space left)\b", re.I)


class Transaction:
    """The one write in progress on a :class:`Store` (see :meth:`Store.begin`). Changes go
    to the working copy; :meth:`delta` reads back what they did; :meth:`commit` makes them
    the next version and :meth:`rollback` discards them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._open = True

    def _ox(self) -> Any:
        if not self._open or self.store._store is None:
            raise StoreError("the transaction is over")
        return self.store._store

    # -- changes

    def replace_graph(self, item: GraphLoad) -> None:
        """Make ``item.graph`` hold exactly ``item``'s content (and keep the union in step)."""
        self._ox()
        self.store._replace_graph(item)

    def merge_graph(self, item: GraphLoad) -> None:
        """Add ``item``'s content to ``item.graph``, keeping what it holds."""
        st = self._ox()
        g = ox.NamedNode(item.graph)
        if item.dataset is not None:
            pattern = ox.NamedNode(item.from_graph) if item.from_graph else None
            st.extend(_with_union(g, item.dataset._store.quads_for_pattern(
                None, None, None, pattern)))
        if item.data is not None:
            st.extend(_with_union(g, parse_quads(item.data, item.fmt, source=item.source,
                                                 graph=item.graph,
                                                 base_iri=self.store.base_iri)))
        if item.quads:
            self.store._add_quads(item.graph, item.quads)

    def drop_graph(self, graph: str) -> None:
        self._ox()
        self.store._remove_graph(ox.NamedNode(graph))

    def add_quads(self, graph: str, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        self._ox()
        self.store._add_quads(graph, triples)

    def run_update(self, update: str, *, base_iri: str | None = None) -> None:
        """Execute a SPARQL update on the working copy, as the store reads it. Its default
        graph is the materialised union: what the update does there shows in
        :meth:`delta` as a direct change of the default graph. Raises :class:`ParseError`
        for an update that does not parse and :class:`InputError` for one that fails."""
        try:  # no local name for the store: a traceback must not keep it (and its lock) open
            self._ox().update(update, base_iri=base_iri)
        except SyntaxError as exc:
            msg, line, column = _clean_message(exc)
            raise ParseError(f"SPARQL update: {msg}",
                             location=Location("update", line=line, column=column)) from None
        except (ValueError, RuntimeError) as exc:
            raise InputError(f"SPARQL update: {exc}") from None
        except OSError as exc:
            if _STORAGE_ERROR.search(str(exc)):
                raise StoreError(f"SPARQL update: {exc}") from None
            # the only other I/O an update does is a fetch (LOAD, SERVICE), which the
            # writer's thread is not allowed to make
            raise Forbidden("SPARQL update: the update tried to fetch over the network "
                            f"(LOAD or SERVICE: {exc}); writes never fetch: send the data in "
                            "the request (INSERT DATA, or the Graph Store Protocol)") from None

    # -- reading back

    def _before(self) -> Any:
        version = self.store.version
        if version == 0:
            return ox.Store()
        return ox.Store.read_only(str(self.store.snapshot_path(version)))

    def delta(self, graphs: Iterable[str] | None = None) -> Delta:
        """What the working copy holds now that the committed version does not, and the
        reverse: over the whole store (every named graph and the default graph) when
        ``graphs`` is None, else over those named graphs alone."""
        st = self._ox()
        before = self._before()
        out = Delta()
        if graphs is None:
            names_before = {g.value for g in before.named_graphs()}
            names_after = {g.value for g in st.named_graphs()}
            gone, new = _differences(before.quads_for_pattern(None, None, None, None),
                                     st.quads_for_pattern(None, None, None, None))
        else:
            names_before, names_after = set(), set()
            gone, new = set(), set()
            for g in dict.fromkeys(graphs):
                node = ox.NamedNode(g)
                was, now = before.contains_named_graph(node), st.contains_named_graph(node)
                names_before |= {g} if was else set()
                names_after |= {g} if now else set()
                if not was or not now:  # a new or a dropped graph: count, don't list
                    n = _count(st if now else before, node)
                    if n:
                        (out.added if now else out.removed)[g] = n
                    continue
                a, b = _differences(before.quads_for_pattern(None, None, None, node),
                                    st.quads_for_pattern(None, None, None, node))
                gone |= a
                new |= b
        for quads, counts, keep in ((new, out.added, out._plus),
                                    (gone, out.removed, out._minus)):
            for q in quads:
                if isinstance(q.graph_name, ox.DefaultGraph):
                    if counts is out.added:
                        out.default_added += 1
                    else:
                        out.default_removed += 1
                    continue
                counts[q.graph_name.value] = counts.get(q.graph_name.value, 0) + 1
                keep.append(q)
        out.created = names_after - names_before
        out.dropped = names_before - names_after
        return out

    def reconcile_union(self, delta: Delta) -> None:
        """Bring the default graph (the union) in step with the named-graph changes of
        ``delta``: an added triple joins it; a removed one leaves it unless another named
        graph still states it."""
        st = self._ox()
        default = ox.DefaultGraph()
        st.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in delta._plus)
        for q in delta._minus:
            if not any(not isinstance(x.graph_name, ox.DefaultGraph)
                       for x in st.quads_for_pattern(q.subject, q.predicate, q.object, None)):
                st.remove(ox.Quad(q.subject, q.predicate, q.object, default))

    # -- ending

    def commit(self, meta: dict[str, Any]) -> int:
        """Make the changes the next version (the atomic rename of ``CURRENT``); returns it."""
        self._ox().flush()
        self._open = False
        return self.store._commit(meta)

    def rollback(self) -> None:
        """Discard the changes: the working copy is rebuilt from the committed version."""
        if self._open:
            self._open = False
            self.store.rollback()


def _with_union(g: Any, quads: Iterable[Any]) -> Iterator[Any]:
    """Each quad into graph ``g`` and into the default graph (the materialised union)."""
    default = ox.DefaultGraph()
    for q in quads:
        yield ox.Quad(q.subject, q.predicate, q.object, g)
        yield ox.Quad(q.subject, q.predicate, q.object, default)


def _to_default(quads: Iterable[Any]) -> Iterator[Any]:
    default = ox.DefaultGraph()
    for q in quads:
        yield ox.Quad(q.subject, q.predicate, q.object, default)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
