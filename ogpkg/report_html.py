"""The validation report as a standalone HTML page, and the report's words in en/fr/ar.

Plain string building: every value from data or shapes goes through :func:`html.escape`.
The page has no external assets; Arabic pages are right-to-left.
"""

from __future__ import annotations

import re
from html import escape
from typing import TYPE_CHECKING

from ogpkg.shacl_compile import PropertyPath, compact, show_path

if TYPE_CHECKING:
    from ogpkg.validate import ValidationReport, ValidationResult

UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "Validation report", "conforms": "conforms",
        "not_conforms": "does not conform", "violations": "violation(s)",
        "warnings": "warning(s)", "infos": "info(s)", "focus_nodes": "focus node(s)",
        "shapes": "shape(s)", "Violation": "Violation", "Warning": "Warning", "Info": "Info",
        "focus": "Focus node", "path": "path", "value": "value", "message": "message",
        "location": "Where", "engine": "engine", "none": "No problems found.",
        "sep": ", ",
    },
    "fr": {
        "title": "Rapport de validation", "conforms": "conforme",
        "not_conforms": "non conforme", "violations": "violation(s)",
        "warnings": "avertissement(s)", "infos": "information(s)",
        "focus_nodes": "nœud(s) examiné(s)", "shapes": "forme(s)", "Violation": "Violation",
        "Warning": "Avertissement", "Info": "Information", "focus": "Nœud", "path": "chemin",
        "value": "valeur", "message": "message", "location": "Emplacement",
        "engine": "moteur", "none": "Aucun problème trouvé.", "sep": ", ",
    },
    "ar": {
        "title": "تقرير التحقق", "conforms": "مطابق", "not_conforms": "غير مطابق",
        "violations": "مخالفة", "warnings": "تنبيه", "infos": "ملاحظة",
        "focus_nodes": "عقدة مفحوصة", "shapes": "شكل", "Violation": "مخالفة",
        "Warning": "تنبيه", "Info": "ملاحظة", "focus": "العقدة", "path": "المسار",
        "value": "القيمة", "message": "الرسالة", "location": "الموضع", "engine": "المحرك",
        "none": "لم يُعثر على أي مشكلة.", "sep": "، ",
    },
}


def ui(lang: str) -> dict[str, str]:
    """The report's words in ``lang`` (English for a language we do not have)."""
    return UI.get(lang, UI["en"])


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


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; line-height: 1.4; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.05rem; margin-top: 2rem; }
.summary { padding: .75rem 1rem; border-radius: .4rem; background: #e8f5e9; }
.summary.fail { background: #fdecea; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: .3rem; font-size: .85rem;
         color: #fff; background: #b3261e; }
.badge.Warning { background: #9a6700; } .badge.Info { background: #0b57d0; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: start;
         vertical-align: top; }
code { font-size: .85rem; word-break: break-all; }
.label { color: #555; }
"""


def _code(text: str | None, shown: str | None = None) -> str:
    """``text`` in a <code> element, shown compacted with the full form as its title."""
    if not text:
        return ""
    return f'<code title="{escape(text)}">{escape(shown or text)}</code>'


def _row(r: ValidationResult, lang: str, shared: bool) -> str:
    label = r.label(lang)
    focus = _code(r.focus, short(r.focus)) + (
        f' <span class="label">{escape(label)}</span>' if label else "")
    cells = [focus, _code(r.path, short_path(r.path) if r.path else None),
             _code(r.value, short(r.value) if r.value else None)]
    if not shared:
        cells.append(escape(r.message(lang)))
    cells.append(escape(str(r.location)) if r.location else "")
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def render_html(report: ValidationReport, lang: str = "en") -> str:
    """The whole report as one HTML document in ``lang``."""
    t = ui(lang)
    direction = "rtl" if lang == "ar" else "ltr"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}" dir="{direction}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(t['title'])}</title><style>{_STYLE}</style></head>",
        "<body>",
        f"<h1>{escape(t['title'])}</h1>",
        f'<p class="summary{"" if report.conforms else " fail"}">'
        f"{escape(report.summary(lang))}</p>",
    ]
    if not report.results:
        parts.append(f"<p>{escape(t['none'])}</p>")
    for (severity, _shape, _component), items in report.groups():
        first = items[0]
        messages = {r.message(lang) for r in items}
        shared = len(messages) == 1
        parts.append(
            f'<section><h2><span class="badge {escape(severity)}">'
            f"{escape(t.get(severity, severity))}</span> {escape(first.shape_title(lang))} "
            f"<small>({escape(first.component_name)}, {len(items)})</small></h2>")
        if shared:
            parts.append(f"<p>{escape(messages.pop())}</p>")
        head = [t["focus"], t["path"], t["value"]] + ([] if shared else [t["message"]]) + [
            t["location"]]
        parts.append("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head)
                     + "</tr></thead><tbody>")
        parts.extend(_row(r, lang, shared) for r in items)
        parts.append("</tbody></table></section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
