"""Reading contributed RDF in any format pyoxigraph reads, with checks the parser lacks.

pyoxigraph does the parsing (:meth:`ogpkg.store.MemoryDataset.load`). Around it, this module
adds what a contributor needs and the parser does not give:

* RDF/XML: a well-formedness pass with the standard library's expat first, so that broken
  XML is reported with line and column (pyoxigraph reports none, and accepts a file cut off
  after its last complete element);
* JSON-LD: remote ``@context`` documents are never fetched, and ``@id`` values that JSON-LD
  would silently drop (relative without a ``@base``, or with spaces) are errors;
* N3: formulas (``{ ... }``) and rules are refused — the store holds plain RDF;
* hints appended to terse parser messages (an undeclared prefix ogpkg knows, a relative IRI,
  a literal used as an N-Quads graph name);
* the literal size cap;
* a nesting budget: RDF/XML elements, JSON-LD objects and arrays, Turtle/TriG/N3 collections,
  blank-node property lists and formulas nested deeper than ``max_nesting`` are refused
  before the parser sees them (deep nesting costs the parsers quadratic time or their stack).
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.parsers.expat import ExpatError, ParserCreate
from xml.parsers.expat import errors as expat_errors

from rdflib import URIRef

from ogpkg.contrib.ingest.locate import Locator, text_locator
from ogpkg.contrib.ingest.text import line_of
from ogpkg.errors import InputError, Location, ParseError
from ogpkg.namespaces import BASE, PREFIXES
from ogpkg.store import MemoryDataset

_SAFE_IRI = re.compile(r'^[^\s<>"{}|^`\\]+$')

#: deepest nesting accepted by default (elements, objects, lists); real data stays far below
MAX_NESTING = 64


def read_rdf(text: str, name: str, fmt: str, *, max_literal_bytes: int,
             base_iri: str = BASE, max_nesting: int = MAX_NESTING
             ) -> tuple[MemoryDataset, Locator]:
    """Parse RDF ``text`` of format ``fmt`` into a new dataset; returns it and its locator.

    Triples of graph formats land in the default graph. Raises :class:`ParseError` (syntax,
    with line and column where known) and :class:`InputError` (no triples, a literal over
    ``max_literal_bytes``, nesting deeper than ``max_nesting``, JSON-LD that would lose
    data, N3 formulas).
    """
    if fmt == "rdfxml":
        check_xml(text, name, max_nesting=max_nesting)
    else:
        check_nesting(text, name, fmt, max_nesting)
    if fmt == "jsonld":
        check_jsonld(text, name)
    dataset = MemoryDataset()
    try:
        dataset.load(text.encode("utf-8"), fmt, source=name, base_iri=base_iri)
    except ParseError as exc:
        raise _with_hint(exc, text, fmt) from None
    if fmt == "n3" and dataset.ask("ASK { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?g)) }"):
        raise InputError("N3 formulas ({ ... }) and rules are not accepted: the store holds "
                         "plain RDF. Write the statements as Turtle",
                         location=Location(name))
    if len(dataset) == 0:
        raise InputError("empty: no triples (the file holds no statements)",
                         location=Location(name))

    def has_subject(iri: str) -> bool:
        # a blank node ("_:id") cannot be named in a query
        return (not iri.startswith("_:") and bool(_SAFE_IRI.match(iri))
                and dataset.ask(f"ASK {{ <{iri}> ?p ?o }}"))

    locate = text_locator(name, text, fmt, base_iri=base_iri, has_subject=has_subject)
    check_literal_sizes(dataset, text, name, max_literal_bytes, locate)
    return dataset, locate


# --------------------------------------------------------------------------- RDF/XML

def check_xml(text: str, name: str, *, max_nesting: int = MAX_NESTING) -> None:
    """Raise :class:`ParseError` with line and column if ``text`` is not well-formed XML
    (namespace prefixes included), :class:`InputError` if its elements nest deeper than
    ``max_nesting``. External entities are never loaded."""
    parser = ParserCreate(namespace_separator=" ")
    external: list[str] = []
    depth = 0

    def start(tag: str, attrs: object) -> None:
        nonlocal depth
        depth += 1
        if depth > max_nesting:
            raise _too_deep(name, max_nesting, "XML elements", parser.CurrentLineNumber,
                            parser.CurrentColumnNumber + 1)

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end

    def refuse_external(context: str, base: str | None, system_id: str | None,
                        public_id: str | None) -> int:
        external.append(system_id or public_id or "?")
        return 0  # expat then stops with a positioned error

    parser.ExternalEntityRefHandler = refuse_external
    try:
        parser.Parse(text.encode("utf-8"), True)
    except ExpatError as exc:
        message = "RDF/XML is not well-formed XML: " + (
            expat_errors.messages[exc.code] if exc.code else str(exc))
        if external:
            message = f"RDF/XML: external entities are not loaded ({external[0]})"
        raise ParseError(message,
                         location=Location(name, line=exc.lineno, column=exc.offset + 1)
                         ) from None


# --------------------------------------------------------------------------- nesting

#: what opens and closes a level, and the tokens whose brackets do not count (strings, IRIs,
#: comments), for the JSON and Turtle families
_JSON_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
_TURTLE_TOKENS = re.compile(
    r'"""(?:[^"\\]++|\\.|"(?!""))*+"""|\'\'\'(?:[^\'\\]++|\\.|\'(?!\'\'))*+\'\'\''
    r'|"(?:[^"\\\n]++|\\.)*+"|\'(?:[^\'\\\n]++|\\.)*+\'|<[^\s<>"]*+>|#[^\n]*+'
    r'|[\[\](){}]')
_NESTING_TOKENS = {"jsonld": _JSON_TOKENS, "turtle": _TURTLE_TOKENS, "trig": _TURTLE_TOKENS,
                   "n3": _TURTLE_TOKENS}
_WHAT = {"jsonld": "JSON objects and arrays",
         "turtle": "collections, blank-node lists and graphs"}


def check_nesting(text: str, name: str, fmt: str, limit: int = MAX_NESTING) -> None:
    """Raise :class:`InputError` at the first bracket of ``text`` that opens a level deeper
    than ``limit`` (formats without nesting pass as they are)."""
    tokens = _NESTING_TOKENS.get(fmt)
    if tokens is None:
        return
    depth = 0
    for m in tokens.finditer(text):
        token = m.group()
        if len(token) != 1:
            continue
        if token in "[({":
            depth += 1
            if depth > limit:
                line = line_of(text, m.start())
                column = m.start() - text.rfind("\n", 0, m.start())
                raise _too_deep(name, limit, _WHAT.get(fmt, _WHAT["turtle"]), line, column)
        else:
            depth = max(0, depth - 1)


def _too_deep(name: str, limit: int, what: str, line: int | None,
              column: int | None) -> InputError:
    return InputError(f"{what} nested deeper than {limit} levels (the limit, "
                      "OGPKG_MAX_NESTING); flatten the data or split the file",
                      location=Location(name, line=line, column=column),
                      detail={"limit": limit})


# --------------------------------------------------------------------------- JSON-LD

def check_jsonld(text: str, name: str) -> None:
    """Refuse JSON-LD that pyoxigraph would fetch from the network or silently shorten.

    Raises :class:`ParseError` for text that is not JSON (with line and column), and
    :class:`InputError` for a remote ``@context`` or an ``@id`` JSON-LD would drop.
    """
    try:
        doc = json.loads(text)
    except RecursionError:
        raise InputError("JSON-LD is nested too deeply", location=Location(name)) from None
    except json.JSONDecodeError as exc:
        # pyoxigraph's own message is the one every other path shows; use it when it has one
        try:
            MemoryDataset().load(text.encode("utf-8"), "jsonld", source=name)
        except ParseError as parse_error:
            raise _with_hint(parse_error, text, "jsonld") from None
        raise ParseError(f"not JSON: {exc.msg}",
                         location=Location(name, line=exc.lineno, column=exc.colno)) from None
    has_base = False
    found: list[tuple[str, str, Any]] = []  # (problem, path, value)
    stack: list[tuple[Any, str]] = [(doc, "$")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            here = f"{path}.{key}"
            if key == "@context":
                # term definitions may use relative @id (against @vocab): not checked
                for ctx in value if isinstance(value, list) else [value]:
                    if isinstance(ctx, str):
                        found.append(("remote", here, ctx))
                    elif isinstance(ctx, dict) and "@base" in ctx:
                        has_base = True
                continue
            if key == "@id" and isinstance(value, str):
                if not _SAFE_IRI.match(value):
                    found.append(("bad-id", here, value))
                elif ":" not in value:
                    found.append(("relative-id", here, value))
            if isinstance(value, dict | list):
                stack.append((value, here))
    for problem, path, value in sorted(found, key=lambda f: f[1]):
        where = Location(name, line=_find_line(text, json.dumps(value)))
        if problem == "remote":
            raise InputError(f"JSON-LD: the remote @context {value!r} (at {path}) is not "
                             "fetched; put the context inline as an object", location=where)
        if problem == "bad-id":
            raise InputError(f"JSON-LD: '@id' value {value!r} (at {path}) is not a valid IRI; "
                             "JSON-LD would drop the node silently", location=where)
        if problem == "relative-id" and not has_base:
            raise InputError(f"JSON-LD: '@id' value {value!r} (at {path}) is a relative IRI "
                             "and there is no @base, so JSON-LD would drop the node "
                             "silently; write the full IRI", location=where)


def _find_line(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return line_of(text, index) if index >= 0 else None


# --------------------------------------------------------------------------- messages

#: position prefixes pyoxigraph writes into some messages (the position is in the location)
_POSITION_IN_MESSAGE = re.compile(
    r"^Parser error (?:at line \d+ between columns \d+ and column \d+"
    r"|between line \d+ column \d+ and line \d+ column \d+): ")
_UNDECLARED = re.compile(r"^The prefix (\S*): has not been declared")
_QUOTED = re.compile(r"'([^']{2,})'|`([^`]{2,})`")
_NQUAD_LITERAL_GRAPH = re.compile(
    r'^\s*\S+\s+<[^>]*>\s+(?:<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"\S*)\s+"')


def _with_hint(exc: ParseError, text: str, fmt: str) -> ParseError:
    """``exc`` with a hint for the messages that need one, and a line where it lacked one."""
    message = _POSITION_IN_MESSAGE.sub("", exc.message)
    loc = exc.location or Location("<input>")
    m = _UNDECLARED.match(message)
    if m:
        prefix = m.group(1)
        if prefix in PREFIXES:
            message += f"; add: @prefix {prefix}: <{PREFIXES[prefix]}> ."
        else:
            message += f"; declare it: @prefix {prefix}: <...> ."
    elif message.startswith("No scheme found in an absolute IRI"):
        message = ("relative IRI where a full IRI is needed (the file declares no @base): "
                   "write the full IRI, e.g. <https://...>")
    elif fmt == "nquads" and loc.line is not None:
        lines = text.split("\n")
        if loc.line <= len(lines) and _NQUAD_LITERAL_GRAPH.match(lines[loc.line - 1]):
            message = ("the fourth term of a quad (its graph name) must be an IRI or a blank "
                       f"node, not a literal (parser: {message})")
    if loc.line is None:  # RDF/XML and some JSON-LD errors come without a position
        m = _QUOTED.search(message)
        if m:
            loc = Location(loc.source, line=_find_line(text, m.group(1) or m.group(2)))
    if message == exc.message and loc == exc.location:
        return exc
    return ParseError(message, location=loc)


# --------------------------------------------------------------------------- size caps

_ESCAPED = re.compile(r'["\'\\\n\r\t<>&]')


def check_literal_sizes(dataset: MemoryDataset, text: str, name: str, max_bytes: int,
                        locate: Locator) -> None:
    """Raise :class:`InputError` naming the line and subject of the first literal longer
    than ``max_bytes`` bytes (UTF-8)."""
    min_chars = max(0, max_bytes // 4)  # a literal over max_bytes has at least this many chars
    test = f"FILTER(isLiteral(?o) && STRLEN(STR(?o)) > {min_chars})"
    rows = dataset.select(  # every graph, without building the union of a large dataset
        f"SELECT ?s ?p ?o WHERE {{ {{ ?s ?p ?o {test} }} UNION "
        f"{{ GRAPH ?g {{ ?s ?p ?o {test} }} }} }}", union=False)
    big = [r for r in rows if len(str(r["o"]).encode("utf-8")) > max_bytes]
    if not big:
        return
    first_rows = []
    for r in big:
        value = str(r["o"])
        head = _ESCAPED.split(value[:80])[0]  # the part written the same way in the text
        line = _find_line(text, head) if len(head) >= 8 else None
        if line is None:
            where = locate(str(r["s"]))
            line = where.line if where else None
        first_rows.append((line or 0, r, value))
    first_rows.sort(key=lambda item: item[0])
    line, r, value = first_rows[0]
    size = len(value.encode("utf-8"))
    more = f" ({len(big) - 1} more literals are over the limit)" if len(big) > 1 else ""
    raise InputError(
        f"a literal of {size} bytes, the value of <{r['p']}> on {_term(r['s'])}, is over the "
        f"limit of {max_bytes} bytes (OGPKG_MAX_LITERAL_BYTES){more}",
        location=Location(name, line=line or None),
        detail={"subject": str(r["s"]), "predicate": str(r["p"]), "bytes": size,
                "limit": max_bytes})


def _term(node: object) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else f"_:{node}"
