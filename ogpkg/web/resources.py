"""Linked data: every IRI under the base dereferences here, by content negotiation.

``/id/…``, ``/def/…``, ``/concept/…``, ``/graph/…`` and ``/shapes/…`` map to the IRI
``base_iri + path``. One rule everywhere: **200 with ``Vary: Accept``** (no 303): HTML for
browsers (:mod:`ogpkg.web.resource_page`), and Turtle, JSON-LD, N-Triples or RDF/XML for
machines. A hash IRI's document (``…/membership/X`` for ``…/membership/X#during``) holds the
resource and its hash resources. 404 when the dataset says nothing about the IRI.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from starlette.routing import Route

from ogpkg.errors import InputError, NotFoundError
from ogpkg.i18n import LANGS
from ogpkg.query.protocol import NotAcceptable, negotiate
from ogpkg.web import answers, resource_page
from ogpkg.web.context import ctx_of, request_client

router = APIRouter()

OFFERS = [("text/html", "html"), ("application/xhtml+xml", "html"),
          ("text/turtle", "turtle"), ("application/ld+json", "jsonld"),
          ("application/n-triples", "ntriples"), ("application/rdf+xml", "rdfxml")]
FORMATS = {"html", "turtle", "jsonld", "ntriples", "rdfxml", "ttl", "nt", "json"}
PREFIXES = ("id", "def", "concept", "graph", "shapes")



#: an absolute IRI with nothing that could end it inside a query (checked before any use)
_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


def pick_lang(request: Request, default: str) -> str:
    """``?lang=`` if given, else the best of Accept-Language among en, fr, ar."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    header = request.headers.get("accept-language", "")
    best: tuple[float, str] | None = None
    for part in header.split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower().split("-")[0]
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if tag in LANGS and q > 0 and (best is None or q > best[0]):
            best = (q, tag)
    return best[1] if best else default


async def resource(request: Request) -> Response:
    ctx = ctx_of(request)
    iri = ctx.settings.base_iri + request.url.path.lstrip("/")
    if not _IRI.fullmatch(iri):
        raise InputError(f"not an IRI this dataset can hold: {iri!r}")
    fmt = request.query_params.get("format")
    if fmt not in FORMATS:
        try:
            fmt = negotiate(request.headers.get("accept"), OFFERS)
        except NotAcceptable:
            raise NotAcceptable("cannot produce any type in Accept: "
                                f"{request.headers.get('accept')!r}; available: "
                                + ", ".join(m for m, _ in OFFERS)) from None
    fmt = {"ttl": "turtle", "nt": "ntriples", "json": "jsonld"}.get(fmt, fmt)
    doc = iri.split("#", 1)[0]
    select = ctx.queries.selector(request_client(request))
    exists = await select(f"SELECT ?x WHERE {{ {{ <{doc}> ?p ?x }} UNION {{ ?x ?p <{doc}> }}"
                               f" UNION {{ GRAPH <{doc}> {{ ?x ?p ?o }} }} }} LIMIT 1")
    if not exists:
        raise NotFoundError(f"the dataset says nothing about <{doc}>")
    if fmt != "html":
        query = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ BIND(<{doc}> AS ?s) ?s ?p ?o }} "
                 f"UNION {{ <{doc}> ?q ?s FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{doc}#\")) "
                 f"?s ?p ?o }} UNION {{ BIND(<{doc}> AS ?o) ?s ?p ?o }} }}")
        response = answers.response(await ctx.queries.run(
            answers.query_of(request, query, format=fmt, own_text=True)))
        response.headers["Vary"] = "Accept"
        return response
    lang = pick_lang(request, ctx.settings.lang)
    page = await resource_page.render(ctx, doc, lang, select)
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"Vary": "Accept, Accept-Language", "Content-Language": lang,
                             "X-Data-Version": str(ctx.version())})


for _prefix in PREFIXES:
    router.routes.append(Route(f"/{_prefix}/{{path:path}}", resource, methods=["GET", "HEAD"],
                               name=f"resource_{_prefix}"))
router.routes.append(Route("/def", resource, methods=["GET", "HEAD"], name="ontology"))


def local_path(iri: str, base_iri: str) -> str | None:
    """The path this server answers an IRI at, or None when it is not under the base."""
    if iri.startswith(base_iri):
        rest = iri[len(base_iri):]
        if rest.split("/", 1)[0].split("#", 1)[0] in PREFIXES:
            return "/" + rest
    return None


