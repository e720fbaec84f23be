"""Validation-gated writes of contributed datasets.

``contribute`` = read (parse errors with line/column or row/column) → load into the working
copy under the contribution's own graph → validate against the shapes together with the
ontology and the entities already in the store → write only if it conforms, with provenance
(who, when, which file and its hash, the report). Anything else rolls the working copy back:
the committed store is untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import FOAF, PROV, RDF, SDO, SH, XSD
from rdflib.term import Node

from ogpkg.errors import OgpkgError, ValidationFailed
from ogpkg.ingest import ParsedInput
from ogpkg.namespaces import BASE, CONTRIBUTION_GRAPH_PREFIX, ID, ONTOLOGY
from ogpkg.store import GraphLoad, MemoryDataset, Store
from ogpkg.validate import Shapes, ValidationReport, validate

OGP_SHA256 = URIRef(ONTOLOGY + "contentSha256")
OGP_REPORT = URIRef(ONTOLOGY + "validationReport")


@dataclass
class Outcome:
    """What a contribution (or a dry run) produced."""

    report: ValidationReport
    graph: str
    version: int | None  # the new data version when written, else None
    triples: int

    @property
    def written(self) -> bool:
        return self.version is not None


class _DryRun(OgpkgError):
    """Raised inside a write to roll a validation-only run back."""


def contribution_id(parsed: ParsedInput, now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + parsed.sha256[:10]


def rebase_iri(iri: str, base_iri: str) -> str:
    return base_iri + iri[len(BASE):] if iri.startswith(BASE) else iri


def provenance(graph: str, parsed: ParsedInput, report: ValidationReport, contributor: str,
               now: dt.datetime, base_iri: str = BASE) -> list[tuple[Node, Node, Node]]:
    """Triples describing a contribution graph: a prov:Bundle derived from the uploaded file,
    attributed to its contributor, with the file's name, hash and the validation report."""
    g = URIRef(graph)
    ident = graph.rsplit("/", 1)[-1]
    src = URIRef(rebase_iri(ID + "source/contribution-" + ident, base_iri))
    agent = BNode()
    report_node = URIRef(graph + "#report")
    stamp = Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    triples: list[tuple[Node, Node, Node]] = [
        (g, RDF.type, PROV.Bundle),
        (g, PROV.wasDerivedFrom, src),
        (g, PROV.wasAttributedTo, agent),
        (g, PROV.generatedAtTime, stamp),
        (g, OGP_REPORT, report_node),
        (agent, RDF.type, PROV.Agent),
        (agent, FOAF.name, Literal(contributor)),
        (src, RDF.type, PROV.Entity),
        (src, RDF.type, SDO.DigitalDocument),
        (src, SDO.name, Literal(parsed.name)),
        (src, SDO.encodingFormat, Literal(parsed.fmt)),
        (src, SDO.contentSize, Literal(parsed.size, datatype=XSD.integer)),
        (src, OGP_SHA256, Literal(parsed.sha256)),
        (src, SDO.dateCreated, stamp),
    ]
    # the report itself (sh:conforms and every warning), its root node named report_node
    rep = MemoryDataset()
    rep.load(report.to_turtle().encode(), "turtle", source="report", graph=graph)
    quads = list(rep.quads(graph))
    roots = {s for s, p, o, _ in quads if p == RDF.type and o == SH.ValidationReport}
    for s, p, o, _ in quads:
        triples.append((report_node if s in roots else s, p, o))
    return triples


def contribute(store: Store, shapes: Shapes, parsed: ParsedInput, *, contributor: str,
               graph: str | None = None, dry_run: bool = False,
               max_literal_bytes: int | None = None,
               now: dt.datetime | None = None) -> Outcome:
    """Validate ``parsed`` in the context of the store and, unless ``dry_run``, write it.

    Returns the :class:`Outcome`. Raises :class:`ValidationFailed` (carrying the report) when
    the data does not conform; :class:`StoreError` when the store cannot be written. The
    committed store is unchanged unless the outcome says ``written``.
    """
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    graph = graph or (store.base_iri + CONTRIBUTION_GRAPH_PREFIX[len(BASE):]
                      + contribution_id(parsed, now))
    holder: dict[str, ValidationReport] = {}

    def check(st: Store, graphs: list[str]) -> None:
        report = validate(st, shapes, focus_graphs=graphs, locate=parsed.locate,
                          max_literal_bytes=max_literal_bytes)
        holder["report"] = report
        if not report.conforms:
            raise ValidationFailed(
                f"{parsed.name}: does not conform ({len(report.violations())} violation(s)); "
                "nothing was written", report)
        if dry_run:
            raise _DryRun("dry run")
        st.add_quads(graph, provenance(graph, parsed, report, contributor, now, st.base_iri))

    load = GraphLoad(graph, dataset=parsed.dataset, from_graph=None, source=parsed.name)
    try:
        version = store.write(replace=[load], check=check, meta={
            "message": f"contribution {parsed.name} by {contributor}"})
    except _DryRun:
        return Outcome(holder["report"], graph, None, parsed.triples)
    return Outcome(holder["report"], graph, version, parsed.triples)

