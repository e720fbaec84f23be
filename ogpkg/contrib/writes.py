"""Writes that arrive over HTTP — SPARQL updates and Graph Store Protocol requests — as
:class:`~ogpkg.contrib.gate.Change` s for the write gate, which applies each one, reads its
effect back from the store, enforces the policy on that effect, validates and commits or
rolls back (see :mod:`ogpkg.contrib.gate`). Nothing here decides what an update may do from
its text: the store executes it and the gate judges what it did.
"""

from __future__ import annotations

import re

from ogpkg.contrib.gate import Change, Outcome
from ogpkg.errors import InputError, ValidationFailed
from ogpkg.store import GraphLoad, MemoryDataset


def refuse_blocked(outcome: Outcome) -> Outcome:
    """``outcome``, or a :class:`ValidationFailed` (422, with the report) when the gate
    found that the write does not conform."""
    if outcome.blocked:
        raise ValidationFailed(
            f"the write does not conform ({len(outcome.report.violations())} violation(s)); "
            "nothing was written", outcome.report)
    return outcome


def update_change(update: str, *, using_graphs: list[str] | None = None,
                  using_named_graphs: list[str] | None = None,
                  base_iri: str | None = None) -> Change:
    """A SPARQL update as a change, with the protocol's ``using-graph-uri`` /
    ``using-named-graph-uri`` applied as USING / USING NAMED clauses. Raises
    :class:`InputError` when the update has its own USING or WITH as well."""
    text = with_using(update, using_graphs or [], using_named_graphs or [])
    return Change("SPARQL update", update=text, base_iri=base_iri)


def put_change(graph: str, data: MemoryDataset, *, merge: bool = False,
               locate: object = None) -> Change:
    """Replace (PUT) or extend (POST, ``merge``) a named graph with ``data``."""
    load = GraphLoad(graph, dataset=data, from_graph=None, source="request body")
    what = f"graph store {'POST' if merge else 'PUT'} <{graph}>"
    if merge:
        return Change(what, merge=[load], locate=locate)
    return Change(what, replace=[load], locate=locate)


def delete_change(graph: str) -> Change:
    """Drop a named graph; the rest of the store must still conform without it."""
    return Change(f"graph store DELETE <{graph}>", drop=[graph])


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
