"""The contribution web flow.

``/contribute`` (upload an RDF file or a filled CSV template) → the report page
``/contribute/<id>`` (summary; results grouped by rule, each with its focus node, property,
value, message in en/fr/ar and line or row) → the report as JSON, Turtle, CSV or HTML →
publishing with the write token when the data conforms.

Checking is the same as ``ogpkg validate``: against the shapes, with the ontology and the
entities already in the store, and nothing is written. Publishing reads the kept file again,
validates it against the store as it is then and writes it atomically into its own graph with
provenance, like ``ogpkg ingest``.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from ogpkg.contribute import Outcome, contribute
from ogpkg.errors import InputError, NotFoundError, OgpkgError, ValidationFailed
from ogpkg.ingest import CSV_FORMATS, ParsedInput, read_input
from ogpkg.ingest.csv_templates import TEMPLATES
from ogpkg.report_html import RESULTS_STYLE, render_results, short
from ogpkg.report_html import ui as report_words
from ogpkg.store import RDF_FORMATS, Store
from ogpkg.uploads import Upload
from ogpkg.web.context import AppContext, ctx_of, read_body
from ogpkg.web.resources import LANGS, local_path, pick_lang
from ogpkg.web.ui import page_html

router = APIRouter()

#: most triples shown per focus node in the "your data" part of a report page
NODE_TRIPLES = 40
#: most focus nodes whose uploaded triples are kept for the report page
NODES = 300
#: room for the multipart framing and the small form fields around an uploaded file
FORM_OVERHEAD = 64 * 1024

#: headers of every page of the flow: nothing runs but what is on the page, nothing is sent
#: elsewhere, and the report's random address does not leak through the Referer header
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "upload_title": "Check and contribute a dataset",
        "intro": "Upload RDF (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) or a filled "
                 "CSV template. It is checked against the SHACL shapes together with the "
                 "ontology and the data already here; nothing is written. When it conforms, "
                 "it can be published with the write token.",
        "file": "File", "format": "Format", "by_name": "from the file name",
        "lang": "Language of the report", "check": "Check", "templates": "CSV templates",
        "template_cols": "columns", "required": "required",
        "cannot_read": "The file could not be read; nothing was checked or written.",
        "problems": "Problems", "row": "row", "column": "column",
        "uploaded": "Uploaded", "triples": "triples", "download": "Download the report",
        "results": "Results", "your_data": "What the file says about each focus node",
        "in_dataset": "in the dataset", "new_node": "new",
        "publish": "Publish", "contributor": "Your name or organisation",
        "token": "Write token", "publish_help": "Publishing validates the file again against "
        "the data as it is now and writes it, with you as its contributor, into a graph of "
        "its own.",
        "no_token": "Publishing is turned off on this server (no write token is set).",
        "not_conforming": "This file does not conform: it cannot be published. Fix the "
                          "violations listed above and check it again. Nothing was written.",
        "published": "Published", "published_as": "Published as graph",
        "version": "data version", "by": "by", "again": "Check another file",
        "more_nodes": "more focus nodes not shown", "more_triples": "more not shown",
    },
    "fr": {
        "upload_title": "Vérifier et contribuer un jeu de données",
        "intro": "Déposez du RDF (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) ou un "
                 "modèle CSV rempli. Il est vérifié avec les formes SHACL, l'ontologie et les "
                 "données déjà présentes ; rien n'est écrit. S'il est conforme, il peut être "
                 "publié avec le jeton d'écriture.",
        "file": "Fichier", "format": "Format", "by_name": "d'après le nom du fichier",
        "lang": "Langue du rapport", "check": "Vérifier", "templates": "Modèles CSV",
        "template_cols": "colonnes", "required": "obligatoire",
        "cannot_read": "Le fichier n'a pas pu être lu ; rien n'a été vérifié ni écrit.",
        "problems": "Problèmes", "row": "ligne", "column": "colonne",
        "uploaded": "Déposé", "triples": "triplets", "download": "Télécharger le rapport",
        "results": "Résultats", "your_data": "Ce que dit le fichier de chaque nœud examiné",
        "in_dataset": "dans le jeu de données", "new_node": "nouveau",
        "publish": "Publier", "contributor": "Votre nom ou organisation",
        "token": "Jeton d'écriture", "publish_help": "La publication vérifie à nouveau le "
        "fichier avec les données actuelles puis l'écrit, avec vous comme contributeur, "
        "dans un graphe qui lui est propre.",
        "no_token": "La publication est désactivée sur ce serveur (aucun jeton d'écriture).",
        "not_conforming": "Ce fichier n'est pas conforme : il ne peut pas être publié. "
                          "Corrigez les violations ci-dessus et vérifiez-le à nouveau. Rien "
                          "n'a été écrit.",
        "published": "Publié", "published_as": "Publié comme graphe",
        "version": "version des données", "by": "par", "again": "Vérifier un autre fichier",
        "more_nodes": "autres nœuds non affichés", "more_triples": "autres non affichés",
    },
    "ar": {
        "upload_title": "التحقق من مجموعة بيانات والمساهمة بها",
        "intro": "ارفع ملف RDF (Turtle وTriG وN-Triples وN-Quads وJSON-LD وRDF/XML) أو "
                 "نموذج CSV معبأ. يُفحص الملف وفق أشكال SHACL مع الأنطولوجيا والبيانات "
                 "الموجودة، ولا يُكتب شيء. إذا كان مطابقًا أمكن نشره برمز الكتابة.",
        "file": "الملف", "format": "الصيغة", "by_name": "حسب اسم الملف",
        "lang": "لغة التقرير", "check": "تحقق", "templates": "نماذج CSV",
        "template_cols": "الأعمدة", "required": "إلزامي",
        "cannot_read": "تعذرت قراءة الملف؛ لم يُفحص أو يُكتب أي شيء.",
        "problems": "المشاكل", "row": "السطر", "column": "العمود",
        "uploaded": "تاريخ الرفع", "triples": "ثلاثية", "download": "تنزيل التقرير",
        "results": "النتائج", "your_data": "ما يقوله الملف عن كل عقدة مفحوصة",
        "in_dataset": "في مجموعة البيانات", "new_node": "جديد",
        "publish": "نشر", "contributor": "اسمك أو اسم مؤسستك",
        "token": "رمز الكتابة", "publish_help": "يعيد النشر فحص الملف وفق البيانات الحالية ثم "
        "يكتبه، باسمك مساهمًا، في رسم بياني خاص به.",
        "no_token": "النشر معطل على هذا الخادم (لم يُضبط رمز الكتابة).",
        "not_conforming": "هذا الملف غير مطابق ولا يمكن نشره. صحح المخالفات المذكورة أعلاه "
                          "ثم أعد فحصه. لم يُكتب أي شيء.",
        "published": "نُشر", "published_as": "نُشر بوصفه الرسم البياني",
        "version": "نسخة البيانات", "by": "من طرف", "again": "فحص ملف آخر",
        "more_nodes": "عقد أخرى غير معروضة", "more_triples": "أخرى غير معروضة",
    },
}
LANG_NAMES = (("en", "English"), ("fr", "Français"), ("ar", "العربية"))
FORMAT_NAMES = {"turtle": "Turtle", "trig": "TriG", "ntriples": "N-Triples",
                "nquads": "N-Quads", "jsonld": "JSON-LD", "rdfxml": "RDF/XML", "n3": "N3",
                "csv": "CSV template (from its header)"}
DOWNLOADS = (("json", "JSON"), ("ttl", "Turtle"), ("csv", "CSV"), ("html", "HTML"))
PAGE_STYLE = RESULTS_STYLE + """
form.stack label{display:block;margin-top:.8rem;font-weight:600}
form.stack input,form.stack select{font:inherit;margin-top:.2rem;max-width:100%}
button{font:inherit;cursor:pointer;margin-top:1rem;padding:.3rem 1rem}
.error{padding:.75rem 1rem;border-radius:.4rem;background:#fdecea}
.done{padding:.75rem 1rem;border-radius:.4rem;background:#e8f5e9}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.meta dt{font-weight:600} dl.meta dd{margin:0}
.node h3{font-size:1rem;margin-bottom:.2rem} .tag{font-size:.8rem;color:#555}"""


def _lang(request: Request, form: FormData | None = None) -> str:
    asked = form.get("lang") if form is not None else None
    if isinstance(asked, str) and asked in LANGS:
        return asked
    return pick_lang(request, ctx_of(request).settings.lang)


def _page(title: str, body: str, lang: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(page_html(title, body, lang, f"<style>{PAGE_STYLE}</style>"),
                        status_code=status, headers=PAGE_HEADERS)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


# --------------------------------------------------------------------------- upload form

def _upload_form(ctx: AppContext, lang: str) -> str:
    w = WORDS[lang]
    formats = "".join(f'<option value="{f}">{html.escape(FORMAT_NAMES.get(f, f))}</option>'
                      for f in (*RDF_FORMATS, "csv") if f != "n3")
    langs = "".join(f'<option value="{c}"{" selected" if c == lang else ""}>{n}</option>'
                    for c, n in LANG_NAMES)
    templates = []
    for t in TEMPLATES.values():
        cols = ", ".join(f"<code>{html.escape(c.name)}</code>"
                         + (f" ({w['required']})" if c.required else "") for c in t.columns)
        templates.append(f'<li><a href="/contribute/templates/{t.name}.csv" download>'
                         f"{html.escape(t.name)}.csv</a> — {w['template_cols']}: {cols}</li>")
    return f"""<form class="stack" method="post" action="/contribute" enctype="multipart/form-data">
<label for="file">{w['file']}</label>
<input id="file" name="file" type="file" required
 accept=".csv,.ttl,.trig,.nt,.nq,.jsonld,.json,.rdf,.owl,.xml">
<label for="format">{w['format']}</label>
<select id="format" name="format"><option value="">{w['by_name']}</option>{formats}</select>
<label for="lang">{w['lang']}</label><select id="lang" name="lang">{langs}</select>
<button type="submit">{w['check']}</button></form>
<h2>{w['templates']}</h2><ul>{''.join(templates)}</ul>"""


@router.get("/contribute", response_class=HTMLResponse, include_in_schema=False)
async def upload_page(request: Request) -> HTMLResponse:
    ctx = ctx_of(request)
    lang = _lang(request)
    w = WORDS[lang]
    body = f"<h1>{w['upload_title']}</h1><p>{w['intro']}</p>{_upload_form(ctx, lang)}"
    return _page(w["upload_title"], body, lang)


@router.get("/contribute/templates/{name}.csv", include_in_schema=False)
async def template_file(request: Request, name: str) -> Response:
    ctx = ctx_of(request)
    if name not in TEMPLATES:
        raise NotFoundError(f"there is no CSV template '{name}'; templates: "
                            + ", ".join(TEMPLATES))
    path = ctx.settings.content_dir / "data" / "templates" / f"{name}.csv"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"the template file {name}.csv is missing") from None
    return Response(data, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"'})


def _input_error_html(exc: OgpkgError, lang: str) -> str:
    w = WORDS[lang]
    items = ""
    errors = exc.detail.get("errors")
    if isinstance(errors, list) and len(errors) > 1:
        rows = "".join(
            f"<tr><td>{html.escape(str(e.get('row', '')))}</td>"
            f"<td>{html.escape(str(e.get('column', '')))}</td>"
            f"<td><code>{html.escape(str(e.get('value', '')))}</code></td>"
            f"<td>{html.escape(str(e.get('message', '')))}</td></tr>"
            for e in errors if isinstance(e, dict))
        items = (f"<h2>{w['problems']} ({len(errors)})</h2><table><thead><tr>"
                 f"<th scope=\"col\">{w['row']}</th><th scope=\"col\">{w['column']}</th>"
                 f"<th scope=\"col\">{report_words(lang)['value']}</th>"
                 f"<th scope=\"col\">{report_words(lang)['message']}</th></tr></thead>"
                 f"<tbody>{rows}</tbody></table>")
        message = str(exc).split("\n", 1)[0]
    else:
        message = str(exc)
    return (f'<div class="error" role="alert"><p><strong>{w["cannot_read"]}</strong></p>'
            f'<p class="message" dir="ltr">{html.escape(message)}</p></div>{items}')


async def _form(request: Request, limit: int) -> FormData:
    """The request's form, its body capped at ``limit`` bytes (413 past it)."""
    body = await read_body(request, limit)
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    capped = Request(request.scope, receive)
    try:
        return await capped.form(max_files=1, max_fields=8)
    except (HTTPException, MultiPartException) as exc:  # a malformed form body
        detail = exc.detail if isinstance(exc, HTTPException) else exc.message
        raise InputError(f"the form cannot be read: {detail}") from None


@router.post("/contribute", include_in_schema=False)
async def upload(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await _form(request, ctx.settings.max_body_bytes + FORM_OVERHEAD)
    try:
        file = form.get("file")
        name = file.filename if isinstance(file, UploadFile) else None
        data = await file.read() if isinstance(file, UploadFile) else b""
    finally:
        await form.close()
    lang = _lang(request, form)
    w = WORDS[lang]
    fmt = form.get("format") or None
    try:
        if not name:
            raise InputError("choose a file to check (form field 'file')")
        if fmt is not None and fmt not in (*RDF_FORMATS, "csv", *CSV_FORMATS):
            raise InputError(f"unknown format {fmt!r}")
        name = name.replace("\\", "/").rsplit("/", 1)[-1][:200]
        parsed = await run_in_threadpool(
            read_input, data, name, fmt=fmt if isinstance(fmt, str) else None,
            max_bytes=ctx.settings.max_body_bytes,
            max_literal_bytes=ctx.settings.max_literal_bytes, base_iri=ctx.settings.base_iri)
    except InputError as exc:
        if _wants_json(request):
            raise
        body = (f"<h1>{w['upload_title']}</h1>{_input_error_html(exc, lang)}"
                f"{_upload_form(ctx, lang)}")
        return _page(w["upload_title"], body, lang, exc.status)
    async with ctx.writing() as store:
        outcome = await run_in_threadpool(_check, ctx, store, parsed)
    kept = Upload(id="", name=parsed.name, fmt=parsed.fmt, size=parsed.size,
                  sha256=parsed.sha256, triples=parsed.triples,
                  created=dt.datetime.now(dt.UTC).timestamp(), report=outcome.report,
                  nodes=await run_in_threadpool(_focus_nodes, ctx, parsed, outcome))
    kept = await run_in_threadpool(ctx.uploads.add, data, kept)
    where = f"/contribute/{kept.id}"
    if _wants_json(request):
        return JSONResponse({"id": kept.id, "report_page": where,
                             "report": outcome.report.to_json(lang)},
                            status_code=201, headers={"Location": where})
    return RedirectResponse(f"{where}?lang={lang}", status_code=303)


def _check(ctx: AppContext, store: Store, parsed: ParsedInput) -> Outcome:
    """Validate ``parsed`` in the context of the store, writing nothing."""
    try:
        return contribute(store, ctx.shapes(), parsed, contributor="-", dry_run=True,
                          max_literal_bytes=ctx.settings.max_literal_bytes)
    except ValidationFailed as exc:
        return Outcome(exc.report, "", None, parsed.triples)  # type: ignore[arg-type]


def _focus_nodes(ctx: AppContext, parsed: ParsedInput, outcome: Outcome) -> dict[str, Any]:
    """For each focus node of the report (IRIs): what the file says about it, and whether
    the dataset already describes it."""
    focus = [r.focus for r in outcome.report.results if not r.focus.startswith(("_:", '"'))]
    wanted = list(dict.fromkeys(focus))[:NODES]
    if not wanted:
        return {}
    nodes: dict[str, dict[str, Any]] = {
        iri: {"triples": [], "more": 0, "known": False} for iri in wanted}
    for s, p, o, _g in parsed.dataset.quads():
        entry = nodes.get(str(s))
        if entry is not None:
            if len(entry["triples"]) < NODE_TRIPLES:
                entry["triples"].append([str(p), o.n3()])
            else:
                entry["more"] += 1
    values = " ".join(f"<{iri}>" for iri in wanted if ">" not in iri and " " not in iri)
    if values:
        rows = ctx.snapshot().select(
            f"SELECT ?s WHERE {{ VALUES ?s {{ {values} }} FILTER EXISTS {{ ?s ?p ?o }} }}")
        for row in rows:
            nodes[str(row["s"])]["known"] = True
    return nodes


# --------------------------------------------------------------------------- report page

def _report_page(ctx: AppContext, up: Upload, lang: str, *, notice: str = "",
                 status: int = 200) -> HTMLResponse:
    w = WORDS[lang]
    t = report_words(lang)
    report = up.report
    base = ctx.settings.base_iri
    anchors = {iri: f"node-{n}" for n, iri in enumerate(up.nodes, start=1)}
    published = up.published is not None

    def focus_href(iri: str) -> str | None:
        node = up.nodes.get(iri)
        if node is not None and not (node.get("known") or published):
            return f"#{anchors[iri]}"
        path = local_path(iri, base)
        return _with_lang(path, lang) if path else (f"#{anchors[iri]}" if iri in anchors
                                                    else None)

    def path_href(path: str) -> str | None:
        if path.startswith(("(", "<", "^")):
            return None
        local = local_path(path, base)
        return _with_lang(local, lang) if local else path

    when = dt.datetime.fromtimestamp(up.created, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    here = f"/contribute/{up.id}"
    current = ' aria-current="page"'
    langs = " · ".join(
        f'<a href="{here}?lang={c}" lang="{c}"{current if c == lang else ""}>{n}</a>'
        for c, n in LANG_NAMES)
    downloads = " · ".join(f'<a href="{here}/report.{ext}?lang={lang}" download>{name}</a>'
                           for ext, name in DOWNLOADS)
    fmt_name = FORMAT_NAMES.get(up.fmt) or (up.fmt.replace("csv:", "CSV: ")
                                            if up.fmt.startswith("csv:") else up.fmt)
    parts = [
        f"<h1>{html.escape(t['title'])}: <bdi>{html.escape(up.name)}</bdi></h1>",
        f'<nav aria-label="languages">{langs}</nav>',
        f'<dl class="meta"><dt>{w["file"]}</dt><dd><bdi>{html.escape(up.name)}</bdi> — '
        f'<bdi dir="ltr">{up.size:,} B</bdi>, <bdi>{html.escape(fmt_name)}</bdi>, '
        f"<bdi>{up.triples:,} {w['triples']}</bdi></dd>"
        f'<dt>{w["uploaded"]}</dt><dd><bdi dir="ltr">{when}</bdi></dd>'
        f'<dt>SHA-256</dt><dd><code>{up.sha256}</code></dd></dl>',
        notice,
        f'<p class="summary{"" if report.conforms else " fail"}" role="status">'
        f"{html.escape(report.summary(lang))}</p>",
        f"<p>{w['download']}: {downloads}</p>",
        f"<h2>{w['results']}</h2>",
        render_results(report, lang, focus_href=focus_href, path_href=path_href,
                       heading_level=3),
    ]
    if up.nodes:
        parts.append(f"<h2>{w['your_data']}</h2>")
        for iri, node in up.nodes.items():
            parts.append(_node_html(ctx, iri, node, anchors[iri], lang, published))
    parts.append(_publish_html(ctx, up, lang))
    parts.append(f'<p><a href="/contribute?lang={lang}">{w["again"]}</a></p>')
    return _page(f"{t['title']}: {up.name}", "\n".join(parts), lang, status)


def _with_lang(path: str, lang: str) -> str:
    if lang == "en":
        return path
    doc, hash_, frag = path.partition("#")
    return f"{doc}?lang={lang}{hash_}{frag}"


def _node_html(ctx: AppContext, iri: str, node: dict[str, Any], anchor: str, lang: str,
               published: bool) -> str:
    w = WORDS[lang]
    local = local_path(iri, ctx.settings.base_iri)
    if local and (node.get("known") or published):
        tag = f'<a href="{html.escape(_with_lang(local, lang))}">{w["in_dataset"]}</a>'
    else:
        tag = w["new_node"]
    rows = "".join(
        f'<tr><td><code title="{html.escape(p)}">{html.escape(short("<" + p + ">"))}</code>'
        f'</td><td><code title="{html.escape(o)}">{html.escape(short(o))}</code></td></tr>'
        for p, o in node["triples"])
    more = (f"<p>… {node['more']} {w['more_triples']}</p>" if node.get("more") else "")
    table = (f"<table><thead><tr><th scope=\"col\">{report_words(lang)['path']}</th>"
             f"<th scope=\"col\">{report_words(lang)['value']}</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>") if rows else ""
    return (f'<section class="node" id="{anchor}"><h3><code dir="ltr">{html.escape(iri)}'
            f'</code> <span class="tag">({tag})</span></h3>{table}{more}</section>')


def _publish_html(ctx: AppContext, up: Upload, lang: str) -> str:
    w = WORDS[lang]
    head = f"<h2>{w['publish']}</h2>"
    if up.published is not None:
        pub = up.published
        graph = str(pub["graph"])
        local = local_path(graph, ctx.settings.base_iri)
        link = (f'<a href="{html.escape(_with_lang(local, lang))}">{html.escape(graph)}</a>'
                if local else f"<code>{html.escape(graph)}</code>")
        return (f'{head}<p class="done" role="status">{w["published_as"]} {link} '
                f"({w['version']} {int(pub['version'])}), {w['by']} "
                f"<bdi>{html.escape(str(pub['contributor']))}</bdi>, "
                f"<span dir=\"ltr\">{html.escape(str(pub['at']))}</span>.</p>")
    if up.report.violations():
        return f"{head}<p>{w['not_conforming']}</p>"
    if not ctx.settings.write_token:
        return f"{head}<p>{w['no_token']}</p>"
    return f"""{head}<p>{w['publish_help']}</p>
<form class="stack" method="post" action="/contribute/{up.id}/publish">
<input type="hidden" name="lang" value="{lang}">
<label for="contributor">{w['contributor']}</label>
<input id="contributor" name="contributor" required maxlength="200" autocomplete="name">
<label for="token">{w['token']}</label>
<input id="token" name="token" type="password" required autocomplete="off">
<button type="submit">{w['publish']}</button></form>"""


@router.get("/contribute/{upload_id}", response_class=HTMLResponse, include_in_schema=False)
async def report_page(request: Request, upload_id: str) -> HTMLResponse:
    ctx = ctx_of(request)
    up = await run_in_threadpool(ctx.uploads.get, upload_id)
    return _report_page(ctx, up, _lang(request))


@router.get("/contribute/{upload_id}/report.{ext}", include_in_schema=False)
async def report_download(request: Request, upload_id: str, ext: str) -> Response:
    ctx = ctx_of(request)
    up = await run_in_threadpool(ctx.uploads.get, upload_id)
    lang = _lang(request)
    report = up.report
    stem = up.name.rsplit(".", 1)[0] or "upload"
    if ext == "json":
        return JSONResponse(report.to_json(lang), headers=_attachment(f"{stem}-report.json"))
    renderings = {"ttl": ("text/turtle; charset=utf-8", lambda: report.to_turtle(None)),
                  "csv": ("text/csv; charset=utf-8", lambda: report.to_csv(lang)),
                  "html": ("text/html; charset=utf-8", lambda: report.to_html(lang))}
    if ext not in renderings:
        raise NotFoundError(f"no report format '.{ext}'; use .json, .ttl, .csv or .html")
    media, render = renderings[ext]
    headers = _attachment(f"{stem}-report.{ext}")
    if ext == "html":
        headers.update(PAGE_HEADERS)
    return Response(render(), media_type=media, headers=headers)


def _attachment(filename: str) -> dict[str, str]:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    return {"Content-Disposition": f"attachment; filename=\"{safe}\"; "
                                   f"filename*=UTF-8''{quote(filename)}"}


@router.post("/contribute/{upload_id}/publish", include_in_schema=False)
async def publish(request: Request, upload_id: str) -> Response:
    ctx = ctx_of(request)
    up = await run_in_threadpool(ctx.uploads.get, upload_id)
    form = await _form(request, FORM_OVERHEAD)
    lang = _lang(request, form)
    try:
        token = form.get("token")
        ctx.check_token(request, token if isinstance(token, str) else None)
        contributor = str(form.get("contributor") or "").strip()
        if not contributor:
            raise InputError("give your name or organisation as the contributor")
        if len(contributor) > 200:
            raise InputError("the contributor's name is over 200 characters")
        if up.published is not None:
            raise InputError("this upload is published already")
        if up.report.violations():
            raise InputError("this upload does not conform and cannot be published")
    except OgpkgError as exc:
        if _wants_json(request):
            raise
        return _report_page(ctx, up, lang, status=exc.status, notice=(
            f'<p class="error" role="alert">{html.escape(str(exc))}</p>'))
    data = await run_in_threadpool(ctx.uploads.data, up)
    parsed = await run_in_threadpool(
        read_input, data, up.name, fmt=up.fmt, max_bytes=ctx.settings.max_body_bytes,
        max_literal_bytes=ctx.settings.max_literal_bytes, base_iri=ctx.settings.base_iri)
    try:
        async with ctx.writing() as store:
            outcome = await run_in_threadpool(
                contribute, store, ctx.shapes(), parsed, contributor=contributor,
                max_literal_bytes=ctx.settings.max_literal_bytes)
    except ValidationFailed as exc:  # the data changed since the check
        up.report = exc.report  # type: ignore[assignment]
        await run_in_threadpool(ctx.uploads.save, up)
        if _wants_json(request):
            raise
        return _report_page(ctx, up, lang, status=422, notice=(
            f'<p class="error" role="alert">{html.escape(str(exc))}</p>'))
    up.report = outcome.report
    up.published = {"graph": outcome.graph, "version": outcome.version,
                     "contributor": contributor,
                     "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    await run_in_threadpool(ctx.uploads.save, up)
    if _wants_json(request):
        return JSONResponse({"graph": outcome.graph, "version": outcome.version},
                            status_code=201, headers={"Location": outcome.graph})
    return RedirectResponse(f"/contribute/{up.id}?lang={lang}", status_code=303)
