"""Settings: read once, validated with messages naming key and value; documented in README."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpkg.config import load_settings, setting_docs
from ogpkg.errors import ConfigError


def test_environment_then_overrides() -> None:
    s = load_settings({"port": 9001}, environ={"OGPKG_PORT": "9000", "OGPKG_LANG": "fr"})
    assert s.port == 9001 and s.lang == "fr"


def test_bad_value_names_key_and_value() -> None:
    with pytest.raises(ConfigError, match=r"'OGPKG_PORT' has value 'eighty'"):
        load_settings(environ={"OGPKG_PORT": "eighty"})


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ConfigError, match="lang"):
        load_settings(environ={"OGPKG_LANG": "de"})


def test_base_iri_must_end_with_separator() -> None:
    with pytest.raises(ConfigError, match="base_iri"):
        load_settings({"base_iri": "https://example.org/kg"}, environ={})


def test_trusted_proxies_must_be_ip_addresses() -> None:
    s = load_settings(environ={"OGPKG_TRUSTED_PROXIES": "10.0.0.1, ::1"})
    assert s.proxies == frozenset({"10.0.0.1", "::1"})
    with pytest.raises(ConfigError, match=r"'trusted_proxies' has value 'proxy.example'"):
        load_settings(environ={"OGPKG_TRUSTED_PROXIES": "10.0.0.1 proxy.example"})


def test_read_timeouts_must_be_positive() -> None:
    with pytest.raises(ConfigError, match=r"'OGPKG_READ_HEADER_TIMEOUT_S' has value '0'"):
        load_settings(environ={"OGPKG_READ_HEADER_TIMEOUT_S": "0"})


def test_settings_are_frozen() -> None:
    s = load_settings(environ={})
    with pytest.raises(AttributeError):
        s.port = 1  # type: ignore[misc]


def test_readme_configuration_table_matches_settings(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    for name, env, default, help_text in setting_docs():
        shown = "(empty)" if default == "" else f"`{default}`"
        row = f"| {name} | `{env}` | {shown} | {help_text} |"
        assert row in readme, f"README configuration table lacks or misstates: {row}"


def test_readme_two_commands_exist_in_makefile(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    makefile = (repo_root / "Makefile").read_text(encoding="utf-8")
    for target in ("serve", "test"):
        assert f"make {target}" in readme
        assert f"\n{target}: " in makefile
