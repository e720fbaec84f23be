"""``/sparql`` (SPARQL 1.1 Protocol query operation and Service Description) and
``/sparql/update`` (update operation, with the write token)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ogpkg.errors import InputError, OgpkgError
from ogpkg.query.protocol import (
    GRAPH_MEDIA,
    RESULT_MEDIA,
    parse_query_request,
    parse_update_request,
)
from ogpkg.query.service import Query
from ogpkg.web import answers, errors, transport
from ogpkg.web.context import AppContext, client_of, ctx_of, read_body, read_limited
from ogpkg.web.descriptions import render, service_description
from ogpkg.web.observability import Observed

router = APIRouter()

QUERY_DOC = """SPARQL 1.1 Protocol query operation: `query` by GET, by POST form or as a POST
`application/sparql-query` body; `default-graph-uri` / `named-graph-uri` set the dataset
(without them the default graph is the union of all graphs). Results by content negotiation
(`Accept`, q-values) or `format=` (json, xml, csv, tsv, turtle, ntriples, nquads, trig, rdfxml,
jsonld); `timeout=` seconds asks for a shorter deadline. Without a query: the Service
Description."""


_QUERY_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {m: {} for m in (*RESULT_MEDIA.values(), *GRAPH_MEDIA.values())}},
    400: {"description": "bad query or request"},
    406: {"description": "no acceptable result format"},
    413: {"description": "query or body too large"},
    429: {"description": "this client has as many queries running and waiting as it may"},
    503: {"description": "deadline, memory limit or busy"}}


async def sparql(request: Request) -> Response:
    """The Service Description (a request with a query never gets here: :func:`takes`)."""
    return await _service_description(request, ctx_of(request))


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


async def serve_query(ctx: AppContext, emitter: transport.Emitter, scope: Scope,
                      receive: Receive, send: Send) -> None:
    """The query operation as a bare ASGI handler, ahead of the framework: HTTP in, the query
    service, HTTP out through the layers every response passes (``emitter``:
    :class:`ogpkg.web.transport.Emitter`), counted and logged like any request."""
    headers: dict[str, str] = {}
    for raw_key, raw_value in scope["headers"]:
        k, v = raw_key.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[k] = f"{headers[k]}, {v}" if k in headers else v
    method = scope["method"]
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
            query = _query(ctx, method, headers, query_string, body,
                           client_of(ctx.settings, scope.get("client"),
                                     headers.get("x-forwarded-for")),
                           scope.setdefault("state", {}))
            response = answers.response(await ctx.queries.run(query))
        except OgpkgError as exc:
            response = errors.error_response(exc, method, "/sparql")
        except Exception:
            response = errors.internal_error(method, "/sparql")
        await emitter(response, headers.get("accept-encoding", ""), scope, receive,
                      observed_send)


def _query(ctx: AppContext, method: str, headers: Mapping[str, str], query_string: str,
           body: bytes, client: str | None, notes: dict[str, Any]) -> Query:
    """The SPARQL 1.1 Protocol query operation's request as a :class:`Query`."""
    req = parse_query_request(method, query_string, headers.get("content-type"), body,
                              max_query_bytes=ctx.settings.max_query_bytes,
                              max_depth=ctx.settings.max_query_depth)
    notes["query_hash"] = hashlib.sha256(req.query.encode()).hexdigest()[:16]
    return Query(req.query, accept=headers.get("accept"), format=req.format,
                 default_graphs=req.default_graph_uri, named_graphs=req.named_graph_uri,
                 timeout_s=req.timeout_s, client=client, head=method == "HEAD",
                 conditions={k: headers[k] for k in answers.CONDITIONS if k in headers},
                 notes=notes)


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
    from ogpkg.contrib.writes import refuse_blocked, update_change

    change = update_change(req.update, using_graphs=req.using_graph_uri,
                           using_named_graphs=req.using_named_graph_uri,
                           base_iri=ctx.settings.base_iri)
    outcome = refuse_blocked(await ctx.submit(change))
    return Response(status_code=204, headers={"X-Data-Version": str(outcome.version),
                                              "X-Changed-Graphs": " ".join(outcome.graphs)})
