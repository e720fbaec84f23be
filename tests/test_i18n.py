"""Every interface word exists in English, French and Arabic, and the pages take their words
from :mod:`ogpkg.i18n` only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ogpkg import i18n

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(i18n.TABLES))
def test_every_key_has_english_french_and_arabic(name: str) -> None:
    table = i18n.TABLES[name]
    assert sorted(table) == sorted(i18n.LANGS)
    keys = set(table["en"])
    for lang in i18n.LANGS:
        assert set(table[lang]) == keys, f"{name}[{lang}]: {set(table[lang]) ^ keys}"
        assert all(isinstance(v, str) and v.strip() for v in table[lang].values())


def test_months_in_every_language() -> None:
    assert sorted(i18n.MONTHS) == sorted(i18n.LANGS)
    assert all(len(months) == 12 for months in i18n.MONTHS.values())


def test_no_other_module_holds_a_word_table() -> None:
    """A dict keyed by "fr" with words in it lives only in ogpkg/i18n.py (the validation
    messages of the shapes engine are messages, not interface words, and stay with it)."""
    allowed = {"i18n.py", "shacl_compile.py", "validate.py", "csv_templates.py"}
    found = []
    for path in (ROOT / "ogpkg").rglob("*.py"):
        if path.name in allowed:
            continue
        if re.search(r'"fr":\s*[{\[]', path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(ROOT)))
    assert found == []
