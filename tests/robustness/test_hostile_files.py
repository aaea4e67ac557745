"""Issue 6: indexing a folder of hostile files skips each bad one with a one-line
reason, indexes everything good around it, and ends with exit 0 and an honest summary."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import searchkit
from searchkit.readers import MAX_BODY_CHARS

from ..conftest import write

CLI = [sys.executable, "-m", "searchkit"]
NEEDS_SETPRIV = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv to drop file capabilities"
)
# As root, file permissions are not checked; without these capabilities they are.
DROP_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def run(args, *, prefix=(), timeout=120, **kwargs):
    env = dict(os.environ, PYTHONIOENCODING="utf-8", SEARCHKIT_DEBUG="")
    return subprocess.run([*prefix, *CLI, *args], capture_output=True, text=True, timeout=timeout, env=env,
                          errors="replace", **kwargs)


def assert_clean_stderr(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    for line in stderr.splitlines():
        assert line.startswith(("skipped ", "warning: ", "searchkit: ")), line


def hostile_folder(root: Path, *, huge: bool = False) -> dict[str, str]:
    """Write the hostile files; return {marker word: what it is} for the good ones."""
    write(root / "good.txt", "Good article about treaties\n\nTOKYO — The allies renewed a goodword treaty.\n")
    write(root / "random.txt", os.urandom(20_000) + b"\x00")
    write(root / "random.jsonl", os.urandom(5_000) + b"\x00")
    write(root / "empty.txt", b"")
    write(root / "empty.json", b"")
    write(root / "blank.html", b"   \n")
    write(root / "bom.txt", b"\xef\xbb\xbfBOM headline\n\nBody with bomword.\n")
    write(root / "bom.jsonl", b"\xef\xbb\xbf" + json.dumps({"id": "bom1", "title": "t", "body": "bomlineword"}).encode()
          + b"\n")
    write(root / "cp1252.txt", "Caf\xe9 news\n\n\u201cQuoted\u201d r\xe9sum\xe9 cp1252word na\xefve\n".encode("cp1252"))
    write(root / "deep.html", "<html><body>" + "<div>" * 100_000 + "<p>deepword text</p>" + "</div>" * 100_000
          + "</body></html>")
    write(root / "broken.html", "<html><head><title>Broken page</title><body><p>brokenword unclosed <div><p>more <b>text")
    write(root / "gz.html", gzip.compress(b"<html><head><title>Gz page</title></head>"
                                          b"<body><p>gzword article body here.</p></body></html>"))
    write(root / "notgzip.html.gz", b"<html><body><p>plain</p></body></html>")
    write(root / "corrupt.txt.gz", b"\x1f\x8b\x08\x00garbage")
    write(root / "bad.json", '{"title": "x", ')
    write(root / "deep.json", "[" * 100_000 + "]" * 100_000)
    write(root / "scalar.json", "42")
    write(root / "list.json", json.dumps([{"id": "list1", "title": "Listed", "body": "listword"}, 7, None]))
    write(root / "lines.jsonl", json.dumps({"id": "l1", "title": "Line one", "body": "lineoneword"}) + "\n{bad line\n"
          + "[1, 2]\n\n" + json.dumps({"id": "l3", "title": "Line three", "body": "linethreeword"}) + "\n")
    write(root / "surrogates.jsonl", '{"id": "s\\udcff1", "title": "Lone \\ud800 surrogate", '
          '"body": "surrogateword \\udfff and a nul \\u0000 here"}\n')
    write(root / "longfields.json", json.dumps({"id": "x" * 100_000, "title": "T" * 100_000, "body": "longfieldword",
                                                "tags": [f"tag{i}" for i in range(10_000)]}))
    write(root / "with space.txt", "Spaced name\n\nspaceword body\n")
    write(root / "emoji 📰.txt", "Emoji name\n\nemojiword body\n")
    write(root / "new\nline.txt", "Newline name\n\nnewlineword body\n")
    write(root / "unsupported.pdf", b"%PDF-1.4")
    write(root / ".hidden.txt", "Hidden\n\nhiddenword\n")
    os.symlink(".", root / "self")          # a link to its own folder
    os.symlink("..", root / "parent")       # a link to the folder holding this one
    (root / "sub").mkdir()
    write(root / "sub" / "inner.txt", "Inner\n\ninnerword\n")
    os.symlink("..", root / "sub" / "up")   # a link to its own parent folder
    os.symlink("nonexistent.txt", root / "dangling.txt")
    os.mkfifo(root / "fifo.txt")
    undecodable = os.fsencode(root) + b"/bad\xffname.txt"
    with open(undecodable, "wb") as handle:
        handle.write(b"Undecodable\n\nbadnameword\n")
    if huge:
        write(root / "huge.txt", b"Huge headline\n\n" + (b"lorem ipsum dolor sit amet hugeword " * 30 + b"\n\n") * 19_000)
    return {
        "goodword": "good.txt", "bomword": "bom.txt", "bomlineword": "bom1", "cp1252word": "cp1252.txt",
        "brokenword": "broken.html", "gzword": "gz.html", "listword": "list1", "lineoneword": "l1",
        "linethreeword": "l3", "surrogateword": "surrogates", "longfieldword": "longfields", "spaceword": "with space.txt",
        "emojiword": "emoji 📰.txt", "newlineword": "new\nline.txt", "innerword": "sub/inner.txt",
    }


EXPECTED_SKIPS = {
    "random.txt": "binary data",
    "random.jsonl": "binary data",
    "empty.txt": "empty file",
    "empty.json": "empty file",
    "blank.html": "empty file",
    "notgzip.html.gz": "not gzip",
    "corrupt.txt.gz": "gzip",
    "bad.json": "invalid JSON",
    "deep.json": "invalid JSON",
    "scalar.json": "not an object",
    "list.json#2": "not an object",
    "list.json#3": "not an object",
    "lines.jsonl#2": "invalid JSON",
    "lines.jsonl#3": "not an object",
    "unsupported.pdf": "unsupported file type",
    "self": "symlink loop",
    "parent": "symlink loop",
    "sub/up": "symlink loop",
    "dangling.txt": "dangling link",
    "fifo.txt": "not a regular file",
    "bad\\xffname.txt": "not valid UTF-8",
}


def test_hostile_folder_through_the_cli(tmp_path):
    root = tmp_path / "corpus"
    markers = hostile_folder(root)
    result = run(["index", str(root), "--index", str(tmp_path / "ix")])
    assert result.returncode == 0, result.stderr
    assert_clean_stderr(result.stderr)
    skipped = {}
    for line in result.stderr.splitlines():
        if line.startswith("skipped "):
            where, _, reason = line[len("skipped "):].partition(": ")
            skipped[where] = reason
    for where, reason in EXPECTED_SKIPS.items():
        assert where in skipped, (where, result.stderr)
        assert reason in skipped[where], (where, skipped[where])
    assert "new\\nline.txt" not in skipped  # a newline in a name is escaped, and the file indexed
    # HTML 100,000 elements deep: indexed, or at worst skipped with its reason
    if "deep.html" not in skipped:
        markers["deepword"] = "deep.html"
    summary = result.stdout.strip()
    assert summary.startswith(f"added {len(markers)},"), summary
    assert f"skipped {len(skipped)} " in summary, (summary, skipped)

    with searchkit.Index(tmp_path / "ix", create=False) as ix:
        assert len(ix) == len(markers)
        for word, where in markers.items():
            hits = ix.search(word)
            assert hits, word
            assert where in (hits[0].path or "") or where in hits[0].id, (word, hits[0])
        assert not ix.search("hiddenword")
        doc = ix.get(next(hit.id for hit in ix.search("longfieldword")))
        assert len(doc.id) <= 4000 and len(doc.title) <= 1000 and len(doc.tags) <= 200
        assert "\ufffd" in ix.search("surrogateword")[0].title

    again = run(["index", str(root), "--index", str(tmp_path / "ix")])
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"added 0, updated 0, unchanged {len(markers)}, removed 0,"), again.stdout


def test_deeply_nested_html_does_not_crash_the_run(tmp_path):
    root = tmp_path / "corpus"
    write(root / "deep.html", "<html><body>" + "<div>" * 100_000 + "<p>deepword text</p>" + "</div>" * 100_000
          + "</body></html>")
    write(root / "good.txt", "Good\n\ngoodword\n")
    result = run(["index", str(root), "--index", str(tmp_path / "ix")])
    assert result.returncode == 0, result.stderr
    assert_clean_stderr(result.stderr)
    with searchkit.Index(tmp_path / "ix", create=False) as ix:
        assert ix.search("goodword")


def test_extract_on_the_hostile_folder(tmp_path):
    root = tmp_path / "corpus"
    markers = hostile_folder(root)
    result = run(["extract", str(root)])
    assert result.returncode == 0, result.stderr
    assert_clean_stderr(result.stderr)
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(docs) == len(markers) + ("skipped deep.html:" not in result.stderr)


def test_many_bad_lines_are_summarised(tmp_path):
    lines = [json.dumps({"id": "first", "body": "firstword"})] + ["{oops"] * 500 + [json.dumps({"id": "last",
                                                                                             "body": "lastword"})]
    write(tmp_path / "many.jsonl", "\n".join(lines) + "\n")
    ix = searchkit.Index(tmp_path / "ix")
    summary = ix.add(tmp_path / "many.jsonl")
    assert summary.added == 2
    assert len(summary.skipped_files) == 101
    assert "400 more bad lines" in summary.skipped_files[-1][1]
    ix.close()


@NEEDS_SETPRIV
def test_unreadable_file_and_folder(tmp_path):
    root = tmp_path / "corpus"
    write(root / "good.txt", "Good\n\ngoodword\n")
    write(root / "secret.txt", "Secret\n\nsecretword\n")
    write(root / "locked" / "inside.txt", "Inside\n\ninsideword\n")
    tmp_path.chmod(0o755)
    ix_dir = tmp_path / "ix"
    first = run(["index", str(root), "--index", str(ix_dir)])
    assert first.returncode == 0 and first.stdout.startswith("added 3,"), first.stdout + first.stderr
    (root / "secret.txt").chmod(0)
    (root / "locked").chmod(0)
    write(root / "new.txt", "New\n\nnewword\n")
    second = run(["index", str(root), "--index", str(ix_dir)], prefix=DROP_DAC)
    assert second.returncode == 0, second.stderr
    assert_clean_stderr(second.stderr)
    assert "skipped secret.txt: cannot read: Permission denied" in second.stderr
    assert "skipped locked: cannot read folder: Permission denied" in second.stderr
    # what could not be read this time keeps the documents it had
    assert second.stdout.startswith("added 1, updated 0, unchanged 1, removed 0, skipped 2"), second.stdout
    with searchkit.Index(ix_dir, create=False) as ix:
        assert ix.search("secretword") and ix.search("insideword") and ix.search("newword")


@pytest.mark.slow
def test_huge_text_file_memory_is_bounded(tmp_path):
    """A 20 MB text file is indexed (its first MAX_BODY_CHARS characters) at a bounded memory cost."""
    small, big = tmp_path / "small", tmp_path / "big"
    write(small / "good.txt", "Good\n\ngoodword\n")
    write(big / "good.txt", "Good\n\ngoodword\n")
    block = b"lorem ipsum dolor sit amet hugeword " * 30 + b"\n\n"
    write(big / "huge.txt", b"Huge headline\n\nfirstword " + block * 19_000 + b"lastword\n")
    size = (big / "huge.txt").stat().st_size
    assert size > 20_000_000

    code = (
        "import resource, sys, searchkit.cli\n"
        "try:\n"
        "    searchkit.cli.main(sys.argv[1:])\n"
        "finally:\n"
        "    print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )

    def peak(folder: Path, ix: Path) -> tuple[int, subprocess.CompletedProcess]:
        result = subprocess.run([sys.executable, "-c", code, "index", str(folder), "--index", str(ix)],
                                capture_output=True, text=True, timeout=300)
        kib = int(result.stderr.rsplit("PEAK", 1)[1].split()[0])
        return kib * 1024, result

    base, _ = peak(small, tmp_path / "ix-small")
    used, result = peak(big, tmp_path / "ix-big")
    assert result.returncode == 0, result.stderr
    assert f"only the first {MAX_BODY_CHARS:,} characters are indexed" in result.stderr
    assert used - base < 5 * size, (used, base, size)
    with searchkit.Index(tmp_path / "ix-big", create=False) as ix:
        assert ix.search("firstword") and ix.search("goodword")
        doc = ix.get("huge.txt")
        assert MAX_BODY_CHARS - 1000 <= len(doc.body) <= MAX_BODY_CHARS


def _records(count: int, bad_at: int | None = None) -> str:
    lines = [json.dumps({"id": f"n{i}", "title": f"Record {i}", "body": f"streamword{i} common text"})
             for i in range(count)]
    if bad_at is not None:
        lines[bad_at] = '{"id": "broken", "title": '
    return "\n".join(lines) + "\n"


def test_big_jsonl_is_indexed_through_the_streaming_path(tmp_path, monkeypatch):
    """Many records, written in several batches; a bad line in the middle is skipped, the rest indexed."""
    import searchkit.ingest.run as indexing

    monkeypatch.setattr(indexing, "BATCH_DOCS", 250)  # 3,000 records: a dozen batches
    root = tmp_path / "dump"
    write(root / "wire.jsonl", _records(3000, bad_at=1500))

    def no_whole_reads(self, *args, **kwargs):
        raise AssertionError(f"{self} read whole")

    monkeypatch.setattr(Path, "read_bytes", no_whole_reads)
    ix = searchkit.Index(tmp_path / "ix")
    summary = ix.add(root)
    assert (summary.added, summary.skipped) == (2999, 1)
    assert summary.skipped_files[0][0] == "wire.jsonl#1501" and "invalid JSON" in summary.skipped_files[0][1]
    assert len(ix) == 2999 and ix.get("broken") is None
    for i in (0, 1499, 1501, 2999):
        assert [hit.id for hit in ix.search(f"streamword{i}")] == [f"n{i}"]
    # incremental: unchanged is not re-read; the file changed (the bad line mended): read again,
    # its new record added, the others left as they are
    assert ix.add(root).unchanged == 2999
    write(root / "wire.jsonl", _records(3000))
    again = ix.add(root)
    assert (again.updated, again.added, again.removed, again.skipped, again.unchanged) == (0, 1, 0, 0, 2999)
    assert len(ix) == 3000 and ix.search("streamword1500")[0].id == "n1500"
    ix.close()


def test_gzipped_files_are_indexed_and_a_truncated_one_keeps_its_documents(tmp_path, monkeypatch):
    import searchkit.ingest.run as indexing

    monkeypatch.setattr(indexing, "BATCH_DOCS", 100)
    root = tmp_path / "gz"
    write(root / "wire.jsonl.gz", gzip.compress(_records(500).encode()))
    write(root / "note.txt.gz", gzip.compress(b"Gzipped note\n\ngzipnoteword body\n"))
    ix = searchkit.Index(tmp_path / "ix")
    summary = ix.add(root)
    assert (summary.added, summary.skipped) == (501, 0), summary.skipped_files
    assert ix.search("gzipnoteword") and ix.search("streamword499")
    # cut short: the whole file is checked before any record is written, so it keeps its 500
    packed = gzip.compress(_records(600).encode())
    write(root / "wire.jsonl.gz", packed[: len(packed) // 2])
    again = ix.add(root)
    assert again.skipped == 1 and again.added == 0 and again.removed == 0
    assert "gzip" in again.skipped_files[0][1]
    assert len(ix) == 501 and ix.search("streamword499")
    ix.close()
