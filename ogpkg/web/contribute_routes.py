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
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from ogpkg.contrib.contribute import Outcome, contribute
from ogpkg.contrib.ingest import CSV_FORMATS, ParsedInput, read_input
from ogpkg.contrib.ingest.csv_templates import TEMPLATES
from ogpkg.contrib.uploads import Upload, UploadQuotaExceeded, UploadSpaceFull
from ogpkg.errors import InputError, NotFoundError, OgpkgError, ValidationFailed
from ogpkg.i18n import CONTRIBUTE, LANG_NAMES
from ogpkg.store import RDF_FORMATS
from ogpkg.validation.report_html import RESULTS_STYLE, render_results, short
from ogpkg.validation.report_html import ui as report_words
from ogpkg.web import links
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

#: headers of every page of the flow besides the security headers every page gets
#: (:mod:`ogpkg.web.security`): a report shows the uploaded data, so no cache keeps it
PAGE_HEADERS = {"Cache-Control": "no-store"}

FORMAT_NAMES = {"turtle": "Turtle", "trig": "TriG", "ntriples": "N-Triples",
                "nquads": "N-Quads", "jsonld": "JSON-LD", "rdfxml": "RDF/XML", "n3": "N3"}
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
    w = CONTRIBUTE[lang]
    names = {**FORMAT_NAMES, "csv": w["csv_template"]}
    formats = "".join(f'<option value="{f}">{html.escape(names.get(f, f))}</option>'
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
    w = CONTRIBUTE[lang]
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
    w = CONTRIBUTE[lang]
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
    lead = w["cannot_read"] if isinstance(exc, InputError) else w["not_kept"]
    return (f'<div class="error" role="alert"><p><strong>{lead}</strong></p>'
            f'<p class="message" dir="ltr">{html.escape(message)}</p></div>{items}')


def _check_complete(content_type: str, body: bytes) -> None:
    """Refuse a multipart body cut off before its closing boundary (the form parser would
    drop its last part silently, and leave that part's temporary file open)."""
    media, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if media == b"multipart/form-data" and boundary and not body.rstrip(b"\r\n \t").endswith(
            b"--" + boundary + b"--"):
        raise InputError("the form cannot be read: the body is cut off before its closing "
                         f"boundary '--{boundary.decode('latin-1')}--'")


async def _form(request: Request, limit: int) -> FormData:
    """The request's form, its body capped at ``limit`` bytes (413 past it)."""
    body = await read_body(request, limit)
    _check_complete(request.headers.get("content-type", ""), body)
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


#: errors that end an upload before anything is kept: the file cannot be read, or the
#: client or the server has no room for it
REFUSED = (InputError, UploadQuotaExceeded, UploadSpaceFull)


def client_of(request: Request) -> str:
    """Who sent the request, for the upload quotas: its address."""
    return request.client.host if request.client else ""


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
    fmt = form.get("format") or None
    client = client_of(request)
    try:
        if not name:
            raise InputError("choose a file to check (form field 'file')")
        if fmt is not None and fmt not in (*RDF_FORMATS, "csv", *CSV_FORMATS):
            raise InputError(f"unknown format {fmt!r}")
        await run_in_threadpool(ctx.uploads.check_room, len(data), client)
        name = name.replace("\\", "/").rsplit("/", 1)[-1][:200]
        parsed = await run_in_threadpool(
            read_input, data, name, fmt=fmt if isinstance(fmt, str) else None,
            max_bytes=ctx.settings.max_body_bytes,
            max_literal_bytes=ctx.settings.max_literal_bytes, base_iri=ctx.settings.base_iri,
            max_nesting=ctx.settings.max_nesting)
        outcome = await run_in_threadpool(
            contribute, ctx.gate(), parsed, contributor="-", dry_run=True)
        kept = Upload(id="", name=parsed.name, fmt=parsed.fmt, size=parsed.size,
                      sha256=parsed.sha256, triples=parsed.triples,
                      created=dt.datetime.now(dt.UTC).timestamp(), report=outcome.report,
                      nodes=await run_in_threadpool(_focus_nodes, ctx, parsed, outcome))
        kept = await run_in_threadpool(ctx.uploads.add, data, kept, client)
    except REFUSED as exc:
        if _wants_json(request):
            raise
        return _refused_page(ctx, exc, lang)
    where = f"/contribute/{kept.id}"
    if _wants_json(request):
        return JSONResponse({"id": kept.id, "report_page": where,
                             "report": outcome.report.to_json(lang)},
                            status_code=201, headers={"Location": where})
    return RedirectResponse(f"{where}?lang={lang}", status_code=303)


def _refused_page(ctx: AppContext, exc: OgpkgError, lang: str) -> HTMLResponse:
    """The upload form again, with why the file was refused."""
    w = CONTRIBUTE[lang]
    body = (f"<h1>{w['upload_title']}</h1>{_input_error_html(exc, lang)}"
            f"{_upload_form(ctx, lang)}")
    response = _page(w["upload_title"], body, lang, exc.status)
    if isinstance(exc, UploadQuotaExceeded):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


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
    w = CONTRIBUTE[lang]
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
        return _with_lang(local, lang) if local else links.safe_href(path)

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
    w = CONTRIBUTE[lang]
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
    w = CONTRIBUTE[lang]
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
        max_literal_bytes=ctx.settings.max_literal_bytes, base_iri=ctx.settings.base_iri,
        max_nesting=ctx.settings.max_nesting)
    try:
        outcome = await run_in_threadpool(contribute, ctx.gate(), parsed,
                                          contributor=contributor)
    finally:
        ctx.reader.forget()
    if not outcome.conforms:  # the data changed since the check
        up.report = outcome.report
        await run_in_threadpool(ctx.uploads.save, up)
        refused = ValidationFailed(f"{up.name}: does not conform with the data as it is now "
                               f"({len(outcome.report.violations())} violation(s)); nothing "
                               "was written", outcome.report)
        if _wants_json(request):
            raise refused
        return _report_page(ctx, up, lang, status=422, notice=(
            f'<p class="error" role="alert">{html.escape(str(refused))}</p>'))
    up.report = outcome.report
    up.published = {"graph": outcome.graph, "version": outcome.version,
                     "contributor": contributor,
                     "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    await run_in_threadpool(ctx.uploads.save, up)
    if _wants_json(request):
        return JSONResponse({"graph": outcome.graph, "version": outcome.version},
                            status_code=201, headers={"Location": outcome.graph})
    return RedirectResponse(f"/contribute/{up.id}?lang={lang}", status_code=303)
