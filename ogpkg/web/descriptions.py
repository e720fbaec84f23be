"""Self-descriptions of the endpoint: the SPARQL 1.1 Service Description (at the endpoint IRI)
and the VoID + DCAT description of the dataset (at ``/.well-known/void``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD

from ogpkg.namespaces import ONTOLOGY, PREFIXES
from ogpkg.query.protocol import GRAPH_TYPES, negotiate

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENT = Namespace("http://www.w3.org/ns/entailment/")
OGP = Namespace(ONTOLOGY)
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

#: our format names -> rdflib serializer names; a description is one (default) graph, so its
#: N-Quads are its N-Triples and its TriG is its Turtle (rdflib's nquads and trig serializers
#: take only datasets)
_RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "nquads": "nt", "trig": "turtle",
                   "rdfxml": "xml", "jsonld": "json-ld"}
_MEDIA = {"turtle": "text/turtle; charset=utf-8", "ntriples": "application/n-triples",
          "nquads": "application/n-quads", "trig": "application/trig",
          "rdfxml": "application/rdf+xml", "jsonld": "application/ld+json"}


def render(graph: Graph, accept: str | None) -> tuple[str, bytes]:
    """(media type, bytes) of ``graph`` in the best format for ``accept``; Turtle when the
    client accepts nothing we write (e.g. a browser asking for HTML)."""
    from ogpkg.query.protocol import NotAcceptable

    try:
        fmt = negotiate(accept, GRAPH_TYPES)
    except NotAcceptable:
        fmt = "turtle"
    for prefix, ns in (("sd", SD), ("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS),
                       ("formats", FORMATS), ("ogp", OGP), ("foaf", FOAF)):
        graph.bind(prefix, ns)
    data = graph.serialize(format=_RDFLIB_FORMATS[fmt], encoding="utf-8")
    return _MEDIA[fmt], data


def service_description(endpoint: str, *, update_endpoint: str | None, allowlist: list[str],
                        graphs: dict[str, int], triples: int, void_url: str) -> Graph:
    """The SPARQL 1.1 Service Description of ``endpoint``."""
    g = Graph()
    svc = URIRef(endpoint)
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, svc))
    g.add((svc, DCTERMS.title, Literal("Open Government Partnership knowledge graph", lang="en")))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    if update_endpoint:
        g.add((svc, SD.supportedLanguage, SD.SPARQL11Update))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                 "SPARQL_Results_TSV", "Turtle", "N-Triples", "N-Quads", "TriG", "RDF_XML",
                 "JSON-LD"):
        g.add((svc, SD.resultFormat, FORMATS[name]))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    g.add((svc, SD.feature, SD.BasicFederatedQuery))
    g.add((svc, SD.defaultEntailmentRegime, ENT.Simple))
    for target in allowlist:
        remote = URIRef(target)
        g.add((svc, OGP.federatesWith, remote))
        g.add((remote, RDF.type, SD.Service))
        g.add((remote, SD.endpoint, remote))
    dataset = BNode("dataset")
    g.add((svc, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDFS_SEE_ALSO, URIRef(void_url)))
    default = BNode("default")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(triples)))
    for name, n in sorted(graphs.items()):
        ng, gr = BNode(), BNode()
        g.add((dataset, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
        g.add((ng, SD.graph, gr))
        g.add((gr, RDF.type, SD.Graph))
        g.add((gr, VOID.triples, Literal(n)))
    return g


RDFS_SEE_ALSO = URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")


def void_description(base: str, *, stats: dict[str, Any], distinct_triples: int,
                     modified: float | None, base_iri: str) -> Graph:
    """VoID + DCAT description of the dataset: counts, licence, endpoint and dump."""
    g = Graph()
    ds = URIRef(base + ".well-known/void#dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal("Open Government Partnership knowledge graph", lang="en")))
    g.add((ds, DCTERMS.title, Literal("Graphe de connaissances du Partenariat pour un "
                                      "gouvernement ouvert", lang="fr")))
    g.add((ds, DCTERMS.title, Literal("مخطط المعرفة لشراكة الحكومة المنفتحة", lang="ar")))
    g.add((ds, DCTERMS.description, Literal(
        "Governments, OGP Local members, action plans, commitments, committees and events of "
        "the Open Government Partnership, with the source of every fact.", lang="en")))
    g.add((ds, DCTERMS.license, LICENSE))
    g.add((ds, DCTERMS.hasVersion, Literal(str(stats["version"]))))
    if modified is not None:
        stamp = dt.datetime.fromtimestamp(modified, dt.UTC).replace(microsecond=0)
        g.add((ds, DCTERMS.modified, Literal(stamp.isoformat(), datatype=XSD.dateTime)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    g.add((ds, VOID.dataDump, URIRef(base + "dump.nq")))
    g.add((ds, VOID.uriSpace, Literal(base_iri)))
    g.add((ds, VOID.triples, Literal(distinct_triples)))
    g.add((ds, VOID.classes, Literal(len(stats["classes"]))))
    g.add((ds, VOID.entities, Literal(sum(stats["classes"].values()))))
    for vocab in ("ogp", "cv", "org", "time", "prov", "skos", "schema", "dcterms"):
        if vocab in PREFIXES:
            g.add((ds, VOID.vocabulary, URIRef(PREFIXES[vocab])))
    dist = URIRef(base + ".well-known/void#dump")
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.downloadURL, URIRef(base + "dump.nq")))
    g.add((dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/"
                                        "application/n-quads")))
    g.add((dist, DCTERMS.license, LICENSE))
    api = URIRef(base + ".well-known/void#sparql")
    g.add((ds, DCAT.distribution, api))
    g.add((api, RDF.type, DCAT.Distribution))
    g.add((api, DCAT.accessURL, URIRef(base + "sparql")))
    g.add((api, DCAT.accessService, URIRef(base + "sparql")))
    for cls, n in sorted(stats["classes"].items()):
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n)))
    for name, n in sorted(stats["graphs"].items()):
        sub = URIRef(name)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(n)))
    return g
