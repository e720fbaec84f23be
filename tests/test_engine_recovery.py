"""The query engine over real worker processes: a worker that fails or dies is never handed
another job, workers survive nesting that overflows an 8 MB stack, and one client's share of
the workers is capped."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ogpkg.errors import OgpkgError
from ogpkg.query.engine import Engine, Job

ASK = "ASK { ?s ?p ?o }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def run(coro: Any) -> Any:
    """Run ``coro`` on a loop of its own thread (a test before may leave one running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def job(built_dir: Path, query: str, **kw: Any) -> Job:
    version = int((built_dir / "CURRENT").read_text())
    return Job(query=query, snapshot=str(built_dir / "snapshots" / f"{version:08d}"),
               version=version, **kw)


def ended(pid: int) -> bool:
    """Whether the process has ended for the kernel: every thread gone, the leader a zombie
    (what its pidfd reports), whether or not its parent has noticed."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state in "ZX" and len(list(Path(f"/proc/{pid}/task").iterdir())) <= 1
    except FileNotFoundError:
        return True


async def outcome(engine: Engine, j: Job, deadline_s: float = 20,
                  client: str | None = None) -> tuple[int, str]:
    try:
        stream = await (engine.execute(j, deadline_s, client) if client else
                        engine.execute(j, deadline_s))
    except OgpkgError as exc:
        return exc.status, str(exc)
    return 200, (await stream.read_all()).decode()


def test_a_worker_that_fails_is_replaced_and_the_next_query_succeeds(built_dir: Path) -> None:
    async def scenario() -> list[tuple[int, str]]:
        engine = Engine(2, memory_mb=0)
        await engine.start()
        try:
            # a job the worker cannot read: it fails outside the store's errors (a bug)
            broken = job(built_dir, ASK)
            broken.version = "not a number"  # type: ignore[assignment]
            first = await outcome(engine, broken)
            rest = [await outcome(engine, job(built_dir, ASK)) for _ in range(6)]
            return [first, *rest]
        finally:
            await engine.close()

    results = run(scenario())
    assert results[0][0] == 500
    assert all(status == 200 and json.loads(body)["boolean"] is True
               for status, body in results[1:]), results


def test_a_worker_killed_while_idle_is_never_given_a_job(built_dir: Path) -> None:
    async def scenario() -> list[int]:
        engine = Engine(2, memory_mb=0)
        await engine.start()
        try:
            pids = engine.pids()
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            while not all(ended(pid) for pid in pids):  # dead, the event loop not yet told
                time.sleep(0.001)
            return [(await outcome(engine, job(built_dir, ASK)))[0] for _ in range(4)]
        finally:
            await engine.close()

    assert run(scenario()) == [200] * 4


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER(" + "!" * 60_000 + "true) }",
    "SELECT * WHERE { FILTER(" + "(" * 30_000 + "1" + ")" * 30_000 + ") }",
])
def test_deep_nesting_past_an_8mb_stack_does_not_kill_the_worker(built_dir: Path,
                                                                 query: str) -> None:
    async def scenario() -> tuple[list[int], tuple[int, str], list[int]]:
        engine = Engine(1, memory_mb=512)
        await engine.start()
        try:
            before = engine.pids()
            result = await outcome(engine, job(built_dir, query))
            return before, result, engine.pids()
        finally:
            await engine.close()

    before, (status, body), after = run(scenario())
    assert status == 200, body
    assert after == before  # the same worker, alive


def test_one_client_runs_at_most_its_share_and_waits_or_gets_429(built_dir: Path) -> None:
    async def scenario() -> tuple[list[int], float]:
        engine = Engine(3, memory_mb=0, client_max_running=1, client_max_waiting=1)
        await engine.start()
        try:
            flood = [asyncio.create_task(outcome(engine, job(built_dir, SLOW), 2, "10.0.0.1"))
                     for _ in range(4)]
            await asyncio.sleep(0.3)
            started = time.monotonic()
            other = await outcome(engine, job(built_dir, ASK), 2, "10.0.0.2")
            took = time.monotonic() - started
            statuses = [s for s, _ in await asyncio.gather(*flood)]
            assert other[0] == 200
            return sorted(statuses), took
        finally:
            await engine.close()

    statuses, took = run(scenario())
    assert statuses.count(429) == 2  # one running, one waiting, two refused
    assert took < 1.0


def test_a_dataset_iri_the_store_cannot_read_is_a_400_from_the_worker(built_dir: Path) -> None:
    # the web layer refuses such IRIs first; a caller that skips it still gets a clear error
    async def scenario() -> tuple[tuple[int, str], tuple[int, str], list[int], list[int]]:
        engine = Engine(1, memory_mb=0)
        await engine.start()
        try:
            before = engine.pids()
            bad = await outcome(engine, job(built_dir, ASK, named_graphs=["a b"]))
            good = await outcome(engine, job(built_dir, ASK))
            return bad, good, before, engine.pids()
        finally:
            await engine.close()

    bad, good, before, after = run(scenario())
    assert bad[0] == 400 and "IRI" in bad[1]
    assert good[0] == 200 and after == before


def test_workers_are_checked_whatever_the_number_of_open_descriptors(built_dir: Path) -> None:
    """A busy server holds over a thousand descriptors: a worker's pidfd past 1023 must still
    be watched (select() cannot, poll() can)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"the descriptor limit ({hard}) is too low to hold 1,100")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        async def scenario() -> tuple[int, str]:
            engine = Engine(1, memory_mb=0)
            await engine.start()
            try:
                return await outcome(engine, job(built_dir, ASK))
            finally:
                await engine.close()

        status, body = run(scenario())
        assert status == 200 and '"boolean"' in body, body
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
