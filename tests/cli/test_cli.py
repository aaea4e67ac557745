"""Each command through Click's CliRunner, the JSON shapes, and one-line errors."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli

from ..conftest import REPO

HIT_KEYS = ["id", "score", "title", "date", "author", "tags", "source", "url", "path", "snippet", "snippet_text",
            "highlights", "copies", "cluster"]


@pytest.fixture
def run(index_dir):
    runner = CliRunner()

    def invoke(*args, env=None):
        return runner.invoke(cli, [*args, "--index", str(index_dir)] if args and args[0] != "extract" else list(args),
                             env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def indexed(run, corpus):
    result = run("index", str(corpus))
    assert result.exit_code == 0, result.output
    return result


def test_index_prints_summary(indexed):
    assert re.search(r"added 6, updated 0, unchanged 0, removed 0, skipped 0", indexed.output)


def test_index_json_summary_and_skip_reasons(run, corpus):
    (corpus / "notes.md").write_text("x")
    result = run("index", str(corpus), "--json")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["added"] == 6 and summary["skipped"] == 1
    assert summary["documents"] == 6  # what the index holds after the run, as the text line says
    (corpus / "notes.md").unlink()
    again = json.loads(run("index", str(corpus), "--json").output.strip().splitlines()[-1])
    assert again["added"] == 0 and again["unchanged"] == 6 and again["documents"] == 6
    assert "skipped notes.md: unsupported file type" in result.output  # stderr is mixed in by CliRunner


def test_index_rerun_is_incremental(run, indexed, corpus):
    assert "added 0, updated 0, unchanged 6" in run("index", str(corpus)).output
    assert "added 6" in run("index", str(corpus), "--rebuild").output


def test_index_missing_path_is_one_line_error(run, tmp_path):
    result = run("index", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "no such file" in result.output


def test_query_text_output(run, indexed):
    result = run("query", "security treaty", "--no-color")
    assert result.exit_code == 0
    assert "1. Allies renew security treaty" in result.output
    assert "**security** **treaty**" in result.output
    assert "\x1b[" not in result.output


def test_query_color_bolds_matches(run, indexed):
    result = run("query", "treaty", "--color")
    assert "\x1b[1mtreaty\x1b[0m" in result.output


def test_query_json_shape(run, indexed):
    result = run("query", "cocoa", "--json")
    data = json.loads(result.output)
    assert list(data) == ["query", "total", "took_ms", "hits", "total_uncollapsed", "suggestion", "facets"]
    assert data["query"] == "cocoa" and data["total"] == 1 and isinstance(data["took_ms"], float)
    hit = data["hits"][0]
    assert list(hit) == HIT_KEYS
    assert hit["id"] == "cocoa-1" and hit["author"] == "Ann Smith" and hit["date"] == "2019-06-28T10:00:00"


def test_query_json_absent_metadata_is_null(run, indexed):
    hit = json.loads(run("query", "tariffs", "--json").output)["hits"][0]
    assert hit["author"] is None and hit["date"] is None and hit["url"] is None
    assert hit["source"] == "Reuters"  # from the dateline "WASHINGTON (Reuters) -", the only source known


def test_query_options(run, indexed):
    data = json.loads(run("query", "NOT zzz", "--json", "--limit", "2", "--offset", "1", "--sort", "date").output)
    assert [h["id"] for h in data["hits"]] == ["w1", "cocoa-1"] and data["total"] == 6
    data = json.loads(run("query", "NOT zzz", "--json", "--since", "2019-06", "--until", "2019-06-30").output)
    assert [h["id"] for h in data["hits"]] == ["cocoa-1"]


def test_query_bad_date_is_one_line_error(run, indexed):
    result = run("query", "cocoa", "--since", "2019-13-45")
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_query_usage_error_exits_2(run, indexed):
    assert run("query", "cocoa", "--sort", "sideways").exit_code == 2
    assert run("query", "cocoa", "--limit", "-3").exit_code == 2


def test_query_missing_index_is_one_line_error(run):
    result = run("query", "cocoa")
    assert result.exit_code == 1 and "no index" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_query_env_index(indexed, index_dir):
    result = CliRunner().invoke(cli, ["query", "cocoa", "--json"], env={"SEARCHKIT_INDEX": str(index_dir)})
    assert json.loads(result.output)["total"] == 1


def test_extract_prints_documents_in_field_order(run, corpus):
    result = run("extract", str(corpus / "business" / "cocoa.json"))
    doc = json.loads(result.output)
    assert list(doc) == ["id", "path", "title", "body", "date", "author", "tags", "source", "url", "dateline"]
    assert doc["id"] == "cocoa-1" and doc["tags"] == ["Commodities", "Cocoa"]


def test_show_and_stats(run, indexed):
    shown = run("show", "cocoa-1")
    assert shown.exit_code == 0 and "Cocoa prices surge" in shown.output and "Ivory Coast" in shown.output
    assert json.loads(run("show", "cocoa-1", "--json").output)["author"] == "Ann Smith"
    missing = run("show", "nope")
    assert missing.exit_code == 1 and "no document" in missing.output
    stats = json.loads(run("stats", "--json").output)
    assert list(stats) == ["documents", "fields", "size_bytes", "date_range", "last_indexed", "clusters",
                           "documents_in_clusters"]
    assert stats["documents"] == 6 and stats["date_range"] == ["2018-12-31", "2019-07-02"]
    assert "documents:    6" in run("stats").output


def test_remove(run, indexed):
    assert run("remove", "w1").exit_code == 0
    assert run("show", "w1").exit_code == 1
    assert run("remove", "w1").exit_code == 1


def test_remove_counts_a_repeated_id_once(run, indexed):
    result = run("remove", "w1", "w1", "nope")
    assert result.exit_code == 1
    assert result.stdout == "removed 1\n"
    assert result.stderr == "searchkit: no document with id 'nope'\n"
    assert run("remove", "w3", "cocoa-1", "w3").stdout == "removed 2\n"
    assert run("remove", "--dry-run", "w1", "w1").stdout == ""  # already gone


def test_remove_dry_run_lists_a_repeated_id_once(run, indexed):
    assert run("remove", "--dry-run", "w1", "w1", "nope").stdout == "w1\n"
    assert run("show", "w1").exit_code == 0


def test_seeds_end_to_end(run, seeds_copy):
    result = run("index", str(seeds_copy))
    assert "skipped 0" in result.output
    data = json.loads(run("query", "security treaty", "--json").output)
    # the stories that write "security treaty" come before the one that has
    # both words apart (the U.S.-Philippines story), and the Arctic story
    # (only "treaty") comes last
    phrase = [("**security** **treaty**" in h["snippet"]) for h in data["hits"]]
    assert phrase[:2] == [True, True] and not any(phrase[2:]), data["hits"]
    titles = [h["title"] for h in data["hits"]]
    assert "Japan PM Abe highlights “robust” alliance in talks with Trump" in titles[:2]
    assert titles[-1].startswith("Arctic Council")


def test_every_command_is_documented_in_readme():
    readme = (REPO / "README.md").read_text()
    for name, command in cli.commands.items():
        assert f"searchkit {name}" in readme, f"README does not document `searchkit {name}`"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in readme, f"README does not mention {opt} of `searchkit {name}`"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    assert "searchkit index seeds/" in blocks[0] and 'searchkit query "security treaty"' in blocks[0]
    assert "pytest" in blocks[1]
    assert blocks[1].strip() in (REPO / ".ci" / "run").read_text()


def test_help_lists_every_command():
    output = CliRunner().invoke(cli, ["--help"]).output
    for name in cli.commands:
        assert name in output


def test_index_help_names_a_suffix_of_every_kind_of_file_read():
    from searchkit.readers import SUFFIXES

    output = CliRunner().invoke(cli, ["index", "--help"], terminal_width=200).output
    summary = output.split("\n\n")[1]
    listed = set(re.findall(r"\.[a-z]+", summary))
    assert {SUFFIXES[suffix] for suffix in listed if suffix in SUFFIXES} == set(SUFFIXES.values())
    assert ".sgm" in listed and ".gz" in listed


def test_a_long_query_is_cut_in_the_text_header_only(run, indexed):
    text = "cocoa " + "x" * 99_994
    shown = run("query", text)
    assert shown.exit_code == 0
    header = shown.output.splitlines()[0]
    assert header == f"1 result for {text[:80]!r}…, showing 1-1" + header.split(", showing 1-1")[1]
    assert len(header) < 130
    assert len(run("query", "zzz" + text).output.splitlines()[0]) < 130  # no results
    assert len(run("query", text, "--offset", "5").output.splitlines()[0]) < 130  # none on this page
    assert json.loads(run("query", text, "--json").output)["query"] == text


def test_a_query_of_80_characters_is_echoed_whole():
    from searchkit.cli_output import echoed_query

    assert echoed_query("a" * 80) == repr("a" * 80)
    assert echoed_query("a" * 81) == repr("a" * 80) + "…"
    assert echoed_query("it's") == repr("it's")
