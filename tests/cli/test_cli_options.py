"""The shared options: the same name, destination, default and environment variable in every command."""

from __future__ import annotations

import click
import pytest

from searchkit.cli import cli
from searchkit.cli_options import parse_filters


def options_named(flag: str) -> dict[str, click.Option]:
    found = {}
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and flag in param.opts:
                found[name] = param
    return found


@pytest.mark.parametrize("flag, commands", [
    ("--index", {"index", "query", "show", "remove", "copies", "similar", "stats", "serve"}),
    ("--json", {"index", "query", "show", "copies", "similar", "stats"}),
    ("--limit", {"query", "similar"}),
    ("--color", {"query", "similar"}),
])
def test_a_shared_option_is_the_same_everywhere(flag, commands):
    options = options_named(flag)
    assert set(options) == commands
    shapes = {(opt.name, tuple(opt.opts), tuple(opt.secondary_opts), opt.default, opt.envvar, opt.is_flag,
               type(opt.type)) for opt in options.values()}
    assert len(shapes) == 1, shapes


def test_index_option_reads_the_environment(monkeypatch, tmp_path):
    from click.testing import CliRunner

    monkeypatch.setenv("SEARCHKIT_INDEX", str(tmp_path / "elsewhere"))
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 1 and "elsewhere" in result.output


def test_filters_grouped_by_name_spaces_dropped():
    assert parse_filters((" folder = sport", "tags=G7 Summit", "tags=Trade"), ("folder", "tags")) == {
        "folder": ["sport"], "tags": ["G7 Summit", "Trade"]}
    assert parse_filters((), ("folder",)) == {}


@pytest.mark.parametrize("item", ["colour=red", "folder=", "folder", "=sport", "folder =  "])
def test_a_bad_filter_names_the_form_and_the_choices(item):
    with pytest.raises(ValueError, match=r"--filter needs NAME=VALUE with NAME one of folder, tags, not"):
        parse_filters((item,), ("folder", "tags"))


def test_hit_lines_escape_control_characters_in_ids(tmp_path):
    """An id holding a newline is shown escaped on one line, in query output as in similar's."""
    from click.testing import CliRunner

    data = tmp_path / "docs.jsonl"
    data.write_text('{"id": "a\\nb", "title": "Cocoa", "body": "Cocoa prices rose.", "url": "x"}\n', "utf-8")
    index = str(tmp_path / "index")
    runner = CliRunner()
    assert runner.invoke(cli, ["index", str(data), "--index", index]).exit_code == 0
    result = runner.invoke(cli, ["query", "cocoa", "--index", index, "--no-color"])
    assert result.exit_code == 0, result.output
    assert "[a\\nb]" in result.output and "a\nb" not in result.output
