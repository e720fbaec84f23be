"""The CSV templates (action plans, commitments, members, steering-committee seats) and their
mapping onto the data model.

A template is a list of :class:`Column`; the table in ``data/templates/README.md`` documents
the same columns (a test keeps the two in step). Reading a CSV file:

1. the header is checked — missing required columns, unknown columns (with the closest known
   name), duplicates — and all its problems are reported together;
2. every data row is checked and mapped to RDF; all problems of all rows are collected and
   raised together as one :class:`InputError` whose ``detail["errors"]`` lists each
   ``{row, column, value, message}``.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is
row 2. Files are UTF-8 (a byte-order mark is fine) and comma-separated.

Whether a referenced plan, government or organisation exists is not checked here: that is a
question about the whole graph, answered by SHACL validation.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ogpkg.contrib.ingest.vocab import ConceptCodes
from ogpkg.errors import InputError, Location, ParseError
from ogpkg.namespaces import BASE, PREFIXES
from ogpkg.store import MemoryDataset

XSD = PREFIXES["xsd"]
RDF_TYPE = URIRef(PREFIXES["rdf"] + "type")

#: at most this many problems are spelled out in an error message (all are in its detail)
MAX_LISTED = 25


@dataclass(frozen=True)
class Column:
    """One column of a template, as documented in ``data/templates/README.md``."""

    name: str
    required: bool
    format: str
    meaning: str
    example: str
    rdf: str


@dataclass(frozen=True)
class Template:
    name: str
    columns: tuple[Column, ...]
    #: what makes a row (the column whose value names the thing a row describes)
    key: str

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def describe(self) -> str:
        return f"{self.name} (required columns: {', '.join(self.required)})"

    def markdown_table(self) -> str:
        """The column table of ``data/templates/README.md``."""
        lines = ["| column | required | type / format | meaning | example | becomes (RDF) |",
                 "|---|---|---|---|---|---|"]
        for c in self.columns:
            example = f"`{c.example}`" if c.example else ""
            lines.append(f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.format} | "
                         f"{c.meaning} | {example} | {c.rdf} |")
        return "\n".join(lines) + "\n"


def _texts(thing: str, title_examples: dict[str, str]) -> tuple[Column, ...]:
    """title_* and description_* columns in English, French and Arabic."""
    labels = {"en": "English", "fr": "French", "ar": "Arabic"}
    cols = [Column(f"title_{lang}", False, "text",
                   f"The {thing}'s title in {label}; at least one title_* is required.",
                   title_examples.get(lang, ""), f'`dcterms:title "…"@{lang}`')
            for lang, label in labels.items()]
    cols += [Column(f"description_{lang}", False, "text",
                    f"A short description of the {thing} in {label}.", "",
                    f'`dcterms:description "…"@{lang}`')
             for lang, label in labels.items()]
    return tuple(cols)


ACTION_PLANS = Template("action-plans", key="plan_id", columns=(
    Column("plan_id", True, "plan code: `<government code>-<start year>`",
           "The plan's code: the code of its (first) government and its start year.",
           "MA-2021", "the plan's IRI `id/plan/<plan_id>`; `dcterms:identifier`"),
    Column("type", True, "`national` or `local`",
           "A national action plan or an OGP Local action plan.",
           "national", "`a ogp:NationalActionPlan` or `a ogp:LocalActionPlan` "
           "(always also `ogp:ActionPlan`, `prov:Entity`)"),
    Column("governments", True, "government codes, `;`-separated",
           "The governments behind the plan, by the ISO 3166 code of the place each governs.",
           "MA", "`ogp:government <id/government/<code>>` for each"),
    Column("start_year", True, "year `YYYY`", "The first year of the plan.", "2021",
           "`dcterms:temporal [ a time:Interval ; time:hasBeginning [ a time:Instant ; "
           "time:inXSDgYear \"2021\"^^xsd:gYear ] ]`"),
    Column("end_year", False, "year `YYYY`, not before start_year",
           "The last year of the plan.", "2023",
           "`time:hasEnd [ a time:Instant ; time:inXSDgYear \"2023\"^^xsd:gYear ]` "
           "on the same interval"),
    Column("plan_number", False, "whole number ≥ 1",
           "Which plan of this government it is (1 for the first).", "2",
           "`ogp:planNumber \"2\"^^xsd:positiveInteger`"),
    *_texts("plan", {"en": "Second national open government action plan 2021-2023",
                     "ar": "خطة عمل وطنية ثانية للحكومة المنفتحة للفترة 2021-2023"}),
    Column("commitment_count", False, "whole number ≥ 0",
           "The number of commitments, as the source states it.", "22",
           "`ogp:commitmentCount \"22\"^^xsd:nonNegativeInteger`"),
    Column("policy_areas", False, "policy-area codes, `;`-separated",
           "Policy areas the plan addresses (codes of `concept/policy-area/`).",
           "transparency;open-justice", "`ogp:policyArea <concept/policy-area/<code>>` each"),
    Column("status", False, "status code",
           "The stage the plan is in (a code of `concept/status/`).", "in-implementation",
           "`ogp:planStatus <concept/status/<code>>`"),
    Column("published_at", False, "URL (`http://` or `https://`)",
           "The page or portal where the plan is published.", "http://www.gouvernement-ouvert.ma/",
           "`ogp:publishedAt <URL>`"),
))

COMMITMENTS = Template("commitments", key="commitment_id", columns=(
    Column("commitment_id", True,
           "OGP commitment ID, or `<plan_id>-<nn>` where OGP has none",
           "The commitment's code: letters, digits and inner hyphens.", "MO0001",
           "the commitment's IRI `id/commitment/<commitment_id>`; `dcterms:identifier`; "
           "`a ogp:Commitment, prov:Entity`"),
    Column("plan_id", True, "plan code (see action-plans)",
           "The action plan the commitment belongs to.", "MA-2018",
           "`ogp:inActionPlan <id/plan/<plan_id>>`"),
    *_texts("commitment", {"en": "ATI Awareness Raising"}),
    Column("policy_areas", False, "policy-area codes, `;`-separated",
           "Policy areas the commitment addresses.", "access-to-information;public-participation",
           "`ogp:policyArea <concept/policy-area/<code>>` each"),
    Column("ogp_values", False, "OGP value codes, `;`-separated",
           "OGP values the commitment is relevant to (codes of `concept/ogp-value/`).",
           "access-to-information;civic-participation",
           "`ogp:ogpValue <concept/ogp-value/<code>>` each"),
    Column("lead_institution", False, "organisation code, or a government code",
           "The institution leading the commitment: an organisation's code (lowercase, e.g. "
           "`ma-mrafp`) or a government's ISO code (uppercase, e.g. `MA-01`).", "ma-mrafp",
           "`ogp:leadInstitution <id/organisation/<code>>` or `<id/government/<code>>`"),
    Column("supporting_institutions", False,
           "organisation or government codes, `;`-separated",
           "Institutions supporting the commitment.", "ndi",
           "`ogp:supportingInstitution <…>` each"),
    Column("start_date", False, "date `YYYY-MM-DD`, or `YYYY-MM` / `YYYY`",
           "When implementation starts, as precisely as the source gives it.", "2018-12",
           "`dcterms:temporal [ a time:Interval ; time:hasBeginning [ a time:Instant ; "
           "time:inXSDgYearMonth \"2018-12\"^^xsd:gYearMonth ] ]` (`time:inXSDDate` / "
           "`time:inXSDgYear` for the other precisions)"),
    Column("end_date", False, "date `YYYY-MM-DD`, or `YYYY-MM` / `YYYY`; not before "
           "start_date", "When implementation ends.", "2019-12",
           "`time:hasEnd [ a time:Instant ; … ]` on the same interval"),
    Column("status", False, "status code",
           "The commitment's implementation status (a code of `concept/status/`).",
           "in-implementation", "`ogp:commitmentStatus <concept/status/<code>>`"),
))

_DATE_FORMAT = "date `YYYY-MM-DD`, or `YYYY-MM` / `YYYY`"

MEMBERS = Template("members", key="member", columns=(
    Column("member", True, "government code: ISO 3166-1 or 3166-2 code, or a locality code "
           "`<country>-L<nnnn>` of `data/registry/localities.csv`",
           "The member government, by the code of the place it governs.", "GH-L0001",
           "`gov:<member>`: `a cv:PublicOrganisation, org:Organization` and "
           "`ogp:governs country:<code>`, `region:<code>` or `place:<code>`"),
    Column("level", True, "`national` or `local`",
           "A national member of OGP or a member of OGP Local.", "local",
           "`a ogp:NationalGovernment` or `ogp:LocalGovernment`; the membership's "
           "`org:organization agency:ogp` / `agency:ogp-lp` and `org:role role:national-member` "
           "/ `role:local-member`"),
    Column("name_en", False, "text", "The government's name in English, as the source gives it.",
           "Sekondi-Takoradi Metropolitan Assembly (STMA)", '`rdfs:label "…"@en`'),
    Column("name_fr", False, "text", "The government's name in French.", "",
           '`rdfs:label "…"@fr`'),
    Column("name_ar", False, "text", "The government's name in Arabic.", "",
           '`rdfs:label "…"@ar`'),
    Column("place_name", False, "text; only for a locality code",
           "The name of the locality the government governs (places with an ISO code are "
           "reference data and take no name here).", "Sekondi-Takoradi",
           "`place:<member> a ogp:Locality, cv:AdminUnit, dcterms:Location ; "
           "dcterms:identifier \"<member>\" ; schema:containedInPlace country:<country> ; "
           'rdfs:label "…"@en`'),
    Column("place_level", False, "admin-level code; only for a locality code",
           "The kind of locality (a code of `concept/admin-level/`).", "city",
           "`ogp:adminLevel <concept/admin-level/<code>>` on the place"),
    Column("joined", False, _DATE_FORMAT + "; `joined`, `left`, `cohort` or `attested_on` "
           "is required", "When the government joined, as precisely as the source gives it.",
           "2016", "`org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; "
           "time:inXSDgYear \"2016\"^^xsd:gYear ] ]`; the membership's IRI "
           "`id/membership/<member>-<ogp or ogp-lp>-<year joined>`"),
    Column("left", False, _DATE_FORMAT + "; not before joined",
           "When the membership ended (withdrawal).", "",
           "`time:hasEnd [ a time:Instant ; … ]` on the same interval"),
    Column("cohort", False, "cohort code",
           "The cohort the member joined with (a code of `concept/cohort/`); without `joined`, "
           "the cohort's year names the membership.", "local-2016",
           "`ogp:cohort <concept/cohort/<code>>`"),
    Column("status", False, "membership-status code",
           "The status the source states (a code of `concept/membership-status/`: active, "
           "inactive, withdrawn).", "",
           "`ogp:membershipStatus <concept/membership-status/<code>>`"),
    Column("attested_on", False, "date `YYYY-MM-DD`",
           "A date on which the source attests the membership (and its status), when it gives "
           "no start.", "", '`ogp:attestedOn "…"^^xsd:date`'),
))

SEATS = Template("steering-committee-seats", key="member", columns=(
    Column("member", True, "government code (ISO 3166-1) for a government seat; person code "
           "`<country>-<nnnn>` for a civil-society seat",
           "Who holds the seat: a national government, or a civil society leader (who serves in "
           "their own capacity).", "UY-0001",
           "`gov:<member>` or `person:<member>`; the seat's IRI "
           "`id/membership/<member>-ogp-sc-<start_date>`"),
    Column("member_name", False, "text; required for a person",
           "The person's name, or the government's name in English.", "Anabel Cruz",
           '`foaf:name "…"` (person, `a foaf:Person`) or `rdfs:label "…"@en` (government)'),
    Column("seat", True, "`government` or `civil-society`", "The constituency of the seat.",
           "civil-society", "`ogp:seat role:government-seat` / `role:civil-society-seat`; "
           "`org:organization agency:ogp-sc`, `org:role role:steering-committee-member`"),
    Column("start_date", False, _DATE_FORMAT + "; `start_date`, `end_date` or `attested_on` "
           "is required", "When the term began.", "2021-10-01",
           "`org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; "
           "time:inXSDDate \"2021-10-01\"^^xsd:date ] ]`"),
    Column("end_date", False, _DATE_FORMAT + "; not before start_date",
           "When the term ended or ends.", "", "`time:hasEnd [ a time:Instant ; … ]`"),
    Column("attested_on", False, "date `YYYY-MM-DD`",
           "A date on which the source shows the seat held, when it gives no start.", "",
           '`ogp:attestedOn "…"^^xsd:date`'),
    Column("term_years", False, "whole number ≥ 1", "The length of the term as the source "
           "states it, in years.", "3", '`ogp:termLength "P3Y"^^xsd:duration`'),
    Column("note_en", False, "text", "A note in English: the organisation, a second term…",
           "ICD Uruguay", '`rdfs:comment "…"@en` on the person or the seat'),
))

TEMPLATES: dict[str, Template] = {t.name: t for t in (ACTION_PLANS, COMMITMENTS, MEMBERS, SEATS)}

# --------------------------------------------------------------------------- value formats

_GOV = r"[A-Z]{2}(?:-(?:L[0-9]{4}|[A-Z0-9]{1,3}))?"
GOV_CODE = re.compile(rf"^{_GOV}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
LOCALITY_CODE = re.compile(r"^[A-Z]{2}-L[0-9]{4}$")
PERSON_CODE = re.compile(r"^[A-Z]{2}-[0-9]{4}$")
PLAN_CODE = re.compile(rf"^({_GOV})-(\d{{4}})$")
ORG_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COMMITMENT_CODE = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
CONCEPT_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
YEAR = re.compile(r"^\d{4}$")
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
URL_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')

#: scheme -> (what a code names, with its article)
SCHEME_NAMES = {"policy-area": ("policy area", "a"), "ogp-value": ("OGP value", "an"),
                "status": ("status", "a"), "cohort": ("cohort", "a"),
                "membership-status": ("membership status", "a"),
                "admin-level": ("administrative level", "an")}


class CellError(ValueError):
    """A cell's value is not acceptable; the message says why."""


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


def parse_year(value: str) -> int:
    if not YEAR.match(value):
        raise CellError(f"'{value}' is not a year: write four digits, e.g. 2021")
    return int(value)


def parse_whole(value: str, minimum: int) -> int:
    if not re.fullmatch(r"\d+", value) or int(value) < minimum:
        raise CellError(f"'{value}' is not a whole number ≥ {minimum}")
    return int(value)


def parse_date(value: str) -> tuple[str, str, str]:
    """(lexical form, XSD datatype, time: property) for a date of year, month or day
    precision. Raises :class:`CellError`."""
    m = DATE.match(value)
    valid = False
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
        try:
            dt.date(int(year), int(month or 1), int(day or 1))
            valid = True
        except ValueError:
            valid = False
    if not m or not valid:
        hint = ""
        dmy = DMY.match(value)
        if dmy:
            day, month, year = (int(g) for g in dmy.groups())
            hint = f" (did you mean {year}-{month:02d}-{day:02d}?)"
        raise CellError(f"'{value}' is not a date: write YYYY-MM-DD (or YYYY-MM, or YYYY when "
                        f"the source is less precise){hint}")
    assert m is not None
    if m.group(3):
        return value, XSD + "date", "inXSDDate"
    if m.group(2):
        return value, XSD + "gYearMonth", "inXSDgYearMonth"
    return value, XSD + "gYear", "inXSDgYear"


def parse_gov(value: str) -> str:
    if GOV_CODE.match(value):
        return value
    hint = f" (did you mean '{value.upper()}'?)" if GOV_CODE.match(value.upper()) else ""
    raise CellError(f"'{value}' is not a government code: use the ISO 3166 code of the "
                    f"place it governs, e.g. MA or MA-01, or a locality code of "
                    f"data/registry/localities.csv, e.g. MA-L0001{hint}")


def parse_plan(value: str) -> tuple[str, int]:
    m = PLAN_CODE.match(value)
    if not m:
        hint = f" (did you mean '{value.upper()}'?)" if PLAN_CODE.match(value.upper()) else ""
        raise CellError(f"'{value}' is not a plan code: write <government code>-<start year>, "
                        f"e.g. MA-2021 or MA-01-2020{hint}")
    return m.group(1), int(m.group(2))


def parse_institution(value: str) -> tuple[str, str]:
    """('government' | 'organisation', code)."""
    if GOV_CODE.match(value):
        return "government", value
    if ORG_CODE.match(value):
        return "organisation", value
    raise CellError(f"'{value}' is not an institution code: use an organisation's code "
                    "(lowercase letters, digits, hyphens, e.g. ma-mtnra) or a government's "
                    "ISO code (e.g. MA-01)")


def parse_url(value: str) -> str:
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or URL_FORBIDDEN.search(value):
        raise CellError(f"'{value}' is not a web address: write a full URL starting with "
                        "https:// or http://, without spaces")
    return value


# --------------------------------------------------------------------------- row mapping

@dataclass
class _Problem:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


@dataclass
class _Reader:
    """State of one CSV read: the triples made, the problems found, which row made what."""

    name: str
    template: Template
    base_iri: str
    concepts: ConceptCodes
    max_literal_bytes: int
    quads: list[tuple[Node, Node, Node, None]] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)
    rows_of: dict[str, int] = field(default_factory=dict)
    seen_keys: dict[str, int] = field(default_factory=dict)
    row: int = 0

    # -- terms

    def term(self, prefix: str, local: str) -> URIRef:
        """A term of a namespace in PREFIXES, rebased onto ``base_iri``."""
        ns = PREFIXES[prefix]
        if ns.startswith(BASE):
            ns = self.base_iri + ns[len(BASE):]
        return URIRef(ns + local)

    def instance(self, kind: str, code: str) -> URIRef:
        return URIRef(f"{self.base_iri}id/{kind}/{code}")

    def concept(self, scheme: str, code: str) -> URIRef:
        return URIRef(f"{self.base_iri}concept/{scheme}/{code}")

    def add(self, s: Node, p: URIRef, o: Node) -> None:
        self.quads.append((s, p, o, None))
        self.rows_of.setdefault(str(s), self.row)

    # -- problems

    def problem(self, column: str, value: str, message: str) -> None:
        self.problems.append(_Problem(self.row, column, value, message))

    def parse(self, cells: dict[str, str], column: str, parser: Callable[[str], object]
              ) -> object | None:
        value = cells.get(column, "")
        if not value:
            return None
        try:
            return parser(value)
        except CellError as exc:
            self.problem(column, value, str(exc))
            return None

    def concept_list(self, cells: dict[str, str], column: str, scheme: str) -> list[URIRef]:
        out = []
        for code in _items(cells.get(column, "")):
            iri = self.concept_code(column, scheme, code)
            if iri is not None:
                out.append(iri)
        return out

    def concept_code(self, column: str, scheme: str, code: str) -> URIRef | None:
        label, article = SCHEME_NAMES.get(scheme, (scheme, "a"))
        known = self.concepts.get(scheme)
        if not CONCEPT_CODE.match(code):
            lowered = re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")
            hint = f" (did you mean '{lowered}'?)" if known and lowered in known else ""
            self.problem(column, code, f"'{code}' is not {article} {label} code: codes are "
                         f"lowercase letters, digits and hyphens{hint}")
            return None
        if known is not None and code not in known:
            close = difflib.get_close_matches(code, sorted(known), n=1, cutoff=0.6)
            hint = (f" — did you mean '{close[0]}'?" if close
                    else f"; known codes: {', '.join(sorted(known))}")
            self.problem(column, code, f"unknown {label} '{code}'{hint}")
            return None
        return self.concept(scheme, code)

    # -- shared pieces

    def key(self, cells: dict[str, str], column: str,
            parser: Callable[[str], object]) -> object | None:
        """The row's identifying value, checked for duplicates."""
        value = cells.get(column, "")
        if not value:
            self.problem(column, value, f"'{column}' is required")
            return None
        first = self.seen_keys.get(value)
        if first is not None:
            self.problem(column, value, f"duplicate {column} '{value}' (first on row {first})")
            return None
        self.seen_keys[value] = self.row
        return self.parse(cells, column, parser)

    def texts(self, subject: URIRef, cells: dict[str, str], thing: str) -> None:
        dcterms = "dcterms"
        titled = False
        for lang in ("en", "fr", "ar"):
            for col, prop in ((f"title_{lang}", "title"), (f"description_{lang}", "description")):
                value = cells.get(col, "")
                if value:
                    self.add(subject, self.term(dcterms, prop), Literal(_text(value), lang=lang))
                    titled = titled or prop == "title"
        if not titled:
            self.problem("title_en", "", f"a {thing} needs a title: fill title_en, title_fr "
                         "or title_ar")

    def interval(self, subject: URIRef, start: tuple[str, str, str] | None,
                 end: tuple[str, str, str] | None) -> None:
        self.interval_as(subject, "temporal", start, end)

    def interval_as(self, subject: URIRef, link: str, start: tuple[str, str, str] | None,
                    end: tuple[str, str, str] | None) -> None:
        """``subject --link--> [ a time:Interval ; hasBeginning … ; hasEnd … ]``; ``link`` is
        ``temporal`` (dcterms) or ``memberDuring`` (org)."""
        if start is None and end is None:
            return
        interval = BNode()
        prefix = "dcterms" if link == "temporal" else "org"
        self.add(subject, self.term(prefix, link), interval)
        self.add(interval, RDF_TYPE, self.term("time", "Interval"))
        for edge, when in (("hasBeginning", start), ("hasEnd", end)):
            if when is None:
                continue
            lexical, datatype, prop = when
            instant = BNode()
            self.add(interval, self.term("time", edge), instant)
            self.add(instant, RDF_TYPE, self.term("time", "Instant"))
            self.add(instant, self.term("time", prop),
                     Literal(lexical, datatype=URIRef(datatype)))


def _plan_row(r: _Reader, cells: dict[str, str]) -> None:
    code = r.key(cells, "plan_id", parse_plan)
    plan_type = cells.get("type", "")
    if plan_type and plan_type.lower() not in ("national", "local"):
        r.problem("type", plan_type, f"'{plan_type}' is not a plan type: write national or "
                  "local")
    elif not plan_type:
        r.problem("type", "", "'type' is required: national or local")
    govs = []
    for gov in _items(cells.get("governments", "")):
        try:
            govs.append(parse_gov(gov))
        except CellError as exc:
            r.problem("governments", gov, str(exc))
    if not _items(cells.get("governments", "")):
        r.problem("governments", cells.get("governments", ""),
                  "'governments' is required: at least one government code")
    start = r.parse(cells, "start_year", parse_year)
    if not cells.get("start_year"):
        r.problem("start_year", "", "'start_year' is required")
    end = r.parse(cells, "end_year", parse_year)
    if isinstance(start, int) and isinstance(end, int) and end < start:
        r.problem("end_year", cells["end_year"], f"end_year {end} is before start_year {start}")
    if isinstance(code, tuple):
        gov_code, year = code
        plan_id = cells["plan_id"]
        if isinstance(start, int) and year != start:
            r.problem("plan_id", plan_id, f"plan_id '{plan_id}' ends with {year} but start_year "
                      f"is {start}: a plan's code is <government code>-<start year>")
        if govs and gov_code not in govs:
            r.problem("plan_id", plan_id, f"plan_id '{plan_id}' begins with {gov_code}, which "
                      f"is not among its governments ({'; '.join(govs)})")
    number = r.parse(cells, "plan_number", lambda v: parse_whole(v, 1))
    count = r.parse(cells, "commitment_count", lambda v: parse_whole(v, 0))
    areas = r.concept_list(cells, "policy_areas", "policy-area")
    status = r.concept_code("status", "status", cells["status"]) if cells.get("status") else None
    url = r.parse(cells, "published_at", parse_url)
    if not isinstance(code, tuple):
        return
    plan = r.instance("plan", cells["plan_id"])
    r.rows_of[str(plan)] = r.row
    r.add(plan, RDF_TYPE, r.term("ogp", "ActionPlan"))
    if plan_type.lower() in ("national", "local"):
        r.add(plan, RDF_TYPE, r.term("ogp", plan_type.capitalize() + "ActionPlan"))
    r.add(plan, RDF_TYPE, r.term("prov", "Entity"))
    r.add(plan, r.term("dcterms", "identifier"), Literal(cells["plan_id"]))
    for gov in govs:
        r.add(plan, r.term("ogp", "government"), r.instance("government", gov))
    r.interval(plan,
               (str(start), XSD + "gYear", "inXSDgYear") if isinstance(start, int) else None,
               (str(end), XSD + "gYear", "inXSDgYear") if isinstance(end, int) else None)
    if isinstance(number, int):
        r.add(plan, r.term("ogp", "planNumber"),
              Literal(str(number), datatype=URIRef(XSD + "positiveInteger")))
    r.texts(plan, cells, "plan")
    if isinstance(count, int):
        r.add(plan, r.term("ogp", "commitmentCount"),
              Literal(str(count), datatype=URIRef(XSD + "nonNegativeInteger")))
    for area in areas:
        r.add(plan, r.term("ogp", "policyArea"), area)
    if status is not None:
        r.add(plan, r.term("ogp", "planStatus"), status)
    if isinstance(url, str):
        r.add(plan, r.term("ogp", "publishedAt"), URIRef(url))


def _parse_commitment_id(value: str) -> str:
    if not COMMITMENT_CODE.match(value) or len(value) > 64:
        raise CellError(f"'{value}' is not a commitment code: use the OGP commitment ID "
                        "(e.g. MO0001) or <plan_id>-<nn> (e.g. MA-2021-01): letters, digits "
                        "and inner hyphens")
    return value


def _commitment_row(r: _Reader, cells: dict[str, str]) -> None:
    cid = r.key(cells, "commitment_id", _parse_commitment_id)
    plan = r.parse(cells, "plan_id", parse_plan)
    if not cells.get("plan_id"):
        r.problem("plan_id", "", "'plan_id' is required: the plan the commitment belongs to")
    if isinstance(cid, str) and isinstance(plan, tuple):
        m = re.match(rf"^({_GOV}-\d{{4}})-\d+$", cid)
        if m and m.group(1) != cells["plan_id"]:
            r.problem("commitment_id", cid, f"commitment_id '{cid}' names plan {m.group(1)} "
                      f"but plan_id is {cells['plan_id']}")
    areas = r.concept_list(cells, "policy_areas", "policy-area")
    values = r.concept_list(cells, "ogp_values", "ogp-value")
    lead = r.parse(cells, "lead_institution", parse_institution)
    supporters = []
    for item in _items(cells.get("supporting_institutions", "")):
        try:
            supporters.append(parse_institution(item))
        except CellError as exc:
            r.problem("supporting_institutions", item, str(exc))
    start = r.parse(cells, "start_date", parse_date)
    end = r.parse(cells, "end_date", parse_date)
    if isinstance(start, tuple) and isinstance(end, tuple):
        # compare on the common precision: 2019 is not before 2019-12
        n = min(len(start[0]), len(end[0]))
        if end[0][:n] < start[0][:n]:
            r.problem("end_date", end[0], f"end_date {end[0]} is before start_date {start[0]}")
    status = r.concept_code("status", "status", cells["status"]) if cells.get("status") else None
    if not isinstance(cid, str):
        return
    c = r.instance("commitment", cid)
    r.rows_of[str(c)] = r.row
    r.add(c, RDF_TYPE, r.term("ogp", "Commitment"))
    r.add(c, RDF_TYPE, r.term("prov", "Entity"))
    r.add(c, r.term("dcterms", "identifier"), Literal(cid))
    if isinstance(plan, tuple):
        r.add(c, r.term("ogp", "inActionPlan"), r.instance("plan", cells["plan_id"]))
    r.texts(c, cells, "commitment")
    for area in areas:
        r.add(c, r.term("ogp", "policyArea"), area)
    for value in values:
        r.add(c, r.term("ogp", "ogpValue"), value)
    if isinstance(lead, tuple):
        r.add(c, r.term("ogp", "leadInstitution"), r.instance(lead[0], lead[1]))
    for kind, code in supporters:
        r.add(c, r.term("ogp", "supportingInstitution"), r.instance(kind, code))
    r.interval(c, start if isinstance(start, tuple) else None,
               end if isinstance(end, tuple) else None)
    if status is not None:
        r.add(c, r.term("ogp", "commitmentStatus"), status)


# --------------------------------------------------------------------------- members and seats

def _when_columns(r: _Reader, cells: dict[str, str], start: str, end: str
                  ) -> tuple[tuple[str, str, str] | None, tuple[str, str, str] | None,
                             str | None]:
    """(start, end, attested) of a row, each checked; end not before start."""
    begin = r.parse(cells, start, parse_date)
    finish = r.parse(cells, end, parse_date)
    attested = r.parse(cells, "attested_on", parse_day)
    if isinstance(begin, tuple) and isinstance(finish, tuple):
        n = min(len(begin[0]), len(finish[0]))
        if finish[0][:n] < begin[0][:n]:
            r.problem(end, finish[0], f"{end} {finish[0]} is before {start} {begin[0]}")
    return (begin if isinstance(begin, tuple) else None,
            finish if isinstance(finish, tuple) else None,
            attested if isinstance(attested, str) else None)


def parse_day(value: str) -> str:
    lexical, datatype, _ = parse_date(value)
    if not datatype.endswith("#date"):
        raise CellError(f"'{value}' is not a full date: write YYYY-MM-DD")
    return lexical


def _place_of(r: _Reader, code: str) -> URIRef:
    if LOCALITY_CODE.match(code):
        return r.instance("place", code)
    if COUNTRY_CODE.match(code):
        return r.instance("country", code)
    return r.instance("region", code)


def _labels(r: _Reader, subject: URIRef, cells: dict[str, str], prefix: str) -> None:
    for lang in ("en", "fr", "ar"):
        value = cells.get(f"{prefix}_{lang}", "")
        if value:
            r.add(subject, r.term("rdfs", "label"), Literal(_text(value), lang=lang))


def _locality(r: _Reader, code: str, cells: dict[str, str]) -> None:
    """The place a locality code names, when the row describes it."""
    name, level = cells.get("place_name", ""), cells.get("place_level", "")
    if not LOCALITY_CODE.match(code):
        for column, value in (("place_name", name), ("place_level", level)):
            if value:
                r.problem(column, value, f"'{column}' is only for a locality code "
                          f"(<country>-L<nnnn>); {code} is an ISO code, described by the "
                          "reference data")
        return
    level_iri = r.concept_code("place_level", "admin-level", level) if level else None
    if not name:
        return
    place = r.instance("place", code)
    for cls in (("ogp", "Locality"), ("cv", "AdminUnit"), ("dcterms", "Location")):
        r.add(place, RDF_TYPE, r.term(*cls))
    r.add(place, r.term("dcterms", "identifier"), Literal(code))
    r.add(place, r.term("schema", "containedInPlace"), r.instance("country", code[:2]))
    r.add(place, r.term("rdfs", "label"), Literal(_text(name), lang="en"))
    if level_iri is not None:
        r.add(place, r.term("ogp", "adminLevel"), level_iri)


def _membership(r: _Reader, iri: URIRef, member: URIRef, org: str, role: str,
                when: tuple[tuple[str, str, str] | None, tuple[str, str, str] | None,
                            str | None]) -> None:
    r.rows_of[str(iri)] = r.row
    r.add(iri, RDF_TYPE, r.term("org", "Membership"))
    r.add(iri, r.term("org", "member"), member)
    r.add(iri, r.term("org", "organization"), r.instance("organisation", org))
    r.add(iri, r.term("org", "role"), r.concept("role", role))
    start, end, attested = when
    r.interval_as(iri, "memberDuring", start, end)
    if attested:
        r.add(iri, r.term("ogp", "attestedOn"), Literal(attested, datatype=URIRef(XSD + "date")))


def _unique(r: _Reader, column: str, value: str, iri: URIRef) -> bool:
    first = r.seen_keys.get(str(iri))
    if first is not None:
        r.problem(column, value, f"this row describes {iri.rsplit('/', 1)[1]} again "
                  f"(first on row {first})")
        return False
    r.seen_keys[str(iri)] = r.row
    return True


def _member_row(r: _Reader, cells: dict[str, str]) -> None:
    code = r.parse(cells, "member", parse_gov)
    if not cells.get("member"):
        r.problem("member", "", "'member' is required: a government code")
    level = cells.get("level", "").lower()
    if level not in ("national", "local"):
        r.problem("level", cells.get("level", ""), f"'{cells.get('level', '')}' is not a "
                  "member level: write national or local")
    if isinstance(code, str) and level == "national" and not COUNTRY_CODE.match(code):
        r.problem("member", code, f"a national member is a country: '{code}' is not an "
                  "ISO 3166-1 code (e.g. MA)")
    if isinstance(code, str) and level == "local" and COUNTRY_CODE.match(code):
        r.problem("member", code, f"a local member governs a subdivision or a locality, not "
                  f"the country '{code}' (e.g. MA-01, MA-L0001)")
    when = _when_columns(r, cells, "joined", "left")
    cohort = r.concept_code("cohort", "cohort", cells["cohort"]) if cells.get("cohort") else None
    status = (r.concept_code("status", "membership-status", cells["status"])
              if cells.get("status") else None)
    if not any(cells.get(c) for c in ("joined", "left", "cohort", "attested_on")):
        r.problem("joined", "", "say when the membership holds: fill joined, left, cohort "
                  "or attested_on")
    if not isinstance(code, str) or level not in ("national", "local"):
        return
    _locality(r, code, cells)
    org, role = ("ogp", "national-member") if level == "national" else ("ogp-lp", "local-member")
    # OGP and OGP Local memberships are named by the year joined (or the cohort's year), so that
    # sources giving the date at different precisions name one membership
    start = cells.get("joined", "")[:4] or (cells["cohort"].rsplit("-", 1)[1]
                                            if re.search(r"-\d{4}$", cells.get("cohort", ""))
                                            else "")
    iri = r.instance("membership", f"{code}-{org}-{start or role}")
    if not _unique(r, "member", code, iri):
        return
    gov = r.instance("government", code)
    r.add(gov, RDF_TYPE, r.term("cv", "PublicOrganisation"))
    r.add(gov, RDF_TYPE, r.term("org", "Organization"))
    r.add(gov, RDF_TYPE, r.term("ogp", "NationalGovernment" if level == "national"
                                else "LocalGovernment"))
    r.add(gov, r.term("ogp", "governs"), _place_of(r, code))
    _labels(r, gov, cells, "name")
    _membership(r, iri, gov, org, role, when)
    if cohort is not None:
        r.add(iri, r.term("ogp", "cohort"), cohort)
    if status is not None:
        r.add(iri, r.term("ogp", "membershipStatus"), status)


def _parse_seat_member(value: str) -> tuple[str, str]:
    if COUNTRY_CODE.match(value):
        return "government", value
    if PERSON_CODE.match(value):
        return "person", value
    raise CellError(f"'{value}' is not a seat holder: use a government's ISO 3166-1 code "
                    "(e.g. KE) or a person code <country>-<nnnn> (e.g. UY-0001)")


def _seat_row(r: _Reader, cells: dict[str, str]) -> None:
    holder = r.parse(cells, "member", _parse_seat_member)
    if not cells.get("member"):
        r.problem("member", "", "'member' is required: a government or person code")
    seat = cells.get("seat", "").lower()
    if seat not in ("government", "civil-society"):
        r.problem("seat", cells.get("seat", ""), f"'{cells.get('seat', '')}' is not a seat: "
                  "write government or civil-society")
    name = cells.get("member_name", "")
    if isinstance(holder, tuple):
        kind, code = holder
        expected = "government" if kind == "government" else "civil-society"
        if seat in ("government", "civil-society") and seat != expected:
            r.problem("seat", seat, f"a {kind} ({code}) holds a {expected} seat, not a "
                      f"{seat} one")
        if kind == "person" and not name:
            r.problem("member_name", "", f"'member_name' is required for a person ({code})")
    when = _when_columns(r, cells, "start_date", "end_date")
    years = r.parse(cells, "term_years", lambda v: parse_whole(v, 1))
    if not any(cells.get(c) for c in ("start_date", "end_date", "attested_on")):
        r.problem("start_date", "", "say when the seat is held: fill start_date, end_date or "
                  "attested_on")
    if not isinstance(holder, tuple) or seat not in ("government", "civil-society"):
        return
    kind, code = holder
    start = when[0][0] if when[0] else "steering-committee-member"
    iri = r.instance("membership", f"{code}-ogp-sc-{start}")
    if not _unique(r, "member", code, iri):
        return
    note = cells.get("note_en", "")
    if kind == "person":
        member = r.instance("person", code)
        r.add(member, RDF_TYPE, r.term("foaf", "Person"))
        r.add(member, r.term("foaf", "name"), Literal(_text(name)))
        if note:
            r.add(member, r.term("rdfs", "comment"), Literal(_text(note), lang="en"))
    else:
        member = r.instance("government", code)
        for cls in (("cv", "PublicOrganisation"), ("org", "Organization"),
                    ("ogp", "NationalGovernment")):
            r.add(member, RDF_TYPE, r.term(*cls))
        r.add(member, r.term("ogp", "governs"), r.instance("country", code))
        if name:
            r.add(member, r.term("rdfs", "label"), Literal(_text(name), lang="en"))
        if note:
            r.add(iri, r.term("rdfs", "comment"), Literal(_text(note), lang="en"))
    _membership(r, iri, member, "ogp-sc", "steering-committee-member", when)
    r.add(iri, r.term("ogp", "seat"), r.concept("role", f"{seat}-seat"))
    if isinstance(years, int):
        r.add(iri, r.term("ogp", "termLength"),
              Literal(f"P{years}Y", datatype=URIRef(XSD + "duration")))


_ROW_MAPPERS: dict[str, Callable[[_Reader, dict[str, str]], None]] = {
    "action-plans": _plan_row,
    "commitments": _commitment_row,
    "members": _member_row,
    "steering-committee-seats": _seat_row,
}

# --------------------------------------------------------------------------- header

def _norm_header(name: str) -> str:
    return name.strip().lower()


def detect_template(header: list[str], name: str) -> Template:
    """The template whose own columns the header uses most (typos allowed).

    Raises :class:`InputError` listing the known templates and their required columns when
    the header fits none, or fits both equally.
    """
    cols = [_norm_header(h) for h in header]
    scores = {}
    for template in TEMPLATES.values():
        others = {c for t in TEMPLATES.values() if t is not template for c in t.column_names}
        own = [c for c in template.column_names if c not in others]
        scores[template.name] = sum(
            1 for c in cols if c in own or difflib.get_close_matches(c, own, n=1, cutoff=0.8))
    best = max(scores.values())
    winners = [t for t, s in scores.items() if s == best]
    if best == 0 or len(winners) > 1:
        known = "; ".join(t.describe() for t in TEMPLATES.values())
        raise InputError(
            f"cannot tell which CSV template this is from its header "
            f"({', '.join(header) or 'empty'}). Known templates: {known}",
            location=Location(name, row=1),
            detail={"templates": {t.name: t.column_names for t in TEMPLATES.values()}})
    return TEMPLATES[winners[0]]


def check_header(header: list[str], template: Template, name: str) -> list[str]:
    """The normalised column names; raises :class:`InputError` listing every header problem."""
    cols = [_norm_header(h) for h in header]
    known = template.column_names
    problems: list[_Problem] = []
    seen: set[str] = set()
    for index, col in enumerate(cols, start=1):
        if not col:
            problems.append(_Problem(1, f"#{index}", "", f"column {index} has no name"))
        elif col in seen:
            problems.append(_Problem(1, col, col, f"column '{col}' appears twice"))
        elif col not in known:
            close = difflib.get_close_matches(col, known, n=1, cutoff=0.6)
            message = (f"unknown column '{col}' — did you mean '{close[0]}'?" if close else
                       f"unknown column '{col}'; the {template.name} template has: "
                       + ", ".join(known))
            problems.append(_Problem(1, col, col, message))
        seen.add(col)
    for col in template.required:
        if col not in seen:
            problems.append(_Problem(1, col, "", f"missing required column '{col}'"))
    if problems:
        looks_like = detect_quietly(header)
        if looks_like is not None and looks_like != template.name:
            problems.append(_Problem(1, "", "", f"this header looks like the {looks_like} "
                                     "template"))
        raise _collected(name, problems, f"the header does not fit the {template.name} "
                         "template")
    return cols


def detect_quietly(header: list[str]) -> str | None:
    try:
        return detect_template(header, "").name
    except InputError:
        return None


def _collected(name: str, problems: list[_Problem], summary: str) -> InputError:
    first = problems[0]
    if len(problems) == 1:
        message = first.message
        location = Location(name, row=first.row, field=first.column or None)
    else:
        location = Location(name, row=first.row)
        listed = "\n".join(
            f"  row {p.row}" + (f", column '{p.column}'" if p.column else "") + f": {p.message}"
            for p in problems[:MAX_LISTED])
        more = (f"\n  … and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED
                else "")
        message = f"{summary}: {len(problems)} problems\n{listed}{more}"
    return InputError(message, location=location,
                      detail={"errors": [p.as_dict() for p in problems]})


# --------------------------------------------------------------------------- reading

def read_csv(text: str, name: str, *, template: str | None, concepts: ConceptCodes,
             max_literal_bytes: int, base_iri: str = BASE
             ) -> tuple[Template, MemoryDataset, dict[str, int]]:
    """Read CSV ``text`` with ``template`` (detected from the header when None).

    Returns the template, the dataset (default graph) and node -> row for locating. Raises
    :class:`ParseError` for text that is not comma-separated CSV, and :class:`InputError` for
    an empty file, an unknown template, header problems, or (all together) row problems.
    """
    if not text.strip():
        raise InputError("empty: the file has no header row", location=Location(name))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ParseError(f"not valid CSV: {exc}",
                         location=Location(name, line=reader.line_num)) from None
    header = records[0]
    while header and not header[-1].strip():  # spreadsheets may export empty trailing columns
        header = header[:-1]
    _check_delimiter(header, name)
    chosen = TEMPLATES[template] if template else detect_template(header, name)
    columns = check_header(header, chosen, name)
    state = _Reader(name, chosen, base_iri, concepts, max_literal_bytes)
    mapper = _ROW_MAPPERS[chosen.name]
    data_rows = 0
    for number, record in enumerate(records[1:], start=2):
        if not record or all(not cell.strip() for cell in record):
            continue  # blank line: skipped, but still counted in the row numbers
        data_rows += 1
        state.row = number
        if len(record) > len(columns) and not any(c.strip() for c in record[len(columns):]):
            record = record[:len(columns)]  # empty cells under the empty trailing columns
        if len(record) != len(columns):
            state.problem("", "", f"the row has {len(record)} fields but the header has "
                          f"{len(columns)} (quote values that contain commas)")
            continue
        cells = {col: cell.strip() for col, cell in zip(columns, record, strict=True)}
        oversized = False
        for col, cell in cells.items():
            size = len(cell.encode("utf-8"))
            if size > max_literal_bytes:
                state.problem(col, cell[:40] + "…", f"the value is {size} bytes, over the "
                              f"limit of {max_literal_bytes} bytes (OGPKG_MAX_LITERAL_BYTES)")
                oversized = True
        if not oversized:
            mapper(state, cells)
    if data_rows == 0:
        raise InputError("empty: no data rows below the header", location=Location(name))
    if state.problems:
        raise _collected(name, state.problems, f"the rows do not fit the {chosen.name} template")
    dataset = MemoryDataset()
    dataset.add(state.quads)
    return chosen, dataset, state.rows_of


def _check_delimiter(header: list[str], name: str) -> None:
    if len(header) != 1:
        return
    for sep, label in ((";", "semicolons"), ("\t", "tabs")):
        if sep in header[0]:
            raise ParseError(
                f"the columns are separated by {label}; ogpkg reads comma-separated CSV only "
                "(in a spreadsheet: save as 'CSV UTF-8 (comma delimited)')",
                location=Location(name, line=1))
