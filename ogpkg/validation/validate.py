"""Validation against the SHACL shapes, and the report in every format.

The only module that imports pySHACL. Two engines give the same :class:`ValidationReport`:

* :func:`validate` — the fast path: the shapes compiled once (:mod:`ogpkg.validation.compile`)
  into batched SPARQL run on the store or a :class:`~ogpkg.store.MemoryDataset`, which
  already holds the data, the ontology and the entities the data refers to;
* :func:`validate_pyshacl` — the reference: pySHACL on an rdflib dataset.

Both report the same results (compared on focus, path, value, shape, component and
severity); tests check it on fixtures, on the project's shapes and on synthetic data.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import rdflib
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from ogpkg.errors import ConfigError, InputError, Location, NotFoundError, ParseError
from ogpkg.namespaces import ONTOLOGY, ONTOLOGY_GRAPH, PREFIXES, SHAPES
from ogpkg.store import Queryable
from ogpkg.validation.compile import (
    SH,
    CompiledShapes,
    Evaluator,
    Finding,
    Originals,
    PropertyPath,
    ShapeDef,
    compact,
    generated_messages,
    lang_messages,
    node_id,
    nt,
    parse_path,
    show,
)

_XSD = rdflib.namespace.XSD
_DERIVED_INTEGERS = {URIRef(str(_XSD) + t) for t in (
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger", "long",
    "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


def canonical_value(value: str | None) -> object:
    """A result value (N-Triples form) by meaning: literals as (datatype, value), any integer
    type as ("integer", n); other terms as they are."""
    if value is None or not value.startswith('"'):
        return value
    lit = next(iter(Graph().parse(data=f"<urn:s> <urn:p> {value} .", format="nt").objects()))
    assert isinstance(lit, Literal)
    if lit.datatype == _XSD.integer or lit.datatype in _DERIVED_INTEGERS:
        try:
            return "integer", int(str(lit))
        except ValueError:
            return value
    if lit.language:
        return str(lit), lit.language.lower()
    if lit.datatype is not None and lit.ill_typed is False and lit.value is not None:
        return str(lit.datatype), lit.value
    return value

#: the built-in check on literal size, outside SHACL
MAX_LITERAL_COMPONENT = ONTOLOGY + "MaxLiteralLengthConstraintComponent"
MAX_LITERAL_SHAPE = SHAPES + "MaxLiteralLengthShape"
MAX_LITERAL_MESSAGES = {
    "en": "This literal is {size} bytes long; the limit is {cap} bytes.",
    "fr": "Ce littéral fait {size} octets ; la limite est de {cap} octets.",
    "ar": "طول هذه القيمة الحرفية {size} بايت، والحد الأقصى {cap} بايت.",
}

SEVERITIES = ("Violation", "Warning", "Info")
#: properties whose value names a focus node in a report, best first
LABEL_PROPERTIES = (str(RDFS.label), PREFIXES["skos"] + "prefLabel", PREFIXES["schema"] + "name",
                    PREFIXES["dcterms"] + "title", PREFIXES["foaf"] + "name")


def pick_key(texts: dict[str, str], lang: str) -> str | None:
    """Which language of ``texts`` to show for ``lang``: itself (or a region of it), else
    untagged, else English, else any."""
    if not texts:
        return None
    if lang in texts:
        return lang
    for key in sorted(texts):
        if key.split("-")[0] == lang:
            return key
    for key in ("", "en"):
        if key in texts:
            return key
    return sorted(texts)[0]


def pick_lang(texts: dict[str, str], lang: str) -> str | None:
    """The text to show for ``lang`` (see :func:`pick_key`), or None when there is none."""
    key = pick_key(texts, lang)
    return None if key is None else texts[key]


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class ValidationResult:
    """One finding. Equality and hashing use (severity, focus, path, value, shape, component)."""

    severity: str
    focus: str
    focus_label: str | None = field(compare=False)
    path: str | None
    value: str | None
    shape: str
    component: str
    messages: dict[str, str] = field(compare=False)
    location: Location | None = field(default=None, compare=False)
    #: labels of the focus node by language, and names of the shape by language
    focus_labels: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    shape_names: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: the shape as a short readable reference (compact IRI, or parent › path)
    shape_label: str = field(default="", compare=False, repr=False)
    #: sh:resultPath in Turtle (needed for complex paths)
    path_turtle: str | None = field(default=None, compare=False, repr=False)
    #: a blank focus node named readably: the path to it from the nearest IRI, e.g.
    #: ``<…/plan/X> ogp:hasCommitment [ … ]``, or its own triples ("" for an IRI)
    focus_name: str = field(default="", compare=False, repr=False)
    #: a blank value named the same way
    value_name: str = field(default="", compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str | None, str | None, str, str, str]:
        return self.focus, self.path, self.value, self.shape, self.component, self.severity

    def message(self, lang: str) -> str:
        return pick_lang(self.messages, lang) or ""

    def label(self, lang: str) -> str | None:
        return pick_lang(self.focus_labels, lang) or self.focus_label

    def shape_title(self, lang: str) -> str:
        """Shape reference plus its name in ``lang`` when it has one."""
        name = pick_lang(self.shape_names, lang)
        ref = self.shape_label or self.shape
        return f"{ref} — {name}" if name and name != ref else ref

    @property
    def component_name(self) -> str:
        return re.sub(r"ConstraintComponent$", "", self.component.rsplit("#", 1)[-1]
                      .rsplit("/", 1)[-1])


def _order(r: ValidationResult) -> tuple[object, ...]:
    rank = SEVERITIES.index(r.severity) if r.severity in SEVERITIES else len(SEVERITIES)
    return (rank, r.shape_label or r.shape, r.shape, r.component, r.focus, r.path or "",
            r.value or "")


@dataclass
class ValidationReport:
    """The outcome of one validation run; renders itself in every report format."""

    results: list[ValidationResult]
    conforms: bool
    engine: str
    focus_count: int
    shapes_count: int
    elapsed_s: float
    #: N-Triples of the blank nodes the results name (shapes, focus nodes, values) and of
    #: everything they reach through blank nodes, so that the Turtle report says what they are
    described: str = ""

    def comparison_keys(self) -> set[tuple[object, ...]]:
        """(focus, path, value by meaning, shape, component, severity) of every result: how
        reports of the two engines are compared (the store writes derived integer types as
        ``xsd:integer`` and values in canonical form; blank nodes by their names, since each
        engine's parse gives them ids of its own)."""
        return {(r.focus_name or r.focus, r.path, r.value_name or canonical_value(r.value),
                 r.shape, r.component, r.severity) for r in self.results}

    def violations(self) -> list[ValidationResult]:
        """Results of severity sh:Violation or of a severity SHACL does not define."""
        return [r for r in self.results if r.severity not in ("Warning", "Info")]

    def severities(self) -> dict[str, int]:
        """How many results of each severity (``Violation``, ``Warning``, ``Info`` or the IRI
        of another severity): what a write policy decides on. ``conforms`` is false as soon
        as there is any result (SHACL 3.6.1)."""
        out: dict[str, int] = {}
        for r in self.results:
            out[r.severity] = out.get(r.severity, 0) + 1
        return out

    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def infos(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Info"]

    def groups(self) -> list[tuple[tuple[str, str, str], list[ValidationResult]]]:
        """Results grouped by rule: (severity, shape, component), in report order."""
        out: dict[tuple[str, str, str], list[ValidationResult]] = {}
        for r in self.results:
            out.setdefault((r.severity, r.shape, r.component), []).append(r)
        return list(out.items())

    def to_json(self, lang: str = "en") -> dict[str, object]:
        """One stable JSON shape: ``conforms``, ``engine``, ``summary`` and ``results``."""
        return {
            "conforms": self.conforms,
            "engine": self.engine,
            "lang": lang,
            "summary": {
                "violations": len(self.violations()), "warnings": len(self.warnings()),
                "infos": len(self.infos()), "focus_nodes": self.focus_count,
                "shapes": self.shapes_count, "elapsed_s": round(self.elapsed_s, 4),
            },
            "results": [{
                "severity": r.severity, "focus": r.focus, "focus_label": r.label(lang),
                "focus_name": r.focus_name or None,
                "path": r.path, "value": r.value, "shape": r.shape,
                "shape_name": pick_lang(r.shape_names, lang), "component": r.component,
                "message": r.message(lang), "messages": dict(sorted(r.messages.items())),
                "location": r.location.as_dict() if r.location else None,
            } for r in self.results],
        }

    def to_record(self) -> dict[str, object]:
        """Everything in the report as plain JSON values; :meth:`from_record` reads it back
        (the JSON of :meth:`to_json` keeps one language only)."""
        return {
            "conforms": self.conforms, "engine": self.engine, "focus_count": self.focus_count,
            "shapes_count": self.shapes_count, "elapsed_s": self.elapsed_s,
            "described": self.described,
            "results": [{
                "severity": r.severity, "focus": r.focus, "focus_label": r.focus_label,
                "path": r.path, "value": r.value, "shape": r.shape, "component": r.component,
                "messages": r.messages,
                "location": r.location.as_dict() if r.location else None,
                "focus_labels": r.focus_labels, "shape_names": r.shape_names,
                "shape_label": r.shape_label, "path_turtle": r.path_turtle,
                "focus_name": r.focus_name, "value_name": r.value_name,
            } for r in self.results],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ValidationReport:
        """The report :meth:`to_record` wrote."""
        results = []
        for r in record["results"]:
            loc = r.get("location")
            results.append(ValidationResult(
                r["severity"], r["focus"], r.get("focus_label"), r.get("path"), r.get("value"),
                r["shape"], r["component"], dict(r.get("messages") or {}),
                Location(**loc) if loc else None, dict(r.get("focus_labels") or {}),
                dict(r.get("shape_names") or {}), r.get("shape_label") or "",
                r.get("path_turtle"), r.get("focus_name") or "", r.get("value_name") or ""))
        return cls(results, bool(record["conforms"]), str(record["engine"]),
                   int(record["focus_count"]), int(record["shapes_count"]),
                   float(record["elapsed_s"]), str(record.get("described") or ""))

    def to_turtle(self, lang: str | None = None) -> str:
        """A ``sh:ValidationReport`` graph; messages in every language, or only ``lang``."""
        lines = [f"@prefix {p}: <{PREFIXES[p]}> ." for p in ("sh", "xsd")]
        lines += ["", "[] a sh:ValidationReport ;",
                  f"    sh:conforms {'true' if self.conforms else 'false'}"]
        for r in self.results:
            props = ["a sh:ValidationResult", f"sh:focusNode {_turtle_node(r.focus)}"]
            if r.path is not None:
                props.append(f"sh:resultPath {r.path_turtle or _turtle_node(r.path)}")
            if r.value is not None:
                props.append(f"sh:value {r.value}")
            props += [f"sh:sourceShape {_turtle_node(r.shape)}",
                      f"sh:sourceConstraintComponent <{r.component}>",
                      f"sh:resultSeverity {_severity_term(r.severity)}"]
            key = None if lang is None else pick_key(r.messages, lang)
            texts = r.messages if lang is None else {} if key is None else {
                key: r.messages[key]}
            msgs = [nt(Literal(text, lang=code or None)) for code, text in sorted(texts.items())]
            if msgs:
                props.append("sh:resultMessage " + " , ".join(msgs))
            lines[-1] += " ;"
            lines.append("    sh:result [\n        " + " ;\n        ".join(props) + "\n    ]")
        lines[-1] += " ."
        if self.described:
            lines += ["", self.described.rstrip("\n")]
        return "\n".join(lines) + "\n"

    def summary(self, lang: str = "en") -> str:
        """One line: conforms or not, counts, engine, time."""
        from ogpkg.validation.report_html import ui

        t = ui(lang)
        head = t["conforms"] if self.conforms else t["not_conforms"]
        sep = t["sep"]
        return (f"{'✓' if self.conforms else '✗'} {head}: "
                f"{len(self.violations())} {t['violations']}{sep}{len(self.warnings())} "
                f"{t['warnings']}{sep}{len(self.infos())} {t['infos']} — {self.focus_count} "
                f"{t['focus_nodes']}{sep}{self.shapes_count} {t['shapes']}{sep}{self.engine}"
                f"{sep}{self.elapsed_s:.2f} s")

    def to_text(self, lang: str = "en") -> str:
        """For the terminal: the summary, then results grouped by rule."""
        from ogpkg.validation.report_html import short, short_path, ui

        t = ui(lang)
        out = [self.summary(lang)]
        for (severity, _shape, _component), items in self.groups():
            first = items[0]
            out += ["", f"[{t.get(severity, severity)}] {first.shape_title(lang)} "
                        f"({first.component_name}) × {len(items)}"]
            shared = {r.message(lang) for r in items}
            if len(shared) == 1:
                out.append(f"  {shared.pop()}")
            for r in items:
                label = r.label(lang)
                line = f"  - {r.focus_name or short(r.focus)}" + (
                    f" “{label}”" if label else "")
                if r.location is not None:
                    line += f"  ({r.location})"
                out.append(line)
                if r.path is not None:
                    out.append(f"      {t['path']}: {short_path(r.path)}")
                if r.value is not None:
                    out.append(f"      {t['value']}: {r.value_name or short(r.value)}")
                if len({x.message(lang) for x in items}) > 1:
                    out.append(f"      {t['message']}: {r.message(lang)}")
        return "\n".join(out) + "\n"

    def to_html(self, lang: str = "en") -> str:
        """A complete standalone HTML page (right-to-left for Arabic), every value escaped."""
        from ogpkg.validation.report_html import render_html

        return render_html(self, lang)

    def to_csv(self, lang: str = "en") -> str:
        """One row per result, with a header row."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["severity", "focus", "focus_label", "path", "value", "message", "shape",
                         "component", "location"])
        for r in self.results:
            writer.writerow([r.severity, r.focus, r.label(lang) or "", r.path or "",
                             r.value or "", r.message(lang), r.shape, r.component,
                             str(r.location) if r.location else ""])
        return buf.getvalue()


def _severity_term(severity: str) -> str:
    return f"sh:{severity}" if severity in SEVERITIES else f"<{severity}>"


def _turtle_node(ref: str) -> str:
    """A focus node or shape (IRI, ``_:id`` or N-Triples literal) as a Turtle term."""
    return ref if ref.startswith(("_:", '"')) else f"<{ref}>"


# --------------------------------------------------------------------------- shapes

class Shapes:
    """The shapes graph, the ontology graph, and the shapes compiled once for the fast path."""

    def __init__(self, graph: Graph, ontology: Graph | None = None) -> None:
        """Raises :class:`ConfigError` when a shape is malformed or uses what is unsupported."""
        self.graph = graph
        self.ontology = ontology if ontology is not None else Graph()
        self.compiled = CompiledShapes(graph)

    @classmethod
    def from_paths(cls, shape_files: Iterable[Path], ontology_files: Iterable[Path]) -> Shapes:
        """Parse the files with rdflib and compile the shapes.

        Raises :class:`NotFoundError` for a missing file, :class:`ParseError` (file and line)
        for a syntax error, :class:`ConfigError` for a malformed shape.
        """
        return cls(_parse_files(shape_files), _parse_files(ontology_files))

    def __len__(self) -> int:
        return len(self.compiled)


_LINE = re.compile(r"line (\d+)")


def _parse_files(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise NotFoundError(f"no such file: {path}")
        fmt = rdflib.util.guess_format(str(path)) or "turtle"
        try:
            with _as_written_literals():
                graph.parse(path, format=fmt)
        except (SyntaxError, ValueError) as exc:
            m = _LINE.search(str(exc))
            why = getattr(exc, "_why", None) or str(exc).strip().splitlines()[-1]
            raise ParseError(str(why), location=Location(
                str(path), line=int(m.group(1)) if m else None)) from None
    return graph


# --------------------------------------------------------------------------- the fast path

Locate = Callable[[str], Location | None]


def validate(target: Queryable, shapes: Shapes, *, focus_graphs: list[str] | None = None,
             locate: Locate | None = None, lang_fallback: str = "en",
             max_literal_bytes: int | None = None,
             originals: Originals | None = None) -> ValidationReport:
    """Validate ``target`` (store, snapshot or MemoryDataset) with compiled SPARQL.

    ``target`` holds the data, the ontology and the entities the data refers to. With
    ``focus_graphs``, only nodes that are the subject of a triple in those graphs are focus
    nodes (values are still read from the whole dataset). ``locate`` maps a focus node
    (IRI or ``_:id``) to where it is defined. ``max_literal_bytes`` adds a check that no
    literal in the focus graphs (or anywhere, without them) is longer than that.
    ``originals`` gives the literals as the data wrote them, where the store changed them
    (derived integer types are then checked as written).

    Raises :class:`ConfigError` when a SPARQL-based constraint of the shapes cannot run, and
    whatever the target raises when it cannot be read (:class:`StoreError`).
    """
    start = time.perf_counter()

    def select(query: str) -> list[dict[str, Node]]:
        return target.select(query, union=True)

    workers = min(4, os.cpu_count() or 1)
    evaluator = Evaluator(shapes.compiled, select, focus_graphs=focus_graphs, workers=workers,
                          originals=originals)
    select("SELECT (1 AS ?ready) WHERE {}")  # a dataset builds its union on the first query
    with _quiet_rdflib(), ThreadPoolExecutor(1) as aside:
        # the literal-size check reads every triple once: it runs beside the shapes
        long_literals = None if max_literal_bytes is None else aside.submit(
            _long_literals, select, focus_graphs, max_literal_bytes, locate)
        findings = evaluator.run()
        blanks = BlankNodes.read(select, findings, focus_graphs)
        results = _results(findings, lambda nodes: _labels_sparql(select, nodes), blanks.locate(
            locate), lang_fallback)
        results = blanks.named(results)
        if long_literals is not None:
            results += long_literals.result()
    report = _report(results, "fast", evaluator.focus_count(), len(shapes), start)
    report.described = blanks.ntriples(findings, shapes.graph)
    return report


class BlankNodes:
    """The blank nodes a validation's findings name, read from the data: their triples (and
    those of the blank nodes they reach), and the path to each from the nearest IRI.

    A blank node cannot be named in a query, so the triples with a blank node in them are
    read in one scan (of the focus graphs, when given), only when some finding names one.
    """

    #: how far up (through blank nodes) to look for the IRI that names a blank node
    MAX_DEPTH = 8

    def __init__(self, triples: list[tuple[Node, Node, Node]]) -> None:
        self.out: dict[Node, list[tuple[Node, Node]]] = {}
        self.into: dict[Node, list[tuple[Node, Node]]] = {}
        for s, p, o in triples:
            if isinstance(s, BNode):
                self.out.setdefault(s, []).append((p, o))
            if isinstance(o, BNode):
                self.into.setdefault(o, []).append((s, p))

    @classmethod
    def read(cls, select: Callable[[str], list[dict[str, Node]]], findings: list[Finding],
             focus_graphs: list[str] | None) -> BlankNodes:
        if not any(isinstance(n, BNode) for f in findings for n in (f.focus, f.value)):
            return cls([])
        triple = "?s ?p ?o"
        if focus_graphs is not None:
            graphs = " ".join(f"<{g}>" for g in focus_graphs)
            triple = f"VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }}"
        rows = select(f"SELECT DISTINCT ?s ?p ?o WHERE {{ {triple} "
                      "FILTER(isBlank(?s) || isBlank(?o)) }")
        return cls([(r["s"], r["p"], r["o"]) for r in rows])

    def closure(self, start: Iterable[Node]) -> list[tuple[Node, Node, Node]]:
        """The triples of the blank nodes in ``start`` and of every blank node they reach."""
        todo = [n for n in start if isinstance(n, BNode)]
        seen: set[Node] = set(todo)
        out: list[tuple[Node, Node, Node]] = []
        while todo:
            node = todo.pop()
            for p, o in self.out.get(node, []):
                out.append((node, p, o))
                if isinstance(o, BNode) and o not in seen:
                    seen.add(o)
                    todo.append(o)
        return out

    def root(self, node: Node) -> tuple[Node, list[Node]] | None:
        """The nearest IRI above ``node`` and the predicates down from it, or None."""
        frontier: list[tuple[Node, list[Node]]] = [(node, [])]
        seen = {node}
        for _ in range(self.MAX_DEPTH):
            later = []
            for current, preds in frontier:
                for s, p in sorted(self.into.get(current, []), key=lambda sp: (
                        isinstance(sp[0], BNode), str(sp[0]), str(sp[1]))):
                    if isinstance(s, URIRef):
                        return s, [p, *preds]
                    if s not in seen:
                        seen.add(s)
                        later.append((s, [p, *preds]))
            frontier = later
        return None

    def name(self, ref: str) -> str:
        """A blank node (``_:id``) named for people: ``<iri> ogp:p [ ogp:q [ … ] ]``, or its
        own triples when no IRI leads to it."""
        node = BNode(ref[2:])
        found = self.root(node)
        if found is None:
            own = [f"{compact(str(p))} {show(o) if not isinstance(o, BNode) else '[ … ]'}"
                   for p, o in sorted(self.out.get(node, []), key=str)[:4]]
            return "[ " + " ; ".join(own) + (" ; … ]" if len(self.out.get(node, [])) > 4
                                             else " ]")
        iri, preds = found
        text = " [ ".join(compact(str(p)) for p in preds)
        return f"{compact(str(iri))} {text} [ … ]" + " ]" * (len(preds) - 1)

    def named(self, results: list[ValidationResult]) -> list[ValidationResult]:
        """``results`` with their blank focus nodes and values named (:meth:`name`)."""
        return [replace(r, focus_name=self.name(r.focus) if r.focus.startswith("_:") else "",
                        value_name=self.name(r.value) if r.value and r.value.startswith("_:")
                        else "") if "_:" in (r.focus[:2], (r.value or "")[:2]) else r
                for r in results]

    def locate(self, locate: Locate | None) -> Locate | None:
        """``locate``, asked about the nearest IRI above a blank node when it does not know
        the blank node itself."""
        if locate is None:
            return None
        outer = locate

        def find(ref: str) -> Location | None:
            if not ref.startswith("_:"):
                return outer(ref)
            found = outer(ref)
            if found is None:
                root = self.root(BNode(ref[2:]))
                found = outer(str(root[0])) if root is not None else None
            return found

        return find

    def ntriples(self, findings: list[Finding], shapes: Graph) -> str:
        """N-Triples of the blank shapes, focus nodes and values of ``findings``, and of the
        blank nodes they reach (the shapes' from the shapes graph)."""
        lines: set[str] = set()
        data = self.closure(n for f in findings for n in (f.focus, f.value) if n is not None)
        lines.update(f"{nt(s)} {nt(p)} {nt(o)} ." for s, p, o in data)
        todo = [f.shape.node for f in findings if isinstance(f.shape.node, BNode)]
        seen = set(todo)
        while todo:
            node = todo.pop()
            for p, o in shapes.predicate_objects(node):
                lines.add(f"{nt(node)} {nt(p)} {nt(o)} .")
                if isinstance(o, BNode) and o not in seen:
                    seen.add(o)
                    todo.append(o)
        return "".join(f"{line}\n" for line in sorted(lines))


def _long_literals(select: Callable[[str], list[dict[str, Node]]],
                   focus_graphs: list[str] | None, cap: int,
                   locate: Locate | None) -> list[ValidationResult]:
    """Literals over ``cap`` bytes (UTF-8), as Violations of the built-in literal-size check."""
    triple = "?s ?p ?o"
    if focus_graphs is not None:
        graphs = " ".join(f"<{g}>" for g in focus_graphs)
        triple = f"VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }}"
    rows = select(f"SELECT DISTINCT ?s ?p ?o WHERE {{ {triple} "
                  f"FILTER(isLiteral(?o) && STRLEN(STR(?o)) > {cap // 4}) }}")
    out = []
    for row in rows:
        lit = row["o"]
        size = len(str(lit).encode("utf-8"))
        if size <= cap:
            continue
        shown = Literal(str(lit)[:80] + "…", lang=getattr(lit, "language", None),
                        datatype=getattr(lit, "datatype", None))
        focus = node_id(row["s"])
        out.append(ValidationResult(
            "Violation", focus, None, str(row["p"]), nt(shown), MAX_LITERAL_SHAPE,
            MAX_LITERAL_COMPONENT,
            {k: v.format(size=size, cap=cap) for k, v in MAX_LITERAL_MESSAGES.items()},
            locate(focus) if locate else None, shape_label=compact(MAX_LITERAL_SHAPE)))
    return out


def _labels_sparql(select: Callable[[str], list[dict[str, Node]]],
                   nodes: set[Node]) -> dict[Node, dict[str, str]]:
    iris = sorted(n for n in nodes if isinstance(n, URIRef))
    # one branch per property: the engine looks each node up instead of scanning the data
    props = " UNION ".join(f"{{ ?f <{p}> ?l BIND(<{p}> AS ?p) }}" for p in LABEL_PROPERTIES)
    found: dict[Node, list[tuple[int, Literal]]] = {}
    for i in range(0, len(iris), 500):
        values = " ".join(f"<{n}>" for n in iris[i:i + 500])
        rows = select(f"SELECT ?f ?p ?l WHERE {{ VALUES ?f {{ {values} }} {{ {props} }} "
                      "FILTER(isLiteral(?l)) }")
        for row in rows:
            found.setdefault(row["f"], []).append(
                (LABEL_PROPERTIES.index(str(row["p"])), row["l"]))  # type: ignore[arg-type]
    return {n: _best_labels(items) for n, items in found.items()}


def _best_labels(items: list[tuple[int, Literal]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for _, lit in sorted(items, key=lambda x: (x[0], str(x[1]))):
        out.setdefault((lit.language or "").lower(), str(lit))
    return out


_PARSE_LOCK = threading.Lock()


@contextmanager
def _as_written_literals() -> Iterator[None]:
    """rdflib parses literals without rewriting them (``"1"^^xsd:boolean`` stays ``"1"``, an
    ill-formed ``"none"^^xsd:boolean`` does not become ``"false"``): SHACL compares terms."""
    with _PARSE_LOCK:
        before = rdflib.NORMALIZE_LITERALS
        rdflib.NORMALIZE_LITERALS = False
        try:
            yield
        finally:
            rdflib.NORMALIZE_LITERALS = before


@contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for every ill-typed literal it meets; reports say it better."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _results(findings: list[Finding],
             labels: Callable[[set[Node]], dict[Node, dict[str, str]]],
             locate: Locate | None, lang: str) -> list[ValidationResult]:
    names = labels({f.focus for f in findings})
    places: dict[str, Location | None] = {}
    out: list[ValidationResult] = []
    for f in findings:
        focus = node_id(f.focus)
        if locate is not None and focus not in places:
            places[focus] = locate(focus)
        found = names.get(f.focus, {})
        # one result per finding: two constraints (or two pairs of values) that fail give
        # two results even when they look alike
        out.append(ValidationResult(
            _severity(f.shape.severity), focus, pick_lang(found, lang),
            f.path.text if f.path else None, nt(f.value) if f.value is not None else None,
            f.shape.id, f.component, f.messages, places.get(focus), found,
            f.shape.names, f.shape.label(), f.path.turtle if f.path else None))
    return out


def _severity(iri: str) -> str:
    """``Violation``, ``Warning`` or ``Info`` for SHACL's severities; any other severity keeps
    its full IRI."""
    local = iri[len(str(SH)):] if iri.startswith(str(SH)) else None
    return local if local in SEVERITIES else iri


def _report(results: list[ValidationResult], engine: str, focus_count: int, shapes_count: int,
            start: float) -> ValidationReport:
    results.sort(key=_order)
    # SHACL 3.6.1: a report conforms when it has no result, whatever the severities
    return ValidationReport(results, not results, engine, focus_count, shapes_count,
                            time.perf_counter() - start)


# --------------------------------------------------------------------------- the reference

def validate_pyshacl(data: Graph | Dataset, shapes: Shapes, *,
                     focus_nodes: Iterable[str | Node] | None = None,
                     locate: Locate | None = None, lang_fallback: str = "en") -> ValidationReport:
    """Validate with pySHACL (the reference), converted to the same :class:`ValidationReport`.

    The data (every graph of a dataset) and the shapes' ontology are validated as one
    union-default-graph dataset — the whole ontology, not only pySHACL's ``ont_graph`` RDFS/OWL
    axioms, so SKOS concepts and other ontology facts are visible as they are in the store.
    With ``focus_nodes``, only results about those focus nodes are kept. Raises
    :class:`ConfigError` when pySHACL cannot use the shapes.
    """
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError, ShapeLoadError

    start = time.perf_counter()
    ds = Dataset(default_union=True)
    union = Graph()  # the same triples as one graph, for labels and counts
    if isinstance(data, Dataset):
        for s, p, o, g in data.quads((None, None, None, None)):
            ds.graph(g if isinstance(g, URIRef | BNode) else None).add((s, p, o))
            union.add((s, p, o))
    else:
        default = ds.default_graph
        for triple in data:
            default.add(triple)
            union.add(triple)
    ontology = ds.graph(URIRef(ONTOLOGY_GRAPH))
    for triple in shapes.ontology:
        ontology.add(triple)
        union.add(triple)
    shacl = Graph()
    for triple in shapes.graph:
        shacl.add(triple)
    with _quiet_rdflib(), warnings.catch_warnings():
        # pySHACL 0.40 reads datasets through rdflib APIs that rdflib 7.6 deprecates
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        try:
            _, report_graph, _ = pyshacl.validate(
                ds, shacl_graph=shacl, ont_graph=None, inference="none", advanced=True,
                allow_warnings=True, inplace=True)
        except (ReportableRuntimeError, ShapeLoadError) as exc:
            raise ConfigError(f"pySHACL cannot use the shapes: {exc}") from None
        findings = list(_pyshacl_findings(report_graph, shapes.compiled))
        if focus_nodes is not None:
            wanted = {node_id(n) if isinstance(n, Node) else str(n) for n in focus_nodes}
            findings = [f for f in findings if node_id(f.focus) in wanted]
        results = _results(findings, lambda nodes: _labels_graph(union, nodes), locate,
                           lang_fallback)
        if any("_:" in (r.focus[:2], (r.value or "")[:2]) for r in results):
            results = BlankNodes([t for t in union if isinstance(t[0], BNode)
                                  or isinstance(t[2], BNode)]).named(results)
    return _report(results, "pyshacl", _focus_count_graph(union, shapes.compiled, focus_nodes),
                   len(shapes), start)


def _pyshacl_findings(report: Graph, compiled: CompiledShapes) -> Iterator[Finding]:
    for r in report.objects(None, SH.result):
        shape = compiled.get(report.value(r, SH.sourceShape))  # type: ignore[arg-type]
        if shape is None:
            raise ConfigError("pySHACL reported a shape that was not compiled: "
                              f"{report.value(r, SH.sourceShape)}")
        component = str(report.value(r, SH.sourceConstraintComponent))
        path_node = report.value(r, SH.resultPath)
        if path_node is None:
            path = None
        elif isinstance(path_node, URIRef):
            path = PropertyPath.of_iri(str(path_node))
        else:
            path = shape.path or parse_path(report, path_node)
        if component == str(SH.SPARQLConstraintComponent):
            messages = _sparql_messages(shape, report.value(r, SH.sourceConstraint),
                                        [str(m) for m in report.objects(r, SH.resultMessage)])
        else:
            messages = shape.messages or _generated(shape, component)
        yield Finding((), report.value(r, SH.focusNode), report.value(r, SH.value),  # type: ignore[arg-type]
                      path, shape, component, messages)


def _sparql_messages(shape: ShapeDef, constraint: Node | None,
                     texts: list[str]) -> dict[str, str]:
    """pySHACL's filled-in SPARQL messages, given back their languages.

    pySHACL drops the language tag when it fills ``{?var}`` in; each of its texts is matched
    against the templates (the constraint's sh:message, then the shape's) to find it again.
    """
    templates: dict[str, str] = dict(shape.messages)
    for c in shape.constraints:
        for sel in getattr(c, "selects", []):
            if sel.node == constraint:
                templates.update(sel.messages)
    out: dict[str, str] = {}
    for lang, template in templates.items():
        parts = re.split(r"\{[?$][A-Za-z_]\w*\}", template)
        pattern = re.compile("(?s)" + "(.*?)".join(re.escape(p) for p in parts))
        for text in texts:
            if pattern.fullmatch(text):
                out[lang] = text
                break
    return out or lang_messages(Literal(t) for t in texts) or generated_messages(
        str(SH.SPARQLConstraintComponent), show(constraint) if constraint is not None else "")


def _generated(shape: object, component: str) -> dict[str, str]:
    for constraint in getattr(shape, "constraints", []):
        if component.endswith("#" + constraint.component) or (
                constraint.component.startswith("Qualified") and "#Qualified" in component):
            return constraint.messages_for(component)
    return generated_messages(component)


def _labels_graph(ds: Graph, nodes: set[Node]) -> dict[Node, dict[str, str]]:
    out = {}
    for n in nodes:
        items = [(i, o) for i, p in enumerate(LABEL_PROPERTIES)
                 for o in ds.objects(n, URIRef(p)) if isinstance(o, Literal)]
        if items:
            out[n] = _best_labels(items)
    return out


def _focus_count_graph(ds: Graph, compiled: CompiledShapes,
                       focus_nodes: Iterable[str | Node] | None) -> int:
    """Distinct focus nodes of the targeted shapes, found with rdflib (for the report)."""
    found: set[Node] = set()
    for shape in compiled.targeted:
        if shape.deactivated:
            continue
        t = shape.targets
        found.update(t.nodes)
        for c in t.classes:
            for sub in ds.transitive_subjects(RDFS.subClassOf, c):
                found.update(ds.subjects(RDF.type, sub))
        for p in t.subjects_of:
            found.update(s for s, _ in ds.subject_objects(p))
        for p in t.objects_of:
            found.update(o for _, o in ds.subject_objects(p))
        for select, prefixes in t.sparql:
            prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in prefixes.items())
            found.update(row[0] for row in ds.query(prologue + select))  # type: ignore[index]
    if focus_nodes is not None:
        wanted = {node_id(n) if isinstance(n, Node) else str(n) for n in focus_nodes}
        found = {n for n in found if node_id(n) in wanted}
    return len(found)


# --------------------------------------------------------------------------- any data, any shapes

#: rdflib's parser names by file extension (the formats ``ogpkg validate --shapes`` reads)
_DATA_FORMATS = {"ttl": "turtle", "turtle": "turtle", "nt": "nt", "ntriples": "nt",
                 "nq": "nquads", "trig": "trig", "n3": "n3", "rdf": "xml", "xml": "xml",
                 "owl": "xml", "jsonld": "json-ld", "json": "json-ld"}


def read_data(paths: Iterable[Path]) -> Dataset:
    """Parse data files into one rdflib dataset (graph formats into its default graph).

    Relative IRIs resolve against each file's own ``file:`` IRI, as for the shapes. Raises
    :class:`NotFoundError` for a missing file and :class:`ParseError` (file and line) for a
    file that does not parse or whose format is not known from its extension.
    """
    ds = Dataset(default_union=True)
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise NotFoundError(f"no such file: {path}")
        ext = path.suffix.lower().lstrip(".")
        fmt = _DATA_FORMATS.get(ext)
        if fmt is None:
            raise ParseError(f"cannot tell the format from the extension '.{ext}'; use one of "
                             + ", ".join(f".{e}" for e in sorted(_DATA_FORMATS)),
                             location=Location(str(path)))
        try:
            with _quiet_rdflib(), warnings.catch_warnings(), _as_written_literals():
                warnings.simplefilter("ignore")
                if fmt in ("nquads", "trig"):
                    ds.parse(path, format=fmt)
                else:
                    ds.default_graph.parse(path, format=fmt)
        except (SyntaxError, ValueError, TypeError) as exc:
            m = _LINE.search(str(exc))
            why = getattr(exc, "_why", None) or (str(exc).strip().splitlines() or [
                type(exc).__name__])[-1]
            raise ParseError(str(why), location=Location(
                str(path), line=int(m.group(1)) if m else None)) from None
    return ds


def load_shapes(paths: Iterable[Path]) -> Shapes:
    """The shapes of the given files, without any ontology. Raises what
    :meth:`Shapes.from_paths` raises, and :class:`InputError` when the files hold no shape:
    validating against nothing would say that anything conforms."""
    paths = [Path(p) for p in paths]
    shapes = Shapes.from_paths(paths, [])
    if len(shapes) == 0:
        names = ", ".join(str(p) for p in paths)
        raise InputError(f"{names}: no shapes found: nothing is a sh:NodeShape or "
                         "sh:PropertyShape, and nothing has sh:targetClass, sh:targetNode, "
                         "sh:property or sh:path; validating against no shape would accept "
                         "anything")
    return shapes


def validate_files(data: Iterable[Path], shapes: Shapes | Iterable[Path], *,
                   lang_fallback: str = "en") -> ValidationReport:
    """Validate the data files against the shapes alone (no ontology, no store).

    Values in the report keep the lexical form they have in the data (``"4.0"``, not the
    store's canonical ``"4"``). Raises :class:`NotFoundError`, :class:`ParseError` and
    :class:`InputError` (see :func:`read_data` and :func:`load_shapes`), :class:`ConfigError`
    for a shape that cannot be checked.
    """
    from ogpkg.contrib.ingest.locate import text_locator
    from ogpkg.store import MemoryDataset

    data = [Path(p) for p in data]
    compiled = shapes if isinstance(shapes, Shapes) else load_shapes(shapes)
    source = read_data(data)
    target = MemoryDataset()
    target.add((s, p, o, g if isinstance(g, URIRef) and g != DATASET_DEFAULT_GRAPH_ID else None)
               for s, p, o, g in source.quads((None, None, None, None)))
    locators = [text_locator(str(p), p.read_text(encoding="utf-8", errors="replace"),
                             _LOCATOR_FORMATS.get(p.suffix.lower().lstrip("."), ""))
                for p in data]

    def locate(node: str) -> Location | None:
        if node.startswith("_:"):
            return None
        for find in locators:
            found = find(node)
            if found is not None:
                return found
        return None

    written = AsWritten(source, compiled.graph)
    report = validate(target, compiled, locate=locate, lang_fallback=lang_fallback,
                      originals=written.originals)
    report.results = [written.result(r) for r in report.results]
    return report


_LOCATOR_FORMATS = {"ttl": "turtle", "turtle": "turtle", "trig": "trig", "n3": "n3",
                    "nt": "ntriples", "nq": "nquads"}


class AsWritten:
    """Literals of a report given back the form the data (or the shapes' sh:targetNode) wrote
    them in: the store keeps literals in canonical form (``"4.0"^^xsd:decimal`` as ``"4"``) and
    derived integer types as ``xsd:integer``."""

    def __init__(self, data: Dataset, shapes: Graph) -> None:
        self.graph = Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            self.graph.add((s, p, o))
        self.extra = [o for o in shapes.objects(None, SH.targetNode) if isinstance(o, Literal)]
        self._index: dict[tuple[Node, object], set[str]] | None = None

    @staticmethod
    def _key(lit: Literal) -> tuple[Node, object] | None:
        if lit.datatype is None or lit.datatype in (_XSD.string, RDF.langString):
            return None
        family = _XSD.integer if lit.datatype in _DERIVED_INTEGERS else lit.datatype
        if lit.ill_typed or lit.value is None:
            return family, ("lexical", str(lit))
        return family, lit.value

    def index(self) -> dict[tuple[Node, object], set[str]]:
        if self._index is None:
            self._index = {}
            for lit in [*self.graph.objects(), *self.extra]:
                if isinstance(lit, Literal) and (key := self._key(lit)) is not None:
                    self._index.setdefault(key, set()).add(nt(lit))
        return self._index

    def term(self, text: str | None, subject: str | None = None,
             path: str | None = None) -> str | None:
        """``text`` (a term in N-Triples) as written, when exactly one literal fits."""
        if text is None or not text.startswith('"'):
            return text
        stored = _literal(text)
        key = None if stored is None else self._key(stored)
        if stored is None or key is None:
            return text
        options: set[str] = set()
        if subject is not None and path is not None and not path.startswith(("(", "<", "^")):
            node: Node = BNode(subject[2:]) if subject.startswith("_:") else URIRef(subject)
            options = {nt(o) for o in self.graph.objects(node, URIRef(path))
                       if isinstance(o, Literal) and self._key(o) == key}
        if not options:
            options = self.index().get(key, set())
            if key[1] != ("lexical", str(stored)):
                options = options | self.index().get((key[0], ("lexical", str(stored))), set())
        return options.pop() if len(options) == 1 else text

    def originals(self, focus: Node, path: PropertyPath, stored: Node) -> list[Node]:
        """The literals of ``focus`` along ``path`` (one predicate) that the store keeps as
        ``stored``; ``[stored]`` when there is no telling."""
        key = self._key(stored) if isinstance(stored, Literal) else None
        if path.iri is None or key is None:
            return [stored]
        found: list[Node] = [o for o in self.graph.objects(focus, URIRef(path.iri))
                 if isinstance(o, Literal) and (self._key(o) == key or (
                     o.ill_typed and key[0] == (_XSD.integer if o.datatype in _DERIVED_INTEGERS
                                                else o.datatype)
                     and str(o) == str(stored)))]
        return found or [stored]

    def result(self, r: ValidationResult) -> ValidationResult:
        focus = self.term(r.focus) or r.focus
        value = self.term(r.value, r.focus, r.path)
        return r if (focus, value) == (r.focus, r.value) else replace(r, focus=focus,
                                                                      value=value)


def _literal(text: str) -> Literal | None:
    with _quiet_rdflib():
        lit = next(iter(Graph().parse(data=f"<urn:s> <urn:p> {text} .", format="nt").objects()))
    return lit if isinstance(lit, Literal) else None
