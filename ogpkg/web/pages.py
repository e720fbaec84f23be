"""Small documents: /health, /metrics, /stats, the dump and the VoID + DCAT description at
/.well-known/void."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ogpkg.web.context import ctx_of
from ogpkg.web.descriptions import render, void_description

router = APIRouter()

@router.get("/health", summary="Liveness, the data version and the query workers")
def health(request: Request) -> dict[str, object]:
    ctx = ctx_of(request)
    return {"status": "ok", "version": ctx.version(), "workers": ctx.engine.size,
            "workers_busy": ctx.engine.busy, "waiting": ctx.engine.waiting}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    ctx = ctx_of(request)
    ctx.metrics.workers_busy.set(ctx.engine.busy)
    ctx.metrics.waiting.set(ctx.engine.waiting)
    ctx.metrics.version.set(ctx.reader.version())
    return Response(ctx.metrics.render(),
                    media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/.well-known/void", summary="VoID + DCAT description of the dataset",
            response_class=Response)
async def void(request: Request) -> Response:
    ctx = ctx_of(request)
    stats = await ctx.stats()
    graph = void_description(str(request.base_url), stats=stats,
                             distinct_triples=stats["distinct_triples"],
                             modified=ctx.committed_at(stats["version"]),
                             base_iri=ctx.settings.base_iri)
    media, data = render(graph, request.headers.get("accept"))
    return Response(data, media_type=media, headers={"Vary": "Accept",
                                                     "X-Data-Version": str(stats["version"])})


@router.get("/dump.nq", summary="The whole dataset as N-Quads")
async def dump(request: Request) -> StreamingResponse:
    ctx = ctx_of(request)
    snap = ctx.snapshot()
    data = await run_in_threadpool(snap.serialize, "nquads")

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(data), 1 << 16):
            yield data[i:i + (1 << 16)]

    return StreamingResponse(chunks(), media_type="application/n-quads", headers={
        "Content-Disposition": f'attachment; filename="ogpkg-v{snap.version}.nq"',
        "X-Data-Version": str(snap.version)})


@router.get("/stats", summary="Triples per graph and instances per class")
async def stats(request: Request) -> JSONResponse:
    s = dict(await ctx_of(request).stats())
    return JSONResponse(s)
