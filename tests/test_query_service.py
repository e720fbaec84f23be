"""The query service over real workers and the built store: a matching ETag is answered 304
without a worker, a repeated query comes from the cache, a deadline becomes
:class:`QueryTimeout` and is counted, a SERVICE off the policy is refused before execution, and
canned queries over HTTP take their client's turn like any query (429 past the cap)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.errors import QueryTimeout
from ogpkg.query.cache import ResultCache
from ogpkg.query.engine import Engine
from ogpkg.query.fairness import TooManyRequests
from ogpkg.query.federation import ServiceRefused
from ogpkg.query.service import Query, QueryService
from ogpkg.store import SnapshotReader
from ogpkg.web import create_app
from ogpkg.web.observability import Metrics
from tests.http_server import running

PLANS = "SELECT ?p WHERE { ?p a <https://w3id.org/ogp-kg/def/ActionPlan> } ORDER BY ?p"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CANNED = "/api/queries/national-action-plans-by-country"


def scenario(settings: Settings, body: Callable[[QueryService, Metrics], Awaitable[Any]],
             **engine_options: Any) -> Any:
    """Run ``body`` against a service over two real workers, on a loop of its own thread."""
    async def run() -> Any:
        engine = Engine(2, memory_mb=0, **engine_options)
        await engine.start()
        metrics = Metrics()
        service = QueryService(settings, SnapshotReader(settings.data_dir), engine,
                               ResultCache(1 << 20), metrics)
        try:
            return await body(service, metrics)
        finally:
            await engine.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def counted(metrics: Metrics, name: str, label: str) -> float:
    value = metrics.registry.get_sample_value(name, label)
    return value or 0.0


def test_a_matching_etag_is_answered_304_without_a_body(built_settings: Settings) -> None:
    async def body(service: QueryService, metrics: Metrics) -> None:
        first = await service.run(Query(PLANS, format="json"))
        assert first.status == 200 and first.etag and first.version >= 1
        assert json.loads(await first.read())["results"]["bindings"]
        again = await service.run(Query(PLANS, format="json",
                                        conditions={"if-none-match": first.etag}))
        assert (again.status, again.body, again.etag) == (304, b"", first.etag)
        assert again.headers["ETag"] == first.etag
        other = await service.run(Query(PLANS, format="csv",
                                        conditions={"if-none-match": first.etag}))
        assert other.status == 200 and other.etag != first.etag

    scenario(built_settings, body)


def test_a_repeated_query_is_answered_from_the_cache(built_settings: Settings) -> None:
    async def body(service: QueryService, metrics: Metrics) -> None:
        first = await service.run(Query(PLANS + " # cached", format="json"))
        first_body = await first.read()
        notes: dict[str, Any] = {}
        second = await service.run(Query(PLANS + " # cached", format="json", notes=notes))
        assert notes.get("cache") == "hit" and second.stream is None
        assert second.body == first_body
        assert counted(metrics, "ogpkg_result_cache_total", {"outcome": "hit"}) == 1
        assert counted(metrics, "ogpkg_result_cache_total", {"outcome": "miss"}) == 1

    scenario(built_settings, body)


def test_a_query_past_its_deadline_raises_query_timeout(built_settings: Settings) -> None:
    async def body(service: QueryService, metrics: Metrics) -> None:
        notes: dict[str, Any] = {}
        started = time.monotonic()
        with pytest.raises(QueryTimeout) as caught:
            await service.run(Query(SLOW, format="json", timeout_s=0.5, notes=notes))
        assert time.monotonic() - started < 10
        assert caught.value.status == 503 and caught.value.detail["limit"] == "deadline"
        assert notes["rejection"] == "deadline"
        assert counted(metrics, "ogpkg_rejections_total", {"reason": "deadline"}) == 1
        # the pool is whole again: the next query is answered
        answer = await service.run(Query("ASK { ?s ?p ?o }", format="json"))
        assert json.loads(await answer.read())["boolean"] is True

    scenario(built_settings, body)


def test_a_service_off_the_policy_is_refused_before_a_worker(built_settings: Settings) -> None:
    async def body(service: QueryService, metrics: Metrics) -> None:
        notes: dict[str, Any] = {}
        with pytest.raises(ServiceRefused):
            await service.run(Query("SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> "
                                    "{ ?s ?p ?o } }", notes=notes))
        assert notes["rejection"] == "service"
        assert service.engine.stats["replaced_died"] == 0

    scenario(built_settings, body)


def test_select_takes_the_clients_turn(built_settings: Settings) -> None:
    async def body(service: QueryService, metrics: Metrics) -> None:
        running = asyncio.ensure_future(service.run(Query(SLOW, timeout_s=3, client="a")))
        await asyncio.sleep(0.5)
        with pytest.raises(TooManyRequests):
            await service.select(PLANS, client="a")
        assert await service.select(PLANS, client="b")
        with pytest.raises(QueryTimeout):
            await running

    scenario(built_settings, body, client_max_running=1, client_max_waiting=0)


def test_canned_queries_are_held_to_the_per_client_cap(built_settings: Settings) -> None:
    settings = replace(built_settings, query_workers=3, client_max_running=1,
                       client_max_waiting=0, query_timeout_s=3, cache_mb=0)
    with running(create_app(settings)) as url:
        def flood() -> None:
            with httpx.Client(base_url=url, timeout=30) as c:
                c.post("/sparql", data={"query": SLOW})

        thread = threading.Thread(target=flood)
        thread.start()
        time.sleep(0.8)
        with httpx.Client(base_url=url, timeout=30) as same, \
                httpx.Client(base_url=url, timeout=30,
                             transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
            refused = same.get(CANNED)
            answered = other.get(CANNED)
        thread.join()
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert answered.status_code == 200 and answered.json()["count"] > 0
