"""Limits over real HTTP: deadlines and memory caps stop the work for real (the worker is
killed), busy answers 503 with Retry-After, a cut stream never looks complete, and a client
that leaves takes its query's worker down with it."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.http_server import running

CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HUGE_SORT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?a"
CHEAP = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def app(built_settings: Settings) -> FastAPI:
    return create_app(replace(built_settings, query_workers=2, query_memory_mb=256,
                              max_waiting=1, query_timeout_s=5, cache_mb=0))


@pytest.fixture(scope="module")
def base_url(app: FastAPI) -> Iterator[str]:
    with running(app) as url:
        yield url


@pytest.fixture()
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


def wait_for_workers(app: FastAPI, n: int = 2, within: float = 10) -> None:
    end = time.monotonic() + within
    while len(app.state.ctx.engine.pids()) < n or app.state.ctx.engine.busy:
        if time.monotonic() > end:
            raise AssertionError("the pool did not refill")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_deadline_stops_the_query_and_kills_its_worker(client: httpx.Client,
                                                       app: FastAPI) -> None:
    wait_for_workers(app)
    before = set(app.state.ctx.engine.pids())
    t0 = time.monotonic()
    r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { "
                                      "?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "timeout": "1"})
    elapsed = time.monotonic() - t0
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["detail"]["limit"] == "deadline" and "deadline of 1 s" in body["error"]
    assert elapsed < 2.0
    wait_for_workers(app)
    gone = before - set(app.state.ctx.engine.pids())
    assert len(gone) == 1 and not alive(gone.pop())


@pytest.mark.slow  # runs a query until the default deadline of 5 s
def test_a_request_cannot_ask_for_more_than_the_default_deadline(client: httpx.Client) -> None:
    t0 = time.monotonic()
    r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { "
                                      "?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "timeout": "600"})
    assert r.status_code == 503 and time.monotonic() - t0 < 6.5
    assert "deadline of 5 s" in r.json()["error"]


def test_memory_cap_stops_a_query_that_allocates_without_bound(
        built_settings: Settings) -> None:
    # a long deadline, so that only the memory cap can stop the query, even on a busy machine
    app = create_app(replace(built_settings, query_workers=1, query_memory_mb=128,
                             query_timeout_s=60, cache_mb=0))
    with running(app) as url, httpx.Client(base_url=url, timeout=90) as client:
        t0 = time.monotonic()
        r = client.get("/sparql", params={"query": HUGE_SORT})
        assert r.status_code == 503, r.text
        assert r.json()["detail"] == {"limit": "memory", "limit_mb": 128}
        assert time.monotonic() - t0 < 30
        # the pool recovers and keeps answering
        wait_for_workers(app, n=1)
        assert client.get("/sparql", params={"query": CHEAP}).json()["boolean"] is True


def test_busy_pool_answers_503_with_retry_after(base_url: str, app: FastAPI) -> None:
    wait_for_workers(app)
    results: list[int] = []

    def slow() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as c:
            results.append(c.get("/sparql", params={"query": CARTESIAN.replace(
                "SELECT *", "SELECT (COUNT(*) AS ?n)"), "timeout": "2"}).status_code)

    threads = [threading.Thread(target=slow) for _ in range(3)]  # 2 workers + 1 waiting
    for t in threads:
        t.start()
    time.sleep(0.5)
    with httpx.Client(base_url=base_url, timeout=30) as c:
        r = c.get("/sparql", params={"query": CHEAP})
    for t in threads:
        t.join()
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "1"
    assert r.json()["detail"]["limit"] == "concurrency"
    assert sorted(results) == [503, 503, 503]  # each slow one hit its deadline


def test_cut_stream_never_parses_as_complete(base_url: str, app: FastAPI) -> None:
    wait_for_workers(app)
    received = b""
    with httpx.Client(base_url=base_url, timeout=30) as c, pytest.raises(
            (httpx.RemoteProtocolError, httpx.ReadError)), c.stream(
            "GET", "/sparql", params={"query": CARTESIAN, "timeout": "1.5"}) as r:
        assert r.status_code == 200  # the first chunk came before the deadline
        for chunk in r.iter_bytes():
            received += chunk
    assert len(received) > 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(received)


def test_client_leaving_mid_stream_kills_the_worker(base_url: str, app: FastAPI) -> None:
    wait_for_workers(app)
    before = set(app.state.ctx.engine.pids())
    with httpx.Client(base_url=base_url, timeout=30) as c, \
            c.stream("GET", "/sparql", params={"query": CARTESIAN}) as r:
        next(r.iter_bytes())
    # the worker streaming the result is replaced well before the 5 s deadline
    end = time.monotonic() + 3
    while before <= set(app.state.ctx.engine.pids()) and time.monotonic() < end:
        time.sleep(0.05)
    gone = before - set(app.state.ctx.engine.pids())
    assert gone, "the abandoned query's worker is still in the pool"
    time.sleep(0.3)
    assert not any(alive(pid) for pid in gone)


def test_worker_processes_run_at_lower_priority_when_slow(base_url: str, app: FastAPI) -> None:
    wait_for_workers(app)
    seen: list[int] = []

    def slow() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as c:
            c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { "
                                     "?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "timeout": "1.5"})

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.8)
    for pid in app.state.ctx.engine.pids():  # priorities are per thread: the query's counts
        for task in Path(f"/proc/{pid}/task").iterdir():
            seen.append(os.getpriority(os.PRIO_PROCESS, int(task.name)))
    t.join()
    assert max(seen) >= 10


def _mapped_libraries(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as f:
        return f.read()


@pytest.mark.parametrize("choice", ["auto", "system"])
def test_workers_use_the_chosen_malloc(choice: str) -> None:
    import asyncio

    from ogpkg.query.engine import FAST_ALLOCATORS, Engine, find_allocator

    preload = find_allocator(choice)
    if choice == "system":
        assert preload is None
    elif preload is None:  # CI installs jemalloc (.ci/run); elsewhere it may be missing
        assert not os.environ.get("CI"), "no jemalloc or tcmalloc installed"
        pytest.skip("neither jemalloc nor tcmalloc is installed")

    async def maps() -> list[str]:
        engine = Engine(2, memory_mb=64, preload=preload)
        await engine.start()
        try:
            return [_mapped_libraries(pid) for pid in engine.pids()]
        finally:
            await engine.close()

    found: list[str] = []
    # a thread of its own: other tests (Playwright) may leave an event loop in this one
    runner = threading.Thread(target=lambda: found.extend(asyncio.run(maps())))
    runner.start()
    runner.join(60)
    assert len(found) == 2
    for text in found:
        fast = [name for name in FAST_ALLOCATORS if f"lib{name}" in text]
        assert fast == ([] if preload is None else [next(n for n in FAST_ALLOCATORS
                                                         if n in preload)])


def test_allocator_path_must_be_a_file(tmp_path: Path) -> None:
    from ogpkg.config import load_settings
    from ogpkg.errors import ConfigError
    from ogpkg.query.engine import find_allocator

    with pytest.raises(ConfigError, match="'query_allocator' has value"):
        load_settings({"query_allocator": str(tmp_path / "libnothing.so")}, environ={})
    with pytest.raises(ValueError, match="no malloc library"):
        find_allocator(str(tmp_path))
    lib = tmp_path / "libmine.so"
    lib.write_bytes(b"")
    assert find_allocator(str(lib)) == str(lib)
    assert load_settings({"query_allocator": str(lib)}, environ={}).query_allocator == str(lib)
