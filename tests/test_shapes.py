"""The SHACL shapes (shapes/*.ttl) and the quality-check queries (queries/qc/*.rq).

Every shape has conforming (``ok-*.ttl``) and non-conforming (``bad-*.ttl``) examples under
tests/shapes/examples/<ShapeLocalName>/. A bad example states in ``# expect:`` header lines
which result it must raise::

    # expect: shape=ogps:Event-name component=sh:MinCountConstraintComponent path=schema:name

(keys: shape, component, path, constraint, severity; paths written ``^p`` for inverse,
``a|b`` for alternatives, ``a/b`` for sequences). A bad example must raise every expected
result and no violation from any other shape; an ok example must raise no violation at all,
no result from the shape it illustrates, and give that shape a focus node to check.

An example is validated as a contribution is: with the descriptions of the entities it refers
to (from tests/shapes/context.ttl, unless it says ``# context: none``, and from the ontology's
SKOS concepts), and with the ontology's class hierarchy as pyshacl's ``ont_graph``.

Each quality check has a clean and a faulty case in tests/shapes/qc/<check>/{ok,bad}.trig;
``# flags:`` lines in the faulty case name values its rows must contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from pyshacl import validate
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.paths import AlternativePath, InvPath, SequencePath
from rdflib.term import Node

from ogpkg.namespaces import PREFIXES

ROOT = Path(__file__).resolve().parents[1]
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY_DIR = ROOT / "ontology"
QC_DIR = ROOT / "queries" / "qc"
HERE = Path(__file__).resolve().parent / "shapes"
EXAMPLES_DIR = HERE / "examples"
QC_CASES_DIR = HERE / "qc"
CONTEXT_FILE = HERE / "context.ttl"

# pyshacl runs a SHACL-SPARQL constraint once per focus node: rdflib parses each text once
pytestmark = pytest.mark.usefixtures("sparql_parsed_once")

SH = Namespace(PREFIXES["sh"])
SKOS = Namespace(PREFIXES["skos"])
PROV = Namespace(PREFIXES["prov"])
OGPS = Namespace(PREFIXES["ogps"])
SHACL_SHACL = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"

LANGUAGES = {"en", "fr", "ar"}
# SHACL Advanced Features and SHACL-JS terms: the shapes use SHACL Core and SHACL-SPARQL only.
ADVANCED_TERMS = {SH[t] for t in (
    "rule", "SPARQLRule", "TripleRule", "SPARQLTarget", "SPARQLTargetType", "target",
    "JSConstraint", "JSRule", "JSTarget", "JSFunction", "SPARQLFunction", "expression",
    "condition", "values", "filterShape")}


# --------------------------------------------------------------------------- helpers


def _qname(term: Node) -> str:
    """``term`` as a prefixed name when a prefix of ogpkg.namespaces covers it."""
    text = str(term)
    best = ""
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{text[len(PREFIXES[best]):]}" if best else text


def _render_path(graph: Graph, path: Node) -> str:
    """A SHACL property path as SPARQL-like text: ``p``, ``^p``, ``a|b``, ``a/b``."""
    if isinstance(path, URIRef):
        return _qname(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _render_path(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_render_path(graph, p) for p in Collection(graph, alternatives))
    if graph.value(path, RDF.first) is not None:
        return "/".join(_render_path(graph, p) for p in Collection(graph, path))
    raise ValueError(f"unsupported path node {path!r}")


@dataclass(frozen=True)
class Result:
    shape: str
    component: str
    path: str | None
    constraint: str | None
    severity: str
    focus: Node


@dataclass(frozen=True)
class Example:
    path: Path
    shape: str  # the shape the example illustrates, from its directory: "ogps:CommitmentShape"
    kind: str  # "ok" or "bad"
    expectations: tuple[dict[str, str], ...]
    with_context: bool

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def _read_example(path: Path) -> Example:
    expectations = []
    with_context = True
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            fields = dict(item.split("=", 1) for item in line[len("# expect:"):].split())
            expectations.append(fields)
        elif line.strip() == "# context: none":
            with_context = False
    kind = path.name.split("-", 1)[0]
    return Example(path, f"ogps:{path.parent.name}", kind, tuple(expectations), with_context)


def _examples() -> list[Example]:
    return [_read_example(p) for p in sorted(EXAMPLES_DIR.glob("*/*.ttl"))]


EXAMPLES = _examples()


def _results(report: Graph) -> list[Result]:
    out = []
    for r in report.objects(None, SH.result):
        path = report.value(r, SH.resultPath)
        constraint = report.value(r, SH.sourceConstraint)
        out.append(Result(
            shape=_qname(report.value(r, SH.sourceShape)),
            component=_qname(report.value(r, SH.sourceConstraintComponent)),
            path=None if path is None else _render_path(report, path),
            constraint=None if constraint is None else _qname(constraint),
            severity=_qname(report.value(r, SH.resultSeverity)),
            focus=report.value(r, SH.focusNode),
        ))
    return out


def _matches(result: Result, expected: dict[str, str]) -> bool:
    return all(getattr(result, key) == value for key, value in expected.items())


def _referenced_descriptions(data: Graph, pool: Graph) -> Graph:
    """The descriptions in ``pool`` of the nodes ``data`` mentions, and of the nodes those
    mention in turn (not following rdf:type, nor from a scheme down to all its concepts)."""
    skip = {RDF.type, SKOS.hasTopConcept, SKOS.narrower}
    todo = set(data.subjects()) | {o for p, o in data.predicate_objects() if p not in skip}
    out = Graph()
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen or isinstance(node, Literal):
            continue
        seen.add(node)
        for p, o in pool.predicate_objects(node):
            out.add((node, p, o))
            if p not in skip:
                todo.add(o)
    return out


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _has_target(shapes: Graph, shape: Node) -> bool:
    return any((shape, t, None) in shapes for t in _TARGETS)


def _focus_nodes(shapes: Graph, shape: Node, data: Graph, hierarchy: Graph) -> set[Node]:
    """The focus nodes of a node shape's targets (sh:targetClass through rdfs:subClassOf)."""
    focus: set[Node] = set()
    for cls in shapes.objects(shape, SH.targetClass):
        classes = set(hierarchy.transitive_subjects(RDFS.subClassOf, cls))
        focus |= {n for c in classes for n in data.subjects(RDF.type, c)}
    focus |= set(shapes.objects(shape, SH.targetNode))
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        focus |= set(data.subjects(p, None))
    for p in shapes.objects(shape, SH.targetObjectsOf):
        focus |= set(data.objects(None, p))
    return focus


def _rdflib_path(graph: Graph, path: Node):  # type: ignore[no-untyped-def]
    """A SHACL property path as an rdflib path, for graph.objects()."""
    if isinstance(path, URIRef):
        return path
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return InvPath(_rdflib_path(graph, inverse))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return AlternativePath(*(_rdflib_path(graph, p) for p in Collection(graph, alternatives)))
    return SequencePath(*(_rdflib_path(graph, p) for p in Collection(graph, path)))


def _owned_shapes(shapes: Graph, shape: str) -> set[str]:
    """A shape and the property shapes it holds."""
    node = URIRef(PREFIXES["ogps"] + shape.split(":", 1)[1])
    return {shape} | {_qname(p) for p in shapes.objects(node, SH.property)}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def shapes_graph() -> Graph:
    g = Graph()
    for f in sorted(SHAPES_DIR.glob("*.ttl")):
        g.parse(f)
    return g


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    g = Graph()
    for f in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g.parse(f)
    return g


@pytest.fixture(scope="session")
def class_hierarchy(ontology_graph: Graph) -> Graph:
    """The ontology's rdfs:subClassOf / rdfs:subPropertyOf axioms: what sh:class and
    sh:targetClass need from it (pyshacl's ont_graph)."""
    g = Graph()
    for p in (RDFS.subClassOf, RDFS.subPropertyOf):
        for triple in ontology_graph.triples((None, p, None)):
            g.add(triple)
    return g


@pytest.fixture(scope="session")
def concepts_graph(ontology_graph: Graph) -> Graph:
    """The SKOS concepts and schemes of the ontology: data that examples refer to."""
    g = Graph()
    for t in (SKOS.Concept, SKOS.ConceptScheme):
        for node in ontology_graph.subjects(RDF.type, t):
            for p, o in ontology_graph.predicate_objects(node):
                g.add((node, p, o))
    return g


@pytest.fixture(scope="session")
def context_graph() -> Graph:
    return Graph().parse(CONTEXT_FILE)


@pytest.fixture(scope="session")
def example_data(concepts_graph: Graph, context_graph: Graph):
    """The data graph an example is validated as: the example, the descriptions of what it
    refers to in the context and the concepts (as a contribution is validated with the
    entities it references), and the context's source description, so facts have a source."""
    pool = context_graph + concepts_graph
    bundles = Graph()
    for bundle in context_graph.subjects(RDF.type, PROV.Bundle):
        bundles += _referenced_descriptions(Graph().add((bundle, RDF.type, PROV.Bundle)), pool)

    def build(example: Example) -> tuple[Graph, set[Node]]:
        """The data graph, and the nodes the example file itself mentions."""
        data = Graph().parse(example.path)
        mentioned = set(data.subjects()) | set(data.objects())
        if example.with_context:
            data += bundles
            data += _referenced_descriptions(data, pool)
        else:
            data += _referenced_descriptions(data, concepts_graph)
        return data, mentioned

    return build


@pytest.fixture(scope="session")
def validate_example(shapes_graph: Graph, class_hierarchy: Graph, example_data):
    """Validate an example file; returns (conforms, results)."""

    def run(example: Example) -> tuple[bool, list[Result]]:
        conforms, report, _ = validate(example_data(example)[0], shacl_graph=shapes_graph,
                                       ont_graph=class_hierarchy, inplace=True)
        return conforms, _results(report)

    return run


def _params(kind: str):
    return [pytest.param(e, id=e.id) for e in EXAMPLES if e.kind == kind]


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("example", _params("ok"))
def test_ok_example_raises_no_violation(example: Example, validate_example,
                                        shapes_graph: Graph) -> None:
    _, results = validate_example(example)
    violations = [r for r in results if r.severity == "sh:Violation"]
    assert violations == []
    owned = _owned_shapes(shapes_graph, example.shape)
    assert [r for r in results if r.shape in owned] == []


@pytest.mark.parametrize("example", _params("ok"))
def test_ok_example_gives_its_shape_something_to_check(example: Example, example_data,
                                                       shapes_graph: Graph,
                                                       class_hierarchy: Graph) -> None:
    shape = URIRef(PREFIXES["ogps"] + example.shape.split(":", 1)[1])
    data, mentioned = example_data(example)
    if (shape, RDF.type, SH.PropertyShape) in shapes_graph:
        path = _rdflib_path(shapes_graph, shapes_graph.value(shape, SH.path))
        focus = {f for parent in shapes_graph.subjects(SH.property, shape)
                 for f in _focus_nodes(shapes_graph, parent, data, class_hierarchy)}
        exercised = {f for f in focus & mentioned if next(data.objects(f, path), None) is not None}
    else:
        if not _has_target(shapes_graph, shape):  # a value shape, used through sh:node / sh:or
            return
        exercised = _focus_nodes(shapes_graph, shape, data, class_hierarchy) & mentioned
    assert exercised, f"{example.path.name} gives {example.shape} no focus node (with a value)"


@pytest.mark.parametrize("example", _params("bad"))
def test_bad_example_fails_for_the_stated_reason(example: Example, validate_example) -> None:
    assert example.expectations, f"{example.path} has no '# expect:' line"
    conforms, results = validate_example(example)
    assert not conforms
    for expected in example.expectations:
        assert any(_matches(r, expected) for r in results), (expected, results)
    expected_shapes = {e["shape"] for e in example.expectations}
    stray = [r for r in results if r.severity == "sh:Violation" and r.shape not in expected_shapes]
    assert stray == []


def test_context_raises_no_result_at_all(shapes_graph: Graph, ontology_graph: Graph,
                                         concepts_graph: Graph, context_graph: Graph) -> None:
    data = context_graph + _referenced_descriptions(context_graph, concepts_graph)
    conforms, _, text = validate(data, shacl_graph=shapes_graph, ont_graph=ontology_graph)
    assert conforms, text


def test_every_shape_has_ok_and_bad_examples(shapes_graph: Graph) -> None:
    shapes = {_qname(s) for t in (SH.NodeShape, SH.PropertyShape)
              for s in shapes_graph.subjects(RDF.type, t)}
    missing = []
    for shape in sorted(shapes):
        folder = EXAMPLES_DIR / shape.split(":", 1)[1]
        if not list(folder.glob("ok-*.ttl")) or not list(folder.glob("bad-*.ttl")):
            missing.append(shape)
    assert missing == []


def test_every_property_shape_and_sparql_constraint_is_expected_by_a_bad_example(
        shapes_graph: Graph) -> None:
    expected = {e.get("shape") for x in EXAMPLES for e in x.expectations}
    expected |= {e.get("constraint") for x in EXAMPLES for e in x.expectations}
    named = {_qname(s) for t in (SH.PropertyShape, SH.SPARQLConstraint)
             for s in shapes_graph.subjects(RDF.type, t)}
    assert sorted(named - expected) == []


def test_example_folders_name_existing_shapes(shapes_graph: Graph) -> None:
    shapes = {str(s) for t in (SH.NodeShape, SH.PropertyShape)
              for s in shapes_graph.subjects(RDF.type, t)}
    unknown = [d.name for d in EXAMPLES_DIR.iterdir()
               if d.is_dir() and PREFIXES["ogps"] + d.name not in shapes]
    assert unknown == []


# --------------------------------------------------------------------------- the shapes graph


def _languages(graph: Graph, node: Node, predicate: URIRef) -> set[str]:
    return {o.language for o in graph.objects(node, predicate)
            if isinstance(o, Literal) and o.language}


def test_every_property_shape_has_name_description_and_message_in_en_fr_ar(
        shapes_graph: Graph) -> None:
    gaps = []
    for shape in shapes_graph.subjects(RDF.type, SH.PropertyShape):
        for predicate in (SH.name, SH.description, SH.message):
            missing = LANGUAGES - _languages(shapes_graph, shape, predicate)
            if missing:
                gaps.append((_qname(shape), _qname(predicate), sorted(missing)))
    assert gaps == []


def test_every_sparql_constraint_has_a_message_in_en_fr_ar_without_placeholders(
        shapes_graph: Graph) -> None:
    # pyshacl drops the language tag of a SPARQL constraint's message once it fills in
    # {?var} placeholders; plain messages can be matched back to their language.
    gaps = []
    for constraint in shapes_graph.subjects(RDF.type, SH.SPARQLConstraint):
        messages = list(shapes_graph.objects(constraint, SH.message))
        if LANGUAGES - _languages(shapes_graph, constraint, SH.message):
            gaps.append((_qname(constraint), "languages"))
        if any(re.search(r"\{[?$]\w+\}", str(m)) for m in messages):
            gaps.append((_qname(constraint), "placeholder"))
    assert gaps == []


def test_property_shapes_are_named_never_blank(shapes_graph: Graph) -> None:
    blank = [(_qname(s), o) for s, o in shapes_graph.subject_objects(SH.property)
             if isinstance(o, BNode)]
    blank += [(_qname(s), o) for s, o in shapes_graph.subject_objects(SH.sparql)
              if isinstance(o, BNode)]
    assert blank == []


def test_shapes_use_only_shacl_core_and_sparql(shapes_graph: Graph) -> None:
    used = set(shapes_graph.predicates()) | set(shapes_graph.objects(None, RDF.type))
    assert sorted(_qname(t) for t in used & ADVANCED_TERMS) == []


def test_sparql_constraints_declare_their_prefixes_on_the_shapes_ontology(
        shapes_graph: Graph) -> None:
    declared = {str(shapes_graph.value(d, SH.prefix))
                for d in shapes_graph.objects(OGPS[""], SH.declare)}
    for constraint in shapes_graph.subjects(RDF.type, SH.SPARQLConstraint):
        assert shapes_graph.value(constraint, SH.prefixes) == OGPS[""]
        query = str(shapes_graph.value(constraint, SH.select))
        used = set(re.findall(r"(?<![\w?$])([a-z]+):\w", query))
        assert used <= declared, (_qname(constraint), used - declared)


@pytest.mark.slow  # about 5 s: pyshacl validates the whole shapes graph against SHACL-SHACL
def test_shapes_conform_to_shacl_shacl(shapes_graph: Graph) -> None:
    conforms, _, text = validate(shapes_graph, shacl_graph=Graph().parse(SHACL_SHACL))
    assert conforms, text


# --------------------------------------------------------------------------- quality checks

QC_QUERIES = sorted(QC_DIR.glob("*-violation.rq"))


def _qc_store(case: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(case), format=ox.RdfFormat.TRIG)
    return store


def _qc_rows(query: Path, case: Path) -> list:
    solutions = _qc_store(case).query(query.read_text(encoding="utf-8"),
                                      use_default_graph_as_union=True)
    return list(solutions)


def test_there_are_quality_checks() -> None:
    assert len(QC_QUERIES) >= 6


@pytest.mark.parametrize("query", QC_QUERIES, ids=lambda p: p.stem)
def test_quality_check_starts_with_a_title_and_description(query: Path) -> None:
    lines = query.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line.lstrip("# ").strip())
    assert len([h for h in header if h]) >= 2, query.name
    assert "SELECT" in query.read_text(encoding="utf-8")


@pytest.mark.parametrize("query", QC_QUERIES, ids=lambda p: p.stem)
def test_quality_check_passes_its_clean_case(query: Path) -> None:
    case = QC_CASES_DIR / query.stem.removesuffix("-violation") / "ok.trig"
    assert _qc_rows(query, case) == []


@pytest.mark.parametrize("query", QC_QUERIES, ids=lambda p: p.stem)
def test_quality_check_flags_its_faulty_case(query: Path) -> None:
    case = QC_CASES_DIR / query.stem.removesuffix("-violation") / "bad.trig"
    expected = {line.split(":", 1)[1].strip()
                for line in case.read_text(encoding="utf-8").splitlines()
                if line.startswith("# flags:")}
    rows = _qc_rows(query, case)
    assert rows
    flagged = {str(value.value) for row in rows for value in row if value is not None}
    assert expected <= flagged, (expected, flagged)
