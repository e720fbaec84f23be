"""Settings: read once, validated with messages naming key and value; documented in README."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpkg.config import (
    FROM_CHECKOUT,
    PROJECT_ROOT,
    default_data_dir,
    load_settings,
    setting_docs,
)
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
        row = f"| {name} | `{env}` | {default} | {help_text} |"
        assert row in readme, f"README configuration table lacks or misstates: {row}"


def test_readme_two_commands_exist_in_makefile(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    makefile = (repo_root / "Makefile").read_text(encoding="utf-8")
    for target in ("serve", "test"):
        assert f"make {target}" in readme
        assert f"\n{target}: " in makefile


def test_running_from_the_checkout_uses_its_content_and_var() -> None:
    assert FROM_CHECKOUT
    s = load_settings(environ={"XDG_DATA_HOME": "/elsewhere"})
    assert s.content_dir == PROJECT_ROOT and s.data_dir == PROJECT_ROOT / "var"


def test_installed_store_is_per_user_whatever_the_folder() -> None:
    installed = {"from_checkout": False}
    assert default_data_dir({"XDG_DATA_HOME": "/data/share", "HOME": "/home/u"},
                            **installed) == Path("/data/share/ogpkg")
    # the XDG spec: an unset, empty or relative XDG_DATA_HOME falls back to ~/.local/share
    for env in ({"HOME": "/home/u"}, {"XDG_DATA_HOME": "", "HOME": "/home/u"},
                {"XDG_DATA_HOME": "rel/share", "HOME": "/home/u"}):
        assert default_data_dir(env, **installed) == Path("/home/u/.local/share/ogpkg")


def test_data_dir_from_environment_wins_over_the_default(tmp_path: Path) -> None:
    s = load_settings(environ={"OGPKG_DATA_DIR": str(tmp_path / "store")})
    assert s.data_dir == tmp_path / "store"


def test_content_dir_lacking_parts_is_refused_naming_each_and_where(tmp_path: Path) -> None:
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "o.ttl").write_text("<http://a> <http://b> <http://c> .\n")
    (tmp_path / "shapes").mkdir()  # empty: zero shapes
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"OGPKG_CONTENT_DIR": str(tmp_path)})
    message = str(caught.value)
    assert f"Setting 'content_dir' has value {tmp_path}" in message
    assert f"the SHACL shapes (no *.ttl file under {tmp_path / 'shapes'})" in message
    assert f"the bundled data ({tmp_path / 'data'} is not a folder)" in message
    assert f"the quality checks ({tmp_path / 'queries' / 'qc'} is not a folder)" in message
    assert "the ontology" not in message.split("lacks", 1)[1].split("To fix")[0]
    assert f"unset it to use {PROJECT_ROOT} (the checkout)" in message


def test_a_missing_content_dir_exits_2_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ogpkg.cli import app

    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://a> <http://b> <http://c> .\n")
    result = CliRunner().invoke(app, ["validate", str(bad), "--content-dir",
                                      str(tmp_path / "nowhere"), "--data-dir",
                                      str(tmp_path / "var")])
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())  # the console wraps long lines
    assert f"the SHACL shapes ({tmp_path / 'nowhere' / 'shapes'} is not a folder)" in said
    assert not (tmp_path / "var").exists()  # refused before anything was built
