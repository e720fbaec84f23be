"""Write the coverage table of data/README.md from the bundled data.

One SPARQL query over the bundled content (every named graph, the default graph their union)
counts, per country and level (national or local), the governments with an OGP or OGP Local
membership, the action plans (and those with a period), the commitments (and those with an
OGP identifier) and the OGP web pages the plans and commitments are read from. The table goes
between the markers ``<!-- coverage:start -->`` and ``<!-- coverage:end -->``.

Usage::

    python scripts/gen_coverage.py [--check]

``--check`` writes nothing and exits 1 when the table in data/README.md differs from a fresh
generation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogpkg.contrib import content  # noqa: E402
from ogpkg.store import MemoryDataset  # noqa: E402

README = ROOT / "data" / "README.md"
START = "<!-- coverage:start -->"
END = "<!-- coverage:end -->"

#: per country and level: members, plans, plans with a period, commitments, commitments with
#: an OGP identifier (letters then digits, e.g. KE0029; not a plan-based code such as
#: MA-01-2021-01), OGP web pages stating a plan or commitment
QUERY = """
PREFIX ogp: <https://w3id.org/ogp-kg/def/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX schema: <https://schema.org/>

SELECT ?country ?level
       (COUNT(DISTINCT ?member) AS ?members)
       (COUNT(DISTINCT ?plan) AS ?plans)
       (COUNT(DISTINCT ?datedPlan) AS ?datedPlans)
       (COUNT(DISTINCT ?commitment) AS ?commitments)
       (COUNT(DISTINCT ?identified) AS ?identifiedCommitments)
       (COUNT(DISTINCT ?page) AS ?pages)
WHERE {
  {
    SELECT DISTINCT ?government ?country ?level WHERE {
      ?government a ?class ; ogp:governs ?place .
      VALUES (?class ?level) { (ogp:NationalGovernment "national") (ogp:LocalGovernment "local") }
      GRAPH ?reference { ?place ogp:isoCode ?code }
      BIND (IF(CONTAINS(?code, "-"), STRBEFORE(?code, "-"), ?code) AS ?country)
    }
  }
  {
    ?membership org:member ?government ; org:role ?role .
    VALUES ?role { <https://w3id.org/ogp-kg/concept/role/national-member>
                   <https://w3id.org/ogp-kg/concept/role/local-member> }
    BIND (?government AS ?member)
  } UNION {
    ?plan ogp:government ?government .
    OPTIONAL { ?plan dcterms:temporal/time:hasBeginning ?begin . BIND (?plan AS ?datedPlan) }
    OPTIONAL { GRAPH ?planPage { ?plan ogp:government ?government }
               FILTER (STRSTARTS(STR(?planPage), "https://w3id.org/ogp-kg/graph/ogp-web-"))
               BIND (?planPage AS ?page) }
  } UNION {
    ?commitment ogp:inActionPlan ?commitmentPlan .
    ?commitmentPlan ogp:government ?government .
    OPTIONAL { ?commitment dcterms:identifier ?id . FILTER (REGEX(?id, "^[A-Z]+[0-9]+$"))
               BIND (?commitment AS ?identified) }
    OPTIONAL { GRAPH ?commitmentPage { ?commitment ogp:inActionPlan ?commitmentPlan }
               FILTER (STRSTARTS(STR(?commitmentPage), "https://w3id.org/ogp-kg/graph/ogp-web-"))
               BIND (?commitmentPage AS ?page) }
  }
}
GROUP BY ?country ?level
ORDER BY ?country DESC(?level)
"""

#: the same counts over all countries and levels
TOTALS = """
PREFIX ogp: <https://w3id.org/ogp-kg/def/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX time: <http://www.w3.org/2006/time#>

SELECT (COUNT(DISTINCT ?plan) AS ?plans) (COUNT(DISTINCT ?datedPlan) AS ?datedPlans)
       (COUNT(DISTINCT ?commitment) AS ?commitments)
       (COUNT(DISTINCT ?identified) AS ?identifiedCommitments)
       (COUNT(DISTINCT ?page) AS ?pages)
WHERE {
  {
    ?plan a ogp:ActionPlan .
    OPTIONAL { ?plan dcterms:temporal/time:hasBeginning ?begin . BIND (?plan AS ?datedPlan) }
  } UNION {
    ?commitment a ogp:Commitment .
    OPTIONAL { ?commitment dcterms:identifier ?id . FILTER (REGEX(?id, "^[A-Z]+[0-9]+$"))
               BIND (?commitment AS ?identified) }
  } UNION {
    GRAPH ?page { ?thing a ?class }
    VALUES ?class { ogp:ActionPlan ogp:Commitment }
    FILTER (STRSTARTS(STR(?page), "https://w3id.org/ogp-kg/graph/ogp-web-"))
  }
}
"""

COLUMNS = ("country", "level", "members", "plans", "datedPlans", "commitments",
           "identifiedCommitments", "pages")
HEADER = ("| country | level | members | action plans | with a period | commitments "
          "| with an OGP ID | OGP pages |\n|---|---|--:|--:|--:|--:|--:|--:|")


def load_bundled(root: Path = ROOT) -> MemoryDataset:
    """The bundled content, unvalidated; the default graph is the union of all graphs."""
    ds = MemoryDataset()
    for f in content.discover(root):
        part, graphs = content.parse_file(f)
        ds.copy_graphs_from(part, graphs)
    return ds


def counts(ds: MemoryDataset) -> dict[str, int]:
    """Totals over the whole data: plans, dated plans, commitments, identified ones, pages."""
    (row,) = ds.select(TOTALS)
    return {name: int(value) for name, value in row.items()}  # type: ignore[call-overload]


def table(ds: MemoryDataset) -> str:
    """The coverage table in Markdown, one row per country and level, then the totals."""
    lines = [HEADER]
    for row in ds.select(QUERY):
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in COLUMNS) + " |")
    total = counts(ds)
    lines.append(f"| **all** | | | **{total['plans']}** | **{total['datedPlans']}** | "
                 f"**{total['commitments']}** | **{total['identifiedCommitments']}** | "
                 f"**{total['pages']}** |")
    return "\n".join(lines) + "\n"


def splice(readme: str, generated: str) -> str:
    """``readme`` with the text between the markers replaced by ``generated``."""
    if START not in readme or END not in readme:
        raise ValueError(f"{README.relative_to(ROOT)}: markers {START} and {END} not found")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{generated}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when data/README.md's table is not a fresh generation")
    args = ap.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    try:
        fresh = splice(readme, table(load_bundled()))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.check:
        if fresh != readme:
            print(f"{README.relative_to(ROOT)}: coverage table out of date; run "
                  "python scripts/gen_coverage.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
