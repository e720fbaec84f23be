"""The write gate: the one path by which anything is written to the store.

Content sync, ``ogpkg ingest``, publishing an upload, Graph Store PUT/POST/DELETE and SPARQL
Update all describe what they want as a :class:`Change` and hand it to :meth:`Gate.submit`,
which, on one thread of its own:

1. **applies** the change to the store's working copy (graph replacements, additions and
   drops are done by ogpkg; an update is executed by the store, as the store reads it);
2. **reads back the effect** from the store itself — the quads added and removed per named
   graph, and any direct change of the default graph — never from a second reading of the
   request (:meth:`ogpkg.store.Transaction.delta`);
3. **enforces the write policy on that effect** (:func:`check_policy`): the default graph is
   the union of all named graphs and cannot be written directly; graphs filled from the
   repository's files change only through content sync;
4. **validates** the affected graphs against the shapes, together with the ontology and the
   rest of the store (every node of a changed graph is a focus node; when anything was
   removed, or the ontology or shapes changed, the whole store is validated);
5. **commits** atomically (a new data version), or rolls the working copy back.

A dry run is the same path ending in a roll-back. Whether a change conforms is a result
(:class:`Outcome`), not an exception; a change the policy refuses raises
:class:`~ogpkg.errors.Forbidden` (403) or :class:`~ogpkg.errors.InputError` (400).

The gate's thread cannot open a network socket (:mod:`ogpkg.netguard`): whatever an update's
text says — ``LOAD``, ``SERVICE``, in any spelling — the store cannot fetch while it writes.
Where the kernel cannot enforce that, SPARQL Update is refused; the other writes, which
execute no text, still work.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from ogpkg.errors import Forbidden, InputError, Unavailable
from ogpkg.namespaces import BASE, GRAPH
from ogpkg.netguard import NetworkGuardUnavailable, forbid_network, network_forbidden
from ogpkg.query.worker import STACK_MB
from ogpkg.store import Delta, GraphLoad, Store, Transaction
from ogpkg.validation.validate import Shapes, ValidationReport, validate

log = logging.getLogger(__name__)

Triple = tuple[Any, Any, Any]
#: (graph, triples) pairs written after a change is validated, e.g. its provenance
Extra = Callable[[ValidationReport], Iterable[tuple[str, Iterable[Triple]]]]

#: the gate thread's stack, as large as a query worker's
STACK_BYTES = STACK_MB * 1024 * 1024
_STACK_LOCK = threading.Lock()

#: severities whose results are reported but do not stop a write; any other severity
#: (sh:Violation, or one SHACL does not define) does
PASSING = frozenset({"Warning", "Info"})


@dataclass(frozen=True)
class Change:
    """A write, as asked for. Either graph operations (``replace``, ``merge``, ``drop``) or
    one SPARQL ``update``, never both."""

    what: str  #: how the change is named in messages and the version log
    replace: Sequence[GraphLoad] = ()  #: each graph becomes exactly this content
    merge: Sequence[GraphLoad] = ()  #: this content is added to each graph
    drop: Sequence[str] = ()  #: these graphs are removed
    update: str | None = None  #: a SPARQL 1.1 update, executed by the store
    base_iri: str | None = None  #: base for relative IRIs in ``update``
    repository: bool = False  #: content sync: may write the repository-managed graphs
    locate: Any = None  #: where in the submitted file each node is (for the report)
    extra: Extra | None = None  #: written after validation passes (provenance)
    meta: Mapping[str, Any] = field(default_factory=dict)  #: recorded with the version

    def __post_init__(self) -> None:
        if self.update is not None and (self.replace or self.merge or self.drop):
            raise ValueError("a change is either graph operations or an update, not both")

    @property
    def graph_ops(self) -> list[str]:
        return [*self.drop, *(i.graph for i in self.replace), *(i.graph for i in self.merge)]


Status = Literal["written", "unchanged", "conforms", "does-not-conform"]


@dataclass(frozen=True)
class Outcome:
    """What the gate did with a change.

    ``status``: ``written`` (committed as ``version``), ``unchanged`` (the change changed
    nothing; no new version), ``conforms`` (a dry run that would be written) or
    ``does-not-conform`` (blocked by validation; nothing written).
    """

    status: Status
    delta: Delta
    report: ValidationReport
    version: int  #: the data version after the change (the new one when written)

    @property
    def written(self) -> bool:
        return self.status == "written"

    @property
    def blocked(self) -> bool:
        return self.status == "does-not-conform"

    @property
    def graphs(self) -> list[str]:
        return self.delta.graphs


def managed_graphs(store: Store) -> dict[str, str]:
    """Graphs filled from the repository's files -> the file that fills each."""
    return {g: rel for rel, info in store.meta().get("content", {}).items()
            for g in info.get("graphs", [])}


def check_policy(change: Change, delta: Delta, managed: Mapping[str, str]) -> None:
    """Refuse an effect the write policy does not allow (raises; returns when allowed)."""
    if delta.default_changed:
        raise InputError(
            f"{change.what} changed the default graph directly ({delta.default_added} "
            f"triple(s) added, {delta.default_removed} removed); the default graph is the "
            "union of all named graphs here: write into named graphs (GRAPH <…> { … } or "
            "WITH <…>). Nothing was written.")
    if not change.repository:
        touched = sorted(g for g in delta.graphs if g in managed)
        if touched:
            g = touched[0]
            more = f" and {len(touched) - 1} other graph(s)" if len(touched) > 1 else ""
            raise Forbidden(f"{change.what} would change graph <{g}>{more}, filled from the "
                            f"repository file {managed[g]}; change that file instead. "
                            "Nothing was written.")


def _schema_graph(graph: str, base_iri: str) -> bool:
    root = base_iri + GRAPH[len(BASE):]
    return graph.startswith((root + "ontology", root + "shapes"))


class Gate:
    """The one writer of a :class:`Store`. Thread-safe: changes are applied one at a time on
    the gate's own thread, which has no network."""

    def __init__(self, store: Store, shapes: Shapes | Callable[[], Shapes], *,
                 max_literal_bytes: int | None = None,
                 passing: Iterable[str] = PASSING) -> None:
        self.store = store
        self._shapes = shapes
        self.max_literal_bytes = max_literal_bytes
        self.passing = frozenset(passing)
        self._guard_error: str | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ogpkg-gate",
                                            initializer=self._guard)
        self._lock = threading.Lock()
        # the store parses an update on this thread: give it the stack the query workers
        # have, so that text past the nesting check cannot overflow it
        with _STACK_LOCK:
            previous = threading.stack_size(STACK_BYTES)
            try:
                self._executor.submit(lambda: None).result()
            finally:
                threading.stack_size(previous)

    def _guard(self) -> None:
        try:
            forbid_network()
        except NetworkGuardUnavailable as exc:
            self._guard_error = str(exc)
            log.warning("write gate: %s; SPARQL Update is refused on this machine", exc)

    def shapes(self) -> Shapes:
        return self._shapes() if callable(self._shapes) else self._shapes

    # -- submitting

    def submit(self, change: Change, *, dry_run: bool = False) -> Outcome:
        """Apply, check, validate and (unless ``dry_run``) commit ``change``; see the module
        docstring. Blocks until done."""
        return self._executor.submit(self._run, change, dry_run).result()

    async def asubmit(self, change: Change, *, dry_run: bool = False) -> Outcome:
        """:meth:`submit` for the event loop."""
        return await asyncio.wrap_future(self._executor.submit(self._run, change, dry_run))

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    # -- the path

    def _run(self, change: Change, dry_run: bool) -> Outcome:
        with self._lock:
            txn = self.store.begin()
            try:
                return self._through(txn, change, dry_run)
            except BaseException:
                txn.rollback()
                raise

    def _through(self, txn: Transaction, change: Change, dry_run: bool) -> Outcome:
        delta = self._apply(txn, change)
        check_policy(change, delta, managed_graphs(self.store))
        if change.update is not None:
            txn.reconcile_union(delta)
        version = self.store.version
        report = self._validate(change, delta)
        if delta.empty:
            txn.rollback()
            return Outcome("unchanged", delta, report, version)
        if any(r.severity not in self.passing for r in report.results):
            txn.rollback()
            return Outcome("does-not-conform", delta, report, version)
        if dry_run:
            txn.rollback()
            return Outcome("conforms", delta, report, version)
        if change.extra is not None:
            for graph, triples in change.extra(report):
                txn.add_quads(graph, triples)
        added, removed = delta.total()
        meta = {"message": change.what, **change.meta,
                "effect": {"graphs": delta.graphs, "added": added, "removed": removed}}
        version = txn.commit(meta)
        log.info("write gate: %s -> version %d (%d graph(s), +%d -%d)", change.what, version,
                 len(delta.graphs), added, removed)
        return Outcome("written", delta, report, version)

    def _apply(self, txn: Transaction, change: Change) -> Delta:
        if change.update is None:
            for g in change.drop:
                txn.drop_graph(g)
            for item in change.replace:
                txn.replace_graph(item)
            for item in change.merge:
                txn.merge_graph(item)
            return txn.delta(change.graph_ops)
        if not network_forbidden():
            raise Unavailable(
                "SPARQL Update is not available on this server: it runs only where the kernel "
                f"can forbid the writer the network ({self._guard_error or 'no guard'}); use "
                "the Graph Store Protocol")
        txn.run_update(change.update, base_iri=change.base_iri)
        return txn.delta()

    def _validate(self, change: Change, delta: Delta) -> ValidationReport:
        base = self.store.base_iri
        whole = delta.removes or any(_schema_graph(g, base) for g in delta.graphs)
        present = set(self.store.graph_names())
        graphs = delta.graphs if not delta.empty else change.graph_ops
        focus = None if whole else [g for g in graphs if g in present]
        return validate(self.store, self.shapes(), focus_graphs=focus, locate=change.locate,
                        max_literal_bytes=self.max_literal_bytes)


__all__ = ["PASSING", "Change", "Gate", "Outcome", "check_policy", "managed_graphs"]
