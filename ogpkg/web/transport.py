"""What every response gets on its way out, defined once in :func:`layers`: the security
headers (:mod:`ogpkg.web.security`), CORS for reads (no credentials), gzip for bodies over
2 kB when the client asks; and one line of metrics and access log. And what every connection
gets on its way in: read timeouts (:class:`TimedHttpProtocol`, :func:`server_config`).

The framework's routes get the layers as middleware (:func:`install`). The SPARQL query
operation is served by :func:`ogpkg.web.sparql_routes.serve_query` straight from the server,
ahead of the framework (whose routing and exception layers cost more CPU per request than the
query path itself); its responses go out through the same layers, built once
(:class:`Emitter`).
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.middleware import Middleware
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ogpkg.config import Settings
from ogpkg.web import security
from ogpkg.web.errors import error_body
from ogpkg.web.observability import Metrics, ObservabilityMiddleware

GZIP_MIN_BYTES = 2048
GZIP_LEVEL = 5
CORS_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
CORS_REQUEST_HEADERS = ("Accept", "Content-Type", "If-None-Match", "If-Modified-Since")
CORS_EXPOSE = ("ETag", "Last-Modified", "X-Data-Version")
#: the longest URL the HTTP parser (httptools) reads; longer queries must be sent by POST
MAX_URL_BYTES = 65_535
#: where :class:`Emitter` puts the response its layers send
RESPONSE_KEY = "ogpkg.response"


def layers(settings: Settings, *, gzip: bool = True) -> list[Middleware]:
    """What every response passes through, outermost first (``gzip=False``: all but the gzip
    layer, for a response it would pass unchanged)."""
    stack = [security.middleware(settings.allowed_ui_endpoints),
             Middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False,
                        allow_methods=list(CORS_METHODS),
                        allow_headers=list(CORS_REQUEST_HEADERS),
                        expose_headers=list(CORS_EXPOSE))]
    if gzip:
        stack.append(Middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES,
                                compresslevel=GZIP_LEVEL))
    return stack


def install(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """The middleware of the framework's routes: metrics and access log outermost, then
    :func:`layers`."""
    for layer in reversed(layers(settings)):
        app.add_middleware(layer.cls, *layer.args, **layer.kwargs)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)


def wrap(app: ASGIApp, settings: Settings, *, gzip: bool = True) -> ASGIApp:
    """``app`` inside :func:`layers`."""
    for layer in reversed(layers(settings, gzip=gzip)):
        app = layer.cls(app, *layer.args, **layer.kwargs)
    return app


async def _emitted(scope: Scope, receive: Receive, send: Send) -> None:
    response: ASGIApp = scope.pop(RESPONSE_KEY)
    await response(scope, receive, send)


class Emitter:
    """Sends a response through :func:`layers`, built once (the fast path pays no
    construction per request). A whole body under :data:`GZIP_MIN_BYTES`, or one for a
    client that does not take gzip, skips the gzip layer, which would pass it unchanged (and
    costs a third of a cached query's CPU to say so)."""

    def __init__(self, settings: Settings) -> None:
        self.full = wrap(_emitted, settings)
        self.plain = wrap(_emitted, settings, gzip=False)

    async def __call__(self, response: Response, accept_encoding: str, scope: Scope,
                       receive: Receive, send: Send) -> None:
        whole = not isinstance(response, StreamingResponse)
        plain = "gzip" not in accept_encoding or (whole and len(response.body) < GZIP_MIN_BYTES)
        scope[RESPONSE_KEY] = response
        await (self.plain if plain else self.full)(scope, receive, send)


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with read timeouts, which uvicorn lacks (it times out
    only the wait between requests, not a connection that never sends one, nor one that
    sends its headers or body a byte at a time). Build it with :func:`timed_protocol`:

    - idle: a connection silent for ``idle_s`` after connecting or between requests is
      closed (uvicorn's keep-alive timer, also armed when the connection opens);
    - headers: once a request has begun, its request line and headers must be in within
      ``header_s``;
    - body: once the headers are in, the whole body must be in within ``body_s``.

    A request past its header or body time gets a 408 with the JSON error body (when no
    response has begun) and its connection is closed. Time spent while the server itself
    holds off reading (flow control) does not count against the client.

    The request line and headers together are capped at ``max_head_bytes`` (uvicorn has no
    such cap: a 10 MB header was read whole): beyond it, 431 and the connection is closed.
    The count includes whatever arrived with the headers, so the cap errs towards refusing.
    A URL longer than the parser reads (:data:`MAX_URL_BYTES`) gets 414, pointing to POST.
    """

    idle_s = 5.0
    header_s = 10.0
    body_s = 60.0
    max_head_bytes = MAX_URL_BYTES + 64 * 1024
    _read_timer: asyncio.TimerHandle | None = None
    _head_bytes = 0
    _in_head = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.idle_s,
                                                            self.timeout_keep_alive_handler)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._disarm()
                self._reply(b"431 Request Header Fields Too Large", error_body(
                    f"the request line and headers are over {self.max_head_bytes} bytes", 431,
                    {"limit": "header_bytes", "max_bytes": self.max_head_bytes}))
                self.transport.close()
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.header_s, "read_header_timeout_s", "its request line and headers")

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()
        self._arm(self.body_s, "read_body_timeout_s", "its body")

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_head, self._head_bytes = True, 0
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        """A request the HTTP parser refuses (a malformed request line or header, an unknown
        method, a URL too long for it): a 4xx with the JSON error body every other error
        has."""
        self._disarm()
        url_bytes = len(getattr(self, "url", b"") or b"")
        if url_bytes > MAX_URL_BYTES:
            self._reply(b"414 URI Too Long", error_body(
                f"the URL is {url_bytes} bytes, over the {MAX_URL_BYTES} this server reads; "
                "send a long query by POST (application/sparql-query or a form)", 414,
                {"limit": "url_bytes", "max_bytes": MAX_URL_BYTES}))
            self.transport.close()
            return
        self._reply(b"400 Bad Request", error_body(
            "the HTTP request is malformed: its request line, a header or its framing cannot "
            "be parsed", 400, {"parser": msg}))
        self.transport.close()

    def _reply(self, status: bytes, body: dict[str, object]) -> None:
        """Write a JSON error response straight to the connection (no application involved),
        announcing that the connection closes."""
        data = json.dumps(body).encode()
        self.transport.write(b"HTTP/1.1 %s\r\ncontent-type: application/json\r\n"
                             b"connection: close\r\ncontent-length: %d\r\n\r\n%s"
                             % (status, len(data), data))

    def _arm(self, seconds: float, setting: str, what: str) -> None:
        self._disarm()
        self._read_timer = self.loop.call_later(seconds, self._expired, seconds, setting, what)

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _expired(self, seconds: float, setting: str, what: str) -> None:
        self._read_timer = None
        if self.transport.is_closing():
            return
        if self.flow is not None and self.flow.read_paused:  # we are not reading: wait
            self._arm(seconds, setting, what)
            return
        if self.cycle is None or not self.cycle.response_started:
            self._reply(b"408 Request Timeout", error_body(
                f"the request did not send {what} within {seconds:g} s", 408,
                {"limit": setting}))
        if self.cycle is not None:
            self.cycle.keep_alive = False
            self.cycle.disconnected = True  # the application's reply, if any, goes nowhere
        self.transport.close()


def timed_protocol(idle_s: float, header_s: float, body_s: float) -> type[TimedHttpProtocol]:
    """A :class:`TimedHttpProtocol` with these read timeouts."""
    return type("TimedHttpProtocol", (TimedHttpProtocol,),
                {"idle_s": idle_s, "header_s": header_s, "body_s": body_s})


def server_config(app: ASGIApp, settings: Settings, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration that serves ``app``: the read timeouts of ``settings``,
    plus ``options`` (host, port, log_level, …). uvicorn's own proxy-header handling is off
    (by default it believes ``X-Forwarded-For`` from any local connection): the client
    address is the connection's, or what a proxy in ``trusted_proxies`` reports
    (:func:`ogpkg.web.context.client_address`)."""
    protocol = timed_protocol(settings.read_idle_timeout_s, settings.read_header_timeout_s,
                              settings.read_body_timeout_s)
    return uvicorn.Config(app, http=protocol, proxy_headers=False,
                          timeout_keep_alive=math.ceil(settings.read_idle_timeout_s), **options)
