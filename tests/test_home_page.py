"""The home page over real HTTP: it counts and lists governments, plans, commitments and
events by class including subclasses, and its words follow ``?lang=`` and Accept-Language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.i18n import SITE
from ogpkg.web import create_app
from tests.http_server import running

OGP = "https://w3id.org/ogp-kg/def/"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


@pytest.fixture(scope="module")
def client(built_settings: Settings) -> Iterator[httpx.Client]:
    with running(create_app(replace(built_settings, query_workers=2))) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c


def count(client: httpx.Client, cls: str) -> int:
    r = client.get("/sparql", params={"query": f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ "
                                      f"?x a/{SUBCLASS}* <{cls}> }}"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def shown_count(page: str, word: str) -> int:
    m = re.search(r"<strong>([\d,]+)</strong> " + re.escape(word) + "<", page)
    assert m, f"no count of {word!r} on the page"
    return int(m.group(1).replace(",", ""))


@pytest.mark.parametrize(("word", "cls"), [
    ("governments", OGP + "Government"), ("action plans", OGP + "ActionPlan"),
    ("commitments", OGP + "Commitment"), ("events", "https://schema.org/Event")])
def test_counts_include_instances_of_subclasses(client: httpx.Client, word: str,
                                                cls: str) -> None:
    expected = count(client, cls)
    assert expected > 0
    assert shown_count(client.get("/").text, word) == expected


def test_governments_are_listed(client: httpx.Client) -> None:
    page = client.get("/").text
    section = page.split("<h2>Governments</h2>", 1)[1].split("</section>", 1)[0]
    assert 'href="/id/government/MA"' in section


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_headings_follow_the_chosen_language(client: httpx.Client, lang: str) -> None:
    w = SITE[lang]
    for page in (client.get("/", params={"lang": lang}).text,
                 client.get("/", headers={"Accept-Language": f"{lang};q=0.9"}).text):
        assert f'<html lang="{lang}"' in page
        assert f"<h2>{w['h_governments']}</h2>" in page
        assert f"<h1>{w['title']}</h1>" in page
        # interface words, not content (example query titles are written in English)
        assert "<h2>Governments</h2>" not in page and "<h2>Example queries</h2>" not in page
        assert f'href="/id/government/MA?lang={lang}"' in page
