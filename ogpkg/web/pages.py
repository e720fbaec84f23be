"""Pages and small documents: the home page, /health, /metrics, /stats, the dump and the
VoID + DCAT description at /.well-known/void."""

from __future__ import annotations

import html
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ogpkg.web.context import ctx_of
from ogpkg.web.descriptions import render, void_description

router = APIRouter()

EXAMPLE_QUERY = """PREFIX ogp: <https://w3id.org/ogp-kg/def/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# Action plans with their governments and periods
SELECT ?plan ?government ?start ?end WHERE {
  ?plan a ogp:ActionPlan ; ogp:government ?g .
  OPTIONAL { ?g rdfs:label ?government FILTER(LANG(?government) = "en") }
  OPTIONAL { ?plan <http://purl.org/dc/terms/temporal> ?i .
             ?i time:hasBeginning/time:inXSDgYear ?start .
             OPTIONAL { ?i time:hasEnd/time:inXSDgYear ?end } }
} ORDER BY ?start ?plan"""



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


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> HTMLResponse:
    return HTMLResponse(_home_page(await ctx_of(request).stats()))


def _home_page(stats: dict) -> str:
    classes = stats["classes"]
    ogp = "https://w3id.org/ogp-kg/def/"
    counts = [("governments", classes.get("http://data.europa.eu/m8g/PublicOrganisation", 0)),
              ("action plans", classes.get(ogp + "ActionPlan", 0)),
              ("commitments", classes.get(ogp + "Commitment", 0)),
              ("events", classes.get("https://schema.org/Event", 0)),
              ("triples", stats["triples"]), ("graphs", len(stats["graphs"]))]
    items = "".join(f"<li><strong>{n}</strong> {html.escape(k)}</li>" for k, n in counts)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ogpkg — OGP knowledge graph</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a}}textarea{{width:100%;font-family:monospace;font-size:.9rem}}
ul.counts{{display:flex;gap:1.5rem;list-style:none;padding:0;flex-wrap:wrap}}</style></head>
<body><main><h1>Open Government Partnership knowledge graph</h1>
<p>Governments, action plans, commitments, events and the sources behind every fact.
Data version {stats['version']}.</p>
<ul class="counts">{items}</ul>
<h2>Query</h2>
<form action="/sparql" method="get">
<label for="q">SPARQL query</label>
<textarea id="q" name="query" rows="14">{html.escape(EXAMPLE_QUERY)}</textarea>
<p><label for="f">Result format</label>
<select id="f" name="format"><option>json</option><option>csv</option><option>tsv</option>
<option>xml</option></select> <button type="submit">Run</button></p></form>
<p>Endpoint: <code>/sparql</code> (SPARQL 1.1 Protocol) · <a href="/dump.nq">dump (N-Quads)</a>
· <a href="/stats">stats</a> · <a href="/docs">API docs</a> · <a href="/health">health</a></p>
</main></body></html>"""
