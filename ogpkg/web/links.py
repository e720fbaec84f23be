"""The one way an IRI or URL from the data gets into a page.

Data can hold any IRI: ``javascript:…`` and ``data:…`` IRIs are legal RDF, and a link to
one runs script when clicked. :func:`safe_href` lets through only absolute http(s) URLs and
this server's own paths; :func:`link` writes everything else as text. Labels and values go
into ``<bdi>`` so that right-to-left and override characters in them cannot reorder the
text around them.
"""

from __future__ import annotations

import html
import re

#: an absolute http(s) URL with no white space or control characters anywhere (browsers drop
#: those, so ``java\tscript:`` would otherwise pass a scheme test)
_HTTP_URL = re.compile(r"(?i)https?://[^\s\x00-\x1f\x7f-\x9f\\]+")
#: a path, query or fragment of this server: not ``//host`` and not ``/\host`` (both leave it)
_LOCAL = re.compile(r"(?:/(?![/\\])|[?#])[^\s\x00-\x1f\x7f-\x9f\\]*|/")


def safe_href(url: str) -> str | None:
    """``url`` if a browser may follow it (an http(s) URL or a local path), else None."""
    if _HTTP_URL.fullmatch(url) or _LOCAL.fullmatch(url):
        return url
    return None


def bdi(text: str) -> str:
    """``text`` escaped and isolated from the text around it."""
    return f"<bdi>{html.escape(text)}</bdi>"


def link(url: str, text: str, *, title: str | None = None, attrs: str = "") -> str:
    """A link to ``url`` showing ``text``; only ``text`` (in a ``<bdi>``, with the URL as its
    title) when ``url`` is not one :func:`safe_href` allows."""
    href = safe_href(url)
    tip = f' title="{html.escape(title)}"' if title else ""
    if href is None:
        tip = f' title="{html.escape(title or url)}"'
        return f'<bdi class="nolink"{tip}>{html.escape(text)}</bdi>'
    return f'<a href="{html.escape(href)}"{tip}{attrs}>{bdi(text)}</a>'
