"""The query engine: a pool of killable worker processes over read-only snapshots.

pyoxigraph cannot cancel a query, so every query runs in a worker process
(:mod:`ogpkg.query.worker`) that the engine kills when the query passes its deadline; a worker that
passes its memory cap dies on its own. Either way a fresh worker takes its place and the
others keep serving. A worker that fails with an internal error, or that the kernel reports
ended (its pidfd), is replaced too: no worker that erred or died is given another job.
Workers that run long are niced, so that cheap queries keep their latency while expensive
ones run; after its query a niced worker gets its priority back (or, where the process may
not raise priorities, is replaced). Each client's share of the workers is capped
(:mod:`ogpkg.query.fairness`).

The engine is asyncio-native: one ``await engine.execute(job, deadline_s)`` returns a
:class:`ResultStream` holding the result's format and its first chunk (so that most failures
become a proper status code before anything is sent); the rest is read with
``async for chunk in stream``. A stream that is not read to the end must be closed
(``await stream.aclose()``): the worker is then killed, since it may still be computing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes.util
import functools
import json
import logging
import os
import select
import signal
import sys
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ogpkg.errors import (
    Busy,
    MemoryLimitExceeded,
    OgpkgError,
    QueryTimeout,
    StoreError,
)
from ogpkg.query.fairness import ClientQuota, TooManyRequests
from ogpkg.query.worker import EXIT_MEMORY, HEADER, OFFLINE

log = logging.getLogger("ogpkg.query.engine")
T = TypeVar("T")

#: CPU priority of a worker whose query has run past ``nice_after_s`` (lowest)
SLOW_NICE = 19
#: CPU priority of a worker started to replace one that was killed or retired
REPLACEMENT_NICE = 5
#: malloc libraries ``allocator="auto"`` preloads into the workers, best first
FAST_ALLOCATORS = ("jemalloc", "tcmalloc_minimal")


@functools.lru_cache(maxsize=8)
def find_allocator(choice: str) -> str | None:
    """The library to preload (``LD_PRELOAD``) into query workers for ``choice``: ``"auto"``
    (jemalloc or tcmalloc when installed, else none), ``"system"`` (none: the C library's
    malloc) or a path. Query evaluation allocates and frees many small objects; glibc's
    malloc spends about a quarter of a worker's CPU on them, and these allocators less.
    Raises :class:`ValueError` for a path that is not a file."""
    if choice == "system":
        return None
    if choice == "auto":
        for name in FAST_ALLOCATORS:
            found = ctypes.util.find_library(name)
            if found:
                return found
        return None
    if not os.path.isfile(choice):
        raise ValueError(f"no malloc library at {choice}")
    return os.path.abspath(choice)


@dataclass
class Job:
    """One query for a worker: what to run, on which snapshot, how to serialise it."""

    query: str
    snapshot: str
    version: int
    accept: str | None = None
    format: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    #: variable -> ("iri", iri, None) or ("literal", text, datatype), bound by substitution
    substitutions: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    #: what relative IRIs in the query are resolved against
    base_iri: str | None = None

    def encode(self) -> bytes:
        body = json.dumps(self.__dict__).encode()
        return HEADER.pack(len(body)) + body


class StreamAborted(OgpkgError):
    """A result stream was cut after its first bytes were sent (deadline, worker death)."""


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.niced = False
        self.base_nice = 0
        self.jobs = 0
        #: the thread that runs the queries (its priority is the one that matters: Linux
        #: priorities are per thread); the process until the worker says which it is
        self.tid = proc.pid
        #: a descriptor that turns readable when the process ends (Linux), or None
        self.pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            self.pidfd = os.pidfd_open(proc.pid)

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def frame(self) -> tuple[bytes, bytes]:
        assert self.proc.stdout is not None
        head = await self.proc.stdout.readexactly(HEADER.size)
        body = await self.proc.stdout.readexactly(HEADER.unpack(head)[0])
        return body[:1], body[1:]

    @property
    def alive(self) -> bool:
        """Not ended: asked of the kernel (the pidfd), not only of what the event loop has
        noticed so far (its exit status, the end of its output)."""
        out = self.proc.stdout
        if self.proc.returncode is not None or (out is not None and out.at_eof()):
            return False
        if self.pidfd is None:
            return True
        # poll, not select: select() cannot watch a descriptor past 1023, and a busy server
        # has that many open
        poller = select.poll()
        poller.register(self.pidfd, select.POLLIN)
        return not poller.poll(0)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


class Engine:
    """A pool of ``size`` query workers with a waiting line of ``max_waiting`` requests.

    ``memory_mb`` caps each query's memory (0: no cap); ``nice_after_s`` is how long a query
    runs before its worker's CPU priority is lowered. Replacement workers start at a lower
    priority than the first ones, so that a burst of replacements does not delay cheap queries.
    One client runs at most ``client_max_running`` queries at once (0: no limit), with
    ``client_max_waiting`` more waiting their turn (:class:`~ogpkg.query.fairness.ClientQuota`).
    """

    def __init__(self, size: int = 4, *, memory_mb: int = 1024, max_waiting: int = 32,
                 nice_after_s: float = 0.1, preload: str | None = None,
                 client_max_running: int = 0, client_max_waiting: int = 0,
                 offline: bool = False) -> None:
        self.size = max(1, size or os.cpu_count() or 1)
        #: workers may not open network sockets (nothing is allowed to be fetched)
        self.offline = offline
        #: a malloc library the workers load first (:func:`find_allocator`), or None
        self.preload = preload
        self.memory_mb = memory_mb
        self.max_waiting = max_waiting
        self.nice_after_s = nice_after_s
        self.quota = ClientQuota(client_max_running, client_max_waiting)
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._all: set[_Worker] = set()
        self._spawning = 0
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()
        #: counters for /metrics: limit hits by reason, worker replacements
        self.stats: collections.Counter[str] = collections.Counter()

    # -- lifecycle

    async def start(self) -> None:
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        if not self._all:
            raise StoreError("no query worker could be started")

    async def close(self) -> None:
        self._closed = True
        for fut in self._waiters:
            if not fut.done():
                fut.cancel()
        workers = list(self._all)
        self._all.clear()
        self._idle.clear()
        await asyncio.gather(*(self._reap(w) for w in workers))
        while self._tasks:  # spawns and reaps in flight
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def busy(self) -> int:
        return len(self._all) - len(self._idle)

    @property
    def waiting(self) -> int:
        return sum(1 for f in self._waiters if not f.done())

    def pids(self) -> list[int]:
        return [w.pid for w in self._all]

    async def _spawn(self, replacement: bool = False) -> None:
        if self._closed:
            return
        self._spawning += 1
        worker: _Worker | None = None
        env = {**os.environ, "RUST_BACKTRACE": "0"}
        if self.preload:
            env["LD_PRELOAD"] = " ".join(filter(None, (self.preload, env.get("LD_PRELOAD"))))
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ogpkg.query.worker", str(self.memory_mb),
                *([OFFLINE] if self.offline else []),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=1 << 20, env=env)
            worker = _Worker(proc)
            if replacement:  # starting up costs CPU that cheap queries should have first
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, proc.pid, REPLACEMENT_NICE)
                    worker.base_nice = REPLACEMENT_NICE
            kind, payload = await asyncio.wait_for(worker.frame(), 60)
            if kind != b"R":
                raise RuntimeError(f"unexpected first frame {kind!r}")
            worker.tid = int(payload)
            if replacement:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, worker.tid, REPLACEMENT_NICE)
        except Exception as exc:  # a worker that cannot start: log, the pool shrinks
            log.error("query worker failed to start: %s", exc)
            if worker is not None:
                await self._reap(worker)
            return
        finally:
            self._spawning -= 1
        if self._closed:
            await self._reap(worker)
            return
        self._all.add(worker)
        self._give(worker)

    def _respawn(self) -> None:
        task = asyncio.get_running_loop().create_task(self._spawn(replacement=True))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _give(self, worker: _Worker) -> None:
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(worker)
                return
        self._idle.append(worker)

    def _retire(self, worker: _Worker, reason: str) -> None:
        worker.kill()
        self._all.discard(worker)
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)
        self.stats[f"replaced_{reason}"] += 1
        reaper = asyncio.get_running_loop().create_task(self._reap(worker))
        self._tasks.add(reaper)
        reaper.add_done_callback(self._tasks.discard)
        self._respawn()

    @staticmethod
    async def _reap(worker: _Worker) -> None:
        """Kill a worker and wait until its process and pipes are gone."""
        worker.kill()
        worker.close()
        proc = worker.proc
        with contextlib.suppress(Exception):
            if proc.stdin is not None:
                proc.stdin.close()
            await asyncio.wait_for(proc.wait(), 10)
            if proc.stdout is not None:
                await asyncio.wait_for(proc.stdout.read(), 5)

    def _release(self, worker: _Worker) -> None:
        if not worker.alive:
            self._retire(worker, "died")
            return
        if worker.niced:
            try:  # back to its normal priority (allowed when running with CAP_SYS_NICE)
                os.setpriority(os.PRIO_PROCESS, worker.tid, worker.base_nice)
                worker.niced = False
            except OSError:  # not allowed: replace it rather than keep a slow worker
                self._retire(worker, "niced")
                return
        self._give(worker)

    async def _acquire(self, deadline: float) -> _Worker:
        while self._idle:  # the worker idle the shortest time: its caches are warm
            worker = self._idle.pop()
            if worker.alive:
                return worker
            self._retire(worker, "died")
        if self.waiting >= self.max_waiting:
            self.stats["rejected_busy"] += 1
            raise Busy(f"all {self.size} query workers are busy and {self.max_waiting} "
                       "requests are waiting; try again shortly",
                       detail={"limit": "concurrency", "workers": self.size})
        fut: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            remaining = max(0.0, deadline - time.monotonic())
            return await asyncio.wait_for(asyncio.shield(fut), remaining)
        except TimeoutError:
            if fut.done() and not fut.cancelled():
                self._give(fut.result())  # got one just as the wait ended: pass it on
            else:
                fut.cancel()
            self.stats["timeout"] += 1
            raise QueryTimeout("the query waited for a free worker until its deadline; "
                               "the endpoint is busy, try again shortly",
                               detail={"limit": "deadline"}) from None

    def _renice(self, worker: _Worker) -> None:
        if worker.proc.returncode is None and not worker.niced:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, worker.tid, SLOW_NICE)
                worker.niced = True

    # -- queries

    async def execute(self, job: Job, deadline_s: float, client: str | None = None
                      ) -> ResultStream:
        """Start ``job`` on a worker, in ``client``'s turn; returns once the result's first
        chunk is there.

        Raises the query's own error (:class:`ParseError`, :class:`NotAcceptable`, …),
        :class:`QueryTimeout` or :class:`MemoryLimitExceeded` when a limit stops it,
        :class:`TooManyRequests` when the client has as many queries as it may, and
        :class:`Busy` when the pool and its waiting line are full.
        """
        if self._closed:
            raise StoreError("the query engine is shut down")
        started = time.monotonic()
        deadline = started + deadline_s
        try:
            turn = await self.quota.enter(client, deadline)
        except TooManyRequests:
            self.stats["rejected_client"] += 1
            raise
        try:
            worker = await self._acquire(deadline)
        except BaseException:
            if turn and client is not None:
                self.quota.leave(client)
            raise
        worker.jobs += 1
        stream = ResultStream(self, worker, deadline, deadline_s,
                              client if turn else None)
        nicer = asyncio.get_running_loop().call_later(self.nice_after_s, self._renice, worker)
        stream._nicer = nicer
        try:
            assert worker.proc.stdin is not None
            worker.proc.stdin.write(job.encode())
            await stream._start()
        except BaseException:
            await stream.aclose()
            raise
        return stream

    def _fail(self, worker: _Worker, exc: BaseException, deadline_s: float) -> OgpkgError:
        """Turn a worker's death (or our killing it) into the error to report."""
        if isinstance(exc, TimeoutError):
            self._retire(worker, "deadline")
            self.stats["timeout"] += 1
            return QueryTimeout(f"the query ran past its deadline of {deadline_s:g} s and was "
                                "stopped", detail={"limit": "deadline", "deadline_s": deadline_s})
        code = worker.proc.returncode
        self._retire(worker, "died")
        if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, EXIT_MEMORY):
            # Rust aborts when an allocation fails under RLIMIT_DATA; Python raises MemoryError
            log.warning("query worker %d stopped with exit code %s (memory limit)", worker.pid,
                        code)
            self.stats["memory"] += 1
            return MemoryLimitExceeded(
                f"the query needed more than the memory limit of {self.memory_mb} MB and was "
                "stopped", detail={"limit": "memory", "limit_mb": self.memory_mb})
        log.error("query worker %d stopped with exit code %s", worker.pid, code)
        return StoreError("a query worker stopped unexpectedly")


def _error_from(payload: bytes) -> OgpkgError:
    body = json.loads(payload)
    err = OgpkgError(body.get("error", "query failed"), detail=body.get("detail") or {})
    err.status = int(body.get("status", 500))
    return err


class ResultStream:
    """A query's result coming from a worker: ``format``, ``kind``, ``first`` (the first
    chunk), ``complete`` (the whole result is in ``first``) and the remaining chunks by
    ``async for``."""

    def __init__(self, engine: Engine, worker: _Worker, deadline: float, deadline_s: float,
                 client: str | None = None):
        self.engine = engine
        #: whose turn this result holds (:class:`~ogpkg.query.fairness.ClientQuota`), until it ends
        self.client = client
        self.worker: _Worker | None = worker
        self.deadline = deadline
        self.deadline_s = deadline_s
        self.format = ""
        self.kind = ""
        self.first = b""
        self.complete = False
        self.size = 0
        self._nicer: asyncio.TimerHandle | None = None

    async def _next(self) -> tuple[bytes, bytes]:
        """The worker's next frame, within the query's deadline."""
        assert self.worker is not None
        return await self._within_deadline(self.worker.frame())

    async def _within_deadline(self, work: Coroutine[Any, Any, T]) -> T:
        """Await ``work`` (reading frames) until the query's deadline. A deadline passed, or a
        worker that died, raises the error to report."""
        assert self.worker is not None
        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0:
                work.close()
                raise TimeoutError
            async with asyncio.timeout(remaining):
                return await work
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
            worker, self.worker = self.worker, None
            if not isinstance(exc, TimeoutError):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.proc.wait(), 2)
            raise self.engine._fail(worker, exc, self.deadline_s) from None

    async def _start(self) -> None:
        """Read up to the result's first bytes (or its error), under one deadline timer."""
        kind, payload = await self._within_deadline(self._read_head())
        if kind in (b"D", b"F"):
            self.first = payload
            self.size += len(payload)
        if kind == b"X":
            error = _error_from(payload)
            self._done(error)
            raise error
        if kind != b"D":
            self._done()

    async def _read_head(self) -> tuple[bytes, bytes]:
        assert self.worker is not None
        while True:
            kind, payload = await self.worker.frame()
            if kind in (b"D", b"F", b"E", b"X"):
                return kind, payload
            if kind == b"S":
                head = json.loads(payload)
                self.format, self.kind = head["format"], head["kind"]

    def _done(self, error: OgpkgError | None = None) -> None:
        """The result is over: the worker goes back to the pool, unless it failed with an
        internal error (a bug, after which the worker exits): then it is replaced."""
        self.complete = True
        self._end_turn()
        if self._nicer is not None:
            self._nicer.cancel()
        if self.worker is not None:
            worker, self.worker = self.worker, None
            if error is not None and error.status == 500:
                self.engine._retire(worker, "failed")
            else:
                self.engine._release(worker)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.first:
            yield self.first
        while not self.complete:
            try:
                kind, payload = await self._next()
            except OgpkgError as exc:
                raise StreamAborted(f"result stream cut: {exc}") from None
            if kind in (b"D", b"F"):
                self.size += len(payload)
                if kind == b"F":
                    self._done()
                if payload:
                    yield payload
            elif kind == b"E":
                self._done()
            elif kind == b"X":
                error = _error_from(payload)
                self._done(error)
                raise StreamAborted(f"result stream cut: {error}")

    def _end_turn(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            self.engine.quota.leave(client)

    async def aclose(self) -> None:
        """Stop: a worker still producing this result is killed and replaced."""
        self._end_turn()
        if self._nicer is not None:
            self._nicer.cancel()
        if self.worker is not None and not self.complete:
            worker, self.worker = self.worker, None
            self.engine._retire(worker, "abandoned")

    async def read_all(self) -> bytes:
        parts = [chunk async for chunk in self]
        return b"".join(parts)


def engine_info(engine: Engine) -> dict[str, Any]:
    return {"workers": engine.size, "busy": engine.busy, "waiting": engine.waiting,
            **engine.stats}
