"""Write data/ogp-web/<slug>.trig files for action plans, commitments and IRM ratings from the
notes in scripts/ogp-web-plans.txt, one named graph per OGP page read.

The notes hold only what each page states, in a line format (fields separated by " | "):

    P <url> | <page title> | <language> [| <note on the version read>]
    # <quote>                       a comment kept above the next record
    L <plan code> | national|local | <government codes ;> | <start> | <end> | <number>
      | <count> | <title> | <policy areas ;>               (one line in the notes)
    C <OGP ID> | <plan code> | <title> | <policy areas as the page words them ;>
      | <lead institution>                                 (one line in the notes)
    A <OGP ID> | <indicator code> | <rating code or status code> | <methodology>
    G <government code> | <English name>
    N <text>                        an rdfs:comment on the last plan or commitment

A page's plans and commitments go into graph/ogp-web-<slug>, where <slug> is the page's URL
path with "/" written "-". Government codes are ISO 3166 codes (id/government/<code>).

Usage: python scripts/gen_ogp_web_plans.py [--check]
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "scripts" / "ogp-web-plans.txt"
OUT = ROOT / "data" / "ogp-web"

#: how OGP's pages word a policy area -> the code of concept/policy-area/ (others are kept in
#: a comment only)
AREAS = {
    "access to information": "access-to-information",
    "right to information": "right-to-information",
    "anti corruption and integrity": "anti-corruption",
    "anti-corruption and integrity": "anti-corruption",
    "anti-corruption": "anti-corruption",
    "anti corruption": "anti-corruption",
    "beneficial ownership": "beneficial-ownership",
    "capacity building": "capacity-building",
    "public participation": "public-participation",
    "civic space": "civic-space",
    "climate and environment": "climate-and-environment",
    "environment and climate": "climate-and-environment",
    "digital governance": "digital-governance",
    "e-government": "digital-governance",
    "fiscal openness": "fiscal-openness",
    "publication of budget/fiscal information": "publication-of-budget-fiscal-information",
    "debt": "debt",
    "gender": "gender",
    "gender and inclusion": "gender-and-inclusion",
    "inclusion": "gender-and-inclusion",
    "local commitments": "open-local-government",
    "subnational": "open-local-government",
    "lobbying": "lobbying",
    "natural resources": "natural-resources",
    "extractive industries": "natural-resources",
    "open data": "open-data",
    "justice": "open-justice",
    "access to justice": "open-justice",
    "open justice": "open-justice",
    "open parliaments": "open-parliament",
    "open parliament": "open-parliament",
    "public procurement": "public-procurement",
    "public service delivery": "public-service-delivery",
    "regulation": "regulation",
    "legislation & regulation": "regulation",
    "legislation and regulation": "regulation",
    "sustainable development goals": "sustainable-development-goals",
    "beneficial ownership transparency": "beneficial-ownership",
    "budget transparency": "fiscal-openness",
    "open contracting": "public-procurement",
    "inclusion of marginalized people": "gender-and-inclusion",
    "disability inclusion": "gender-and-inclusion",
    "natural resources data": "natural-resources",
    "extractives industry transparency": "natural-resources",
    "desarrollo de capacidades": "capacity-building",
    "participación pública": "public-participation",
}

HEADER = """@prefix ogp: <https://w3id.org/ogp-kg/def/> .
@prefix area: <https://w3id.org/ogp-kg/concept/policy-area/> .
@prefix indicator: <https://w3id.org/ogp-kg/concept/indicator/> .
@prefix rating: <https://w3id.org/ogp-kg/concept/rating/> .
@prefix status: <https://w3id.org/ogp-kg/concept/status/> .
@prefix country: <https://w3id.org/ogp-kg/id/country/> .
@prefix region: <https://w3id.org/ogp-kg/id/region/> .
@prefix gov: <https://w3id.org/ogp-kg/id/government/> .
@prefix agency: <https://w3id.org/ogp-kg/id/organisation/> .
@prefix plan: <https://w3id.org/ogp-kg/id/plan/> .
@prefix commitment: <https://w3id.org/ogp-kg/id/commitment/> .
@prefix src: <https://w3id.org/ogp-kg/id/source/> .
@prefix graph: <https://w3id.org/ogp-kg/graph/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix cv: <http://data.europa.eu/m8g/> .
"""

RATING_SCHEMES = {"completion": "status"}
#: the last line of every file this script writes
MARK = "# written by scripts/gen_ogp_web_plans.py from scripts/ogp-web-plans.txt\n"


class NotesError(ValueError):
    pass


@dataclass
class Page:
    url: str
    title: str
    language: str
    version_note: str
    line: int
    governments: dict[str, str] = field(default_factory=dict)
    blocks: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        path = urlparse(self.url).path.strip("/").lower()
        if not path:
            raise NotesError(f"line {self.line}: {self.url} has no path to name its graph")
        return path.replace("/", "-")


def lit(text: str, lang: str = "en") -> str:
    text = unicodedata.normalize("NFC", text)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}'


def year(value: str) -> str:
    return f'[ a time:Instant ; time:inXSDgYear "{value}"^^xsd:gYear ]'


def fields(rest: str, n: int, line: int) -> list[str]:
    parts = [p.strip() for p in rest.split(" | ")]
    if len(parts) > n:
        raise NotesError(f"line {line}: {len(parts)} fields, at most {n}: {rest!r}")
    return parts + [""] * (n - len(parts))


def plan_block(p: list[str], line: int, lang: str) -> tuple[str, str, list[str]]:
    code, kind, govs, start, end, number, count, title, areas = p
    if kind not in ("national", "local"):
        raise NotesError(f"line {line}: plan type {kind!r} is not national or local")
    cls = "ogp:NationalActionPlan" if kind == "national" else "ogp:LocalActionPlan"
    out = [f"plan:{code} a ogp:ActionPlan, {cls}, prov:Entity"]
    codes = [g.strip() for g in govs.split(";") if g.strip()]
    out.append("ogp:government " + ", ".join(f"gov:{g}" for g in codes))
    if start:
        interval = ("dcterms:temporal [ a time:Interval ;\n"
                    f"            time:hasBeginning {year(start)}")
        if end:
            interval += f" ;\n            time:hasEnd {year(end)}"
        out.append(interval + " ]")
    if number:
        out.append(f'ogp:planNumber "{int(number)}"^^xsd:positiveInteger')
    if count:
        out.append(f'ogp:commitmentCount "{int(count)}"^^xsd:nonNegativeInteger')
    if title:
        out.append(f"dcterms:title {lit(title, lang)}")
    worded = [a.strip() for a in areas.split(";") if a.strip()]
    mapped = sorted({AREAS[a.lower()] for a in worded if a.lower() in AREAS})
    if mapped:
        out.append("ogp:policyArea " + ", ".join(f"area:{c}" for c in mapped))
    if worded:
        out.append("rdfs:comment " + lit("Policy areas as the page words them: "
                                         + ", ".join(worded) + "."))
    return f"plan:{code}", kind, out


def commitment_block(p: list[str], line: int, lang: str) -> tuple[str, list[str], str]:
    ident, plan, title, areas, lead = p
    if not ident or not plan or not title:
        raise NotesError(f"line {line}: a commitment needs an ID, a plan and a title")
    out = [f"commitment:{ident} a ogp:Commitment, prov:Entity",
           f'dcterms:identifier "{ident}"', f"dcterms:title {lit(title, lang)}",
           f"ogp:inActionPlan plan:{plan}"]
    worded = [a.strip() for a in areas.split(";") if a.strip()]
    codes = sorted({AREAS[a.lower()] for a in worded if a.lower() in AREAS})
    if codes:
        out.append("ogp:policyArea " + ", ".join(f"area:{c}" for c in codes))
    notes = []
    if worded:
        notes.append("Policy areas as the page lists them: " + ", ".join(worded) + ".")
    if lead:
        notes.append(f"Lead institution: {lead}.")
    return f"commitment:{ident}", out, " ".join(notes)


def render(page: Page) -> str:
    g = f"graph:ogp-web-{page.slug}"
    s = f"src:ogp-web-{page.slug}"
    body = [f"    {g} a prov:Bundle ;\n        prov:wasDerivedFrom {s} .\n",
            f"    {s} a schema:WebPage, prov:Entity ;\n        schema:url <{page.url}> ;\n"
            f"        schema:name {lit(page.title, page.language)} ;\n"
            "        schema:publisher agency:ogp ;\n"
            f'        schema:inLanguage "{page.language}"'
            + (f" ;\n        rdfs:comment {lit(page.version_note)}" if page.version_note else "")
            + " .\n"]
    for code, name in sorted(page.governments.items()):
        level = "ogp:NationalGovernment" if "-" not in code else "ogp:LocalGovernment"
        place = f"country:{code}" if "-" not in code else f"region:{code}"
        body.append(f"    gov:{code} a cv:PublicOrganisation, org:Organization, {level} ;\n"
                    f"        ogp:governs {place} ;\n        rdfs:label {lit(name)} .\n")
    body.extend(page.blocks)
    return (f"# {page.title} ({page.url}): action plans, commitments and IRM ratings as the page\n"
            f"# states them.\n\n{HEADER}\n{g} {{\n\n" + "\n".join(body) + "}\n" + MARK)


def statement(lines: list[str]) -> str:
    head, *props = lines
    text = "    " + head
    for prop in props:
        text += " ;\n        " + prop
    return text + " .\n"


def parse(text: str) -> list[Page]:
    pages: list[Page] = []
    page: Page | None = None
    last: list[str] | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        tag, _, rest = line.partition(" ")
        if tag == "P":
            url, title, language, note = fields(rest, 4, n)
            page = Page(url, title, language or "en", note, n)
            pages.append(page)
            last = None
            continue
        if page is None:
            raise NotesError(f"line {n}: {tag!r} record before any page (P line)")
        if tag == "#":
            page.pending.append(line)
            continue
        comments = "".join(f"    {c}\n" for c in page.pending)
        page.pending = []
        if tag == "G":
            code, name = fields(rest, 2, n)
            page.governments[code] = name
        elif tag == "L":
            p = fields(rest, 9, n)
            _, _, lines = plan_block(p, n, page.language)
            for gcode in p[2].split(";"):
                if gcode.strip() and gcode.strip() not in page.governments:
                    raise NotesError(f"line {n}: government {gcode.strip()} has no G line")
            last = lines
            page.blocks.append(comments)
            page.blocks.append(lines)  # type: ignore[arg-type]
        elif tag == "C":
            _, lines, note = commitment_block(fields(rest, 5, n), n, page.language)
            if note:
                lines.append(f"rdfs:comment {lit(note)}")
            last = lines
            page.blocks.append(comments)
            page.blocks.append(lines)  # type: ignore[arg-type]
        elif tag == "A":
            ident, ind, rate, method = fields(rest, 4, n)
            scheme = RATING_SCHEMES.get(ind, "rating")
            assessment = (f"ogp:hasAssessment [ a ogp:Assessment, prov:Entity ;\n"
                          f"            ogp:indicator indicator:{ind} ;\n"
                          f"            ogp:rating {scheme}:{rate} ;\n"
                          + (f'            ogp:methodologyVersion "{method}" ;\n' if method else "")
                          + f"            prov:wasDerivedFrom src:ogp-web-{page.slug} ]")
            target = None
            for block in reversed(page.blocks):
                if isinstance(block, list) and block[0].startswith(f"commitment:{ident} "):
                    target = block
                    break
            if target is None:
                raise NotesError(f"line {n}: assessment of {ident} before its C line")
            target.append(assessment)
        elif tag == "N":
            if last is None:
                raise NotesError(f"line {n}: note before any plan or commitment")
            last.append(f"rdfs:comment {lit(rest.strip())}")
        else:
            raise NotesError(f"line {n}: unknown record {tag!r}")
    for page in pages:
        page.blocks = [b if isinstance(b, str) else statement(b) for b in page.blocks]
    return pages


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a file differs from what the notes give")
    args = ap.parse_args(argv)
    try:
        pages = parse(NOTES.read_text(encoding="utf-8"))
    except NotesError as exc:
        print(f"{NOTES.relative_to(ROOT)} {exc}", file=sys.stderr)
        return 2
    slugs: dict[str, int] = {}
    stale = []
    for page in pages:
        if page.slug in slugs:
            print(f"{NOTES.relative_to(ROOT)} line {page.line}: page {page.slug} already read at "
                  f"line {slugs[page.slug]}", file=sys.stderr)
            return 2
        slugs[page.slug] = page.line
        path = OUT / f"{page.slug}.trig"
        text = render(page)
        if path.exists() and not path.read_text(encoding="utf-8").endswith(MARK):
            print(f"{NOTES.relative_to(ROOT)} line {page.line}: {path.name} exists and is not "
                  "written from these notes", file=sys.stderr)
            return 2
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    print(f"{len(pages)} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
