"""``/api/queries``: the example queries as stable REST URLs with parameters, answering plain
JSON (columns and rows) or CSV, for portals that do not speak SPARQL."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from starlette.routing import Route

from ogpkg.errors import InputError, NotFoundError
from ogpkg.query.canned import KINDS, CannedQuery, bindings
from ogpkg.query.protocol import NotAcceptable
from ogpkg.web import answers
from ogpkg.web.context import ctx_of

router = APIRouter()


def _describe(q: CannedQuery, request: Request) -> dict[str, Any]:
    return {"name": q.name, "title": q.title, "description": q.description,
            "url": str(request.url_for("canned_query", name=q.name)),
            "parameters": [{"name": p.name, "kind": p.kind, "binds": "?" + p.variable,
                            "description": p.description} for p in q.params]}


@router.get("/api/queries", summary="The canned queries and their parameters")
def list_queries(request: Request) -> list[dict[str, Any]]:
    return [_describe(q, request) for q in ctx_of(request).canned.values()]


async def canned_query(request: Request) -> Response:
    ctx = ctx_of(request)
    name = request.path_params["name"]
    query = ctx.canned.get(name)
    if query is None:
        raise NotFoundError(f"there is no canned query '{name}'; see /api/queries")
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    given: dict[str, str] = {}
    for key, value in pairs:
        if key in given:
            raise InputError(f"the parameter '{key}' is given more than once")
        given[key] = value
    fmt = given.get("format") or _from_accept(request.headers.get("accept"))
    if fmt not in ("json", "csv"):
        raise InputError(f"format must be json or csv, not {fmt!r}")
    answer = await ctx.queries.run(answers.query_of(
        request, query.text, accept=None, format=fmt, substitutions=bindings(query, given),
        own_text=True))
    version = answer.version
    headers = {"X-Data-Version": str(version), "Cache-Control": "public, max-age=0",
               "ETag": answer.etag}
    if answer.status == 304:
        return Response(status_code=304, headers=answer.headers)
    body = await answer.read()
    if fmt == "csv":
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    return Response(json.dumps(_plain(query, version, given, json.loads(body)),
                               ensure_ascii=False).encode(),
                    media_type="application/json", headers=headers)


router.routes.append(Route("/api/queries/{name}", canned_query, methods=["GET"],
                           name="canned_query"))


def _from_accept(accept: str | None) -> str:
    from ogpkg.query.protocol import negotiate

    try:
        return negotiate(accept, [("application/json", "json"), ("text/csv", "csv")])
    except NotAcceptable:
        raise NotAcceptable(f"cannot produce any type in Accept: {accept!r}; available: "
                            "application/json, text/csv") from None


def _plain(query: CannedQuery, version: int, given: dict[str, str],
           result: dict[str, Any]) -> dict[str, Any]:
    columns = result["head"]["vars"]
    rows = [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]
    return {"query": query.name, "title": query.title, "version": version,
            "parameters": {k: v for k, v in given.items() if k != "format"},
            "columns": columns, "count": len(rows), "rows": rows}


def openapi_paths(canned: dict[str, CannedQuery]) -> dict[str, Any]:
    """One documented operation per canned query, with its parameters."""
    paths: dict[str, Any] = {}
    for q in canned.values():
        params = [{"name": p.name, "in": "query", "required": False,
                   "schema": {"type": "string", "pattern": KINDS[p.kind][0]},
                   "description": f"{p.description} (binds ?{p.variable})"} for p in q.params]
        params.append({"name": "format", "in": "query", "required": False,
                       "schema": {"type": "string", "enum": ["json", "csv"]}})
        paths[f"/api/queries/{q.name}"] = {"get": {
            "summary": q.title, "description": q.description, "operationId": f"query_{q.name}",
            "tags": ["canned queries"], "parameters": params,
            "responses": {"200": {"content": {"application/json": {}, "text/csv": {}}},
                          "400": {"description": "a parameter does not fit"}}}}
    return paths
