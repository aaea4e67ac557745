"""Messages of a page that holds no hits, and of --workers on an index that cannot take it."""

from __future__ import annotations

from click.testing import CliRunner

from searchkit.cli import cli

from ..conftest import REPO


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_page_past_the_matches_says_there_are_matches(tmp_path):
    index = str(tmp_path / "ix")
    assert _run("index", str(REPO / "seeds"), "--index", index).exit_code == 0
    matched = _run("query", "treaty", "--index", index, "--json")
    assert '"total": 0' not in matched.output
    none_asked = _run("query", "treaty", "--index", index, "--limit", "0")
    assert none_asked.exit_code == 0
    assert "No results" not in none_asked.output
    assert "none shown (--limit 0)" in none_asked.output
    past_the_end = _run("query", "treaty", "--index", index, "--offset", "500")
    assert "none shown (--offset 500)" in past_the_end.output
    nothing = _run("query", "zzzqqqx", "--index", index)
    assert "No results for 'zzzqqqx' (0 matches)" in nothing.output


def test_workers_without_shards_says_what_to_do(tmp_path):
    plain = str(tmp_path / "plain")
    assert _run("index", str(REPO / "seeds"), "--index", plain).exit_code == 0
    on_plain = _run("index", str(REPO / "seeds"), "--index", plain, "--workers", "2")
    assert on_plain.exit_code == 1
    assert "is not sharded" in on_plain.output and "new --index folder" in on_plain.output
    fresh = _run("index", str(REPO / "seeds"), "--index", str(tmp_path / "new"), "--workers", "2")
    assert fresh.exit_code == 1
    assert "add --shards N" in fresh.output and "not sharded" not in fresh.output
    assert not (tmp_path / "new" / "shards.json").exists()


def test_counts_agree_with_their_nouns(tmp_path):
    from searchkit.cli_output import plural

    assert [plural(n, "result") for n in (0, 1, 2)] == ["0 results", "1 result", "2 results"]
    assert plural(1, "match", "matches") == "1 match" and plural(3, "match", "matches") == "3 matches"
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.txt").write_text("Treaty signed\n\nThe two countries signed a security treaty today.\n")
    index = str(tmp_path / "ix")
    built = _run("index", str(folder), "--index", index)
    assert built.exit_code == 0
    assert "(1 file, 1 document in " in built.output, built.output
    one = _run("query", "treaty", "--index", index)
    assert one.output.startswith("1 result for 'treaty'"), one.output
    listed = _run("query", "treaty", "--index", index, "--offset", "5")
    assert listed.output.startswith("1 match for 'treaty'; none shown"), listed.output
