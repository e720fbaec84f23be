"""Per-client fairness over real HTTP: one client (127.0.0.1) floods the endpoint with eight
expensive queries while another (127.0.0.2) keeps asking cheap ones; the flooder gets 429s
with Retry-After, the other client none, and its p99 latency stays under 100 ms. The server
runs in its own process with the default per-client limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.web.context import client_address
from tests.served import served

pytestmark = pytest.mark.slow

DEADLINE = 3.0
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = ("SELECT ?p WHERE { ?p a <https://w3id.org/ogp-kg/def/ActionPlan> } LIMIT %d")


@pytest.fixture(scope="module")
def server(built_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served(built_dir, tmp_path_factory.mktemp("fairness"), query_workers=6,
                query_timeout_s=DEADLINE, query_memory_mb=512, cache_mb=0) as (url, _):
        yield url


def from_address(address: str, url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30,
                        transport=httpx.HTTPTransport(local_address=address))


def test_a_flooding_client_gets_429_while_another_keeps_its_latency(server: str) -> None:
    defaults = Settings()
    statuses: list[tuple[int, str | None]] = []

    def expensive(i: int) -> None:
        with from_address("127.0.0.1", server) as c:
            # a forged X-Forwarded-For per request must not make the flooder many clients
            r = c.post("/sparql", data={"query": EXPENSIVE},
                       headers={"X-Forwarded-For": f"198.51.100.{i}"})
            statuses.append((r.status_code, r.headers.get("retry-after")))

    flood = [threading.Thread(target=expensive, args=(i,)) for i in range(8)]
    for t in flood:
        t.start()
    time.sleep(0.3)
    latencies = []
    other: list[int] = []
    with from_address("127.0.0.2", server) as c:
        i = 0
        while any(t.is_alive() for t in flood) or len(latencies) < 50:
            i += 1
            t0 = time.perf_counter()
            r = c.get("/sparql", params={"query": CHEAP % (1 + i % 50)})
            latencies.append(time.perf_counter() - t0)
            other.append(r.status_code)
            time.sleep(0.01)
    for t in flood:
        t.join()

    refused = [s for s in statuses if s[0] == 429]
    assert len(refused) == 8 - defaults.client_max_running - defaults.client_max_waiting, statuses
    assert all(retry and int(retry) > 0 for _, retry in refused)
    assert set(other) == {200}
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"other client: p99 {p99 * 1000:.1f} ms over {len(latencies)} requests; "
          f"flooder: {sorted(s for s, _ in statuses)}")
    assert p99 < 0.100, f"p99 {p99 * 1000:.1f} ms"


def test_the_429_body_names_the_limit(server: str) -> None:
    results: list[httpx.Response] = []

    def expensive() -> None:
        with from_address("127.0.0.3", server) as c:
            results.append(c.post("/sparql", data={"query": EXPENSIVE, "timeout": "1"}))

    threads = [threading.Thread(target=expensive) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [r for r in results if r.status_code == 429]
    assert refused
    body = refused[0].json()
    assert body["status"] == 429 and body["detail"]["limit"] == "client"
    assert "127.0.0.3" in body["error"]


def test_x_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    proxies = frozenset({"10.0.0.1"})
    assert client_address("127.0.0.1", "203.0.113.9", frozenset()) == "127.0.0.1"
    assert client_address("127.0.0.1", "203.0.113.9", proxies) == "127.0.0.1"
    assert client_address("10.0.0.1", "203.0.113.9", proxies) == "203.0.113.9"
    # a client's own forged entries sit left of what the proxy appended
    assert client_address("10.0.0.1", "1.1.1.1, 203.0.113.9", proxies) == "203.0.113.9"
    assert client_address("10.0.0.1", "203.0.113.9, 10.0.0.1", proxies) == "203.0.113.9"
    assert client_address("10.0.0.1", "junk", proxies) == "10.0.0.1"
