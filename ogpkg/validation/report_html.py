"""The validation report as a standalone HTML page (its words in en/fr/ar are in
:mod:`ogpkg.i18n`).

Plain string building: every value from data or shapes goes through :func:`html.escape`.
The page has no external assets; Arabic pages are right-to-left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from ogpkg.i18n import REPORT, words
from ogpkg.validation.compile import PropertyPath, compact, show_path

if TYPE_CHECKING:
    from ogpkg.errors import Location
    from ogpkg.validation.validate import ValidationReport, ValidationResult



def ui(lang: str) -> dict[str, str]:
    """The report's words in ``lang`` (English for a language we do not have)."""
    return words(REPORT, lang)


def where(location: Location, lang: str) -> str:
    """A location in ``lang``, as HTML: the file name, then row and column (CSV) or line and
    column (RDF)."""
    t = ui(lang)
    parts = location.parts(t["row"], t["line"], t["column"])
    return f"<bdi>{escape(location.source)}</bdi> " + escape(t["sep"].join(parts))


def short(text: str) -> str:
    """An IRI, ``<IRI>`` or literal with its IRI or datatype compacted, for reading."""
    if text.startswith('"'):
        return re.sub(r"\^\^<([^<>]*)>$", lambda m: "^^" + compact(m.group(1)), text)
    if text.startswith("<") and text.endswith(">"):
        return compact(text[1:-1])
    if re.match(r"^[a-z][a-z0-9+.-]*:", text) and " " not in text:
        return compact(text)
    return text


def short_path(path: str) -> str:
    """A result path (an IRI, or SPARQL path text) with its IRIs compacted."""
    if path.startswith(("(", "<", "^")):
        return show_path(PropertyPath(path, None, ""))
    return compact(path)


#: the look of the results (badges, tables); :data:`STYLE` adds the standalone page's own
RESULTS_STYLE = """
h1 { font-size: 1.4rem; } h2 { font-size: 1.05rem; margin-top: 2rem; }
.summary { padding: .75rem 1rem; border-radius: .4rem; background: #e8f5e9; }
.summary.fail { background: #fdecea; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: .3rem; font-size: .85rem;
         color: #fff; background: #b3261e; }
.badge.Warning { background: #9a6700; } .badge.Info { background: #0b57d0; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: start;
         vertical-align: top; }
code { font-size: .85rem; word-break: break-all; direction: ltr; unicode-bidi: isolate; }
.label { color: #555; }
"""
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; line-height: 1.4; }
""" + RESULTS_STYLE


def _code(text: str | None, shown: str | None = None) -> str:
    """``text`` in a <code> element, shown compacted with the full form as its title."""
    if not text:
        return ""
    return f'<code title="{escape(text)}">{escape(shown or text)}</code>'


#: turns a result's focus node or path into a link: (IRI or term text) -> href, or None
Linker = Callable[[str], "str | None"]


def _linked(text: str | None, shown: str | None, href: str | None) -> str:
    code = _code(text, shown)
    return f'<a href="{escape(href)}">{code}</a>' if code and href else code


def _row(r: ValidationResult, lang: str, shared: bool, focus_href: Linker | None,
         path_href: Linker | None) -> str:
    label = r.label(lang)
    focus = _linked(r.focus, r.focus_name or short(r.focus),
                    focus_href(r.focus) if focus_href else None) + (
        f' <span class="label">{escape(label)}</span>' if label else "")
    path = None
    if r.path:
        path = _linked(r.path, short_path(r.path), path_href(r.path) if path_href else None)
    cells = [focus, path or "", _code(r.value, r.value_name or (short(r.value) if r.value
                                                                else None))]
    if not shared:
        cells.append(escape(r.message(lang)))
    cells.append(where(r.location, lang) if r.location else "")
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def render_results(report: ValidationReport, lang: str = "en", *,
                   focus_href: Linker | None = None, path_href: Linker | None = None,
                   heading_level: int = 2) -> str:
    """The results grouped by rule (severity, shape, constraint), one table per rule.

    ``focus_href`` and ``path_href`` give the link of a focus node or of a path (an IRI, or
    SPARQL path text for a complex path); without them, or where they return None, the
    value is shown unlinked."""
    t = ui(lang)
    h = f"h{heading_level}"
    if not report.results:
        return f"<p>{escape(t['none'])}</p>"
    parts = []
    for (severity, _shape, _component), items in report.groups():
        first = items[0]
        messages = {r.message(lang) for r in items}
        shared = len(messages) == 1
        parts.append(
            f'<section class="rule"><{h}><span class="badge {escape(severity)}">'
            f"{escape(t.get(severity, severity))}</span> {escape(first.shape_title(lang))} "
            f"<small>({escape(first.component_name)}, {len(items)})</small></{h}>")
        if shared:
            parts.append(f'<p class="message">{escape(messages.pop())}</p>')
        head = [t["focus"], t["path"], t["value"]] + ([] if shared else [t["message"]]) + [
            t["location"]]
        parts.append("<table><thead><tr>" + "".join(f'<th scope="col">{escape(x)}</th>'
                                                    for x in head)
                     + "</tr></thead><tbody>")
        parts.extend(_row(r, lang, shared, focus_href, path_href) for r in items)
        parts.append("</tbody></table></section>")
    return "\n".join(parts)


def render_html(report: ValidationReport, lang: str = "en") -> str:
    """The whole report as one HTML document in ``lang``."""
    t = ui(lang)
    direction = "rtl" if lang == "ar" else "ltr"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}" dir="{direction}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(t['title'])}</title><style>{STYLE}</style></head>",
        "<body>",
        f"<h1>{escape(t['title'])}</h1>",
        f'<p class="summary{"" if report.conforms else " fail"}">'
        f"{escape(report.summary(lang))}</p>",
        render_results(report, lang),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
