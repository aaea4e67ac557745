"""Read tasks of a sharded build (searchkit.shards.reading): files and byte ranges read and parsed where
the work runs, with the ids, clusters and summary of a one-process run."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import searchkit
from searchkit.derived import derive_fields
from searchkit.ingest.pipeline import ReadFailed, read_items
from searchkit.ingest.run import document_fields
from searchkit.readers import Document
from searchkit.shards.build import build_sharded
from searchkit.shards.manifest import read_manifest
from searchkit.shards.reading import ReadPlan, SpooledDocument, _merge, read_task, split_ranges
from searchkit.shards.search import ShardedIndex, joined_reader, open_shard_readers

FIXTURES = Path(__file__).parent.parent / "fixtures"
WIRES = FIXTURES / "shards" / "wires.jsonl"


def wires() -> list[dict]:
    return [json.loads(line) for line in WIRES.read_text("utf-8").splitlines() if line.strip()]


def sgml_dump(records: list[dict]) -> str:
    """A Reuters-21578 style dump of ``records``: some without NEWID (ids ``<file>#<n>``), one
    without text (a skipped record), one with an unreadable date."""
    out = ['<!DOCTYPE lewis SYSTEM "lewis.dtd">\n']
    for n, record in enumerate(records):
        newid = "" if n % 7 == 3 else f' NEWID="{record["id"]}"'
        date = "31-FEB-1987 10:00:00.00" if n == 5 else "26-FEB-1987 15:01:01.79"
        title = "" if n == 9 else f"<TITLE>{record['title']}</TITLE>"
        body = "" if n == 9 else f"<BODY>{record.get('body') or ''}\n Reuter\n&#3;</BODY>"
        out.append(f'<REUTERS TOPICS="YES"{newid}>\n<DATE>{date}</DATE>\n<TOPICS><D>money-fx</D></TOPICS>\n'
                   f'<TEXT>&#2;\n{title}\n{body}</TEXT>\n</REUTERS>\n')
    return "".join(out)


def jsonl_dump(records: list[dict]) -> str:
    """JSON Lines with what a whole read must handle: a BOM, blank lines, records without an id,
    more than a hundred bad lines spread through the file, a line that is not an object."""
    lines = []
    for n, record in enumerate(records):
        if n % 5 == 2:
            record = {k: v for k, v in record.items() if k != "id"}
        lines.append(json.dumps(record))
        if n % 9 == 0:
            lines.append("")
        if n % 3 == 0:
            lines.append("{not json")
        if n == 40:
            lines.append("[1, 2]")
    return "\ufeff" + "\n".join(lines) + "\n" + "{bad tail\n" * 60


def whole(path: Path, rel: str) -> list:
    """The items of one read of the whole file (documents as the fields a read task spools: the
    hash column holds the file's hash and the record digest)."""
    from searchkit.ingest.incremental import hash_value, record_digest

    def spooled(fields: dict) -> dict:
        return {**fields, "hash": hash_value(fields["hash"], record_digest(fields))}

    return [spooled(derive_fields(document_fields(i, "k", "d"), [], None, [])) if isinstance(i, Document) else i
            for i in read_items(path, rel)]


def in_ranges(path: Path, rel: str, size: int, spool: Path) -> tuple[list, int]:
    """The items of ``path`` read as byte ranges of about ``size`` bytes, one read task each, merged."""
    from searchkit.shards.reading import _kind

    ranges = split_ranges(path, size)
    assert ranges is not None and ranges[0][0] == 0 and ranges[-1][1] == path.stat().st_size
    assert ranges[0][1] >= 8192 + 3  # the first range holds the bytes a whole read judges the file by
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))  # contiguous, no byte lost
    parts = []
    for n, piece in enumerate(ranges):
        task = {"spool": str(spool / f"r{n}.docs"), "threshold": None, "parts": [
            {"path": str(path), "rel": rel, "file_key": "k", "digest": "d", "range": piece, "kind": _kind(path)}]}
        parts.extend(read_task(task)["parts"])
    items = _merge(parts, rel, _kind(path) == "jsonl")
    out = []
    for item in items:
        if isinstance(item, SpooledDocument):
            with open(spool / item.ref[0], "rb") as handle:
                handle.seek(item.ref[1])
                out.append(pickle.load(handle))
        else:
            out.append(item)
    return out, len(ranges)


@pytest.mark.parametrize("kind", ["jsonl", "sgml"])
def test_byte_ranges_give_the_documents_and_ids_of_a_whole_read(tmp_path, kind):
    path = tmp_path / f"dump.{'jsonl' if kind == 'jsonl' else 'sgm'}"
    path.write_text((jsonl_dump if kind == "jsonl" else sgml_dump)(wires()), "utf-8")
    expected = whole(path, "dump")
    ids = [i["id"] for i in expected if isinstance(i, dict)]
    assert len(ids) > 100 and any(i.startswith("dump#") for i in ids)  # records without an id: ids by number
    counts = set()
    for size in (300, 1000, 4096, 20_000, path.stat().st_size // 2):
        spool = tmp_path / f"spool-{size}"
        spool.mkdir()
        got, count = in_ranges(path, "dump", size, spool)
        assert got == expected, size
        counts.add(count)
    assert max(counts) > 20 and min(counts) == 2
    assert split_ranges(path, path.stat().st_size) is None  # small enough: read whole


def test_binary_junk_at_the_start_is_judged_as_by_a_whole_read(tmp_path):
    path = tmp_path / "junk.jsonl"
    lines = [json.dumps(r) for r in wires()]
    path.write_text("\n".join(lines[:3]) + "\n" + "\x00\x01\x02" * 400 + "\n" + "\n".join(lines[3:]) + "\n")
    expected = whole(path, "junk")
    assert expected == [ReadFailed("binary data, not text")]
    got, _ = in_ranges(path, "junk", 300, tmp_path)
    assert got == expected


def test_range_of_a_file_that_is_all_blank_lines_is_an_empty_file(tmp_path):
    path = tmp_path / "blank.jsonl"
    path.write_text("\n" * 50000)
    got, _ = in_ranges(path, "blank", 1000, tmp_path)
    assert got == whole(path, "blank") == [ReadFailed("empty file")]


def test_compressed_and_other_files_are_not_cut(tmp_path):
    import gzip

    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(jsonl_dump(wires()).encode()))
    (tmp_path / "b.json").write_text(json.dumps(wires()))
    assert split_ranges(tmp_path / "a.jsonl.gz", 100) is None
    assert split_ranges(tmp_path / "b.json", 100) is None


# --- whole runs: read tasks give the one-process run's index ---------------------------

def mixed_corpus(tmp_path: Path) -> Path:
    """Files that exercise the run's order: copies (clusters), an id given twice (a conflict), a
    record whose id is another file's base id, bad lines and dates, big dumps cut into ranges."""
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "newsroom", root / "newsroom")
    records = wires()
    (root / "dumps").mkdir()
    (root / "dumps" / "wires.jsonl").write_text(jsonl_dump(records), "utf-8")
    (root / "dumps" / "wires.sgm").write_text(sgml_dump(records[:80]), "utf-8")
    copies = [{**r, "id": f"copy-{r['id']}", "body": (r.get("body") or "") + " Reuter"} for r in records[:30]]
    copies.append({"id": records[0]["id"], "title": "a second record with a taken id", "body": "x"})
    copies.append({"id": "later.txt", "title": "this record takes the base id of later.txt", "body": "oil"})
    (root / "dumps" / "copies.jsonl").write_text("\n".join(json.dumps(c) for c in copies) + "\n", "utf-8")
    (root / "later.txt").write_text("Oil prices\n\nOil prices rose on the money market.\n")
    (root / "dumps" / "empty.jsonl").write_text("\n\n")
    (root / "notes.xyz").write_text("unsupported")
    return root


def contents(path: Path) -> dict[str, tuple]:
    """{id: (cluster, file, title, facets)} of every document of an index."""
    from searchkit.shards.manifest import is_sharded

    if is_sharded(path):
        readers = open_shard_readers(path, read_manifest(path))
        reader = joined_reader(readers)
    else:
        reader = searchkit.Index(path)._ix.reader()
    return {f["id"]: (f.get("cluster"), f.get("file"), f.get("title"), f.get("facet"))
            for f in reader.all_stored_fields()}


def summary_of(summary) -> dict:
    data = summary.to_dict()
    data.pop("seconds")
    return data


def test_read_tasks_give_the_one_process_index(tmp_path, monkeypatch):
    monkeypatch.setattr("searchkit.ingest.run.PROGRESS_RECORDS", 20)  # progress inside dumps too
    root = mixed_corpus(tmp_path)
    one = searchkit.Index(tmp_path / "one")
    reports: list[list] = [[], []]
    want = summary_of(one.add(root, source="Wire", tags=["desk"], progress=lambda *a: reports[0].append(a)))
    assert want["conflicts"] >= 1 and want["skipped"] > 100 and want["bad_dates"] >= 1
    monkeypatch.setenv("SEARCHKIT_READ_TASK_BYTES", "2048")  # many tasks, dumps cut into ranges
    ShardedIndex.create(tmp_path / "s4", 4)
    timings: dict = {}
    got = summary_of(build_sharded(tmp_path / "s4", [root], source="Wire", tags=["desk"], timings=timings,
                                   progress=lambda *a: reports[1].append(a)))
    assert got == want
    assert reports[0] == reports[1] and any("records" in r[2] for r in reports[0])  # the same progress
    assert len(timings["read_tasks"]) > 10 and sum(t["documents"] for t in timings["read_tasks"]) >= want["added"]
    expected = contents(tmp_path / "one")
    assert contents(tmp_path / "s4") == expected
    assert "later.txt" in expected and any(i.endswith("/later.txt") for i in expected)  # the base id moved
    assert len({c for c, *_ in expected.values()}) < len(expected)  # copies share clusters


def test_read_plan_cuts_files_and_dumps(tmp_path):
    root = mixed_corpus(tmp_path)
    plan = ReadPlan(tmp_path / "spool", [root], {}, {}, task_bytes=4096)
    parts = [part for task in plan.tasks() for part in task["parts"]]
    ranged = [part for part in parts if "range" in part]
    assert {Path(p["path"]).name for p in ranged} == {"wires.jsonl", "wires.sgm", "copies.jsonl"}
    assert all(len(task["parts"]) == 1 for task in plan.tasks() if "range" in task["parts"][0])
    assert not any(p["path"].endswith("notes.xyz") for p in parts)  # unsupported: not read


def test_relative_paths_are_read_from_the_coordinator_s_folder(tmp_path, monkeypatch):
    """A worker runs in a folder of its own: a path given relative to the coordinator's folder is
    opened from there, and documents keep the path as given (as a one-process run keeps it)."""
    mixed_corpus(tmp_path)
    monkeypatch.chdir(tmp_path)
    plan = ReadPlan(tmp_path / "spool", [Path("corpus")], {}, {}, task_bytes=4096)
    (tmp_path / "spool").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    items = [item for task in plan.tasks() for part in read_task(task)["parts"] for item in part["items"]]
    docs = [item for item in items if isinstance(item, SpooledDocument)]
    assert not [item for item in items if isinstance(item, ReadFailed) and "empty" not in item.reason]
    assert len(docs) > 200 and all(d.path.startswith("corpus/") for d in docs)


def test_incremental_runs_with_read_tasks_match_one_process(tmp_path, monkeypatch):
    root = mixed_corpus(tmp_path)
    monkeypatch.setenv("SEARCHKIT_READ_TASK_BYTES", "4096")
    one, s3 = searchkit.Index(tmp_path / "one"), ShardedIndex.create(tmp_path / "s3", 3)
    assert summary_of(one.add(root)) == summary_of(s3.add(root))
    dump = root / "dumps" / "wires.jsonl"
    lines = dump.read_text("utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if n and line.startswith('{"id"'))
    changed = json.loads(lines[at])
    changed["title"] = "Oil prices soar on money market news"
    lines[at] = json.dumps(changed)
    dump.write_text("\n".join(lines[:120]) + "\n", "utf-8")
    shutil.rmtree(root / "newsroom" / "sport")
    (root / "dumps" / "copies.jsonl").unlink()
    (root / "extra.txt").write_text("Oil prices\n\nOil prices rose again on the money market.\n")
    a, b = summary_of(one.add(root)), summary_of(s3.add(root))
    assert a == b and a["updated"] >= 1 and a["removed"] > 30 and a["added"] >= 1
    assert contents(tmp_path / "s3") == contents(tmp_path / "one")
    assert summary_of(one.add(root)) == summary_of(s3.add(root))  # nothing changed: nothing read
    assert not (s3.path / ".spool").exists()


def test_unchanged_files_are_not_hashed_again(tmp_path, monkeypatch):
    """The sharded index keeps the file list an unsharded one keeps (searchkit.ingest.incremental):
    a re-run looks at files by size and times; a changed file is hashed and read; after a
    ``remove`` (a commit the list does not describe) the shards' columns are read instead."""
    import searchkit.readers as readers

    from searchkit.ingest import incremental

    monkeypatch.setattr(incremental, "RACY_SECONDS", -60.0)  # trust the times of files written just now
    root = mixed_corpus(tmp_path)
    one, s2 = searchkit.Index(tmp_path / "one"), ShardedIndex.create(tmp_path / "s2", 2)
    assert summary_of(one.add(root)) == summary_of(s2.add(root))
    hashed = []
    real = readers.file_digest
    monkeypatch.setattr(readers, "file_digest", lambda path: hashed.append(Path(path).name) or real(path))
    a = summary_of(s2.add(root))
    assert a["unchanged"] > 0 and "later.txt" not in hashed
    (root / "later.txt").write_text("Oil prices\n\nOil prices fell on the money market.\n")
    hashed.clear()
    a, b = summary_of(one.add(root)), summary_of(s2.add(root))
    assert a == b and a["updated"] == 1 and "later.txt" in hashed
    assert contents(tmp_path / "s2") == contents(tmp_path / "one")
    doc = next(i for i in contents(tmp_path / "one") if i.startswith("copy-"))
    assert one.remove(doc) and s2.remove(doc)
    assert summary_of(one.add(root)) == summary_of(s2.add(root))  # the document comes back, from the columns
    assert contents(tmp_path / "s2") == contents(tmp_path / "one")


# --- on Dask ----------------------------------------------------------------------------

def sk(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "searchkit", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_in_process_killed_read_task_leaves_the_index_whole(tmp_path):
    root = mixed_corpus(tmp_path)
    ix = tmp_path / "ix"
    assert sk("index", str(root / "newsroom"), "--index", str(ix), "--shards", "2").returncode == 0
    before = contents(ix)
    run = sk("index", str(root), "--index", str(ix),
             env={"SEARCHKIT_TEST_KILL_READ_TASK": f"always:{tmp_path / 'marker'}"})
    assert run.returncode == 9 and (tmp_path / "marker").exists()
    assert contents(ix) == before
    assert sk("index", str(root), "--index", str(ix)).returncode == 0
    assert not list(ix.glob(".spool/read-*"))  # the killed run's spools were swept


distributed = pytest.importorskip("distributed")


def test_read_tasks_on_dask_give_the_one_process_index(tmp_path, monkeypatch, threads_cluster):
    root = mixed_corpus(tmp_path)
    one = searchkit.Index(tmp_path / "one")
    want = summary_of(one.add(root))
    monkeypatch.setenv("SEARCHKIT_READ_TASK_BYTES", "4096")
    ShardedIndex.create(tmp_path / "d4", 4)
    timings: dict = {}
    got = build_sharded(tmp_path / "d4", [root], scheduler=threads_cluster.scheduler_address, timings=timings)
    assert summary_of(got) == want and contents(tmp_path / "d4") == contents(tmp_path / "one")
    assert len(timings["read_tasks"]) > 5
    (root / "later.txt").write_text("Oil prices\n\nOil prices fell.\n")  # incremental, through Dask
    (root / "dumps" / "wires.sgm").unlink()
    assert summary_of(one.add(root)) == summary_of(
        build_sharded(tmp_path / "d4", [root], scheduler=threads_cluster.scheduler_address))
    assert contents(tmp_path / "d4") == contents(tmp_path / "one")


@pytest.mark.slow
def test_killed_read_task_is_retried_or_fails_in_one_line(tmp_path):
    """A worker killed while reading files: the scheduler retries the read task (the run gives the
    whole index); when it dies every time, the run fails in one line and the index is as it was."""
    root = mixed_corpus(tmp_path)
    ix = tmp_path / "ix"
    marker = tmp_path / "killed-once"
    run = sk("index", str(root), "--index", str(ix), "--shards", "2", "--workers", "1",
             env={"SEARCHKIT_TEST_KILL_READ_TASK": str(marker)})
    assert run.returncode == 0, run.stderr
    assert marker.exists()
    one = searchkit.Index(tmp_path / "one")
    one.add(root)
    assert contents(ix) == contents(tmp_path / "one")  # nothing lost nor doubled by the retry
    before = contents(ix)
    (root / "late.json").write_text(json.dumps({"id": "late", "title": "oil"}))
    run = sk("index", str(root), "--index", str(ix), "--workers", "1",
             env={"SEARCHKIT_TEST_KILL_READ_TASK": f"always:{marker}",
                  "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
    assert run.returncode == 1
    lines = [line for line in run.stderr.splitlines() if line.startswith("searchkit:")]
    assert len(lines) == 1 and "reading files failed" in lines[0] and "index is as it was" in lines[0], run.stderr
    assert "Traceback" not in run.stderr
    assert contents(ix) == before
