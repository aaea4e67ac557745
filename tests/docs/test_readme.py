"""The README's examples work: its Python block runs on a small corpus, its JSON
block has the shape ``query --json`` prints, and every command it shows exists."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import shlex
import shutil

import click
import pytest
from click.testing import CliRunner

from searchkit.cli import cli

from ..conftest import REPO, SEEDS, write

README = (REPO / "README.md").read_text("utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.S | re.M)


def test_the_readme_has_the_blocks_these_tests_read():
    assert len(blocks("python")) >= 1 and len(blocks("sh")) >= 2 and len(blocks("json")) >= 1


@pytest.fixture
def readme_folder(tmp_path, monkeypatch):
    """The folders the README's examples name: seeds/, and a wires/ folder of one article."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    write(tmp_path / "wires" / "strike.txt", "Dockers strike at the port\n\nDockers walked out on Monday.\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHKIT_INDEX", raising=False)
    return tmp_path


def test_python_blocks_run(readme_folder):
    for code in blocks("python"):
        namespace: dict = {}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), namespace)
        if "ix" in namespace:
            ix = namespace["ix"]
            try:
                assert (readme_folder / "index").is_dir()
                assert len(ix) > 0
                if "hits" in namespace:  # each hit printed its title
                    assert namespace["hits"] and all(hit.title in out.getvalue() for hit in namespace["hits"])
            finally:
                ix.close()
                for value in namespace.values():
                    if value is not ix and hasattr(value, "close") and type(value).__name__ == "Index":
                        value.close()


def test_json_block_has_the_shape_query_json_prints(tmp_path):
    (example,) = [json.loads(block) for block in blocks("json")]
    index = str(tmp_path / "index")
    runner = CliRunner()
    assert runner.invoke(cli, ["index", str(SEEDS), "--index", index]).exit_code == 0
    result = runner.invoke(cli, ["query", "security treaty", "--index", index, "--json", "--facet", "tags"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(example) == set(printed)
    assert printed["hits"] and set(example["hits"][0]) == set(printed["hits"][0])
    assert set(example["facets"]["tags"][0]) == set(printed["facets"]["tags"][0])


def shell_commands() -> list[list[str]]:
    """Every command of the README's sh blocks and indented examples, as argument lists."""
    found = []
    indented = re.findall(r"^    (searchkit .*)$", README, re.M)
    for text in [*blocks("sh"), *indented]:
        for line in text.splitlines():
            for part in re.split(r"&&|\|\||;|\|", line):
                if part.strip():
                    found.append(shlex.split(part))
    return found


def check_searchkit_args(args: list[str]) -> None:
    """``searchkit CMD [--opt ...]``: CMD is a command and each ``--opt`` one of its options."""
    assert args[0] == "searchkit" and len(args) > 1, args
    command = cli.commands.get(args[1])
    assert command is not None, f"README shows `searchkit {args[1]}`, which is no command"
    options = {opt for param in command.params if isinstance(param, click.Option)
               for opt in (*param.opts, *param.secondary_opts)} | {"--help", "-h"}
    for arg in args[2:]:
        name = arg.strip("[]").split("=", 1)[0]
        if name.startswith("--"):
            assert name in options, f"README shows `searchkit {args[1]} {name}`, which is no option of it"


def test_shell_commands_exist():
    commands = shell_commands()
    assert any(args[0] == "searchkit" for args in commands)
    for args in commands:
        program = args[0]
        if program == "searchkit":
            check_searchkit_args(args)
        elif program == ".":
            assert args == [".", ".venv/bin/activate"], args  # the venv the line before made
        elif args[:2] == ["python", "-m"] or args[:2] == ["python3", "-m"]:
            assert importlib.util.find_spec(args[2]) is not None, args
        else:
            assert shutil.which(program), f"README runs {program}, which is not on PATH"


def test_inline_searchkit_examples_name_real_commands_and_options():
    """`searchkit query -trump china`, `searchkit index 2019/`...: each inline example is a real command
    and every --option it shows is one of that command's."""
    spans = re.findall(r"`(searchkit [a-z][^`]*)`", README)
    assert len(spans) > 10
    for span in spans:
        check_searchkit_args(span.split())
