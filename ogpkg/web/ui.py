"""The pages a person starts from: the home page (what the dataset is, counts, entry points,
the example queries with one-click run) and the query page (YASGUI, served from the package,
with prefixes pre-filled, the examples, shareable links, downloads and a chart)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ogpkg.i18n import SITE
from ogpkg.namespaces import PREFIXES
from ogpkg.web import links
from ogpkg.web.context import AppContext, ctx_of, request_client
from ogpkg.web.resource_page import STYLE, Select, best_label
from ogpkg.web.resources import local_path, pick_lang

router = APIRouter()
STATIC = Path(__file__).resolve().parent / "static"

OGP = "https://w3id.org/ogp-kg/def/"
LABELS = ("<http://www.w3.org/2000/01/rdf-schema#label>|<https://schema.org/name>|"
          "<http://purl.org/dc/terms/title>")
ENTRY_LIMIT = 200  # entries listed per class, by label
ENTRY_SCAN = 5000  # instances read to choose them from
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
    w = SITE[lang]
    suffix = "" if lang == "en" else f"?lang={lang}"
    nav = "".join(f'<a href="{path}{suffix if local else ""}">{w[key]}</a>'
                  for key, path, local in (("home", "/", True), ("query", "/query", True),
                                           ("contribute", "/contribute", True),
                                           ("api", "/docs", False),
                                           ("void", "/.well-known/void", False)))
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
<body><header><nav aria-label="{w['site']}">{nav}</nav></header>
<main>{body}</main></body></html>"""


#: what the home page counts and lists: (count word, heading word, class); instances of
#: subclasses count (governments are typed only as national or local governments)
HOME_CLASSES = (("governments", "h_governments", OGP + "Government"),
                ("plans", "h_plans", OGP + "ActionPlan"),
                ("commitments", None, OGP + "Commitment"),
                ("events", "h_events", "https://schema.org/Event"))
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


async def _counts(select: Select) -> dict[str, int]:
    """Instances of each class of :data:`HOME_CLASSES`, subclasses included."""
    values = " ".join(f"<{cls}>" for _, _, cls in HOME_CLASSES)
    rows = await select(f"SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE {{ VALUES ?c {{ "
                        f"{values} }} ?x a/{SUBCLASS}* ?c }} GROUP BY ?c")
    return {r["c"]["value"]: int(r["n"]["value"]) for r in rows}


async def _entries(select: Select, cls: str, lang: str) -> list[tuple[str, str]]:
    rows = await select(f"SELECT ?x ?l WHERE {{ {{ SELECT DISTINCT ?x WHERE {{ "
                        f"?x a/{SUBCLASS}* <{cls}> }} LIMIT {ENTRY_SCAN} }} "
                        f"OPTIONAL {{ ?x {LABELS} ?l }} }}")
    labels: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        labels.setdefault(r["x"]["value"], [])
        if "l" in r:
            labels[r["x"]["value"]].append((r["l"]["value"], r["l"].get("xml:lang", "")))
    out = [(iri, best_label(ls, lang) or iri.rsplit("/", 1)[-1]) for iri, ls in labels.items()]
    return sorted(out, key=lambda kv: kv[1])[:ENTRY_LIMIT]


def _link(ctx: AppContext, iri: str, text: str, lang: str) -> str:
    path = local_path(iri, ctx.settings.base_iri)
    if path is not None and lang != "en":
        path += f"?lang={lang}"
    return links.link(path or iri, text, title=None if path else iri)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> HTMLResponse:
    ctx = ctx_of(request)
    lang = pick_lang(request, ctx.settings.lang)
    w = SITE[lang]
    stats = await ctx.stats()
    select = ctx.queries.selector(request_client(request))
    by_class = await _counts(select)
    counts = [(w[word], by_class.get(cls, 0)) for word, _, cls in HOME_CLASSES] + [
        (w["triples"], stats["distinct_triples"]), (w["graphs"], len(stats["graphs"]))]
    count_items = "".join(f"<li><strong>{n:,}</strong> {html.escape(k)}</li>" for k, n in counts)
    columns = []
    for _, heading, cls in HOME_CLASSES:
        if heading is None:
            continue
        items = "".join(f"<li>{_link(ctx, iri, text, lang)}</li>"
                        for iri, text in await _entries(select, cls, lang))
        columns.append(f"<section><h2>{w[heading]}</h2><ul>{items}</ul></section>")
    examples = "".join(
        f'<li><a href="/query#{html.escape(q.name)}">{links.bdi(q.title)}</a> '
        f'(<a href="/api/queries/{html.escape(q.name)}">JSON</a>, '
        f'<a href="/api/queries/{html.escape(q.name)}?format=csv">CSV</a>)</li>'
        for q in ctx.canned.values())
    body = f"""<h1>{w['title']}</h1>
<p>{w['intro']} {w['data_version']} {stats['version']}.</p>
<ul class="counts">{count_items}</ul>
<div class="columns">{''.join(columns)}</div>
<h2>{w['examples']}</h2><p><a href="/query">{w['examples_intro']}</a></p><ul>{examples}</ul>
<h2>{w['machines']}</h2><p>{w['endpoint']}: <code>/sparql</code> (SPARQL 1.1 Protocol) ·
<a href="/dump.nq">{w['dump']}</a> · <a href="/.well-known/void">VoID + DCAT</a> ·
<a href="/api/queries">{w['canned']}</a> · <a href="/docs">{w['openapi']}</a></p>"""
    return HTMLResponse(page_html(f"ogpkg — {w['title']}", body, lang),
                        headers={"Content-Language": lang,
                                 "Vary": "Accept-Language"})


@router.get("/query", response_class=HTMLResponse, include_in_schema=False)
def query_page(request: Request) -> HTMLResponse:
    ctx = ctx_of(request)
    prefixes = _prefix_block()
    examples = [{"name": q.name, "title": q.title, "text": q.text} for q in ctx.canned.values()]
    data = {"initial": prefixes + "\n" + INITIAL, "examples": examples,
            "prefixes": {p: PREFIXES[p] for p in PREFIXES},
            "endpoints": ctx.settings.allowed_ui_endpoints}
    blob = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    buttons = "".join(
        f'<li><button type="button" data-example="{html.escape(q["name"])}">'
        f'{html.escape(q["title"])}</button></li>' for q in examples)
    head = ('<link rel="stylesheet" href="/static/vendor/yasgui/yasgui.min.css">'
            '<script src="/static/vendor/yasgui/yasgui.min.js" defer></script>'
            '<script src="/static/chart.js" defer></script>'
            '<script src="/static/query.js" defer></script>')
    lang = pick_lang(request, ctx.settings.lang)
    w = SITE[lang]
    body = f"""<h1>{w['query_title']}</h1>
<div id="yasgui" dir="ltr"></div>
<section aria-labelledby="dl"><h2 id="dl">{w['download_result']}</h2><ul id="downloads"></ul>
<p><a id="share" href="/query">{w['share']}</a></p></section>
<div id="chart"></div>
<section aria-labelledby="ex"><h2 id="ex">{w['examples']}</h2><ul class="examples">{buttons}</ul>
</section>
<script type="application/json" id="query-data">{blob}</script>"""
    return HTMLResponse(page_html(f"{w['query']} — ogpkg", body, lang, head),
                        headers={"Content-Language": lang, "Vary": "Accept-Language"})


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over the OpenAPI description, served from the package (no inline script:
    the page runs under the same policy as every other)."""
    return HTMLResponse("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ogpkg — API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js" defer></script>
<script src="/static/docs.js" defer></script></head>
<body><div id="swagger-ui"></div></body></html>""")
