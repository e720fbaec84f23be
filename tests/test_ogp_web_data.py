"""The facts taken from OGP's own web pages: data/ogp-web/<slug>.trig.

Each file holds one named graph, graph/ogp-web-<slug>, derived from one page of
opengovpartnership.org; a few key facts read on those pages are pinned here.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from ogpkg.namespaces import GRAPH, ID, ONTOLOGY, PREFIXES

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "ogp-web"
FILES = sorted(DATA_DIR.glob("*.trig"))
SITE = re.compile(r"^https?://(www\.)?opengovpartnership\.org/")  # as the copy read gives it

OGP = Namespace(ONTOLOGY)
ORG = Namespace(PREFIXES["org"])
PROV = Namespace(PREFIXES["prov"])
SCHEMA = Namespace(PREFIXES["schema"])
TIME = Namespace(PREFIXES["time"])
DCTERMS = Namespace(PREFIXES["dcterms"])

GOV = Namespace(ID + "government/")
PLAN = Namespace(ID + "plan/")
MEMBERSHIP = Namespace(ID + "membership/")
EVENT = Namespace(ID + "event/")
AGENCY = Namespace(ID + "organisation/")
SOURCE = Namespace(ID + "source/")

PRECISIONS = (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear)


def load(path: Path) -> Dataset:
    ds = Dataset()
    with warnings.catch_warnings():
        # rdflib 7.6's own TriG parsing goes through its deprecated ConjunctiveGraph API
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        ds.parse(data=path.read_text(encoding="utf-8"), format="trig")
    return ds


def named_graphs(ds: Dataset) -> list[Graph]:
    return [g for g in ds.graphs() if g.identifier != ds.default_graph.identifier]


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    """slug -> the one named graph of data/ogp-web/<slug>.trig"""
    out = {}
    for path in FILES:
        (g,) = named_graphs(load(path))
        out[path.stem] = g
    return out


def instant_value(g: Graph, instant) -> Literal:
    (value,) = [v for p in PRECISIONS for v in g.objects(instant, p)]
    return value


def interval_bounds(g: Graph, subject, prop) -> list[tuple[Literal | None, Literal | None]]:
    """(beginning, end) literals of every interval subject --prop--> interval."""
    bounds = []
    for interval in g.objects(subject, prop):
        begin = g.value(interval, TIME.hasBeginning)
        end = g.value(interval, TIME.hasEnd)
        bounds.append(
            (
                instant_value(g, begin) if begin is not None else None,
                instant_value(g, end) if end is not None else None,
            )
        )
    return bounds


# --- every file ------------------------------------------------------------------------------


def test_there_are_ogp_web_files():
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_holds_exactly_one_named_graph_named_after_the_file(path: Path):
    ds = load(path)
    graphs = named_graphs(ds)
    assert [g.identifier for g in graphs] == [URIRef(f"{GRAPH}ogp-web-{path.stem}")]
    assert len(ds.default_graph) == 0, f"{path.name}: triples outside the named graph"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_graph_is_a_bundle_derived_from_an_ogp_web_page(path: Path):
    (g,) = named_graphs(load(path))
    source = SOURCE[f"ogp-web-{path.stem}"]
    assert (g.identifier, RDF.type, PROV.Bundle) in g
    assert list(g.objects(g.identifier, PROV.wasDerivedFrom)) == [source]
    assert (source, RDF.type, SCHEMA.WebPage) in g
    assert (source, RDF.type, PROV.Entity) in g
    assert (source, SCHEMA.publisher, AGENCY.ogp) in g
    assert g.value(source, SCHEMA.inLanguage) is not None
    assert g.value(source, SCHEMA.name) is not None
    (url,) = g.objects(source, SCHEMA.url)
    assert SITE.match(str(url)), f"{path.name}: {url} is not an OGP page"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_instant_has_exactly_one_precision(path: Path):
    (g,) = named_graphs(load(path))
    for instant in g.subjects(RDF.type, TIME.Instant):
        values = [(p, v) for p in PRECISIONS for v in g.objects(instant, p)]
        assert len(values) == 1, f"{path.name}: instant with {values}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_memberships_name_member_organisation_and_role(path: Path):
    (g,) = named_graphs(load(path))
    for membership in g.subjects(RDF.type, ORG.Membership):
        for prop in (ORG.member, ORG.organization, ORG.role):
            assert g.value(membership, prop) is not None, f"{path.name}: {membership} lacks {prop}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_action_plans_name_their_government(path: Path):
    (g,) = named_graphs(load(path))
    national = set(g.subjects(RDF.type, OGP.NationalActionPlan))
    local = set(g.subjects(RDF.type, OGP.LocalActionPlan))
    for plan in national | local:
        assert g.value(plan, OGP.government) is not None, f"{path.name}: {plan} has no government"


# --- pinned facts ------------------------------------------------------------------------------


def test_morocco_joined_ogp_in_2018_per_the_irm_design_report(graphs):
    g = graphs["documents-morocco-design-report-2018-2020"]
    m = MEMBERSHIP["MA-ogp-2018"]
    assert (m, ORG.member, GOV.MA) in g
    assert (m, ORG.organization, AGENCY.ogp) in g
    assert interval_bounds(g, m, ORG.memberDuring) == [(Literal("2018", datatype=XSD.gYear), None)]


def test_morocco_press_release_announces_membership_on_26_april_2018(graphs):
    g = graphs["news-the-kingdom-of-morocco-joins-open-government-partnership"]
    m = MEMBERSHIP["MA-ogp-2018"]
    assert g.value(m, OGP.attestedOn) == Literal("2018-04-26", datatype=XSD.date)
    assert g.value(
        SOURCE["ogp-web-news-the-kingdom-of-morocco-joins-open-government-partnership"],
        SCHEMA.datePublished,
    ) == Literal("2018-04-26", datatype=XSD.date)


@pytest.mark.parametrize(
    ("slug", "plan", "begin", "end", "count"),
    [
        ("documents-morocco-design-report-2018-2020", "MA-2018", "2018", "2020", 18),
        ("documents-morocco-action-plan-review-2021-2023", "MA-2021", "2021", "2023", 22),
        ("documents-morocco-action-plan-review-2024-2028", "MA-2024", "2024", "2027", 12),
    ],
)
def test_morocco_national_action_plans_have_their_periods_and_sizes(
    graphs, slug, plan, begin, end, count
):
    g = graphs[slug]
    p = PLAN[plan]
    assert (p, RDF.type, OGP.NationalActionPlan) in g
    assert (p, OGP.government, GOV.MA) in g
    assert interval_bounds(g, p, DCTERMS.temporal) == [
        (Literal(begin, datatype=XSD.gYear), Literal(end, datatype=XSD.gYear))
    ]
    assert g.value(p, OGP.commitmentCount).toPython() == count


def test_five_governments_began_steering_committee_terms_on_1_october_2021(graphs):
    g = graphs["about-who-we-are-steering-committee-2021-government-steering-committee-elections"]
    term_from_1_october_2021 = [(Literal("2021-10-01", datatype=XSD.date), None)]
    started = {
        g.value(m, ORG.member)
        for m in g.subjects(ORG.organization, AGENCY["ogp-sc"])
        if interval_bounds(g, m, ORG.memberDuring) == term_from_1_october_2021
    }
    assert started == {GOV.EE, GOV.KR, GOV.MA, GOV.NG, GOV.GB}


def test_tangier_tetouan_al_hoceima_council_joined_ogp_local_in_october_2020(graphs):
    g = graphs["documents-action-plan-tangier-tetouan-al-hoceima-morocco-2021-2026"]
    m = MEMBERSHIP["MA-01-ogp-lp-2020"]
    assert (m, ORG.member, GOV["MA-01"]) in g
    assert (m, ORG.organization, AGENCY["ogp-lp"]) in g
    assert (GOV["MA-01"], RDF.type, OGP.LocalGovernment) in g
    assert interval_bounds(g, m, ORG.memberDuring) == [
        (Literal("2020-10", datatype=XSD.gYearMonth), None)
    ]


def test_2021_global_summit_was_hosted_by_korea_on_15_to_17_december(graphs):
    g = graphs["events-2021-ogp-global-summit-seoul-republic-of-korea"]
    e = EVENT["2021-12-15-KR-1"]
    assert (e, OGP.host, GOV.KR) in g
    assert g.value(e, SCHEMA.startDate) == Literal("2021-12-15", datatype=XSD.date)
    assert g.value(e, SCHEMA.endDate) == Literal("2021-12-17", datatype=XSD.date)
