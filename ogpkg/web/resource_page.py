"""The HTML page of one resource: its label in the reader's language (Arabic right-to-left),
its types, its outgoing and incoming links as links, readable values (dates, intervals,
counts) and the source of each fact."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from ogpkg.i18n import DURATIONS, LANG_NAMES, MONTHS, RESOURCE
from ogpkg.query.service import Rows
from ogpkg.web import links
from ogpkg.web.context import AppContext

#: the rows of a SELECT the page writes (:meth:`ogpkg.query.service.QueryService.select`)
Select = Callable[[str], Awaitable[Rows]]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
TIME = "http://www.w3.org/2006/time#"
LABELS = ("<http://www.w3.org/2000/01/rdf-schema#label>|"
          "<http://www.w3.org/2004/02/skos/core#prefLabel>|<http://xmlns.com/foaf/0.1/name>|"
          "<https://schema.org/name>|<http://purl.org/dc/terms/title>|"
          "<https://schema.org/headline>")
WHEN = (f"(<{TIME}inXSDDate>|<{TIME}inXSDgYearMonth>|<{TIME}inXSDgYear>|"
        f"<{TIME}inXSDDateTimeStamp>)")

INCOMING_LIMIT = 300
DEFINITIONS = ("http://www.w3.org/2004/02/skos/core#definition",
               "http://www.w3.org/2000/01/rdf-schema#comment")


def best_label(labels: list[tuple[str, str]], lang: str) -> str | None:
    """The label in ``lang``, else English, else one without a language, else any."""
    for want in (lang, "en", ""):
        for text, tag in labels:
            if tag.split("-")[0] == want:
                return text
    return labels[0][0] if labels else None


def readable(value: dict[str, str], lang: str) -> str:
    """A literal as a person reads it: dates with month names, durations in words."""
    text = value["value"]
    datatype = value.get("datatype", "")
    try:
        if datatype == XSD + "date" and len(text) >= 10:
            y, m, d = text[:4], int(text[5:7]), int(text[8:10])
            return f"{d} {MONTHS[lang][m - 1]} {y}"
        if datatype == XSD + "gYearMonth" and len(text) >= 7:
            return f"{MONTHS[lang][int(text[5:7]) - 1]} {text[:4]}"
        if datatype == XSD + "duration" and text.startswith("P") and text[1:-1].isdigit():
            n, unit = int(text[1:-1]), text[-1]
            names = DURATIONS[lang]
            if unit in names:
                plural = "s" if n != 1 and lang != "ar" and names[unit][-1] != "s" else ""
                return f"{n} {names[unit]}{plural}"
    except (ValueError, IndexError):
        pass
    return text


class _Links:
    """Turns IRIs into links: local paths for IRIs under the base, the IRI itself otherwise."""

    def __init__(self, base_iri: str, lang: str, labels: dict[str, list[tuple[str, str]]]):
        self.base_iri = base_iri
        self.lang = lang
        self.labels = labels

    def href(self, iri: str) -> str:
        from ogpkg.web.resources import local_path

        path = local_path(iri, self.base_iri)
        if path is None:
            return iri
        if self.lang != "en":
            doc, hash_, frag = path.partition("#")
            return f"{doc}?lang={self.lang}{hash_}{frag}"
        return path

    def link(self, iri: str) -> str:
        label = best_label(self.labels.get(iri, []), self.lang)
        return links.link(self.href(iri), label or _short(iri), title=iri if label else None)


def _short(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri.rstrip("/#"):
            tail = iri.rstrip("/#").rsplit(sep, 1)[1]
            if tail:
                return tail
    return iri


async def render(ctx: AppContext, iri: str, lang: str, select: Select) -> bytes:
    base = ctx.settings.base_iri
    out_rows = await select(f"""SELECT ?s ?p ?o ?g ?begin ?end WHERE {{
      {{ BIND(<{iri}> AS ?s) GRAPH ?g {{ ?s ?p ?o }} }}
      UNION {{ <{iri}> ?q ?s FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{iri}#"))
               GRAPH ?g {{ ?s ?p ?o }} }}
      OPTIONAL {{ ?o <{TIME}hasBeginning>/{WHEN} ?begin }}
      OPTIONAL {{ ?o <{TIME}hasEnd>/{WHEN} ?end }}
    }} LIMIT 3000""")
    from ogpkg.web import term_page

    types = sorted({r["o"]["value"] for r in out_rows
                    if r["s"]["value"] == iri and r["p"]["value"] == RDF_TYPE})
    term = await term_page.gather(iri, set(types), select)
    # a class's instances are listed by its documentation, not among the incoming links
    skip_types = f"FILTER(?p != <{RDF_TYPE}>)" if term and term.kind == "class" else ""
    in_rows = await select(f"""SELECT ?s ?p ?g WHERE {{
      BIND(<{iri}> AS ?o) GRAPH ?g {{ ?s ?p ?o }} {skip_types} }} LIMIT {INCOMING_LIMIT + 1}""")
    iris = {iri} | (term.iris if term else set())
    graphs = set()
    for row in out_rows + in_rows:
        for key in ("s", "p", "o"):
            if key in row and row[key]["type"] == "uri":
                iris.add(row[key]["value"])
        graphs.add(row["g"]["value"])
    labels = await _labels(select, iris)
    linker = _Links(base, lang, labels)
    sources = await _sources(select, graphs, linker)
    words = RESOURCE[lang]

    title = best_label(labels.get(iri, []), lang) or _short(iri)
    termdoc = ""
    if term is not None:
        definitions = [(r["o"]["value"], r["o"].get("xml:lang", "")) for r in out_rows
                       if r["s"]["value"] == iri and r["p"]["value"] in DEFINITIONS]
        termdoc = term_page.render(term, best_label(definitions, lang), lang, linker.link)
    by_subject: dict[str, dict[str, dict[str, tuple[dict[str, str], set[str], str]]]] = \
        defaultdict(lambda: defaultdict(dict))
    for r in out_rows:
        if r["p"]["value"] == RDF_TYPE and r["s"]["value"] == iri:
            continue
        o = r["o"]
        key = o["type"] + "\0" + o["value"] + "\0" + o.get("xml:lang", "") + o.get("datatype", "")
        entry = by_subject[r["s"]["value"]][r["p"]["value"]].get(key)
        interval = ""
        if "begin" in r or "end" in r:
            interval = (readable(r["begin"], lang) if "begin" in r else "…") + " – " + (
                readable(r["end"], lang) if "end" in r else "…")
        if entry is None:
            entry = (o, set(), interval)
            by_subject[r["s"]["value"]][r["p"]["value"]][key] = entry
        entry[1].add(r["g"]["value"])

    def value_html(o: dict[str, str], interval: str) -> str:
        if o["type"] == "uri":
            shown = linker.link(o["value"])
            return shown + (f' <span class="interval">({html.escape(interval)})</span>'
                            if interval else "")
        if o["type"] == "bnode":
            return "<em>[…]</em>"
        tag = o.get("xml:lang", "")
        attrs = f' lang="{html.escape(tag)}"' if tag else ""
        return f'<bdi{attrs} dir="{"rtl" if tag.startswith("ar") else "auto"}">' \
               f"{html.escape(readable(o, lang))}</bdi>"

    def source_refs(gs: set[str]) -> str:
        refs = []
        for g in sorted(gs):
            number = sources["order"].get(g)
            refs.append(f'<a class="src" href="#src-{number}" title="{html.escape(g)}">'
                        f"[{number}]</a>")
        return " ".join(refs)

    sections = []
    for subject in [iri, *sorted(s for s in by_subject if s != iri)]:
        props = by_subject.get(subject)
        if not props:
            continue
        rows = []
        for p in sorted(props, key=lambda p: (best_label(labels.get(p, []), lang) or p)):
            values = "".join(
                f"<li>{value_html(o, interval)} {source_refs(gs)}</li>"
                for o, gs, interval in props[p].values())
            rows.append(f"<tr><th scope=\"row\">{linker.link(p)}</th>"
                        f"<td><ul>{values}</ul></td></tr>")
        heading = "" if subject == iri else f"<h3>{linker.link(subject)}</h3>"
        sections.append(f"{heading}<table><thead><tr><th scope=\"col\">{words['property']}"
                        f"</th><th scope=\"col\">{words['value']}</th></tr></thead>"
                        f"<tbody>{''.join(rows)}</tbody></table>")
    incoming = "".join(
        f"<li>{linker.link(r['s']['value'])} — {linker.link(r['p']['value'])} "
        f"{source_refs({r['g']['value']})}</li>" for r in in_rows[:INCOMING_LIMIT]
        if r["s"]["type"] == "uri")
    if len(in_rows) > INCOMING_LIMIT:
        incoming += f"<li>… {words['more']}</li>"
    source_items = "".join(
        f'<li id="src-{n}">[{n}] {item}</li>' for n, item in sources["items"])
    type_items = "".join(f"<li>{linker.link(t)}</li>" for t in types) or f"<li>{words['none']}</li>"
    direction = "rtl" if lang == "ar" else "ltr"
    doc = linker.href(iri).split("?")[0]
    downloads = " · ".join(
        f'<a href="{html.escape(doc)}?format={f}">{name}</a>'
        for f, name in (("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("ntriples", "N-Triples")))
    current = ' aria-current="page"'
    langs = " · ".join(
        f'<a href="{html.escape(doc)}?lang={code}" lang="{code}"'
        f'{current if code == lang else ""}>{name}</a>'
        for code, name in LANG_NAMES)
    page = f"""<!doctype html>
<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} — ogpkg</title>
<link rel="alternate" type="text/turtle" href="{html.escape(doc)}?format=turtle">
<link rel="alternate" type="application/ld+json" href="{html.escape(doc)}?format=jsonld">
<style>{STYLE}</style></head>
<body><header><nav><a href="/">ogpkg</a> · {langs}</nav></header>
<main><h1>{links.bdi(title)}</h1>
<p class="iri"><code dir="ltr">{html.escape(iri)}</code></p>
<h2>{words['types']}</h2><ul class="types">{type_items}</ul>
{termdoc}
<h2>{words['properties']}</h2>{''.join(sections) or f"<p>{words['none']}</p>"}
<h2>{words['incoming']}</h2><ul>{incoming or f"<li>{words['none']}</li>"}</ul>
<h2>{words['sources']}</h2><ol class="sources">{source_items}</ol>
<p>{words['download']}: {downloads}</p></main></body></html>"""
    return page.encode()


async def _labels(select: Select,
                  iris: set[str]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    items = sorted(iris)
    for i in range(0, len(items), 400):
        values = " ".join(f"<{x}>" for x in items[i:i + 400])
        rows = await select(f"SELECT ?x ?l WHERE {{ VALUES ?x {{ {values} }} "
                            f"?x {LABELS} ?l }}")
        for r in rows:
            out[r["x"]["value"]].append((r["l"]["value"], r["l"].get("xml:lang", "")))
    return out


async def _sources(select: Select, graphs: set[str],
                   linker: _Links) -> dict[str, Any]:
    """Numbered source list: each graph with what it was derived from (title, date, URL or
    seed file)."""
    order = {g: n for n, g in enumerate(sorted(graphs), start=1)}
    described: dict[str, dict[str, str]] = {}
    if graphs:
        values = " ".join(f"<{g}>" for g in graphs)
        rows = await select(f"""SELECT ?g ?src ?title ?url ?seed ?date WHERE {{
          VALUES ?g {{ {values} }}
          ?g <http://www.w3.org/ns/prov#wasDerivedFrom> ?src .
          OPTIONAL {{ ?src {LABELS} ?title }}
          OPTIONAL {{ ?src <https://schema.org/url> ?url }}
          OPTIONAL {{ ?src <https://w3id.org/ogp-kg/def/seedFile> ?seed }}
          OPTIONAL {{ ?src <https://schema.org/datePublished> ?date }} }}""")
        for r in rows:
            d = described.setdefault(r["g"]["value"], {})
            for key in ("src", "title", "url", "seed", "date"):
                if key in r and key not in d:
                    d[key] = r[key]["value"]
    items = []
    for g, n in sorted(order.items(), key=lambda kv: kv[1]):
        d = described.get(g, {})
        parts = [links.link(linker.href(g), d.get("title") or _short(g))]
        if d.get("date"):
            parts.append(links.bdi(d["date"]))
        if d.get("url"):
            parts.append(links.link(d["url"], d["url"]))
        if d.get("seed"):
            parts.append(f"<code>{html.escape(d['seed'])}</code>")
        items.append((n, " — ".join(parts)))
    return {"order": order, "items": items}


STYLE = """body{font-family:system-ui,sans-serif;max-width:64rem;margin:1.5rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}a{color:#0b57a4}table{border-collapse:collapse;width:100%}
th,td{text-align:start;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #ddd}
td ul,ul.types{margin:0;padding-inline-start:1.1rem}.iri code{font-size:.85rem;color:#444}
.src{font-size:.8rem;text-decoration:none}.interval{color:#444}"""
