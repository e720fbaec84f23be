"""Absolute IRIs (RFC 3987) checked before anything uses them: dataset parameters of a query,
the graph of a Graph Store request, graphs named by a write.

The grammar is RFC 3987's ``absolute-IRI`` with a fragment allowed (``IRI``), as the store
itself reads IRIs, so that a value this module accepts never fails later in a worker or the
writer.
"""

from __future__ import annotations

import re

from ogpkg.errors import InputError

_UCS = ("\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
        "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
        "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
        "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd")
_PRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_UNRESERVED = rf"A-Za-z0-9\-._~{_UCS}"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_H16 = r"[0-9A-Fa-f]{1,4}"
_DEC = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_DEC}\.{_DEC}\.{_DEC}\.{_DEC}"
_LS32 = rf"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = "|".join([
    rf"(?:{_H16}:){{6}}{_LS32}",
    rf"::(?:{_H16}:){{5}}{_LS32}",
    rf"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
    rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
    rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
    rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
    rf"(?:(?:{_H16}:){{0,6}}{_H16})?::",
])
_IP_LITERAL = rf"\[(?:{_IPV6}|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~{_SUB_DELIMS}:]+)\]"
_REG_NAME = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*"
_USERINFO = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*"
_AUTHORITY = rf"(?:{_USERINFO}@)?(?:{_IP_LITERAL}|{_REG_NAME})(?::[0-9]*)?"
_SEGMENT = rf"{_PCHAR}*"
_HIER = (rf"(?://{_AUTHORITY}(?:/{_SEGMENT})*"  # //authority path-abempty
         rf"|/(?:{_PCHAR}+(?:/{_SEGMENT})*)?"  # path-absolute
         rf"|{_PCHAR}+(?:/{_SEGMENT})*"  # path-rootless
         r"|)")  # path-empty
_QUERY = rf"(?:{_PCHAR}|[/?{_PRIVATE}])*"
_FRAGMENT = rf"(?:{_PCHAR}|[/?])*"
_IRI = re.compile(rf"[A-Za-z][A-Za-z0-9+\-.]*:{_HIER}(?:\?{_QUERY})?(?:#{_FRAGMENT})?")

#: longest IRI accepted, in characters
MAX_IRI_CHARS = 4096


def is_absolute_iri(value: str) -> bool:
    """Whether ``value`` is an absolute IRI (RFC 3987 ``IRI``: a scheme, optionally a
    fragment)."""
    return len(value) <= MAX_IRI_CHARS and _IRI.fullmatch(value) is not None


def check_iri(value: str, name: str) -> str:
    """``value`` when it is an absolute IRI; else :class:`InputError` naming the parameter
    ``name`` and the value (shortened when long)."""
    if is_absolute_iri(value):
        return value
    shown = value if len(value) <= 200 else value[:200] + "…"
    why = ("is empty" if not value else
           f"is longer than {MAX_IRI_CHARS} characters" if len(value) > MAX_IRI_CHARS else
           "is not an absolute IRI")
    raise InputError(f"'{name}' {why}: {shown!r}", detail={"parameter": name, "value": shown})
