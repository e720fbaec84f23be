"""SPARQL 1.1 Protocol request parsing and content negotiation (no web framework here)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from ogpkg.errors import InputError, OgpkgError, TooLargeError
from ogpkg.iri import check_iri

#: result kind -> (media type, format name), in server preference order
SELECT_TYPES: list[tuple[str, str]] = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
]
GRAPH_TYPES: list[tuple[str, str]] = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "ntriples"),
    ("application/n-quads", "nquads"),
    ("application/trig", "trig"),
    ("application/rdf+xml", "rdfxml"),
    ("application/ld+json", "jsonld"),
    ("text/plain", "ntriples"),
    ("application/xml", "rdfxml"),
]
#: ``format=`` values people type in URLs
FORMAT_ALIASES = {
    "json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv",
    "turtle": "turtle", "ttl": "turtle", "ntriples": "ntriples", "nt": "ntriples",
    "nquads": "nquads", "nq": "nquads", "trig": "trig", "rdfxml": "rdfxml", "rdf": "rdfxml",
    "jsonld": "jsonld", "json-ld": "jsonld", "rdf+xml": "rdfxml", "n3": "turtle",
    # media types, as some clients (SPARQLWrapper) send them
    **{media: name for media, name in SELECT_TYPES + GRAPH_TYPES if media != "text/plain"},
    "text/n3": "turtle",
}
RESULT_MEDIA = {"json": "application/sparql-results+json", "xml":
                "application/sparql-results+xml", "csv": "text/csv; charset=utf-8",
                "tsv": "text/tab-separated-values; charset=utf-8"}
GRAPH_MEDIA = {"turtle": "text/turtle; charset=utf-8", "ntriples": "application/n-triples",
               "nquads": "application/n-quads", "trig": "application/trig",
               "rdfxml": "application/rdf+xml", "jsonld": "application/ld+json"}


class NotAcceptable(OgpkgError):
    status = 406
    exit_code = 2


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def matches(self, media: str) -> bool:
        t, _, s = media.partition("/")
        return (self.type in ("*", t)) and (self.subtype in ("*", s))

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges of an Accept header, best first; malformed entries are skipped."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if "/" not in media:
            continue
        t, _, s = media.partition("/")
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(v)))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(t, s, q))
    return ranges or [MediaRange("*", "*", 1.0)]


def negotiate(accept: str | None, offers: list[tuple[str, str]]) -> str:
    """The format name of the best offer for an Accept header.

    Each offer's quality is that of the most specific range matching it; ties keep the
    server's order. Raises :class:`NotAcceptable` when nothing acceptable is offered.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, str] | None = None
    for index, (media, name) in enumerate(offers):
        matching = [r for r in ranges if r.matches(media)]
        if not matching:
            continue
        top = max(matching, key=lambda r: r.specificity)
        if top.q <= 0:
            continue
        key = (top.q, -index, name)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        raise NotAcceptable(
            f"cannot produce any type in Accept: {accept!r}; available: "
            + ", ".join(sorted({m for m, _ in offers})))
    return best[2]


def names_an_offer(accept: str | None, offers: list[tuple[str, str]]) -> bool:
    """Whether ``accept`` asks, at its highest quality, for a concrete media type among
    ``offers``: a client that chose a format (SPARQLWrapper, rdflib), not a browser's
    ``text/html, …, */*;q=0.8`` nor a bare wildcard."""
    if not accept:
        return False
    ranges = parse_accept(accept)
    top = max(r.q for r in ranges)
    return top > 0 and any(r.q == top and r.specificity == 2 and r.matches(media)
                           for r in ranges for media, _ in offers)


@functools.lru_cache(maxsize=256)
def result_format(kind: str, accept: str | None, fmt: str | None) -> str:
    """The format of a result of ``kind`` ("graph", "solutions" or "boolean"). An Accept
    header that names a type of this kind at its top quality decides; otherwise ``format=``
    when it suits the kind (json and xml name JSON-LD and RDF/XML for graphs); otherwise the
    best offer for the Accept header. Raises :class:`NotAcceptable`."""
    offers = GRAPH_TYPES if kind == "graph" else SELECT_TYPES
    if kind == "graph" and fmt is not None:
        fmt = {"json": "jsonld", "xml": "rdfxml"}.get(fmt, fmt)
    if (fmt is None or fmt not in {name for _, name in offers}
            or names_an_offer(accept, offers)):
        fmt = negotiate(accept, offers)
    return fmt


@dataclass
class QueryRequest:
    """A parsed SPARQL Protocol query request."""

    query: str
    default_graph_uri: list[str] = field(default_factory=list)
    named_graph_uri: list[str] = field(default_factory=list)
    format: str | None = None  # from ``format=``
    timeout_s: float | None = None



_UPDATE_WORD = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)


_OTHER = {"query": ("update", "/sparql/update"), "update": ("query", "/sparql")}


def _decode(text: str, source: str, name: str | None) -> str:
    try:
        return unquote_to_bytes(text.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        what = f"the value of '{name}'" if name is not None else "a parameter name"
        raise InputError(f"{what} in the {source} is not valid UTF-8 once percent-decoded",
                         detail={"parameter": name, "source": source}) from None


def parse_params(encoded: str, source: str = "query string") -> list[tuple[str, str]]:
    """The (name, value) pairs of an ``application/x-www-form-urlencoded`` text (a query
    string or a form body), blank values kept. Percent-escapes must decode to UTF-8: a
    value that does not is refused with :class:`InputError` naming it, never repaired."""
    pairs = []
    for piece in encoded.split("&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition("=")
        name = _decode(raw_name, source, None)
        pairs.append((name, _decode(raw_value, source, name)))
    return pairs


def _body_params(content_type: str | None, body: bytes, operation: str) -> list[tuple[str, str]]:
    """The parameters a POST body carries for ``operation`` ("query" or "update"): a form, or
    the text itself as ``application/sparql-<operation>``. Raises :class:`InputError` for
    bad UTF-8 or the other operation's media type, :class:`UnsupportedMediaType` otherwise."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("the form body is not valid UTF-8") from None
        return parse_params(text, "form body")
    if ctype == f"application/sparql-{operation}":
        try:
            return [(operation, body.decode("utf-8"))]
        except UnicodeDecodeError:
            raise InputError(f"the {operation} body is not valid UTF-8") from None
    other, path = _OTHER[operation]
    if ctype == f"application/sparql-{other}":
        raise InputError(f"this is the {operation} endpoint; send {other}s to {path}")
    raise UnsupportedMediaType(
        f"Content-Type {content_type or '(none)'!r} is not accepted here; use "
        f"application/x-www-form-urlencoded or application/sparql-{operation}")


#: most IRIs one request may give for its dataset (each of default-graph-uri, named-graph-uri)
MAX_DATASET_IRIS = 1000


def dataset_iris(params: list[tuple[str, str]], name: str) -> list[str]:
    """The values of the dataset parameter ``name`` (``default-graph-uri``, …), each an
    absolute IRI. Raises :class:`InputError` naming the parameter and the bad value."""
    values = [v for k, v in params if k == name]
    if len(values) > MAX_DATASET_IRIS:
        raise InputError(f"'{name}' is given {len(values)} times; the limit is "
                         f"{MAX_DATASET_IRIS}",
                         detail={"parameter": name, "limit": "dataset_iris"})
    return [check_iri(v, name) for v in values]


#: what the nesting scan skips (strings, IRIs, comments) and what it counts: brackets, and runs
#: of prefix operators (``!!!!x`` nests like ``!(!(!(!x)))`` in the parser)
_NESTING_TOKENS = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*"
    r"|[(\[{)\]}]"
    r"|[!+\-](?:\s*[!+\-])*", re.S)


def nesting_depth(text: str, limit: int = 0) -> tuple[int, int]:
    """The deepest nesting of brackets ``( [ {`` and prefix operators ``! + -`` in a SPARQL
    text, outside strings, IRIs and comments, and the character offset where it first goes
    past ``limit``. A lexical count: it may count what the grammar would not (a minus between
    two numbers), never miss a level the parser would nest."""
    depth = deepest = where = 0
    for token in _NESTING_TOKENS.finditer(text):
        char = token.group()
        if char in ("(", "[", "{"):
            reached = depth = depth + 1
        elif char in (")", "]", "}"):
            depth = max(0, depth - 1)
            continue
        elif char[0] in "!+-":
            reached = depth + sum(map(char.count, "!+-"))
        else:
            continue
        if reached > deepest:
            if deepest <= limit:
                where = token.start() + max(0, limit - depth)
            deepest = reached
    return deepest, where


def check_nesting(text: str, max_depth: int, source: str = "query") -> None:
    """Refuse (:class:`InputError`, 400) a text nesting deeper than ``max_depth``:
    deep nesting costs stack and time in the parser and the evaluator, and no real query
    needs it. The message names the limit, its setting and where it was passed."""
    if sum(map(text.count, "([{!+-")) <= max_depth:  # cannot nest deeper: no scan needed
        return
    depth, where = nesting_depth(text, max_depth)
    if depth <= max_depth:
        return
    line = text.count("\n", 0, where) + 1
    column = where - (text.rfind("\n", 0, where) + 1) + 1
    raise InputError(
        f"the {source} nests {depth} deep (brackets and prefix operators), past the limit of "
        f"{max_depth} (setting max_query_depth) at line {line}, column {column}",
        detail={"limit": "nesting", "max_depth": max_depth, "depth": depth,
                "line": line, "column": column})


def _format_name(value: str) -> str | None:
    """The format a ``format=`` (or ``output=``/``results=``) value names; None when empty.
    Raises :class:`InputError` for a value we do not know."""
    pieces = [p.split(";")[0].strip() for p in value.lower().split(",")]
    if not any(pieces):
        return None
    for piece in pieces:  # a list of media types, as SPARQLWrapper sends: the first known
        if piece in FORMAT_ALIASES:
            return FORMAT_ALIASES[piece]
    raise InputError(f"unknown format '{value}'; use one of "
                     + ", ".join(sorted(k for k in FORMAT_ALIASES if "/" not in k)))


def looks_like_update(text: str) -> bool:
    stripped = re.sub(r"(?m)#[^\n]*$", "", text)
    return bool(_UPDATE_WORD.match(stripped))


def parse_query_request(method: str, query_string: str, content_type: str | None,
                        body: bytes, *, max_query_bytes: int,
                        max_depth: int = 100) -> QueryRequest:
    """Parse a SPARQL 1.1 Protocol query operation (GET, POST form, POST sparql-query).

    Raises :class:`InputError` (400) for malformed requests (bad UTF-8, a dataset parameter
    that is not an absolute IRI, brackets nested deeper than ``max_depth``),
    :class:`TooLargeError` (413) for oversize queries, and :class:`UnsupportedMediaType`
    (415) for a wrong Content-Type.
    """
    params = parse_params(query_string)
    if method == "POST":
        params += _body_params(content_type, body, "query")
    elif method not in ("GET", "HEAD"):
        raise InputError(f"method {method} is not allowed")
    formats = {_format_name(v) for k, v in params if k in ("format", "output", "results")}
    formats.discard(None)
    if len(formats) > 1:
        raise InputError("the format parameters disagree: " + ", ".join(sorted(
            f for f in formats if f)))
    for name in ("query", "timeout"):
        if sum(1 for k, _ in params if k == name) > 1:
            raise InputError(f"the parameter '{name}' is given more than once")
    values = dict(p for p in params if p[0] in ("query", "timeout"))
    if "update" in {k for k, _ in params}:
        raise InputError("this is the query endpoint; send updates to /sparql/update")
    query = values.get("query")
    if query is None or not query.strip():
        raise InputError("missing the 'query' parameter")
    if len(query.encode("utf-8")) > max_query_bytes:
        raise TooLargeError(f"the query is {len(query.encode())} bytes; the limit is "
                            f"{max_query_bytes}")
    if looks_like_update(query):
        raise InputError("this is an update; send it by POST to /sparql/update with a token")
    check_nesting(query, max_depth)
    fmt = formats.pop() if formats else None
    timeout = values.get("timeout")
    timeout_s = None
    if timeout:
        try:
            timeout_s = float(timeout)
            if timeout_s <= 0:
                raise ValueError
        except ValueError:
            raise InputError(f"timeout must be a positive number of seconds, not {timeout!r}"
                             ) from None
    return QueryRequest(
        query=query,
        default_graph_uri=dataset_iris(params, "default-graph-uri"),
        named_graph_uri=dataset_iris(params, "named-graph-uri"),
        format=fmt, timeout_s=timeout_s)


class UnsupportedMediaType(InputError):
    status = 415


@dataclass
class UpdateRequest:
    """A parsed SPARQL Protocol update request."""

    update: str
    using_graph_uri: list[str] = field(default_factory=list)
    using_named_graph_uri: list[str] = field(default_factory=list)


def parse_update_request(query_string: str, content_type: str | None, body: bytes, *,
                         max_query_bytes: int, max_depth: int = 100) -> UpdateRequest:
    """Parse a SPARQL 1.1 Protocol update operation (POST form or POST sparql-update).

    Raises :class:`InputError` (400), :class:`TooLargeError` (413) or
    :class:`UnsupportedMediaType` (415) as :func:`parse_query_request` does, including for
    nesting deeper than ``max_depth``.
    """
    params = parse_params(query_string)
    if any(k == "update" for k, _ in params):
        raise InputError("the 'update' parameter belongs in the body, not the URL")
    params += _body_params(content_type, body, "update")
    if any(k == "query" for k, _ in params):
        raise InputError("this is the update endpoint; send queries to /sparql")
    updates = [v for k, v in params if k == "update"]
    if len(updates) > 1:
        raise InputError("the parameter 'update' is given more than once")
    if not updates or not updates[0].strip():
        raise InputError("missing the 'update' parameter")
    update = updates[0]
    if len(update.encode("utf-8")) > max_query_bytes:
        raise TooLargeError(f"the update is {len(update.encode())} bytes; the limit is "
                            f"{max_query_bytes}")
    check_nesting(update, max_depth, "update")
    return UpdateRequest(
        update=update,
        using_graph_uri=dataset_iris(params, "using-graph-uri"),
        using_named_graph_uri=dataset_iris(params, "using-named-graph-uri"))
