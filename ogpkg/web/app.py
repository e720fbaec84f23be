"""The web application: ``create_app(settings)`` wires the routers, the middleware and the
query engine behind the query service (:mod:`ogpkg.query.service`). Handlers live in
:mod:`ogpkg.web.sparql_routes`, :mod:`ogpkg.web.graph_store` and :mod:`ogpkg.web.pages`;
errors in :mod:`ogpkg.web.errors`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from ogpkg import __version__
from ogpkg.config import Settings
from ogpkg.query import canned
from ogpkg.query.cache import ResultCache
from ogpkg.query.engine import Engine, find_allocator
from ogpkg.query.federation import normalise_endpoint
from ogpkg.store import SnapshotReader
from ogpkg.web import (
    api_routes,
    contribute_routes,
    errors,
    graph_store,
    pages,
    resources,
    sparql_routes,
    transport,
    ui,
)
from ogpkg.web.context import AppContext
from ogpkg.web.observability import Metrics

DESCRIPTION = """SPARQL endpoint of the Open Government Partnership knowledge graph:
governments (national OGP members and OGP Local members), action plans, commitments,
committees and events, each fact in the named graph of its source.

* `/sparql` — SPARQL 1.1 Protocol (query; Service Description without a query)
* `/sparql/update` — SPARQL 1.1 Update (bearer token)
* `/graph-store` — SPARQL 1.1 Graph Store HTTP Protocol (writes need the token)
* `/.well-known/void` — VoID + DCAT description; `/dump.nq` — the whole dataset
"""


#: how long the served data version is trusted before ``CURRENT`` is looked at again: commits
#: by this process are seen at once, those of another (``ogpkg ingest``) within this time
READER_RECHECK_S = 0.02


class OgpkgApp(FastAPI):
    """The FastAPI application, with SPARQL queries answered ahead of its middleware stack
    (:func:`ogpkg.web.sparql_routes.serve_query`): the hot path pays only for what it uses."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if sparql_routes.takes(scope):
            await sparql_routes.serve_query(self.state.ctx, self.state.emitter, scope, receive,
                                            send)
        else:
            await super().__call__(scope, receive, send)


def create_app(settings: Settings, *,
               trusted_services: frozenset[str] = frozenset()) -> FastAPI:
    """The application over the store in ``settings.data_dir``.

    ``trusted_services``: endpoints that ``SERVICE`` may call even though they are on an
    internal address (they must still be on the allowlist). For embedding and tests only;
    no setting or environment variable reaches it.
    """
    metrics = Metrics()
    ctx = AppContext(
        settings=settings, reader=SnapshotReader(settings.data_dir, recheck_s=READER_RECHECK_S),
        engine=Engine(settings.query_workers, memory_mb=settings.query_memory_mb,
                      max_waiting=settings.max_waiting,
                      preload=find_allocator(settings.query_allocator),
                      client_max_running=settings.client_max_running,
                      client_max_waiting=settings.client_max_waiting,
                      # with no endpoint to federate with, workers get no network at all
                      offline=not settings.allowed_services and not trusted_services),
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

    app = OgpkgApp(title="ogpkg", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)  # /docs: ui.api_docs
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
    transport.install(app, settings, metrics)
    app.state.emitter = transport.Emitter(settings)
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
