"""The documentation part of a term's page: what an ontology class, property, concept or
concept scheme is, read from the ontology, the concept schemes and the SHACL shapes.

A class shows its definition, super- and subclasses, the properties whose domain or range it
is, the rules the shapes set for its instances (with their names and descriptions in the
reader's language), and how many instances the dataset has, with a few of them. A property
shows its domain, range, the rules that use it and examples of its use; a concept its scheme,
broader and narrower concepts and what refers to it.

:func:`gather` runs the queries (on the workers, like any query) and collects the IRIs to
label; :func:`render` writes the HTML once the labels are known.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from ogpkg.i18n import TERM
from ogpkg.query.service import Rows
from ogpkg.web import links
from ogpkg.web.resource_page import Select

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"

CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
                  RDF + "Property"}
#: how many instances or uses are listed as examples
EXAMPLES = 12



@dataclass
class TermDoc:
    """What :func:`gather` found about one term."""

    iri: str
    kind: str  # class, property, concept, scheme
    rows: dict[str, Rows] = field(default_factory=dict)
    count: int = 0
    iris: set[str] = field(default_factory=set)


def kind_of(types: set[str]) -> str | None:
    if types & CLASS_TYPES:
        return "class"
    if types & PROPERTY_TYPES:
        return "property"
    if SKOS + "ConceptScheme" in types:
        return "scheme"
    if SKOS + "Concept" in types:
        return "concept"
    return None


def _rule_query(where: str) -> str:
    return f"""SELECT ?shape ?ps ?path ?cls ?name ?desc ?min ?max ?severity WHERE {{
      {where}
      OPTIONAL {{ ?shape <{SH}targetClass> ?cls }}
      OPTIONAL {{ ?ps <{SH}name> ?name }} OPTIONAL {{ ?ps <{SH}description> ?desc }}
      OPTIONAL {{ ?ps <{SH}minCount> ?min }} OPTIONAL {{ ?ps <{SH}maxCount> ?max }}
      OPTIONAL {{ ?ps <{SH}severity> ?severity }} }} LIMIT 500"""


def _queries(iri: str, kind: str) -> dict[str, str]:
    t = f"<{iri}>"
    if kind == "class":
        return {
            "sub": f"SELECT DISTINCT ?x WHERE {{ ?x <{RDFS}subClassOf> {t} }} ORDER BY ?x",
            "domain_of": f"SELECT DISTINCT ?x ?r WHERE {{ ?x <{RDFS}domain> {t} "
                         f"OPTIONAL {{ ?x <{RDFS}range> ?r }} }} ORDER BY ?x",
            "range_of": f"SELECT DISTINCT ?x ?d WHERE {{ ?x <{RDFS}range> {t} "
                        f"OPTIONAL {{ ?x <{RDFS}domain> ?d }} }} ORDER BY ?x",
            "rules": _rule_query(f"?shape <{SH}targetClass> {t} ; <{SH}property> ?ps . "
                                 f"?ps <{SH}path> ?path ."),
            "count": f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {t} }}",
            "examples": f"SELECT DISTINCT ?x WHERE {{ ?x a {t} }} ORDER BY ?x LIMIT {EXAMPLES}",
        }
    if kind == "property":
        return {
            "used_by": _rule_query(f"?ps <{SH}path> {t} . ?shape <{SH}property> ?ps ."),
            "count": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {t} ?o }}",
            "examples": f"SELECT ?s ?o WHERE {{ ?s {t} ?o }} ORDER BY ?s LIMIT {EXAMPLES}",
        }
    if kind == "scheme":
        return {
            "concepts": f"SELECT DISTINCT ?x WHERE {{ ?x <{SKOS}inScheme> {t} }} ORDER BY ?x",
        }
    return {
        "narrower": f"SELECT DISTINCT ?x WHERE {{ {{ ?x <{SKOS}broader> {t} }} UNION "
                    f"{{ {t} <{SKOS}narrower> ?x }} }} ORDER BY ?x",
        "count": f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p {t} "
                 f"FILTER NOT EXISTS {{ ?s a <{SKOS}Concept> }} }}",
        "examples": f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {t} "
                    f"FILTER NOT EXISTS {{ ?s a <{SKOS}Concept> }} }} ORDER BY ?s "
                    f"LIMIT {EXAMPLES}",
    }


async def gather(iri: str, types: set[str], select: Select) -> TermDoc | None:
    """The documentation facts of ``iri``, or None when it is not a term."""
    kind = kind_of(types)
    if kind is None:
        return None
    doc = TermDoc(iri, kind)
    for name, query in _queries(iri, kind).items():
        rows = await select(query)
        if name == "count":
            doc.count = int(rows[0]["n"]["value"]) if rows else 0
            continue
        doc.rows[name] = rows
        for row in rows:
            doc.iris.update(v["value"] for v in row.values() if v["type"] == "uri")
    return doc


Link = Callable[[str], str]


def _value(v: dict[str, str], link: Link) -> str:
    if v["type"] == "uri":
        return link(v["value"])
    if v["type"] == "bnode":
        return "<em>[…]</em>"
    return links.bdi(v["value"])


def _pick(rows: Rows, key: str, lang: str) -> str | None:
    """The value of ``key`` in ``lang`` (else English, else any) among ``rows``."""
    found = {r[key].get("xml:lang", ""): r[key]["value"] for r in rows if key in r}
    for want in (lang, "en", ""):
        if want in found:
            return found[want]
    return next(iter(found.values()), None)


def _rules_table(rows: Rows, lang: str, link: Link, *, by_class: bool) -> str:
    w = TERM[lang]
    by_ps: dict[str, Rows] = {}
    for r in rows:
        by_ps.setdefault(r["ps"]["value"], []).append(r)
    lines = []
    for group in by_ps.values():
        first = group[0]
        name = _pick(group, "name", lang)
        desc = _pick(group, "desc", lang)
        lo = first.get("min", {}).get("value", "0")
        hi = first.get("max", {}).get("value", "*")
        severity = first.get("severity", {}).get("value", SH + "Violation").rsplit("#", 1)[-1]
        target = first.get("cls") if by_class else first.get("path")
        subject = _value(target, link) if target else ""
        text = (f"<strong>{links.bdi(name)}</strong>: " if name else "") + links.bdi(
            desc or "")
        lines.append(f"<tr><td>{subject}</td><td>{text}</td>"
                     f"<td dir=\"ltr\">{html.escape(lo)}..{html.escape(hi)}</td>"
                     f"<td>{html.escape(severity)}</td></tr>")
    head = w["for_class"] if by_class else w["property"]
    return ("<table class=\"rules\"><thead><tr>"
            f"<th scope=\"col\">{html.escape(head)}</th><th scope=\"col\">{w['rule']}</th>"
            f"<th scope=\"col\">{w['count']}</th><th scope=\"col\">{w['severity']}</th>"
            f"</tr></thead><tbody>{''.join(sorted(lines))}</tbody></table>")


def _list(items: list[str], lang: str) -> str:
    if not items:
        return f"<p>{TERM[lang]['none']}</p>"
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def render(doc: TermDoc, definition: str | None, lang: str, link: Link) -> str:
    """The documentation section of the term's page."""
    w = TERM[lang]
    parts = [f'<section class="termdoc" aria-labelledby="termdoc"><h2 id="termdoc">'
             f"{w['documentation']}: {w[doc.kind]}</h2>"]
    if definition:
        parts.append(f'<p class="definition" dir="auto">{html.escape(definition)}</p>')
    rows = doc.rows
    if doc.kind == "class":
        parts.append(f"<h3>{w['sub']}</h3>"
                     + _list([link(r["x"]["value"]) for r in rows["sub"]], lang))
        parts.append(f"<h3>{w['domain_of']}</h3>" + _list(
            [link(r["x"]["value"]) + (f" → {_value(r['r'], link)}" if "r" in r else "")
             for r in rows["domain_of"]], lang))
        parts.append(f"<h3>{w['range_of']}</h3>" + _list(
            [(f"{_value(r['d'], link)} → " if "d" in r else "") + link(r["x"]["value"])
             for r in rows["range_of"]], lang))
        if rows["rules"]:
            parts.append(f"<h3>{w['rules']}</h3>"
                         + _rules_table(rows["rules"], lang, link, by_class=False))
        query = f"SELECT ?x WHERE {{ ?x a <{doc.iri}> }} ORDER BY ?x"
        parts.append(f"<h3>{w['instances']} ({doc.count:,})</h3>"
                     + _list([link(r["x"]["value"]) for r in rows["examples"]], lang)
                     + _query_link(query, w["all"], doc.count))
    elif doc.kind == "property":
        if rows["used_by"]:
            parts.append(f"<h3>{w['used_by']}</h3>"
                         + _rules_table(rows["used_by"], lang, link, by_class=True))
        query = f"SELECT ?s ?o WHERE {{ ?s <{doc.iri}> ?o }} ORDER BY ?s"
        parts.append(f"<h3>{w['uses']} ({doc.count:,})</h3>" + _list(
            [f"{link(r['s']['value'])} → {_value(r['o'], link)}" for r in rows["examples"]],
            lang) + _query_link(query, w["all"], doc.count))
    elif doc.kind == "scheme":
        parts.append(f"<h3>{w['concepts']}</h3>"
                     + _list([link(r["x"]["value"]) for r in rows["concepts"]], lang))
    else:
        parts.append(f"<h3>{w['narrower']}</h3>"
                     + _list([link(r["x"]["value"]) for r in rows["narrower"]], lang))
        query = (f"SELECT ?s ?p WHERE {{ ?s ?p <{doc.iri}> "
                 f"FILTER NOT EXISTS {{ ?s a <{SKOS}Concept> }} }} ORDER BY ?s")
        parts.append(f"<h3>{w['referenced']} ({doc.count:,})</h3>" + _list(
            [f"{link(r['s']['value'])} — {link(r['p']['value'])}" for r in rows["examples"]],
            lang) + _query_link(query, w["all"], doc.count))
    parts.append("</section>")
    return "\n".join(parts)


def _query_link(query: str, text: str, count: int) -> str:
    if count <= EXAMPLES:
        return ""
    return f'<p><a href="/query?{html.escape(urlencode({"query": query}))}">{text}</a></p>'
