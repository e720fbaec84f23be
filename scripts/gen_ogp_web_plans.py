"""Write data/ogp-web/<slug>.trig files for action plans, commitments and IRM ratings from the
notes in scripts/ogp-web-plans.txt, one named graph per OGP page read.

The notes hold only what each page states, in a line format (fields separated by " | "):

    P <url> | <page title> | <language> [| <note on the version read> [| <slug>]]
                                    the slug names the graph of a second version of a page
                                    whose path another version's graph already has
    # <quote>                       a comment kept above the next record
    L <plan code> | national|local | <government codes ;> | <start> | <end> | <number>
      | <count> | <title> | <policy areas ;>               (one line in the notes)
    C <OGP ID> | <plan code> | <title> | <policy areas as the page words them ;>
      | <lead institution>                                 (one line in the notes)
    A <OGP ID> | <indicator code> | <rating code or status code> | <methodology>
    G <government code> | <English name>
    N <text>                        an rdfs:comment on the last plan or commitment
    M <government code> | national|local | <joined> | <cohort> | <status> | <attested on>
      | <year naming the membership>                       (one line in the notes)
                                    an OGP (national) or OGP Local (local) membership; joined
                                    as precise as the page gives it (2011, 2011-09, 2011-09-20);
                                    the membership is named by the year joined, unless another
                                    page named it first (a page giving only a status, or a
                                    different year, then names it by that page's year)
    K <locality code> | <admin level, where the page gives it> | <English name>
                                    a place without an ISO 3166-2 code
                                    (data/registry/localities.csv)

The notes are scripts/ogp-web-plans.txt and every scripts/ogp-web-notes/*.txt, read in name
order; a page is read in one of them only.

A page's plans and commitments go into graph/ogp-web-<slug>, where <slug> is the page's URL
path with "/" written "-". Government codes are ISO 3166 codes or locality codes
(id/government/<code>).

Usage: python scripts/gen_ogp_web_plans.py [--check]
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "scripts" / "ogp-web-plans.txt"
NOTES_DIR = ROOT / "scripts" / "ogp-web-notes"
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

#: prefixes a page with memberships or localities needs beyond HEADER
MEMBER_HEADER = """@prefix membership: <https://w3id.org/ogp-kg/id/membership/> .
@prefix place: <https://w3id.org/ogp-kg/id/place/> .
@prefix role: <https://w3id.org/ogp-kg/concept/role/> .
@prefix cohort: <https://w3id.org/ogp-kg/concept/cohort/> .
@prefix mstatus: <https://w3id.org/ogp-kg/concept/membership-status/> .
@prefix level: <https://w3id.org/ogp-kg/concept/admin-level/> .
"""

LOCALITY = re.compile(r"[A-Z]{2}-L\d{4}")
JOINED = {4: ("inXSDgYear", "gYear"), 7: ("inXSDgYearMonth", "gYearMonth"),
          10: ("inXSDDate", "date")}
COHORT = re.compile(r"local-(\d{4})")
STATUSES = ("active", "inactive", "withdrawn")

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
    own_slug: str = ""
    governments: dict[str, str] = field(default_factory=dict)
    blocks: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    members: bool = False
    localities: set[str] = field(default_factory=set)

    @property
    def slug(self) -> str:
        if self.own_slug:
            return self.own_slug
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


def membership_block(p: list[str], line: int) -> list[str]:
    code, kind, joined, cohort, status, attested, known = p
    if kind not in ("national", "local"):
        raise NotesError(f"line {line}: membership level {kind!r} is not national or local")
    if kind == "national" and "-" in code:
        raise NotesError(f"line {line}: a national member is a country, not {code!r}")
    if joined and (len(joined) not in JOINED or not re.fullmatch(r"\d{4}(-\d{2}){0,2}", joined)):
        raise NotesError(f"line {line}: joined {joined!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    match = COHORT.fullmatch(cohort) if cohort else None
    if cohort and (kind != "local" or match is None):
        raise NotesError(f"line {line}: cohort {cohort!r} is not local-YYYY of a local member")
    if status and status not in STATUSES:
        raise NotesError(f"line {line}: status {status!r} is not one of {', '.join(STATUSES)}")
    if attested and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", attested):
        raise NotesError(f"line {line}: attested-on {attested!r} is not YYYY-MM-DD")
    org = "ogp" if kind == "national" else "ogp-lp"
    if known and not re.fullmatch(r"\d{4}", known):
        raise NotesError(f"line {line}: year naming the membership {known!r} is not a year")
    start = known or (joined[:4] if joined else (match.group(1) if match else ""))
    name = f"{code}-{org}-{start}" if start else f"{code}-{org}-{kind}-member"
    out = [f"membership:{name} a org:Membership", f"org:member gov:{code}",
           f"org:organization agency:{org}", f"org:role role:{kind}-member"]
    if cohort:
        out.append(f"ogp:cohort cohort:{cohort}")
    if status:
        out.append(f"ogp:membershipStatus mstatus:{status}")
    if attested:
        out.append(f'ogp:attestedOn "{attested}"^^xsd:date')
    if joined:
        prop, dtype = JOINED[len(joined)]
        out.append("org:memberDuring [ a time:Interval ;\n            time:hasBeginning "
                   f'[ a time:Instant ; time:{prop} "{joined}"^^xsd:{dtype} ] ]')
    elif not status and not cohort:
        raise NotesError(f"line {line}: membership of {code} needs a joining date, a cohort "
                         "or a status")
    return out


def locality_block(p: list[str], line: int) -> list[str]:
    code, level, name = p
    if not LOCALITY.fullmatch(code) or not name:
        raise NotesError(f"line {line}: a locality needs a code XX-Lnnnn and a name")
    out = [f"place:{code} a ogp:Locality, cv:AdminUnit, dcterms:Location",
           f'dcterms:identifier "{code}"']
    if level:
        out.append(f"ogp:adminLevel level:{level}")
    return [*out, f"schema:containedInPlace country:{code[:2]}", f"rdfs:label {lit(name)}"]


def government_place(code: str) -> str:
    if LOCALITY.fullmatch(code):
        return f"place:{code}"
    return f"country:{code}" if "-" not in code else f"region:{code}"


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
        place = government_place(code)
        body.append(f"    gov:{code} a cv:PublicOrganisation, org:Organization, {level} ;\n"
                    f"        ogp:governs {place} ;\n        rdfs:label {lit(name)} .\n")
    if page.members and any("agency:ogp-lp" in b for b in page.blocks):
        body.append("    agency:ogp-lp a org:OrganizationalUnit ;\n"
                    "        org:subOrganizationOf agency:ogp ;\n"
                    '        rdfs:label "OGP Local"@en .\n')
    body.extend(page.blocks)
    what = "memberships, action plans" if page.members else "action plans"
    header = HEADER + (MEMBER_HEADER if page.members else "")
    return (f"# {page.title} ({page.url}): {what}, commitments and IRM ratings as the page\n"
            f"# states them.\n\n{header}\n{g} {{\n\n" + "\n".join(body) + "}\n" + MARK)


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
            url, title, language, note, own = fields(rest, 5, n)
            if own and not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", own):
                raise NotesError(f"line {n}: slug {own!r} is not lowercase words joined by '-'")
            page = Page(url, title, language or "en", note, n, own)
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
            if LOCALITY.fullmatch(code) and code not in page.localities:
                raise NotesError(f"line {n}: locality {code} has no K line before its G line")
            page.governments[code] = name
        elif tag in ("M", "K"):
            p = fields(rest, 7 if tag == "M" else 3, n)
            if tag == "M" and p[0] not in page.governments:
                raise NotesError(f"line {n}: government {p[0]} has no G line")
            lines = membership_block(p, n) if tag == "M" else locality_block(p, n)
            if tag == "K":
                page.localities.add(p[0])
            page.members = True
            last = None
            page.blocks.append(comments)
            page.blocks.append(lines)  # type: ignore[arg-type]
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


def notes_files() -> list[Path]:
    return [NOTES, *sorted(NOTES_DIR.glob("*.txt"))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a file differs from what the notes give")
    args = ap.parse_args(argv)
    read: list[tuple[Path, Page]] = []
    for notes in notes_files():
        try:
            read.extend((notes, page) for page in parse(notes.read_text(encoding="utf-8")))
        except NotesError as exc:
            print(f"{notes.relative_to(ROOT)} {exc}", file=sys.stderr)
            return 2
    slugs: dict[str, str] = {}
    stale = []
    for notes, page in read:
        where = f"{notes.relative_to(ROOT)} line {page.line}"
        if page.slug in slugs:
            print(f"{where}: page {page.slug} already read at {slugs[page.slug]}",
                  file=sys.stderr)
            return 2
        slugs[page.slug] = where
        path = OUT / f"{page.slug}.trig"
        text = render(page)
        if path.exists() and not path.read_text(encoding="utf-8").endswith(MARK):
            print(f"{where}: {path.name} exists and is not written from these notes",
                  file=sys.stderr)
            return 2
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    print(f"{len(read)} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
