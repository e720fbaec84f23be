"""Every IRI base and prefix used by ogpkg, in one place.

The canonical base is ``https://w3id.org/ogp-kg/``. Files under ``ontology/``, ``shapes/`` and
``data/`` are written against it; a deployment with another base rewrites IRIs on load
(see :func:`ogpkg.store.rebase`).
"""

from __future__ import annotations

BASE = "https://w3id.org/ogp-kg/"

#: ontology terms (classes and properties): ``ogp:Commitment``
ONTOLOGY = BASE + "def/"
#: SHACL shapes: ``ogps:CommitmentShape``
SHAPES = BASE + "shapes/"
#: SKOS concepts: ``<concept/policy-area/transparency>``
CONCEPT = BASE + "concept/"
#: instances: ``<id/government/MA>``
ID = BASE + "id/"
#: named graphs: ``<graph/seed-000>``
GRAPH = BASE + "graph/"

#: graphs that hold no facts from a source and need no source description
ONTOLOGY_GRAPH = GRAPH + "ontology"
SHAPES_GRAPH = GRAPH + "shapes"
#: graphs generated from reference packages (pycountry); described, but "reference"
REFERENCE_GRAPH_PREFIX = GRAPH + "reference/"
#: graphs of contributions accepted through ``ogpkg ingest``
CONTRIBUTION_GRAPH_PREFIX = GRAPH + "contribution/"

#: prefix -> namespace, used for Turtle output, the query UI and example queries
PREFIXES: dict[str, str] = {
    "ogp": ONTOLOGY,
    "ogps": SHAPES,
    "concept": CONCEPT,
    "area": CONCEPT + "policy-area/",
    "value": CONCEPT + "ogp-value/",
    "etype": CONCEPT + "event-type/",
    "status": CONCEPT + "status/",
    "role": CONCEPT + "role/",
    "rating": CONCEPT + "rating/",
    "indicator": CONCEPT + "indicator/",
    "prize": CONCEPT + "prize/",
    "country": ID + "country/",
    "region": ID + "region/",
    "gov": ID + "government/",
    "agency": ID + "organisation/",
    "person": ID + "person/",
    "plan": ID + "plan/",
    "commitment": ID + "commitment/",
    "event": ID + "event/",
    "membership": ID + "membership/",
    "award": ID + "award/",
    "agreement": ID + "agreement/",
    "src": ID + "source/",
    "graph": GRAPH,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "cv": "http://data.europa.eu/m8g/",
    "locn": "http://www.w3.org/ns/locn#",
    "vann": "http://purl.org/vocab/vann/",
}

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
XSD = PREFIXES["xsd"]


def sparql_prologue(names: list[str] | None = None) -> str:
    """``PREFIX`` lines for the given prefixes (all when ``names`` is None)."""
    items = PREFIXES.items() if names is None else ((n, PREFIXES[n]) for n in names)
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in items)


def turtle_prologue(names: list[str] | None = None) -> str:
    """``@prefix`` lines for the given prefixes (all when ``names`` is None)."""
    items = PREFIXES.items() if names is None else ((n, PREFIXES[n]) for n in names)
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in items)
