"""The example queries under queries/examples/ and their answers over the bundled content.

Every query file opens with a ``# title:`` line and ``# description:`` lines, then its PREFIX
lines, and ends with an ORDER BY; queries/examples/README.md lists it; and its answer over the
bundled data (loaded once, without validation, into an in-memory dataset whose default graph is
the union of all graphs) is pinned in PINS below. A new query without a pin fails.

Pinned values are shown compactly: IRIs with the prefixes of ogpkg.namespaces ("gov:MA"), other
IRIs under the base relative to it ("id/discrepancy/0001"), blank nodes as "_:", literals by
their lexical form, and unbound variables as "".
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, URIRef
from rdflib.term import Node

from ogpkg.namespaces import BASE, PREFIXES
from ogpkg.store import MemoryDataset

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "queries" / "examples"
QUERY_FILES = sorted(path.name for path in EXAMPLES.glob("*.rq"))

_NAMESPACES = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))
_PREFIX_LINE = re.compile(r"^PREFIX\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>\s*$")
#: the final solution modifier: an ORDER BY after the last closing brace of the query
_FINAL_ORDER_BY = re.compile(r"\}\s*(GROUP BY[^{}]*)?(HAVING[^{}]*)?ORDER BY[^{}]+$")


@dataclass(frozen=True)
class Pin:
    """The pinned answer of one query, projected on ``columns``.

    With ``count`` None, ``rows`` is the whole answer, in order. Otherwise the answer has
    ``count`` rows, among which ``rows`` appear in this order (the key rows of a big answer).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    count: int | None = None


PINS: dict[str, Pin] = {
    "action-plans-per-government.rq": Pin(
        ('placeCode', 'level', 'plans', 'firstStart', 'latestStart', 'jointPlans'),
        (
            ('EE', 'national', '5', '2011', '2022', '0'),
            ('KR', 'national', '3', '2018', '2023', '0'),
            ('MA', 'national', '3', '2018', '2024', '0'),
            ('NG', 'national', '3', '2017', '2023', '0'),
            ('BF', 'national', '2', '2017', '2019', '0'),
            ('MA-05', 'local', '1', '2022', '2022', '0'),
        ),
        count=115,
    ),
    "awards.rq": Pin(
        ("award", "prize", "rank", "recipient", "placeCode", "event", "sources"),
        (
            ("award:2021-12-15-KR-1-3", "Open Government Award for Local Innovation", "3",
             "gov:MA-01", "MA-01", "event:2021-12-15-KR-1", "2"),
        ),
    ),
    "beni-mellal-khenifra-protocol-signatories.rq": Pin(
        ("signatory", "partOf", "speaker", "speakerName", "speakerRole", "graph"),
        (
            ("gov:MA-05", "", "_:", "رئيس مجلس جهة بني ملال خنيفرة", "president",
             "graph:seed-003"),
            ("agency:ced", "", "_:", "مدير مركز التميز للتنمية", "director", "graph:seed-003"),
            ("agency:ma-05-wilaya", "", "person:MA-0009", "خطيب الهبيل", "wali",
             "graph:seed-003"),
            # named as this source spells her, not as other sources do
            ("agency:ma-mtnra", "gov:MA", "person:MA-0002", "غيتة مزور", "minister delegate",
             "graph:seed-003"),
            ("agency:ndi", "", "_:", "مدير المعهد الوطني الديمقراطي الأمريكي", "director",
             "graph:seed-003"),
        ),
    ),
    "commitments-by-plan.rq": Pin(
        ('placeCode', 'plan', 'id', 'policyAreas', 'leadInstitution'),
        (
            ('BF', 'plan:BF-2017', 'BF0001', '1', ''),
            ('EE', 'plan:EE-2020', 'EE0057', '1', ''),
            ('KE', 'plan:KE-2020', 'KE0029', '8', 'Commission on Administrative Justice'),
            ('KR', 'plan:KR-2018', 'KR0048', '0', ''),
            (
                'MA',
                'plan:MA-2018',
                'MO0001',
                '5',
                'Ministry of Administration Reform and Civil Service',
            ),
            (
                'MA',
                'plan:MA-2018',
                'MO0018',
                '0',
                'Ministry of Administration Reform and Civil Service',
            ),
            ('MA', 'plan:MA-2021', 'MO0026', '4', ''),
            ('MA-02', 'plan:MA-02-2025', 'MAORT0002', '0', ''),
        ),
        count=933,
    ),
    "commitments-per-policy-area.rq": Pin(
        ('area', 'withNarrower', 'commitments', 'plans', 'governments'),
        (
            ('area:debt', '1', '1', '1', '1'),
        ),
        count=24,
    ),
    "council-presidents.rq": Pin(
        ("regionCode", "date", "president", "presidentName", "graph"),
        (
            ("MA-01", "2020-11-20", "person:MA-0005", "فاطمة الحساني", "graph:seed-002"),
            ("MA-01", "2021-12-17", "person:MA-0010", "Omar Moro", "graph:seed-004"),
            ("MA-05", "2022-02-18", "_:", "رئيس مجلس جهة بني ملال خنيفرة", "graph:seed-003"),
        ),
    ),
    "curated-discrepancies.rq": Pin(
        ('note', 'concerns', 'property', 'claimedIn', 'graphsStatingIt'),
        (
            ('id/discrepancy/0001', 'agency:ogp', 'schema:foundingDate', '4', '4'),
            ('id/discrepancy/0002', 'gov:MA-01', 'rdfs:label', '3', '3'),
            ('id/discrepancy/0003', 'membership:MA-0002-ma-mtnra-minister', 'org:role', '3', '2'),
            (
                'id/discrepancy/0003',
                'membership:MA-0002-ma-mtnra-minister-delegate',
                'org:role',
                '3',
                '1',
            ),
            ('id/discrepancy/0004', 'agency:ma-mtnra', 'rdfs:label', '3', '3'),
            ('id/discrepancy/0005', 'person:MA-0002', 'foaf:name', '2', '2'),
            (
                'id/discrepancy/0006',
                'membership:MA-ogp-sc-2021-10-01',
                'dcterms:description',
                '2',
                '2',
            ),
            ('id/discrepancy/0007', 'gov:MA-05', 'rdfs:label', '2', '2'),
            ('id/discrepancy/0008', 'event:2021-12-15-KR-1', 'schema:endDate', '4', '4'),
        ),
        count=49,
    ),
    "events-of-an-official.rq": Pin(
        ("event", "date", "role", "post", "postRole", "graph", "sourceFile"),
        (
            ("event:2021-12-15-KR-3", "2021-12-15", "speaker",
             "membership:MA-0002-ma-mtnra-minister", "minister", "graph:seed-000",
             "000_f13c372579360f26.txt"),
            ("event:2021-12-15-KR-3", "2021-12-15", "participant",
             "membership:MA-0002-ma-mtnra-minister", "minister", "graph:seed-004",
             "004_f79294af867a088c.txt"),
            ("event:2022-02-18-MA-05-1", "2022-02-18", "speaker",
             "membership:MA-0002-ma-mtnra-minister-delegate", "minister delegate",
             "graph:seed-003", "003_8a1847f015605d6a.txt"),
        ),
    ),
    "events-timeline.rq": Pin(
        ("start", "end", "event", "kind", "countryCode", "online", "parts", "sources"),
        (
            ("2011-12-20", "", "event:2011-12-20-US-1", "opening session", "", "false", "0", "1"),
            ("2019-12", "", "event:2019-12-MA-1", "forum", "", "false", "0", "1"),
            ("2020-11-20", "", "event:2020-11-20-online-1", "forum", "", "true", "0", "1"),
            ("2021-12-15", "2021-12-17", "event:2021-12-15-KR-1", "summit", "KR", "true", "5",
             "5"),
            ("2022-02-18", "", "event:2022-02-18-MA-05-1", "signing ceremony", "MA", "false", "0",
             "1"),
            ("2022-11-01", "2022-11-03", "event:2022-11-01-MA-1", "regional meeting", "MA",
             "false", "0", "1"),
            ("2022-11-23", "", "event:2022-11-23-MA-05-1", "co-creation workshop", "", "false",
             "0", "1"),
            ("2023-09-06", "2023-09-07", "event:2023-09-06-EE-1", "summit", "EE", "false", "0",
             "1"),
            ("2024-11-07", "", "event:2024-11-07-MA-02-1", "co-creation workshop", "MA", "false",
             "0", "1"),
        ),
    ),
    "facts-by-number-of-sources.rq": Pin(
        ('sources', 'facts', 'subjects'),
        (
            ('1', '9418', '1582'),
            ('2', '1360', '365'),
            ('3', '516', '136'),
            ('4', '306', '76'),
            ('5', '184', '43'),
        ),
        count=20,
    ),
    "global-summit-2021-events.rq": Pin(
        ("level", "event", "kind", "start", "end", "participants", "sources"),
        (
            ("summit", "event:2021-12-15-KR-1", "summit", "2021-12-15", "2021-12-17", "6", "5"),
            ("part", "event:2021-12-15-KR-2", "opening session", "", "", "1", "2"),
            ("part", "event:2021-12-15-KR-3", "high-level dialogue", "", "", "1", "2"),
            ("part", "event:2021-12-15-KR-4", "launch", "", "", "1", "2"),
            ("part", "event:2021-12-15-KR-4", "side event", "", "", "1", "2"),
            ("part", "event:2021-12-15-KR-5", "parallel session", "", "", "1", "2"),
            ("part", "event:2021-12-15-KR-6", "parallel session", "", "", "1", "2"),
        ),
    ),
    "local-action-plans.rq": Pin(
        ('plan', 'government', 'regionCode', 'start', 'end', 'sources'),
        (
            ('plan:MA-01-2021', 'gov:MA-01', 'MA-01', '2020', '2022', '2'),
            ('plan:MA-01-2021', 'gov:MA-01', 'MA-01', '2021', '2023-11', '2'),
            ('plan:MA-01-2025', 'gov:MA-01', 'MA-01', '2025', '2026-12', '1'),
            ('plan:MA-02-2025', 'gov:MA-02', 'MA-02', '2025', '2027', '4'),
            ('plan:MA-02-2025', 'gov:MA-02', 'MA-02', '2025', '2027-06', '4'),
            ('plan:MA-05-2022', 'gov:MA-05', 'MA-05', '2022', '2027-06', '1'),
            ('plan:MA-02-2025', 'gov:MA-08', 'MA-08', '2025', '2027', '4'),
            ('plan:MA-02-2025', 'gov:MA-08', 'MA-08', '2025', '2027-06', '4'),
            ('plan:MA-02-2025', 'gov:MA-09', 'MA-09', '2025', '2027', '4'),
            ('plan:MA-02-2025', 'gov:MA-09', 'MA-09', '2025', '2027-06', '4'),
            ('plan:MA-02-2025', 'gov:MA-11', 'MA-11', '2025', '2027', '4'),
            ('plan:MA-02-2025', 'gov:MA-11', 'MA-11', '2025', '2027-06', '4'),
        ),
        count=56,
    ),
    "memberships-by-number-of-sources.rq": Pin(
        ('membership', 'role', 'sources', 'support'),
        (
            (
                'membership:EE-ogp-sc-2021-10-01',
                'steering committee member',
                '5',
                'several sources',
            ),
            (
                'membership:MA-ogp-sc-2021-10-01',
                'steering committee member',
                '5',
                'several sources',
            ),
            ('membership:MA-aogn-2021', 'founding member', '2', 'several sources'),
            (
                'membership:MA-0002-ma-mtnra-minister-delegate',
                'minister delegate',
                '1',
                'single source',
            ),
        ),
        count=213,
    ),
    "moroccan-region-labels.rq": Pin(
        ("code", "en", "fr", "ar", "otherLabels", "governedBy"),
        (
            ("MA-01", "Tanger-Tétouan-Al Hoceïma", "Tanger-Tétouan-Al Hoceïma",
             "جهة طنجة تطوان الحسيمة", "1", "gov:MA-01"),
            ("MA-02", "L'Oriental", "L'Oriental", "جهة الشرق", "0", "gov:MA-02"),
            ("MA-03", "Fès-Meknès", "Fès-Meknès", "", "0", ""),
            ("MA-04", "Rabat-Salé-Kénitra", "Rabat-Salé-Kénitra", "", "0", ""),
            ("MA-05", "Béni Mellal-Khénifra", "Béni Mellal-Khénifra", "جهة بني ملال خنيفرة", "1",
             "gov:MA-05"),
            ("MA-06", "Casablanca-Settat", "Casablanca-Settat", "", "0", ""),
            ("MA-07", "Marrakech-Safi", "Marrakech-Safi", "", "0", ""),
            ("MA-08", "Drâa-Tafilalet", "Drâa-Tafilalet", "جهة درعة تافيلالت", "0", "gov:MA-08"),
            ("MA-09", "Souss-Massa", "Souss-Massa", "جهة سوس ماسة", "0", "gov:MA-09"),
            ("MA-10", "Guelmim-Oued Noun", "Guelmim-Oued Noun", "", "0", ""),
            ("MA-11", "Laâyoune-Sakia El Hamra", "Laâyoune-Sakia El Hamra",
             "جهة العيون الساقية الحمراء", "0", "gov:MA-11"),
            ("MA-12", "Dakhla-Oued Ed-Dahab", "Dakhla-Oued Ed-Dahab", "", "0", ""),
        ),
    ),
    "national-action-plans-by-country.rq": Pin(
        ('isoCode', 'plan', 'planNumber', 'start', 'end', 'statedCommitments',
         'describedCommitments'),
        (
            ('EE', 'plan:EE-2016', '', '2016', '', '', '5'),
            ('KR', 'plan:KR-2018', '4', '2018', '2020', '13', '13'),
            ('MA', 'plan:MA-2018', '1', '2018', '2020', '18', '2'),
            ('MA', 'plan:MA-2021', '2', '2021', '2023', '22', '1'),
            ('NG', 'plan:NG-2019', '2', '2019', '2022', '16', '0'),
            ('ZA', 'plan:ZA-2020', '4', '2020', '2022', '3', '0'),
        ),
        count=295,
    ),
    "network-founders-ogp-profile.rq": Pin(
        ('network', 'isoCode', 'joinedOgp', 'steeringCommitteeTerms', 'plans', 'latestPlanNumber'),
        (
            ('agency:aogn', 'KE', '2011', '2', '4', '5'),
            ('agency:aogn', 'ZA', '2011', '1', '3', '4'),
            ('agency:aogn', 'TN', '2014', '0', '4', '5'),
            ('agency:aogn', 'CI', '2015', '0', '4', '4'),
            ('agency:aogn', 'BF', '2016', '0', '2', '2'),
            ('agency:aogn', 'NG', '2016', '2', '3', '3'),
            ('agency:aogn', 'MA', '2018', '2', '3', '3'),
        ),
    ),
    "ogp-local-members-morocco.rq": Pin(
        ("member", "region", "regionCode", "joined", "sources"),
        (
            ("gov:MA-01", "region:MA-01", "MA-01", "2020-10", "2"),
            ("gov:MA-02", "region:MA-02", "MA-02", "2024-04-16", "1"),
            ("gov:MA-08", "region:MA-08", "MA-08", "2024-04-16", "1"),
            ("gov:MA-09", "region:MA-09", "MA-09", "2024-04-16", "1"),
            ("gov:MA-11", "region:MA-11", "MA-11", "2024-04-16", "1"),
        ),
    ),
    "ogp-membership-join-dates.rq": Pin(
        ('isoCode', 'joined', 'graph', 'sourceFile'),
        (
            (
                'CI',
                '2015',
                'graph:ogp-web-members-cote-divoire',
                'https://www.opengovpartnership.org/members/Cote-dIvoire/',
            ),
            (
                'CI',
                '2015-10',
                'graph:ogp-web-stories-expanding-the-reach-of-ogp-in-francophone-africa'
                '-cote-divoire',
                'https://www.opengovpartnership.org/stories/expanding-the-reach-of-ogp-'
                'in-francophone-africa-cote-divoire',
            ),
            (
                'MA',
                '2018',
                'graph:ogp-web-documents-morocco-action-plan-review-2021-2023',
                'https://www.opengovpartnership.org/documents/morocco-action-plan-revie'
                'w-2021-2023/',
            ),
            (
                'MA',
                '2018',
                'graph:ogp-web-documents-morocco-design-report-2018-2020',
                'https://www.opengovpartnership.org/documents/morocco-design-report-2018-2020/',
            ),
            (
                'MA',
                '2018-04',
                'graph:ogp-web-news-the-kingdom-of-morocco-joins-open-government-partnership',
                'https://www.opengovpartnership.org/news/the-kingdom-of-morocco-joins-o'
                'pen-government-partnership/',
            ),
            ('MA', '2018-04', 'graph:seed-003', '003_8a1847f015605d6a.txt'),
            (
                'ZA',
                '2011',
                'graph:ogp-web-documents-south-africa-action-plan-review-2020-2022',
                'https://www.opengovpartnership.org/documents/south-africa-action-plan-'
                'review-2020-2022/',
            ),
        ),
        count=215,
    ),
    "persons-and-their-posts.rq": Pin(
        ("person", "name", "role", "organization", "attestedOn", "graph"),
        (
            ("person:MA-0001", "Aziz Akhannouch", "head of government", "gov:MA", "2021-12-16",
             "graph:seed-000"),
            ("person:MA-0001", "Aziz Akhannouch", "head of government", "gov:MA", "2021-12-17",
             "graph:seed-004"),
            ("person:MA-0002", "Ghita Mezzour", "minister", "agency:ma-mtnra", "2021-12-16",
             "graph:seed-000"),
            ("person:MA-0002", "Ghita Mezzour", "minister", "agency:ma-mtnra", "2021-12-17",
             "graph:seed-004"),
            ("person:MA-0002", "Ghita Mezzour", "minister delegate", "agency:ma-mtnra",
             "2022-02-18", "graph:seed-003"),
            ("person:MA-0005", "فاطمة الحساني", "president", "gov:MA-01", "2020-11-20",
             "graph:seed-002"),
            ("person:MA-0006", "محمد العمومري", "secretary-general", "agency:ma-mefra",
             "2020-11-20", "graph:seed-002"),
            ("person:MA-0007", "محمد أوزين", "vice-president", "agency:ma-hor", "2020-11-20",
             "graph:seed-002"),
            ("person:MA-0009", "خطيب الهبيل", "wali", "agency:ma-05-wilaya", "2022-02-18",
             "graph:seed-003"),
            ("person:MA-0010", "Omar Moro", "president", "gov:MA-01", "2021-12-17",
             "graph:seed-004"),
        ),
    ),
    "source-disagreements.rq": Pin(
        ('subject', 'property', 'boundary', 'value1', 'graph1', 'value2', 'graph2', 'kind',
         'curated'),
        (
            (
                'membership:CI-ogp-2015',
                'org:memberDuring',
                'time:hasBeginning',
                '2015',
                'graph:ogp-web-members-cote-divoire',
                '2015-10',
                'graph:ogp-web-stories-expanding-the-reach-of-ogp-in-francophone-africa'
                '-cote-divoire',
                'different precision',
                'false',
            ),
            (
                'agency:ogp',
                'schema:foundingDate',
                '',
                '2011',
                'graph:ogp-web-members-morocco',
                '2011-12-20',
                'graph:seed-000',
                'different precision',
                'true',
            ),
            (
                'event:2021-12-15-KR-1',
                'schema:endDate',
                '',
                '2021-12-17',
                'graph:ogp-web-events-2021-ogp-global-summit-seoul-republic-of-korea',
                '2021-12-16',
                'graph:seed-000',
                'different values',
                'true',
            ),
            (
                'membership:MA-ogp-sc-2021-10-01',
                'org:memberDuring',
                'time:hasEnd',
                '2024-10-01',
                'graph:ogp-web-about-who-we-are-steering-committee-2024-government-stee'
                'ring-committee-elections',
                '2024-09',
                'graph:ogp-web-about-who-we-are-steering-committee-sc-composition',
                'different values',
                'false',
            ),
            (
                'agency:ogp',
                'schema:foundingDate',
                '',
                '2011-09',
                'graph:ogp-web-stories-10-lessons-from-10-years-of-ogp',
                '2011-12-20',
                'graph:seed-000',
                'different values',
                'true',
            ),
        ),
        count=162,
    ),
    "sources-by-publisher-and-language.rq": Pin(
        ('publisherName', 'language', 'kind', 'documents', 'dated'),
        (
            ('Open Government Partnership', 'en', 'web page', '598', '5'),
            ('Open Government Partnership', 'es', 'web page', '4', '0'),
            ('(not named)', 'ar', 'news article', '2', '1'),
            ('(not named)', 'ar', 'web page', '1', '1'),
            ('(not named)', 'fr', 'news article', '1', '1'),
            ('Al Ain News', 'ar', 'news article', '1', '1'),
            ('Hespress', 'ar', 'news article', '1', '1'),
            ('Open Government Partnership', 'fr', 'web page', '1', '0'),
        ),
    ),
    "steering-committee-cohort-network-founders.rq": Pin(
        ("termStart", "network", "networkName", "government", "isoCode", "countryName"),
        (
            ("2021-10-01", "agency:aogn", "African Open Government Network", "gov:MA", "MA",
             "Morocco"),
            ("2021-10-01", "agency:aogn", "African Open Government Network", "gov:NG", "NG",
             "Nigeria"),
        ),
    ),
    "steering-committee-on-a-date.rq": Pin(
        ("day", "isoCode", "term", "end", "timeLeft"),
        (
            ("2022-06-01", "DE", "membership:DE-ogp-sc-2019-10-01", "2022-10-01", "P122D"),
            ("2022-06-01", "GE", "membership:GE-ogp-sc-2019-10-01", "2022-10-01", "P122D"),
            ("2022-06-01", "ID", "membership:ID-ogp-sc-2019-10-01", "2022-10-01", "P122D"),
            ("2022-06-01", "CA", "membership:CA-ogp-sc-2020-10-01", "2023-10-01", "P487D"),
            ("2022-06-01", "IT", "membership:IT-ogp-sc-2020-10-01", "2023-10-01", "P487D"),
            ("2022-06-01", "KE", "membership:KE-ogp-sc-2020-10-01", "2023-10-01", "P487D"),
            ("2022-06-01", "EE", "membership:EE-ogp-sc-2021-10-01", "2024-10-01", "P853D"),
            ("2022-06-01", "GB", "membership:GB-ogp-sc-2021-10-01", "2024-10-01", "P853D"),
            ("2022-06-01", "KR", "membership:KR-ogp-sc-2021-10-01", "2024-10-01", "P853D"),
            ("2022-06-01", "MA", "membership:MA-ogp-sc-2021-10-01", "2024-10-01", "P853D"),
            ("2022-06-01", "NG", "membership:NG-ogp-sc-2021-10-01", "2024-10-01", "P853D"),
        ),
    ),
    "steering-committee-terms-by-cohort.rq": Pin(
        ("cohort", "isoCode", "termLength", "computedEnd", "earliestStatedEnd", "latestStatedEnd",
         "sources"),
        (
            ("2020-10-01", "KE", "P3Y", "2023-10-01", "2023-10-01", "2023-10-01", "2"),
            ("2021-10-01", "EE", "P3Y", "2024-10-01", "2024-09", "2024-10-01", "5"),
            ("2021-10-01", "GB", "P3Y", "2024-10-01", "2024-09", "2024-10-01", "5"),
            ("2021-10-01", "KR", "P3Y", "2024-10-01", "2024-09", "2024-10-01", "5"),
            ("2021-10-01", "MA", "P3Y", "2024-10-01", "2024-09", "2024-10-01", "5"),
            ("2021-10-01", "NG", "P3Y", "2024-10-01", "2024-09", "2024-10-01", "5"),
            ("2023-10-01", "KE", "P3Y", "2026-10-01", "2026-09", "2026-09", "2"),
            ("2024-10-01", "PH", "P3Y", "2027-10-01", "2027-09", "2027-09", "2"),
        ),
        count=40,
    ),
    "triples-per-source.rq": Pin(
        ('graph', 'derivedFrom', 'source', 'language'),
        (
            ('graph:reference/countries', '1', 'src:pycountry', ''),
            ('graph:seed-000', '1', 'src:seed-000', 'ar'),
            ('graph:seed-004', '1', 'src:seed-004', 'fr'),
            (
                'graph:ogp-web-es-documents-action-plan-laayoune-sakia-el-hamra-morocco-2025-2027',
                '1',
                'src:ogp-web-es-documents-action-plan-laayoune-sakia-el-hamra-morocco-2025-2027',
                'es',
            ),
        ),
        count=617,
    ),
    "plans-by-start-year.rq": Pin(
        ('startYear', 'nationalPlans', 'localPlans', 'governments'),
        (
            ('2011', '2', '0', '2'),
        ),
        count=15,
    ),
    "plans-in-force-in-a-year.rq": Pin(
        ('yearShown', 'code', 'level', 'plan', 'start', 'end', 'statedCommitments'),
        (
            ('2021', 'AL', 'national', 'plan:AL-2020', '2020', '2022', '9'),
            ('2021', 'BF', 'national', 'plan:BF-2019', '2019', '2021', '11'),
            ('2021', 'BR', 'national', 'plan:BR-2018', '2018', '2021', '11'),
            ('2021', 'ZA', 'national', 'plan:ZA-2020', '2020', '2022', '3'),
        ),
        count=81,
    ),
    "policy-areas-over-time.rq": Pin(
        ('area', 'fromYear', 'plans', 'countries'),
        (
            ('area:transparency', '2020', '1', '1'),
        ),
        count=60,
    ),
    "members-by-joining-cohort.rq": Pin(
        ('joined', 'level', 'members', 'membersWithPlans'),
        (
            ('2011', 'national', '47', '47'),
            ('2012', 'national', '8', '8'),
            ('2013', 'national', '5', '5'),
            ('2014', 'national', '3', '3'),
            ('2015', 'national', '5', '5'),
        ),
        count=14,
    ),
    "time-from-joining-to-plans.rq": Pin(
        ('code', 'joined', 'firstPlanStart', 'yearsToFirstPlan', 'plans', 'highestPlanNumber'),
        (
            ('BF', '2016', '2017', '1', '2', '2'),
            ('EE', '2011', '2011', '0', '5', '6'),
            ('KR', '2011', '2018', '7', '3', '6'),
            ('MA', '2018', '2018', '0', '3', '3'),
            ('NG', '2016', '2017', '1', '3', '3'),
        ),
        count=80,
    ),
    "repeated-steering-committee-service.rq": Pin(
        ('code', 'terms', 'firstStart', 'latestStart'),
        (
            ('ID', '3', '2015-10-01', '2022-10-01'),
            ('CL', '2', '2015-10-01', '2022-10-01'),
            ('DE', '2', '2019-10-01', '2022-10-01'),
            ('EE', '2', '2021-10-01', '2024-10-01'),
            ('GB', '2', '2021-10-01', '2024-10-01'),
            ('KE', '2', '2020-10-01', '2023-10-01'),
            ('MA', '2', '2021-10-01', '2024-10-01'),
            ('NG', '2', '2018-10-01', '2021-10-01'),
            ('RO', '2', '2015-10-01', '2018-10-01'),
        ),
    ),
    "local-and-national-plans-side-by-side.rq": Pin(
        ('country', 'level', 'code', 'plan', 'start', 'end'),
        (
            ('MA', 'national', 'MA', 'plan:MA-2018', '2018', '2020'),
            ('MA', 'local', 'MA-01', 'plan:MA-01-2021', '2020', '2022'),
            ('MA', 'national', 'MA', 'plan:MA-2021', '2021', '2023'),
            ('MA', 'local', 'MA-05', 'plan:MA-05-2022', '2022', ''),
            ('MA', 'national', 'MA', 'plan:MA-2024', '2024', '2027'),
            ('MA', 'local', 'MA-01', 'plan:MA-01-2025', '2025', ''),
            ('MA', 'local', 'MA-02', 'plan:MA-02-2025', '2025', '2027'),
            ('MA', 'local', 'MA-08', 'plan:MA-02-2025', '2025', '2027'),
            ('MA', 'local', 'MA-09', 'plan:MA-02-2025', '2025', '2027'),
            ('MA', 'local', 'MA-11', 'plan:MA-02-2025', '2025', '2027'),
        ),
        count=98,
    ),
    "plans-with-differing-claims.rq": Pin(
        ('plan', 'starts', 'ends', 'counts', 'earliestEnd', 'latestEnd', 'sources', 'curated'),
        (
            ('plan:IT-2021', '2', '1', '1', '2023', '2023', '2', 'true'),
            ('plan:MA-01-2021', '2', '1', '0', '2022', '2022', '2', 'true'),
            ('plan:NG-2019', '1', '2', '1', '2021', '2022', '2', 'true'),
        ),
        count=27,
    ),
    "plan-length-over-time.rq": Pin(
        ('start', 'plans', 'shortest', 'average', 'longest'),
        (
            ('2011', '2', '1', '1.5', '2'),
        ),
        count=16,
    ),
    "commitments-by-plan-number.rq": Pin(
        ('planNumber', 'plans', 'fewest', 'average', 'most', 'governments'),
        (
            ('1', '23', '2', '9.7', '25', '23'),
            ('2', '29', '3', '10.9', '22', '29'),
            ('3', '45', '4', '17', '68', '45'),
            ('4', '51', '3', '12.5', '45', '51'),
            ('5', '31', '4', '11.9', '40', '31'),
            ('6', '10', '2', '11.3', '24', '10'),
            ('7', '1', '15', '15', '15', '1'),
        ),
    ),
    "irm-assessments.rq": Pin(
        ('code', 'plan', 'id', 'indicator', 'rating', 'page'),
        (
            (
                'CR',
                'plan:CR-2015',
                'CR0025',
                'indicator:did-it-open-government',
                'rating:marginal',
                'https://www.opengovpartnership.org/members/costa-rica/commitments/CR0025/',
            ),
            (
                'CR',
                'plan:CR-2015',
                'CR0026',
                'indicator:did-it-open-government',
                'rating:did-not-change',
                'http://www.opengovpartnership.org/members/costa-rica/commitments/CR0026/',
            ),
            (
                'ES',
                'plan:ES-2014',
                'ES0020',
                'indicator:did-it-open-government',
                'rating:marginal',
                'https://www.opengovpartnership.org/es/members/spain/commitments/ES0020/',
            ),
            (
                'KE',
                'plan:KE-2018',
                'KE0023',
                'indicator:did-it-open-government',
                'rating:marginal',
                'https://www.opengovpartnership.org/es/members/kenya/commitments/KE0023/',
            ),
            (
                'MK',
                'plan:MK-2016',
                'MK0103',
                'indicator:did-it-open-government',
                'rating:did-not-change',
                'https://www.opengovpartnership.org/members/north-macedonia/commitments/MK0103/',
            ),
            (
                'MX',
                'plan:MX-2019',
                'MX0087',
                'indicator:did-it-open-government',
                'rating:major',
                'https://www.opengovpartnership.org/es/members/mexico/commitments/MX0087/',
            ),
            (
                'PH',
                'plan:PH-2019',
                'PH0056',
                'indicator:did-it-open-government',
                'rating:marginal',
                'https://www.opengovpartnership.org/members/philippines/commitments/PH0056/',
            ),
            (
                'TN',
                'plan:TN-2018',
                'TN0046',
                'indicator:did-it-open-government',
                'rating:major',
                'https://www.opengovpartnership.org/members/tunisia/commitments/TN0046/',
            ),
        ),
    ),
    "steering-committee-members-and-their-plans.rq": Pin(
        ('code', 'term', 'termStart', 'termEnd', 'plan', 'planStart', 'planEnd'),
        (
            (
                'AR',
                'membership:AR-ogp-sc-2018-10-01',
                '2018',
                '2021',
                'plan:AR-2019',
                '2019',
                '2022',
            ),
            (
                'CA',
                'membership:CA-ogp-sc-2020-10-01',
                '2020',
                '2023',
                'plan:CA-2018',
                '2018',
                '2021',
            ),
            (
                'EE',
                'membership:EE-ogp-sc-2021-10-01',
                '2021',
                '2024',
                'plan:EE-2020',
                '2020',
                '2022',
            ),
            (
                'EE',
                'membership:EE-ogp-sc-2021-10-01',
                '2021',
                '2024',
                'plan:EE-2022',
                '2022',
                '2024',
            ),
            (
                'NG',
                'membership:NG-ogp-sc-2021-10-01',
                '2021',
                '2024',
                'plan:NG-2023',
                '2023',
                '2025',
            ),
            (
                'RO',
                'membership:RO-ogp-sc-2018-10-01',
                '2018',
                '2021',
                'plan:RO-2020',
                '2020',
                '2022',
            ),
        ),
        count=45,
    ),
}


# --------------------------------------------------------------------------- helpers


def _show(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:"
    if isinstance(term, URIRef):
        for prefix, namespace in _NAMESPACES:
            if term.startswith(namespace):
                return f"{prefix}:{term[len(namespace):]}"
        return term[len(BASE):] if term.startswith(BASE) else str(term)
    return str(term)


def _project(rows: list[dict[str, Node]], columns: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [tuple(_show(row.get(column)) for column in columns) for row in rows]


def _is_subsequence(wanted: tuple[tuple[str, ...], ...], rows: list[tuple[str, ...]]) -> bool:
    remaining = iter(rows)
    return all(any(row == key for row in remaining) for key in wanted)


def _header(text: str) -> tuple[list[str], list[str], list[str]]:
    """The title, description and PREFIX lines that open a query file, and nothing else
    (``# param:`` lines between the description and the prefixes are skipped)."""
    lines = text.splitlines()
    titles = [line for line in lines[:1] if line.startswith("# title:")]
    descriptions = []
    for line in lines[1:]:
        if not line.startswith("# description:"):
            break
        descriptions.append(line)
    params = [line for line in lines[1 + len(descriptions):] if line.startswith("# param:")]
    prefixes = []
    for line in lines[1 + len(descriptions) + len(params):]:
        if not line.startswith("PREFIX"):
            break
        prefixes.append(line)
    return titles, descriptions, prefixes


def _query(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def merged(dataset: MemoryDataset) -> MemoryDataset:
    """The same named graphs with a real RDF merge, each distinct triple once, as default graph.

    pyoxigraph 0.5 matches a triple stated in several graphs once per graph in the union
    default graph; answers must not depend on that.
    """
    ds = MemoryDataset()
    for name in dataset.graph_names():
        ds.copy_graphs_from(dataset, [name])
    triples = dataset.select("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }")
    ds.add((row["s"], row["p"], row["o"], None) for row in triples)
    return ds


# --------------------------------------------------------------------------- the files


def test_there_are_at_least_eighteen_example_queries() -> None:
    assert len(QUERY_FILES) >= 18, QUERY_FILES


@pytest.mark.parametrize("name", QUERY_FILES)
def test_example_query_opens_with_title_description_and_prefixes(name: str) -> None:
    titles, descriptions, prefixes = _header(_query(name))
    assert titles and titles[0].removeprefix("# title:").strip(), f"{name}: no '# title:' line"
    assert descriptions, f"{name}: no '# description:' line after the title"
    assert all(line.removeprefix("# description:").strip() for line in descriptions), name
    assert prefixes, f"{name}: no PREFIX line after the description"


@pytest.mark.parametrize("name", QUERY_FILES)
def test_example_query_prefixes_are_the_projects_and_all_used(name: str) -> None:
    text = _query(name)
    _, _, prefix_lines = _header(text)
    body = text.split(prefix_lines[-1], 1)[1]
    for line in prefix_lines:
        match = _PREFIX_LINE.match(line)
        assert match, f"{name}: not a PREFIX declaration: {line!r}"
        prefix, namespace = match.group(1) or "", match.group(2)
        assert PREFIXES.get(prefix) == namespace, f"{name}: {prefix}: is not <{namespace}>"
        assert re.search(rf"(?<![\w?$-]){re.escape(prefix)}:", body), (
            f"{name}: PREFIX {prefix}: is declared but not used")


@pytest.mark.parametrize("name", QUERY_FILES)
def test_example_query_orders_its_rows(name: str) -> None:
    text = "\n".join(line for line in _query(name).splitlines()
                     if not line.lstrip().startswith("#"))
    assert re.search(r"\bSELECT\b", text), f"{name}: not a SELECT query"
    assert _FINAL_ORDER_BY.search(text.strip()), f"{name}: no final ORDER BY"


def test_readme_lists_every_example_query_and_no_other() -> None:
    listed = set(re.findall(r"`([\w.-]+\.rq)`", (EXAMPLES / "README.md").read_text("utf-8")))
    assert listed == set(QUERY_FILES)


def test_every_pin_belongs_to_an_example_query() -> None:
    assert set(PINS) <= set(QUERY_FILES), sorted(set(PINS) - set(QUERY_FILES))


# --------------------------------------------------------------------------- the answers


@pytest.mark.parametrize("name", QUERY_FILES)
def test_example_query_answer_is_pinned(name: str, dataset: MemoryDataset) -> None:
    assert name in PINS, f"{name} has no pinned answer in PINS"
    pin = PINS[name]
    rows = _project(dataset.select(_query(name)), pin.columns)
    if pin.count is None:
        assert rows == list(pin.rows)
    else:
        assert len(rows) == pin.count
        assert _is_subsequence(pin.rows, rows), (
            f"{name}: key rows missing or out of order: "
            f"{[key for key in pin.rows if key not in rows]}")


@pytest.mark.parametrize("name", QUERY_FILES)
def test_example_query_answer_does_not_count_a_triple_once_per_graph(
        name: str, dataset: MemoryDataset, merged: MemoryDataset) -> None:
    query = _query(name)
    assert dataset.select(query) == merged.select(query, union=False)


@pytest.mark.parametrize("name", QUERY_FILES)
def test_example_query_answers_within_a_second(name: str, dataset: MemoryDataset) -> None:
    query = _query(name)
    dataset.select(query)  # the first run parses and warms the store's indexes
    started = time.perf_counter()
    dataset.select(query)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{name} took {elapsed:.2f} s over the bundled data"
