"""The federation policy: which SERVICE targets a query or update may call."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

import pytest

from ogpkg.errors import ConfigError
from ogpkg.query import federation
from ogpkg.query.federation import (
    ServiceRefused,
    check_services,
    normalise_endpoint,
    service_targets,
)

OK = "http://ok.example/sparql"
PUBLIC = "93.184.215.14"
Q = "SELECT * WHERE {{ {} }}"


def public(host: str) -> list[str]:
    return [PUBLIC]


def answers(*addresses: str) -> Callable[[str], list[str]]:
    return lambda host: list(addresses)


def no_such_host(host: str) -> list[str]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def clause(target: str, pattern: str = "?s ?p ?o") -> str:
    return f"SERVICE {target} {{ {pattern} }}"


# (id, text, allowlist, resolver, words the message must contain)
DISGUISES: list[tuple[str, str, list[str], Callable[[str], list[str]], str]] = [
    ("not-on-allowlist", Q.format(clause("<http://example.org/sparql>")), [], public,
     "not on the federation allowlist (allowed: none)"),
    ("not-on-a-non-empty-allowlist", Q.format(clause("<http://example.org/sparql>")), [OK],
     public, f"not on the federation allowlist (allowed: {OK})"),
    ("variable", Q.format(clause("?x")), [OK], public, "variable endpoint (?x)"),
    ("variable-bound-by-values",
     Q.format(f"VALUES ?x {{ <{OK}> }} " + clause("?x")), [OK], public,
     "variable endpoint (?x)"),
    ("dollar-variable", Q.format(clause("$ep")), [OK], public, "variable endpoint (?ep)"),
    ("prefixed-name-to-loopback",
     "PREFIX lo: <http://127.0.0.1:8890/> " + Q.format(clause("lo:sparql")), [], public,
     "127.0.0.1 is a loopback address"),
    ("base-relative-iri",
     "BASE <http://127.0.0.1/ns/> " + Q.format(clause("<../sparql>")), [], public,
     "127.0.0.1 is a loopback address"),
    ("prefix-relative-to-base",
     "BASE <http://10.0.0.7/> PREFIX x: <ns/> " + Q.format(clause("x:sparql")), [], public,
     "10.0.0.7 is a private address"),
    ("odd-casing-of-keyword-and-host",
     "select * where { sErViCe <HtTp://LocalHost/sparql> { ?s ?p ?o } }", [], public,
     "localhost is a loopback name"),
    ("comments-between-service-and-iri",
     "SELECT * WHERE { SERVICE # why not\n SILENT # really\n <http://10.0.0.5/sparql> "
     "{ ?s ?p ?o } }", [], public, "10.0.0.5 is a private address"),
    ("escaped-keyword",
     r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1/sparql> { ?s ?p ?o } }", [], public,
     "127.0.0.1 is a loopback address"),
    ("escaped-characters-in-iri",
     Q.format(clause(r"<http://\u0031\u0032\u0037.0.0.1/sparql>")), [], public,
     "127.0.0.1 is a loopback address"),
    ("decimal-ipv4", Q.format(clause("<http://2130706433/sparql>")), [], public,
     "127.0.0.1 is a loopback address"),
    ("hex-ipv4", Q.format(clause("<http://0x7f.1/sparql>")), [], public,
     "127.0.0.1 is a loopback address"),
    ("octal-ipv4", Q.format(clause("<http://0177.0.0.1/sparql>")), [], public,
     "127.0.0.1 is a loopback address"),
    ("short-ipv4", Q.format(clause("<http://127.1/sparql>")), [], public,
     "127.0.0.1 is a loopback address"),
    ("percent-encoded-host", Q.format(clause("<http://%31%32%37.0.0.1/sparql>")), [], public,
     "127.0.0.1 is a loopback address"),
    ("full-width-digits", Q.format(clause("<http://１２７．０．０．１/sparql>")), [], public,
     "127.0.0.1 is a loopback address"),
    ("ipv6-loopback", Q.format(clause("<http://[::1]/sparql>")), [], public,
     "::1 is a loopback address"),
    ("ipv4-mapped-ipv6", Q.format(clause("<http://[::ffff:127.0.0.1]/sparql>")), [], public,
     "embedding 127.0.0.1, a loopback address"),
    ("6to4-ipv6", Q.format(clause("<http://[2002:a00:5::1]/sparql>")), [], public,
     "embedding 10.0.0.5, a private address"),
    ("nat64-ipv6", Q.format(clause("<http://[64:ff9b::a9fe:a9fe]/sparql>")), [], public,
     "embedding 169.254.169.254, a link-local address"),
    ("unspecified", Q.format(clause("<http://0.0.0.0:8080/sparql>")), [], public,
     "0.0.0.0 is an unspecified address"),
    ("private-10", Q.format(clause("<http://10.0.0.5/sparql>")), [], public,
     "10.0.0.5 is a private address"),
    ("private-172-16", Q.format(clause("<http://172.31.255.1/sparql>")), [], public,
     "172.31.255.1 is a private address"),
    ("private-192-168", Q.format(clause("<http://192.168.1.1/sparql>")), [], public,
     "192.168.1.1 is a private address"),
    ("cloud-metadata", Q.format(clause("<http://169.254.169.254/latest/meta-data/>")), [],
     public, "169.254.169.254 is a link-local address"),
    ("shared-100-64", Q.format(clause("<http://100.64.0.1/sparql>")), [], public,
     "100.64.0.1 is a shared address (100.64.0.0/10)"),
    ("unique-local-ipv6", Q.format(clause("<http://[fd12:3456::1]/sparql>")), [], public,
     "fd12:3456::1 is a private address"),
    ("link-local-ipv6", Q.format(clause("<http://[fe80::1]/sparql>")), [], public,
     "fe80::1 is a link-local address"),
    ("ipv6-zone-id", Q.format(clause("<http://[fe80::1%25eth0]/sparql>")), [], public,
     "zone identifiers are not allowed"),
    ("multicast", Q.format(clause("<http://224.0.0.1/sparql>")), [], public,
     "224.0.0.1 is a multicast address"),
    ("reserved", Q.format(clause("<http://240.0.0.1/sparql>")), [], public,
     "240.0.0.1 is a reserved address"),
    ("userinfo-trick", Q.format(clause("<http://ok.example@127.0.0.1/sparql>")), [OK],
     public, "user information"),
    ("allowlisted-localhost", Q.format(clause("<http://localhost/sparql>")),
     ["http://localhost/sparql"], public, "localhost is a loopback name"),
    ("trailing-dot-localhost", Q.format(clause("<http://localhost./sparql>")),
     ["http://localhost/sparql"], public, "localhost is a loopback name"),
    ("allowlisted-name-resolving-private", Q.format(clause("<http://partner.example/sparql>")),
     ["http://partner.example/sparql"], answers("10.1.2.3"),
     "partner.example resolves to 10.1.2.3, a private address"),
    ("allowlisted-name-with-one-internal-address",
     Q.format(clause("<http://partner.example/sparql>")), ["http://partner.example/sparql"],
     answers(PUBLIC, "127.0.0.1"), "partner.example resolves to 127.0.0.1, a loopback"),
    ("allowlisted-name-not-resolving", Q.format(clause("<http://partner.example/sparql>")),
     ["http://partner.example/sparql"], no_such_host, "partner.example does not resolve"),
    ("allowlisted-name-with-no-address", Q.format(clause("<http://partner.example/sparql>")),
     ["http://partner.example/sparql"], answers(), "partner.example does not resolve"),
    ("service-silent", Q.format("SERVICE SILENT <http://10.0.0.5/sparql> { ?s ?p ?o }"), [],
     public, "10.0.0.5 is a private address"),
    ("nested-in-optional", Q.format("?a ?b ?c OPTIONAL { " + clause("<http://[::1]/>") + " }"),
     [], public, "::1 is a loopback address"),
    ("nested-in-subquery",
     Q.format("{ SELECT ?s WHERE { " + clause("<http://[::1]/>") + " } }"), [], public,
     "::1 is a loopback address"),
    ("nested-in-union",
     Q.format("{ ?s ?p ?o } UNION { " + clause("<http://[::1]/>") + " }"), [], public,
     "::1 is a loopback address"),
    ("nested-in-minus", Q.format("?s ?p ?o MINUS { " + clause("<http://[::1]/>") + " }"), [],
     public, "::1 is a loopback address"),
    ("nested-in-filter-exists",
     Q.format("?s ?p ?o FILTER EXISTS { " + clause("<http://[::1]/>") + " }"), [], public,
     "::1 is a loopback address"),
    ("nested-in-graph", Q.format("GRAPH ?g { " + clause("<http://[::1]/>") + " }"), [], public,
     "::1 is a loopback address"),
    ("update-where",
     "INSERT { GRAPH <g> { ?s ?p ?o } } WHERE { "
     + clause("<http://169.254.169.254/latest/>") + " }", [], public,
     "169.254.169.254 is a link-local address"),
    ("update-prefix-carried-to-later-operation",
     "PREFIX lo: <http://127.0.0.1/> INSERT DATA { <http://a/s> <http://a/p> 1 } ; "
     "DELETE { ?s ?p ?o } WHERE { " + clause("lo:sparql") + " }", [], public,
     "127.0.0.1 is a loopback address"),
    ("file-scheme", Q.format(clause("<file:///etc/passwd>")), [], public,
     "the scheme 'file:' is not allowed"),
    ("ftp-scheme", Q.format(clause("<ftp://ok.example/sparql>")), [], public,
     "the scheme 'ftp:' is not allowed"),
    ("gopher-scheme", Q.format(clause("<gopher://127.0.0.1:6379/_INFO>")), [], public,
     "the scheme 'gopher:' is not allowed"),
    ("urn-scheme", Q.format(clause("<urn:x-local:sparql>")), [], public,
     "the scheme 'urn:' is not allowed"),
    ("relative-iri-without-base", Q.format(clause("<sparql>")), [], public,
     "not an absolute URL"),
    ("undeclared-prefix", Q.format(clause("nope:sparql")), [OK], public,
     "the prefix 'nope:' is not declared"),
    ("dot-segments-leaving-allowed-path", Q.format(clause(f"<{OK}/../admin>")), [OK], public,
     "not on the federation allowlist"),
    ("allowed-host-as-subdomain", Q.format(clause("<http://ok.example.evil.com/sparql>")), [OK],
     public, "not on the federation allowlist"),
    ("allowed-path-as-prefix", Q.format(clause(f"<{OK}/more>")), [OK], public,
     "not on the federation allowlist"),
    ("other-scheme-of-allowed-endpoint", Q.format(clause("<https://ok.example/sparql>")), [OK],
     public, "not on the federation allowlist"),
    # Oxigraph reads the escape inside the string; rdflib and the spec end the string there
    ("escaped-quote-hides-clause-from-rdflib",
     'SELECT * WHERE { ?s ?p "A\\u0022 } #" . ' + clause("<http://127.0.0.1:8890/sparql>")
     + " }", [], public, "could not be checked: the escape \\u0022 stands for a delimiter"),
    # Oxigraph ends a comment at a lone CR; rdflib runs it on to the next LF
    ("lone-carriage-return-ends-comment",
     "SELECT * WHERE { ?s ?p ?o # note\r " + clause("<http://127.0.0.1:8890/sparql>")
     + " \n }", [], public, "127.0.0.1 is a loopback address"),
    ("comparison-read-as-iri",
     "SELECT * WHERE { ?a ?b ?c FILTER(?a<?b).SERVICE?v#>\n{ ?x ?y ?z } }", [OK], public,
     "could also be read as a comparison hiding a SERVICE"),
    ("keyword-run-together-with-silent",
     "SELECT * WHERE { SERVICESILENT<" + OK + ">{ ?s ?p ?o } }", [OK], public,
     "runs the SERVICE keyword together"),
    ("number-run-together-with-keyword",
     "SELECT * WHERE { ?s ?p 1SERVICE<" + OK + ">{ ?s ?p ?o } }", [OK], public,
     "runs the SERVICE keyword together"),
    ("prefix-run-together-with-name",
     f"PREFIX ok: <{OK[:-6]}> PREFIXok:<http://127.0.0.1/> " + Q.format(clause("ok:sparql")),
     [OK], public, "runs PREFIX together"),
    ("allowed-target-in-text-rdflib-cannot-parse",
     Q.format(clause(f"<{OK}>", "?s ?p")), [OK], public,
     "could not be checked: the text does not parse"),
    ("too-many-clauses", Q.format(" ".join(clause(f"<{OK}>") for _ in range(9))), [OK],
     public, "9 SERVICE clauses; at most 8"),
    ("allowed-target-in-too-long-a-structure",
     Q.format(" ".join(f"{{ ?s <http://example.org/p{i}> ?o }}" for i in range(150))
              + clause(f"<{OK}>")), [OK], public, "at most 4000 are checked"),
]


@pytest.mark.parametrize(("text", "allowlist", "resolver", "reason"),
                         [d[1:] for d in DISGUISES], ids=[d[0] for d in DISGUISES])
def test_disguised_service_target_is_refused_with_400_and_reason(
        text: str, allowlist: list[str], resolver: Callable[[str], list[str]],
        reason: str) -> None:
    with pytest.raises(ServiceRefused) as info:
        check_services(text, allowlist, resolve=resolver)
    assert info.value.status == 400
    assert info.value.as_dict()["status"] == 400
    assert reason in str(info.value)


def test_refusal_messages_name_target_and_reason() -> None:
    cases = {
        "<http://10.0.0.5/sparql>":
            "SERVICE <http://10.0.0.5/sparql> is refused: 10.0.0.5 is a private address",
        "<http://example.org/sparql>":
            "SERVICE <http://example.org/sparql> is refused: not on the federation allowlist "
            "(allowed: none)",
        "?x": "SERVICE with a variable endpoint (?x) is refused: federation targets must be "
              "fixed IRIs",
    }
    for target, message in cases.items():
        with pytest.raises(ServiceRefused) as info:
            check_services(Q.format(clause(target)), [], resolve=public)
        assert str(info.value) == message


def test_refusal_detail_carries_target_and_reason() -> None:
    with pytest.raises(ServiceRefused) as info:
        check_services(Q.format(clause("<http://2130706433/sparql>")), [], resolve=public)
    body = info.value.as_dict()
    assert body["status"] == 400
    assert body["detail"] == {"target": "http://2130706433/sparql",
                              "reason": "127.0.0.1 is a loopback address"}


def test_allowlisted_public_endpoint_is_accepted_in_normalised_form() -> None:
    text = Q.format(clause("<HTTP://OK.Example:80/sparql>") + " "
                    + clause(f"<{OK}>", "?a ?b ?c"))
    assert check_services(text, [OK], resolve=public) == [OK]


def test_allowlisted_public_endpoint_by_prefix_and_base_is_accepted() -> None:
    text = ("BASE <http://ok.example/a/> PREFIX ok: <../> "
            + Q.format(clause("ok:sparql") + " OPTIONAL { " + clause("<../sparql>") + " }"))
    assert check_services(text, [OK], resolve=public) == [OK]


def test_allowlisted_endpoint_in_update_is_accepted() -> None:
    text = ("PREFIX ex: <http://example.org/> INSERT { ?s ex:p ?o } WHERE { "
            + clause(f"<{OK}>") + " }")
    assert check_services(text, [OK], resolve=public) == [OK]


def test_allowlisted_public_ipv6_endpoint_is_accepted() -> None:
    endpoint = "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/sparql"
    assert check_services(Q.format(clause(f"<{endpoint}>")), [endpoint]) == [endpoint]


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    "SELECT * WHERE { ?s ?p 'customer service' FILTER(CONTAINS(?o, \"Public Service\")) }",
    "SELECT * WHERE { ?s ?p \"\"\"a long\nSERVICE <http://127.0.0.1/> { ?a ?b ?c }\"\"\" }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1/> { ?a ?b ?c }",
    "PREFIX service: <http://example.org/service/> SELECT ?service WHERE { "
    "?service service:p ?o GRAPH service:g { ?service ?p ?o } }",
    "SELECT * WHERE { ?s ?p \"x\"@service }",
    "INSERT DATA { <http://example.org/s> <http://example.org/p> 'service' }",
])
def test_text_without_service_clause_has_no_targets(text: str) -> None:
    assert check_services(text, [], resolve=no_such_host) == []
    assert service_targets(text) == []


def test_plain_query_is_answered_without_scanning_or_parsing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> object:
        raise AssertionError("the cheap path must not scan or parse")

    for name in ("parseQuery", "parseUpdate", "_tokens", "_scan"):
        monkeypatch.setattr(federation, name, boom)
    big = "SELECT * WHERE { " + " ".join(f"?s <http://example.org/p{i}> ?o ." for i in range(2000))
    assert check_services(big + " }", [OK]) == []
    assert service_targets(big + " }") == []


def test_service_only_in_a_literal_needs_no_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> object:
        raise AssertionError("no SERVICE clause: rdflib is not needed")

    monkeypatch.setattr(federation, "parseQuery", boom)
    monkeypatch.setattr(federation, "parseUpdate", boom)
    assert check_services("SELECT * WHERE { ?s ?p 'service' }", [OK]) == []


def test_allowed_target_is_confirmed_by_rdflib(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = federation.parseQuery

    def spy(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(federation, "parseQuery", spy)
    text = Q.format(clause(f"<{OK}>") + " FILTER(?o != 'a long literal') # a comment\n")
    assert check_services(text, [OK], resolve=public) == [OK]
    assert calls == [Q.format(clause(f"<{OK}>") + ' FILTER(?o != "") \n')]


def test_trusted_endpoint_skips_only_the_address_check() -> None:
    local = "http://127.0.0.1:8890/sparql"
    trusted = frozenset({local})
    assert check_services(Q.format(clause(f"<{local}>")), [local], trusted=trusted) == [local]
    with pytest.raises(ServiceRefused, match=r"127\.0\.0\.1 is a loopback address"):
        check_services(Q.format(clause(f"<{local}>")), [local])
    with pytest.raises(ServiceRefused, match="not on the federation allowlist"):
        check_services(Q.format(clause(f"<{local}>")), [], trusted=trusted)
    with pytest.raises(ServiceRefused, match="variable endpoint"):
        check_services(f"VALUES ?x {{ <{local}> }} " + Q.format(clause("?x")), [local],
                       trusted=trusted)
    with pytest.raises(ServiceRefused, match="the scheme 'file:' is not allowed"):
        check_services(Q.format(clause("<file:///etc/passwd>")), [local], trusted=trusted)


def test_names_off_the_allowlist_are_never_resolved() -> None:
    def must_not_resolve(host: str) -> list[str]:
        raise AssertionError(f"resolved {host}")

    with pytest.raises(ServiceRefused, match="not on the federation allowlist"):
        check_services(Q.format(clause("<http://attacker.example/x>")), [OK],
                       resolve=must_not_resolve)


def test_each_allowlisted_name_is_resolved_once_per_check() -> None:
    asked: list[str] = []

    def counting(host: str) -> list[str]:
        asked.append(host)
        return [PUBLIC]

    text = Q.format(clause(f"<{OK}>") + " " + clause(f"<{OK}>", "?a ?b ?c"))
    assert check_services(text, [OK], resolve=counting) == [OK]
    assert asked == ["ok.example"]


def test_service_targets_resolves_prefix_base_and_escapes_in_order() -> None:
    text = ("PREFIX x: <http://127.0.0.1/> BASE <http://10.0.0.1/a/> SELECT * WHERE { "
            + clause("x:sparql") + " OPTIONAL { " + clause("<rel>") + " } "
            + clause("?v") + " FILTER EXISTS { " + clause(r"<http://e.example/\u0073>")
            + " } }")
    assert service_targets(text) == ["http://127.0.0.1/sparql", "http://10.0.0.1/a/rel", None,
                                     "http://e.example/s"]


def test_service_targets_carries_declarations_across_update_operations() -> None:
    text = ("BASE <http://a.example/> INSERT DATA { <s> <p> 1 } ; PREFIX b: <x/> "
            "INSERT { ?s ?p ?o } WHERE { " + clause("b:sparql") + " } ; BASE <http://c.example/> "
            "DELETE { ?s ?p ?o } WHERE { " + clause("<sparql>") + " }")
    assert service_targets(text) == ["http://a.example/x/sparql", "http://c.example/sparql"]


def test_service_targets_ends_comments_at_a_lone_carriage_return_as_oxigraph_does() -> None:
    text = "SELECT * WHERE { ?s ?p ?o # note\r " + clause(f"<{OK}>") + " \n }"
    assert service_targets(text) == [OK]
    assert check_services(text, [OK], resolve=public) == [OK]


def test_long_literals_do_not_count_against_the_checked_structure() -> None:
    text = Q.format(f"?s ?p '{'x' * 50_000}' # {'y' * 50_000}\n" + clause(f"<{OK}>"))
    assert check_services(text, [OK], resolve=public) == [OK]


def test_service_targets_refuses_text_it_cannot_read_reliably() -> None:
    with pytest.raises(ServiceRefused, match="could not be checked"):
        service_targets('SELECT * WHERE { ?s ?p "unclosed service }')


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Example.ORG:80/sparql", "http://example.org/sparql"),
    ("https://example.org:443/sparql?default-graph-uri=x", "https://example.org/sparql"
                                                           "?default-graph-uri=x"),
    ("http://example.org:8080", "http://example.org:8080/"),
    ("http://example.org/a/./b/../sparql", "http://example.org/a/sparql"),
    ("http://example.org/%7esparql/%2fx", "http://example.org/~sparql/%2Fx"),
    ("http://example.org./sparql", "http://example.org/sparql"),
    ("http://bücher.example/sparql", "http://xn--bcher-kva.example/sparql"),
    ("http://0x7f.1/", "http://127.0.0.1/"),
    ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"),
])
def test_normalise_endpoint_gives_one_comparable_form(url: str, expected: str) -> None:
    assert normalise_endpoint(url) == expected


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://example.org/sparql", "the scheme 'ftp:' is not allowed"),
    ("http://user:pw@example.org/sparql", "user information"),
    ("http://example.org/sparql#frag", "fragment"),
    ("http://exa mple.org/sparql", "not allowed in a URL"),
    ("http://example.org:99999/sparql", "port"),
    ("http://[::1/sparql", "no closing ']'"),
    ("http://256.1.1.1/", "not a valid IPv4 address"),
    ("http://08.0.0.1/", "not a valid IPv4 address"),
    ("/sparql", "not an absolute URL"),
    ("http:sparql", "has no host"),
])
def test_normalise_endpoint_refuses_unusable_urls(url: str, reason: str) -> None:
    with pytest.raises(ServiceRefused, match=re.escape(reason)) as info:
        normalise_endpoint(url)
    assert info.value.status == 400


def test_unusable_allowlist_entry_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="federation allowlist entry 'file:///x'"):
        check_services(Q.format(clause(f"<{OK}>")), ["file:///x"], resolve=public)
