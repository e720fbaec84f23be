"""SHACL shapes compiled to batched SPARQL checks, and the evaluator that runs them.

Engine-agnostic: it reads an rdflib shapes graph and runs SELECT queries through a callable,
so it imports neither pyshacl nor pyoxigraph (``ogpkg.validation.validate`` wires it to a dataset).

How a check runs
----------------
Every shape is evaluated against a *focus set*: a SPARQL group pattern that binds ``?this``
(and, for nested shapes, the context variables ``?ogpkg_c0 ... ?ogpkg_c{n-1}`` naming the
chain of focus nodes that led here). A top-level focus set is the shape's targets; the values
of a property shape, seen as focus nodes of an ``sh:node``/``sh:or``/... shape, are a new
focus set built by composing patterns, so no data node is ever pasted into query text and
blank nodes work. Each constraint is one SELECT over the whole focus set (never one query per
node); it returns the offending (focus, value) rows, or candidates that a Python check then
decides with the same rules as pySHACL (ill-typed literals, literal ordering, Python regular
expressions), which stays the reference.

Semantics follow pySHACL run with ``allow_warnings=True`` and ``advanced=True``: a nested
shape whose severity is sh:Warning or sh:Info always conforms; ``sh:node`` fails on any
nested result; ``sh:or``/``sh:and``/``sh:xone``/``sh:not``/qualified shapes look at conformance.

The store keeps derived integer types (``xsd:nonNegativeInteger``, ``xsd:int`` ...) as
``xsd:integer``, so ``sh:datatype xsd:nonNegativeInteger`` accepts an ``xsd:integer`` in the
type's range (the store cannot tell the two apart) — unless the evaluator is given the
literals as the data wrote them (:data:`Originals`, as ``ogpkg validate --shapes`` does).

SHACL-SPARQL: ``sh:sparql`` constraints, SPARQL-based targets and custom constraint
components (ASK and SELECT validators). A query is joined with the focus set; one that reads
``$this`` where a join cannot bind it (a nested group, a UNION branch, a subquery) runs once
per focus node with ``$this`` written in, which is SHACL's pre-binding.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ogpkg.errors import ConfigError, InputError
from ogpkg.namespaces import PREFIXES

SH = Namespace("http://www.w3.org/ns/shacl#")
OWL_CLASS = URIRef("http://www.w3.org/2002/07/owl#Class")
OWL_ONTOLOGY = URIRef("http://www.w3.org/2002/07/owl#Ontology")
OWL_IMPORTS = URIRef("http://www.w3.org/2002/07/owl#imports")

Row = dict[str, Node]
#: runs a complete SELECT query and returns its rows as dicts of rdflib terms
Select = Callable[[str], list[Row]]

CTX = "ogpkg_c"
VIOLATION, WARNING, INFO = str(SH.Violation), str(SH.Warning), str(SH.Info)
NON_BLOCKING = frozenset({WARNING, INFO})


# --------------------------------------------------------------------------- terms

def node_id(node: Node) -> str:
    """An IRI as itself, a blank node as ``_:id``, a literal as its N-Triples form."""
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        return nt(node)
    return str(node)


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def nt(node: Node) -> str:
    """N-Triples form of a term (xsd:string left implicit, language tags lower-cased)."""
    if isinstance(node, Literal):
        text = f'"{_escape(str(node))}"'
        if node.language:
            return f"{text}@{node.language.lower()}"
        if node.datatype is not None and node.datatype != XSD.string:
            return f"{text}^^<{node.datatype}>"
        return text
    if isinstance(node, BNode):
        return f"_:{node}"
    return f"<{node}>"


def sparql_term(node: Node) -> str:
    """A term as SPARQL text (a blank node cannot be named in a query)."""
    if isinstance(node, BNode):
        raise ConfigError(f"a blank node ({node}) cannot be used as a constant in a SPARQL check")
    return nt(node)


def compact(iri: str) -> str:
    """``ogp:Commitment`` for a known namespace, else the IRI in angle brackets."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(best) and re.fullmatch(
                r"[A-Za-z0-9_\-.]*", iri[len(ns):]) and not iri.endswith("."):
            best, name = ns, f"{prefix}:{iri[len(ns):]}"
    return name if best else f"<{iri}>"


def show(node: Node) -> str:
    """A term for messages: compact IRIs, literals as their text."""
    if isinstance(node, URIRef):
        return compact(str(node))
    if isinstance(node, Literal):
        return str(node)
    return node_id(node)


# --------------------------------------------------------------------------- paths

@dataclass(frozen=True)
class PropertyPath:
    """A SHACL property path: SPARQL text, the IRI when it is one predicate, Turtle text."""

    sparql: str
    iri: str | None
    turtle: str

    @property
    def text(self) -> str:
        """What a report shows: the predicate IRI, or the SPARQL path."""
        return self.iri if self.iri is not None else self.sparql

    @classmethod
    def of_iri(cls, iri: str) -> PropertyPath:
        return cls(f"<{iri}>", iri, f"<{iri}>")


_UNARY_PATHS = {SH.inversePath: ("^({})", "[ sh:inversePath {} ]"),
                SH.zeroOrMorePath: ("({})*", "[ sh:zeroOrMorePath {} ]"),
                SH.oneOrMorePath: ("({})+", "[ sh:oneOrMorePath {} ]"),
                SH.zeroOrOnePath: ("({})?", "[ sh:zeroOrOnePath {} ]")}


def parse_path(graph: Graph, node: Node, depth: int = 0) -> PropertyPath:
    """The path described at ``node`` in ``graph``. Raises :class:`ConfigError` if malformed."""
    if isinstance(node, URIRef):
        return PropertyPath.of_iri(str(node))
    if not isinstance(node, BNode) or depth > 20:
        raise ConfigError(f"sh:path {node_id(node)} is not a SHACL property path")
    if graph.value(node, RDF.first) is not None:
        items = [parse_path(graph, n, depth + 1) for n in Collection(graph, node)]
        if len(items) < 2:
            raise ConfigError("a sequence path needs at least two members")
        return PropertyPath("(" + " / ".join(p.sparql for p in items) + ")", None,
                    "( " + " ".join(p.turtle for p in items) + " )")
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        items = [parse_path(graph, n, depth + 1) for n in Collection(graph, alternatives)]
        if len(items) < 2:
            raise ConfigError("sh:alternativePath needs at least two members")
        return PropertyPath("(" + " | ".join(p.sparql for p in items) + ")", None,
                    "[ sh:alternativePath ( " + " ".join(p.turtle for p in items) + " ) ]")
    for predicate, (sparql, turtle) in _UNARY_PATHS.items():
        inner = graph.value(node, predicate)
        if inner is not None:
            sub = parse_path(graph, inner, depth + 1)
            return PropertyPath(sparql.format(sub.sparql), None, turtle.format(sub.turtle))
    raise ConfigError(f"sh:path {node_id(node)} is not a SHACL property path")


# --------------------------------------------------------------------------- focus sets

def ctx_vars(depth: int) -> str:
    return " ".join(f"?{CTX}{i}" for i in range(depth))


@dataclass(frozen=True)
class Focus:
    """A set of focus nodes: a braced pattern binding ``?this`` and ``depth`` context variables."""

    pattern: str
    depth: int
    prefixes: tuple[tuple[str, str], ...] = ()
    #: how many focus nodes there are, when known (-1: unknown)
    size: int = -1

    def key(self, row: Row) -> tuple[tuple[Node, ...], Node]:
        return tuple(row[f"{CTX}{i}"] for i in range(self.depth)), row["this"]

    @property
    def proj(self) -> str:
        return f"{ctx_vars(self.depth)} ?this".strip()


Key = tuple[tuple[Node, ...], Node]


def values_focus(shape: ShapeDef, focus: Focus) -> Focus:
    """The value nodes of ``shape`` over ``focus``, as the focus set of a nested shape."""
    d = focus.depth
    new = f"?{CTX}{d}"
    inner = f"{{ SELECT {ctx_vars(d)} (?this AS {new}) WHERE {focus.pattern} }}"
    step = f"{new} {shape.path.sparql} ?this ." if shape.path else f"BIND({new} AS ?this)"
    return Focus(f"{{ SELECT DISTINCT {ctx_vars(d + 1)} ?this WHERE {{ {inner} {step} }} }}",
                 d + 1, focus.prefixes)


def value_pattern(shape: ShapeDef, focus: Focus, var: str = "?value") -> str:
    """Pattern binding ?this (and the context) and each value node of the shape as ``var``."""
    if shape.path is not None:
        return f"{focus.pattern} ?this {shape.path.sparql} {var} ."
    return f"{focus.pattern} BIND(?this AS {var})"


# --------------------------------------------------------------------------- findings

@dataclass
class Finding:
    """One validation result before it is rendered (internal)."""

    ctx: tuple[Node, ...]
    focus: Node
    value: Node | None
    path: PropertyPath | None
    shape: ShapeDef
    component: str
    messages: dict[str, str]
    blocking: bool = True
    #: the (context, focus node) of the focus set being evaluated that this finding counts
    #: against, when it is about another node (a value node checked by the property shapes
    #: of a property shape)
    owner: Key | None = None

    @property
    def key(self) -> Key:
        return self.owner if self.owner is not None else (self.ctx, self.focus)


def parent_key(key: Key) -> tuple[tuple[Node, ...], Node, Node]:
    """(context, focus, value) of the parent constraint for a nested focus key."""
    ctx, this = key
    return ctx[:-1], ctx[-1], this


# --------------------------------------------------------------------------- messages

MESSAGES: dict[str, dict[str, str]] = {
    "ClassConstraintComponent": {
        "en": "Value is not an instance of {0}.", "fr": "La valeur n'est pas une instance de {0}.",
        "ar": "القيمة ليست من نوع {0}."},
    "DatatypeConstraintComponent": {
        "en": "Value is not a literal of datatype {0}.",
        "fr": "La valeur n'est pas un littéral de type {0}.",
        "ar": "القيمة ليست قيمة حرفية من نوع البيانات {0}."},
    "NodeKindConstraintComponent": {
        "en": "Value is not of node kind {0}.", "fr": "La valeur n'est pas de nature {0}.",
        "ar": "القيمة ليست من صنف العقد {0}."},
    "MinCountConstraintComponent": {
        "en": "Fewer than {0} value(s).", "fr": "Moins de {0} valeur(s).",
        "ar": "عدد القيم أقل من {0}."},
    "MaxCountConstraintComponent": {
        "en": "More than {0} value(s).", "fr": "Plus de {0} valeur(s).",
        "ar": "عدد القيم أكثر من {0}."},
    "MinInclusiveConstraintComponent": {
        "en": "Value is not greater than or equal to {0}.",
        "fr": "La valeur n'est pas supérieure ou égale à {0}.",
        "ar": "القيمة ليست أكبر من {0} أو مساوية له."},
    "MinExclusiveConstraintComponent": {
        "en": "Value is not greater than {0}.", "fr": "La valeur n'est pas supérieure à {0}.",
        "ar": "القيمة ليست أكبر من {0}."},
    "MaxInclusiveConstraintComponent": {
        "en": "Value is not less than or equal to {0}.",
        "fr": "La valeur n'est pas inférieure ou égale à {0}.",
        "ar": "القيمة ليست أصغر من {0} أو مساوية له."},
    "MaxExclusiveConstraintComponent": {
        "en": "Value is not less than {0}.", "fr": "La valeur n'est pas inférieure à {0}.",
        "ar": "القيمة ليست أصغر من {0}."},
    "MinLengthConstraintComponent": {
        "en": "Value is shorter than {0} characters.",
        "fr": "La valeur compte moins de {0} caractères.", "ar": "طول القيمة أقل من {0} حرفا."},
    "MaxLengthConstraintComponent": {
        "en": "Value is longer than {0} characters.",
        "fr": "La valeur compte plus de {0} caractères.", "ar": "طول القيمة أكثر من {0} حرفا."},
    "PatternConstraintComponent": {
        "en": "Value does not match the pattern {0}.",
        "fr": "La valeur ne correspond pas au motif {0}.", "ar": "القيمة لا تطابق النمط {0}."},
    "LanguageInConstraintComponent": {
        "en": "Language tag is not one of {0}.", "fr": "La langue n'est pas l'une de {0}.",
        "ar": "وسم اللغة ليس من بين {0}."},
    "UniqueLangConstraintComponent": {
        "en": "More than one value in the same language.",
        "fr": "Plusieurs valeurs dans la même langue.",
        "ar": "أكثر من قيمة واحدة باللغة نفسها."},
    "InConstraintComponent": {
        "en": "Value is not one of {0}.", "fr": "La valeur n'est pas l'une de {0}.",
        "ar": "القيمة ليست من بين {0}."},
    "HasValueConstraintComponent": {
        "en": "The required value {0} is missing.", "fr": "La valeur requise {0} manque.",
        "ar": "القيمة المطلوبة {0} غير موجودة."},
    "EqualsConstraintComponent": {
        "en": "Values differ from the values of {0}.",
        "fr": "Les valeurs diffèrent de celles de {0}.", "ar": "القيم تختلف عن قيم {0}."},
    "DisjointConstraintComponent": {
        "en": "Value is also a value of {0}.", "fr": "La valeur est aussi une valeur de {0}.",
        "ar": "القيمة هي أيضا قيمة لـ {0}."},
    "LessThanConstraintComponent": {
        "en": "Value is not less than the value of {0}.",
        "fr": "La valeur n'est pas inférieure à celle de {0}.",
        "ar": "القيمة ليست أصغر من قيمة {0}."},
    "LessThanOrEqualsConstraintComponent": {
        "en": "Value is not less than or equal to the value of {0}.",
        "fr": "La valeur n'est pas inférieure ou égale à celle de {0}.",
        "ar": "القيمة ليست أصغر من قيمة {0} أو مساوية لها."},
    "ClosedConstraintComponent": {
        "en": "The shape is closed: this property is not allowed.",
        "fr": "La forme est fermée : cette propriété n'est pas autorisée.",
        "ar": "الشكل مغلق: هذه الخاصية غير مسموح بها."},
    "NodeConstraintComponent": {
        "en": "Value does not conform to the shape {0}.",
        "fr": "La valeur n'est pas conforme à la forme {0}.", "ar": "القيمة لا تطابق الشكل {0}."},
    "AndConstraintComponent": {
        "en": "Value does not conform to all of the shapes {0}.",
        "fr": "La valeur n'est pas conforme à toutes les formes {0}.",
        "ar": "القيمة لا تطابق جميع الأشكال {0}."},
    "OrConstraintComponent": {
        "en": "Value conforms to none of the shapes {0}.",
        "fr": "La valeur n'est conforme à aucune des formes {0}.",
        "ar": "القيمة لا تطابق أيا من الأشكال {0}."},
    "XoneConstraintComponent": {
        "en": "Value does not conform to exactly one of the shapes {0}.",
        "fr": "La valeur n'est pas conforme à exactement une des formes {0}.",
        "ar": "القيمة لا تطابق شكلا واحدا بالضبط من الأشكال {0}."},
    "NotConstraintComponent": {
        "en": "Value conforms to the shape {0}, which is not allowed.",
        "fr": "La valeur est conforme à la forme {0}, ce qui est interdit.",
        "ar": "القيمة تطابق الشكل {0}، وهذا غير مسموح به."},
    "QualifiedMinCountConstraintComponent": {
        "en": "Fewer than {0} value(s) conform to {1}.",
        "fr": "Moins de {0} valeur(s) conforme(s) à {1}.",
        "ar": "عدد القيم المطابقة لـ {1} أقل من {0}."},
    "QualifiedMaxCountConstraintComponent": {
        "en": "More than {0} value(s) conform to {1}.",
        "fr": "Plus de {0} valeur(s) conforme(s) à {1}.",
        "ar": "عدد القيم المطابقة لـ {1} أكثر من {0}."},
    "SPARQLConstraintComponent": {
        "en": "The SPARQL constraint {0} reports this node.",
        "fr": "La contrainte SPARQL {0} signale ce nœud.",
        "ar": "يشير قيد SPARQL {0} إلى هذه العقدة."},
}


def generated_messages(component: str, *args: str) -> dict[str, str]:
    """The built-in en/fr/ar message of a constraint component, filled with ``args``."""
    local = component.rsplit("#", 1)[-1]
    templates = MESSAGES.get(local) or {"en": f"{local} not satisfied."}
    return {lang: text.format(*args) for lang, text in templates.items()}


def lang_messages(literals: Iterable[Node]) -> dict[str, str]:
    """``sh:message`` literals as lang -> text (untagged under "")."""
    out: dict[str, str] = {}
    for lit in sorted((m for m in literals if isinstance(m, Literal)), key=str):
        out.setdefault(lit.language or "", str(lit))
    return out


# --------------------------------------------------------------------------- shapes

@dataclass
class Targets:
    nodes: list[Node] = field(default_factory=list)
    classes: list[Node] = field(default_factory=list)
    subjects_of: list[Node] = field(default_factory=list)
    objects_of: list[Node] = field(default_factory=list)
    sparql: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.classes or self.subjects_of or self.objects_of
                    or self.sparql)


@dataclass(eq=False)
class ShapeDef:
    """A node or property shape, as read from the shapes graph."""

    node: Node
    path: PropertyPath | None
    severity: str = VIOLATION
    deactivated: bool = False
    messages: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    targets: Targets = field(default_factory=Targets)
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[ShapeDef] = field(default_factory=list)
    parents: list[ShapeDef] = field(default_factory=list)
    #: the shape's own triples in Turtle-like text, naming a blank node shape in messages
    summary: str = ""

    @property
    def id(self) -> str:
        return node_id(self.node)

    @property
    def blocking(self) -> bool:
        """Whether a failure of this shape makes it non-conforming (pySHACL allow_warnings)."""
        return self.severity not in NON_BLOCKING

    def display(self, lang: str = "en") -> str:
        """A readable name: sh:name / rdfs:label, else compact IRI or parent and path."""
        for key in (lang, "en", ""):
            if key in self.names:
                return self.names[key]
        if isinstance(self.node, URIRef):
            return compact(str(self.node))
        if self.parents and self.path is not None:
            return f"{self.parents[0].display(lang)} › {show_path(self.path)}"
        return self.id

    def label(self) -> str:
        """The shape as a compact IRI, or its parent and path for a blank node."""
        if isinstance(self.node, URIRef):
            return compact(str(self.node))
        if self.parents and self.path is not None:
            return f"{self.parents[0].label()} › {show_path(self.path)}"
        return self.summary or self.id

    def finding(self, key: tuple[tuple[Node, ...], Node], component: str,
                value: Node | None = None, *, path: PropertyPath | None = None,
                messages: dict[str, str] | None = None,
                default: dict[str, str] | None = None) -> Finding:
        ctx, focus = key
        return Finding(ctx, focus, value, path or self.path, self, str(SH[component]),
                       messages or self.messages or default or {}, self.blocking)


def describe(graph: Graph, node: Node, depth: int = 0) -> str:
    """A blank node's triples as short Turtle-like text: ``[ sh:class ex:Place ]``."""
    if isinstance(node, BNode) and graph.value(node, RDF.first) is not None:
        return "( " + " ".join(describe(graph, n, depth + 1)
                               for n in Collection(graph, node)) + " )"
    if not isinstance(node, BNode):
        return show(node) if not isinstance(node, Literal) else nt(node)
    if depth > 2:
        return "[…]"
    parts = [f"{compact(str(p))} {describe(graph, o, depth + 1)}"
             for p, o in sorted(graph.predicate_objects(node), key=str)
             if p not in (RDF.type, SH.message, SH.name, SH.description)]
    return "[ " + " ; ".join(parts) + " ]"


def show_path(path: PropertyPath) -> str:
    if path.iri is not None:
        return compact(path.iri)
    return re.sub(r"<([^<>]*)>", lambda m: compact(m.group(1)), path.sparql)


# --------------------------------------------------------------------------- evaluator

#: (focus node, path, value as stored) -> the literals the data wrote that the store keeps as
#: that value (``"5"^^xsd:byte`` and ``"5"^^xsd:integer`` are both stored as the latter)
Originals = Callable[[Node, "PropertyPath", Node], list[Node]]


class Evaluator:
    """Runs compiled shapes through ``select``; one instance per validation run.

    The focus set of every targeted shape is planned once per run (:meth:`target_focus`):
    class targets become ``?this rdf:type ?t`` over the subclass closure of the classes,
    read in the focus graphs themselves when there are focus graphs; a small focus set of IRIs
    is written into the queries.
    """

    #: focus sets up to this size, all IRIs, are written into queries as VALUES
    INLINE_LIMIT = 1000

    def __init__(self, shapes: CompiledShapes, select: Select, *,
                 focus_graphs: list[str] | None = None, workers: int = 1,
                 originals: Originals | None = None) -> None:
        self.shapes = shapes
        #: the literals as the data wrote them, when known (see :data:`Originals`)
        self.originals = originals
        self._select = select
        self.focus_graphs = focus_graphs
        self.workers = workers
        self.queries = 0
        self._lock = threading.Lock()
        self._focus: dict[str, Focus] = {}
        self._sizes: dict[str, int] = {}
        self._closure: dict[Node, list[Node]] | None = None
        self._foreign: dict[Node, set[Node]] | None = None
        self._constants: dict[tuple[str, tuple[tuple[str, str], ...]], bool] = {}
        self._counts: dict[tuple[str, int], int] = {}

    def select(self, query: str, prefixes: Iterable[tuple[str, str]] = ()) -> list[Row]:
        with self._lock:
            self.queries += 1
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes)
        return self._select(prologue + query)

    def keys(self, focus: Focus) -> set[Key]:
        """Every (context, focus node) of a focus set."""
        rows = self.select(f"SELECT DISTINCT {focus.proj} WHERE {focus.pattern}",
                           focus.prefixes)
        return {focus.key(r) for r in rows}

    def run(self) -> list[Finding]:
        """Findings of every shape that has targets, over its targets.

        The constraints and property shapes of the targeted shapes are independent checks;
        with ``workers`` > 1 they run in that many threads (the engine releases the GIL while
        it evaluates a query). Findings come in the same order either way.
        """
        targeted = [s for s in self.shapes.targeted if not s.deactivated]
        if self.workers <= 1:
            return [f for s in targeted for task in self._tasks(s, self.target_focus(s))
                    for f in task()]
        self._closures()
        self._foreign_types()
        with ThreadPoolExecutor(self.workers) as pool:
            focuses = list(pool.map(self.target_focus, targeted))
            futures = [pool.submit(task) for s, focus in zip(targeted, focuses, strict=True)
                       for task in self._tasks(s, focus)]
            return [f for future in futures for f in future.result()]

    def _tasks(self, shape: ShapeDef, focus: Focus) -> list[Callable[[], list[Finding]]]:
        """:meth:`evaluate` of a top-level shape, split into independent steps."""
        stack = (shape.id,)
        tasks: list[Callable[[], list[Finding]]] = [
            partial(c.evaluate, self, shape, focus, stack) for c in shape.constraints]
        tasks += [partial(self._child, shape, child, focus, stack) for child in shape.properties]
        return tasks

    def _child(self, shape: ShapeDef, child: ShapeDef, focus: Focus,
               stack: tuple[str, ...]) -> list[Finding]:
        """Findings of the property shape ``child`` of ``shape``: over the focus nodes of a
        node shape, over the value nodes of a property shape (SHACL 4.8.2), each counted
        against the focus node it is a value of."""
        if shape.path is None:
            found = self.evaluate(child, focus, stack)
        else:
            found = self.evaluate(child, values_focus(shape, focus), stack)
            for f in found:
                ctx, _ = f.key
                f.owner = (ctx[:-1], ctx[-1])
        for f in found:
            f.blocking = f.blocking and shape.blocking
        return found

    def focus_count(self) -> int:
        """How many distinct nodes are focus nodes of some shape."""
        branches = [self.target_focus(s) for s in self.shapes.targeted
                    if not s.deactivated and self._sizes.get(s.id) != 0]
        if not branches:
            return 0
        union = " UNION ".join(f.pattern for f in branches)
        prefixes = tuple(sorted({p for f in branches for p in f.prefixes}))
        rows = self.select(f"SELECT (COUNT(DISTINCT ?this) AS ?n) WHERE {{ {union} }}", prefixes)
        value = rows[0].get("n") if rows else None
        return int(value.toPython()) if isinstance(value, Literal) else 0

    # -- focus sets of targeted shapes

    def _graph_pattern(self, triple: str, var: str = "?ogpkg_g") -> str:
        """``triple`` read in the focus graphs."""
        assert self.focus_graphs is not None
        if len(self.focus_graphs) == 1:
            return f"GRAPH <{self.focus_graphs[0]}> {{ {triple} }}"
        graphs = " ".join(f"<{g}>" for g in self.focus_graphs)
        return f"VALUES {var} {{ {graphs} }} GRAPH {var} {{ {triple} }}"

    def _closures(self) -> dict[Node, list[Node]]:
        """Each IRI class the shapes name (targets, sh:class) and every class below it
        (``rdfs:subClassOf*``), read once per run."""
        if self._closure is None:
            named: set[Node] = set()
            for s in self.shapes.by_node.values():
                named.update(s.targets.classes)
                for c in s.constraints:
                    if isinstance(c, ClassConstraint):
                        named.update(c.classes)
            classes = sorted((c for c in named if isinstance(c, URIRef)), key=str)
            closure: dict[Node, list[Node]] = {c: [c] for c in classes}
            if classes:
                values = " ".join(nt(c) for c in classes)
                rows = self.select(f"SELECT DISTINCT ?c ?sub WHERE {{ VALUES ?c {{ {values} }} "
                                   f"?sub {nt(RDFS.subClassOf)}* ?c }}")
                for row in rows:
                    if row["sub"] not in closure[row["c"]]:
                        closure[row["c"]].append(row["sub"])
            self._closure = closure
        return self._closure

    def constant(self, query: str, prefixes: list[tuple[str, str]]) -> bool:
        """Whether ``query`` has a solution (asked once per run)."""
        key = (query, tuple(prefixes))
        if key not in self._constants:
            self._constants[key] = bool(self.select(query, prefixes))
        return self._constants[key]

    #: a predicate's triples are read in one scan, not looked up per focus node, when there
    #: are fewer than this many per focus node
    SCAN_RATIO = 8

    def value_pattern(self, shape: ShapeDef, focus: Focus, var: str = "?value") -> str:
        """:func:`value_pattern`, joining a large focus set with the predicate's triples read
        in one scan when that reads fewer than ``SCAN_RATIO`` triples per focus node."""
        path = shape.path
        if path is not None and path.iri is not None and focus.size > 0:
            limit = self.SCAN_RATIO * focus.size
            if self._triple_count(path.iri, limit) < limit:
                return (f"{{ SELECT ?this {var} WHERE {{ ?this <{path.iri}> {var} }} }} "
                        f"{focus.pattern}")
        return value_pattern(shape, focus, var)

    def _triple_count(self, predicate: str, limit: int) -> int:
        """How many triples have ``predicate``, counted up to ``limit`` (once per run)."""
        key = (predicate, limit)
        if key not in self._counts:
            rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT ?s WHERE "
                               f"{{ ?s <{predicate}> ?o }} LIMIT {limit} }}")
            value = rows[0].get("n") if rows else None
            self._counts[key] = int(value.toPython()) if isinstance(value, Literal) else limit
        return self._counts[key]

    def instance_test(self, var: str, cls: Node) -> str:
        """Pattern matching when ``var`` is an instance of ``cls`` or a class below it."""
        members = self._closures().get(cls)
        if members is None or not all(isinstance(m, URIRef) for m in members):
            return f"{var} {nt(RDF.type)}/{nt(RDFS.subClassOf)}* {sparql_term(cls)}"
        if len(members) == 1:
            return f"{var} {nt(RDF.type)} {nt(members[0])}"
        listed = " ".join(nt(m) for m in sorted(members, key=str))
        return f"VALUES ?ogpkg_ct {{ {listed} }} {var} {nt(RDF.type)} ?ogpkg_ct"

    def _foreign_types(self) -> dict[Node, set[Node]]:
        """Class -> subjects of the focus graphs typed with it only outside the focus graphs."""
        if self._foreign is None:
            self._foreign = {}
            if self.focus_graphs is not None:
                rdf_type = nt(RDF.type)
                subjects = self._graph_pattern("?this ?ogpkg_p ?ogpkg_o")
                stated = self._graph_pattern(f"?this {rdf_type} ?t", "?ogpkg_h")
                rows = self.select(f"SELECT DISTINCT ?this ?t WHERE {{ {{ SELECT DISTINCT ?this "
                                   f"WHERE {{ {subjects} }} }} ?this {rdf_type} ?t . "
                                   f"FILTER NOT EXISTS {{ {stated} }} }}")
                for row in rows:
                    self._foreign.setdefault(row["t"], set()).add(row["this"])
        return self._foreign

    def _class_branch(self, classes: list[Node]) -> tuple[str | None, list[Node]]:
        """One pattern for the instances of the IRI classes whose closure is all IRIs that can
        be read without the path (None when there are none), and the classes left over."""
        closures = self._closures()
        fast: list[Node] = []
        rest: list[Node] = []
        for c in classes:
            members = closures.get(c)
            if members is not None and all(isinstance(m, URIRef) for m in members):
                fast.append(c)
            else:
                rest.append(c)
        if not fast:
            return None, rest
        types = sorted({m for c in fast for m in closures[c]}, key=str)
        values = f"VALUES ?ogpkg_t {{ {' '.join(nt(t) for t in types)} }}"
        triple = f"?this {nt(RDF.type)} ?ogpkg_t"
        if self.focus_graphs is None:
            return f"{{ {values} {triple} }}", rest
        extra: set[Node] = set()
        foreign = self._foreign_types()
        for t in types:
            extra |= foreign.get(t, set())
        if len(extra) > self.INLINE_LIMIT or not all(isinstance(n, URIRef) for n in extra):
            return None, classes
        branch = f"{{ {values} {self._graph_pattern(triple)} }}"
        if extra:
            listed = " ".join(nt(n) for n in sorted(extra, key=str))
            branch += f" UNION {{ VALUES ?this {{ {listed} }} }}"
        return branch, rest

    def target_focus(self, shape: ShapeDef) -> Focus:
        """The focus set of a targeted shape (planned once per run)."""
        cached = self._focus.get(shape.id)
        if cached is not None:
            return cached
        t = shape.targets
        restricted: list[str] = []  # already limited to subjects of the focus graphs
        branches: list[str] = []
        prefixes: dict[str, str] = {}
        if t.nodes:
            branches.append("{ VALUES ?this { " + " ".join(sparql_term(n) for n in t.nodes)
                            + " } }")
        fast, classes = self._class_branch(t.classes)
        if fast is not None:
            restricted.append(fast)
        for c in classes:
            branches.append(f"{{ ?this {nt(RDF.type)}/{nt(RDFS.subClassOf)}* {sparql_term(c)} }}")
        for p in t.subjects_of:
            branches.append(f"{{ ?this {sparql_term(p)} ?ogpkg_o }}")
        for p in t.objects_of:
            branches.append(f"{{ ?ogpkg_s {sparql_term(p)} ?this }}")
        for select, pfx in t.sparql:
            _merge_prefixes(prefixes, pfx, shape)
            branches.append(f"{{ {select} }}")
        if branches and self.focus_graphs is not None:
            test = self._graph_pattern("?this ?ogpkg_gp ?ogpkg_go")
            branches = [f"{{ {' UNION '.join(branches)} FILTER EXISTS {{ {test} }} }}"]
        body = " UNION ".join(restricted + branches)
        focus = Focus(f"{{ SELECT DISTINCT ?this WHERE {{ {body} }} }}", 0,
                      tuple(sorted(prefixes.items())))
        focus = self._settle(shape, focus)
        self._focus[shape.id] = focus
        return focus

    def _settle(self, shape: ShapeDef, focus: Focus) -> Focus:
        """Count the focus set; a small one of IRIs is inlined as VALUES."""
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {focus.pattern}", focus.prefixes)
        value = rows[0].get("n") if rows else None
        size = int(value.toPython()) if isinstance(value, Literal) else -1
        self._sizes[shape.id] = size
        if size == 0:  # still run every query: a SPARQL constraint that cannot run fails
            return Focus("{ VALUES ?this { } }", 0, focus.prefixes)
        if 0 < size <= self.INLINE_LIMIT:
            nodes = [r["this"] for r in self.select(f"SELECT ?this WHERE {focus.pattern}",
                                                    focus.prefixes)]
            if all(isinstance(n, URIRef) for n in nodes):
                listed = " ".join(nt(n) for n in sorted(nodes, key=str))
                return Focus(f"{{ VALUES ?this {{ {listed} }} }}", 0, focus.prefixes, size)
        return Focus(focus.pattern, 0, focus.prefixes, size)

    def evaluate(self, shape: ShapeDef, focus: Focus, stack: tuple[str, ...]) -> list[Finding]:
        """Findings of ``shape`` (and its property shapes) over ``focus``."""
        if shape.deactivated or shape.id in stack:
            return []
        stack = (*stack, shape.id)
        found: list[Finding] = []
        for constraint in shape.constraints:
            found.extend(constraint.evaluate(self, shape, focus, stack))
        for child in shape.properties:
            found.extend(self._child(shape, child, focus, stack))
        return found

    def failing(self, shape: ShapeDef, focus: Focus, stack: tuple[str, ...], *,
                any_result: bool = False) -> set[Key]:
        """Keys of ``focus`` that do not conform to ``shape`` (any result: for sh:node)."""
        return {f.key for f in self.evaluate(shape, focus, stack)
                if any_result or f.blocking}


def _merge_prefixes(into: dict[str, str], new: dict[str, str], shape: ShapeDef) -> None:
    for p, ns in new.items():
        if into.setdefault(p, ns) != ns:
            raise ConfigError(f"shape {shape.label()}: prefix '{p}' is declared twice with "
                              f"different namespaces ({into[p]}, {ns})")


# --------------------------------------------------------------------------- constraints

class Constraint:
    """A constraint component of one shape; evaluates over a whole focus set."""

    component = ""

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        raise NotImplementedError

    def messages(self) -> dict[str, str]:
        """The built-in messages of this constraint (used when the shape has no sh:message)."""
        return generated_messages(self.component)

    def messages_for(self, component: str) -> dict[str, str]:
        """Built-in messages for one of the components this constraint reports."""
        return self.messages()

    def _rows(self, ev: Evaluator, shape: ShapeDef, focus: Focus, condition: str,
              extra: str = "") -> list[Row]:
        query = (f"SELECT DISTINCT {focus.proj} ?value {extra} WHERE "
                 f"{{ {ev.value_pattern(shape, focus)} {condition} }}")
        return ev.select(query, focus.prefixes)

    def _value_findings(self, ev: Evaluator, shape: ShapeDef, focus: Focus, condition: str,
                        check: Callable[[Node], bool] | None = None) -> list[Finding]:
        """One finding per row of ``condition`` whose value fails ``check`` (when given)."""
        out = []
        for row in self._rows(ev, shape, focus, condition):
            value = row["value"]
            if check is None or not check(value):
                out.append(shape.finding(focus.key(row), self.component, value,
                                         default=self.messages()))
        return out


@dataclass
class ClassConstraint(Constraint):
    """``sh:class``: each class is a constraint of its own (one result per class missed)."""

    classes: list[Node]
    component = "ClassConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, ", ".join(show(c) for c in self.classes))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        out = []
        for c in self.classes:
            cond = f"FILTER NOT EXISTS {{ {ev.instance_test('?value', c)} }}"
            default = generated_messages(self.component, show(c))
            out += [shape.finding(focus.key(row), self.component, row["value"], default=default)
                    for row in self._rows(ev, shape, focus, cond)]
        return out


#: derived integer types the store keeps as xsd:integer, with their (min, max)
INTEGER_RANGES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.nonNegativeInteger: (0, None), XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0), XSD.negativeInteger: (None, -1),
    XSD.long: (-2**63, 2**63 - 1), XSD.int: (-2**31, 2**31 - 1),
    XSD.short: (-2**15, 2**15 - 1), XSD.byte: (-2**7, 2**7 - 1),
    XSD.unsignedLong: (0, 2**64 - 1), XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1), XSD.unsignedByte: (0, 2**8 - 1),
}
#: datatypes the SPARQL engine casts to; a literal equal to the cast of its string is valid
CASTABLE = frozenset(XSD[t] for t in (
    "integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time", "duration",
    "dayTimeDuration", "yearMonthDuration", "gYear", "gYearMonth", "gMonth", "gDay",
    "gMonthDay"))


def _actual_datatype(value: Literal, dt: Node) -> bool:
    """pySHACL's check that a literal's Python value has the datatype's Python type."""
    import datetime as _dt
    v = value.value
    if dt in (XSD.string, RDF.langString):
        return isinstance(v, str | bytes)
    kinds: dict[Node, Any] = {XSD.integer: int, XSD.float: float, XSD.decimal: Decimal,
                              XSD.boolean: bool, XSD.date: _dt.date, XSD.time: _dt.time,
                              XSD.dateTime: _dt.datetime}
    return isinstance(v, kinds[dt]) if dt in kinds else True


def datatype_matches(value: Node, dt: Node) -> bool:
    """pySHACL's sh:datatype test, plus store-collapsed derived integer types."""
    if not isinstance(value, Literal):
        return False
    if dt in INTEGER_RANGES and value.datatype == XSD.integer and not value.ill_typed:
        low, high = INTEGER_RANGES[dt]  # type: ignore[index]
        n = int(value.toPython())
        return (low is None or n >= low) and (high is None or n <= high)
    if dt == XSD.dateTimeStamp and value.datatype == XSD.dateTime and not value.ill_typed:
        return getattr(value.value, "tzinfo", None) is not None
    if value.datatype == dt:
        if dt == XSD.boolean and str(value) not in ("true", "false", "1", "0"):
            return False  # rdflib reads any other text as false
        return value.ill_typed is not True and _actual_datatype(value, dt)
    if dt == RDFS.Literal:
        return True
    if dt == RDFS.Datatype and value.datatype:
        return True
    if value.datatype is None and value.language is None and dt == XSD.string:
        return _actual_datatype(value, dt)
    return bool(dt == RDF.langString and value.language and _actual_datatype(value, dt))


@dataclass
class DatatypeConstraint(Constraint):
    datatype: Node
    component = "DatatypeConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, show(self.datatype))

    def ok_expression(self) -> str:
        """A SPARQL test true only for values that certainly match (the rest go to Python)."""
        dt = self.datatype
        if dt == RDFS.Literal:
            return "isLiteral(?value)"
        if dt == RDF.langString:
            return 'LANG(?value) != ""'
        if dt == RDFS.Datatype:
            return f'isLiteral(?value) && LANG(?value) = "" && DATATYPE(?value) != {nt(XSD.string)}'
        if dt == XSD.string:
            return f"isLiteral(?value) && DATATYPE(?value) = {nt(XSD.string)}"
        if dt in INTEGER_RANGES:
            low, high = INTEGER_RANGES[dt]  # type: ignore[index]
            test = f"DATATYPE(?value) = {nt(XSD.integer)}"
            test += f" && ?value >= {low}" if low is not None else ""
            test += f" && ?value <= {high}" if high is not None else ""
            return test
        if dt == XSD.dateTimeStamp:
            return f'DATATYPE(?value) = {nt(XSD.dateTime)} && TZ(?value) != ""'
        if dt in CASTABLE:
            test = f"DATATYPE(?value) = {nt(dt)} && sameTerm(?value, {nt(dt)}(STR(?value)))"
            if dt in (XSD.date, XSD.dateTime):  # Python's dates stop at years 1 and 9999
                test += ' && REGEX(STR(?value), "^[0-9]{4}-") && !STRSTARTS(STR(?value), "0000")'
            return test
        return "false"

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        if ev.originals is not None and self.datatype in INTEGER_RANGES and shape.path:
            return self._as_written(ev, shape, focus)
        cond = f"FILTER(!COALESCE({self.ok_expression()}, false))"
        return self._value_findings(ev, shape, focus, cond,
                                    lambda v: datatype_matches(v, self.datatype))

    def _as_written(self, ev: Evaluator, shape: ShapeDef, focus: Focus) -> list[Finding]:
        """A derived integer type checked on the literals as the data wrote them: the store
        cannot tell ``"5"^^xsd:integer`` from ``"5"^^xsd:byte``, the data can."""
        assert ev.originals is not None and shape.path is not None
        out = []
        for row in self._rows(ev, shape, focus, "FILTER(isLiteral(?value))"):
            for lit in ev.originals(row["this"], shape.path, row["value"]):
                if not (isinstance(lit, Literal) and lit.datatype == self.datatype
                        and not lit.ill_typed):
                    out.append(shape.finding(focus.key(row), self.component, lit,
                                             default=self.messages()))
        non_literals = self._rows(ev, shape, focus, "FILTER(!isLiteral(?value))")
        return out + [shape.finding(focus.key(r), self.component, r["value"],
                                    default=self.messages()) for r in non_literals]


_NODE_KINDS = {
    SH.IRI: "isIRI(?value)", SH.BlankNode: "isBlank(?value)", SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}


@dataclass
class NodeKindConstraint(Constraint):
    kind: Node
    component = "NodeKindConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, show(self.kind))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        test = _NODE_KINDS.get(self.kind, "false")  # type: ignore[call-overload]
        return self._value_findings(ev, shape, focus, f"FILTER(!{test})")


@dataclass
class CountConstraint(Constraint):
    count: int
    minimum: bool

    @property
    def component(self) -> str:  # type: ignore[override]
        return "MinCountConstraintComponent" if self.minimum else "MaxCountConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, str(self.count))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        n = self.count
        if shape.path is None:  # a node shape has exactly one value node: itself
            if (self.minimum and n <= 1) or (not self.minimum and n >= 1):
                return []
            query = f"SELECT {focus.proj} WHERE {focus.pattern}"
        elif self.minimum and n == 0:
            return []
        elif self.minimum and n == 1:
            query = (f"SELECT {focus.proj} WHERE {{ {focus.pattern} FILTER NOT EXISTS "
                     f"{{ ?this {shape.path.sparql} ?ogpkg_any }} }}")
        elif self.minimum:
            query = (f"SELECT {focus.proj} WHERE {{ {focus.pattern} OPTIONAL {{ ?this "
                     f"{shape.path.sparql} ?value }} }} GROUP BY {focus.proj} "
                     f"HAVING (COUNT(DISTINCT ?value) < {n})")
        else:
            query = (f"SELECT {focus.proj} WHERE {{ {ev.value_pattern(shape, focus)} }} "
                     f"GROUP BY {focus.proj} HAVING (COUNT(DISTINCT ?value) > {n})")
        return [shape.finding(focus.key(r), self.component, default=self.messages())
                for r in ev.select(query, focus.prefixes)]


#: datatypes whose SPARQL and Python orderings agree when both sides share the datatype
_ORDERED = frozenset({XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.date, XSD.dateTime,
                      XSD.time, XSD.string})
_TEMPORAL = frozenset({XSD.date, XSD.dateTime, XSD.time})
_EXACT_NUMERIC = frozenset({XSD.integer, XSD.decimal})


def _store_datatype(lit: Literal) -> Node:
    if lit.language:
        return RDF.langString
    dt = lit.datatype or XSD.string
    return XSD.integer if dt in INTEGER_RANGES else dt


def compare_literal(l1: Literal, l2: Literal) -> int:
    """pySHACL's literal ordering (raises TypeError when the two do not compare)."""
    import datetime as _dt
    if l1.eq(l2):
        return 0
    if l1.value.__class__ in (_dt.datetime, _dt.time):
        if l1.value == l2.value:
            return 0
        if l1.value > l2.value:
            return 1
    elif l1 > l2:
        return 1
    return -1


_RANGE_OPS = {"minInclusive": (">=", lambda c: c >= 0), "minExclusive": (">", lambda c: c > 0),
              "maxInclusive": ("<=", lambda c: c <= 0), "maxExclusive": ("<", lambda c: c < 0)}


@dataclass
class RangeConstraint(Constraint):
    kind: str
    bound: Literal

    @property
    def component(self) -> str:  # type: ignore[override]
        return self.kind[0].upper() + self.kind[1:] + "ConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, show(self.bound))

    def passes(self, value: Node) -> bool:
        """pySHACL's range test for one value node."""
        if not isinstance(value, Literal):
            return False
        bound_is_string = isinstance(self.bound.value, str)
        if bound_is_string != isinstance(value.value, str):
            return False
        try:
            return bool(_RANGE_OPS[self.kind][1](compare_literal(value, self.bound)))
        except (TypeError, NotImplementedError):
            return False

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        op = _RANGE_OPS[self.kind][0]
        dt = _store_datatype(self.bound)
        ok = "false"
        if dt in _ORDERED and not self.bound.ill_typed and not (
                dt in _TEMPORAL and getattr(self.bound.value, "tzinfo", None) is not None):
            same = (f"DATATYPE(?value) IN ({nt(XSD.integer)}, {nt(XSD.decimal)})"
                    if dt in _EXACT_NUMERIC else f"DATATYPE(?value) = {nt(dt)}")
            tz = ' && TZ(?value) = ""' if dt in _TEMPORAL else ""
            ok = f"isLiteral(?value) && {same}{tz} && ?value {op} {sparql_term(self.bound)}"
        return self._value_findings(ev, shape, focus, f"FILTER(!COALESCE({ok}, false))",
                                    self.passes)


@dataclass
class LengthConstraint(Constraint):
    length: int
    minimum: bool

    @property
    def component(self) -> str:  # type: ignore[override]
        return "MinLengthConstraintComponent" if self.minimum else "MaxLengthConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, str(self.length))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        if self.minimum and self.length == 0:
            return []
        op = "<" if self.minimum else ">"
        cond = f"FILTER(isBlank(?value) || STRLEN(STR(?value)) {op} {self.length})"
        return self._value_findings(ev, shape, focus, cond)


def _sparql_string(text: str) -> str:
    return f'"{_escape(text)}"'


@dataclass
class PatternConstraint(Constraint):
    pattern: str
    flags: str
    component = "PatternConstraintComponent"

    def __post_init__(self) -> None:
        re_flags = (re.I if "i" in self.flags else 0) | (re.M if "m" in self.flags else 0)
        try:
            self.regex = re.compile(self.pattern, re_flags)
        except re.error as exc:
            raise ConfigError(f"sh:pattern {self.pattern!r} is not a valid regular "
                              f"expression: {exc}") from None

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, self.pattern)

    def matches(self, value: Node) -> bool:
        if isinstance(value, BNode):
            return False
        return self.regex.search(str(value)) is not None

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        flags = "".join(f for f in "im" if f in self.flags)
        test = f"REGEX(STR(?value), {_sparql_string(self.pattern)}, {_sparql_string(flags)})"
        cond = f"FILTER(isBlank(?value) || !COALESCE({test}, false))"
        return self._value_findings(ev, shape, focus, cond, self.matches)


@dataclass
class LanguageInConstraint(Constraint):
    languages: list[str]
    component = "LanguageInConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, ", ".join(self.languages))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        langs = [lang.lower() for lang in self.languages]
        if "*" in langs:
            ok = 'LANG(?value) != ""'
        else:
            listed = ", ".join(_sparql_string(lang) for lang in langs) or '""'
            ok = (f'LANG(?value) != "" && (LCASE(LANG(?value)) IN ({listed}) || '
                  f'LCASE(STRBEFORE(CONCAT(LANG(?value), "-"), "-")) IN ({listed}))')
        return self._value_findings(ev, shape, focus, f"FILTER(!COALESCE({ok}, false))")


@dataclass
class UniqueLangConstraint(Constraint):
    component = "UniqueLangConstraintComponent"

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        if shape.path is None:
            return []
        query = (f"SELECT {focus.proj} WHERE {{ {ev.value_pattern(shape, focus)} "
                 'FILTER(isLiteral(?value) && LANG(?value) != "") } '
                 f"GROUP BY {focus.proj} (LCASE(LANG(?value)) AS ?ogpkg_lang) "
                 "HAVING (COUNT(DISTINCT ?value) > 1)")
        return [shape.finding(focus.key(r), self.component, default=self.messages())
                for r in ev.select(query, focus.prefixes)]


@dataclass
class InConstraint(Constraint):
    members: list[Node]
    component = "InConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, ", ".join(show(m) for m in self.members))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        tests = " || ".join(f"sameTerm(?value, {sparql_term(m)})" for m in self.members)
        return self._value_findings(ev, shape, focus, f"FILTER(!({tests or 'false'}))")


@dataclass
class HasValueConstraint(Constraint):
    value: Node
    component = "HasValueConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, show(self.value))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        term = sparql_term(self.value)
        if shape.path is None:
            cond = f"FILTER(!sameTerm(?this, {term}))"
        else:
            cond = f"FILTER NOT EXISTS {{ ?this {shape.path.sparql} {term} }}"
        query = f"SELECT DISTINCT {focus.proj} WHERE {{ {focus.pattern} {cond} }}"
        return [shape.finding(focus.key(r), self.component, default=self.messages())
                for r in ev.select(query, focus.prefixes)]


def _ordering_ok(strict: bool) -> str:
    """SPARQL test true only where SPARQL and pySHACL agree that ?value < (<=) ?other."""
    op = "<" if strict else "<="
    return (f"isLiteral(?value) && isLiteral(?other) && DATATYPE(?value) = DATATYPE(?other) "
            f"&& DATATYPE(?value) IN ({', '.join(nt(d) for d in sorted(_ORDERED))}) "
            f'&& TZ(?value) = "" && TZ(?other) = "" && ?value {op} ?other')


def pair_less(value: Node, other: Node, strict: bool) -> bool:
    """pySHACL's sh:lessThan(OrEquals) test for one pair (incomparable pairs fail)."""
    if isinstance(value, BNode) or isinstance(other, BNode):
        return False

    def unwrap(node: Node) -> tuple[Any, bool]:
        if isinstance(node, URIRef):
            return str(node), True
        if isinstance(node, Literal) and isinstance(node.value, str):
            return node.value, True
        return node, False

    a, a_str = unwrap(value)
    b, b_str = unwrap(other)
    if a_str != b_str:
        return False
    try:
        return bool(a < b if strict else a <= b)
    except TypeError:
        return False


@dataclass
class PairConstraint(Constraint):
    kind: str
    predicate: Node

    @property
    def component(self) -> str:  # type: ignore[override]
        return self.kind[0].upper() + self.kind[1:] + "ConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, show(self.predicate))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        p = sparql_term(self.predicate)
        if self.kind == "disjoint":
            return self._value_findings(ev, shape, focus, f"?this {p} ?value .")
        if self.kind == "equals":
            out = self._value_findings(ev, shape, focus,
                                       f"FILTER NOT EXISTS {{ ?this {p} ?value }}")
            mine = ("FILTER(!sameTerm(?value, ?this))" if shape.path is None else
                    f"FILTER NOT EXISTS {{ ?this {shape.path.sparql} ?value }}")
            query = (f"SELECT DISTINCT {focus.proj} ?value WHERE {{ {focus.pattern} "
                     f"?this {p} ?value . {mine} }}")
            out += [shape.finding(focus.key(r), self.component, r["value"],
                                  default=self.messages())
                    for r in ev.select(query, focus.prefixes)]
            return out
        strict = self.kind == "lessThan"
        cond = f"?this {p} ?other . FILTER(!COALESCE({_ordering_ok(strict)}, false))"
        return [shape.finding(focus.key(r), self.component, r["value"], default=self.messages())
                for r in self._rows(ev, shape, focus, cond, "?other")
                if not pair_less(r["value"], r["other"], strict)]


@dataclass
class ClosedConstraint(Constraint):
    allowed: list[Node]
    component = "ClosedConstraintComponent"

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        allowed = ", ".join(sparql_term(p) for p in self.allowed if not isinstance(p, BNode))
        query = (f"SELECT DISTINCT {focus.proj} ?ogpkg_p ?value WHERE {{ "
                 f"{ev.value_pattern(shape, focus, '?ogpkg_vn')} "
                 f"?ogpkg_vn ?ogpkg_p ?value . FILTER(?ogpkg_p NOT IN ({allowed})) "
                 f"FILTER(!(sameTerm(?ogpkg_p, {nt(RDF.type)}) && "
                 f"sameTerm(?value, {nt(RDFS.Resource)}))) }}")
        return [shape.finding(focus.key(r), self.component, r["value"],
                              path=PropertyPath.of_iri(str(r["ogpkg_p"])), default=self.messages())
                for r in ev.select(query, focus.prefixes)]


# -- shape-based constraints


@dataclass
class NodeConstraint(Constraint):
    shapes: list[ShapeDef]
    component = "NodeConstraintComponent"

    def messages(self) -> dict[str, str]:
        return generated_messages(self.component, ", ".join(s.label() for s in self.shapes))

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        nested = values_focus(shape, focus)
        out = []
        for target in self.shapes:
            if target.id in stack:
                continue
            for key in ev.failing(target, nested, stack, any_result=True):
                ctx, f, value = parent_key(key)
                out.append(shape.finding((ctx, f), self.component, value,
                                         default=self.messages()))
        return out


@dataclass
class LogicalConstraint(Constraint):
    kind: str  # and | or | xone | not
    lists: list[list[ShapeDef]]

    @property
    def component(self) -> str:  # type: ignore[override]
        return self.kind.capitalize() + "ConstraintComponent"

    def messages(self) -> dict[str, str]:
        names = "; ".join(", ".join(m.label() for m in members) for members in self.lists)
        return generated_messages(self.component, names)

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        nested = values_focus(shape, focus)
        out = []
        for members in self.lists:
            members = [m for m in members if not m.deactivated]
            if not members or any(m.id in stack for m in members):
                continue
            fails = [ev.failing(m, nested, stack) for m in members]
            if self.kind == "and":
                bad = set().union(*fails)
            elif self.kind == "or":
                bad = set.intersection(*fails)
            else:
                everything = ev.keys(nested)
                if self.kind == "not":
                    bad = everything - fails[0]
                else:
                    bad = {k for k in everything if sum(k not in f for f in fails) != 1}
            for key in bad:
                ctx, f, value = parent_key(key)
                out.append(shape.finding((ctx, f), self.component, value,
                                         default=self.messages()))
        return out


@dataclass
class QualifiedConstraint(Constraint):
    value_shape: ShapeDef
    min_count: int | None
    max_count: int | None
    siblings: list[ShapeDef]
    component = "QualifiedValueShapeConstraintComponent"

    def messages_for(self, component: str) -> dict[str, str]:
        local = component.rsplit("#", 1)[-1]
        count = self.min_count if local.startswith("QualifiedMin") else self.max_count
        return generated_messages(local, str(count), self.value_shape.label())

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        if shape.path is None or self.value_shape.id in stack:
            return []
        nested = values_focus(shape, focus)
        conforming = ev.keys(nested) - ev.failing(self.value_shape, nested, stack)
        for sibling in self.siblings:
            conforming -= ev.keys(nested) - ev.failing(sibling, nested, stack)
        counts: dict[tuple[tuple[Node, ...], Node], int] = {}
        for key in conforming:
            ctx, f, _ = parent_key(key)
            counts[(ctx, f)] = counts.get((ctx, f), 0) + 1
        parents = ev.keys(focus) if self.min_count else set(counts)
        out = []
        for key in parents:
            n = counts.get(key, 0)
            for component, bad in (
                    ("QualifiedMaxCountConstraintComponent",
                     self.max_count is not None and n > self.max_count),
                    ("QualifiedMinCountConstraintComponent",
                     self.min_count is not None and n < self.min_count)):
                if bad:
                    out.append(shape.finding(key, component,
                                             default=self.messages_for(component)))
        return out


# -- SHACL-SPARQL

_MASK = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                   r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*',
                   re.DOTALL)
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I)
_AGGREGATE = re.compile(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", re.I)
_BIND_PATH = re.compile(r"([\s{}()])[$?]PATH\b")
_EXISTS_FILTER = re.compile(r"\bFILTER\s*(NOT\s+)?EXISTS\s*\{", re.I)
_VARIABLE = re.compile(r"[?$]([A-Za-z_0-9]\w*)")
_SPECIAL_VARIABLES = frozenset({"this", "value", "PATH", "currentShape", "shapesGraph"})


#: variables that SHACL-SPARQL binds before a constraint's query runs
PREBOUND = frozenset({"this", "currentShape", "shapesGraph"})
_SUBQUERY = re.compile(r"\bSELECT\b(?P<projection>.*?)(?=\bWHERE\b|\{)", re.I | re.S)


def check_prebinding(query: str, where: str, prebound: Iterable[str]) -> None:
    """Refuse what SHACL 5.2.1 forbids in a query with pre-bound variables: MINUS, SERVICE,
    VALUES, assigning a pre-bound variable, and a subquery that does not return ``$this``.
    Raises :class:`ConfigError` naming ``where``."""
    masked = _masked(query)
    keyword = re.search(r"\b(MINUS|SERVICE|VALUES)\b", masked, re.I)
    if keyword:
        raise ConfigError(f"{where}: {keyword.group(1).upper()} is not allowed in a SHACL "
                          "query with pre-bound variables (SHACL 5.2.1)")
    names = "|".join(re.escape(n) for n in sorted(prebound))
    assigned = re.search(rf"\bAS\s+[?$]({names})\b", masked)
    if assigned:
        raise ConfigError(f"{where}: the query assigns ${assigned.group(1)}, which SHACL binds "
                          "before the query runs (SHACL 5.2.1)")
    outer = re.search(r"\b(SELECT|ASK)\b", masked, re.I)
    start = outer.end() if outer else 0
    for sub in _SUBQUERY.finditer(masked, start):
        if not re.search(r"[?$]this\b", sub.group("projection")):
            raise ConfigError(f"{where}: a subquery must return $this (SHACL 5.2.1)")


def _masked(text: str) -> str:
    """``text`` with strings, IRIs and comments blanked out (same length)."""
    return _MASK.sub(lambda m: " " * len(m.group()), text)


@dataclass
class SparqlSelect:
    """One ``sh:sparql`` constraint: its SELECT split around the outer WHERE group."""

    node: Node
    prefixes: dict[str, str]
    messages: dict[str, str]
    modifier: str
    projection: str
    body: str
    tail: str
    uses_current_shape: bool

    @classmethod
    def parse(cls, node: Node, select: str, prefixes: dict[str, str],
              messages: dict[str, str], where: str, *, target: bool = False) -> SparqlSelect:
        """Split ``select``; raises :class:`ConfigError` naming ``where`` when it cannot.

        A ``target`` query runs once as it is, so it may use LIMIT and OFFSET.
        """
        masked = _masked(select)
        m = re.search(r"\bSELECT\b", masked, re.I)
        if m is None:
            raise ConfigError(f"{where}: sh:select is not a SELECT query")
        prefixes = dict(prefixes)
        for p, ns in _PREFIX_DECL.findall(select[:m.start()]):
            prefixes[p] = ns
        depth, start = 0, -1
        for i in range(m.end(), len(masked)):
            if masked[i] == "(":
                depth += 1
            elif masked[i] == ")":
                depth -= 1
            elif masked[i] == "{" and depth == 0:
                start = i
                break
        if start < 0:
            raise ConfigError(f"{where}: sh:select has no WHERE group")
        depth, end = 0, -1
        for i in range(start, len(masked)):
            if masked[i] == "{":
                depth += 1
            elif masked[i] == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        if end < 0:
            raise ConfigError(f"{where}: sh:select has unbalanced braces")
        head = select[m.end():start]
        head = re.sub(r"\bWHERE\s*$", "", head.rstrip(), flags=re.I).strip()
        mod = re.match(r"(DISTINCT|REDUCED)\b", head, re.I)
        modifier = mod.group(1).upper() if mod else ""
        projection = head[mod.end():].strip() if mod else head
        tail = select[end + 1:]
        if not target and re.search(r"\b(LIMIT|OFFSET)\b", _masked(tail), re.I):
            raise ConfigError(f"{where}: LIMIT and OFFSET cannot be checked for all focus "
                              "nodes at once; rewrite the query without them")
        if re.search(r"[$?]shapesGraph\b", _masked(select)):
            raise ConfigError(f"{where}: $shapesGraph is not supported")
        if not target:
            check_prebinding(select, where, PREBOUND)
        return cls(node, prefixes, messages, modifier, projection, select[start + 1:end], tail,
                   bool(re.search(r"[$?]currentShape\b", _masked(select))))

    @property
    def nested_this(self) -> bool:
        """Whether a group nested in the query (a plain group, a UNION branch, a subquery)
        reads ``$this`` only in expressions (FILTER, BIND) without matching it in a triple
        pattern: a join with the focus nodes does not reach there, SHACL's pre-binding does.
        EXISTS, OPTIONAL and GRAPH groups see the focus node as a join does."""
        masked = _masked(self.body)
        # per open group: [plain group?, reads $this in an expression, matches $this]
        stack: list[list[bool]] = []
        parens = [0]
        for m in re.finditer(r"\{|\}|\(|\)|[?$]this\b", masked):
            token = m.group()
            if token == "{":
                before = masked[:m.start()].rstrip()
                plain = not re.search(r"(\bEXISTS|\bOPTIONAL|\bGRAPH\s+\S+)$", before, re.I)
                stack.append([plain, False, False])
                parens.append(0)
            elif token == "}":
                if stack:
                    plain, read, matched = stack.pop()
                    parens.pop()
                    if plain and read and not matched:
                        return True
            elif token in "()":
                parens[-1] += 1 if token == "(" else -1
            elif stack:
                stack[-1][1 if parens[-1] > 0 else 2] = True
        return False

    def substituted(self, shape: ShapeDef, this: Node) -> str:
        """The query for one focus node, ``$this`` written in as ``this`` (a term)."""
        term = sparql_term(this)

        def fill(text: str) -> str:
            masked = _masked(text)
            out, last = [], 0
            pattern = r"\bbound\s*\(\s*[?$]this\s*\)|[?$]this\b"
            for m in re.finditer(pattern, masked, re.I):
                out += [text[last:m.start()], "(true)" if m.group().lower().startswith(
                    "bound") else term]
                last = m.end()
            return "".join(out) + text[last:]

        body = self.body
        masked = _masked(body)
        for sub in reversed(list(_SUBQUERY.finditer(masked))):
            a, b = sub.span("projection")
            projection = re.sub(r"[?$]this\b", "", body[a:b])
            modifier = re.match(r"\s*(DISTINCT|REDUCED)?\s*", projection, re.I)
            rest = projection[modifier.end():] if modifier else projection
            if not rest.strip():
                projection = projection + " * "
            body = body[:a] + projection + body[b:]
        if shape.path is not None:
            body = _BIND_PATH.sub(lambda m: m.group(1) + shape.path.sparql,  # type: ignore[union-attr]
                                  body)
        projection = re.sub(r"[?$]this\b", "", self.projection).strip() or "*"
        current = ""
        if self.uses_current_shape:
            current = f"BIND({sparql_term(shape.node)} AS ?currentShape)"
        return (f"SELECT {self.modifier} {fill(projection)} WHERE {{ {current} {fill(body)} }}"
                f"{fill(self.tail)}")

    def constant_filters(self) -> list[tuple[int, int, bool, str]]:
        """``FILTER [NOT] EXISTS`` groups at the top of the body that share no variable with
        the rest of the query: (start, end, negated, group). Their value is the same for every
        focus node, so they are decided once instead of once per solution."""
        masked_body = _masked(self.body)
        out = []
        for m in _EXISTS_FILTER.finditer(masked_body):
            if masked_body[:m.start()].count("{") != masked_body[:m.start()].count("}"):
                continue  # not at the top of the body
            depth, end = 0, -1
            for i in range(m.end() - 1, len(masked_body)):
                if masked_body[i] == "{":
                    depth += 1
                elif masked_body[i] == "}":
                    depth -= 1
                    if depth == 0:
                        end = i + 1
                        break
            if end < 0:
                continue
            inner = set(_VARIABLE.findall(masked_body[m.end() - 1:end]))
            rest = _masked(self.projection + " " + self.body[:m.start()] + " "
                           + self.body[end:] + " " + self.tail)
            if inner & _SPECIAL_VARIABLES or inner & set(_VARIABLE.findall(rest)):
                continue
            out.append((m.start(), end, bool(m.group(1)), self.body[m.end() - 1:end]))
        return out

    def query(self, shape: ShapeDef, focus: Focus,
              decided: dict[int, bool] | None = None) -> str:
        """The constraint over the whole focus set (context variables and ?this projected);
        ``decided`` gives the value of constant filters by their start in the body."""
        body = self.body
        for start, end, _, _ in reversed(self.constant_filters()):
            if decided is not None and start in decided:
                body = f"{body[:start]}FILTER({str(decided[start]).lower()}){body[end:]}"
        if shape.path is not None:
            body = _BIND_PATH.sub(lambda m: m.group(1) + shape.path.sparql,  # type: ignore[union-attr]
                                  body)
        projection = self.projection
        group_vars = ctx_vars(focus.depth)
        if projection != "*":
            if not re.search(r"[$?]this\b", _masked(projection)):
                projection = "?this " + projection
            projection = f"{ctx_vars(focus.depth)} {projection}"
        tail = self.tail
        masked_tail = _masked(tail)
        has_group = re.search(r"\bGROUP\s+BY\b", masked_tail, re.I)
        if has_group:
            extra = group_vars + ("" if re.search(r"[$?]this\b", masked_tail) else " ?this")
            tail = tail[:has_group.end()] + f" {extra} " + tail[has_group.end():]
        elif _AGGREGATE.search(_masked(projection)) or re.search(r"\bHAVING\b", masked_tail,
                                                                 re.I):
            tail = f" GROUP BY {focus.proj} " + tail
        current = ""
        if self.uses_current_shape:
            current = f"BIND({sparql_term(shape.node)} AS ?currentShape)"
        return (f"SELECT {self.modifier} {projection} WHERE {{ {focus.pattern} {current} "
                f"{body} }}{tail}")


def fill_message(text: str, row: Row) -> str:
    """``{?var}`` and ``{$var}`` in a message replaced by the row's values."""
    def sub(m: re.Match[str]) -> str:
        value = row.get(m.group(1))
        return m.group(0) if value is None else str(value)
    return re.sub(r"\{[?$]([A-Za-z_][\w]*)\}", sub, text)


@dataclass
class SparqlConstraint(Constraint):
    """``sh:sparql`` constraints, or the SELECT validator of a custom constraint component
    (``component_iri`` and ``bindings``, its parameters' values, for messages)."""

    selects: list[SparqlSelect]
    component = "SPARQLConstraintComponent"
    component_iri: str = str(SH.SPARQLConstraintComponent)
    bindings: dict[str, Node] = field(default_factory=dict)

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        out = []
        for sel in self.selects:
            prefixes = dict(focus.prefixes)
            _merge_prefixes(prefixes, sel.prefixes, shape)
            try:
                decided = {start: ev.constant(f"SELECT (1 AS ?ogpkg_hit) WHERE {{ {group} }} "
                                              "LIMIT 1", sorted(prefixes.items())) != negated
                           for start, _, negated, group in sel.constant_filters()}
                if sel.nested_this:
                    rows = _one_by_one(ev, sel, shape, focus, sorted(prefixes.items()))
                else:
                    rows = ev.select(sel.query(shape, focus, decided), sorted(prefixes.items()))
            except InputError as exc:
                raise ConfigError(f"shape {shape.label()}, sh:sparql {show(sel.node)}: the "
                                  f"query cannot run: {exc}") from None
            seen: set[Any] = set()
            for row in rows:
                key = focus.key(row)
                if "failure" in row:
                    row = {k: v for k, v in row.items() if k in ("this",) or k.startswith(CTX)}
                ident = (key, frozenset(row.items()))
                if ident in seen:
                    continue
                seen.add(ident)
                value = row.get("value")
                if value is None and shape.path is None:
                    value = key[1]
                path = row.get("path")
                templates = dict(shape.messages)
                templates.update(sel.messages)
                if templates:
                    bound = {**self.bindings, **row}
                    bound = {**bound, "value": value} if value is not None else bound
                    messages = {lang: fill_message(t, bound) for lang, t in templates.items()}
                elif isinstance(message := row.get("message"), Literal):
                    messages = {message.language or "": str(message)}
                else:
                    messages = generated_messages(self.component, show(sel.node))
                out.append(Finding(key[0], key[1], value,
                                   PropertyPath.of_iri(str(path)) if isinstance(path, URIRef)
                                   else shape.path, shape, self.component_iri, messages,
                                   shape.blocking))
        return out


def _one_by_one(ev: Evaluator, sel: SparqlSelect, shape: ShapeDef, focus: Focus,
                prefixes: list[tuple[str, str]]) -> list[Row]:
    """Rows of a query that reads ``$this`` where a join cannot bind it (a nested group, a
    UNION branch, a subquery): run once per focus node with ``$this`` written in (SHACL's
    pre-binding). A blank focus node cannot be written in; it is joined as usual."""
    keys = ev.keys(focus)
    rows: list[Row] = []
    if any(isinstance(this, BNode) for _, this in keys):
        rows += [r for r in ev.select(sel.query(shape, focus), prefixes)
                 if isinstance(r.get("this"), BNode)]
    for ctx, this in sorted((k for k in keys if not isinstance(k[1], BNode)), key=str):
        context = {f"{CTX}{i}": node for i, node in enumerate(ctx)}
        rows += [{**r, **context, "this": this}
                 for r in ev.select(sel.substituted(shape, this), prefixes)]
    return rows


def bind_parameters(query: str, bindings: dict[str, Node]) -> str:
    """``query`` with each ``$name``/``?name`` of ``bindings`` replaced by its value (outside
    strings, IRIs and comments)."""
    if not bindings:
        return query
    masked = _masked(query)
    names = "|".join(re.escape(n) for n in sorted(bindings))
    out, last = [], 0
    for m in re.finditer(rf"[?$]({names})\b", masked):
        out += [query[last:m.start()], sparql_term(bindings[m.group(1)])]
        last = m.end()
    return "".join(out) + query[last:]


@dataclass
class AskConstraint(Constraint):
    """The ASK validator of a custom constraint component: a value node is reported when the
    query, with ``$this``, ``$value`` and the parameters bound, answers false."""

    component_iri: str
    body: str
    prefixes: dict[str, str]
    templates: dict[str, str]
    bindings: dict[str, Node]

    def evaluate(self, ev: Evaluator, shape: ShapeDef, focus: Focus,
                 stack: tuple[str, ...]) -> list[Finding]:
        prefixes = dict(focus.prefixes)
        _merge_prefixes(prefixes, self.prefixes, shape)
        query = (f"SELECT DISTINCT {focus.proj} ?value WHERE {{ "
                 f"{ev.value_pattern(shape, focus)} FILTER NOT EXISTS {{ {self.body} }} }}")
        try:
            rows = ev.select(query, sorted(prefixes.items()))
        except InputError as exc:
            raise ConfigError(f"shape {shape.label()}, {compact(self.component_iri)}: the "
                              f"validator cannot run: {exc}") from None
        out = []
        for row in rows:
            bound = {**self.bindings, **row}
            messages = ({lang: fill_message(t, bound) for lang, t in self.templates.items()}
                        or generated_messages(self.component_iri))
            out.append(Finding(*focus.key(row), row["value"], shape.path, shape,
                               self.component_iri, shape.messages or messages, shape.blocking))
        return out


@dataclass
class Parameter:
    """A parameter of a custom constraint component: the shape property that gives its
    value, and the variable it binds."""

    path: URIRef
    optional: bool

    @property
    def var(self) -> str:
        return re.split(r"[#/:]", str(self.path))[-1]


@dataclass
class Component:
    """A custom constraint component (SHACL 6) with its SPARQL validators."""

    node: Node
    parameters: list[Parameter]
    validator: Node | None
    node_validator: Node | None
    property_validator: Node | None


# --------------------------------------------------------------------------- compiling

_UNSUPPORTED = {SH.js: "sh:js", SH.expression: "sh:expression", SH.rule: "sh:rule"}


def _first(graph: Graph, node: Node, predicate: Node) -> Node | None:
    values = sorted(graph.objects(node, predicate), key=str)
    return values[0] if values else None


def is_true(node: Node | None) -> bool:
    """Whether ``node`` is the literal ``true`` (SHACL names ``true``; ``"1"^^xsd:boolean`` is
    another term and does not switch a parameter on)."""
    return (isinstance(node, Literal) and node.datatype == XSD.boolean
            and str(node) == "true")


def _int(graph: Graph, shape: Node, predicate: Node) -> int | None:
    value = _first(graph, shape, predicate)
    if value is None:
        return None
    if not isinstance(value, Literal) or not isinstance(value.value, int):
        raise ConfigError(f"shape {node_id(shape)}: {compact(str(predicate))} must be an "
                          f"integer, not {node_id(value)}")
    return int(value.value)


def _items(graph: Graph, node: Node) -> list[Node]:
    return list(Collection(graph, node))


class CompiledShapes:
    """Every shape of a shapes graph, compiled. Raises :class:`ConfigError` on a bad shape."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.by_node: dict[Node, ShapeDef] = {}
        self._discover()
        for shape in self.by_node.values():
            self._read(shape)
        for shape in self.by_node.values():
            self._constraints(shape)
        self.targeted = sorted((s for s in self.by_node.values() if s.targets),
                               key=lambda s: s.id)

    def __len__(self) -> int:
        return len(self.by_node)

    def get(self, node: Node) -> ShapeDef | None:
        return self.by_node.get(node)

    # -- which nodes are shapes (as pySHACL finds them)

    def _discover(self) -> None:
        g = self.graph
        self.components = self._components()
        node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
        prop_shapes = set(g.subjects(RDF.type, SH.PropertyShape))
        implied: set[Node] = set()
        for p in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf,
                  SH.property, SH.node):
            implied.update(g.subjects(p, None))
        for p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            implied.update(g.objects(None, p))
        for p in (SH["and"], SH["or"], SH.xone):
            for lst in g.objects(None, p):
                implied.update(_items(g, lst))
        for node in node_shapes | prop_shapes | implied:
            if isinstance(node, Literal):
                raise ConfigError(f"the literal {nt(node)} is used where a shape is expected")
            paths = list(g.objects(node, SH.path))
            if len(paths) > 1:
                raise ConfigError(f"shape {node_id(node)} has more than one sh:path")
            if paths and node in node_shapes:
                raise ConfigError(f"node shape {node_id(node)} cannot have a sh:path")
            if node in prop_shapes and not paths:
                raise ConfigError(f"property shape {node_id(node)} has no sh:path")
            path = parse_path(g, paths[0]) if paths else None
            self.by_node[node] = ShapeDef(node, path)

    def _components(self) -> list[Component]:
        """The custom constraint components: instances of sh:ConstraintComponent or of a
        class below it."""
        g = self.graph
        classes = set(g.transitive_subjects(RDFS.subClassOf, SH.ConstraintComponent))
        nodes = sorted({n for c in classes for n in g.subjects(RDF.type, c)}, key=str)
        out = []
        for node in nodes:
            params = []
            for param in sorted(g.objects(node, SH.parameter), key=str):
                path = g.value(param, SH.path)
                if not isinstance(path, URIRef):
                    raise ConfigError(f"constraint component {node_id(node)}: each sh:parameter "
                                      "needs an IRI as sh:path")
                params.append(Parameter(path, is_true(g.value(param, SH.optional))))
            out.append(Component(node, params, _first(g, node, SH.validator),
                                 _first(g, node, SH.nodeValidator),
                                 _first(g, node, SH.propertyValidator)))
        return out

    def _custom(self, shape: ShapeDef) -> None:
        """The constraints of the custom components whose mandatory parameters ``shape``
        has (SHACL 6.2), checked by the component's validator for that kind of shape."""
        g, n = self.graph, shape.node
        for comp in self.components:
            values = {p.var: _first(g, n, p.path) for p in comp.parameters}
            if not comp.parameters or any(values[p.var] is None and not p.optional
                                          for p in comp.parameters):
                continue
            bindings = {k: v for k, v in values.items() if v is not None}
            specific = comp.node_validator if shape.path is None else comp.property_validator
            validator = specific if specific is not None else comp.validator
            where = f"shape {shape.label()}, constraint component {show(comp.node)}"
            if validator is None:
                if (comp.node, SH.validator, None) in g or any(
                        g.objects(comp.node, p) for p in (SH.nodeValidator,
                                                          SH.propertyValidator)):
                    continue  # SHACL 6.3: no validator for this kind of shape
                raise ConfigError(f"{where}: the component has no SPARQL validator")
            messages = lang_messages(g.objects(validator, SH.message)) or lang_messages(
                g.objects(comp.node, SH.message))
            prefixes = self._prefixes(validator)
            prebound = PREBOUND | {"value"} | set(bindings)
            ask, select = _first(g, validator, SH.ask), _first(g, validator, SH.select)
            if isinstance(ask, Literal):
                check_prebinding(str(ask), where, prebound)
                text = bind_parameters(str(ask), bindings)
                masked = _masked(text)
                start, end = masked.find("{"), masked.rfind("}")
                if not re.search(r"\bASK\b", masked, re.I) or start < 0 or end < start:
                    raise ConfigError(f"{where}: sh:ask is not an ASK query")
                prefixes.update(dict(_PREFIX_DECL.findall(text[:start])))
                shape.constraints.append(AskConstraint(
                    str(comp.node), text[start + 1:end], prefixes, messages, bindings))
            elif isinstance(select, Literal):
                sel = SparqlSelect.parse(validator, bind_parameters(str(select), bindings),
                                         prefixes, messages, where)
                shape.constraints.append(SparqlConstraint([sel], str(comp.node), bindings))
            else:
                raise ConfigError(f"{where}: the validator {show(validator)} has neither "
                                  "sh:ask nor sh:select (only SPARQL validators are supported)")

    def _shape(self, node: Node, where: ShapeDef) -> ShapeDef:
        shape = self.by_node.get(node)
        if shape is None:
            raise ConfigError(f"shape {where.label()} refers to {node_id(node)}, which is "
                              "not a shape")
        return shape

    def _read(self, shape: ShapeDef) -> None:
        g, n = self.graph, shape.node
        severity = _first(g, n, SH.severity)
        shape.severity = str(severity) if severity is not None else VIOLATION
        deactivated = _first(g, n, SH.deactivated)
        shape.deactivated = is_true(deactivated)
        shape.messages = lang_messages(g.objects(n, SH.message))
        if isinstance(n, BNode):
            shape.summary = describe(g, n)
        shape.names = lang_messages(g.objects(n, SH.name)) or lang_messages(
            g.objects(n, RDFS.label))
        t = shape.targets
        t.nodes = sorted(g.objects(n, SH.targetNode), key=str)
        t.classes = sorted(g.objects(n, SH.targetClass), key=str)
        class_types = {RDFS.Class, OWL_CLASS, *g.subjects(RDFS.subClassOf, RDFS.Class)}
        if class_types & set(g.objects(n, RDF.type)):
            t.classes.append(n)
        t.subjects_of = sorted(g.objects(n, SH.targetSubjectsOf), key=str)
        t.objects_of = sorted(g.objects(n, SH.targetObjectsOf), key=str)
        for target in g.objects(n, SH.target):
            select = _first(g, target, SH.select)
            if not isinstance(select, Literal):
                raise ConfigError(f"shape {shape.label()}: only SPARQL-based targets "
                                  "(sh:target with sh:select) are supported")
            where = f"shape {shape.label()}, sh:target"
            parsed = SparqlSelect.parse(target, str(select), self._prefixes(target), {}, where,
                                        target=True)
            inner = (f"SELECT {parsed.modifier} {parsed.projection} WHERE {{ {parsed.body} }}"
                     f"{parsed.tail}")
            t.sparql.append((f"SELECT DISTINCT ?this WHERE {{ {{ {inner} }} }}",
                             parsed.prefixes))
        for prop in sorted(g.objects(n, SH.property), key=str):
            child = self._shape(prop, shape)
            if child.path is None:
                raise ConfigError(f"shape {shape.label()}: sh:property {child.id} has no sh:path")
            shape.properties.append(child)
            child.parents.append(shape)
        for predicate, name in _UNSUPPORTED.items():
            if (n, predicate, None) in g:
                raise ConfigError(f"shape {shape.label()} uses {name}, which ogpkg does not "
                                  "support")

    def _prefixes(self, node: Node) -> dict[str, str]:
        """The prefixes a SPARQL node declares through sh:prefixes (as pySHACL collects them)."""
        g = self.graph
        out = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": "http://www.w3.org/2002/07/owl#"}
        ontologies = set(g.subjects(RDF.type, OWL_ONTOLOGY))
        global_declares = {d for o in ontologies for d in g.objects(o, SH.declare)}
        for holder in g.objects(node, SH.prefixes):
            own = set(g.objects(holder, SH.declare))
            imported = list(g.objects(holder, OWL_IMPORTS))
            seen = {holder}
            while imported:  # the declarations of the ontologies it imports (SHACL 5.2.2)
                other = imported.pop()
                if other not in seen:
                    seen.add(other)
                    own |= set(g.objects(other, SH.declare))
                    imported += list(g.objects(other, OWL_IMPORTS))
            declares = own if own and holder in ontologies else global_declares | own
            for d in sorted(declares, key=str):
                prefix, namespace = g.value(d, SH.prefix), g.value(d, SH.namespace)
                if prefix is None or namespace is None:
                    raise ConfigError(f"sh:declare {node_id(d)} needs sh:prefix and sh:namespace")
                out[str(prefix)] = str(namespace)
        return out

    # -- constraint components

    def _constraints(self, shape: ShapeDef) -> None:
        g, n = self.graph, shape.node
        add = shape.constraints.append

        def objects(p: Node) -> list[Node]:
            return sorted(g.objects(n, p), key=str)

        if objects(SH["class"]):
            add(ClassConstraint(objects(SH["class"])))
        for p, cls in ((SH.datatype, DatatypeConstraint), (SH.nodeKind, NodeKindConstraint)):
            values = objects(p)
            if len(values) > 1:
                raise ConfigError(f"shape {shape.label()} has more than one {compact(str(p))}")
            if values:
                add(cls(values[0]))
        for p, minimum in ((SH.minCount, True), (SH.maxCount, False)):
            count = _int(g, n, p)
            if count is not None:
                add(CountConstraint(count, minimum))
        for kind in _RANGE_OPS:
            for bound in objects(SH[kind]):
                if not isinstance(bound, Literal):
                    raise ConfigError(f"shape {shape.label()}: sh:{kind} must be a literal")
                add(RangeConstraint(kind, bound))
        for p, minimum in ((SH.minLength, True), (SH.maxLength, False)):
            length = _int(g, n, p)
            if length is not None:
                add(LengthConstraint(length, minimum))
        flags = _first(g, n, SH.flags)
        for pattern in objects(SH.pattern):
            add(PatternConstraint(str(pattern), str(flags or "").lower()))
        for lst in objects(SH.languageIn)[:1]:
            add(LanguageInConstraint([str(x) for x in _items(g, lst)]))
        unique = _first(g, n, SH.uniqueLang)
        if is_true(unique):
            add(UniqueLangConstraint())
        for lst in objects(SH["in"])[:1]:
            add(InConstraint(_items(g, lst)))
        for value in objects(SH.hasValue):
            add(HasValueConstraint(value))
        for kind in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
            for predicate in objects(SH[kind]):
                add(PairConstraint(kind, predicate))
        closed = _first(g, n, SH.closed)
        if is_true(closed):
            allowed: list[Node] = [URIRef(c.path.iri) for c in shape.properties
                                   if c.path and c.path.iri]
            for lst in objects(SH.ignoredProperties):
                allowed.extend(_items(g, lst))
            add(ClosedConstraint(allowed))
        if objects(SH.node):
            add(NodeConstraint([self._shape(s, shape) for s in objects(SH.node)]))
        for kind in ("and", "or", "xone"):
            lists = [[self._shape(m, shape) for m in _items(g, lst)] for lst in objects(SH[kind])]
            if lists:
                add(LogicalConstraint(kind, lists))
        if objects(SH["not"]):
            add(LogicalConstraint("not", [[self._shape(s, shape)] for s in objects(SH["not"])]))
        for value_shape in objects(SH.qualifiedValueShape):
            self._qualified(shape, self._shape(value_shape, shape))
        selects = []
        for node in objects(SH.sparql):
            if is_true(_first(g, node, SH.deactivated)):
                continue
            select = _first(g, node, SH.select)
            if not isinstance(select, Literal):
                raise ConfigError(f"shape {shape.label()}: sh:sparql {node_id(node)} has no "
                                  "sh:select")
            where = f"shape {shape.label()}, sh:sparql {show(node)}"
            selects.append(SparqlSelect.parse(node, str(select), self._prefixes(node),
                                              lang_messages(g.objects(node, SH.message)), where))
        if selects:
            add(SparqlConstraint(selects))
        self._custom(shape)

    def _qualified(self, shape: ShapeDef, value_shape: ShapeDef) -> None:
        g, n = self.graph, shape.node
        low, high = _int(g, n, SH.qualifiedMinCount), _int(g, n, SH.qualifiedMaxCount)
        if low is None and high is None:
            raise ConfigError(f"shape {shape.label()}: sh:qualifiedValueShape needs "
                              "sh:qualifiedMinCount or sh:qualifiedMaxCount")
        siblings: list[ShapeDef] = []
        disjoint = _first(g, n, SH.qualifiedValueShapesDisjoint)
        if is_true(disjoint):
            for parent in g.subjects(SH.property, n):
                for prop in g.objects(parent, SH.property):
                    for sib in g.objects(prop, SH.qualifiedValueShape):
                        if sib != value_shape.node and self._shape(sib, shape) not in siblings:
                            siblings.append(self._shape(sib, shape))
        shape.constraints.append(QualifiedConstraint(value_shape, low, high, siblings))
