"""Canned queries over real HTTP: every example query has a stable URL answering JSON or CSV,
parameters are checked and bound as terms (never spliced into the query), and each is
documented in OpenAPI."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.errors import InputError
from ogpkg.query import canned
from ogpkg.web import create_app
from tests.http_server import running

EXAMPLES = Path(__file__).resolve().parent.parent / "queries" / "examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.rq"))


@pytest.fixture(scope="module")
def client(built_settings: Settings) -> Iterator[httpx.Client]:
    with running(create_app(replace(built_settings, query_workers=2))) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c


def test_list_names_every_example_query_with_its_parameters(client: httpx.Client) -> None:
    listed = {q["name"]: q for q in client.get("/api/queries").json()}
    assert sorted(listed) == NAMES
    params = listed["national-action-plans-by-country"]["parameters"]
    assert params == [{"name": "country", "kind": "code", "binds": "?isoCode",
                       "description": "ISO 3166-1 alpha-2 code of the country, e.g. MA"}]


@pytest.mark.parametrize("name", NAMES)
def test_every_canned_query_answers_json(client: httpx.Client, name: str) -> None:
    r = client.get(f"/api/queries/{name}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"] == name and body["count"] == len(body["rows"]) > 0
    assert set(body["rows"][0]) <= set(body["columns"])


def test_parameter_filters_rows(client: httpx.Client) -> None:
    everything = client.get("/api/queries/national-action-plans-by-country").json()
    morocco = client.get("/api/queries/national-action-plans-by-country",
                         params={"country": "MA"}).json()
    assert {row["isoCode"] for row in everything["rows"]} > {"MA"}
    assert morocco["count"] >= 3 and {row["isoCode"] for row in morocco["rows"]} == {"MA"}
    assert morocco["parameters"] == {"country": "MA"}


def test_csv_by_format_or_accept(client: httpx.Client) -> None:
    a = client.get("/api/queries/ogp-local-members-morocco", params={"format": "csv"})
    b = client.get("/api/queries/ogp-local-members-morocco", headers={"Accept": "text/csv"})
    assert a.headers["content-type"].startswith("text/csv") and a.text == b.text
    rows = list(csv.DictReader(io.StringIO(a.text)))
    assert rows and "regionCode" in rows[0]


@pytest.mark.parametrize(("params", "words"), [
    ({"country": 'MA" } ; DROP ALL ; #'}, "parameter 'country'"),
    ({"country": "MA> . ?s ?p ?o"}, "parameter 'country'"),
    ({"country": ""}, "parameter 'country'"),
    ({"colour": "red"}, "unknown parameter"),
    ({"format": "xml"}, "format must be"),
])
def test_bad_parameters_get_400_naming_the_parameter(client: httpx.Client, params: dict,
                                                     words: str) -> None:
    r = client.get("/api/queries/national-action-plans-by-country", params=params)
    assert r.status_code == 400 and words in r.json()["error"]


def test_unknown_query_is_404(client: httpx.Client) -> None:
    assert client.get("/api/queries/no-such-query").status_code == 404


def test_each_canned_query_is_documented_in_openapi(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    op = paths["/api/queries/national-action-plans-by-country"]["get"]
    assert op["summary"].startswith("National action plans")
    assert [p["name"] for p in op["parameters"]] == ["country", "format"]
    assert all(f"/api/queries/{n}" in paths for n in NAMES)


def test_values_are_bound_as_terms_not_text() -> None:
    q = canned.parse_header("x", "# title: X\n# param: day ?d date — a day\nSELECT ?d {}")
    assert canned.bindings(q, {"day": "2021-12-15"}) == {
        "d": ("literal", "2021-12-15", "http://www.w3.org/2001/XMLSchema#date")}
    with pytest.raises(InputError, match="parameter 'day'"):
        canned.bindings(q, {"day": "2021-12-15\"^^<x:y>"})


def test_malformed_parameter_line_is_refused() -> None:
    with pytest.raises(InputError, match="malformed parameter line"):
        canned.parse_header("x", "# title: X\n# param: day d colour\nSELECT * {}")
