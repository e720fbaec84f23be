"""Data and ontology use only declared classes and properties (see tests/vocab_check.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SDO, SKOS

from tests.vocab_check import (
    declared_concepts,
    declared_terms,
    in_reused_vocabulary,
    load_rdf,
    ontology_files,
    rdf_files,
    undeclared_terms,
    unknown_concepts,
)

OGP = Namespace("https://w3id.org/ogp-kg/def/")
CV = Namespace("http://data.europa.eu/m8g/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ID = Namespace("https://w3id.org/ogp-kg/id/")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def declared() -> frozenset[URIRef]:
    return declared_terms()


def _graph(*triples: tuple) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


# --- the check itself ------------------------------------------------------------------------


def test_made_up_ogp_property_and_class_are_flagged(declared):
    plan = ID["plan/MA-2021"]
    graph = _graph(
        (plan, RDF.type, OGP.ActionPlan),
        (plan, OGP.comitmentCount, Literal(22)),  # misspelt
        (plan, RDF.type, OGP.ActionPlann),  # misspelt
    )
    report = undeclared_terms(graph, declared)
    assert report == {"classes": [OGP.ActionPlann], "properties": [OGP.comitmentCount]}


def test_http_schema_org_is_flagged_because_the_project_uses_https(declared):
    event = ID["event/2021-12-15-KR-1"]
    wrong = Namespace("http://schema.org/")
    graph = _graph((event, RDF.type, wrong.Event), (event, wrong.startDate, Literal("2021-12-15")))
    assert undeclared_terms(graph, declared) == {
        "classes": [wrong.Event],
        "properties": [wrong.startDate],
    }


def test_unknown_term_in_a_reused_namespace_is_flagged(declared):
    gov = ID["government/MA"]
    organisation = URIRef(f"{ORG}Organisation")  # ORG spells it Organization
    pref_label = URIRef(f"{SKOS}prefLabelle")
    graph = _graph((gov, RDF.type, organisation), (gov, pref_label, Literal("x")))
    report = undeclared_terms(graph, declared)
    assert report == {"classes": [organisation], "properties": [pref_label]}


def test_reused_and_ogp_and_external_terms_pass(declared):
    gov, region = ID["government/MA-01"], ID["region/MA-01"]
    graph = _graph(
        (gov, RDF.type, CV.PublicOrganisation),
        (gov, RDF.type, OGP.LocalGovernment),
        (gov, OGP.governs, region),
        (region, RDF.type, CV.AdminUnit),
        (region, LOCN.geographicName, Literal("Tanger-Tétouan-Al Hoceïma", lang="fr")),
        (region, SDO.containedInPlace, ID["country/MA"]),
        (gov, RDFS.label, Literal("x", lang="en")),
    )
    assert undeclared_terms(graph, declared) == {"classes": [], "properties": []}


def test_named_graphs_of_a_dataset_are_checked(declared):
    dataset = Dataset()
    named = dataset.graph(URIRef("https://w3id.org/ogp-kg/graph/seed-000"))
    named.add((ID["award/2021-12-15-KR-1-3"], OGP.awardRank, Literal(3)))
    assert undeclared_terms(dataset, declared)["properties"] == [OGP.awardRank]


def test_external_declarations_cover_cv_and_locn_terms_rdflib_lacks(declared):
    for term in (CV.PublicOrganisation, CV.AdminUnit, CV.PublicEvent, LOCN.geographicName):
        assert term in declared
        assert not in_reused_vocabulary(term)


# --- the project's own files -----------------------------------------------------------------


@pytest.mark.parametrize("path", ontology_files(), ids=lambda p: p.name)
def test_ontology_file_uses_only_declared_terms(path, declared):
    assert undeclared_terms(load_rdf(path), declared) == {"classes": [], "properties": []}


def _data_params() -> list:
    files = rdf_files(DATA_DIR) if DATA_DIR.is_dir() else []
    if not files:
        reason = f"{DATA_DIR} holds no RDF files (*.ttl, *.trig, *.nq, *.nt) yet"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-data")]
    return [pytest.param(p, id=str(p.relative_to(DATA_DIR))) for p in files]


@pytest.mark.parametrize("path", _data_params())
def test_data_file_uses_only_declared_terms(path, declared):
    report = undeclared_terms(load_rdf(path), declared)
    assert report == {"classes": [], "properties": []}, f"{path}: undeclared terms {report}"


@pytest.fixture(scope="module")
def concepts() -> frozenset[URIRef]:
    return declared_concepts()


def test_unknown_concept_code_is_flagged(concepts):
    plan = ID["plan/MA-2021"]
    made_up = URIRef("https://w3id.org/ogp-kg/concept/policy-area/public-service-quality")
    known = URIRef("https://w3id.org/ogp-kg/concept/policy-area/open-justice")
    graph = _graph((plan, OGP.policyArea, made_up), (plan, OGP.policyArea, known))
    assert unknown_concepts(graph, concepts) == [made_up]


@pytest.mark.parametrize("path", _data_params())
def test_data_file_uses_only_defined_concepts(path, concepts):
    unknown = unknown_concepts(load_rdf(path), concepts)
    assert unknown == [], f"{path}: concepts not in ontology/concepts.ttl: {unknown}"
