"""Turning contributed bytes into text, with errors that point at the bad byte."""

from __future__ import annotations

from ogpkg.errors import Location, ParseError

BOM = "\ufeff"


def position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of byte ``offset``; the column counts characters."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def decode_utf8(data: bytes, name: str) -> str:
    """``data`` as text, without a leading byte-order mark.

    Raises :class:`ParseError` naming the line, column and byte for a binary file (a NUL
    byte) or for bytes that are not UTF-8.
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = position(data, nul)
        raise ParseError(
            f"this looks like a binary file, not text: NUL byte at byte offset {nul}. "
            "ogpkg reads RDF text (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) and "
            "CSV saved as UTF-8",
            location=Location(name, line=line, column=column))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = position(data, exc.start)
        bad = data[exc.start:exc.end].hex(" ").upper()
        raise ParseError(
            f"the file is not valid UTF-8: byte 0x{bad} at byte offset {exc.start} "
            "(save the file as UTF-8)",
            location=Location(name, line=line, column=column)) from None
    return text[1:] if text.startswith(BOM) else text


def line_of(text: str, index: int) -> int:
    """1-based line of character ``index`` in ``text``."""
    return text.count("\n", 0, index) + 1
