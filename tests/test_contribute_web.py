"""The contribution web flow over real HTTP: upload → report page → report downloads →
publishing with the token. Unreadable files get a page naming the problem and its place;
nothing is written until a conforming upload is published with the token."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SH

from ogpkg.config import Settings
from ogpkg.contrib.uploads import Uploads
from ogpkg.web import create_app
from tests.conftest import TOKEN
from tests.http_server import running

BAD = Path(__file__).parent / "bad_inputs"
NON_CONFORMING = (BAD / "shacl-commitment-unknown-plan.csv").read_bytes()
CONFORMING = (b"commitment_id,plan_id,title_en,title_fr,start_date,end_date\n"
              b"MOWEB01,MA-2018,A test commitment,Un engagement de test,2019-01,2020-06\n"
              )
COMMITMENT = "https://w3id.org/ogp-kg/id/commitment/MOWEB01"


@pytest.fixture()
def client(writable_settings: Settings) -> Iterator[httpx.Client]:
    with running(create_app(writable_settings)) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c


def version(client: httpx.Client) -> int:
    return int(client.get("/health").json()["version"])


def upload(client: httpx.Client, data: bytes, name: str, **fields: str) -> httpx.Response:
    return client.post("/contribute", files={"file": (name, data, "application/octet-stream")},
                       data=fields)


def report_path(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/contribute/[A-Za-z0-9_-]{16,}\?lang=\w\w", location), location
    return location.split("?")[0]


def test_upload_page_has_the_form_and_the_templates(client: httpx.Client) -> None:
    r = client.get("/contribute")
    assert r.status_code == 200
    assert 'enctype="multipart/form-data"' in r.text and 'type="file"' in r.text
    assert "/contribute/templates/commitments.csv" in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer"
    t = client.get("/contribute/templates/commitments.csv")
    assert t.status_code == 200 and t.text.startswith("commitment_id,plan_id")
    assert client.get("/contribute/templates/nope.csv").status_code == 404


def test_upload_page_speaks_arabic_right_to_left(client: httpx.Client) -> None:
    r = client.get("/contribute", params={"lang": "ar"})
    assert '<html lang="ar" dir="rtl">' in r.text
    assert "تحقق" in r.text


def test_non_conforming_csv_gets_a_report_page_and_nothing_is_written(
        client: httpx.Client) -> None:
    before = version(client)
    where = report_path(upload(client, NON_CONFORMING, "plans.csv", lang="fr"))
    page = client.get(where, params={"lang": "fr"})
    assert page.status_code == 200
    text = page.text
    assert "non conforme" in text and "2 violation(s)" in text
    # grouped by rule, the message in French, the row, links to the focus node and property
    assert text.count('<section class="rule">') == 2
    assert "Un engagement doit appartenir à exactement un plan d&#x27;action" in text
    assert "<bdi>plans.csv</bdi> ligne 2" in text
    assert 'href="/def/inActionPlan?lang=fr"' in text
    assert 'href="/id/commitment/MO0001?lang=fr"' in text  # the dataset knows MO0001
    assert "plan:MA-1999" in text
    assert "ne peut pas être publié" in text and 'name="token"' not in text
    assert version(client) == before


def test_report_downloads_in_json_turtle_csv_and_html(client: httpx.Client) -> None:
    where = report_path(upload(client, NON_CONFORMING, "plans.csv"))
    j = client.get(where + "/report.json", params={"lang": "ar"})
    assert j.status_code == 200 and "attachment" in j.headers["content-disposition"]
    body = j.json()
    assert body["conforms"] is False and body["summary"]["violations"] == 2
    assert body["results"][0]["location"] == {"source": "plans.csv", "row": 2}
    assert body["results"][0]["message"].startswith("يجب")
    ttl = client.get(where + "/report.ttl")
    g = Graph().parse(data=ttl.text, format="turtle")
    assert (None, SH.conforms, Literal(False)) in g
    assert len(list(g.subjects(SH.focusNode, None))) == 2
    rows = list(csv.DictReader(io.StringIO(client.get(where + "/report.csv").text)))
    assert len(rows) == 2 and rows[0]["location"] == "plans.csv row 2"
    h = client.get(where + "/report.html", params={"lang": "fr"})
    assert h.headers["content-type"].startswith("text/html") and "Rapport de validation" in h.text
    assert client.get(where + "/report.pdf").status_code == 404


@pytest.mark.parametrize("name, expected", [
    ("csv-semicolons.csv", "line 1"),
    ("turtle-space-in-iri.ttl", "line"),
    ("plans-many-errors.csv", "row"),
    ("action-plans.xlsx", "CSV UTF-8"),
])
def test_unreadable_file_gets_a_page_naming_the_problem(
        client: httpx.Client, writable_settings: Settings, name: str, expected: str) -> None:
    data = (BAD / name).read_bytes()
    r = upload(client, data, name)
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("text/html")
    assert "could not be read" in r.text and expected in r.text
    assert 'type="file"' in r.text  # the form again, to try another file
    uploads = writable_settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_upload_without_a_file_is_a_400(client: httpx.Client) -> None:
    r = client.post("/contribute", data={"lang": "en"},
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "choose a file" in r.text


def test_oversize_upload_is_a_413(writable_settings: Settings) -> None:
    small = replace(writable_settings, max_body_bytes=1000)
    with running(create_app(small)) as url, httpx.Client(base_url=url, timeout=60) as c:
        r = upload(c, b"x" * 200_000, "big.ttl")
        assert r.status_code == 413


def test_conforming_upload_is_published_with_the_token(client: httpx.Client) -> None:
    before = version(client)
    where = report_path(upload(client, CONFORMING, "mine.csv"))
    page = client.get(where).text
    assert "✓ conforms" in page and 'name="token"' in page
    assert version(client) == before  # checking wrote nothing

    form = {"contributor": "Test Contributor", "lang": "en"}
    no = client.post(where + "/publish", data=form)
    assert no.status_code == 401 and "Bearer" in no.text
    wrong = client.post(where + "/publish", data={**form, "token": "wrong"})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    nameless = client.post(where + "/publish", data={"token": TOKEN, "contributor": " "})
    assert nameless.status_code == 400
    assert version(client) == before

    ok = client.post(where + "/publish", data={**form, "token": TOKEN})
    assert ok.status_code == 303 and ok.headers["location"].startswith(where)
    assert version(client) == before + 1
    done = client.get(where).text
    assert "Published as graph" in done and "Test Contributor" in done
    graph = re.search(r'href="(/graph/contribution/[^"?]+)', done)
    assert graph is not None
    ask = client.get("/sparql", params={"query": f"ASK {{ <{COMMITMENT}> ?p ?o }}"}).json()
    assert ask["boolean"] is True
    iri = "https://w3id.org/ogp-kg" + graph.group(1)
    who = client.get("/sparql", params={"query": (
        f"ASK {{ <{iri}> <http://www.w3.org/ns/prov#wasAttributedTo>/"
        '<http://xmlns.com/foaf/0.1/name> "Test Contributor" }')}).json()
    assert who["boolean"] is True
    again = client.post(where + "/publish", data={**form, "token": TOKEN})
    assert again.status_code == 400 and "published already" in again.text
    assert version(client) == before + 1


def test_non_conforming_upload_cannot_be_published(client: httpx.Client) -> None:
    before = version(client)
    where = report_path(upload(client, NON_CONFORMING, "plans.csv"))
    r = client.post(where + "/publish", data={"token": TOKEN, "contributor": "X"})
    assert r.status_code == 400 and "does not conform" in r.text
    assert version(client) == before


def test_publishing_is_off_without_a_token(built_settings: Settings, tmp_path: Path) -> None:
    from tests.conftest import copy_store

    settings = replace(built_settings, data_dir=copy_store(built_settings.data_dir,
                                                           tmp_path / "var"), write_token="")
    with running(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as c:
        where = report_path(upload(c, CONFORMING, "mine.csv"))
        assert "turned off" in c.get(where).text
        r = c.post(where + "/publish", data={"token": "x", "contributor": "X"})
        assert r.status_code == 403


def test_json_clients_get_the_report_and_a_location(client: httpx.Client) -> None:
    r = client.post("/contribute", files={"file": ("plans.csv", NON_CONFORMING)},
                    headers={"Accept": "application/json"})
    assert r.status_code == 201
    body = r.json()
    assert body["report"]["conforms"] is False
    assert r.headers["location"] == body["report_page"]
    bad = client.post("/contribute", files={"file": ("x.ttl", b"<a> <b> .")},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.json()["detail"]["location"]["line"] == 1


@pytest.mark.parametrize("ident", ["nope", "A" * 24, "../../CURRENT", "%2e%2e%2fCURRENT"])
def test_unknown_upload_is_a_404(client: httpx.Client, ident: str) -> None:
    assert client.get(f"/contribute/{ident}").status_code == 404
    assert client.get(f"/contribute/{ident}/report.json").status_code == 404


def test_uploads_expire(tmp_path: Path, shapes) -> None:  # type: ignore[no-untyped-def]
    import os
    import time

    from ogpkg.contrib.uploads import Upload
    from ogpkg.validation.validate import ValidationReport

    report = ValidationReport([], True, "fast", 0, 0, 0.0)
    store = Uploads(tmp_path / "uploads", ttl_s=60)

    def add() -> Upload:
        return store.add(b"data", Upload("", "f.ttl", "turtle", 4, "0" * 64, 1, time.time(),
                                         report))

    first = add()
    assert store.get(first.id).report.conforms and store.data(first) == b"data"
    old = time.time() - 120
    os.utime(store.root / first.id, (old, old))
    kept = [add() for _ in range(4)]
    names = sorted(p.name for p in store.root.iterdir())
    assert names == sorted(k.id for k in kept)  # the expired one went, no other


def test_report_record_round_trips(shapes) -> None:  # type: ignore[no-untyped-def]
    from ogpkg.contrib.ingest import read_input
    from ogpkg.validation.validate import ValidationReport, validate

    parsed = read_input(NON_CONFORMING, "plans.csv", max_bytes=10_000,
                        max_literal_bytes=10_000)
    report = validate(parsed.dataset, shapes, locate=parsed.locate)
    again = ValidationReport.from_record(json.loads(json.dumps(report.to_record())))
    assert again.to_json("fr") == report.to_json("fr")
    assert again.to_turtle() == report.to_turtle()


def test_malformed_multipart_body_is_a_400(client: httpx.Client) -> None:
    r = client.post("/contribute", content=b"--xyz\r\nContent-Disposition: form-data\r\n\r\nx",
                    headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 400
    r = client.post("/contribute", content=b"--xyz\r\n",
                    headers={"Content-Type": "multipart/form-data"})
    assert r.status_code == 400
