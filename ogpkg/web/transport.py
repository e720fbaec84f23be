"""What every response gets on its way out: CORS for reads (no credentials), gzip for bodies
over 2 kB when the client asks, and one line of metrics and access log.

The framework's routes get these as middleware (:func:`install`). The SPARQL query operation
is served by :func:`ogpkg.web.sparql_routes.serve_query` straight from the server, ahead of
the middleware stack (whose layers cost more CPU per request than the query path itself); it
applies the same rules with :func:`cors` and :func:`compress`, from the same settings here.
"""

from __future__ import annotations

import gzip

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.datastructures import MutableHeaders
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp

from ogpkg.web.observability import Metrics, ObservabilityMiddleware

GZIP_MIN_BYTES = 2048
GZIP_LEVEL = 5
CORS_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
CORS_REQUEST_HEADERS = ("Accept", "Content-Type", "If-None-Match", "If-Modified-Since")
CORS_EXPOSE = ("ETag", "Last-Modified", "X-Data-Version")


def install(app: FastAPI, metrics: Metrics) -> None:
    """The middleware of the framework's routes (outermost last)."""
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False,
                       allow_methods=list(CORS_METHODS),
                       allow_headers=list(CORS_REQUEST_HEADERS),
                       expose_headers=list(CORS_EXPOSE))
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)


def cors(response: Response, has_origin: bool) -> None:
    """The CORS headers :class:`CORSMiddleware` gives a simple (non-preflight) request."""
    headers = response.headers
    if has_origin:
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = ", ".join(CORS_EXPOSE)
    headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])


def compress(response: Response, accept_encoding: str) -> ASGIApp:
    """``response`` gzipped where :class:`GZipMiddleware` would gzip it."""
    if "gzip" not in accept_encoding or "content-encoding" in response.headers:
        return response
    if isinstance(response, StreamingResponse):
        return GZipMiddleware(response, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    if len(response.body) < GZIP_MIN_BYTES:
        return response
    response.body = gzip.compress(response.body, GZIP_LEVEL)
    headers: MutableHeaders = response.headers
    headers["Content-Encoding"] = "gzip"
    headers["Content-Length"] = str(len(response.body))
    headers.add_vary_header("Accept-Encoding")
    return response
