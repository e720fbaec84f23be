"""The seed graphs under data/seeds/ and the curation notes in data/curation.trig.

Each seed article (/work/shared/seeds/NNN_<hash>.txt) has one TriG file data/seeds/seed-NNN.trig
holding one named graph, graph/seed-NNN, with the article's description and the facts it states.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from ogpkg.namespaces import GRAPH, ID, PREFIXES, sparql_prologue

# rdflib 7.6 warns from inside Dataset.parse and Dataset.query about its own deprecated API.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

ROOT = Path(__file__).resolve().parent.parent
SEED_DATA = ROOT / "data" / "seeds"
CURATION = ROOT / "data" / "curation.trig"
#: the source articles, beside the repository; only the coverage tests need them
SEED_TEXTS = ROOT.parent / "shared" / "seeds"

SEED_DATA_FILES = sorted(SEED_DATA.glob("seed-*.trig"))
SEED_FILE_NAME = re.compile(r"^(\d{3})_[0-9a-f]{16}\.txt$")

OGP = PREFIXES["ogp"]
SCHEMA = PREFIXES["schema"]
PROV = PREFIXES["prov"]
FOAF = PREFIXES["foaf"]
TIME = PREFIXES["time"]
PERSON = ID + "person/"

#: every person with an IRI, by serial, in order of first mention across seeds 000-004;
#: the serial is declared in the header comment of the first seed file naming the person
EXPECTED_PERSONS: dict[str, str] = {
    "MA-0001": "Aziz Akhannouch",
    "MA-0002": "Ghita Mezzour",
    "MA-0003": "Allal El Mardi (author, seed 001)",
    "MA-0004": "El Bakkay Zerrouki",
    "MA-0005": "Fatima El Hassani",
    "MA-0006": "Mohamed El Amoumri",
    "MA-0007": "Mohamed Ouzzine",
    "MA-0008": "Mourad Benali (author, seed 002)",
    "MA-0009": "Khatib El Hebil",
    "MA-0010": "Omar Moro",
}

PERSON_DECLARATION = re.compile(r"^#\s+(MA-\d{4})\s")


def _parse(path: Path) -> Dataset:
    ds = Dataset(default_union=True)
    try:
        ds.parse(data=path.read_text(encoding="utf-8"), format="trig")
    except Exception as exc:  # a parse error: report which file
        pytest.fail(f"{path.relative_to(ROOT)}: {exc}")
    return ds


def _named_graphs(ds: Dataset) -> dict[URIRef, int]:
    """Graph name -> triple count, for the non-empty graphs (the default graph included)."""
    counts: dict[URIRef, int] = {}
    for _s, _p, _o, g in ds.quads((None, None, None, None)):
        name = g.identifier if hasattr(g, "identifier") else g
        counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.fixture(scope="module")
def per_file() -> dict[str, Dataset]:
    return {p.name: _parse(p) for p in [*SEED_DATA_FILES, CURATION]}


@pytest.fixture(scope="module")
def all_data() -> Dataset:
    """Every graph under data/, the OGP web-page graphs and reference data included."""
    ds = Dataset(default_union=True)
    for path in sorted((ROOT / "data").rglob("*.trig")):
        ds.parse(data=path.read_text(encoding="utf-8"), format="trig")
    return ds


@pytest.fixture(scope="module")
def everything() -> Dataset:
    ds = Dataset(default_union=True)
    for path in [*SEED_DATA_FILES, CURATION]:
        ds.parse(data=path.read_text(encoding="utf-8"), format="trig")
    return ds


def _seed_files_named(per_file: dict[str, Dataset]) -> set[str]:
    return {str(o) for ds in per_file.values() for o in ds.objects(None, URIRef(OGP + "seedFile"))}


def _ask(ds: Dataset, body: str) -> bool:
    return bool(ds.query(sparql_prologue() + "ASK {" + body + "}").askAnswer)


def _select(ds: Dataset, query: str) -> list[tuple]:
    return [tuple(row) for row in ds.query(sparql_prologue() + query)]


# ----------------------------------------------------------------------------------------------
# Files and graphs
# ----------------------------------------------------------------------------------------------


def test_there_is_one_seed_data_file_per_seed_number_from_000():
    names = [p.name for p in SEED_DATA_FILES]
    assert names == [f"seed-{n:03d}.trig" for n in range(len(names))]
    assert len(names) >= 5


@pytest.mark.parametrize("path", [*SEED_DATA_FILES, CURATION], ids=lambda p: p.name)
def test_data_file_parses_as_trig(path: Path):
    assert len(_parse(path)) > 0


@pytest.mark.parametrize("path", SEED_DATA_FILES, ids=lambda p: p.name)
def test_seed_file_holds_exactly_one_graph_named_after_it(path: Path, per_file):
    graphs = _named_graphs(per_file[path.name])
    assert list(graphs) == [URIRef(GRAPH + path.stem)], graphs


@pytest.mark.parametrize("path", SEED_DATA_FILES, ids=lambda p: p.name)
def test_seed_graph_is_a_bundle_derived_from_its_described_article(path: Path, per_file):
    ds = per_file[path.name]
    number = path.stem.removeprefix("seed-")
    g = f"graph:seed-{number}"
    rows = _select(
        ds,
        f"""SELECT ?src ?file ?lang ?headline WHERE {{ GRAPH {g} {{
            {g} a prov:Bundle ; prov:wasDerivedFrom ?src .
            ?src a schema:NewsArticle, prov:Entity ;
                 ogp:seedFile ?file ; schema:inLanguage ?lang ; schema:headline ?headline .
        }} }}""",
    )
    assert len(rows) == 1, rows
    src, file_name, lang, headline = rows[0]
    assert src == URIRef(ID + f"source/seed-{number}")
    match = SEED_FILE_NAME.match(str(file_name))
    assert match and match.group(1) == number, file_name
    assert str(lang) in {"ar", "fr"}
    assert headline.language == str(lang)


def test_seed_file_names_name_existing_seed_articles(per_file):
    if not SEED_TEXTS.is_dir():
        pytest.skip(f"seed articles not found at {SEED_TEXTS}")
    existing = {p.name for p in SEED_TEXTS.glob("*.txt")}
    named = _seed_files_named(per_file)
    assert named and named <= existing, named - existing


def test_every_seed_article_is_covered_by_a_seed_graph(per_file):
    if not SEED_TEXTS.is_dir():
        pytest.skip(f"seed articles not found at {SEED_TEXTS}")
    existing = {p.name for p in SEED_TEXTS.glob("*.txt")}
    named = _seed_files_named(per_file)
    assert existing <= named, existing - named


def test_publishers_and_authors_are_as_the_articles_name_them(everything):
    publisher = {
        str(s).rsplit("/", 1)[1]: str(o).rsplit("/", 1)[1]
        for s, o in everything.subject_objects(URIRef(SCHEMA + "publisher"))
    }
    assert publisher == {"seed-000": "hespress", "seed-003": "al-ain"}
    authors = {
        str(s).rsplit("/", 1)[1]: str(o).rsplit("/", 1)[1]
        for s, o in everything.subject_objects(URIRef(SCHEMA + "author"))
        if str(s).startswith(ID + "source/")
    }
    assert authors == {"seed-001": "MA-0003", "seed-002": "MA-0008"}


# ----------------------------------------------------------------------------------------------
# Terms and literals
# ----------------------------------------------------------------------------------------------


def test_typed_literals_are_valid_for_their_datatype(everything):
    bad = [
        (s, p, o)
        for s, p, o, _g in everything.quads((None, None, None, None))
        if isinstance(o, Literal) and o.ill_typed
    ]
    assert not bad


def test_arabic_literals_are_nfc_normalised(everything):
    bad = [
        o
        for _s, _p, o, _g in everything.quads((None, None, None, None))
        if isinstance(o, Literal) and o.language == "ar" and unicodedata.normalize("NFC", o) != o
    ]
    assert not bad


def test_time_instants_carry_exactly_one_position(everything):
    positions = [URIRef(TIME + p) for p in ("inXSDDate", "inXSDgYearMonth", "inXSDgYear")]
    for instant in everything.subjects(RDF.type, URIRef(TIME + "Instant")):
        found = [p for p in positions for _ in everything.objects(instant, p)]
        assert len(found) == 1, (instant, found)


def test_seed_graphs_only_label_places(per_file):
    """Places come from the reference graphs; a seed graph may only add the labels it uses."""
    for name, ds in per_file.items():
        for s, p, _o, _g in ds.quads((None, None, None, None)):
            if str(s).startswith((ID + "country/", ID + "region/")):
                assert p == RDFS.label, (name, s, p)


def test_people_are_the_expected_set(everything):
    used = {
        str(t).removeprefix(PERSON)
        for s, _p, o, _g in everything.quads((None, None, None, None))
        for t in (s, o)
        if isinstance(t, URIRef) and str(t).startswith(PERSON)
    }
    assert used == set(EXPECTED_PERSONS)


def test_each_person_serial_is_declared_atop_the_first_seed_file_naming_them():
    declared: dict[str, str] = {}
    first_use: dict[str, str] = {}
    for path in SEED_DATA_FILES:
        text = path.read_text(encoding="utf-8")
        header = text.split("@prefix", 1)[0]
        for line in header.splitlines():
            m = PERSON_DECLARATION.match(line)
            if m:
                assert m.group(1) not in declared, f"{m.group(1)} declared twice"
                declared[m.group(1)] = path.name
        for serial in re.findall(r"person:(MA-\d{4})\b", text.split("@prefix", 1)[1]):
            first_use.setdefault(serial, path.name)
    assert declared == first_use


def test_every_person_has_a_name(everything):
    for person in everything.subjects(RDF.type, URIRef(FOAF + "Person")):
        if isinstance(person, BNode):
            assert everything.value(person, RDFS.label) is not None, person
        else:
            assert everything.value(person, URIRef(FOAF + "name")) is not None, person


# ----------------------------------------------------------------------------------------------
# Pinned facts
# ----------------------------------------------------------------------------------------------

SC_MEMBERS = {"MA", "GB", "KR", "EE", "NG"}
AOGN_FOUNDERS = {"MA", "NG", "CI", "BF", "KE", "ZA", "TN"}


@pytest.mark.parametrize("seed", ["seed-000", "seed-003"])
def test_steering_committee_term_starts_2021_10_01_for_three_years(everything, seed):
    rows = _select(
        everything,
        f"""SELECT ?member WHERE {{ GRAPH graph:{seed} {{
            ?m a org:Membership ; org:member ?member ; org:organization agency:ogp-sc ;
               org:role role:steering-committee-member ; ogp:termLength "P3Y"^^xsd:duration ;
               org:memberDuring/time:hasBeginning/time:inXSDDate "2021-10-01"^^xsd:date .
        }} }}""",
    )
    assert {str(r[0]).rsplit("/", 1)[1] for r in rows} == SC_MEMBERS


def test_steering_committee_has_22_members(everything):
    size = everything.value(URIRef(ID + "organisation/ogp-sc"), URIRef(OGP + "memberCount"))
    assert size is not None and size.datatype == XSD.nonNegativeInteger and int(size) == 22


def test_second_national_action_plan_has_22_commitments_2021_2023(everything):
    assert _ask(
        everything,
        """GRAPH graph:seed-000 {
            plan:MA-2021 a ogp:NationalActionPlan ; ogp:government gov:MA ;
                ogp:planNumber ?number ; ogp:commitmentCount ?count ;
                ogp:publishedAt <http://www.gouvernement-ouvert.ma/> ;
                dcterms:temporal [ time:hasBeginning/time:inXSDgYear "2021"^^xsd:gYear ;
                                   time:hasEnd/time:inXSDgYear "2023"^^xsd:gYear ] .
            FILTER (?number = 2 && ?count = 22 && datatype(?count) = xsd:nonNegativeInteger)
        }""",
    )
    areas = _select(everything, "SELECT ?a WHERE { plan:MA-2021 ogp:policyArea ?a }")
    assert len(areas) == 6


@pytest.mark.parametrize("seed", ["seed-000", "seed-004"])
def test_african_open_government_network_has_seven_founding_members(everything, seed):
    rows = _select(
        everything,
        f"""SELECT ?member WHERE {{ GRAPH graph:{seed} {{
            ?m org:member ?member ; org:organization agency:aogn ; org:role role:founding-member .
            ?launch ogp:launched agency:aogn ; schema:superEvent event:2021-12-15-KR-1 .
        }} }}""",
    )
    assert {str(r[0]).rsplit("/", 1)[1] for r in rows} == AOGN_FOUNDERS


@pytest.mark.parametrize("seed", ["seed-000", "seed-004"])
def test_tanger_tetouan_al_hoceima_council_won_third_place_at_the_2021_summit(everything, seed):
    rows = _select(
        everything,
        f"""SELECT ?rank WHERE {{ GRAPH graph:{seed} {{
            ?award a ogp:Award ; ogp:rank ?rank ; ogp:awardedTo gov:MA-01 ;
                   ogp:awardedAt event:2021-12-15-KR-1 ; ogp:awardedFor ?why .
        }} }}""",
    )
    assert rows and {int(r[0]) for r in rows} == {3}


def test_summit_was_online_on_15_and_16_december_2021_hosted_by_korea(everything):
    assert _ask(
        everything,
        """GRAPH graph:seed-004 {
            event:2021-12-15-KR-1 ogp:eventType etype:summit ; ogp:host gov:KR ;
                schema:startDate "2021-12-15"^^xsd:date ; schema:endDate "2021-12-16"^^xsd:date ;
                schema:eventAttendanceMode schema:OnlineEventAttendanceMode .
        }""",
    )


def test_beni_mellal_khenifra_protocol_has_five_signatories(everything):
    agreement = URIRef(ID + "agreement/2022-02-18-MA-05-1")
    signatories = {
        str(o).removeprefix(ID) for o in everything.objects(agreement, URIRef(OGP + "signatory"))
    }
    assert signatories == {
        "organisation/ma-mtnra",
        "organisation/ma-05-wilaya",
        "government/MA-05",
        "organisation/ndi",
        "organisation/ced",
    }
    assert _ask(
        everything,
        """GRAPH graph:seed-003 {
            agreement:2022-02-18-MA-05-1 dcterms:date "2022-02-18"^^xsd:date ;
                ogp:signedAt event:2022-02-18-MA-05-1 .
            event:2022-02-18-MA-05-1 ogp:eventType etype:signing-ceremony ;
                ogp:signed agreement:2022-02-18-MA-05-1 .
        }""",
    )


@pytest.mark.parametrize(
    ("membership", "role", "start", "seed"),
    [
        ("MA-ogp-2018", "national-member", "2018-04", "seed-003"),
        ("MA-01-ogp-lp-2020", "local-member", "2020-10", "seed-002"),
    ],
)
def test_ogp_membership_starts_in_the_month_the_seed_gives(
    everything, membership, role, start, seed
):
    assert _ask(
        everything,
        f"""GRAPH graph:{seed} {{
            membership:{membership} a org:Membership ; org:role role:{role} ;
                org:memberDuring/time:hasBeginning/time:inXSDgYearMonth "{start}"^^xsd:gYearMonth .
        }}""",
    )


@pytest.mark.parametrize(
    ("person", "seed", "date"),
    [("MA-0005", "seed-002", "2020-11-20"), ("MA-0010", "seed-004", "2021-12-17")],
)
def test_council_president_is_attested_on_the_date_the_seed_gives(everything, person, seed, date):
    assert _ask(
        everything,
        f"""GRAPH graph:{seed} {{
            ?m org:member person:{person} ; org:organization gov:MA-01 ; org:role role:president ;
               ogp:attestedOn "{date}"^^xsd:date .
        }}""",
    )


@pytest.mark.parametrize(
    ("event", "seed"),
    [
        ("2020-11-20-online-1", "seed-002"),
        ("2022-02-18-MA-05-1", "seed-003"),
        ("2024-11-07-MA-02-1", "seed-001"),
    ],
)
def test_inferred_event_dates_say_how_they_were_inferred(everything, event, seed):
    rows = _select(
        everything,
        f"""SELECT ?note WHERE {{ GRAPH graph:{seed} {{
            event:{event} schema:startDate ?d ; ogp:dateNote ?note .
        }} }}""",
    )
    assert rows and all(r[0].language == "en" for r in rows)


# ----------------------------------------------------------------------------------------------
# Curation notes
# ----------------------------------------------------------------------------------------------


def test_curation_graph_is_a_bundle_from_a_described_source(per_file):
    ds = per_file[CURATION.name]
    assert list(_named_graphs(ds)) == [URIRef(GRAPH + "curation")]
    assert _ask(
        ds,
        """GRAPH graph:curation {
            graph:curation a prov:Bundle ; prov:wasDerivedFrom src:curation .
            src:curation a prov:Entity ; dcterms:title ?t .
        }""",
    )


def test_each_discrepancy_points_at_claims_present_in_the_graphs_it_names(all_data):
    everything = all_data
    notes = list(everything.subjects(RDF.type, URIRef(OGP + "Discrepancy")))
    assert len(notes) >= 3
    graphs = {URIRef(GRAPH + p.stem) for p in SEED_DATA_FILES}
    for note in notes:
        comment = everything.value(note, RDFS.comment)
        assert comment is not None and comment.language == "en", note
        subjects = set(everything.objects(note, URIRef(OGP + "concerns")))
        prop = everything.value(note, URIRef(OGP + "property"))
        claimed = set(everything.objects(note, URIRef(OGP + "claimedIn")))
        assert subjects and prop is not None and len(claimed) >= 2, note
        web = {g for g in claimed if str(g).startswith(GRAPH + "ogp-web-")}
        assert claimed & graphs or web == claimed, f"{note} names no seed graph"
        for g in claimed:
            graph = everything.graph(g)
            assert any(graph.value(s, prop) is not None for s in subjects), (note, g)


def test_sources_keep_their_own_claims_where_they_disagree(everything):
    """Seed 000's launch date for OGP stays in its graph, uncorrected."""
    founding = {
        (str(o), g.identifier if hasattr(g, "identifier") else g)
        for _s, _p, o, g in everything.quads(
            (URIRef(ID + "organisation/ogp"), URIRef(SCHEMA + "foundingDate"), None, None)
        )
    }
    assert founding == {("2011-12-20", URIRef(GRAPH + "seed-000"))}
