"""A store whose data is hostile to the pages that show it: IRIs with the ``javascript:`` and
``data:`` schemes (as objects, as a source's URL, as an instance of a listed class) and a
label with a right-to-left override character."""

from __future__ import annotations

from pathlib import Path

from ogpkg.store import GraphLoad, Store
from tests.conftest import copy_store

BASE = "https://w3id.org/ogp-kg/"
GRAPH = BASE + "graph/hostile"
PAGE = "/id/government/XH"
JS_IRI = "javascript:window.__pwned=1"
DATA_IRI = "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+"
RLO_LABEL = "Evil \u202egov name"

TURTLE = f"""
@prefix ogp: <{BASE}def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<{BASE}{PAGE[1:]}> a ogp:NationalGovernment ;
    rdfs:label "{RLO_LABEL}"@en ;
    rdfs:seeAlso <{JS_IRI}> , <{DATA_IRI}> , <JaVaScRiPt:window.__pwned=2> ;
    schema:url "javascript:window.__pwned=3" .
<{JS_IRI}> rdfs:label "click me" .
<javascript:window.__pwned=4> a ogp:NationalGovernment ; rdfs:label "AAA hostile government" .
<{GRAPH}> prov:wasDerivedFrom <{BASE}id/source/hostile> .
<{BASE}id/source/hostile> rdfs:label "hostile source" ;
    schema:url "javascript:window.__pwned=5" .
"""


def hostile_store(built_dir: Path, dest: Path) -> Path:
    """A private copy of the built store with the hostile graph added (no validation: the
    point is data that got in)."""
    data_dir = copy_store(built_dir, dest)
    with Store(data_dir) as store:
        store.write(replace=[GraphLoad(GRAPH, data=TURTLE, fmt="turtle", source="hostile.ttl")])
    return data_dir
