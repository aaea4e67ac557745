"""Issue 6: two writers at once, readers during a write, stale locks of killed runs,
and parallel-writer workers that must die with their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import searchkit
from searchkit.errors import IndexLockedError
from searchkit.locking import WriteLock, pid_alive

from .test_crash import CLI, check_index, make_corpus, start, wait_until_writing


def python(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def holder(index_dir: Path, extra: str = "") -> subprocess.Popen:
    """A process that takes the index's write lock, prints READY, and waits."""
    proc = python(f"""
        import os, sys, time, searchkit
        ix = searchkit.Index({str(index_dir)!r})
        lock = ix._lock()
        {extra}
        print("READY", flush=True)
        time.sleep(120)
    """)
    assert proc.stdout.readline().startswith("READY"), proc.stderr.read()
    return proc


def dead(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def new_corpus(tmp_path: Path, files: int, prefix: str, folder: str | None = None) -> Path:
    """``make_corpus``'s ``files`` articles of ``prefix``-ed words in ``tmp_path / folder`` (default ``prefix``)."""
    path = tmp_path / (folder or prefix)
    make_corpus(path, files, prefix)
    return path


@pytest.fixture
def small_index(tmp_path):
    corpus = new_corpus(tmp_path, 20, "base", "corpus")
    index_dir = tmp_path / "ix"
    subprocess.run([*CLI, "index", str(corpus), "--index", str(index_dir)], check=True, capture_output=True,
                   timeout=120)
    return corpus, index_dir


def test_second_writer_waits_then_fails_with_one_line(small_index, tmp_path):
    corpus, index_dir = small_index
    extra = new_corpus(tmp_path, 3, "extra")
    proc = holder(index_dir)
    try:
        began = time.monotonic()
        result = subprocess.run([*CLI, "index", str(extra), "--index", str(index_dir), "--lock-timeout", "0.5"],
                                capture_output=True, text=True, timeout=60)
        assert time.monotonic() - began >= 0.5
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"locked by another searchkit run (process {proc.pid})" in result.stderr
        assert "waited 0.5 s" in result.stderr
        env = dict(os.environ, SEARCHKIT_LOCK_TIMEOUT="0.2")
        result = subprocess.run([*CLI, "index", str(extra), "--index", str(index_dir)], capture_output=True,
                                text=True, timeout=60, env=env)
        assert result.returncode == 1 and "waited 0.2 s" in result.stderr, result.stderr
        for command in (["remove", "00/base0001.txt"], ["index", str(extra), "--rebuild"]):
            result = subprocess.run([*CLI, *command, "--index", str(index_dir)], capture_output=True, text=True,
                                    timeout=60, env=env)
            assert result.returncode == 1 and "locked" in result.stderr, (command, result.stderr)
        # the library says the same with an exception
        with searchkit.Index(index_dir, lock_timeout=0.1) as ix:
            with pytest.raises(IndexLockedError):
                ix.add(extra)
            assert len(ix) == 20  # and reading goes on meanwhile
    finally:
        proc.kill()
        proc.communicate()
    # The lock died with its holder: no stale lock to clear by hand.
    result = subprocess.run([*CLI, "index", str(extra), "--index", str(index_dir), "--lock-timeout", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("added 3,"), result.stderr


def test_two_runs_at_once_both_complete_without_duplicates(small_index, tmp_path):
    corpus, index_dir = small_index
    other = new_corpus(tmp_path, 200, "other")
    runs = [start(["index", str(folder), "--index", str(index_dir), "--lock-timeout", "60"])
            for folder in (other, other, corpus)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert check_index(index_dir, {220}) == 220


def test_two_first_runs_on_a_new_index(tmp_path):
    a, b = new_corpus(tmp_path, 50, "alpha", "a"), new_corpus(tmp_path, 50, "beta", "b")
    index_dir = tmp_path / "new-ix"
    runs = [start(["index", str(folder), "--index", str(index_dir), "--lock-timeout", "60"]) for folder in (a, b)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert check_index(index_dir, {100}) == 100


def test_two_index_objects_in_one_process_exclude_each_other(small_index):
    _, index_dir = small_index
    first = searchkit.Index(index_dir)
    second = searchkit.Index(index_dir, lock_timeout=0.1)
    with first._lock():
        with pytest.raises(IndexLockedError):
            second.remove("00/base0001.txt")
    assert second.remove("00/base0001.txt")
    first.close()
    second.close()


@pytest.mark.slow
def test_readers_answer_during_a_write_and_see_its_commit(small_index, tmp_path):
    _, index_dir = small_index
    more = new_corpus(tmp_path, 600, "more")
    reader = searchkit.Index(index_dir, create=False)
    proc = start(["index", str(more), "--index", str(index_dir)])
    wait_until_writing(proc, index_dir)
    counts = set()
    while proc.poll() is None:
        hits = reader.search("filler1", limit=5)
        counts.add(hits.total)
        assert len(reader) in (20, 620)
    assert proc.returncode == 0, proc.stderr.read()
    assert 20 in counts
    assert reader.search("moreword599")  # the same Index object sees the commit
    assert len(reader) == 620
    reader.close()


@pytest.mark.slow
def test_stale_whoosh_lock_held_by_an_orphaned_worker_is_cleared(small_index, tmp_path):
    """The known trap: a forked worker inherits Whoosh's WRITELOCK and outlives its killed parent."""
    _, index_dir = small_index
    extra = new_corpus(tmp_path, 3, "extra")
    proc = python(f"""
        import os, time, searchkit
        ix = searchkit.Index({str(index_dir)!r})
        lock = ix._lock()
        writer = ix._writer()
        child = os.fork()
        if child == 0:   # a worker that does not die with its parent
            time.sleep(120)
            os._exit(0)
        print(child, flush=True)
        time.sleep(120)
    """)
    orphan = int(proc.stdout.readline())
    try:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)  # not communicate(): the orphan still holds the pipes
        proc.stdout.close()
        proc.stderr.close()
        assert pid_alive(orphan)
        result = subprocess.run([*CLI, "index", str(extra), "--index", str(index_dir), "--lock-timeout", "2"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("added 3,"), result.stdout
        assert "cleared a stale lock" in result.stderr
        assert check_index(index_dir, {23}) == 23
    finally:
        if pid_alive(orphan):
            os.kill(orphan, signal.SIGKILL)


@pytest.mark.slow
def test_parallel_writer_workers_die_with_their_parent(small_index, tmp_path):
    _, index_dir = small_index
    proc = python(f"""
        import os, time, searchkit
        from searchkit.ingest.build import writer_options
        ix = searchkit.Index({str(index_dir)!r})
        lock = ix._lock()
        writer = ix._writer(**writer_options(0, workers=2), batchsize=1)  # what a big run uses
        for i in range(4):
            writer.add_document(id=f"mp{{i}}", path="", file="f", hash="h", title="t", body="b", date_iso=None)
        time.sleep(0.5)
        print(" ".join(str(task.pid) for task in writer.tasks), flush=True)
        time.sleep(120)
    """)
    workers = [int(pid) for pid in proc.stdout.readline().split()]
    assert workers, proc.stderr.read()
    assert all(pid_alive(pid) for pid in workers)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    try:
        assert all(dead(pid) for pid in workers)
    finally:
        for pid in workers:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
    (tmp_path / "empty").mkdir()
    result = subprocess.run([*CLI, "index", str(tmp_path / "empty"), "--index", str(index_dir),
                             "--lock-timeout", "1"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert check_index(index_dir, {20}) == 20


def test_lock_file_records_its_holder(tmp_path):
    lock = WriteLock(tmp_path)
    assert lock.acquire(0)
    assert lock.holder() == os.getpid()
    other = WriteLock(tmp_path)
    assert not other.acquire(0.05)
    lock.release()
    assert other.acquire(0)
    other.release()
