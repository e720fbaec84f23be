"""Metrics (Prometheus text format at ``/metrics``) and the access log, in one ASGI middleware.

Each app has its own metrics registry: nothing global is touched, so several apps (tests)
can live in one process. Handlers put facts for the log and the metrics in
``request.state`` (``query_hash``, ``rejection``); the middleware records them once per request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("ogpkg.access")

#: paths reported as themselves; anything else is grouped (no unbounded label values)
KNOWN_PATHS = ("/sparql", "/sparql/update", "/graph-store", "/health", "/metrics",
               "/.well-known/void", "/dump.nq", "/stats", "/")


class Metrics:
    """The endpoint's counters, with their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("ogpkg_http_requests", "HTTP requests by path, method and status",
                                ["path", "method", "status"], registry=self.registry)
        self.latency = Histogram(
            "ogpkg_http_request_duration_seconds", "Time to the end of the response, by path",
            ["path"], registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.rejections = Counter("ogpkg_rejections", "Requests refused or stopped, by reason",
                                  ["reason"], registry=self.registry)
        self.timeouts = Counter("ogpkg_query_timeouts", "Queries stopped at their deadline",
                                registry=self.registry)
        self.cache = Counter("ogpkg_result_cache", "Result cache lookups", ["outcome"],
                             registry=self.registry)
        self._cache_hit = self.cache.labels("hit")
        self._cache_miss = self.cache.labels("miss")
        self.workers_busy = Gauge("ogpkg_query_workers_busy", "Query workers running a query",
                                  registry=self.registry)
        self.waiting = Gauge("ogpkg_queries_waiting", "Queries waiting for a worker",
                             registry=self.registry)
        self.version = Gauge("ogpkg_data_version", "The served data version (snapshot number)",
                             registry=self.registry)

    def cache_lookup(self, hit: bool) -> None:
        (self._cache_hit if hit else self._cache_miss).inc()

    def reject(self, reason: str) -> None:
        self.rejections.labels(reason).inc()
        if reason == "deadline":
            self.timeouts.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def record(self, scope: Scope, status: int, sent: int, elapsed: float,
               aborted: bool = False) -> None:
        """Count one finished request and write its access-log line."""
        path = scope.get("path", "")
        label = path if path in KNOWN_PATHS else "other"
        self.requests.labels(label, scope.get("method", ""), str(status)).inc()
        self.latency.labels(label).observe(elapsed)
        state: dict[str, Any] = scope.get("state") or {}
        if aborted:
            self.reject("stream_aborted")
        if not access_log.isEnabledFor(logging.INFO):
            return
        extra = ""
        if state.get("query_hash"):
            extra += f" query={state['query_hash']}"
        if state.get("rejection"):
            extra += f" refused={state['rejection']}"
        if state.get("cache"):
            extra += f" cache={state['cache']}"
        if aborted:
            extra += " aborted=1"
        client = scope.get("client") or ("-", 0)
        access_log.info("%s %s %s %d %.1fms %dB%s", client[0], scope.get("method"), path,
                        status, elapsed * 1000, sent, extra)


class Observed:
    """One request under observation, as ``async with Observed(metrics, scope, send) as
    send:``. The ``send`` it gives notes the status and the bytes sent; at the end of the block
    the request is counted and logged (as aborted when the block raised)."""

    def __init__(self, metrics: Metrics, scope: Scope, send: Send) -> None:
        self.metrics = metrics
        self.scope = scope
        self._send = send
        self.status = 0
        self.sent = 0
        self.start = time.perf_counter()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.sent += len(message.get("body", b""))
        await self._send(message)

    async def __aenter__(self) -> Send:
        return self.send

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.metrics.record(self.scope, self.status, self.sent,
                            time.perf_counter() - self.start, aborted=exc_type is not None)


class ObservabilityMiddleware:
    """Counts every request and writes one access-log line per request: method, path, status,
    duration, bytes sent, the query's hash when there is one, and why it was refused."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with Observed(self.metrics, scope, send) as observed_send:
            await self.app(scope, receive, observed_send)
