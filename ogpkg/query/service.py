"""The query service: the one way every read reaches the data.

The SPARQL protocol, the Graph Store reads, the linked-data pages and their machine formats,
the canned REST queries, the term pages and the home page's counts all describe what they
want as a :class:`Query` and ``await service.run(query)``; the service decides the rest in
one place:

- the data version (the snapshot number), the ETag and Last-Modified it gives, and whether a
  conditional request (``If-None-Match`` / ``If-Modified-Since``) is answered 304;
- the result cache, keyed by the version (:mod:`ogpkg.query.cache`);
- the deadline (the server's, or a shorter one the caller asks for);
- the SERVICE policy (:mod:`ogpkg.query.federation`) for query texts a client wrote;
- the worker pool (:mod:`ogpkg.query.engine`), in the turn of the client named in the query
  (:mod:`ogpkg.query.fairness`);
- the errors of :mod:`ogpkg.errors` a refused or stopped query raises, and the metrics of
  each (cache hit or miss, which limit refused it).

It knows nothing of HTTP frameworks: an :class:`Answer` is a status, headers and a body or a
stream, which the web layer turns into a response.
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio.to_thread

from ogpkg.config import Settings
from ogpkg.errors import Busy, LimitExceeded, StoreError
from ogpkg.query.cache import Cached, ResultCache
from ogpkg.query.engine import Engine, Job, ResultStream, StreamAborted
from ogpkg.query.fairness import TooManyRequests
from ogpkg.query.federation import ServiceRefused, check_services
from ogpkg.query.protocol import GRAPH_MEDIA, RESULT_MEDIA
from ogpkg.store import SnapshotReader

log = logging.getLogger("ogpkg.query")

Rows = list[dict[str, dict[str, str]]]
#: variable -> ("iri", iri, None) or ("literal", text, datatype)
Substitutions = dict[str, tuple[str, str, str | None]]


class QueryMetrics(Protocol):
    """What the service counts: cache lookups and refusals by reason."""

    def cache_lookup(self, hit: bool) -> None: ...

    def reject(self, reason: str) -> None: ...


@dataclass
class Query:
    """One read: the text and how to answer it.

    ``accept`` (the client's Accept header) and ``format`` (a format name) choose the result
    format as the protocol says; ``conditions`` holds the request's ``if-none-match`` /
    ``if-modified-since`` (lower-case names); ``client`` is whose share of the workers it
    takes; ``head`` answers without a body. ``own_text``: the text was written by the server
    around checked IRIs (pages, canned queries), so the SERVICE policy has nothing to check.
    ``notes`` collects facts for the access log (``query_hash``, ``cache``, ``rejection``).
    """

    text: str
    accept: str | None = None
    format: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    substitutions: Substitutions = field(default_factory=dict)
    timeout_s: float | None = None
    client: str | None = None
    conditions: Mapping[str, str] = field(default_factory=dict)
    head: bool = False
    own_text: bool = False
    notes: dict[str, Any] = field(default_factory=dict)

    def key(self) -> tuple:
        """What makes two queries the same answer (with the data version)."""
        return (self.text, tuple(self.default_graphs), tuple(self.named_graphs), self.format,
                self.accept, tuple(sorted(self.substitutions.items())))


@dataclass
class Answer:
    """A query's answer: ``status`` 200 (or 304 for a matching conditional request), the
    caching headers, and the body whole (``body``) or as a ``stream`` of the rest."""

    status: int
    headers: dict[str, str]
    version: int
    etag: str
    media_type: str | None = None
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None

    async def read(self) -> bytes:
        """The whole body (read to the end when it streams)."""
        if self.stream is None:
            return self.body
        return b"".join([chunk async for chunk in self.stream])


@functools.lru_cache(maxsize=8)
def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def not_modified(conditions: Mapping[str, str], etag: str, modified: float | None) -> bool:
    """Whether a request with these conditional headers already holds the answer."""
    inm = conditions.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = conditions.get("if-modified-since")
    if ims and modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
        return int(modified) <= since
    return False


def may_have_service(text: str) -> bool:
    """Whether ``text`` may hold a SERVICE clause: the keyword in any (ASCII) casing, or a
    ``\\u``/``\\U`` escape that may spell it. A case-blind regular expression took 20 µs
    on a 1 kB query; this takes one."""
    return "\\u" in text or "\\U" in text or "service" in text.lower()


class QueryService:
    """Answers :class:`Query` objects over the current data version (see the module)."""

    def __init__(self, settings: Settings, reader: SnapshotReader, engine: Engine,
                 cache: ResultCache, metrics: QueryMetrics, *,
                 trusted_services: frozenset[str] = frozenset()) -> None:
        self.settings = settings
        self.reader = reader
        self.engine = engine
        self.cache = cache
        self.metrics = metrics
        #: endpoints exempt from the internal-address rule (programmatic use only)
        self.trusted_services = trusted_services
        self._snapshot_path: tuple[int, str] = (0, "")
        self._committed: dict[int, float | None] = {}

    # -- the data version

    def version(self) -> int:
        """The served data version (the snapshot number); :class:`StoreError` when the
        store holds none."""
        v = self.reader.version()
        if v == 0:
            raise StoreError(f"the store at {self.settings.data_dir} is empty; build it with "
                             "'ogpkg serve' or 'ogpkg check'")
        return v

    def snapshot_path(self, version: int) -> str:
        if self._snapshot_path[0] != version:
            self._snapshot_path = (version, str(self.settings.data_dir / "snapshots"
                                                / f"{version:08d}"))
        return self._snapshot_path[1]

    def committed_at(self, version: int) -> float | None:
        """When ``version`` was committed (from its metadata; read once per version)."""
        if version in self._committed:
            return self._committed[version]
        path = self.settings.data_dir / "snapshots" / f"{version:08d}.json"
        try:
            value = json.loads(path.read_text()).get("committed_at")
        except (OSError, ValueError):
            return None
        self._committed.clear()
        self._committed[version] = float(value) if value is not None else None
        return self._committed[version]

    # -- the one entry

    async def run(self, query: Query) -> Answer:
        """Answer ``query``: 304 when the caller holds it, the cached bytes when there are
        some, else a worker's result (whole, or its first chunk and a stream of the rest).

        Raises :class:`~ogpkg.query.federation.ServiceRefused` (a SERVICE off the policy), the
        query's own error (:class:`~ogpkg.errors.InputError`, :class:`NotAcceptable`, …),
        :class:`~ogpkg.errors.QueryTimeout` / :class:`~ogpkg.errors.MemoryLimitExceeded`
        when a limit stops it, :class:`~ogpkg.query.fairness.TooManyRequests` when the client
        has as many queries as it may, :class:`~ogpkg.errors.Busy` when the pool is full.
        """
        if not query.own_text:
            await self._check_services(query)
        version = self.version()
        key = query.key()
        etag = f'"v{version}-{hashlib.sha256(repr(key).encode()).hexdigest()[:24]}"'
        modified = self.committed_at(version)
        headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "public, max-age=0",
                   "X-Data-Version": str(version)}
        if modified is not None:
            headers["Last-Modified"] = http_date(modified)
        if not_modified(query.conditions, etag, modified):
            return Answer(304, headers, version, etag)
        if self.cache.enabled:
            hit = self.cache.get(version, key)
            self.metrics.cache_lookup(hit is not None)
            if hit is not None:
                query.notes["cache"] = "hit"
                return Answer(200, headers, version, etag, hit.media_type,
                              b"" if query.head else hit.body)
        stream = await self._execute(query, version)
        media = RESULT_MEDIA.get(stream.format) or GRAPH_MEDIA[stream.format]
        if query.head:
            await stream.aclose()
            return Answer(200, headers, version, etag, media)
        if stream.complete:
            self.cache.put(version, key, Cached(media, stream.first, stream.format))
            return Answer(200, headers, version, etag, media, stream.first)
        return Answer(200, headers, version, etag, media,
                      stream=self._relay(stream, version, key, media, query.notes))

    async def select(self, text: str, *, client: str | None = None,
                     substitutions: Substitutions | None = None) -> Rows:
        """The rows of a SELECT the server wrote (pages, counts), as SPARQL JSON bindings."""
        answer = await self.run(Query(text, format="json", client=client, own_text=True,
                                      substitutions=substitutions or {}))
        rows: Rows = json.loads(await answer.read())["results"]["bindings"]
        return rows

    def selector(self, client: str | None) -> Callable[[str], Awaitable[Rows]]:
        """:meth:`select` in ``client``'s turn, as a function of the text alone."""
        return functools.partial(self.select, client=client)

    # -- its parts

    def deadline(self, asked_s: float | None) -> float:
        """The server's deadline, or a shorter one asked for."""
        limit = self.settings.query_timeout_s
        return limit if asked_s is None else min(limit, asked_s)

    async def _execute(self, query: Query, version: int) -> ResultStream:
        job = Job(query=query.text, snapshot=self.snapshot_path(version), version=version,
                  accept=query.accept, format=query.format,
                  default_graphs=query.default_graphs, named_graphs=query.named_graphs,
                  substitutions=query.substitutions, base_iri=self.settings.base_iri)
        try:
            return await self.engine.execute(job, self.deadline(query.timeout_s), query.client)
        except LimitExceeded as exc:
            self._rejected(query.notes, str(exc.detail.get("limit", "limit")))
            raise
        except Busy:
            self._rejected(query.notes, "busy")
            raise
        except TooManyRequests:
            self._rejected(query.notes, "client")
            raise

    async def _check_services(self, query: Query) -> None:
        """Refuse SERVICE targets off the allowlist or on internal addresses, before
        execution. Texts that may hold a SERVICE clause are checked off the event loop (DNS
        lookups)."""
        if not may_have_service(query.text):
            return
        try:
            await anyio.to_thread.run_sync(functools.partial(
                check_services, query.text, self.settings.allowed_services,
                trusted=self.trusted_services))
        except ServiceRefused:
            self._rejected(query.notes, "service")
            raise

    async def _relay(self, stream: ResultStream, version: int, key: tuple, media: str,
                     notes: dict[str, Any]) -> AsyncIterator[bytes]:
        """The rest of a result. A failure after the first byte aborts it (the client sees a
        cut stream, never a complete-looking body) and is logged; a result small enough is
        kept in the cache."""
        kept: list[bytes] | None = [] if self.cache.enabled else None
        size = 0
        try:
            async for chunk in stream:
                if kept is not None:
                    size += len(chunk)
                    if size <= self.cache.max_item_bytes:
                        kept.append(chunk)
                    else:
                        kept = None
                yield chunk
        except StreamAborted as exc:
            notes["rejection"] = "stream_aborted"
            log.warning("aborted a result stream after %d bytes (query %s): %s", stream.size,
                        notes.get("query_hash", "?"), exc)
            raise
        finally:
            await stream.aclose()
        if kept is not None:
            self.cache.put(version, key, Cached(media, b"".join(kept), stream.format))

    def _rejected(self, notes: dict[str, Any], reason: str) -> None:
        notes["rejection"] = reason
        self.metrics.reject(reason)
