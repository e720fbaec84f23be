"""The web application: ``create_app(settings)`` wires the routers, the middleware and the
query engine. Handlers live in :mod:`ogpkg.web.sparql_routes`, :mod:`ogpkg.web.graph_store`
and :mod:`ogpkg.web.pages`; errors in :mod:`ogpkg.web.errors`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from ogpkg import __version__, canned
from ogpkg.config import Settings
from ogpkg.engine import Engine
from ogpkg.federation import normalise_endpoint
from ogpkg.store import SnapshotReader
from ogpkg.web import (
    api_routes,
    contribute_routes,
    errors,
    graph_store,
    pages,
    resources,
    sparql_routes,
    ui,
)
from ogpkg.web.cache import ResultCache
from ogpkg.web.context import AppContext
from ogpkg.web.observability import Metrics, ObservabilityMiddleware

DESCRIPTION = """SPARQL endpoint of the Open Government Partnership knowledge graph:
governments (national OGP members and OGP Local members), action plans, commitments,
committees and events, each fact in the named graph of its source.

* `/sparql` — SPARQL 1.1 Protocol (query; Service Description without a query)
* `/sparql/update` — SPARQL 1.1 Update (bearer token)
* `/graph-store` — SPARQL 1.1 Graph Store HTTP Protocol (writes need the token)
* `/.well-known/void` — VoID + DCAT description; `/dump.nq` — the whole dataset
"""


def create_app(settings: Settings, *,
               trusted_services: frozenset[str] = frozenset()) -> FastAPI:
    """The application over the store in ``settings.data_dir``.

    ``trusted_services``: endpoints that ``SERVICE`` may call even though they are on an
    internal address (they must still be on the allowlist). For embedding and tests only;
    no setting or environment variable reaches it.
    """
    metrics = Metrics()
    ctx = AppContext(
        settings=settings, reader=SnapshotReader(settings.data_dir),
        engine=Engine(settings.query_workers, memory_mb=settings.query_memory_mb,
                      max_waiting=settings.max_waiting),
        cache=ResultCache(settings.cache_mb * 1024 * 1024), metrics=metrics,
        trusted_services=frozenset(normalise_endpoint(u) for u in trusted_services),
        canned=canned.load(settings.content_dir / "queries" / "examples"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ctx.engine.start()
        try:
            yield
        finally:
            await ctx.engine.close()
            ctx.close()

    app = FastAPI(title="ogpkg", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.ctx = ctx
    app.state.settings = settings
    app.include_router(sparql_routes.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.include_router(graph_store.router)
    app.include_router(api_routes.router)
    app.include_router(resources.router)
    app.include_router(ui.router)
    app.include_router(contribute_routes.router)
    app.mount("/static", StaticFiles(directory=ui.STATIC), name="static")
    app.include_router(pages.router)
    errors.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False,
                       allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type", "If-None-Match",
                                      "If-Modified-Since"],
                       expose_headers=["ETag", "Last-Modified", "X-Data-Version"])
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema plus the description of the hand-routed ``/sparql``."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version,
                             description=app.description, routes=app.routes)
        schema["paths"] = {"/sparql": sparql_routes.OPENAPI, **schema["paths"],
                           **api_routes.openapi_paths(app.state.ctx.canned)}
        app.openapi_schema = schema
    return app.openapi_schema
