"""Docs that cannot drift: every command, option, environment variable and ranking
option is documented, and the generated reference pages are what the code generates."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import click
import pytest

from searchkit.cli import cli

from ..conftest import REPO

DOCS = REPO / "docs"
GENERATED = ("cli.md", "settings.md", "ranking.md")
#: What cog writes between a block's ``]]] -->`` and ``<!-- [[[end]]]``.
_COG_OUTPUT = re.compile(r"\]\]\]\s*-->.*?<!--\s*\[\[\[end\]\]\]", re.S)


def strip_generated(text: str) -> str:
    """``text`` without what cog generated in it (the blocks' code stays)."""
    return _COG_OUTPUT.sub("", text)


def prose(path: Path) -> str:
    """The hand-written text of a page."""
    return strip_generated(path.read_text("utf-8"))


def hand_written() -> str:
    return "\n".join(prose(path) for path in [REPO / "README.md", *sorted(DOCS.glob("*.md"))])


def mentions(text: str, word: str) -> bool:
    """``word`` (an option such as ``--limit``, a name) occurs as a whole word."""
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def command_options() -> list[tuple[str, str]]:
    """(command, option string) for every option of every command, ``-n`` and ``--no-color`` too."""
    found = []
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option):
                found.extend((name, opt) for opt in (*param.opts, *param.secondary_opts))
    return found


def test_there_are_commands_and_options_to_check():
    names = set(cli.commands)
    assert {"index", "query", "serve", "remove"} <= names
    assert ("query", "--facet-size") in command_options()
    assert ("query", "--no-collapse") in command_options()


def test_generated_pages_are_what_the_code_generates_now():
    cogapp = pytest.importorskip("cogapp")
    files = [str(DOCS / name) for name in GENERATED]
    status = cogapp.Cog().main(["cog", "--check", *files])
    assert status == 0, "a generated page is out of date: run cog -r " + " ".join(f"docs/{n}" for n in GENERATED)


def test_cli_reference_has_every_command_and_option():
    reference = (DOCS / "cli.md").read_text("utf-8")
    for name in cli.commands:
        assert f"## `searchkit {name}`" in reference, name
    for name, option in command_options():
        section = reference.split(f"## `searchkit {name}`", 1)[1].split("\n## ", 1)[0]
        assert mentions(section, option), (name, option)


def test_every_command_is_described_in_the_readme():
    readme = prose(REPO / "README.md")
    for name in cli.commands:
        assert f"searchkit {name}" in readme, f"README.md does not describe `searchkit {name}`"


def test_every_option_is_described_in_hand_written_docs():
    text = hand_written()
    missing = [f"searchkit {name} {option}" for name, option in command_options() if not mentions(text, option)]
    assert not missing, f"options not described in README.md or docs/*.md (outside generated tables): {missing}"


def test_every_environment_variable_read_by_the_package_is_described():
    package = REPO / "searchkit"
    read = {name for path in package.rglob("*.py") for name in re.findall(r"SEARCHKIT_[A-Z_]+", path.read_text("utf-8"))}
    assert {"SEARCHKIT_INDEX", "SEARCHKIT_LOCK_TIMEOUT"} <= read
    text = hand_written()
    assert not sorted(name for name in read if not mentions(text, name))


def test_every_registered_setting_is_in_the_settings_page():
    settings = pytest.importorskip("searchkit.settings")
    page = (DOCS / "settings.md").read_text("utf-8")
    assert settings.SETTINGS
    for name, setting in settings.SETTINGS.items():
        assert name.startswith("SEARCHKIT_"), name
        assert f"| `{name}` |" in page, f"{name} is not in docs/settings.md: run cog -r docs/settings.md"
        help_cell = " ".join(setting.help.split()).replace("|", "\\|")  # as the table writes it
        assert setting.help and help_cell[:40] in " ".join(page.split()), name


def test_every_ranking_option_is_in_the_ranking_page():
    from searchkit.ranking import RankingConfig

    page = (DOCS / "ranking.md").read_text("utf-8")
    fields = dataclasses.fields(RankingConfig)
    assert fields
    for field in fields:
        assert f"| `{field.name}` |" in page, f"{field.name} is not in docs/ranking.md: run cog -r docs/ranking.md"


def test_prose_leaves_out_generated_output_only():
    text = "before\n<!-- [[[cog\ncog.outl('x')\n]]] -->\nGENERATED\n<!-- [[[end]]] -->\nafter\n"
    kept = strip_generated(text)
    assert "GENERATED" not in kept
    assert "before" in kept and "after" in kept and "cog.outl" in kept
    assert "SEARCHKIT_INDEX" in prose(DOCS / "settings.md")
