"""Four pathological queries at once must not hurt a cheap query: its p99 latency stays under
100 ms, each bad query ends with a clear limit error within its deadline + 1 s, and the
server's CPU is back to idle within 2 s after. The server runs in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, copy_store

pytestmark = pytest.mark.slow

DEADLINE = 3.0
PATHOLOGICAL = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "huge ORDER BY": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c ?a",
    "unbounded allocation": "SELECT (GROUP_CONCAT(STR(?c)) AS ?x) WHERE { ?a ?b ?c . ?d ?e ?f }",
}


class _Slow(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        time.sleep(30)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


def _ticks(pid: int) -> int:
    """CPU ticks (user + system) of a process and all its descendants."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{p}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total


@pytest.fixture()
def server(built_dir: Path, tmp_path: Path) -> Iterator[tuple[str, int, str]]:
    slow = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    slow.daemon_threads = True
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    slow_url = f"http://127.0.0.1:{slow.server_address[1]}/sparql"
    args = {"data_dir": str(copy_store(built_dir, tmp_path / "var")), "content_dir": str(ROOT),
            "query_workers": "6", "query_timeout_s": str(DEADLINE), "query_memory_mb": "512",
            "cache_mb": "0", "service_allowlist": slow_url, "trusted_services": [slow_url]}
    proc = subprocess.Popen([sys.executable, "-m", "tests.app_process", json.dumps(args)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).json()["workers_busy"] == 0:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < end, "the server did not start"
            time.sleep(0.1)
        time.sleep(1.0)  # let the workers finish starting
        yield url, proc.pid, slow_url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()
        slow.shutdown()
        slow.server_close()


def test_cheap_queries_keep_their_latency_while_four_bad_ones_run(
        server: tuple[str, int, str]) -> None:
    url, pid, slow_url = server
    queries = dict(PATHOLOGICAL)
    queries["slow SERVICE"] = f"SELECT * WHERE {{ SERVICE <{slow_url}> {{ ?s ?p ?o }} }}"
    outcomes: dict[str, tuple[int, dict, float]] = {}

    def run(name: str, query: str) -> None:
        t0 = time.monotonic()
        with httpx.Client(timeout=60) as c:
            r = c.post(url + "/sparql", data={"query": query})
            outcomes[name] = (r.status_code, r.json(), time.monotonic() - t0)

    threads = [threading.Thread(target=run, args=item) for item in queries.items()]
    for t in threads:
        t.start()
    started = time.perf_counter()
    time.sleep(0.3)
    latencies = []
    slow_at: list[tuple[float, int]] = []
    # another client than the bad queries' (each client has its own share of the workers)
    with httpx.Client(base_url=url, timeout=30,
                      transport=httpx.HTTPTransport(local_address="127.0.0.2")) as c:
        i = 0
        while any(t.is_alive() for t in threads):
            i += 1
            t0 = time.perf_counter()
            r = c.get("/sparql", params={
                "query": f"SELECT ?p WHERE {{ ?p a <https://w3id.org/ogp-kg/def/ActionPlan> }} "
                         f"LIMIT {1 + i % 50}"})
            latencies.append(time.perf_counter() - t0)
            if latencies[-1] > 0.05:
                slow_at.append((round(t0 - started, 2), round(latencies[-1] * 1000)))
            assert r.status_code == 200, r.text
            time.sleep(0.01)
    for t in threads:
        t.join()
    finished = time.monotonic()

    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    assert len(latencies) >= 50
    print(f"cheap-query p99 {p99 * 1000:.1f} ms, median {latencies[len(latencies) // 2] * 1000:.1f}"
          f" ms over {len(latencies)} requests; bad queries: "
          + ", ".join(f"{k} {v[2]:.2f} s ({v[1]['detail'].get('limit')})"
                      for k, v in outcomes.items()) + f"; slow cheap ones (at s, ms): {slow_at}")
    assert p99 < 0.100, f"cheap-query p99 {p99 * 1000:.1f} ms over {len(latencies)} requests"

    for name, (status, body, elapsed) in outcomes.items():
        assert status == 503, (name, body)
        assert body["detail"]["limit"] in ("deadline", "memory"), (name, body)
        assert elapsed < DEADLINE + 1.0, (name, elapsed)

    # the server's CPU is back to idle within 2 s after the last bad query ended
    time.sleep(max(0.0, finished + 1.0 - time.monotonic()))
    before = _ticks(pid)
    time.sleep(1.0)
    used = (_ticks(pid) - before) / os.sysconf("SC_CLK_TCK")
    assert used < 0.1, f"server used {used:.2f} s of CPU in the second after"
