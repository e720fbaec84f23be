"""Writes over real HTTP: SPARQL Update and the Graph Store Protocol, behind the token, each
validated against the shapes and atomic; refusals leave the data version unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from rdflib import Graph, URIRef

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.conftest import TOKEN
from tests.http_server import running

AUTH = {"Authorization": f"Bearer {TOKEN}"}
G = "https://w3id.org/ogp-kg/graph/contribution/test-writes"
G2 = "https://w3id.org/ogp-kg/graph/contribution/test-writes-2"
PERSON = "https://w3id.org/ogp-kg/id/person/ZZ-9001"
NAME = "http://xmlns.com/foaf/0.1/name"
FOAF_PERSON = "http://xmlns.com/foaf/0.1/Person"
GOOD = f'<{PERSON}> a <{FOAF_PERSON}> ; <{NAME}> "Test Person" .'
BAD = f"<{PERSON}> a <{FOAF_PERSON}> ."  # a person without a name: a violation
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}


@pytest.fixture()
def client(writable_settings: Settings) -> Iterator[httpx.Client]:
    with running(create_app(writable_settings)) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c


def version(client: httpx.Client) -> int:
    return int(client.get("/health").json()["version"])


def ask(client: httpx.Client, query: str) -> bool:
    return bool(client.get("/sparql", params={"query": query}).json()["boolean"])


def in_union(client: httpx.Client) -> bool:
    return ask(client, f'ASK {{ <{PERSON}> <{NAME}> "Test Person" }}')


# --------------------------------------------------------------------------- update

def test_update_needs_the_token(client: httpx.Client) -> None:
    body = f"INSERT DATA {{ GRAPH <{G}> {{ {GOOD} }} }}"
    r = client.post("/sparql/update", content=body,
                    headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = client.post("/sparql/update", content=body, headers={
        "Content-Type": "application/sparql-update", "Authorization": "Bearer wrong"})
    assert r.status_code == 401
    assert not in_union(client)


def test_writes_are_off_without_a_configured_token(built_settings: Settings) -> None:
    with running(create_app(built_settings)) as url:
        r = httpx.post(url + "/sparql/update", content="CLEAR ALL", headers=UPDATE)
        assert r.status_code == 403 and "disabled" in r.json()["error"]
        r = httpx.put(url + "/graph-store", params={"graph": G}, content=GOOD,
                      headers={"Content-Type": "text/turtle", **AUTH})
        assert r.status_code == 403


def test_insert_and_delete_data_keep_the_union_in_step(client: httpx.Client) -> None:
    v0 = version(client)
    r = client.post("/sparql/update", content=f"INSERT DATA {{ GRAPH <{G}> {{ {GOOD} }} }}",
                    headers=UPDATE)
    assert r.status_code == 204, r.text
    assert version(client) == v0 + 1 and r.headers["x-data-version"] == str(v0 + 1)
    assert in_union(client)
    assert ask(client, f"ASK {{ GRAPH <{G}> {{ <{PERSON}> a <{FOAF_PERSON}> }} }}")
    r = client.post("/sparql/update", headers=AUTH,
                    data={"update": f"DELETE DATA {{ GRAPH <{G}> {{ {GOOD} }} }}"})
    assert r.status_code == 204, r.text
    assert not in_union(client)


def test_update_by_form_with_using_graph_uri(client: httpx.Client) -> None:
    client.post("/sparql/update", content=f"INSERT DATA {{ GRAPH <{G}> {{ {GOOD} }} }}",
                headers=UPDATE)
    # copy every foaf:name, reading only graph G (the protocol's using-graph-uri)
    update = (f"INSERT {{ GRAPH <{G2}> {{ ?s a <{FOAF_PERSON}> ; <{NAME}> ?n }} }} "
              f"WHERE {{ ?s <{NAME}> ?n }}")
    r = client.post("/sparql/update", data={"update": update, "using-graph-uri": G},
                    headers=AUTH)
    assert r.status_code == 204, r.text
    rows = client.get("/sparql", params={
        "query": f"SELECT ?s WHERE {{ GRAPH <{G2}> {{ ?s <{NAME}> ?n }} }}"}).json()
    assert [b["s"]["value"] for b in rows["results"]["bindings"]] == [PERSON]


def test_using_graph_uri_applies_to_delete_where(client: httpx.Client) -> None:
    client.post("/sparql/update", content=f"INSERT DATA {{ GRAPH <{G}> {{ {GOOD} }} }}",
                headers=UPDATE)
    r = client.post("/sparql/update", params={"using-graph-uri": G,
                                              "using-named-graph-uri": G}, content=(
        f"DELETE WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}"), headers=UPDATE)
    assert r.status_code == 204, r.text
    assert not in_union(client)


@pytest.mark.parametrize(("update", "status", "words"), [
    (f"INSERT DATA {{ {GOOD} }}", 400, "default graph"),
    (f"LOAD <http://example.org/data.ttl> INTO GRAPH <{G}>", 403, "LOAD"),
    ("CLEAR DEFAULT", 400, "DEFAULT"),
    (f"INSERT {{ GRAPH ?g {{ <{PERSON}> <{NAME}> \"x\" }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
     403, "repository file"),
    ("INSERT DATA { GRAPH <https://w3id.org/ogp-kg/graph/ontology/ogp> "
     f"{{ {GOOD} }} }}", 403, "repository file"),
    (f"INSERT DATA {{ GRAPH <{G}> {{ {BAD} }} }}", 422, "does not conform"),
    ("INSERT DATA { GRAPH <x:g> { <x:a> <x:b> ", 400, "update"),
    (f"INSERT {{ GRAPH <{G}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <http://127.0.0.1:1/sparql> "
     "{ ?s ?p ?o } }", 403, "SERVICE"),
])
def test_refused_updates_change_nothing(client: httpx.Client, update: str, status: int,
                                        words: str) -> None:
    v0 = version(client)
    r = client.post("/sparql/update", content=update, headers=UPDATE)
    assert r.status_code == status, r.text
    assert words.lower() in r.json()["error"].lower()
    assert version(client) == v0
    assert not in_union(client)


def test_validation_failure_reports_the_focus_node(client: httpx.Client) -> None:
    r = client.post("/sparql/update", content=f"INSERT DATA {{ GRAPH <{G}> {{ {BAD} }} }}",
                    headers=UPDATE)
    assert r.status_code == 422
    results = r.json()["detail"]["report"]["results"]
    assert any(res["focus"] == PERSON for res in results)


# --------------------------------------------------------------------------- graph store

def test_graph_store_put_get_post_delete(client: httpx.Client) -> None:
    turtle = {"Content-Type": "text/turtle", **AUTH}
    assert client.get("/graph-store", params={"graph": G}).status_code == 404
    r = client.put("/graph-store", params={"graph": G}, content=GOOD, headers=turtle)
    assert r.status_code == 201, r.text
    r = client.get("/graph-store", params={"graph": G}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=r.text, format="turtle")) == 2
    assert client.head("/graph-store", params={"graph": G}).status_code == 200
    # PUT again replaces (204)
    r = client.put("/graph-store", params={"graph": G}, content=GOOD, headers=turtle)
    assert r.status_code == 204
    # POST adds
    extra = f'<{PERSON}> <http://www.w3.org/2000/01/rdf-schema#label> "Test"@en .'
    r = client.post("/graph-store", params={"graph": G}, content=extra, headers=turtle)
    assert r.status_code == 204, r.text
    got = Graph().parse(data=client.get("/graph-store", params={"graph": G}).text,
                        format="turtle")
    assert len(got) == 3
    r = client.delete("/graph-store", params={"graph": G}, headers=AUTH)
    assert r.status_code == 204
    assert client.get("/graph-store", params={"graph": G}).status_code == 404
    assert not in_union(client)


def test_graph_store_post_without_graph_creates_one(client: httpx.Client) -> None:
    ntriples = (f"<{PERSON}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                f'<{FOAF_PERSON}> .\n<{PERSON}> <{NAME}> "Test Person" .\n')
    r = client.post("/graph-store", content=ntriples.encode(),
                    headers={"Content-Type": "application/n-triples", **AUTH})
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    assert quote(r.headers["x-graph"], safe="") in location
    got = client.get(location, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and PERSON in got.text


def test_graph_store_reads_the_default_graph(client: httpx.Client) -> None:
    r = client.get("/graph-store", params={"default": ""},
                   headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and len(r.text.splitlines()) > 1000


@pytest.mark.parametrize(("method", "params", "body", "headers", "status", "words"), [
    ("PUT", {"graph": G}, GOOD, {"Content-Type": "text/turtle"}, 401, "Bearer"),
    ("PUT", {"graph": G}, BAD, {"Content-Type": "text/turtle", **AUTH}, 422, "conform"),
    ("PUT", {"graph": G}, f"<{PERSON}> a <{FOAF_PERSON}> ;\n <{NAME}> \"x .",
     {"Content-Type": "text/turtle", **AUTH}, 400, "line"),
    ("PUT", {"default": ""}, GOOD, {"Content-Type": "text/turtle", **AUTH}, 400, "union"),
    ("PUT", {"graph": G}, GOOD, {"Content-Type": "image/png", **AUTH}, 415, "Content-Type"),
    ("PUT", {"graph": G}, GOOD, AUTH, 415, "Content-Type"),
    ("PUT", {"graph": "https://w3id.org/ogp-kg/graph/ontology/ogp"}, GOOD,
     {"Content-Type": "text/turtle", **AUTH}, 403, "repository file"),
    ("DELETE", {"graph": G}, "", AUTH, 404, "no graph"),
    ("DELETE", {"graph": G}, "", {}, 401, "Bearer"),
    ("PUT", {}, GOOD, {"Content-Type": "text/turtle", **AUTH}, 400, "graph"),
])
def test_graph_store_refusals_change_nothing(client: httpx.Client, method: str, params: dict,
                                             body: str, headers: dict, status: int,
                                             words: str) -> None:
    v0 = version(client)
    r = client.request(method, "/graph-store", params=params, content=body, headers=headers)
    assert r.status_code == status, r.text
    assert words.lower() in r.json()["error"].lower()
    assert version(client) == v0
    assert not ask(client, f"ASK {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")


def test_readers_see_the_new_version_at_once(client: httpx.Client) -> None:
    q = f"ASK {{ <{PERSON}> ?p ?o }}"
    before = client.get("/sparql", params={"query": q})
    assert before.json()["boolean"] is False
    client.put("/graph-store", params={"graph": G}, content=GOOD,
               headers={"Content-Type": "text/turtle", **AUTH})
    after = client.get("/sparql", params={"query": q},
                       headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.json()["boolean"] is True
    assert after.headers["etag"] != before.headers["etag"]
    assert URIRef(PERSON)
