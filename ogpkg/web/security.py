"""The security headers of every response, defined here and nowhere else.

Every HTML page gets a Content-Security-Policy: scripts, styles sheets, fonts and images
only from this server (no inline script: the pages' data travels in ``<script
type="application/json">`` blocks, which never run), inline ``<style>`` allowed, no plugins,
no framing, forms posting only here, and connections (``fetch``/XHR) only to this server and
the endpoints the ``ui_endpoints`` setting names. Every response gets
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (a report page's
random address must not leak through the Referer header).

:func:`middleware` is them as one ASGI middleware, which :mod:`ogpkg.web.transport` puts on
every response (the framework's routes and the SPARQL fast path alike); a response that sets
its own Content-Security-Policy keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: headers every response gets
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def content_security_policy(connect: Iterable[str] = ()) -> str:
    """The policy of every HTML page; ``connect``: endpoints other than this server that the
    query page may send queries to."""
    extra = "".join(f" {origin}" for origin in connect)
    return ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self'; "
            f"connect-src 'self'{extra}; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'; object-src 'none'")


def page_headers(connect: Iterable[str] = ()) -> dict[str, str]:
    """Every security header of an HTML page."""
    return {**COMMON_HEADERS, "Content-Security-Policy": content_security_policy(connect)}


class SecurityHeadersMiddleware:
    """Adds :data:`COMMON_HEADERS` to every response and the policy to every HTML one."""

    def __init__(self, app: ASGIApp, *, policy: str) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                media = headers.get("content-type", "").split(";")[0].strip().lower()
                if media in ("text/html", "application/xhtml+xml"):
                    headers.setdefault("Content-Security-Policy", self.policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def middleware(connect: Iterable[str] = ()) -> Middleware:
    """The security headers as a middleware; ``connect`` as for
    :func:`content_security_policy`."""
    return Middleware(SecurityHeadersMiddleware, policy=content_security_policy(connect))
