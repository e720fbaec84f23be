"""Counts over a store snapshot: triples per graph, instances per class."""

from __future__ import annotations

from typing import Any

from ogpkg.store import Snapshot

_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_CLASSES = """SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c }
GROUP BY ?c ORDER BY DESC(?n) ?c"""


def compute_stats(snap: Snapshot) -> dict[str, Any]:
    """``{"version", "triples", "graphs": {iri: n}, "classes": {iri: n}}``."""
    graphs = {str(r["g"]): int(r["n"]) for r in snap.select(_GRAPHS)}  # type: ignore[call-overload]
    classes = {str(r["c"]): int(r["n"]) for r in snap.select(_CLASSES)}  # type: ignore[call-overload]
    return {"version": snap.version, "triples": sum(graphs.values()), "graphs": graphs,
            "classes": classes}
