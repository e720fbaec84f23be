"""Find classes and properties that no vocabulary declares.

A term is *declared* when it is defined in ``ontology/*.ttl`` (the ogp: terms), in
``ontology/external/*.ttl`` (reused vocabularies rdflib does not ship, such as the SEMIC
``cv:`` and ``locn:`` terms), or in one of the rdflib ``DefinedNamespace`` vocabularies in
:data:`REUSED_NAMESPACES`. Anything else used as a class (object of ``rdf:type``) or as a
predicate is reported, which catches typos (``ogp:comitmentCount``), invented terms and
wrong namespaces (``http://schema.org/`` instead of ``https://schema.org/``).
:func:`unknown_concepts` does the same for concept IRIs (``concept/<scheme>/<code>``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    TIME,
    VANN,
    VOID,
    XSD,
    DefinedNamespaceMeta,
)
from rdflib.term import Node

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"

#: reused vocabularies whose terms rdflib knows (schema.org is ``https://schema.org/``)
REUSED_NAMESPACES: tuple[DefinedNamespaceMeta, ...] = (
    ORG, TIME, PROV, DCTERMS, SKOS, FOAF, DCAT, VOID, SDO, OWL, RDF, RDFS, XSD, SH, VANN,
)

#: rdf:type values that make their subject a declared class or property
TERM_KINDS = frozenset({
    RDFS.Class, OWL.Class, RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, OWL.FunctionalProperty, OWL.TransitiveProperty,
    OWL.SymmetricProperty, OWL.InverseFunctionalProperty,
})

#: IRIs under this base must name a concept or scheme of ``ontology/concepts.ttl``
CONCEPT_BASE = "https://w3id.org/ogp-kg/concept/"

#: RDF formats by file suffix, as rdflib names them
RDF_SUFFIXES = {".ttl": "turtle", ".trig": "trig", ".nq": "nquads", ".nt": "nt"}


def ontology_files(ontology_dir: Path = ONTOLOGY_DIR) -> list[Path]:
    """The Turtle files that declare terms: ``ontology/*.ttl`` and ``ontology/external/*.ttl``."""
    return sorted(ontology_dir.glob("*.ttl")) + sorted((ontology_dir / "external").glob("*.ttl"))


def declared_terms(files: Iterable[Path] | None = None) -> frozenset[URIRef]:
    """IRIs declared as a class or property in the given Turtle files (default: the ontology)."""
    graph = Graph()
    for path in ontology_files() if files is None else files:
        graph.parse(path, format="turtle")
    return frozenset(
        s for kind in TERM_KINDS for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)
    )


def in_reused_vocabulary(term: URIRef) -> bool:
    """True when ``term`` is a term of one of the :data:`REUSED_NAMESPACES`."""
    return any(str(term).startswith(str(ns._NS)) and term in ns for ns in REUSED_NAMESPACES)


def _triples(graph: Graph | Dataset) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple of a Graph, or of every graph (named and default) of a Dataset."""
    if isinstance(graph, Dataset):
        return ((s, p, o) for s, p, o, _ in graph.quads((None, None, None, None)))
    return iter(graph.triples((None, None, None)))


def used_terms(graph: Graph | Dataset) -> tuple[set[URIRef], set[URIRef]]:
    """``(classes, properties)``: IRIs used as ``rdf:type`` objects and as predicates.

    For a :class:`~rdflib.Dataset` every named graph and the default graph are read.
    """
    classes: set[URIRef] = set()
    properties: set[URIRef] = set()
    for _, p, o in _triples(graph):
        properties.add(p)
        if p == RDF.type and isinstance(o, URIRef):
            classes.add(o)
    return classes, properties


def undeclared_terms(
    graph: Graph | Dataset, declared: frozenset[URIRef] | None = None
) -> dict[str, list[URIRef]]:
    """Classes and properties ``graph`` uses that no known vocabulary declares.

    Returns ``{"classes": [...], "properties": [...]}``, each sorted; both empty means clean.
    ``declared`` defaults to :func:`declared_terms` of the project ontology.
    """
    known = declared_terms() if declared is None else declared
    classes, properties = used_terms(graph)

    def unknown(terms: set[URIRef]) -> list[URIRef]:
        return sorted(t for t in terms if t not in known and not in_reused_vocabulary(t))

    return {"classes": unknown(classes), "properties": unknown(properties)}


def load_rdf(path: Path) -> Graph | Dataset:
    """Parse one RDF file, format from its suffix (see :data:`RDF_SUFFIXES`).

    Triple formats give a :class:`~rdflib.Graph`; TriG and N-Quads a :class:`~rdflib.Dataset`.
    """
    fmt = RDF_SUFFIXES[path.suffix]
    with path.open("rb") as stream:
        if fmt in ("turtle", "nt"):
            return Graph().parse(stream, format=fmt)
        dataset = Dataset()
        # rdflib 7's quad parsers go through the deprecated ConjunctiveGraph API internally
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(stream, format=fmt)
        return dataset


def rdf_files(root: Path) -> list[Path]:
    """Every RDF file under ``root``, by the suffixes in :data:`RDF_SUFFIXES`."""
    return sorted(p for suffix in RDF_SUFFIXES for p in root.rglob(f"*{suffix}") if p.is_file())


def declared_concepts(path: Path = ONTOLOGY_DIR / "concepts.ttl") -> frozenset[URIRef]:
    """Every ``skos:Concept`` and ``skos:ConceptScheme`` IRI in the concept file."""
    graph = Graph().parse(path, format="turtle")
    return frozenset(
        s for kind in (SKOS.Concept, SKOS.ConceptScheme)
        for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)
    )


def unknown_concepts(graph: Graph | Dataset, concepts: frozenset[URIRef]) -> list[URIRef]:
    """IRIs under ``concept/`` that ``graph`` mentions but the concept schemes do not define."""
    mentioned = {
        node for triple in _triples(graph) for node in triple
        if isinstance(node, URIRef) and str(node).startswith(CONCEPT_BASE)
    }
    return sorted(mentioned - concepts)
