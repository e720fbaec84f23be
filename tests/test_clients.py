"""Real clients against a running server: SPARQLWrapper in every format, rdflib's SPARQLStore,
and another engine (a separate pyoxigraph store) federating into us with SERVICE."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.http_server import running

OGP = "https://w3id.org/ogp-kg/def/"
PLANS = f"SELECT ?plan WHERE {{ ?plan a <{OGP}ActionPlan> }} ORDER BY ?plan"
CONSTRUCT = f"CONSTRUCT {{ ?p a <{OGP}ActionPlan> }} WHERE {{ ?p a <{OGP}ActionPlan> }}"


@pytest.fixture(scope="module")
def endpoint(built_settings: Settings) -> Iterator[str]:
    with running(create_app(replace(built_settings, query_workers=2))) as url:
        yield url + "/sparql"


@pytest.fixture(scope="module")
def expected_plans(endpoint: str) -> list[str]:
    w = SPARQLWrapper(endpoint, returnFormat=JSON)
    w.setQuery(PLANS)
    rows = w.query().convert()["results"]["bindings"]  # type: ignore[index, call-overload]
    assert len(rows) >= 3
    return [r["plan"]["value"] for r in rows]


def wrapper(endpoint: str, query: str, fmt: str, method: str) -> SPARQLWrapper:
    w = SPARQLWrapper(endpoint)
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setMethod(method)
    return w


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_json(endpoint: str, expected_plans: list[str], method: str) -> None:
    result = wrapper(endpoint, PLANS, JSON, method).query().convert()
    assert [b["plan"]["value"] for b in result["results"]["bindings"]] == expected_plans  # type: ignore[index, call-overload]


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_xml(endpoint: str, expected_plans: list[str], method: str) -> None:
    doc = wrapper(endpoint, PLANS, XML, method).query().convert()
    uris = [n.firstChild.data for n in doc.getElementsByTagName("uri")]  # type: ignore[union-attr]
    assert uris == expected_plans


@pytest.mark.parametrize(("fmt", "delimiter"), [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_select_csv_and_tsv(endpoint: str, expected_plans: list[str], fmt: str,
                                          delimiter: str) -> None:
    raw = wrapper(endpoint, PLANS, fmt, GET).query().convert()
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    values = [r[0].strip("<>") for r in rows[1:]]
    assert values == expected_plans


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(endpoint: str, fmt: str) -> None:
    result = wrapper(endpoint, f"ASK {{ ?p a <{OGP}ActionPlan> }}", fmt, GET).query().convert()
    if fmt == JSON:
        assert result["boolean"] is True  # type: ignore[index, call-overload]
    else:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[union-attr]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib parsers in SPARQLWrapper
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_construct(endpoint: str, expected_plans: list[str], fmt: str,
                                 method: str) -> None:
    result = wrapper(endpoint, CONSTRUCT, fmt, method).query().convert()
    if isinstance(result, bytes):
        g = Graph().parse(data=result, format={TURTLE: "turtle", N3: "turtle",
                                               JSONLD: "json-ld"}.get(fmt, "xml"))
    else:
        g = result
    assert sorted(str(s) for s in g.subjects(RDF.type, URIRef(OGP + "ActionPlan"))) == sorted(
        expected_plans)


def test_sparqlwrapper_describe(endpoint: str, expected_plans: list[str]) -> None:
    result = wrapper(endpoint, f"DESCRIBE <{expected_plans[0]}>", TURTLE, GET).query().convert()
    g = Graph().parse(data=result, format="turtle") if isinstance(result, bytes) else result
    assert (URIRef(expected_plans[0]), RDF.type, URIRef(OGP + "ActionPlan")) in g


def test_rdflib_sparqlstore(endpoint: str, expected_plans: list[str]) -> None:
    store = SPARQLStore(endpoint)
    g = Graph(store=store)
    rows = list(g.query(PLANS))
    assert [str(r[0]) for r in rows] == expected_plans  # type: ignore[index]
    plans = set(g.subjects(RDF.type, URIRef(OGP + "ActionPlan")))
    assert {str(p) for p in plans} == set(expected_plans)
    assert g.query(f"ASK {{ ?p a <{OGP}ActionPlan> }}").askAnswer is True
    store.close()


def test_another_engine_federates_into_us(endpoint: str, expected_plans: list[str]) -> None:
    import pyoxigraph as ox

    partner = ox.Store()  # a separate engine with data of its own
    local = ox.NamedNode("https://partner.example/portal")
    partner.add(ox.Quad(local, ox.NamedNode(OGP + "lists"), ox.NamedNode(expected_plans[0])))
    q = f"""SELECT ?plan ?type WHERE {{
        <https://partner.example/portal> <{OGP}lists> ?plan .
        SERVICE <{endpoint}> {{ ?plan a ?type }}
    }}"""
    rows = [(s["plan"].value, s["type"].value) for s in partner.query(q)]  # type: ignore[union-attr]
    assert (expected_plans[0], OGP + "ActionPlan") in rows


def test_sparqlwrapper_asking_for_n_triples_by_accept_gets_n_triples(
        endpoint: str, expected_plans: list[str]) -> None:
    # SPARQLWrapper also sends format=turtle: the explicit Accept must decide
    w = wrapper(endpoint, CONSTRUCT, TURTLE, GET)
    w.addCustomHttpHeader("Accept", "application/n-triples")
    response = w.query().response
    assert response.headers["Content-Type"].startswith("application/n-triples")
    g = Graph().parse(data=response.read(), format="nt")
    assert sorted(str(s) for s in g.subjects(RDF.type, URIRef(OGP + "ActionPlan"))) == sorted(
        expected_plans)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
@pytest.mark.parametrize("return_format", ["nt", "turtle", "xml", "json-ld"])
def test_rdflib_sparqlstore_construct_in_each_graph_format(
        endpoint: str, expected_plans: list[str], return_format: str) -> None:
    store = SPARQLStore(endpoint, returnFormat=return_format)
    try:
        result = Graph(store=store).query(CONSTRUCT)
        assert result.graph is not None
        found = sorted(str(s) for s in result.graph.subjects(RDF.type,
                                                             URIRef(OGP + "ActionPlan")))
        assert found == sorted(expected_plans)
    finally:
        store.close()
