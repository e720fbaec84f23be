"""Routes of the web application. Handlers stay thin: parsing lives in :mod:`ogpkg.sparql`,
data access in :mod:`ogpkg.store`, errors in :mod:`ogpkg.web.errors`."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterator

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse

from ogpkg import __version__
from ogpkg.config import Settings
from ogpkg.errors import TooLargeError
from ogpkg.sparql import (
    GRAPH_MEDIA,
    GRAPH_TYPES,
    RESULT_MEDIA,
    SELECT_TYPES,
    negotiate,
    parse_query_request,
)
from ogpkg.stats import compute_stats
from ogpkg.store import SnapshotReader
from ogpkg.web import errors

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


def create_app(settings: Settings) -> FastAPI:
    """The application over the store in ``settings.data_dir`` (read through snapshots)."""
    app = FastAPI(title="ogpkg", version=__version__,
                  description="SPARQL endpoint of the Open Government Partnership knowledge "
                  "graph.")
    app.state.settings = settings
    app.state.reader = SnapshotReader(settings.data_dir)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False,
                       allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type", "If-None-Match"],
                       expose_headers=["ETag"])
    errors.install(app)

    @app.get("/health", summary="Liveness and the data version")
    def health() -> dict[str, object]:
        snap = app.state.reader.current()
        return {"status": "ok", "version": snap.version}

    @app.api_route("/sparql", methods=["GET", "POST", "HEAD"], summary="SPARQL 1.1 query",
                   response_class=Response)
    async def sparql(request: Request) -> Response:
        body = b""
        if request.method == "POST":
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
                raise TooLargeError(f"the request body is {declared} bytes; the limit is "
                                    f"{settings.max_body_bytes}")
            body = await request.body()
        req = parse_query_request(request.method, request.url.query,
                                  request.headers.get("content-type"), body,
                                  max_query_bytes=settings.max_query_bytes)
        snap = app.state.reader.current()
        accept = request.headers.get("accept")
        chosen: dict[str, str] = {}

        def pick(kind: str) -> str:
            offers = GRAPH_TYPES if kind == "graph" else SELECT_TYPES
            names = {name for _, name in offers}
            if req.format is not None and req.format in names:
                fmt = req.format
            else:
                fmt = negotiate(accept, offers)
            chosen["fmt"] = fmt
            return fmt

        etag = '"' + hashlib.sha256(
            f"{snap.version}\0{req.query}\0{req.default_graph_uri}\0{req.named_graph_uri}\0"
            f"{req.format}\0{accept}".encode()).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "public, max-age=0"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        from starlette.concurrency import run_in_threadpool

        fmt, payload = await run_in_threadpool(
            snap.query_bytes, req.query, pick, default_graphs=req.default_graph_uri or None,
            named_graphs=req.named_graph_uri or None)
        media = RESULT_MEDIA.get(fmt) or GRAPH_MEDIA[fmt]
        if request.method == "HEAD":
            return Response(status_code=200, media_type=media, headers=headers)
        return Response(payload, media_type=media, headers=headers)

    @app.get("/dump.nq", summary="The whole dataset as N-Quads")
    def dump() -> StreamingResponse:
        snap = app.state.reader.current()
        data = snap.serialize("nquads")

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(data), 1 << 16):
                yield data[i:i + (1 << 16)]

        return StreamingResponse(chunks(), media_type="application/n-quads", headers={
            "Content-Disposition": f'attachment; filename="ogpkg-v{snap.version}.nq"'})

    @app.get("/stats", summary="Triples per graph and instances per class")
    def stats() -> JSONResponse:
        return JSONResponse(compute_stats(app.state.reader.current()))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> HTMLResponse:
        s = compute_stats(app.state.reader.current())
        return HTMLResponse(_home_page(s))

    return app


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
