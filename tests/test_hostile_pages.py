"""A hostile client against the pages, the linked-data IRIs and the upload flow of a real
server: odd paths and IRIs, bad headers, broken multipart bodies, huge, deep and malicious
files. Every answer is below 500, every 4xx says what is wrong, nothing changes the data
version, and the server is healthy afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.conftest import TOKEN
from tests.http_server import running

MAX_BODY = 300_000
TTL = b"<https://e.org/s> <https://e.org/p> 1 .\n"
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e.org/"'


@dataclass
class Case:
    name: str
    method: str
    path: str
    expect: set[int]
    kwargs: dict[str, Any] = field(default_factory=dict)


def upload(name: str, data: bytes, **fields: str) -> dict[str, Any]:
    return {"files": {"file": (name, data, "application/octet-stream")}, "data": fields}


def raw(content: bytes, content_type: str) -> dict[str, Any]:
    return {"content": content, "headers": {"Content-Type": content_type}}


DEEP_XML = (f"<rdf:RDF {RDF}>" + "<rdf:Description><e:p>" * 5000 + "<rdf:Description/>"
            + "</e:p></rdf:Description>" * 5000 + "</rdf:RDF>").encode()
DEEP_JSONLD = ('{"@id": "http://e.org/s", "http://e.org/p": ' * 5000 + "1" + "}" * 5000).encode()
DEEP_TURTLE = b"<http://e.org/s> <http://e.org/p> " + b"(" * 50_000 + b"1" + b")" * 50_000 + b" ."
DEEP_BNODES = (b"<http://e.org/s> <http://e.org/p> " + b"[ <http://e.org/p> " * 9000 + b"1"
               + b" ]" * 9000 + b" .")
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                    for i in range(9))
          + f']><rdf:RDF {RDF}><rdf:Description rdf:about="http://e.org/s">'
          + "<e:p>&j;</e:p></rdf:Description></rdf:RDF>").encode()
XXE = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       f'<rdf:RDF {RDF}><rdf:Description rdf:about="http://e.org/s"><e:p>&x;</e:p>'
       "</rdf:Description></rdf:RDF>").encode()
REMOTE_CONTEXT = b'{"@context": "http://127.0.0.1:1/ctx", "@id": "http://e.org/s"}'
BOUNDARY = "multipart/form-data; boundary=xyz"

CASES = [
    # ------------------------------------------------------------------ pages
    Case("home-odd-lang", "GET", "/?lang=xx", {200}),
    Case("home-nul-lang", "GET", "/?lang=%00", {200}),
    Case("home-lang-list", "GET", "/?lang=fr&lang=ar&lang[]=x", {200}),
    Case("home-garbage-accept-language", "GET", "/", {200},
         {"headers": {"Accept-Language": ";;,,q=abc,fr;q=NaN,ar;q=1e999,*;q=-1"}}),
    Case("home-huge-accept-language", "GET", "/", {200},
         {"headers": {"Accept-Language": "fr-FR;q=0.5," * 600}}),
    Case("home-post", "POST", "/", {405}),
    Case("query-foreign-endpoint", "GET", "/query?endpoint=javascript:alert(1)", {200}),
    Case("query-script-in-query", "GET", "/query?query=%3C%2Fscript%3E%3Cscript%3Ealert(1)",
         {200}),
    Case("docs-odd-query", "GET", "/docs?url=https://evil.example/x.json", {200}),
    Case("unknown-page", "GET", "/no/such/page", {404}),
    Case("static-traversal", "GET", "/static/..%2f..%2fconfig.py", {404}),
    Case("static-encoded-dots", "GET", "/static/%2e%2e/%2e%2e/etc/passwd", {404}),
    Case("static-missing", "GET", "/static/vendor/none.js", {404}),
    Case("contribute-odd-lang", "GET", "/contribute?lang=%3Cscript%3E", {200}),
    Case("report-traversal", "GET", "/contribute/..%2f..%2fetc%2fpasswd", {404}),
    Case("report-unknown-id", "GET", "/contribute/AAAAAAAAAAAAAAAAAAAAAAAA", {404}),
    Case("report-short-id", "GET", "/contribute/x", {404}),
    Case("report-unknown-ext", "GET", "/contribute/AAAAAAAAAAAAAAAAAAAAAAAA/report.exe", {404}),
    Case("template-unknown", "GET", "/contribute/templates/none.csv", {404}),
    Case("template-traversal", "GET", "/contribute/templates/..%2f..%2fpyproject.csv", {404}),
    # ------------------------------------------------------------------ linked data
    Case("iri-space", "GET", "/id/a%20b", {400}),
    Case("iri-angle", "GET", "/id/a%3Eb", {400}),
    Case("iri-quote", "GET", "/id/a%22b", {400}),
    Case("iri-nul", "GET", "/id/%00", {400}),
    Case("iri-newline", "GET", "/id/a%0Ab", {400, 404}),
    Case("iri-injection", "GET", "/id/x%7D%20%3Fs%20%3Fp%20%3Fo%20%7B", {400, 404}),
    Case("iri-backslash", "GET", "/id/a%5Cb", {400, 404}),
    Case("iri-invalid-utf8", "GET", "/id/%FF%FE", {400, 404}),
    Case("iri-rlo", "GET", "/def/%E2%80%AEevil", {404}),
    Case("iri-dots", "GET", "/concept/%2e%2e/%2e%2e/etc/passwd", {400, 404}),
    Case("iri-very-long", "GET", "/graph/" + "a" * 6000, {404, 414}),
    Case("iri-empty", "GET", "/id/", {400, 404}),
    Case("iri-unknown", "GET", "/id/no/such/thing", {404}),
    Case("ld-unacceptable", "GET", "/id/government/MA", {406},
         {"headers": {"Accept": "image/png"}}),
    Case("ld-garbage-accept", "GET", "/id/government/MA", {200, 406},
         {"headers": {"Accept": "text/html;q=abc, */*;q=NaN,,;;"}}),
    Case("ld-odd-format", "GET", "/id/government/MA?format=%3Cscript%3E", {200, 406}),
    Case("ld-odd-lang", "GET", "/id/government/MA?lang=zz", {200}),
    Case("ld-head", "HEAD", "/id/government/MA", {200}),
    Case("ld-post", "POST", "/id/government/MA", {405}),
    # ------------------------------------------------------------------ uploads
    Case("upload-empty-body", "POST", "/contribute", {400}),
    Case("upload-text-body", "POST", "/contribute", {400}, raw(b"hello", "text/plain")),
    Case("upload-json-body", "POST", "/contribute", {400}, raw(b"{}", "application/json")),
    Case("upload-no-boundary", "POST", "/contribute", {400},
         raw(b"--xyz\r\n", "multipart/form-data")),
    Case("upload-cut-multipart", "POST", "/contribute", {400},
         raw(b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.ttl"\r\n\r\n'
             b"<a> <b> <c>", BOUNDARY)),
    Case("upload-no-disposition", "POST", "/contribute", {400},
         raw(b"--xyz\r\n\r\nx\r\n--xyz--\r\n", BOUNDARY)),
    Case("upload-many-fields", "POST", "/contribute", {400},
         raw(b"".join(b'--xyz\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i
                      for i in range(50)) + b"--xyz--\r\n", BOUNDARY)),
    Case("upload-two-files", "POST", "/contribute", {400},
         raw(b"".join(b'--xyz\r\nContent-Disposition: form-data; name="file"; '
                      b'filename="a%d.ttl"\r\n\r\n<a> <b> <c> .\r\n' % i for i in range(2))
             + b"--xyz--\r\n", BOUNDARY)),
    Case("upload-no-file", "POST", "/contribute", {400}, {"data": {"lang": "fr"}}),
    Case("upload-unknown-format", "POST", "/contribute", {400},
         upload("a.ttl", TTL, format="evil")),
    Case("upload-exe", "POST", "/contribute", {415}, upload("a.exe", b"MZ\x90\x00")),
    Case("upload-binary", "POST", "/contribute", {400}, upload("a.ttl", bytes(range(256)) * 4)),
    Case("upload-bad-utf8", "POST", "/contribute", {400}, upload("a.ttl", b'<a:b> <c:d> "\xff" .')),
    Case("upload-too-large", "POST", "/contribute", {413},
         upload("a.ttl", TTL * (MAX_BODY // len(TTL) + 10))),
    Case("upload-deep-rdfxml", "POST", "/contribute", {400}, upload("a.rdf", DEEP_XML)),
    Case("upload-deep-jsonld", "POST", "/contribute", {400}, upload("a.jsonld", DEEP_JSONLD)),
    Case("upload-deep-collection", "POST", "/contribute", {400},
         upload("a.ttl", DEEP_TURTLE)),
    Case("upload-deep-bnodes", "POST", "/contribute", {400}, upload("a.ttl", DEEP_BNODES)),
    Case("upload-billion-laughs", "POST", "/contribute", {400}, upload("a.rdf", LAUGHS)),
    Case("upload-xxe", "POST", "/contribute", {400}, upload("a.rdf", XXE)),
    Case("upload-remote-context", "POST", "/contribute", {400},
         upload("a.jsonld", REMOTE_CONTEXT)),
    Case("upload-n3-formula", "POST", "/contribute", {400},
         upload("a.n3", b"{ <a:b> <c:d> <e:f> } <g:h> <i:j> .")),
    Case("upload-traversal-name", "POST", "/contribute", {303},
         upload("../../../etc/passwd.ttl", TTL)),
    Case("upload-hostile-name", "POST", "/contribute", {303},
         upload("\u202e<script>alert(1)</script>.ttl", TTL)),
    Case("upload-csv-formula", "POST", "/contribute", {303, 400},
         upload("plans.csv", b"plan_id,government_code\n=cmd|' /C calc'!A0,MA\n")),
    Case("publish-unknown", "POST", "/contribute/AAAAAAAAAAAAAAAAAAAAAAAA/publish", {404},
         {"data": {"token": TOKEN, "contributor": "x"}}),
    Case("publish-garbage-id", "POST", "/contribute/%00%00/publish", {404}),
]


@pytest.fixture(scope="module")
def server(built_dir: Any, built_settings: Settings,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    from tests.conftest import copy_store

    data_dir = copy_store(built_dir, tmp_path_factory.mktemp("hostile-pages") / "var")
    settings = replace(built_settings, data_dir=data_dir, write_token=TOKEN, query_workers=2,
                       max_body_bytes=MAX_BODY, upload_client_items=50)
    with running(create_app(settings)) as url, \
            httpx.Client(base_url=url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def version_before(server: httpx.Client) -> int:
    return int(server.get("/health").json()["version"])


def assert_clear(r: httpx.Response, case: Case) -> None:
    """A 4xx says what is wrong: a JSON error with a message, or a page with an alert."""
    if r.status_code < 400 or case.method == "HEAD":
        return
    if r.headers.get("content-type", "").startswith("application/json"):
        body = r.json()
        assert body["status"] == r.status_code and len(body["error"]) > 3, body
    else:
        assert 'role="alert"' in r.text, r.text[:500]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request_gets_a_clear_answer(server: httpx.Client, version_before: int,
                                             case: Case) -> None:
    r = server.request(case.method, case.path, **case.kwargs)
    assert r.status_code < 500, f"{case.name}: {r.status_code} {r.text[:300]}"
    assert r.status_code in case.expect, f"{case.name}: {r.status_code} {r.text[:300]}"
    assert_clear(r, case)
    if r.headers.get("content-type", "").startswith("text/html"):
        assert "content-security-policy" in r.headers
        assert "<script>alert" not in r.text and "javascript:alert" not in r.text


def test_publishing_without_the_token_writes_nothing(server: httpx.Client,
                                                     version_before: int) -> None:
    r = server.post("/contribute", files={"file": ("a.ttl", TTL)},
                    headers={"Accept": "application/json"})
    assert r.status_code == 201
    where = r.headers["location"]
    for token in ("", "wrong", TOKEN + "x", "\x00"):
        p = server.post(where + "/publish", data={"token": token, "contributor": "x"},
                        headers={"Accept": "application/json"})
        assert p.status_code in (400, 401, 403), p.text
        assert p.json()["error"]
    assert server.get(where).status_code == 200


def test_the_server_is_healthy_and_the_data_unchanged_afterwards(
        server: httpx.Client, version_before: int) -> None:
    for case in CASES:  # once more, all of them, before looking
        server.request(case.method, case.path, **case.kwargs)
    health = server.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert int(health.json()["version"]) == version_before
    assert server.get("/id/government/MA").status_code == 200
    q = server.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert q.status_code == 200 and q.json()["boolean"] is True


def test_a_hostile_file_name_is_shown_escaped_and_isolated(server: httpx.Client) -> None:
    name = "\u202e<img src=x onerror=alert(1)>.ttl"
    r = server.post("/contribute", files={"file": (name, TTL)})
    assert r.status_code == 303
    page = server.get(r.headers["location"])
    assert page.status_code == 200
    assert "<img src=x" not in page.text
    assert "<bdi>\u202e&lt;img src=x onerror=alert(1)&gt;.ttl</bdi>" in page.text
