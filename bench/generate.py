"""Generate synthetic OGP-shaped data at a chosen scale, as N-Triples or N-Quads.

Scale 1 is about the size of the real OGP: ~75 national and ~150 local members (governments,
the places they govern, their OGP memberships with intervals), ~450 action plans, ~6,000
commitments (each with titles in en/fr, plan, policy areas, OGP values, lead institution,
status, 1-4 milestones, an assessment), and events with participations: ~300k triples.
``--scale 10`` and ``--scale 100`` multiply members, plans, commitments and events.

The data uses the project's IRI scheme and terms (ontology/README.md) and meets the code
patterns of the shapes. National members take ISO 3166-1 countries from pycountry, then the
unassigned two-letter codes ("Synthetic country QX"); local members govern synthetic regions
``ZZ-001``, ``ZZ-002``… (``ZZ`` is ISO's user-assigned code; each region is placed in one of
the member countries). With only 675 two-letter codes, above scale 9 national plans grow
instead of the number of countries.
Every member's facts live in their own named graph ``graph/synthetic-<code>``, described as a
``prov:Bundle`` like a real source graph; with ``--format nt`` the graph names are dropped.

Lines are written as they are made (no graph in memory); output is a function of the options,
the seed and the pycountry version only.

``--inject-errors N`` breaks N entities in known ways (see ``ERROR_KINDS``) and writes the list
(focus node, kind, property, graph) to ``<output stem>.errors.json`` so that a validator can be
checked to find exactly them. The focus node is the IRI of the entity whose data is broken;
where ``reported_on`` is ``"value"`` a validator reports the node reached from it through the
recorded property instead (a plan's period, a blank node).

Usage::

    python bench/generate.py --scale 1 --out var/bench/ogp-1.nt
    python bench/generate.py --triples 1000000 --format nq --out var/bench/ogp-1m.nq
    python bench/generate.py --scale 0.1 --inject-errors 20 --out var/bench/broken.nt
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

import pycountry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogpkg.namespaces import CONCEPT, GRAPH, ID, ONTOLOGY, PREFIXES  # noqa: E402

# --------------------------------------------------------------------------- IRIs and terms

OGP = ONTOLOGY
RDF, RDFS, XSD = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["xsd"]
ORG, TIME, PROV = PREFIXES["org"], PREFIXES["time"], PREFIXES["prov"]
DCT, SCHEMA, CV = PREFIXES["dcterms"], PREFIXES["schema"], PREFIXES["cv"]


def iri(value: str) -> str:
    return f"<{value}>"


A = iri(RDF + "type")
LABEL = iri(RDFS + "label")

# classes
C_COUNTRY, C_REGION = iri(OGP + "Country"), iri(OGP + "Region")
C_ADMIN_UNIT, C_LOCATION = iri(CV + "AdminUnit"), iri(DCT + "Location")
C_PUBLIC_ORG, C_ORGANIZATION = iri(CV + "PublicOrganisation"), iri(ORG + "Organization")
C_GOVERNMENT = iri(OGP + "Government")
C_NATIONAL_GOV, C_LOCAL_GOV = iri(OGP + "NationalGovernment"), iri(OGP + "LocalGovernment")
C_FORMAL_ORG, C_MEMBERSHIP = iri(ORG + "FormalOrganization"), iri(ORG + "Membership")
C_INTERVAL, C_INSTANT = iri(TIME + "Interval"), iri(TIME + "Instant")
C_PLAN = iri(OGP + "ActionPlan")
C_NATIONAL_PLAN, C_LOCAL_PLAN = iri(OGP + "NationalActionPlan"), iri(OGP + "LocalActionPlan")
C_COMMITMENT, C_MILESTONE = iri(OGP + "Commitment"), iri(OGP + "Milestone")
C_ASSESSMENT, C_PARTICIPATION = iri(OGP + "Assessment"), iri(OGP + "Participation")
C_EVENT, C_PUBLIC_EVENT = iri(SCHEMA + "Event"), iri(CV + "PublicEvent")
C_BUNDLE, C_ENTITY, C_WEBPAGE = iri(PROV + "Bundle"), iri(PROV + "Entity"), iri(SCHEMA + "WebPage")

# properties
P_ISO_CODE, P_CONTAINED_IN = iri(OGP + "isoCode"), iri(SCHEMA + "containedInPlace")
P_GOVERNS, P_SUB_ORG_OF = iri(OGP + "governs"), iri(ORG + "subOrganizationOf")
P_MEMBER, P_ORGANIZATION = iri(ORG + "member"), iri(ORG + "organization")
P_ROLE, P_MEMBER_DURING = iri(ORG + "role"), iri(ORG + "memberDuring")
P_BEGINNING, P_END = iri(TIME + "hasBeginning"), iri(TIME + "hasEnd")
P_DATE, P_YEAR = iri(TIME + "inXSDDate"), iri(TIME + "inXSDgYear")
P_GOVERNMENT, P_TEMPORAL = iri(OGP + "government"), iri(DCT + "temporal")
P_IDENTIFIER, P_TITLE = iri(DCT + "identifier"), iri(DCT + "title")
P_DESCRIPTION = iri(DCT + "description")
P_PLAN_NUMBER, P_COMMITMENT_COUNT = iri(OGP + "planNumber"), iri(OGP + "commitmentCount")
P_PLAN_STATUS, P_IN_PLAN = iri(OGP + "planStatus"), iri(OGP + "inActionPlan")
P_POLICY_AREA, P_OGP_VALUE = iri(OGP + "policyArea"), iri(OGP + "ogpValue")
P_LEAD, P_COMMITMENT_STATUS = iri(OGP + "leadInstitution"), iri(OGP + "commitmentStatus")
P_HAS_MILESTONE, P_MILESTONE_STATUS = iri(OGP + "hasMilestone"), iri(OGP + "milestoneStatus")
P_HAS_ASSESSMENT, P_RATING = iri(OGP + "hasAssessment"), iri(OGP + "rating")
P_INDICATOR, P_ROLE_IN_EVENT = iri(OGP + "indicator"), iri(OGP + "role")
P_METHODOLOGY, P_DERIVED_FROM = iri(OGP + "methodologyVersion"), iri(PROV + "wasDerivedFrom")
P_NAME, P_EVENT_TYPE = iri(SCHEMA + "name"), iri(OGP + "eventType")
P_START_DATE, P_END_DATE = iri(SCHEMA + "startDate"), iri(SCHEMA + "endDate")
P_LOCATION, P_ORGANIZER = iri(SCHEMA + "location"), iri(SCHEMA + "organizer")
P_HAS_PARTICIPATION, P_PARTICIPANT = iri(OGP + "hasParticipation"), iri(OGP + "participant")
P_IN_CAPACITY_OF, P_URL = iri(OGP + "inCapacityOf"), iri(SCHEMA + "url")
P_IN_LANGUAGE = iri(SCHEMA + "inLanguage")

# concepts (ontology/concepts.ttl)
POLICY_AREAS = (
    "access-to-information",
    "anti-corruption",
    "beneficial-ownership",
    "civic-space",
    "climate-and-environment",
    "digital-governance",
    "fiscal-openness",
    "gender-and-inclusion",
    "lobbying",
    "natural-resources",
    "open-data",
    "open-justice",
    "open-parliament",
    "public-participation",
    "public-procurement",
    "public-service-delivery",
    "right-to-information",
    "transparency",
)
OGP_VALUES = (
    "access-to-information",
    "civic-participation",
    "public-accountability",
    "technology-and-innovation",
)
#: completion levels (concept/status/), for commitments and milestones
COMPLETION = ("not-started", "limited", "substantial", "complete")
#: plan statuses (concept/status/): before and after the plan's end year
PLAN_STATUSES = ("in-implementation", "completed")
#: IRM indicator -> its ratings (concept/indicator/, concept/rating/); the first for plans
#: that start before 2020, the second from 2020
INDICATORS = (
    ("potential-impact", ("none", "minor", "moderate", "transformative"), "IRM before 2020"),
    ("potential-for-results", ("unclear", "modest", "substantial"), "IRM from 2020"),
)
EVENT_TYPES = ("summit", "co-creation-workshop", "forum", "launch", "high-level-dialogue")
PARTICIPANT_ROLES = ("participant", "participant", "speaker", "panelist")

OGP_ORGANISATION = iri(ID + "organisation/ogp")
ROLE_NATIONAL = iri(CONCEPT + "role/national-member")
ROLE_LOCAL = iri(CONCEPT + "role/local-member")

# --------------------------------------------------------------------------- literals


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def text(value: str, lang: str) -> str:
    return f'"{_escape(value)}"@{lang}'


def plain(value: str) -> str:
    return f'"{_escape(value)}"'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def concept(scheme: str, code: str) -> str:
    return iri(f"{CONCEPT}{scheme}/{code}")


def concepts_used() -> set[str]:
    """Every concept IRI the generator can write (each must exist in ontology/concepts.ttl)."""
    codes = [("policy-area", c) for c in POLICY_AREAS]
    codes += [("ogp-value", c) for c in OGP_VALUES]
    codes += [("status", c) for c in (*COMPLETION, *PLAN_STATUSES)]
    codes += [("indicator", i) for i, _, _ in INDICATORS]
    codes += [("rating", r) for _, ratings, _ in INDICATORS for r in ratings]
    codes += [("event-type", c) for c in EVENT_TYPES]
    codes += [("role", c) for c in (*PARTICIPANT_ROLES, "national-member", "local-member")]
    return {f"{CONCEPT}{scheme}/{code}" for scheme, code in codes}


# --------------------------------------------------------------------------- errors

#: kind -> (what is broken, the property involved). For most kinds a validator reports the
#: broken entity itself; for those in ``REPORTED_ON_VALUE`` it reports the value of the property
#: (the plan's period, a blank node ``time:Interval``) as the focus node.
ERROR_KINDS: dict[str, tuple[str, str]] = {
    "commitment-without-plan": ("commitment", OGP + "inActionPlan"),
    "commitment-without-title": ("commitment", DCT + "title"),
    "commitment-plan-not-a-plan": ("commitment", OGP + "inActionPlan"),
    "plan-without-government": ("plan", OGP + "government"),
    "plan-ends-before-it-starts": ("plan", DCT + "temporal"),
    "plan-commitment-count-wrong-datatype": ("plan", OGP + "commitmentCount"),
    "membership-without-member": ("membership", ORG + "member"),
    "event-start-date-wrong-datatype": ("event", SCHEMA + "startDate"),
    "event-ends-before-it-starts": ("event", SCHEMA + "endDate"),
}
REPORTED_ON_VALUE = frozenset({"plan-ends-before-it-starts"})


@dataclass(frozen=True)
class InjectedError:
    focus: str
    kind: str
    path: str
    graph: str

    def as_json(self) -> dict[str, str]:
        return {
            "focus": self.focus,
            "kind": self.kind,
            "path": self.path,
            "graph": self.graph,
            "reported_on": "value" if self.kind in REPORTED_ON_VALUE else "focus",
        }


# --------------------------------------------------------------------------- the plan of the data


@dataclass
class Member:
    code: str  # ISO code of the place governed
    national: bool
    name: str
    country: str  # alpha-2 (or synthetic) code of the country the place is in
    joined: str  # yyyy-mm-dd
    left: str | None
    ministries: int

    @property
    def place(self) -> str:
        return iri(f"{ID}{'country' if self.national else 'region'}/{self.code}")

    @property
    def government(self) -> str:
        return iri(f"{ID}government/{self.code}")

    @property
    def membership(self) -> str:
        return iri(f"{ID}membership/{self.code}-ogp-{self.joined}")

    @property
    def graph(self) -> str:
        return iri(f"{GRAPH}synthetic-{self.code}")


@dataclass
class Plan:
    code: str
    member: Member
    partners: list[Member]
    start: int
    end: int
    number: int
    commitments: list[str] = field(default_factory=list)  # commitment codes

    @property
    def iri(self) -> str:
        return iri(f"{ID}plan/{self.code}")


@dataclass
class Event:
    code: str
    host: Member
    start: str
    end: str
    kind: str
    participants: list[Member]
    roles: list[str]

    @property
    def iri(self) -> str:
        return iri(f"{ID}event/{self.code}")


@dataclass
class Dataset:
    members: list[Member]
    plans: list[Plan]
    events: list[Event]
    errors: dict[str, InjectedError]  # focus IRI (in <>) -> error


def _date(rng: random.Random, year: int) -> str:
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _country_codes(rng: random.Random) -> list[tuple[str, str]]:
    """(code, name) of every usable country: pycountry's, then the unassigned two-letter codes.

    Each group is shuffled; ``ZZ`` is kept for the synthetic regions.
    """
    real = sorted((c.alpha_2, c.name) for c in pycountry.countries)
    taken = {code for code, _ in real} | {"ZZ"}
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    spare = [(a + b, f"Synthetic country {a + b}") for a in letters for b in letters]
    spare = [(code, name) for code, name in spare if code not in taken]
    rng.shuffle(real)
    rng.shuffle(spare)
    return real + spare


#: ``ZZ-001`` … ``ZZ-999``, then ``ZZ-A00`` … ``ZZ-ZZZ`` (ISO 3166-2 allows 1-3 alphanumerics)
MAX_REGIONS = 999 + 26 * 36 * 36
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def region_code(n: int) -> str:
    """The synthetic ISO 3166-2 code of the ``n``-th region (1-based)."""
    if not 1 <= n <= MAX_REGIONS:
        raise ValueError(f"region number {n}: must be between 1 and {MAX_REGIONS}")
    if n <= 999:
        return f"ZZ-{n:03d}"
    m = n - 1000
    return f"ZZ-{chr(ord('A') + m // 1296)}{_BASE36[m // 36 % 36]}{_BASE36[m % 36]}"


def plan_dataset(scale: float, seed: int) -> Dataset:
    """Decide every member, plan, commitment code and event (small: kept in memory).

    There are only 675 usable two-letter country codes: above scale 9 every one is a national
    member and national plans get proportionally more commitments, so that the size stays
    linear in the scale.
    """
    rng = random.Random(f"ogpkg-bench-{seed}")
    countries = _country_codes(rng)
    wanted_national = max(1, round(75 * scale))
    n_national = min(wanted_national, len(countries))
    commitment_factor = wanted_national / n_national
    n_local = max(1, round(150 * scale))
    n_events = max(1, round(60 * scale))
    if n_local > MAX_REGIONS:
        raise ValueError(
            f"--scale {scale}: needs {n_local} local members, more than the {MAX_REGIONS} "
            "synthetic region codes"
        )

    members: list[Member] = []
    for code, name in countries[:n_national]:
        joined = _date(rng, rng.randint(2011, 2022))
        left = _date(rng, rng.randint(int(joined[:4]) + 2, 2025)) if rng.random() < 0.05 else None
        members.append(Member(code, True, name, code, joined, left, rng.randint(4, 8)))
    nationals = list(members)
    for i in range(1, n_local + 1):
        code = region_code(i)
        country = rng.choice(nationals).code
        joined = _date(rng, rng.randint(2016, 2024))
        members.append(Member(code, False, f"Synthetic region {code}", country, joined, None, 0))
    locals_ = members[n_national:]

    plans: list[Plan] = []
    for member in members:
        join_year = int(member.joined[:4])
        if member.national:
            starts = list(range(join_year + 1, 2026, 2))
        else:
            count = rng.choices((0, 1, 2), weights=(35, 55, 10))[0]
            starts = [join_year + 1 + 2 * k for k in range(count) if join_year + 1 + 2 * k <= 2025]
        serial = 0
        for number, start in enumerate(starts, 1):
            code = f"{member.code}-{start}"
            partners = []
            if not member.national and rng.random() < 0.05:
                partners = [p for p in rng.sample(locals_, 1) if p is not member]
            plan = Plan(code, member, partners, start, start + rng.choice((2, 2, 2, 3, 4)), number)
            if member.national:
                n = round(rng.randint(9, 23) * commitment_factor)
            else:
                n = rng.randint(4, 8)
            for k in range(1, n + 1):
                serial += 1
                plan.commitments.append(
                    f"{member.code}{serial:04d}" if member.national else f"{code}-{k:02d}"
                )
            plans.append(plan)

    events: list[Event] = []
    serials: dict[tuple[str, str], int] = {}
    for _ in range(n_events):
        host = rng.choice(nationals)
        start = _date(rng, rng.randint(2012, 2025))
        end = (date.fromisoformat(start) + timedelta(days=rng.choice((0, 0, 1, 2)))).isoformat()
        key = (start, host.code)
        serials[key] = serials.get(key, 0) + 1
        participants = rng.sample(members, min(len(members), rng.randint(5, 25)))
        roles = [rng.choice(PARTICIPANT_ROLES) for _ in participants]
        kind = rng.choice(EVENT_TYPES)
        code = f"{start}-{host.code}-{serials[key]}"
        events.append(Event(code, host, start, end, kind, participants, roles))
    return Dataset(members, plans, events, {})


def choose_errors(data: Dataset, count: int, seed: int) -> dict[str, InjectedError]:
    """Pick ``count`` distinct entities to break, cycling through the error kinds."""
    rng = random.Random(f"ogpkg-bench-errors-{seed}")
    pools: dict[str, list[tuple[str, str]]] = {
        "commitment": [
            (iri(f"{ID}commitment/{c}"), p.member.graph) for p in data.plans for c in p.commitments
        ],
        "plan": [(p.iri, p.member.graph) for p in data.plans],
        "membership": [(m.membership, m.graph) for m in data.members],
        "event": [(e.iri, e.host.graph) for e in data.events],
    }
    for pool in pools.values():
        rng.shuffle(pool)
    kinds = list(ERROR_KINDS)
    chosen: dict[str, InjectedError] = {}
    for i in range(count):
        kind = kinds[i % len(kinds)]
        target, path = ERROR_KINDS[kind]
        if not pools[target]:
            raise ValueError(
                f"--inject-errors {count}: not enough {target} entities at this scale "
                f"for kind {kind!r}; raise --scale"
            )
        focus, graph = pools[target].pop()
        chosen[focus] = InjectedError(focus[1:-1], kind, path, graph[1:-1])
    return chosen


# --------------------------------------------------------------------------- writing


class Writer:
    """Buffers N-Triples / N-Quads lines and counts them."""

    def __init__(self, out: TextIO | None, quads: bool) -> None:
        self.out = out
        self.quads = quads
        self.count = 0
        self.graph = ""
        self._suffix = " .\n"
        self._buffer: list[str] = []
        self._bnodes = 0

    def use_graph(self, graph: str) -> None:
        self.graph = graph
        self._suffix = f" {graph} .\n" if self.quads else " .\n"

    def bnode(self) -> str:
        self._bnodes += 1
        return f"_:b{self._bnodes}"

    def t(self, s: str, p: str, o: str) -> None:
        self._buffer.append(f"{s} {p} {o}{self._suffix}")
        if len(self._buffer) >= 20000:
            self.flush()

    def flush(self) -> None:
        self.count += len(self._buffer)
        if self.out is not None:
            self.out.write("".join(self._buffer))
        self._buffer.clear()

    def instant(self, value: str, prop: str, datatype: str) -> str:
        node = self.bnode()
        self.t(node, A, C_INSTANT)
        self.t(node, prop, typed(value, datatype))
        return node

    def interval(self, begin: str | None, end: str | None, prop: str, datatype: str) -> str:
        node = self.bnode()
        self.t(node, A, C_INTERVAL)
        if begin is not None:
            self.t(node, P_BEGINNING, self.instant(begin, prop, datatype))
        if end is not None:
            self.t(node, P_END, self.instant(end, prop, datatype))
        return node


def _source(w: Writer, member: Member, seed: int) -> None:
    graph, source = member.graph, iri(f"{ID}source/synthetic-{member.code}")
    w.t(graph, A, C_BUNDLE)
    w.t(graph, P_DERIVED_FROM, source)
    w.t(source, A, C_ENTITY)
    w.t(source, A, C_WEBPAGE)
    w.t(source, P_TITLE, text(f"Synthetic OGP data for {member.code} (seed {seed})", "en"))
    w.t(source, P_URL, iri(f"https://example.org/ogp-kg-bench/{seed}/{member.code}"))
    w.t(source, P_IN_LANGUAGE, plain("en"))


def _member(w: Writer, m: Member, errors: dict[str, InjectedError]) -> None:
    place, gov = m.place, m.government
    w.t(place, A, C_COUNTRY if m.national else C_REGION)
    w.t(place, A, C_ADMIN_UNIT)
    w.t(place, A, C_LOCATION)
    w.t(place, P_ISO_CODE, plain(m.code))
    w.t(place, LABEL, text(m.name, "en"))
    if not m.national:
        w.t(place, P_CONTAINED_IN, iri(f"{ID}country/{m.country}"))

    w.t(gov, A, C_PUBLIC_ORG)
    w.t(gov, A, C_ORGANIZATION)
    w.t(gov, A, C_GOVERNMENT)
    w.t(gov, A, C_NATIONAL_GOV if m.national else C_LOCAL_GOV)
    w.t(gov, P_GOVERNS, place)
    kind_en, kind_fr = ("Government", "Gouvernement") if m.national else ("Council", "Conseil")
    w.t(gov, LABEL, text(f"{kind_en} of {m.name}", "en"))
    w.t(gov, LABEL, text(f"{kind_fr} — {m.name}", "fr"))

    for k in range(1, m.ministries + 1):
        ministry = iri(f"{ID}organisation/{m.code.lower()}-m{k:02d}")
        w.t(ministry, A, C_FORMAL_ORG)
        w.t(ministry, LABEL, text(f"Ministry {k} of {m.name}", "en"))
        w.t(ministry, P_SUB_ORG_OF, gov)

    ms = m.membership
    w.t(ms, A, C_MEMBERSHIP)
    if ms not in errors:  # membership-without-member
        w.t(ms, P_MEMBER, gov)
    w.t(ms, P_ORGANIZATION, OGP_ORGANISATION)
    w.t(ms, P_ROLE, ROLE_NATIONAL if m.national else ROLE_LOCAL)
    w.t(ms, P_MEMBER_DURING, w.interval(m.joined, m.left, P_DATE, "date"))


def _plan(w: Writer, plan: Plan, rng: random.Random, errors: dict[str, InjectedError]) -> None:
    p, m = plan.iri, plan.member
    error = errors.get(p)
    kind = error.kind if error else ""
    w.t(p, A, C_PLAN)
    w.t(p, A, C_NATIONAL_PLAN if m.national else C_LOCAL_PLAN)
    if kind != "plan-without-government":
        for gov in [m, *plan.partners]:
            w.t(p, P_GOVERNMENT, gov.government)
    w.t(p, P_IDENTIFIER, plain(plan.code))
    span = f"{plan.start}-{plan.end}"
    w.t(p, P_TITLE, text(f"{m.name} action plan {span}", "en"))
    w.t(p, P_TITLE, text(f"Plan d'action {span} — {m.name}", "fr"))
    w.t(p, P_PLAN_NUMBER, typed(plan.number, "positiveInteger"))
    n = len(plan.commitments)
    if kind == "plan-commitment-count-wrong-datatype":
        w.t(p, P_COMMITMENT_COUNT, plain(str(n)))
    else:
        w.t(p, P_COMMITMENT_COUNT, typed(n, "nonNegativeInteger"))
    w.t(p, P_PLAN_STATUS, concept("status", PLAN_STATUSES[plan.end < 2025]))
    begin, end = str(plan.start), str(plan.end)
    if kind == "plan-ends-before-it-starts":
        begin, end = end, begin
    w.t(p, P_TEMPORAL, w.interval(begin, end, P_YEAR, "gYear"))
    report = iri(f"{ID}source/irm-{plan.code}")
    w.t(report, A, C_ENTITY)
    w.t(report, A, C_WEBPAGE)
    w.t(report, P_TITLE, text(f"IRM report on action plan {plan.code}", "en"))
    w.t(report, P_URL, iri(f"https://example.org/ogp-kg-bench/irm/{plan.code}"))

    for k, code in enumerate(plan.commitments, 1):
        _commitment(w, plan, k, code, report, rng, errors)


def _commitment(
    w: Writer,
    plan: Plan,
    k: int,
    code: str,
    report: str,
    rng: random.Random,
    errors: dict[str, InjectedError],
) -> None:
    m = plan.member
    c = iri(f"{ID}commitment/{code}")
    error = errors.get(c)
    kind = error.kind if error else ""
    areas = rng.sample(POLICY_AREAS, rng.choice((1, 1, 2)))
    topic = areas[0].replace("-", " ")
    w.t(c, A, C_COMMITMENT)
    w.t(c, P_IDENTIFIER, plain(code))
    if kind != "commitment-without-title":
        w.t(c, P_TITLE, text(f"Commitment {k} of plan {plan.code}: {topic}", "en"))
        w.t(c, P_TITLE, text(f"Engagement {k} du plan {plan.code} : {topic}", "fr"))
    w.t(c, P_DESCRIPTION, text(f"Synthetic commitment {code} on {topic}.", "en"))
    if kind == "commitment-plan-not-a-plan":
        w.t(c, P_IN_PLAN, m.government)
    elif kind != "commitment-without-plan":
        w.t(c, P_IN_PLAN, plan.iri)
    for area in areas:
        w.t(c, P_POLICY_AREA, concept("policy-area", area))
    for value in rng.sample(OGP_VALUES, rng.randint(1, 3)):
        w.t(c, P_OGP_VALUE, concept("ogp-value", value))
    if m.national:
        lead = iri(f"{ID}organisation/{m.code.lower()}-m{rng.randint(1, m.ministries):02d}")
    else:
        lead = m.government
    w.t(c, P_LEAD, lead)
    done = plan.end < 2025
    status = rng.choice(COMPLETION[1:] if done else COMPLETION)
    w.t(c, P_COMMITMENT_STATUS, concept("status", status))
    w.t(c, P_TEMPORAL, w.interval(str(plan.start), str(plan.end), P_YEAR, "gYear"))
    for j in range(1, rng.randint(1, 4) + 1):
        ms = w.bnode()
        w.t(c, P_HAS_MILESTONE, ms)
        w.t(ms, A, C_MILESTONE)
        w.t(ms, P_TITLE, text(f"Milestone {j} of commitment {code}", "en"))
        w.t(ms, P_MILESTONE_STATUS, concept("status", rng.choice(COMPLETION)))
        due = _date(rng, rng.randint(plan.start, plan.end))
        w.t(ms, P_TEMPORAL, w.interval(None, due, P_DATE, "date"))
    assessment = w.bnode()
    w.t(c, P_HAS_ASSESSMENT, assessment)
    w.t(assessment, A, C_ASSESSMENT)
    indicator, ratings, method = INDICATORS[plan.start >= 2020]
    w.t(assessment, P_INDICATOR, concept("indicator", indicator))
    w.t(assessment, P_RATING, concept("rating", rng.choice(ratings)))
    w.t(assessment, P_METHODOLOGY, plain(method))
    w.t(assessment, P_DERIVED_FROM, report)


def _event(w: Writer, e: Event, errors: dict[str, InjectedError]) -> None:
    ev = e.iri
    error = errors.get(ev)
    kind = error.kind if error else ""
    w.t(ev, A, C_EVENT)
    w.t(ev, A, C_PUBLIC_EVENT)
    w.t(ev, P_NAME, text(f"Synthetic {e.kind.replace('-', ' ')} {e.code}", "en"))
    w.t(ev, P_EVENT_TYPE, concept("event-type", e.kind))
    if kind == "event-start-date-wrong-datatype":
        w.t(ev, P_START_DATE, plain(e.start))
    else:
        w.t(ev, P_START_DATE, typed(e.start, "date"))
    end = e.end
    if kind == "event-ends-before-it-starts":
        end = f"{int(e.start[:4]) - 1}{e.start[4:]}"
    w.t(ev, P_END_DATE, typed(end, "date"))
    w.t(ev, P_LOCATION, e.host.place)
    w.t(ev, P_ORGANIZER, e.host.government)
    for member, role in zip(e.participants, e.roles, strict=True):
        part = w.bnode()
        w.t(ev, P_HAS_PARTICIPATION, part)
        w.t(part, A, C_PARTICIPATION)
        w.t(part, P_PARTICIPANT, member.government)
        w.t(part, P_ROLE_IN_EVENT, concept("role", role))
        w.t(part, P_IN_CAPACITY_OF, member.membership)


def write_dataset(data: Dataset, w: Writer, seed: int) -> None:
    rng = random.Random(f"ogpkg-bench-details-{seed}")
    shared = iri(f"{GRAPH}synthetic-ogp")
    w.use_graph(shared)
    w.t(shared, A, C_BUNDLE)
    w.t(shared, P_DERIVED_FROM, iri(f"{ID}source/synthetic-ogp"))
    source = iri(f"{ID}source/synthetic-ogp")
    w.t(source, A, C_ENTITY)
    w.t(source, A, C_WEBPAGE)
    w.t(source, P_TITLE, text(f"Synthetic OGP data, shared part (seed {seed})", "en"))
    w.t(source, P_URL, iri(f"https://example.org/ogp-kg-bench/{seed}/ogp"))
    w.t(OGP_ORGANISATION, A, C_FORMAL_ORG)
    w.t(OGP_ORGANISATION, LABEL, text("Open Government Partnership", "en"))
    w.t(OGP_ORGANISATION, LABEL, text("Partenariat pour un gouvernement ouvert", "fr"))
    w.t(OGP_ORGANISATION, LABEL, text("شراكة الحكومة المنفتحة", "ar"))

    plans_by_member: dict[str, list[Plan]] = {}
    for plan in data.plans:
        plans_by_member.setdefault(plan.member.code, []).append(plan)
    events_by_host: dict[str, list[Event]] = {}
    for event in data.events:
        events_by_host.setdefault(event.host.code, []).append(event)

    for member in data.members:
        w.use_graph(member.graph)
        _source(w, member, seed)
        _member(w, member, data.errors)
        for plan in plans_by_member.get(member.code, []):
            _plan(w, plan, rng, data.errors)
        for event in events_by_host.get(member.code, []):
            _event(w, event, data.errors)
    w.flush()


# --------------------------------------------------------------------------- entry points


def count_triples(scale: float, seed: int) -> int:
    """Triples the generator makes at ``scale`` (a dry run, nothing written)."""
    w = Writer(None, quads=False)
    write_dataset(plan_dataset(scale, seed), w, seed)
    return w.count


def scale_for(triples: int, seed: int) -> float:
    """The scale whose output is closest to ``triples`` (size is linear in the scale)."""
    per_unit = count_triples(1.0, seed)
    return round(triples / per_unit, 4)


def errors_path(out: Path) -> Path:
    return out.with_name(out.stem + ".errors.json")


def generate(
    out: Path,
    *,
    scale: float = 1.0,
    seed: int = 0,
    fmt: str = "nt",
    inject_errors: int = 0,
) -> tuple[int, list[InjectedError]]:
    """Write the dataset to ``out`` (and the error list, if any); return (triples, errors)."""
    if scale <= 0:
        raise ValueError(f"--scale {scale}: must be positive")
    if fmt not in ("nt", "nq"):
        raise ValueError(f"--format {fmt!r}: must be 'nt' or 'nq'")
    data = plan_dataset(scale, seed)
    data.errors = choose_errors(data, inject_errors, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        w = Writer(handle, quads=fmt == "nq")
        write_dataset(data, w, seed)
    errors = list(data.errors.values())
    report = errors_path(out)
    if inject_errors:
        payload = {
            "data": out.name,
            "seed": seed,
            "scale": scale,
            "count": len(errors),
            "errors": [e.as_json() for e in errors],
        }
        report.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    elif report.exists():
        report.unlink()
    return w.count, errors


def main(argv: list[str] | None = None, echo: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", type=float, default=None, help="1 ≈ OGP's real size (default 1)")
    size.add_argument("--triples", type=int, default=None, help="aim for about this many triples")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--format", choices=("nt", "nq"), default="nt", help="default nt")
    parser.add_argument(
        "--inject-errors",
        type=int,
        default=0,
        metavar="N",
        help="break N entities; list them in <out stem>.errors.json",
    )
    parser.add_argument("--out", type=Path, required=True, help="output file")
    args = parser.parse_args(argv)

    scale = args.scale if args.scale is not None else 1.0
    if args.triples is not None:
        scale = scale_for(args.triples, args.seed)
    started = time.perf_counter()
    try:
        count, errors = generate(
            args.out, scale=scale, seed=args.seed, fmt=args.format, inject_errors=args.inject_errors
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    echo(f"{args.out}: {count} triples (scale {scale}, seed {args.seed}) in {seconds:.1f} s")
    if errors:
        echo(f"{errors_path(args.out)}: {len(errors)} injected errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
