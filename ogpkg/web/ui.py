"""The pages a person starts from: the home page (what the dataset is, counts, entry points,
the example queries with one-click run) and the query page (YASGUI, served from the package,
with prefixes pre-filled, the examples, shareable links, downloads and a chart)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ogpkg.namespaces import PREFIXES
from ogpkg.web.context import AppContext, ctx_of
from ogpkg.web.resource_page import STYLE, best_label
from ogpkg.web.resources import local_path, pick_lang, select

router = APIRouter()
STATIC = Path(__file__).resolve().parent / "static"

OGP = "https://w3id.org/ogp-kg/def/"
LABELS = ("<http://www.w3.org/2000/01/rdf-schema#label>|<https://schema.org/name>|"
          "<http://purl.org/dc/terms/title>")
ENTRY_LIMIT = 60
INITIAL = """# Action plans with their governments
SELECT ?plan ?government WHERE {
  ?plan a ogp:ActionPlan ; ogp:government ?government .
} ORDER BY ?plan LIMIT 100"""


def _prefix_block() -> str:
    wanted = ("ogp", "rdf", "rdfs", "xsd", "skos", "dcterms", "org", "time", "prov", "foaf",
              "schema", "cv")
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in wanted if p in PREFIXES)


def page_html(title: str, body: str, lang: str = "en", head: str = "") -> str:
    """A page of the site: its navigation, ``body`` in <main>, right-to-left for Arabic."""
    direction = "rtl" if lang == "ar" else "ltr"
    return f"""<!doctype html>
<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{STYLE}
nav a{{margin-inline-end:.6rem}} ul.counts{{display:flex;gap:1.5rem;list-style:none;padding:0;
flex-wrap:wrap}} ul.counts strong{{font-size:1.4rem;display:block}} .columns{{display:grid;
grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}}
button{{font:inherit;cursor:pointer}}
#yasgui .CodeMirror span.cm-string-2{{color:#1d5e1d !important}}
#yasgui .CodeMirror-linenumber{{color:#555 !important}}</style>{head}</head>
<body><header><nav aria-label="site"><a href="/">Home</a><a href="/query">Query</a>
<a href="/contribute">Contribute</a><a href="/docs">API</a>
<a href="/.well-known/void">Dataset description</a></nav></header>
<main>{body}</main></body></html>"""


async def _entries(ctx: AppContext, cls: str, lang: str) -> list[tuple[str, str]]:
    rows = await select(ctx, f"SELECT ?x ?l WHERE {{ ?x a <{cls}> OPTIONAL {{ ?x {LABELS} ?l }} }}"
                             f" ORDER BY ?x LIMIT {ENTRY_LIMIT * 6}")
    labels: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        labels.setdefault(r["x"]["value"], [])
        if "l" in r:
            labels[r["x"]["value"]].append((r["l"]["value"], r["l"].get("xml:lang", "")))
    out = [(iri, best_label(ls, lang) or iri.rsplit("/", 1)[-1]) for iri, ls in labels.items()]
    return sorted(out, key=lambda kv: kv[1])[:ENTRY_LIMIT]


def _link(ctx: AppContext, iri: str, text: str, lang: str) -> str:
    path = local_path(iri, ctx.settings.base_iri) or iri
    if lang != "en" and path.startswith("/"):
        path += f"?lang={lang}"
    return f'<a href="{html.escape(path)}">{html.escape(text)}</a>'


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> HTMLResponse:
    ctx = ctx_of(request)
    lang = pick_lang(request, ctx.settings.lang)
    stats = await ctx.stats()
    classes = stats["classes"]
    counts = [("governments", classes.get(OGP + "Government", 0)),
              ("action plans", classes.get(OGP + "ActionPlan", 0)),
              ("commitments", classes.get(OGP + "Commitment", 0)),
              ("events", classes.get("https://schema.org/Event", 0)),
              ("triples", stats["distinct_triples"]), ("sources (graphs)", len(stats["graphs"]))]
    count_items = "".join(f"<li><strong>{n:,}</strong> {html.escape(k)}</li>" for k, n in counts)
    columns = []
    for heading, cls in (("Governments", OGP + "Government"), ("Action plans", OGP + "ActionPlan"),
                         ("Events", "https://schema.org/Event")):
        items = "".join(f"<li>{_link(ctx, iri, text, lang)}</li>"
                        for iri, text in await _entries(ctx, cls, lang))
        columns.append(f"<section><h2>{heading}</h2><ul>{items}</ul></section>")
    examples = "".join(
        f'<li><a href="/query#{html.escape(q.name)}">{html.escape(q.title)}</a> '
        f'(<a href="/api/queries/{html.escape(q.name)}">JSON</a>, '
        f'<a href="/api/queries/{html.escape(q.name)}?format=csv">CSV</a>)</li>'
        for q in ctx.canned.values())
    body = f"""<h1>Open Government Partnership knowledge graph</h1>
<p>Governments — national OGP members and OGP Local members such as Moroccan regions —,
their action plans and commitments, the Steering Committee, events and awards, from news
articles and OGP's own pages. Every fact sits in the named graph of the source it comes from,
so that what each source says, and where sources disagree, can be asked for.
Data version {stats['version']}.</p>
<ul class="counts">{count_items}</ul>
<div class="columns">{''.join(columns)}</div>
<h2>Example queries</h2><p>Each runs in one click on the <a href="/query">query page</a>,
or as JSON or CSV from its own URL.</p><ul>{examples}</ul>
<h2>For machines</h2><p>SPARQL endpoint: <code>/sparql</code> (SPARQL 1.1 Protocol) ·
<a href="/dump.nq">dump (N-Quads)</a> · <a href="/.well-known/void">VoID + DCAT</a> ·
<a href="/api/queries">canned queries</a> · <a href="/docs">OpenAPI</a></p>"""
    return HTMLResponse(page_html("ogpkg — OGP knowledge graph", body, lang))


@router.get("/query", response_class=HTMLResponse, include_in_schema=False)
def query_page(request: Request) -> HTMLResponse:
    ctx = ctx_of(request)
    prefixes = _prefix_block()
    examples = [{"name": q.name, "title": q.title, "text": q.text} for q in ctx.canned.values()]
    data = {"initial": prefixes + "\n" + INITIAL, "examples": examples,
            "prefixes": {p: PREFIXES[p] for p in PREFIXES}}
    blob = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    buttons = "".join(
        f'<li><button type="button" data-example="{html.escape(q["name"])}">'
        f'{html.escape(q["title"])}</button></li>' for q in examples)
    head = ('<link rel="stylesheet" href="/static/vendor/yasgui/yasgui.min.css">'
            '<script src="/static/vendor/yasgui/yasgui.min.js" defer></script>'
            '<script src="/static/chart.js" defer></script>'
            '<script src="/static/query.js" defer></script>')
    body = f"""<h1>Query the knowledge graph</h1>
<div id="yasgui"></div>
<section aria-labelledby="dl"><h2 id="dl">Download this result</h2><ul id="downloads"></ul>
<p><a id="share" href="/query">Link to this query</a></p></section>
<div id="chart"></div>
<section aria-labelledby="ex"><h2 id="ex">Example queries</h2><ul class="examples">{buttons}</ul>
</section>
<script type="application/json" id="query-data">{blob}</script>"""
    return HTMLResponse(page_html("Query — ogpkg", body, "en", head))
