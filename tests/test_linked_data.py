"""Linked data over real HTTP: IRIs under the base dereference by content negotiation (200 +
Vary: Accept everywhere), HTML pages speak the reader's language (Arabic right-to-left), show
types, links both ways, readable values and the source of each fact."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.http_server import running

BASE = "https://w3id.org/ogp-kg/"
MOROCCO_GOV = "id/government/MA"
OGP = BASE + "def/"


@pytest.fixture(scope="module")
def client(built_settings: Settings) -> Iterator[httpx.Client]:
    with running(create_app(replace(built_settings, query_workers=2))) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def plan_path(client: httpx.Client) -> str:
    r = client.get("/sparql", params={"query": f"SELECT ?p WHERE {{ ?p a <{OGP}ActionPlan> ; "
                                      f"<{OGP}government> <{BASE}{MOROCCO_GOV}> }} ORDER BY ?p"})
    return "/" + r.json()["results"]["bindings"][0]["p"]["value"][len(BASE):]


@pytest.mark.parametrize(("accept", "media", "fmt"), [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_machines_get_rdf_about_the_resource(client: httpx.Client, accept: str, media: str,
                                             fmt: str) -> None:
    r = client.get("/" + MOROCCO_GOV, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert "Accept" in r.headers["vary"]
    g = Graph().parse(data=r.content, format=fmt)
    assert (URIRef(BASE + MOROCCO_GOV), RDF.type, URIRef(OGP + "NationalGovernment")) in g


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser
def test_json_ld_by_accept_and_by_format(client: httpx.Client) -> None:
    a = client.get("/" + MOROCCO_GOV, headers={"Accept": "application/ld+json"})
    b = client.get("/" + MOROCCO_GOV, params={"format": "jsonld"})
    assert a.headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=a.text, format="json-ld")) == len(
        Graph().parse(data=b.text, format="json-ld")) > 5


def test_browsers_get_html_with_vary(client: httpx.Client) -> None:
    r = client.get("/" + MOROCCO_GOV, headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"]
    assert "<h1>" in r.text and "Morocco" in r.text


def test_arabic_page_is_right_to_left_with_the_arabic_label(client: httpx.Client) -> None:
    r = client.get("/" + MOROCCO_GOV, params={"lang": "ar"}, headers={"Accept": "text/html"})
    assert '<html lang="ar" dir="rtl">' in r.text
    title = re.search(r"<h1>(.*?)</h1>", r.text).group(1)  # type: ignore[union-attr]
    assert re.search(r"[\u0600-\u06FF]", title), title


def test_accept_language_picks_the_language(client: httpx.Client) -> None:
    r = client.get("/" + MOROCCO_GOV, headers={"Accept": "text/html",
                                                "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr" dir="ltr">' in r.text and r.headers["content-language"] == "fr"


def test_plan_page_links_to_its_government_and_commitments(client: httpx.Client,
                                                           plan_path: str) -> None:
    r = client.get(plan_path, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert f'href="/{MOROCCO_GOV}"' in r.text
    hrefs = set(re.findall(r'href="(/id/[^"?#]+)', r.text))
    assert any(h.startswith("/id/commitment/") for h in hrefs) or len(hrefs) > 2
    for href in sorted(hrefs)[:5]:  # the links lead somewhere
        assert client.get(href, headers={"Accept": "text/html"}).status_code == 200


def test_page_shows_sources_and_readable_values(client: httpx.Client, plan_path: str) -> None:
    r = client.get(plan_path, headers={"Accept": "text/html"})
    assert 'class="sources"' in r.text and 'id="src-1"' in r.text
    assert 'class="src" href="#src-1"' in r.text
    # years and intervals read as text, not as typed literals
    assert "^^" not in r.text and "XMLSchema#" not in r.text


def test_ontology_terms_and_concepts_dereference(client: httpx.Client) -> None:
    term = client.get("/def/ActionPlan", headers={"Accept": "text/html"})
    assert term.status_code == 200 and "ActionPlan" in term.text
    ttl = client.get("/def/ActionPlan", headers={"Accept": "text/turtle"})
    assert (URIRef(OGP + "ActionPlan"), None, None) in Graph().parse(data=ttl.text,
                                                                      format="turtle")
    concept = client.get("/concept/policy-area/open-parliaments",
                         headers={"Accept": "text/html"})
    assert concept.status_code in (200, 404)
    scheme = client.get("/def", headers={"Accept": "text/turtle"})
    assert scheme.status_code == 200


def test_unknown_iri_is_404(client: httpx.Client) -> None:
    r = client.get("/id/government/ZZ-NOWHERE", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.json()["status"] == 404


def test_iri_that_could_break_a_query_is_refused(client: httpx.Client) -> None:
    r = client.get("/id/x%3E%20%7B%20%3Fs", headers={"Accept": "text/turtle"})
    assert r.status_code == 400


def _termdoc(client: httpx.Client, path: str, lang: str = "en") -> str:
    r = client.get(path, params={"lang": lang}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    match = re.search(r'<section class="termdoc".*?</section>', r.text, re.S)
    assert match, f"{path} has no documentation section"
    return match.group(0)


def test_class_page_documents_the_class(client: httpx.Client) -> None:
    doc = _termdoc(client, "/def/ActionPlan")
    assert "Documentation: Class" in doc
    assert "An OGP action plan" in doc  # the definition in English
    assert 'href="/def/NationalActionPlan"' in doc and 'href="/def/LocalActionPlan"' in doc
    assert 'href="/def/government"' in doc  # a property whose domain is ActionPlan
    assert 'href="/def/inActionPlan"' in doc  # a property whose range is ActionPlan
    count = re.search(r"Instances \(([\d,]+)\)", doc)
    assert count and int(count.group(1).replace(",", "")) >= 20
    assert doc.count('href="/id/plan/') >= 12 and "/query?query=" in doc
    page = client.get("/def/ActionPlan").text
    incoming = page.split("Referenced by", 1)[1]
    assert "/id/plan/" not in incoming.split("<h2>", 1)[0]  # instances are not "links in"


def test_class_page_lists_the_shapes_rules_in_french(client: httpx.Client) -> None:
    doc = _termdoc(client, "/def/Commitment", "fr")
    assert "Documentation : " in doc or "Documentation: Classe" in doc
    assert "Règles (SHACL)" in doc
    assert "plan d&#x27;action" in doc and 'href="/def/inActionPlan?lang=fr"' in doc


def test_property_page_documents_its_rules_and_uses(client: httpx.Client) -> None:
    doc = _termdoc(client, "/def/inActionPlan")
    assert "Documentation: Property" in doc and "Used by rules" in doc
    uses = re.search(r"Uses \(([\d,]+)\)", doc)
    assert uses and int(uses.group(1).replace(",", "")) > 0
    assert 'href="/id/commitment/' in doc


def test_concept_page_documents_what_refers_to_it(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": (
        f"SELECT ?c (COUNT(?s) AS ?n) WHERE {{ ?s <{OGP}policyArea> ?c }} "
        "GROUP BY ?c ORDER BY DESC(?n) LIMIT 1")})
    concept = r.json()["results"]["bindings"][0]["c"]["value"]
    doc = _termdoc(client, "/" + concept[len(BASE):], "ar")
    assert "التوثيق" in doc and "مشار إليه من" in doc
    assert 'href="/id/' in doc
    scheme = _termdoc(client, "/" + concept[len(BASE):].rsplit("/", 1)[0])
    assert "Concept scheme" in scheme and concept[len(BASE):] in scheme
