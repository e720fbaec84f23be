"""The ontology (ontology/ogp.ttl), its concept schemes (ontology/concepts.ttl) and the
README contract agree and follow the project's conventions."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN, XSD

from ogpkg import namespaces
from tests.vocab_check import declared_terms, in_reused_vocabulary, ontology_files

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
OGP_TTL = ONTOLOGY_DIR / "ogp.ttl"
CONCEPTS_TTL = ONTOLOGY_DIR / "concepts.ttl"
README = ONTOLOGY_DIR / "README.md"

OGP = namespaces.ONTOLOGY
CONCEPT = namespaces.CONCEPT
ONTOLOGY_IRI = URIRef(OGP.rstrip("/"))
LANGUAGES = ("en", "fr", "ar")
CLASS_KINDS = (OWL.Class, RDFS.Class)
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
ARABIC = re.compile("[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def ogp() -> Graph:
    return Graph().parse(OGP_TTL, format="turtle")


@pytest.fixture(scope="module")
def concepts() -> Graph:
    return Graph().parse(CONCEPTS_TTL, format="turtle")


def ogp_terms(graph: Graph) -> dict[URIRef, str]:
    """Every ogp: IRI described in ogp.ttl -> "class" or "property"."""
    kinds: dict[URIRef, str] = {}
    for subject in set(graph.subjects()):
        if not isinstance(subject, URIRef) or not str(subject).startswith(OGP):
            continue
        types = set(graph.objects(subject, RDF.type))
        if types & set(CLASS_KINDS):
            kinds[subject] = "class"
        elif types & set(PROPERTY_KINDS):
            kinds[subject] = "property"
        else:
            kinds[subject] = "untyped"
    return kinds


def labels_by_language(graph: Graph, subject: URIRef, predicate: URIRef) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for label in graph.objects(subject, predicate):
        if isinstance(label, Literal) and label.language:
            found[label.language].append(str(label))
    return found


def check_labels(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    """Problems with the en/fr/ar labels of one resource (empty when fine)."""
    problems = []
    found = labels_by_language(graph, subject, predicate)
    for lang in LANGUAGES:
        if len(found.get(lang, [])) != 1:
            problems.append(f"{subject}: {len(found.get(lang, []))} {predicate} @{lang}, want 1")
    for text in found.get("ar", []):
        if unicodedata.normalize("NFC", text) != text:
            problems.append(f"{subject}: Arabic label {text!r} is not NFC")
        if not ARABIC.search(text):
            problems.append(f"{subject}: Arabic label {text!r} has no Arabic letters")
    return problems


def has_english_definition(graph: Graph, subject: URIRef) -> bool:
    return any(
        isinstance(text, Literal) and text.language == "en" and len(str(text)) > 10
        for predicate in (SKOS.definition, RDFS.comment)
        for text in graph.objects(subject, predicate)
    )


def duplicate_labels(graph: Graph, subjects: list[URIRef], predicate: URIRef) -> list[str]:
    seen: dict[tuple[str, str], list[URIRef]] = defaultdict(list)
    for subject in subjects:
        for label in graph.objects(subject, predicate):
            if isinstance(label, Literal) and label.language:
                seen[(label.language, str(label).casefold())].append(subject)
    return [f"@{lang} {text!r}: {sorted(s)}" for (lang, text), s in seen.items() if len(s) > 1]


# --- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ontology_files(ONTOLOGY_DIR), ids=lambda p: p.name)
def test_ontology_file_parses_as_turtle(path):
    assert len(Graph().parse(path, format="turtle")) > 0


# --- ogp.ttl header --------------------------------------------------------------------------


def test_header_declares_the_ontology_with_version_and_licence(ogp):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ogp
    version_iri = ogp.value(ONTOLOGY_IRI, OWL.versionIRI)
    version = ogp.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert version is not None and re.fullmatch(r"\d+\.\d+\.\d+", str(version))
    assert version_iri == URIRef(f"{OGP}{version}")
    assert ogp.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    created = ogp.value(ONTOLOGY_IRI, DCTERMS.created)
    assert isinstance(created, Literal) and created.datatype == XSD.date


def test_header_has_titles_in_three_languages_and_a_description(ogp):
    assert check_labels(ogp, ONTOLOGY_IRI, DCTERMS.title) == []
    descriptions = {d.language for d in ogp.objects(ONTOLOGY_IRI, DCTERMS.description)}
    assert "en" in descriptions


def test_header_preferred_namespace_matches_ogpkg_namespaces(ogp):
    assert str(ogp.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix)) == "ogp"
    assert str(ogp.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == OGP
    assert namespaces.PREFIXES["ogp"] == OGP


# --- ogp: terms ------------------------------------------------------------------------------


def test_every_ogp_term_is_typed_as_class_or_property(ogp):
    untyped = [t for t, kind in ogp_terms(ogp).items() if kind == "untyped"]
    assert untyped == []


def test_every_ogp_term_has_one_label_in_english_french_and_arabic(ogp):
    problems = [p for term in ogp_terms(ogp) for p in check_labels(ogp, term, RDFS.label)]
    assert problems == []


def test_every_ogp_term_has_an_english_definition(ogp):
    assert [t for t in ogp_terms(ogp) if not has_english_definition(ogp, t)] == []


def test_every_ogp_term_is_defined_by_the_ontology(ogp):
    assert [t for t in ogp_terms(ogp) if ogp.value(t, RDFS.isDefinedBy) != ONTOLOGY_IRI] == []


def test_no_two_ogp_terms_share_a_label_in_a_language(ogp):
    assert duplicate_labels(ogp, list(ogp_terms(ogp)), RDFS.label) == []


def test_classes_are_upper_camel_case_and_properties_lower_camel_case(ogp):
    wrong = []
    for term, kind in ogp_terms(ogp).items():
        local = str(term)[len(OGP):]
        pattern = r"[A-Z][A-Za-z0-9]*" if kind == "class" else r"[a-z][A-Za-z0-9]*"
        if not re.fullmatch(pattern, local):
            wrong.append(f"{kind} {local}")
    assert wrong == []


def test_superclasses_domains_and_ranges_are_declared_terms(ogp):
    known = declared_terms()
    dangling = [
        f"{s} {p.n3(ogp.namespace_manager)} {o}"
        for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf)
        for s, o in ogp.subject_objects(p)
        if isinstance(o, URIRef) and o not in known and not in_reused_vocabulary(o)
    ]
    assert dangling == []


def test_governments_are_public_organisations_and_places_are_admin_units(ogp):
    cv = "http://data.europa.eu/m8g/"

    def ancestors(cls: URIRef) -> set[URIRef]:
        return set(ogp.transitive_objects(cls, RDFS.subClassOf))

    for government in ("NationalGovernment", "LocalGovernment"):
        assert URIRef(cv + "PublicOrganisation") in ancestors(URIRef(OGP + government))
    for place in ("Country", "Region"):
        assert URIRef(cv + "AdminUnit") in ancestors(URIRef(OGP + place))
    # an agent is never a place: no class is both
    agents = {URIRef(OGP + g) for g in ("Government", "NationalGovernment", "LocalGovernment")}
    places = {URIRef(OGP + p) for p in ("Country", "Region")}
    assert not any(ancestors(a) & places for a in agents)


# --- concepts --------------------------------------------------------------------------------


def concept_list(graph: Graph) -> list[URIRef]:
    return sorted(c for c in graph.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef))


def scheme_list(graph: Graph) -> list[URIRef]:
    return sorted(s for s in graph.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef))


def test_every_concept_is_in_exactly_one_declared_scheme_matching_its_iri(concepts):
    schemes = set(scheme_list(concepts))
    wrong = []
    for concept in concept_list(concepts):
        in_schemes = list(concepts.objects(concept, SKOS.inScheme))
        match = re.fullmatch(re.escape(CONCEPT) + r"([a-z0-9-]+)/([a-z0-9-]+)", str(concept))
        if len(in_schemes) != 1 or in_schemes[0] not in schemes:
            wrong.append(f"{concept}: in schemes {in_schemes}")
        elif not match or URIRef(CONCEPT + match.group(1)) != in_schemes[0]:
            wrong.append(f"{concept}: IRI is not concept/<scheme>/<lowercase code>")
    assert concept_list(concepts) and wrong == []


def test_every_concept_is_a_top_concept_or_has_a_broader_concept_in_its_scheme(concepts):
    orphans = []
    for concept in concept_list(concepts):
        scheme = concepts.value(concept, SKOS.inScheme)
        top = (concept, SKOS.topConceptOf, scheme) in concepts
        listed = (scheme, SKOS.hasTopConcept, concept) in concepts
        broader = [b for b in concepts.objects(concept, SKOS.broader)
                   if (b, SKOS.inScheme, scheme) in concepts]
        if top != listed or not (top or broader):
            orphans.append(str(concept))
    assert orphans == []


def test_every_concept_and_scheme_has_labels_in_three_languages(concepts):
    subjects = scheme_list(concepts) + concept_list(concepts)
    problems = [p for s in subjects for p in check_labels(concepts, s, SKOS.prefLabel)]
    assert problems == []


def test_every_concept_and_scheme_has_an_english_definition(concepts):
    subjects = scheme_list(concepts) + concept_list(concepts)
    assert [s for s in subjects if not has_english_definition(concepts, s)] == []


def test_no_two_concepts_of_a_scheme_share_a_preferred_label(concepts):
    by_scheme: dict[URIRef, list[URIRef]] = defaultdict(list)
    for concept in concept_list(concepts):
        by_scheme[concepts.value(concept, SKOS.inScheme)].append(concept)
    duplicates = [
        d for members in by_scheme.values()
        for d in duplicate_labels(concepts, members, SKOS.prefLabel)
    ]
    assert duplicates + duplicate_labels(concepts, scheme_list(concepts), SKOS.prefLabel) == []


def test_concept_notation_is_the_code_in_its_iri(concepts):
    wrong = [
        str(c) for c in concept_list(concepts)
        if str(concepts.value(c, SKOS.notation)) != str(c).rsplit("/", 1)[1]
    ]
    assert wrong == []


def test_related_concepts_exist(concepts):
    known = set(concept_list(concepts))
    dangling = [
        f"{s} -> {o}"
        for p in (SKOS.related, SKOS.broader)
        for s, o in concepts.subject_objects(p)
        if o not in known
    ]
    assert dangling == []


# --- README contract -------------------------------------------------------------------------


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def test_readme_names_exactly_the_ogp_terms_the_ontology_defines(ogp):
    named = {URIRef(OGP + local)
             for local in re.findall(r"`ogp:([A-Za-z][A-Za-z0-9]*)`", readme_text())}
    defined = set(ogp_terms(ogp))
    assert sorted(named - defined) == [], "named in README but not defined in ogp.ttl"
    assert sorted(defined - named) == [], "defined in ogp.ttl but missing from README"


def test_concepts_named_in_readme_exist(concepts):
    named = {
        URIRef(CONCEPT + path)
        for path in re.findall(r"concept/([a-z0-9-]+/[a-z0-9-]+)", readme_text())
        if not path.endswith("-")
    }
    assert sorted(named - set(concept_list(concepts))) == []


def test_readme_property_table_domains_and_ranges_match_the_ontology(ogp):
    """Rows of the README property table: | `ogp:x` | domain | range | ... ."""
    rows = re.findall(r"^\| `ogp:([a-z][A-Za-z0-9]+)` \| ([^|]*) \| ([^|]*) \|",
                      readme_text(), re.M)
    assert rows, "README has no property table"
    mismatches = []
    for local, domain_cell, range_cell in rows:
        term = URIRef(OGP + local)
        for predicate, cell in ((RDFS.domain, domain_cell), (RDFS.range, range_cell)):
            value = ogp.value(term, predicate)
            expected = value.n3(ogp.namespace_manager) if value is not None else "—"
            if f"`{expected}`" not in cell and not (value is None and cell.strip() == "—"):
                mismatches.append(
                    f"ogp:{local} {predicate.fragment}: README {cell.strip()!r}, ttl {expected}"
                )
    assert mismatches == []
