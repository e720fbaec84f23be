"""What every request handler reaches through ``request.app.state.ctx``: the settings, the
snapshot reader, the query service (over the engine and the result cache), the metrics and the
single writer."""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ogpkg.config import Settings
from ogpkg.contrib.uploads import UploadLimits, Uploads
from ogpkg.errors import AuthError, Forbidden, TooLargeError
from ogpkg.query.cache import ResultCache
from ogpkg.query.canned import CannedQuery
from ogpkg.query.engine import Engine
from ogpkg.query.service import QueryService
from ogpkg.stats import compute_stats
from ogpkg.store import Snapshot, SnapshotReader, Store
from ogpkg.web.observability import Metrics

if TYPE_CHECKING:
    from ogpkg.contrib.gate import Change, Gate, Outcome


@dataclass
class AppContext:
    settings: Settings
    reader: SnapshotReader
    engine: Engine
    cache: ResultCache
    metrics: Metrics
    #: endpoints exempt from the internal-address rule (programmatic use only, e.g. tests)
    trusted_services: frozenset[str] = frozenset()
    #: the example queries served at /api/queries/<name>
    canned: dict[str, CannedQuery] = field(default_factory=dict)
    _store: Store | None = None
    _gate: Gate | None = None
    _uploads: Uploads | None = None
    _shapes: Any = None
    _stats: dict[int, dict[str, Any]] = field(default_factory=dict)
    _snap: Snapshot | None = None

    # -- reading

    @functools.cached_property
    def queries(self) -> QueryService:
        """The query service: the one way a request reads the data."""
        return QueryService(self.settings, self.reader, self.engine, self.cache, self.metrics,
                            trusted_services=self.trusted_services)

    def version(self) -> int:
        """The served data version (:meth:`QueryService.version`)."""
        return self.queries.version()

    def committed_at(self, version: int) -> float | None:
        return self.queries.committed_at(version)

    def snapshot(self) -> Snapshot:
        """An in-process snapshot for cheap, bounded reads (counts, descriptions)."""
        return self.reader.current()

    async def stats(self) -> dict[str, Any]:
        """Counts of the current version (computed once per version, off the event loop)."""
        version = self.version()
        if version not in self._stats:
            def compute() -> dict[str, Any]:
                snap = self.snapshot()
                s = compute_stats(snap)
                s["distinct_triples"] = snap.count()
                return s
            result = await run_in_threadpool(compute)
            self._stats.clear()
            self._stats[version] = result
        return self._stats[version]

    # -- writing

    def check_token(self, request: Request, form_token: str | None = None) -> None:
        """Raise unless the request carries the write token (writes are off without one):
        in ``Authorization: Bearer``, or for a page's form in ``form_token``."""
        token = self.settings.write_token
        if not token:
            raise Forbidden("writes are disabled on this endpoint (no write token is set; "
                            "see OGPKG_WRITE_TOKEN)")
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if form_token and not header:
            scheme, given = "bearer", form_token
        if scheme.lower() != "bearer" or not given:
            raise AuthError("this operation needs 'Authorization: Bearer <token>'")
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise AuthError("the bearer token is not valid")

    def gate(self) -> Gate:
        """The write gate, the one path of every write (opened on first use and kept)."""
        if self._gate is None:
            from ogpkg.contrib.gate import Gate

            self._gate = Gate(self.writer(), self.shapes,
                              max_literal_bytes=self.settings.max_literal_bytes)
        return self._gate

    async def submit(self, change: Change, *, dry_run: bool = False) -> Outcome:
        """Put ``change`` through the write gate; requests after it see what it committed."""
        try:
            return await self.gate().asubmit(change, dry_run=dry_run)
        finally:
            self.reader.forget()

    def writer(self) -> Store:
        """The one writer of the store, opened on first use and kept."""
        if self._store is None:
            self._store = Store(self.settings.data_dir, base_iri=self.settings.base_iri,
                                keep_snapshots=self.settings.keep_snapshots)
        return self._store

    @property
    def uploads(self) -> Uploads:
        """Uploads of the contribution web flow waiting to be published."""
        if self._uploads is None:
            self._uploads = Uploads(self.settings.data_dir / "uploads",
                                    limits=UploadLimits.of(self.settings))
        return self._uploads

    def shapes(self) -> Any:
        if self._shapes is None:
            from ogpkg.contrib import content
            from ogpkg.validation.validate import Shapes

            root = self.settings.content_dir
            self._shapes = Shapes.from_paths(content.shape_files(root),
                                             content.ontology_files(root))
        return self._shapes

    def close(self) -> None:
        if self._gate is not None:
            self._gate.close()
            self._gate = None
        if self._store is not None:
            self._store.close()
            self._store = None


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (declared or actual)."""
    return await read_limited(request.stream(), request.headers.get("content-length"), limit)


async def read_limited(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    """All of ``chunks`` (a body), refused with 413 once past ``limit`` bytes, or at once when
    the ``declared`` Content-Length is past it."""
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLargeError(f"the request body is {declared} bytes; the limit is {limit}")
    parts = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLargeError(f"the request body is over the limit of {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def client_address(peer: str | None, forwarded_for: str | None,
                   proxies: frozenset[str]) -> str | None:
    """Who a request comes from, for per-client limits: the connection's remote address
    ``peer``, or, when ``peer`` is a trusted proxy, the address that proxy reports in
    ``X-Forwarded-For`` (the rightmost one that is not itself a trusted proxy). Without
    trusted proxies the header is ignored: any client can write it."""
    if peer is None or peer not in proxies or not forwarded_for:
        return peer
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # not an address: what lies left of it cannot be trusted either
        client = hop
        if hop not in proxies:
            break
    return client


def client_of(settings: Settings, peer: tuple[str, int] | None,
              forwarded_for: str | None) -> str | None:
    """Who a request with connection ``peer`` comes from (:func:`client_address`)."""
    return client_address(peer[0] if peer else None, forwarded_for, settings.proxies)


def request_client(request: Request) -> str | None:
    """Who ``request`` comes from, for per-client limits."""
    return client_of(ctx_of(request).settings, request.scope.get("client"),
                     request.headers.get("x-forwarded-for"))


def ctx_of(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx
