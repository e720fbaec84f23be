"""``/graph-store``: the SPARQL 1.1 Graph Store HTTP Protocol (indirect graph identification).

GET and HEAD are public and run as queries on the workers (deadline, streaming). PUT, POST and
DELETE need the write token; PUT and POST bodies (any RDF format, or a CSV template) pass the
same parsing and SHACL validation as any contribution and are written atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ogpkg.contrib.ingest import read_input
from ogpkg.contrib.writes import delete_change, put_change, refuse_blocked
from ogpkg.errors import InputError, NotFoundError, UnsupportedFormatError
from ogpkg.iri import check_iri
from ogpkg.namespaces import BASE, CONTRIBUTION_GRAPH_PREFIX
from ogpkg.query.protocol import parse_params
from ogpkg.store import format_from_media_type
from ogpkg.web import answers
from ogpkg.web.context import AppContext, ctx_of, read_body

router = APIRouter()

DOC = """SPARQL 1.1 Graph Store HTTP Protocol. `?graph=<IRI>` names a graph; `?default` is the
default graph (the union of all graphs: readable, not writable). GET/HEAD are public; PUT
(replace), POST (add; without `graph` it creates a new graph: 201 + Location) and DELETE need
`Authorization: Bearer <token>`. Written data is validated against the shapes first."""


def _target(request: Request, *, allow_default: bool) -> str | None:
    params = parse_params(request.url.query)
    names = [k for k, _ in params]
    graphs = [v for k, v in params if k == "graph"]
    if len(graphs) > 1:
        raise InputError("the parameter 'graph' is given more than once")
    if graphs and "default" in names:
        raise InputError("give either 'graph' or 'default', not both")
    if "default" in names:
        if not allow_default:
            raise InputError("the default graph is the union of all graphs and cannot be "
                             "written; name a graph with ?graph=<IRI>")
        return None
    if graphs:
        return check_iri(graphs[0], "graph")
    raise InputError("name the graph with ?graph=<IRI>, or ?default for the union")


@router.get("/graph-store", summary="Read a graph", description=DOC, response_class=Response)
@router.head("/graph-store", include_in_schema=False, response_class=Response)
async def read_graph(request: Request) -> Response:
    ctx = ctx_of(request)
    graph = _target(request, allow_default=True)
    if graph is not None and graph not in ctx.snapshot().graph_names():
        raise NotFoundError(f"there is no graph <{graph}>")
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {pattern} }}"
    return answers.response(await ctx.queries.run(answers.query_of(request, query,
                                                                   own_text=True)))


@router.put("/graph-store", summary="Replace a graph (token)", response_class=Response,
            status_code=204)
async def put(request: Request) -> Response:
    return await _write(request, merge=False)


@router.post("/graph-store", summary="Add to a graph, or create one (token)",
             response_class=Response, status_code=204)
async def post(request: Request) -> Response:
    return await _write(request, merge=True)


@router.delete("/graph-store", summary="Delete a graph (token)", response_class=Response,
               status_code=204)
async def delete(request: Request) -> Response:
    ctx = ctx_of(request)
    ctx.check_token(request)
    graph = _target(request, allow_default=False)
    assert graph is not None
    if graph not in ctx.snapshot().graph_names():
        raise NotFoundError(f"there is no graph <{graph}>")
    outcome = refuse_blocked(await ctx.submit(delete_change(graph)))
    return Response(status_code=204, headers={"X-Data-Version": str(outcome.version)})


async def _write(request: Request, *, merge: bool) -> Response:
    ctx = ctx_of(request)
    ctx.check_token(request)
    params = parse_qsl(request.url.query, keep_blank_values=True)
    create = merge and not any(k in ("graph", "default") for k, _ in params)
    body = await read_body(request, ctx.settings.max_body_bytes)
    fmt = _body_format(request)
    parsed = await run_in_threadpool(
        read_input, body, "request body", fmt=fmt, max_bytes=ctx.settings.max_body_bytes,
        max_literal_bytes=ctx.settings.max_literal_bytes, base_iri=ctx.settings.base_iri,
        max_nesting=ctx.settings.max_nesting)
    if create:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        graph = (ctx.settings.base_iri + CONTRIBUTION_GRAPH_PREFIX[len(BASE):] + stamp + "-"
                 + hashlib.sha256(body).hexdigest()[:10])
    else:
        named = _target(request, allow_default=False)
        assert named is not None
        graph = named
    outcome = refuse_blocked(await ctx.submit(
        put_change(graph, parsed.dataset, merge=merge, locate=parsed.locate)))
    existed = graph not in outcome.delta.created
    headers = {"X-Data-Version": str(outcome.version)}
    if create:
        headers["Location"] = str(request.url_for("read_graph")) + "?graph=" + quote(graph,
                                                                                      safe="")
        headers["X-Graph"] = graph
    return Response(status_code=201 if not existed else 204, headers=headers)


def _body_format(request: Request) -> str:
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if not ctype:
        raise UnsupportedFormatError("the request has no Content-Type; send RDF (text/turtle, "
                                     "application/n-triples, application/ld+json, …) or a CSV "
                                     "template (text/csv)")
    if ctype == "text/csv":
        return "csv"
    fmt = format_from_media_type(ctype)
    if fmt is None or fmt == "n3":
        raise UnsupportedFormatError(f"cannot read Content-Type {ctype!r}; send text/turtle, "
                                     "application/n-triples, application/n-quads, "
                                     "application/trig, application/rdf+xml, "
                                     "application/ld+json or text/csv")
    return fmt


__all__ = ["AppContext", "router"]
