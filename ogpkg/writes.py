"""Writes that arrive over HTTP: SPARQL updates and Graph Store Protocol requests.

Every write names the graphs it changes, is validated against the shapes like any
contribution (the changed graphs, with the ontology and the rest of the store), and is
committed atomically or not at all. Policy for updates:

* the default graph is the union of all named graphs, so an update must write into named
  graphs (``GRAPH <g> { … }``, ``WITH <g>``); it may read the union freely;
* target graphs must be fixed IRIs (``GRAPH ?g`` in a template is refused) so that the
  changed graphs are known and validated;
* ``LOAD`` is refused: it would make the server fetch a URL (use the Graph Store Protocol);
* graphs filled from the repository's files (ontology, shapes, data) are read-only here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ogpkg.errors import Forbidden, InputError, ParseError, ValidationFailed
from ogpkg.errors import Location as Loc
from ogpkg.store import GraphLoad, MemoryDataset, Store
from ogpkg.validate import Shapes, validate


@dataclass
class WriteOutcome:
    version: int
    graphs: list[str]


# --------------------------------------------------------------------------- update policy

def _iri(term: Any, what: str) -> str:
    from rdflib import URIRef

    if isinstance(term, URIRef):
        return str(term)
    raise InputError(f"{what}: the target graph must be a fixed IRI, not {term!s}; updates "
                     "name the graphs they change")


def update_targets(update: str, all_graphs: Iterable[str]) -> list[str]:
    """The named graphs an update may change. Raises :class:`InputError` for what the policy
    refuses and :class:`ParseError` for an update that does not parse."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        ops = translateUpdate(parseUpdate(update)).algebra
    except ParseException as exc:
        raise ParseError(f"SPARQL update: {exc.msg}",
                         location=Loc("update", line=exc.lineno, column=exc.col)) from None
    except Exception as exc:  # rdflib raises plain exceptions for unknown prefixes etc.
        raise InputError(f"SPARQL update: {exc}") from None
    targets: set[str] = set()
    default_msg = ("{op} writes into the default graph, which is the union of all graphs "
                   "here; write into a named graph (GRAPH <…> {{ … }} or WITH <…>)")
    for op in ops:
        name = op.name
        if name == "Load":
            raise InputError("LOAD is not allowed: the server does not fetch URLs; send the "
                             "data with the Graph Store Protocol (PUT/POST /graph-store)")
        if name in ("InsertData", "DeleteData", "DeleteWhere"):
            if op.triples:
                raise InputError(default_msg.format(op=_OP_NAMES[name]))
            targets.update(_iri(g, _OP_NAMES[name]) for g in (op.quads or {}))
        elif name == "Modify":
            for clause in (op.delete, op.insert):
                if clause is None:
                    continue
                if clause.triples:
                    if op.withClause is None:
                        raise InputError(default_msg.format(op="DELETE/INSERT"))
                    targets.add(_iri(op.withClause, "WITH"))
                targets.update(_iri(g, "DELETE/INSERT") for g in (clause.quads or {}))
        elif name in ("Clear", "Drop"):
            g = op.graphiri
            if g == "DEFAULT":
                raise InputError(f"{name.upper()} DEFAULT is refused: the default graph is the "
                                 "union of all graphs; clear or drop named graphs")
            if g in ("ALL", "NAMED"):
                targets.update(all_graphs)
            else:
                targets.add(_iri(g, name.upper()))
        elif name == "Create":
            targets.add(_iri(op.graphiri, "CREATE"))
        elif name in ("Add", "Move", "Copy"):
            src, dst = op.graph
            if dst == "DEFAULT" or (name == "Move" and src == "DEFAULT"):
                raise InputError(default_msg.format(op=name.upper()))
            targets.add(_iri(dst, name.upper()))
            if name == "Move":
                targets.add(_iri(src, "MOVE"))
        else:
            raise InputError(f"unsupported update operation {name}")
    return sorted(targets)


_OP_NAMES = {"InsertData": "INSERT DATA", "DeleteData": "DELETE DATA",
             "DeleteWhere": "DELETE WHERE"}

_TOKEN = re.compile(r'''
  (?P<comment>\#[^\n]*)
| (?P<iri><[^<>"{}|^`\\\s]*>)
| (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
             |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
| (?P<open>\{) | (?P<close>\}) | (?P<semi>;)
| (?P<word>[A-Za-z_][A-Za-z_0-9]*)
| (?P<other>.)''', re.X | re.S)


def with_using(update: str, using: list[str], using_named: list[str]) -> str:
    """``update`` with the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` applied
    to each DELETE/INSERT … WHERE operation as USING / USING NAMED clauses (a DELETE WHERE
    shorthand becomes the equivalent DELETE … USING … WHERE). An update that has its own
    USING or WITH is refused, as the protocol requires."""
    if not using and not using_named:
        return update
    clause = "".join(f" USING <{g}>" for g in using) + \
        "".join(f" USING NAMED <{g}>" for g in using_named) + " "
    for g in (*using, *using_named):
        if not re.fullmatch(r'[^<>"{}|^`\\\s]+', g):
            raise InputError(f"using-graph-uri {g!r} is not a valid IRI")
    out: list[str] = []
    depth = 0
    words: list[str] = []  # depth-0 keywords of the current operation
    pos = 0
    tokens = list(_TOKEN.finditer(update))
    i = 0
    while i < len(tokens):
        m = tokens[i]
        kind = m.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "semi" and depth == 0:
            words = []
        elif kind == "word" and depth == 0:
            word = m.group().upper()
            if word in ("USING", "WITH"):
                raise InputError("the update has its own USING or WITH; it cannot be combined "
                                 "with using-graph-uri / using-named-graph-uri")
            if word == "WHERE" and words[-1:] == ["DELETE"]:
                # DELETE WHERE { P }  →  DELETE { P } USING … WHERE { P }
                block_start, block_end = _block(tokens, i + 1)
                block = update[block_start:block_end]
                out.append(update[pos:m.start()])
                out.append(block + clause + "WHERE " + block)
                pos = block_end
                i = next(k for k, t in enumerate(tokens) if t.start() >= block_end) \
                    if block_end < len(update) else len(tokens)
                words = []
                continue
            if word == "WHERE" and ("DELETE" in words or "INSERT" in words):
                out.append(update[pos:m.start()])
                out.append(clause.lstrip())
                pos = m.start()
            words.append(word)
        i += 1
    out.append(update[pos:])
    return "".join(out)


def _block(tokens: list[re.Match[str]], start: int) -> tuple[int, int]:
    """Offsets of the brace block that begins at token ``start`` (comments skipped)."""
    depth = 0
    begin = None
    for m in tokens[start:]:
        if m.lastgroup == "open":
            if begin is None:
                begin = m.start()
            depth += 1
        elif m.lastgroup == "close":
            depth -= 1
            if depth == 0 and begin is not None:
                return begin, m.end()
    raise InputError("DELETE WHERE without a complete { … } block")


# --------------------------------------------------------------------------- checks

def managed_graphs(store: Store) -> dict[str, str]:
    """Graphs filled from the repository's files -> the file that fills each."""
    return {g: rel for rel, info in store.meta().get("content", {}).items()
            for g in info.get("graphs", [])}


def refuse_managed(store: Store, graphs: Iterable[str]) -> None:
    managed = managed_graphs(store)
    for g in graphs:
        if g in managed:
            raise Forbidden(f"graph <{g}> is filled from the repository file {managed[g]}; "
                            "change that file instead")


def _checker(shapes: Shapes, max_literal_bytes: int | None, whole: bool,
             locate: Any = None) -> Any:
    def check(st: Store, graphs: list[str]) -> None:
        present = set(st.graph_names())
        focus = None if whole else [g for g in graphs if g in present]
        report = validate(st, shapes, focus_graphs=focus, locate=locate,
                          max_literal_bytes=max_literal_bytes)
        if not report.conforms:
            raise ValidationFailed(
                f"the write does not conform ({len(report.violations())} violation(s)); "
                "nothing was written", report)
    return check


def apply_update(store: Store, shapes: Shapes, update: str, *,
                 using_graphs: list[str] | None = None,
                 using_named_graphs: list[str] | None = None,
                 max_literal_bytes: int | None = None) -> WriteOutcome:
    """Validate and apply a SPARQL update. Raises :class:`InputError` / :class:`ParseError`
    (400), :class:`Forbidden` (403) and :class:`ValidationFailed` (422)."""
    graphs = update_targets(update, store.graph_names())
    refuse_managed(store, graphs)
    text = with_using(update, using_graphs or [], using_named_graphs or [])
    removes = bool(re.search(r"\b(DELETE|CLEAR|DROP|MOVE)\b", update, re.I))
    version = store.update(text, graphs=graphs, check=_checker(shapes, max_literal_bytes, removes),
                           meta={"message": f"SPARQL update of {len(graphs)} graph(s)"})
    return WriteOutcome(version, graphs)


# --------------------------------------------------------------------------- graph store

def put_graph(store: Store, shapes: Shapes, graph: str, data: MemoryDataset, *,
              merge: bool = False, locate: Any = None,
              max_literal_bytes: int | None = None) -> WriteOutcome:
    """Replace (PUT) or extend (POST, ``merge``) a named graph with ``data``, validated."""
    refuse_managed(store, [graph])
    kept = [(s, p, o) for s, p, o, _ in store.quads(graph)] if merge else []
    load = GraphLoad(graph, dataset=data, from_graph=None, source="request body", quads=kept)
    version = store.write(replace=[load], check=_checker(shapes, max_literal_bytes, False, locate),
                          meta={"message": f"graph store {'POST' if merge else 'PUT'} <{graph}>"})
    return WriteOutcome(version, [graph])


def delete_graph(store: Store, shapes: Shapes, graph: str) -> WriteOutcome:
    """Drop a named graph; the rest of the store must still conform without it."""
    refuse_managed(store, [graph])
    version = store.write(drop=[graph], check=_checker(shapes, None, True),
                          meta={"message": f"graph store DELETE <{graph}>"})
    return WriteOutcome(version, [graph])
