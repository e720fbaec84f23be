"""Federation policy: which ``SERVICE`` endpoints a SPARQL query or update may call.

Oxigraph performs ``SERVICE`` calls itself, over HTTP, while it evaluates a query, so the
decision has to be taken on the text before it is handed to the store. The policy:

* ``SERVICE`` only to endpoints on a configured allowlist (empty by default), compared
  exactly on their normalised URL (:func:`normalise_endpoint`); never a prefix match;
* never to an address that is not globally routable (loopback, private, link-local,
  unspecified, multicast, reserved, shared 100.64/10, IPv4 embedded in IPv6 as mapped,
  compatible, 6to4 or NAT64, and so on), whatever the allowlist says: a literal IP is
  decoded the way URL parsers decode it (``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
  ``127.1``, percent-encoded or full-width digits), and an allowlisted name is resolved and
  refused if any of its addresses is internal or if it does not resolve;
* only ``http`` and ``https``; no user information, no fragment, no variable endpoint.

How the targets are found. Most texts never mention ``service``: after applying SPARQL's
codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``, SPARQL 1.1 section 19.2) a substring test
answers them without further work. Otherwise the text is cut into tokens as the SPARQL
grammar delimits them (strings, IRIs, comments, names), so that ``"customer service"`` or
``<http://example.org/service>`` are not keywords, and every ``SERVICE`` keyword is taken,
wherever it is nested: the scan does not need the structure, only the keyword, its target and
the BASE/PREFIX declarations in force before it (their scope in a query, and across the
operations of an update). Prefixed names and relative IRIs are resolved per RFC 3986, as
Oxigraph resolves them. The scan is linear in the text.

Before any target is allowed, rdflib's SPARQL parser gives a second opinion on the
structure (the text with strings emptied and comments dropped): it must parse, and rdflib must
find the same SERVICE clauses, otherwise the request is refused (fail closed). rdflib is not
the first line: its parser costs up to a second or more per SERVICE clause on texts of a few
kilobytes (and ten times that with long literals), gives up on groups of more than about
eighty triples, and reads some texts differently from Oxigraph, which executes them. rdflib
applies codepoint escapes to the whole text and Oxigraph only inside strings and IRIs, so
``"a\\u0022 } #" . SERVICE <...> {...}`` hides the clause from rdflib alone; rdflib runs a
comment on past a lone carriage return, where Oxigraph ends it. Texts that the parsers could
read differently are refused: an escape that stands for a delimiter, a keyword run together
with other text (``SERVICESILENT<...>``, ``1SERVICE``, which Oxigraph accepts), an unclosed
string.

Limits: names are resolved here and again by Oxigraph when it connects, so an allowlisted
name whose DNS answers change in between (DNS rebinding) is not caught; keep the allowlist
to endpoints whose DNS you trust. Oxigraph follows no HTTP redirects for SERVICE by default.
A text may have at most :data:`MAX_SERVICE_CLAUSES` SERVICE clauses, and one with an allowed
target at most :data:`MAX_CHECKED_CHARS` characters of structure.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from ogpkg.errors import ConfigError, InputError
from ogpkg.query.protocol import looks_like_update

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
#: host name -> IP address strings (what :func:`socket.getaddrinfo` would give)
Resolver = Callable[[str], list[str]]

DEFAULT_PORTS = {"http": 80, "https": 443}
#: a text with more SERVICE clauses is refused without checking them one by one
MAX_SERVICE_CLAUSES = 8
#: the longest query structure (strings and comments left out) that rdflib is asked to
#: confirm before a target is allowed: its parser slows down with length for every clause
MAX_CHECKED_CHARS = 4_000


class ServiceRefused(InputError):
    """A ``SERVICE`` target is not allowed, or the targets could not be checked (a 400).

    ``target`` is the endpoint as resolved from the text (or the variable, as ``?x``);
    ``reason`` says why. Both are also in ``as_dict()["detail"]``.
    """

    def __init__(self, message: str, *, reason: str, target: str | None = None) -> None:
        detail: dict[str, object] = {"reason": reason}
        if target is not None:
            detail["target"] = target
        super().__init__(message, detail=detail)
        self.reason = reason
        self.target = target


class _Unusable(ValueError):
    """An endpoint URL that cannot be called; the message is the reason."""


# ---------------------------------------------------------------------------------------
# Public API


def normalise_endpoint(url: str) -> str:
    """The comparable form of an endpoint URL.

    Lower-cases scheme and host, decodes the host as URL parsers do (percent-encoding,
    IDNA, numeric IPv4 forms, trailing dot), drops the default port, normalises
    percent-encoding and removes dot segments in the path, and keeps the query.

    Raises :class:`ServiceRefused` for anything but an absolute http(s) URL with a host, for
    user information, a fragment, or text that cannot be parsed.
    """
    try:
        return _parse_endpoint(url).url
    except _Unusable as exc:
        raise ServiceRefused(f"<{url}> is not a usable endpoint: {exc}", reason=str(exc),
                             target=url) from None


def service_targets(text: str) -> list[str | None]:
    """Every ``SERVICE`` target of a query or update text, in order, as absolute IRIs.

    PREFIX, BASE and codepoint escapes are applied; a variable target gives ``None``. The
    targets come from the token scan alone (see the module documentation). Raises
    :class:`ServiceRefused` when the text mentions ``service`` but its targets cannot be
    read reliably, or a SERVICE uses an undeclared prefix.
    """
    if not _mentions_service(text):
        return []
    scan = _scan(text)
    if scan.doubt is not None:
        raise _unchecked(scan.doubt)
    return [t.iri for t in scan.targets]


def check_services(text: str, allowlist: Sequence[str], *,
                   resolve: Resolver | None = None,
                   trusted: frozenset[str] = frozenset()) -> list[str]:
    """Check every ``SERVICE`` target of a query or update against the federation policy.

    Returns the allowed targets as normalised endpoint URLs, without repeats (an empty list
    when the text has no ``SERVICE``). ``resolve(host)`` gives a name's IP addresses; the
    default uses :func:`socket.getaddrinfo` (it blocks: call this off the event loop when
    the allowlist holds names). Names are only resolved once found on the allowlist.

    ``trusted`` lists normalised endpoint URLs exempt from the address check only: they must
    still be on the allowlist, fixed IRIs and http(s). It is for programmatic use, such as
    tests that run a partner endpoint on 127.0.0.1, and is never read from settings or the
    environment.

    Raises :class:`ServiceRefused` (400) naming the first refused target and the reason, or
    saying that the targets could not be checked; :class:`ConfigError` when an allowlist or
    trusted entry is not a usable endpoint (validate those at start-up with
    :func:`normalise_endpoint`).
    """
    if not _mentions_service(text):
        return []
    allowed = _normalised_entries(tuple(allowlist), "federation allowlist")
    exempt = _normalised_entries(tuple(sorted(trusted)), "trusted endpoint")
    scan = _scan(text)
    if len(scan.targets) > MAX_SERVICE_CLAUSES:
        reason = (f"the text has {len(scan.targets)} SERVICE clauses; at most "
                  f"{MAX_SERVICE_CLAUSES} are allowed")
        raise ServiceRefused(f"SERVICE is refused: {reason}", reason=reason)
    lookup = _cached(resolve or _system_resolve)
    result: list[str] = []
    for target in scan.targets:
        url = _check_target(target, allowed, exempt, lookup)
        if url not in result:
            result.append(url)
    if scan.doubt is not None:
        raise _unchecked(scan.doubt)
    if result:
        _cross_check(text, scan)
    return result


# ---------------------------------------------------------------------------------------
# Checking one target


def _check_target(target: _Target, allowed: tuple[str, ...], exempt: tuple[str, ...],
                  lookup: Resolver) -> str:
    if target.iri is None:
        raise ServiceRefused(
            f"SERVICE with a variable endpoint ({target.written}) is refused: federation "
            "targets must be fixed IRIs", reason="variable endpoint", target=target.written)
    try:
        endpoint = _parse_endpoint(target.iri)
    except _Unusable as exc:
        raise _refused(target, str(exc)) from None
    check_address = endpoint.url not in exempt
    if check_address:
        if endpoint.address is not None:
            kind = _internal_kind(endpoint.address)
            if kind is not None:
                raise _refused(target, f"{endpoint.address} is {kind}")
        elif endpoint.host == "localhost" or endpoint.host.endswith(".localhost"):
            raise _refused(target, f"{endpoint.host} is a loopback name")
    if endpoint.url not in allowed:
        listing = ", ".join(allowed) if allowed else "none"
        raise _refused(target, f"not on the federation allowlist (allowed: {listing})")
    if check_address and endpoint.address is None:
        try:
            addresses = _lookup(endpoint.host, lookup)
        except _Unusable as exc:
            raise _refused(target, str(exc)) from None
        if not addresses:
            raise _refused(target, f"{endpoint.host} does not resolve")
        for address in addresses:
            kind = _internal_kind(address)
            if kind is not None:
                raise _refused(target, f"{endpoint.host} resolves to {address}, {kind}")
    return endpoint.url


def _refused(target: _Target, reason: str) -> ServiceRefused:
    return ServiceRefused(f"SERVICE <{target.iri}> is refused: {reason}", reason=reason,
                          target=target.iri)


def _unchecked(reason: str) -> ServiceRefused:
    return ServiceRefused(
        f"SERVICE is refused because its targets could not be checked: {reason}",
        reason=reason)


@lru_cache(maxsize=32)
def _normalised_entries(entries: tuple[str, ...], what: str) -> tuple[str, ...]:
    out: list[str] = []
    for entry in entries:
        try:
            url = _parse_endpoint(entry).url
        except _Unusable as exc:
            raise ConfigError(f"{what} entry {entry!r} is not a usable endpoint: {exc}"
                              ) from None
        if url not in out:
            out.append(url)
    return tuple(out)


def _cached(resolve: Resolver) -> Resolver:
    """``resolve`` asked once per host."""
    answers: dict[str, list[str]] = {}

    def lookup(host: str) -> list[str]:
        if host not in answers:
            answers[host] = list(resolve(host))
        return answers[host]

    return lookup


def _system_resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def _lookup(host: str, lookup: Resolver) -> list[Address]:
    """The addresses of ``host``; none when it does not resolve."""
    try:
        found = lookup(host)
    except (OSError, UnicodeError):
        return []
    addresses: list[Address] = []
    for text in found:
        try:
            addresses.append(ipaddress.ip_address(str(text).split("%", 1)[0]))
        except ValueError:
            raise _Unusable(f"{host} resolves to {text!r}, which is not an IP address"
                            ) from None
    return addresses


# ---------------------------------------------------------------------------------------
# Addresses

_PRIVATE_V4 = tuple(ipaddress.IPv4Network(n) for n in
                    ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_SHARED_V4 = ipaddress.IPv4Network("100.64.0.0/10")
_UNIQUE_LOCAL_V6 = ipaddress.IPv6Network("fc00::/7")
_NAT64_V6 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAT64_V6 = ipaddress.IPv6Network("64:ff9b:1::/48")
_COMPATIBLE_V6 = ipaddress.IPv6Network("::/96")


def _internal_kind(address: Address) -> str | None:
    """What makes an address off-limits ("a loopback address", ...), or None if global."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_v4(address)
        if embedded is not None:
            inner = _internal_kind(embedded)
            if inner is not None:
                return f"an IPv6 address embedding {embedded}, {inner}"
        if address in _LOCAL_NAT64_V6:
            return "a local-use NAT64 address"
        if address.is_site_local:
            return "a site-local address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address):
        if any(address in net for net in _PRIVATE_V4):
            return "a private address"
        if address in _SHARED_V4:
            return "a shared address (100.64.0.0/10)"
    elif address in _UNIQUE_LOCAL_V6:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a special-purpose, non-global address"
    return None


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64_V6 or (address in _COMPATIBLE_V6 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


# ---------------------------------------------------------------------------------------
# Endpoint URLs

@dataclass(frozen=True)
class _Endpoint:
    url: str  # normalised
    host: str  # ASCII name, dotted IPv4, or IPv6 without brackets
    address: Address | None  # set when the host is a literal IP


_URI_PARTS = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?",
                        re.S)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_NOT_IN_URL = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]')
_NOT_IN_HOST = re.compile(r"[\x00-\x20\x7f#%/:<>?@\[\\\]^|\"`{}]")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")


def _parse_endpoint(url: str) -> _Endpoint:
    url = url.strip()
    if _NOT_IN_URL.search(url):
        raise _Unusable("it contains characters that are not allowed in a URL")
    m = _URI_PARTS.fullmatch(url)
    if m is None:  # pragma: no cover - the pattern matches every string
        raise _Unusable("it cannot be parsed as a URL")
    scheme, authority, path, query, fragment = m.groups()
    if scheme is None or not _SCHEME.fullmatch(scheme):
        raise _Unusable("it is not an absolute URL")
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise _Unusable(f"the scheme '{scheme}:' is not allowed (only http and https)")
    if authority is None:
        raise _Unusable("it has no host")
    if fragment is not None:
        raise _Unusable("it has a fragment (#...)")
    if "@" in authority:
        raise _Unusable("it carries user information before '@' in the host part")
    raw_host, port = _split_authority(authority)
    host, address = _decode_host(raw_host)
    shown = f"[{host}]" if isinstance(address, ipaddress.IPv6Address) else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        shown += f":{port}"
    path = _remove_dot_segments(_normalise_escapes(path)) or "/"
    tail = "" if query is None else "?" + _normalise_escapes(query)
    return _Endpoint(f"{scheme}://{shown}{path}{tail}", host, address)


def _split_authority(authority: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise _Unusable("its IPv6 host has no closing ']'")
        host, rest = authority[: end + 1], authority[end + 1:]
        if rest and not rest.startswith(":"):
            raise _Unusable("it has text after the IPv6 host")
        port_text = rest[1:] if rest else ""
    else:
        host, _, port_text = authority.partition(":")
    if not port_text:
        return host, None
    if not port_text.isascii() or not port_text.isdigit() or int(port_text) > 65535:
        raise _Unusable(f"its port '{port_text}' is not a number from 0 to 65535")
    return host, int(port_text)


def _decode_host(raw: str) -> tuple[str, Address | None]:
    if raw.startswith("["):
        inner = raw[1:-1]
        if "%" in inner:
            raise _Unusable("IPv6 zone identifiers are not allowed")
        try:
            v6 = ipaddress.IPv6Address(inner)
        except ValueError:
            raise _Unusable(f"[{inner}] is not a valid IPv6 address") from None
        return v6.compressed, v6
    host = raw
    if "%" in host:
        if re.search(r"%(?![0-9A-Fa-f]{2})", host):
            raise _Unusable("its host has malformed percent-encoding")
        try:
            host = unquote_to_bytes(host).decode("utf-8")
        except UnicodeDecodeError:
            raise _Unusable("its host is not UTF-8 once percent-decoded") from None
    host = unicodedata.normalize("NFKC", host).lower()
    host = re.sub("[\u3002\uff0e\uff61]", ".", host)
    if _NOT_IN_HOST.search(host):
        raise _Unusable(f"its host {host!r} contains a character not allowed in a host name")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise _Unusable(f"its host {host!r} is not a valid domain name") from None
    if host.endswith("."):
        host = host[:-1]
    labels = host.split(".")
    if not host or "" in labels:
        raise _Unusable("its host is empty or has an empty label")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        v4 = _parse_ipv4(labels)
        return str(v4), v4
    return host, None


def _parse_ipv4(labels: list[str]) -> ipaddress.IPv4Address:
    """An IPv4 host in any form URL parsers accept: 1 to 4 parts, each decimal, octal
    (leading 0) or hex (0x), the last part filling the remaining bytes."""
    shown = ".".join(labels)
    if len(labels) > 4:
        raise _Unusable(f"its host {shown} is not a valid IPv4 address")
    numbers: list[int] = []
    for label in labels:
        try:
            if label[:2].lower() == "0x":
                numbers.append(int(label[2:] or "0", 16))
            elif len(label) > 1 and label.startswith("0"):
                numbers.append(int(label[1:], 8))
            else:
                numbers.append(int(label, 10))
        except ValueError:
            raise _Unusable(f"its host {shown} is not a valid IPv4 address") from None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise _Unusable(f"its host {shown} is not a valid IPv4 address")
    value = last
    for index, n in enumerate(head):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _normalise_escapes(part: str) -> str:
    """Percent-encode non-ASCII (IRI to URI), decode escaped unreserved characters and
    upper-case the remaining escapes (RFC 3986 section 6.2.2)."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", part):
        raise _Unusable("it has malformed percent-encoding")
    if not part.isascii():
        part = "".join(c if c.isascii() else quote(c, safe="") for c in part)

    def one(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    return _PCT.sub(one, part)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4."""
    out: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith(("./", "/./")):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if out:
                out.pop()
        elif path == "/..":
            path = "/"
            if out:
                out.pop()
        elif path in (".", ".."):
            path = ""
        else:
            start = 1 if path.startswith("/") else 0
            end = path.find("/", start)
            end = len(path) if end < 0 else end
            out.append(path[:end])
            path = path[end:]
    return "".join(out)


def _resolve(base: str | None, ref: str) -> str:
    """``ref`` resolved against ``base`` (RFC 3986 section 5.2.2); unchanged without a
    usable base."""
    if base is None:
        return ref
    r_scheme, r_auth, r_path, r_query, r_frag = _URI_PARTS.fullmatch(ref).groups()  # type: ignore[union-attr]
    if r_scheme is not None:
        return _recompose(r_scheme, r_auth, _remove_dot_segments(r_path), r_query, r_frag)
    b_scheme, b_auth, b_path, b_query, _ = _URI_PARTS.fullmatch(base).groups()  # type: ignore[union-attr]
    if b_scheme is None:
        return ref
    if r_auth is not None:
        return _recompose(b_scheme, r_auth, _remove_dot_segments(r_path), r_query, r_frag)
    if not r_path:
        return _recompose(b_scheme, b_auth, b_path, b_query if r_query is None else r_query,
                          r_frag)
    if r_path.startswith("/"):
        path = r_path
    elif b_auth is not None and not b_path:
        path = "/" + r_path
    else:
        path = b_path[: b_path.rfind("/") + 1] + r_path
    return _recompose(b_scheme, b_auth, _remove_dot_segments(path), r_query, r_frag)


def _recompose(scheme: str, authority: str | None, path: str, query: str | None,
               fragment: str | None) -> str:
    text = f"{scheme}:"
    if authority is not None:
        text += "//" + authority
    text += path
    if query is not None:
        text += "?" + query
    if fragment is not None:
        text += "#" + fragment
    return text


# ---------------------------------------------------------------------------------------
# Finding the targets: a scan of the tokens

_SERVICE_WORD = re.compile("service", re.I)
#: codepoint escapes as SPARQL defines them, and as rdflib reads them (\u with 4 or 8 digits)
_ESCAPE_SPEC = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_ESCAPE_RDFLIB = re.compile(r"\\u([0-9a-f]{4}(?:[0-9a-f]{4})?)", re.I)
#: characters that change where a string, IRI or comment ends when an escape becomes one
_DELIMITERS = frozenset("\"'<>\\{}|^`#") | frozenset(chr(i) for i in range(0x21))
#: an IRI-looking token that an expression could read as ``< ... ) SERVICE ?v #``
_SWALLOWED_CLAUSE = re.compile(r"\).*SERVICE.*#", re.I | re.S)
_LOCAL_ESCAPE = re.compile(r"\\(.)", re.S)

_TOKEN = re.compile(r"""
    (?P<ws>[\ \t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
             | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
             | '(?:[^'\\\n\r]|\\.)*'
             | "(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<lang>@[A-Za-z][A-Za-z0-9\-]*)
  | (?P<word>(?:[\w:%]|\\.)(?:[\w\-.:%\u00B7\u0300-\u036F\u203F-\u2040]|\\.)*)
  | (?P<punct>.)
""", re.X | re.S)

Token = tuple[str, str]  # (kind, text)


def _expand_escapes(text: str) -> str:
    """``text`` with SPARQL codepoint escapes applied; invalid ones are left as written."""
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        value = int(m.group(1) or m.group(2), 16)
        return chr(value) if value <= 0x10FFFF else m.group(0)

    return _ESCAPE_SPEC.sub(one, text)


def _mentions_service(text: str) -> bool:
    return _SERVICE_WORD.search(_expand_escapes(text)) is not None


@dataclass(frozen=True)
class _Target:
    iri: str | None  # absolute after PREFIX/BASE; None for a variable
    written: str  # as the text writes it: <iri>, prefix:local or ?var


@dataclass(frozen=True)
class _Scan:
    targets: list[_Target]
    doubt: str | None  # why SERVICE clauses may hide from the scan, if they may


class _LexError(ValueError):
    pass


def _lex(text: str) -> Iterator[Token]:
    """All the pieces of a SPARQL text, white space and comments included.

    Strings, IRIs and comments are delimited as in the SPARQL grammar; a comment ends at a
    carriage return or a line feed. Words are keywords, prefixed names and numbers.
    """
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None and m.lastgroup is not None  # punct matches any character
        kind, value = m.lastgroup, m.group()
        if kind == "word":
            while value.endswith(".") and not value.endswith("\\."):
                value = value[:-1]  # a final '.' ends the triple, not the name
        elif kind == "punct" and value in "'\"":
            raise _LexError(f"a string opened at character {pos} is not closed")
        pos += len(value)
        yield kind, value


def _tokens(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text (comments and white space dropped)."""
    return [t for t in _lex(text) if t[0] not in ("ws", "comment")]


def _skeleton(text: str) -> str:
    """The text with every string emptied and every comment dropped: its structure."""
    return "".join('""' if kind == "string" else "" if kind == "comment" else value
                   for kind, value in _lex(text))


def _scan(text: str) -> _Scan:
    """The SERVICE targets of a text, read from its tokens in order.

    BASE and PREFIX declarations take effect for what follows them, which is their scope in
    a query and across the operations of an update. Raises :class:`ServiceRefused` for a
    SERVICE on an undeclared prefix.
    """
    doubt = _escape_doubt(text)
    try:
        tokens = _tokens(_expand_escapes(text))
    except _LexError as exc:
        return _Scan([], doubt or f"the text could not be scanned: {exc}")
    base: str | None = None
    prefixes: dict[str, str] = {}
    targets: list[_Target] = []

    def at(index: int) -> Token:
        return tokens[index] if index < len(tokens) else ("end", "")

    for index, (kind, value) in enumerate(tokens):
        if kind == "iri" and _SWALLOWED_CLAUSE.search(value):
            doubt = doubt or f"{value} could also be read as a comparison hiding a SERVICE"
        if kind != "word":
            continue
        upper = value.upper()
        if upper == "BASE":
            iri = at(index + 1)
            if iri[0] == "iri":
                base = _resolve(base, iri[1][1:-1])
            else:
                doubt = doubt or "BASE is not followed by an IRI"
        elif upper == "PREFIX":
            name, decl = at(index + 1), at(index + 2)
            if name[0] == "word" and name[1].endswith(":") and name[1].count(":") == 1 \
                    and decl[0] == "iri":
                prefixes[name[1][:-1]] = _resolve(base, decl[1][1:-1])
            else:
                doubt = doubt or "a PREFIX declaration is not a name followed by an IRI"
        elif upper.startswith("PREFIX") and value.endswith(":") and at(index + 1)[0] == "iri":
            doubt = doubt or f"'{value}' runs PREFIX together with a prefix name"
        elif upper == "SERVICE":
            nxt = index + 1
            if at(nxt)[0] == "word" and at(nxt)[1].upper() == "SILENT":
                nxt += 1
            target = _scan_target(at(nxt), base, prefixes)
            if target is None:
                doubt = doubt or "a SERVICE keyword is not followed by an IRI or a variable"
            else:
                targets.append(target)
        elif "SERVICE" in upper.split(":", 1)[0] and _glued_service(tokens, index):
            before = tokens[index - 1][1].upper() if index else ""
            if before not in ("GRAPH", "FROM", "NAMED"):  # an IRI must follow those
                doubt = doubt or f"'{value}' runs the SERVICE keyword together with other text"
    return _Scan(targets, doubt)


def _scan_target(token: Token, base: str | None, prefixes: dict[str, str]) -> _Target | None:
    kind, value = token
    if kind == "iri":
        return _Target(_resolve(base, value[1:-1]), value)
    if kind == "var":
        return _Target(None, "?" + value[1:])
    if kind == "word" and ":" in value:
        prefix, local = value.split(":", 1)
        local = _LOCAL_ESCAPE.sub(r"\1", local)
        if prefix not in prefixes:
            reason = f"the prefix '{prefix}:' is not declared"
            raise ServiceRefused(f"SERVICE {prefix}:{local} is refused: {reason}",
                                 reason=reason, target=f"{prefix}:{local}")
        return _Target(prefixes[prefix] + local, f"{prefix}:{local}")
    return None


def _glued_service(tokens: list[Token], index: int) -> bool:
    """Whether a word could be read as a SERVICE keyword run together with what follows,
    as PEG parsers such as Oxigraph's read ``SERVICESILENT<...>{``, ``1SERVICE<...>{`` or
    ``SERVICE:x{``."""
    word = tokens[index][1]
    head = word.split(":", 1)[0].upper()
    follow = tokens[index + 1: index + 4]
    brace = ("punct", "{")
    start = head.find("SERVICE")
    while start >= 0:
        rest = word[start + 7:]
        silent = rest.upper().startswith("SILENT")
        if silent:
            rest = rest[6:]
        if rest:
            if follow[:1] == [brace]:
                return True
        else:
            k = 0
            if not silent and follow[:1] and follow[0][0] == "word" \
                    and follow[0][1].upper() == "SILENT":
                k = 1
            if len(follow) > k + 1 and follow[k][0] in ("iri", "var", "word") \
                    and follow[k + 1] == brace:
                return True
        start = head.find("SERVICE", start + 1)
    return False


def _escape_doubt(text: str) -> str | None:
    """rdflib applies codepoint escapes to the whole text before parsing, as SPARQL says;
    Oxigraph applies them inside strings and IRIs only. An escape standing for a delimiter
    therefore moves the ends of strings for one and not the other."""
    if "\\" not in text:
        return None
    for pattern in (_ESCAPE_SPEC, _ESCAPE_RDFLIB):
        for m in pattern.finditer(text):
            value = int(next(g for g in m.groups() if g), 16)
            if value <= 0x10FFFF and chr(value) in _DELIMITERS:
                return (f"the escape {m.group(0)} stands for a delimiter (U+{value:04X}), "
                        "which SPARQL parsers read differently")
    return None


# ---------------------------------------------------------------------------------------
# Second opinion: rdflib's SPARQL parser


def _cross_check(text: str, scan: _Scan) -> None:
    """Parse the structure of the text with rdflib and require the same SERVICE clauses as
    the scan; fail closed. Strings and comments are left out: the scan delimits them as the
    grammar does (rdflib is the one that strays, see the module documentation), and rdflib's
    parser slows down with the length of the text for every SERVICE clause."""
    try:
        structure = _skeleton(_expand_escapes(text))
    except _LexError as exc:  # pragma: no cover - the scan has already raised a doubt
        raise _unchecked(str(exc)) from None
    if len(structure) > MAX_CHECKED_CHARS:
        raise _unchecked(f"its structure is {len(structure)} characters long (strings and "
                         f"comments left out); at most {MAX_CHECKED_CHARS} are checked")
    parsed = [_parsed_form(node.get("term")) for node in _service_nodes(_parse(structure))]
    scanned = [t.written for t in scan.targets]
    if sorted(parsed) != sorted(scanned):
        raise _unchecked(f"the SERVICE clauses the parser found ({', '.join(parsed) or 'none'})"
                         f" are not those in the text ({', '.join(scanned) or 'none'})")


def _parse(text: str) -> Any:
    attempts: list[Callable[[str], Any]] = [parseUpdate, parseQuery]
    if not looks_like_update(text):
        attempts.reverse()
    first_error: str | None = None
    for parse in attempts:
        try:
            return parse(text)
        except (ParseBaseException, ValueError) as exc:
            if first_error is None:
                first_error = " ".join(str(exc).split())[:200]
        except RecursionError:
            if first_error is None:
                first_error = "it nests too deeply or has too many triples in one group"
    raise _unchecked(f"the text does not parse as a SPARQL query or update ({first_error})")


def _service_nodes(tree: object) -> Iterator[CompValue]:
    """Every ServiceGraphPattern in a parse tree, however deeply nested."""
    stack: list[object] = [tree]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue | ParseResults | list | tuple):
            if id(node) in seen:
                continue
            seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                yield node
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)


def _parsed_form(term: object) -> str:
    """How the text writes a parsed SERVICE term, as :func:`_scan_target` records it."""
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, CompValue) and term.name == "pname":
        local = _LOCAL_ESCAPE.sub(r"\1", term.get("localname") or "")
        return f"{term.get('prefix') or ''}:{local}"
    return f"!{term!r}"
