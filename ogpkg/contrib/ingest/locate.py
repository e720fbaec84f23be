"""Where a subject is defined in an RDF text: the line of the first statement about it.

Validation reports name focus nodes by IRI; a contributor needs the line to fix. pyoxigraph
does not keep positions, so this module scans the text itself, after a successful parse:

* Turtle, TriG (and N3): a light tokenizer follows ``@prefix``/``PREFIX``, ``@base``/``BASE``,
  strings, comments and statement ends, and records each subject written at the start of a
  statement or right after a graph's ``{`` — as a full IRI ``<...>``, a relative IRI resolved
  against the base, or a prefixed name. Graph names (``<g> {``, ``GRAPH <g> {``) are not
  subjects.
* N-Triples, N-Quads: one statement a line; the subject is the line's first term.
* JSON-LD, RDF/XML: no line is known; the file alone is reported for nodes it describes.

Blank-node subjects are not located: the parser renames them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urljoin

from ogpkg.errors import Location
from ogpkg.namespaces import BASE

#: one token of Turtle/TriG/N3; the groups are tried in order
_TOKEN = re.compile(r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<lstring>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
    | (?P<string>"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<punct>\^\^|[.;,{}\[\]()])
    | (?P<word>(?:[^\s<>"'{}\[\]();,\#^\\]|\\.)+)
    | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN_ESCAPE = re.compile(r"\\(.)")


def _unescape_iri(body: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), body)


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, line) for each significant token; a word's trailing dots become '.'."""
    line = 1
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        value = m.group()
        if kind in ("ws", "comment", "lstring"):
            line += value.count("\n")
            if kind == "lstring":
                yield "string", value, line
            continue
        if kind == "word" and value.endswith(".") and not value.endswith("\\."):
            stripped = value.rstrip(".")
            if stripped:
                yield "word", stripped, line
            for _ in range(len(value) - len(stripped)):
                yield "punct", ".", line
            continue
        yield kind, value, line


def turtle_subject_lines(text: str) -> dict[str, int]:
    """Full IRI -> line of the first statement with it as subject, for Turtle/TriG/N3 text.

    Assumes the text parses (run after the parser accepted it); never raises on odd input.
    """
    prefixes: dict[str, str] = {}
    base: str | None = None
    found: dict[str, int] = {}
    toks = list(_tokens(text))
    i, n = 0, len(toks)
    at_start = True  # the next term would begin a statement

    def expand(kind: str, value: str) -> str | None:
        if kind == "iri":
            iri = _unescape_iri(value[1:-1])
            if ":" not in iri.split("/", 1)[0] and base is not None:
                iri = urljoin(base, iri)
            return iri
        if kind == "word" and ":" in value and not value.startswith("_:"):
            prefix, local = value.split(":", 1)
            if prefix in prefixes:
                return prefixes[prefix] + _PN_ESCAPE.sub(r"\1", local)
        return None

    while i < n:
        kind, value, line = toks[i]
        lowered = value.lower()
        if kind == "word" and lowered in ("@prefix", "prefix") and at_start:
            if i + 2 < n and toks[i + 2][0] == "iri":
                ns = expand("iri", toks[i + 2][1])
                if ns is not None:
                    prefixes[toks[i + 1][1].rstrip(":")] = ns
            i += 3
            continue
        if kind == "word" and lowered in ("@base", "base") and at_start:
            if i + 1 < n and toks[i + 1][0] == "iri":
                base = expand("iri", toks[i + 1][1])
            i += 2
            continue
        if kind == "word" and lowered == "graph" and at_start:
            i += 2  # GRAPH <name> { ... }
            continue
        if kind == "punct" and value in ".{}":
            at_start = True
            i += 1
            continue
        if at_start and kind in ("iri", "word"):
            at_start = False
            next_is_brace = i + 1 < n and toks[i + 1][1] == "{"
            if not next_is_brace:
                iri = expand(kind, value)
                if iri is not None and iri not in found:
                    found[iri] = line
            i += 1
            continue
        at_start = False
        i += 1
    return found


_LINE_SUBJECT = re.compile(r"\s*<([^>]*)>")


def line_subject_lines(text: str) -> dict[str, int]:
    """Full IRI -> first line with it as subject, for N-Triples/N-Quads text."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        m = _LINE_SUBJECT.match(line)
        if m:
            iri = _unescape_iri(m.group(1))
            found.setdefault(iri, number)
    return found


Locator = Callable[[str], Location | None]


def text_locator(name: str, text: str, fmt: str, *, base_iri: str = BASE,
                 has_subject: Callable[[str], bool] | None = None) -> Locator:
    """A function from a focus node IRI to where ``name`` first describes it.

    The scan runs on the first call and is cached. ``base_iri`` undoes the rewriting of the
    canonical base done on load. ``has_subject`` (IRI -> bool) lets formats without line
    information still answer with the file alone. Returns None for nodes the file does not
    describe. Never raises.
    """
    table: dict[str, int] | None = None

    def canonical(iri: str) -> str:
        if base_iri != BASE and iri.startswith(base_iri):
            return BASE + iri[len(base_iri):]
        return iri

    def locate(iri: str) -> Location | None:
        nonlocal table
        if table is None:
            if fmt in ("turtle", "trig", "n3"):
                table = turtle_subject_lines(text)
            elif fmt in ("ntriples", "nquads"):
                table = line_subject_lines(text)
            else:
                table = {}
        line = table.get(canonical(iri))
        if line is not None:
            return Location(name, line=line)
        if has_subject is not None and has_subject(iri):
            return Location(name)
        return None

    return locate


def row_locator(name: str, rows: dict[str, int]) -> Locator:
    """A function from a node (IRI or blank node id) to the CSV row that produced it."""

    def locate(node: str) -> Location | None:
        key = node[2:] if node.startswith("_:") else node
        row = rows.get(key)
        return Location(name, row=row) if row is not None else None

    return locate
