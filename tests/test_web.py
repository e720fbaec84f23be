"""The endpoint over real HTTP: SPARQL Protocol basics, content negotiation, errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.http_server import running

ASK = "ASK { ?s ?p ?o }"
PLANS = "SELECT ?plan WHERE { ?plan a <https://w3id.org/ogp-kg/def/ActionPlan> } ORDER BY ?plan"


@pytest.fixture(scope="module")
def base_url(built_settings: Settings) -> Iterator[str]:
    with running(create_app(built_settings)) as url:
        yield url


@pytest.fixture()
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c


def test_health_reports_data_version(client: httpx.Client) -> None:
    r = client.get("/health")
    assert r.status_code == 200 and r.json()["version"] >= 1


def test_get_select_defaults_to_sparql_json(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": PLANS})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert r.json()["head"]["vars"] == ["plan"]
    assert len(r.json()["results"]["bindings"]) >= 3


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_content_negotiation(client: httpx.Client, accept: str, expected: str) -> None:
    r = client.post("/sparql", data={"query": PLANS}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(expected)


def test_construct_as_turtle_and_ntriples(client: httpx.Client) -> None:
    q = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 5"
    r = client.post("/sparql", content=q, headers={"Content-Type": "application/sparql-query",
                                                   "Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    assert len(r.text.strip().splitlines()) == 5
    r = client.get("/sparql", params={"query": q, "format": "turtle"})
    assert r.headers["content-type"].startswith("text/turtle")


def test_unacceptable_type_is_406(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": ASK}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.json()["status"] == 406


def test_syntax_error_returns_400_with_position(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE {\n ?x ?y }"})
    assert r.status_code == 400
    body = r.json()
    assert body["detail"]["location"] == {"source": "query", "line": 2, "column": 9}


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"params": {"query": ASK + " ", "format": "json"}, "method": "GET"}, 200),
    ({"params": [("query", ASK), ("query", ASK)], "method": "GET"}, 400),
    ({"method": "GET"}, 400),
    ({"method": "POST", "content": ASK, "headers": {"Content-Type": "text/plain"}}, 415),
    ({"method": "GET", "params": {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, 400),
    ({"method": "PUT", "content": ASK}, 405),
])
def test_malformed_requests_get_4xx(client: httpx.Client, kwargs: dict, status: int) -> None:
    method = kwargs.pop("method")
    r = client.request(method, "/sparql", **kwargs)
    assert r.status_code == status, r.text
    if status >= 400:
        assert r.json()["status"] == status


def test_etag_and_304(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": ASK})
    etag = r.headers["etag"]
    again = client.get("/sparql", params={"query": ASK}, headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_oversize_query_is_413(client: httpx.Client, built_settings: Settings) -> None:
    q = "ASK { ?s ?p ?o } #" + "x" * built_settings.max_query_bytes
    r = client.post("/sparql", data={"query": q})
    assert r.status_code == 413


def test_home_page_lists_counts(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "action plans" in r.text
