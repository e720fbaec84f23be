"""The SPARQL 1.1 Protocol over real HTTP: operations, datasets, content negotiation, errors,
the Service Description, conditional requests, CORS, compression, metrics, the access log,
VoID + DCAT and the OpenAPI docs."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.http_server import running

OGP = "https://w3id.org/ogp-kg/def/"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
PLANS = f"SELECT ?plan WHERE {{ ?plan a <{OGP}ActionPlan> }} ORDER BY ?plan"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = f"CONSTRUCT {{ ?p a <{OGP}ActionPlan> }} WHERE {{ ?p a <{OGP}ActionPlan> }}"
PARTNER = "https://partner.example.org/sparql"


@pytest.fixture(scope="module")
def base_url(built_settings: Settings) -> Iterator[str]:
    settings = replace(built_settings, query_workers=3, service_allowlist=PARTNER)
    with running(create_app(settings)) as url:
        yield url


@pytest.fixture()
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c


def plan_count(client: httpx.Client) -> int:
    r = client.get("/sparql", params={"query": PLANS})
    return len(r.json()["results"]["bindings"])


# --------------------------------------------------------------------------- operations

def test_query_by_get_post_form_and_post_body_agree(client: httpx.Client) -> None:
    a = client.get("/sparql", params={"query": PLANS})
    b = client.post("/sparql", data={"query": PLANS})
    c = client.post("/sparql", content=PLANS,
                    headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.json() == b.json() == c.json()
    assert len(a.json()["results"]["bindings"]) >= 3


def test_default_graph_is_the_union_with_set_semantics(client: httpx.Client) -> None:
    # a triple stated in several graphs is counted once in the default graph
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = int(client.get("/sparql", params={"query": q}).json()
                ["results"]["bindings"][0]["n"]["value"])
    q2 = ("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { "
          "GRAPH ?g { ?s ?p ?o } } }")
    distinct = int(client.get("/sparql", params={"query": q2}).json()
                   ["results"]["bindings"][0]["n"]["value"])
    assert union == distinct > 1000


def test_default_graph_uri_restricts_and_overrides_from(client: httpx.Client) -> None:
    graph = "https://w3id.org/ogp-kg/graph/ontology/ogp"
    q = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s a <{OGP}ActionPlan> }}"
    # FROM the ontology graph: no plans there
    assert client.get("/sparql", params={"query": q}).json()["results"]["bindings"][0]["n"][
        "value"] == "0"
    # the protocol's default-graph-uri wins over FROM: the data graphs are back
    graphs = client.get("/sparql", params={
        "query": f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s a <{OGP}ActionPlan> }} }}"}).json()
    data_graph = graphs["results"]["bindings"][0]["g"]["value"]
    r = client.get("/sparql", params={"query": q, "default-graph-uri": data_graph})
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) >= 1


def test_named_graph_uri_limits_graph_patterns(client: httpx.Client) -> None:
    graph = "https://w3id.org/ogp-kg/graph/ontology/ogp"
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.post("/sparql", data={"query": q, "named-graph-uri": graph})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [graph]


# --------------------------------------------------------------------------- negotiation

@pytest.mark.parametrize(("accept", "expected"), [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/html, */*;q=0.1", "application/sparql-results+json"),
])
def test_select_negotiation(client: httpx.Client, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.post("/sparql", data={"query": PLANS}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(expected)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
@pytest.mark.parametrize(("accept", "expected", "rdflib_format"), [
    (None, "text/turtle", "turtle"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    # a CONSTRUCT result is in the default graph: its N-Quads are N-Triples, its TriG Turtle
    ("application/n-quads", "application/n-quads", "nt"),
    ("application/trig", "application/trig", "turtle"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml;q=0.2, application/n-triples", "application/n-triples", "nt"),
])
def test_graph_negotiation_gives_parseable_rdf(client: httpx.Client, accept: str | None,
                                               expected: str, rdflib_format: str) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(expected)
    g = Graph().parse(data=r.content, format=rdflib_format)
    assert len(g) == plan_count(client)


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("fmt", "expected"), [
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("xml",
                                                                "application/sparql-results+xml"),
    ("json", "application/sparql-results+json")])
@pytest.mark.parametrize("accept", [None, "*/*", BROWSER_ACCEPT])
def test_format_parameter_decides_when_accept_names_no_result_type(
        client: httpx.Client, fmt: str, expected: str, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": PLANS, "format": fmt}, headers=headers)
    assert r.headers["content-type"].startswith(expected)


@pytest.mark.parametrize(("query", "fmt", "accept"), [
    (PLANS, "csv", "application/sparql-results+json"),
    (PLANS, "json", "text/tab-separated-values"),
    (CONSTRUCT, "turtle", "application/n-triples"),
    (CONSTRUCT, "jsonld", "application/rdf+xml"),
])
def test_an_explicit_accept_is_not_overridden_by_format(client: httpx.Client, query: str,
                                                        fmt: str, accept: str) -> None:
    r = client.get("/sparql", params={"query": query, "format": fmt},
                   headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)


def test_relative_iris_in_a_query_resolve_against_the_base(client: httpx.Client,
                                                          built_settings: Settings) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { BIND(<plan/x> AS ?x) }"})
    assert r.status_code == 200, r.text
    value = r.json()["results"]["bindings"][0]["x"]["value"]
    assert value == built_settings.base_iri + "plan/x"
    own = client.get("/sparql", params={
        "query": "BASE <http://example.org/a/> SELECT ?x WHERE { BIND(<b> AS ?x) }"})
    assert own.json()["results"]["bindings"][0]["x"]["value"] == "http://example.org/a/b"


def test_unacceptable_type_is_406_naming_what_is_available(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": PLANS}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/csv" in r.json()["error"]


# --------------------------------------------------------------------------- errors

def test_syntax_error_returns_400_with_position(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE {\n ?x ?y }"})
    assert r.status_code == 400
    assert r.json()["detail"]["location"] == {"source": "query", "line": 2, "column": 9}


@pytest.mark.parametrize(("method", "kwargs", "status", "words"), [
    ("GET", {"params": [("query", ASK), ("query", ASK)]}, 400, "more than once"),
    ("POST", {"content": ASK, "headers": {"Content-Type": "text/plain"}}, 415, "Content-Type"),
    ("POST", {"content": ASK}, 415, "Content-Type"),
    ("POST", {"content": "INSERT DATA { GRAPH <x:g> { <x:a> <x:b> <x:c> } }",
              "headers": {"Content-Type": "application/sparql-update"}}, 400, "update"),
    ("GET", {"params": {"query": "INSERT DATA { GRAPH <x:g> { <x:a> <x:b> <x:c> } }"}}, 400,
     "update"),
    ("GET", {"params": {"update": "CLEAR ALL"}}, 400, "update"),
    ("POST", {"data": {"query": ASK}, "params": {"query": ASK}}, 400, "more than once"),
    ("POST", {"content": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}},
     400, "UTF-8"),
    ("GET", {"params": {"query": ASK, "format": "pdf"}}, 400, "unknown format"),
    ("GET", {"params": {"query": ASK, "timeout": "soon"}}, 400, "timeout"),
    ("PUT", {"content": ASK}, 405, "Method Not Allowed"),
    ("DELETE", {}, 405, "Method Not Allowed"),
    ("PATCH", {"content": ASK}, 405, "Method Not Allowed"),
    ("GET", {"params": {"format": "json"}}, 400, "missing"),
])
def test_malformed_requests_get_a_clear_4xx(client: httpx.Client, method: str, kwargs: dict,
                                            status: int, words: str) -> None:
    r = client.request(method, "/sparql", **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == status and words.lower() in body["error"].lower()


def test_oversize_query_is_413(client: httpx.Client, built_settings: Settings) -> None:
    q = "ASK { ?s ?p ?o } #" + "x" * built_settings.max_query_bytes
    assert client.post("/sparql", data={"query": q}).status_code == 413


def test_oversize_body_is_413_before_reading(base_url: str,
                                             built_settings: Settings) -> None:
    import socket

    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/sparql-query\r\n"
                     b"Content-Length: %d\r\n\r\nASK {}" % (built_settings.max_body_bytes + 1))
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")


def test_errors_never_carry_a_traceback(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert "Traceback" not in r.text and "File \"" not in r.text


# --------------------------------------------------------------------------- description

def test_service_description_at_the_endpoint(client: httpx.Client, base_url: str) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    svc = URIRef(base_url + "/sparql")
    assert (svc, RDF.type, SD.Service) in g
    assert (svc, SD.endpoint, svc) in g
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (svc, SD.feature, SD.UnionDefaultGraph) in g
    # the federation allowlist is published
    assert (svc, URIRef(OGP + "federatesWith"), URIRef(PARTNER)) in g
    # no update language without a write token
    assert (svc, SD.supportedLanguage, SD.SPARQL11Update) not in g
    named = list(g.objects(None, SD.namedGraph))
    assert len(named) > 10


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/n-quads", "nt"),
    ("application/trig", "turtle"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld")])
def test_service_description_in_every_graph_format(client: httpx.Client, accept: str,
                                                   rdflib_format: str) -> None:
    r = client.get("/sparql", headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(accept)
    assert (None, RDF.type, SD.Service) in Graph().parse(data=r.content, format=rdflib_format)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
def test_service_description_as_json_ld(client: httpx.Client) -> None:
    r = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert r.headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=r.text, format="json-ld")) > 10


def test_void_and_dcat_description(client: httpx.Client, base_url: str) -> None:
    r = client.get("/.well-known/void")
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle")
    ds = URIRef(base_url + "/.well-known/void#dataset")
    assert (ds, RDF.type, VOID.Dataset) in g and (ds, RDF.type, DCAT.Dataset) in g
    assert (ds, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert (ds, VOID.dataDump, URIRef(base_url + "/dump.nq")) in g
    assert (ds, VOID.sparqlEndpoint, URIRef(base_url + "/sparql")) in g
    triples = g.value(ds, VOID.triples)
    assert isinstance(triples, Literal) and int(triples) > 1000
    dump = client.get("/dump.nq")
    assert dump.status_code == 200
    assert len(dump.content.splitlines()) >= int(triples)


def test_openapi_documents_every_endpoint(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/sparql", "/sparql/update", "/graph-store", "/health", "/metrics",
                 "/.well-known/void"):
        assert path in spec["paths"], path
    assert client.get("/docs").status_code == 200


# --------------------------------------------------------------------------- HTTP

def test_cors_for_reads_without_credentials(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": ASK}, headers={"Origin": "https://x.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    pre = client.options("/sparql", headers={"Origin": "https://x.example",
                                             "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]


def test_etag_and_last_modified_from_the_data_version(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": ASK})
    version = client.get("/health").json()["version"]
    assert r.headers["etag"].startswith(f'"v{version}-')
    assert r.headers["x-data-version"] == str(version)
    assert client.get("/sparql", params={"query": ASK},
                      headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    assert client.get("/sparql", params={"query": ASK},
                      headers={"If-Modified-Since": r.headers["last-modified"]}).status_code == 304
    other = client.get("/sparql", params={"query": ASK},
                       headers={"If-None-Match": '"v0-nothing"'})
    assert other.status_code == 200


def test_large_results_are_compressed_when_asked(client: httpx.Client) -> None:
    q = "SELECT * WHERE { ?s ?p ?o } LIMIT 3000"
    with httpx.stream("GET", str(client.base_url) + "/sparql", params={"query": q},
                      headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw).startswith(b'{"head"')
    plain = client.get("/sparql", params={"query": q}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


@pytest.mark.parametrize("limit", [40, 3000])  # one whole body, and a streamed one
def test_compressed_results_are_whole_and_name_their_variants(client: httpx.Client,
                                                              limit: int) -> None:
    q = f"SELECT * WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT {limit} # gzip {limit}"
    with httpx.stream("GET", str(client.base_url) + "/sparql", params={"query": q},
                      headers={"Accept-Encoding": "gzip", "Origin": "https://x.example"},
                      timeout=60) as r:  # the client's patience; the server's deadline holds
        raw = b"".join(r.iter_raw())
        headers = r.headers
    assert headers["content-encoding"] == "gzip"
    assert {v.strip() for v in headers["vary"].split(",")} >= {"Accept", "Accept-Encoding"}
    assert headers["access-control-allow-origin"] == "*"
    assert "ETag" in headers["access-control-expose-headers"]
    body = json.loads(gzip.decompress(raw))
    assert len(body["results"]["bindings"]) == limit


def test_a_query_string_that_is_not_utf8_is_a_400(built_settings: Settings) -> None:
    # uvicorn refuses such a request line itself; other ASGI servers pass it on
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    app = create_app(built_settings)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/sparql", "raw_path": b"/sparql",
             "query_string": b"query=ASK%7B%7D%20%23\xff", "headers": [], "scheme": "http",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": "",
             "http_version": "1.1", "asgi": {"version": "3.0"}}
    with ThreadPoolExecutor(1) as pool:  # a loop of its own (a test before may hold one)
        pool.submit(asyncio.run, app(scope, receive, send)).result()  # type: ignore[arg-type]
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["error"] == "the query string is not valid UTF-8"


def test_health(client: httpx.Client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["version"] >= 1 and body["workers"] == 3


def test_repeated_query_is_served_from_the_cache(client: httpx.Client) -> None:
    q = PLANS + " # cache probe"
    first = client.get("/sparql", params={"query": q})
    second = client.get("/sparql", params={"query": q})
    assert first.content == second.content
    metrics = client.get("/metrics").text
    hits = [line for line in metrics.splitlines()
            if line.startswith('ogpkg_result_cache_total{outcome="hit"}')]
    assert hits and float(hits[0].split()[-1]) >= 1


def test_metrics_count_requests_latency_and_rejections(client: httpx.Client) -> None:
    client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://10.0.0.1/s> {} }"})
    text = client.get("/metrics").text
    assert 'ogpkg_http_requests_total{method="GET",path="/sparql",status="200"}' in text
    assert "ogpkg_http_request_duration_seconds_bucket" in text
    assert 'ogpkg_rejections_total{reason="service"}' in text
    assert "ogpkg_query_timeouts_total" in text
    assert "ogpkg_query_workers_busy" in text


def test_access_log_has_query_hash_status_and_duration(
        client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    import hashlib

    q = "ASK { ?s a ?t } # access log probe"
    import time

    digest = hashlib.sha256(q.encode()).hexdigest()[:16]
    with caplog.at_level(logging.INFO, logger="ogpkg.access"):
        client.get("/sparql", params={"query": q})
        end = time.monotonic() + 5  # the line is written once the response has gone out
        while time.monotonic() < end:
            lines = [r.getMessage() for r in caplog.records if r.name == "ogpkg.access"]
            if any(digest in x for x in lines):
                break
            time.sleep(0.05)
    line = next(x for x in lines if digest in x)
    assert " GET /sparql 200 " in line and "ms" in line


def test_home_page_lists_counts(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and "action plans" in r.text
