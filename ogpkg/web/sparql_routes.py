"""``/sparql`` (SPARQL 1.1 Protocol query operation and Service Description) and
``/sparql/update`` (update operation, with the write token)."""

from __future__ import annotations

import email.utils
import functools
import hashlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ogpkg.errors import Busy, InputError, LimitExceeded, OgpkgError
from ogpkg.query.cache import Cached
from ogpkg.query.engine import Job, ResultStream, StreamAborted
from ogpkg.query.fairness import TooManyRequests
from ogpkg.query.federation import ServiceRefused, check_services
from ogpkg.query.protocol import (
    GRAPH_MEDIA,
    RESULT_MEDIA,
    parse_query_request,
    parse_update_request,
)
from ogpkg.web import errors, transport
from ogpkg.web.context import AppContext, client_address, ctx_of, read_body, read_limited
from ogpkg.web.descriptions import render, service_description
from ogpkg.web.observability import Observed

log = logging.getLogger("ogpkg.web")
router = APIRouter()

QUERY_DOC = """SPARQL 1.1 Protocol query operation: `query` by GET, by POST form or as a POST
`application/sparql-query` body; `default-graph-uri` / `named-graph-uri` set the dataset
(without them the default graph is the union of all graphs). Results by content negotiation
(`Accept`, q-values) or `format=` (json, xml, csv, tsv, turtle, ntriples, nquads, trig, rdfxml,
jsonld); `timeout=` seconds asks for a shorter deadline. Without a query: the Service
Description."""


@functools.lru_cache(maxsize=8)
def _http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def _not_modified(headers: Mapping[str, str], etag: str, modified: float | None) -> bool:
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = headers.get("if-modified-since")
    if ims and modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
        return int(modified) <= since
    return False


_QUERY_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {m: {} for m in (*RESULT_MEDIA.values(), *GRAPH_MEDIA.values())}},
    400: {"description": "bad query or request"},
    406: {"description": "no acceptable result format"},
    413: {"description": "query or body too large"},
    429: {"description": "this client has as many queries running and waiting as it may"},
    503: {"description": "deadline, memory limit or busy"}}


async def sparql(request: Request) -> Response:
    ctx = ctx_of(request)
    if request.method in ("GET", "HEAD") and not request.url.query:
        return await _service_description(request, ctx)
    body = await read_body(request, ctx.settings.max_body_bytes) if request.method == "POST" \
        else b""
    answer = await query_operation(ctx, _caller(request), request.url.query,
                                   request.headers.get("content-type"), body)
    return answer.response()


# The Service Description and anything unusual (OPTIONS preflights) go through the framework
# as a plain Starlette route; its OpenAPI description is added to the schema by hand
# (:data:`OPENAPI`). Query requests take :func:`serve_query`.
router.routes.append(Route("/sparql", sparql, methods=["GET", "POST", "HEAD"], name="sparql"))


def takes(scope: Scope) -> bool:
    """Whether :func:`serve_query` answers this request: a query operation on /sparql."""
    return (scope["type"] == "http" and scope["path"] == "/sparql"
            and (scope["method"] == "POST"
                 or (scope["method"] in ("GET", "HEAD") and bool(scope["query_string"]))))


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InputError("the client left before sending the whole body")
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


async def serve_query(ctx: AppContext, scope: Scope, receive: Receive, send: Send) -> None:
    """The query operation as a bare ASGI handler, ahead of the framework's middleware: the
    same core (:func:`query_operation`) and the same CORS, gzip, error, metrics and log rules
    (:mod:`ogpkg.web.transport`), at a fraction of the CPU per request."""
    headers: dict[str, str] = {}
    for raw_key, raw_value in scope["headers"]:
        k, v = raw_key.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[k] = f"{headers[k]}, {v}" if k in headers else v
    method = scope["method"]
    caller = Caller(method, headers, scope.setdefault("state", {}),
                    _client(ctx, scope, headers.get("x-forwarded-for")))
    async with Observed(ctx.metrics, scope, send) as observed_send:
        response: Response
        try:
            body = b""
            if method == "POST":
                body = await read_limited(_chunks(receive), headers.get("content-length"),
                                          ctx.settings.max_body_bytes)
            try:
                query_string = scope["query_string"].decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("the query string is not valid UTF-8") from None
            result = await query_operation(ctx, caller, query_string,
                                           headers.get("content-type"), body)
            response = result.response()
        except OgpkgError as exc:
            response = errors.error_response(exc, method, "/sparql")
        except Exception:
            response = errors.internal_error(method, "/sparql")
        transport.cors(response, "origin" in headers)
        app = transport.compress(response, headers.get("accept-encoding", ""))
        await app(scope, receive, observed_send)


_PARAMS = [
    {"name": "query", "in": "query", "schema": {"type": "string"},
     "description": "The SPARQL query (GET, or POST form field)."},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array",
                                                           "items": {"type": "string"}},
     "description": "Graphs whose merge is the default graph (overrides FROM)."},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array",
                                                         "items": {"type": "string"}},
     "description": "Graphs available to GRAPH patterns (overrides FROM NAMED)."},
    {"name": "format", "in": "query", "schema": {"type": "string"},
     "description": "json, xml, csv, tsv, turtle, ntriples, nquads, trig, rdfxml, jsonld."},
    {"name": "timeout", "in": "query", "schema": {"type": "number"},
     "description": "A shorter deadline in seconds (the server's default is the maximum)."},
]
OPENAPI: dict[str, object] = {
    "get": {"summary": "SPARQL 1.1 query (or the Service Description without a query)",
            "description": QUERY_DOC, "operationId": "sparql_get", "parameters": _PARAMS,
            "responses": _QUERY_RESPONSES},
    "post": {"summary": "SPARQL 1.1 query", "description": QUERY_DOC,
             "operationId": "sparql_post", "parameters": _PARAMS[1:],
             "requestBody": {"content": {
                 "application/sparql-query": {"schema": {"type": "string"}},
                 "application/x-www-form-urlencoded": {"schema": {
                     "type": "object", "properties": {"query": {"type": "string"}}}}}},
             "responses": _QUERY_RESPONSES},
}


@dataclass
class Caller:
    """What the query core needs of a request, whatever served it: the method, the headers
    (lower-case names), the per-request state the access log reads, and the client whose
    share of the workers the query takes."""

    method: str
    headers: Mapping[str, str]
    state: dict[str, Any]
    client: str | None = None


def _client(ctx: AppContext, scope: Scope, forwarded_for: str | None) -> str | None:
    peer = scope.get("client")
    return client_address(peer[0] if peer else None, forwarded_for, ctx.settings.proxies)


def _caller(request: Request) -> Caller:
    return Caller(request.method, request.headers, request.scope.setdefault("state", {}),
                  _client(ctx_of(request), request.scope,
                          request.headers.get("x-forwarded-for")))


@dataclass
class Answer:
    """A query's response before a web framework sees it: a whole body or a stream."""

    status: int
    headers: dict[str, str]
    media_type: str | None = None
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None

    def response(self) -> Response:
        if self.stream is not None:
            return StreamingResponse(self.stream, status_code=self.status,
                                     media_type=self.media_type, headers=self.headers)
        return Response(self.body, status_code=self.status, media_type=self.media_type,
                        headers=self.headers)


async def query_operation(ctx: AppContext, caller: Caller, query_string: str,
                          content_type: str | None, body: bytes) -> Answer:
    """The SPARQL 1.1 Protocol query operation: parse the request, refuse what the SERVICE
    policy forbids, answer the query."""
    req = parse_query_request(caller.method, query_string, content_type, body,
                              max_query_bytes=ctx.settings.max_query_bytes,
                              max_depth=ctx.settings.max_query_depth)
    caller.state["query_hash"] = hashlib.sha256(req.query.encode()).hexdigest()[:16]
    await _check_services(caller.state, ctx, req.query)
    return await answer(ctx, caller, req.query, default_graphs=req.default_graph_uri,
                        named_graphs=req.named_graph_uri, fmt=req.format,
                        timeout_s=req.timeout_s)


async def run_query(request: Request, ctx: AppContext, query: str, *,
                    default_graphs: list[str] | None = None,
                    named_graphs: list[str] | None = None, fmt: str | None = None,
                    timeout_s: float | None = None) -> Response:
    """:func:`answer` as a response of the web framework (for routes other than /sparql)."""
    result = await answer(ctx, _caller(request), query, default_graphs=default_graphs,
                          named_graphs=named_graphs, fmt=fmt, timeout_s=timeout_s)
    return result.response()


async def answer(ctx: AppContext, caller: Caller, query: str, *,
                 default_graphs: list[str] | None = None,
                 named_graphs: list[str] | None = None, fmt: str | None = None,
                 timeout_s: float | None = None) -> Answer:
    """Answer ``query`` on a worker: conditional requests, the result cache, limits, and
    streaming of results larger than one chunk."""
    default_graphs = default_graphs or []
    named_graphs = named_graphs or []
    version = ctx.version()
    accept = caller.headers.get("accept")
    key = (query, tuple(default_graphs), tuple(named_graphs), fmt, accept)
    etag = f'"v{version}-{hashlib.sha256(repr(key).encode()).hexdigest()[:24]}"'
    modified = ctx.committed_at(version)
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "public, max-age=0",
               "X-Data-Version": str(version)}
    if modified is not None:
        headers["Last-Modified"] = _http_date(modified)
    if _not_modified(caller.headers, etag, modified):
        return Answer(304, headers)
    if ctx.cache.enabled:
        hit = ctx.cache.get(version, key)
        ctx.metrics.cache.labels("hit" if hit else "miss").inc()
        if hit is not None:
            caller.state["cache"] = "hit"
            return Answer(200, headers, hit.media_type,
                          b"" if caller.method == "HEAD" else hit.body)
    deadline = ctx.settings.query_timeout_s
    if timeout_s is not None:
        deadline = min(deadline, timeout_s)
    job = Job(query=query, snapshot=ctx.snapshot_path(version), version=version,
              accept=accept, format=fmt, default_graphs=default_graphs,
              named_graphs=named_graphs, base_iri=ctx.settings.base_iri)
    try:
        stream = await ctx.engine.execute(job, deadline, caller.client)
    except LimitExceeded as exc:
        _rejected(caller.state, ctx, str(exc.detail.get("limit", "limit")))
        raise
    except Busy:
        _rejected(caller.state, ctx, "busy")
        raise
    except TooManyRequests:
        _rejected(caller.state, ctx, "client")
        raise
    media = RESULT_MEDIA.get(stream.format) or GRAPH_MEDIA[stream.format]
    if caller.method == "HEAD":
        await stream.aclose()
        return Answer(200, headers, media)
    if stream.complete:
        ctx.cache.put(version, key, Cached(media, stream.first, stream.format))
        return Answer(200, headers, media, stream.first)
    return Answer(200, headers, media,
                  stream=_relay(stream, ctx, version, key, media, caller.state))


async def _relay(stream: ResultStream, ctx: AppContext, version: int, key: tuple, media: str,
                 state: dict[str, Any]) -> AsyncIterator[bytes]:
    """The rest of a result. A failure after the first byte aborts the response (the client
    sees a cut connection, never a complete-looking body) and is logged."""
    kept: list[bytes] | None = [] if ctx.cache.enabled else None
    size = 0
    try:
        async for chunk in stream:
            if kept is not None:
                size += len(chunk)
                if size <= ctx.cache.max_item_bytes:
                    kept.append(chunk)
                else:
                    kept = None
            yield chunk
    except StreamAborted as exc:
        state["rejection"] = "stream_aborted"
        log.warning("aborted a result stream after %d bytes (query %s): %s", stream.size,
                    state.get("query_hash", "?"), exc)
        raise
    finally:
        await stream.aclose()
    if kept is not None:
        ctx.cache.put(version, key, Cached(media, b"".join(kept), stream.format))


def _may_have_service(text: str) -> bool:
    """Whether ``text`` may hold a SERVICE clause: the keyword in any (ASCII) casing, or a
    ``\\u``/``\\U`` escape that may spell it. A case-blind regular expression took 20 µs
    on a 1 kB query; this takes one."""
    return "\\u" in text or "\\U" in text or "service" in text.lower()


async def _check_services(state: dict[str, Any], ctx: AppContext, text: str) -> None:
    """Refuse SERVICE targets off the allowlist or on internal addresses, before execution.
    Texts that may hold a SERVICE clause are checked off the event loop (DNS lookups)."""
    try:
        if _may_have_service(text):
            await run_in_threadpool(check_services, text, ctx.settings.allowed_services,
                                    trusted=ctx.trusted_services)
    except ServiceRefused:
        _rejected(state, ctx, "service")
        raise


def _rejected(state: dict[str, Any], ctx: AppContext, reason: str) -> None:
    state["rejection"] = reason
    ctx.metrics.reject(reason)


async def _service_description(request: Request, ctx: AppContext) -> Response:
    stats = await ctx.stats()
    endpoint = str(request.url_for("sparql"))
    graph = service_description(
        endpoint, update_endpoint=str(request.url_for("sparql_update"))
        if ctx.settings.write_token else None,
        allowlist=ctx.settings.allowed_services, graphs=stats["graphs"],
        triples=stats["distinct_triples"], void_url=str(request.base_url) + ".well-known/void")
    media, data = render(graph, request.headers.get("accept"))
    headers = {"Vary": "Accept", "X-Data-Version": str(stats["version"])}
    return Response(b"" if request.method == "HEAD" else data, media_type=media,
                    headers=headers)


UPDATE_DOC = """SPARQL 1.1 Protocol update operation: `update` by POST form or as a POST
`application/sparql-update` body, with `Authorization: Bearer <token>`;
`using-graph-uri` / `using-named-graph-uri` honoured. The update is executed on the working
copy, its effect read back from the store and judged by the write policy (no direct change of
the default graph, which is the union; no change of the repository's graphs; no fetching), and
the changed graphs are validated against the shapes like any contribution; it is committed
atomically only if all holds."""


@router.post("/sparql/update", name="sparql_update", summary="SPARQL 1.1 update",
             description=UPDATE_DOC, response_class=Response,
             responses={204: {"description": "applied"}, 401: {"description": "no or bad token"},
                        403: {"description": "writes are off, or the update would change a "
                                              "repository graph or fetch (LOAD, SERVICE)"},
                        422: {"description": "the result does not conform to the shapes"}})
async def sparql_update(request: Request) -> Response:
    ctx = ctx_of(request)
    ctx.check_token(request)
    body = await read_body(request, ctx.settings.max_body_bytes)
    req = parse_update_request(request.url.query, request.headers.get("content-type"), body,
                               max_query_bytes=ctx.settings.max_query_bytes,
                               max_depth=ctx.settings.max_query_depth)
    request.state.query_hash = hashlib.sha256(req.update.encode()).hexdigest()[:16]
    from ogpkg.writes import refuse_blocked, update_change

    change = update_change(req.update, using_graphs=req.using_graph_uri,
                           using_named_graphs=req.using_named_graph_uri,
                           base_iri=ctx.settings.base_iri)
    outcome = refuse_blocked(await ctx.submit(change))
    return Response(status_code=204, headers={"X-Data-Version": str(outcome.version),
                                              "X-Changed-Graphs": " ".join(outcome.graphs)})
