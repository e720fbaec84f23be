"""Contributed datasets, written through the write gate.

``contribute`` = the parsed file (parse errors with line/column or row/column were raised
when it was read) → a :class:`~ogpkg.contrib.gate.Change` loading it into the contribution's
own graph → the gate validates it against the shapes together with the ontology and the
entities already in the store, and writes it only if it conforms, with provenance (who,
when, which file and its hash, the report). A dry run (``ogpkg validate``, the upload page)
is the same path ending in a roll-back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import FOAF, PROV, RDF, SDO, SH, XSD
from rdflib.term import Node

from ogpkg.contrib.gate import Change, Gate
from ogpkg.contrib.ingest import ParsedInput
from ogpkg.errors import InputError
from ogpkg.namespaces import BASE, CONTRIBUTION_GRAPH_PREFIX, ID, ONTOLOGY
from ogpkg.store import GraphLoad, MemoryDataset
from ogpkg.validation.validate import ValidationReport

Triple = tuple[Node, Node, Node]
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

    @property
    def conforms(self) -> bool:
        """No result that blocks a write (warnings do not)."""
        return not self.report.violations()


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


def contribute(gate: Gate, parsed: ParsedInput, *, contributor: str,
               graph: str | None = None, dry_run: bool = False,
               now: dt.datetime | None = None) -> Outcome:
    """Validate ``parsed`` in the context of the store and, unless ``dry_run`` or it does not
    conform, write it into its own graph with provenance. Non-conformance is the outcome
    (``outcome.conforms`` is False, nothing written), not an exception; raises
    :class:`~ogpkg.errors.Forbidden` when ``graph`` is one the policy keeps from writers and
    :class:`InputError` for a file with no triples."""
    if parsed.triples == 0:
        raise InputError(f"{parsed.name}: the file holds no triples; nothing to check")
    store = gate.store
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    graph = graph or (store.base_iri + CONTRIBUTION_GRAPH_PREFIX[len(BASE):]
                      + contribution_id(parsed, now))
    target = graph

    def with_provenance(report: ValidationReport) -> list[tuple[str, list[Triple]]]:
        return [(target, provenance(target, parsed, report, contributor, now, store.base_iri))]

    load = GraphLoad(graph, dataset=parsed.dataset, from_graph=None, source=parsed.name)
    change = Change(f"contribution {parsed.name} by {contributor}", replace=[load],
                    locate=parsed.locate, extra=with_provenance)
    done = gate.submit(change, dry_run=dry_run)
    return Outcome(done.report, graph, done.version if done.written else None, parsed.triples)
