"""Issue 6: kill -9, Ctrl-C, a full disk and a permission error mid-run lose nothing
that was committed, and the next run completes the work.  All for real: a
subprocess is killed or runs out of space, nothing is mocked."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import searchkit

from ..conftest import write

CLI = [sys.executable, "-m", "searchkit"]


def make_corpus(folder: Path, count: int, prefix: str, size: int = 40) -> None:
    for i in range(count):
        body = " ".join(f"{prefix}word{i} filler{j % 50}" for j in range(size))
        write(folder / f"{i // 100:02d}" / f"{prefix}{i:04d}.txt", f"{prefix.title()} article {i}\n\n{body}\n")


def start(args, **kwargs):
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def wait_until_writing(proc: subprocess.Popen, index_dir: Path, timeout: float = 60) -> None:
    """Wait until ``proc`` holds the index's write lock (it writes its pid there)."""
    deadline = time.monotonic() + timeout
    lock = index_dir / "searchkit.lock"
    while time.monotonic() < deadline:
        try:
            if lock.read_text().split()[0] == str(proc.pid):
                return
        except (OSError, IndexError):
            pass
        if proc.poll() is not None:
            raise AssertionError(f"the run ended early: {proc.stderr.read()}")
        time.sleep(0.01)
    raise AssertionError("the run never started writing")


def check_index(index_dir: Path, allowed: set[int]) -> int:
    with searchkit.Index(index_dir, create=False) as ix:
        count = len(ix)
        assert count in allowed, (count, allowed)
        ids = [hit.id for hit in ix.search("filler1", limit=100_000, snippets=False)]
        assert len(ids) == len(set(ids)) == count
        return count


@pytest.fixture
def two_corpora(tmp_path):
    base, more = tmp_path / "base", tmp_path / "more"
    make_corpus(base, 30, "base")
    make_corpus(more, 600, "more")
    index_dir = tmp_path / "ix"
    result = subprocess.run([*CLI, "index", str(base), "--index", str(index_dir)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return base, more, index_dir


@pytest.mark.slow
def test_kill_9_at_any_moment_keeps_the_committed_index(two_corpora):
    base, more, index_dir = two_corpora
    # How long a whole run writes, measured on a copy of the index.
    scratch = index_dir.parent / "scratch"
    shutil.copytree(index_dir, scratch)
    proc = start(["index", str(more), "--index", str(scratch)])
    wait_until_writing(proc, scratch)
    began = time.monotonic()
    proc.communicate(timeout=300)
    writing = time.monotonic() - began
    assert proc.returncode == 0
    # Killed while starting, while reading files, around the commit and just after
    # it: the index always opens and answers with what was committed before.
    outcomes = []
    for fraction in (None, 0.0, 0.2, 0.4, 0.6, 0.75, 0.85, 0.9, 0.95, 1.0, 1.1):
        proc = start(["index", str(more), "--index", str(index_dir)])
        if fraction is not None:
            wait_until_writing(proc, index_dir)
            time.sleep(writing * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        count = check_index(index_dir, {30, 630})
        outcomes.append(count)
        if count == 630:  # that run got to its commit: start over to kill later runs too
            shutil.rmtree(index_dir)
            subprocess.run([*CLI, "index", str(base), "--index", str(index_dir)], check=True, capture_output=True,
                           timeout=120)
    assert 30 in outcomes
    result = subprocess.run([*CLI, "index", str(more), "--index", str(index_dir)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert check_index(index_dir, {630}) == 630
    assert not (index_dir / "MAIN.tmp").exists()  # what killed runs left behind is gone
    leftovers = [p.name for p in index_dir.iterdir() if ".toc." in p.name]
    assert not leftovers


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_the_index(two_corpora):
    _, more, index_dir = two_corpora
    # Enough files that the run is still reading when the signal lands
    # (the parallel indexer does 600 small files in about 0.3 s).
    make_corpus(more, 6000, "more")
    # As from a terminal: a shell without job control starts background jobs
    # (say, `pytest &`) with SIGINT ignored, and Python keeps an inherited SIG_IGN.
    proc = start(["index", str(more), "--index", str(index_dir)],
                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_until_writing(proc, index_dir)
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("searchkit: interrupted"), err
    assert check_index(index_dir, {30}) == 30
    result = subprocess.run([*CLI, "index", str(more), "--index", str(index_dir)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0 and result.stdout.startswith("added 6000,"), result.stdout + result.stderr


def _big_corpus(folder: Path) -> None:
    for i in range(20):
        write(folder / f"big{i}.txt", f"Big {i}\n\n" + " ".join(f"w{i}x{j}" for j in range(4_000)) + "\n")


def _assert_failed_cleanly(result, index_dir: Path, words: tuple[str, ...]) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("searchkit: "), result.stderr
    assert "the index is as it was" in lines[0], lines[0]
    with searchkit.Index(index_dir, create=False) as ix:
        assert len(ix) == 30
        for word in words:
            assert ix.search(word)


@pytest.mark.slow
def test_file_size_limit_mid_run_fails_cleanly(two_corpora, tmp_path):
    """RLIMIT_FSIZE: writes past the limit fail with EFBIG, like a full disk, without privileges."""
    _, _, index_dir = two_corpora
    big = tmp_path / "big"
    _big_corpus(big)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    result = subprocess.run([*CLI, "index", str(big), "--index", str(index_dir)], capture_output=True, text=True,
                            timeout=300, preexec_fn=limit)
    _assert_failed_cleanly(result, index_dir, ("baseword1",))
    assert "File too large" in result.stderr
    done = subprocess.run([*CLI, "index", str(big), "--index", str(index_dir)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("added 20,"), done.stderr


@pytest.mark.slow
def test_disk_full_mid_run_fails_cleanly(tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        base, big = tmp_path / "base", tmp_path / "big"
        make_corpus(base, 30, "base")
        _big_corpus(big)
        index_dir = mount / "ix"
        first = subprocess.run([*CLI, "index", str(base), "--index", str(index_dir)], capture_output=True, text=True,
                               timeout=120)
        assert first.returncode == 0, first.stderr
        result = subprocess.run([*CLI, "index", str(big), "--index", str(index_dir)], capture_output=True,
                                text=True, timeout=300)
        _assert_failed_cleanly(result, index_dir, ("baseword1", "baseword29"))
        assert "No space left on device" in result.stderr
        again = subprocess.run([*CLI, "index", str(base), "--index", str(index_dir)], capture_output=True,
                               text=True, timeout=120)
        assert again.returncode == 0, again.stderr
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv")
def test_permission_error_fails_cleanly(two_corpora, tmp_path):
    """The index folder is read-only (root is made to obey permissions by dropping capabilities)."""
    _, _, index_dir = two_corpora
    extra = tmp_path / "extra"
    make_corpus(extra, 5, "extra")
    index_dir.chmod(0o555)
    try:
        result = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", *CLI, "index",
                                 str(extra), "--index", str(index_dir)], capture_output=True, text=True, timeout=120)
    finally:
        index_dir.chmod(0o755)
    _assert_failed_cleanly(result, index_dir, ("baseword1",))
    assert "Permission denied" in result.stderr


@pytest.mark.slow
def test_rebuild_killed_mid_run_keeps_the_old_index(two_corpora):
    _, more, index_dir = two_corpora
    proc = start(["index", str(more), "--index", str(index_dir), "--rebuild"])
    wait_until_writing(proc, index_dir)
    time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert check_index(index_dir, {30, 600}) in (30, 600)


def test_damaged_index_is_one_line_and_rebuild_recovers(two_corpora):
    base, _, index_dir = two_corpora
    toc = next(index_dir.glob("_MAIN_*.toc"))
    toc.write_bytes(b"garbage")
    result = subprocess.run([*CLI, "query", "baseword1", "--index", str(index_dir)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "cannot be opened" in result.stderr and "--rebuild" in result.stderr
    result = subprocess.run([*CLI, "index", str(base), "--index", str(index_dir), "--rebuild"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert check_index(index_dir, {30}) == 30


def test_last_resort_handler_prints_one_line(two_corpora, monkeypatch, capsys):
    from searchkit.cli import main
    from searchkit.index import Index

    _, _, index_dir = two_corpora

    def broken(self):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(Index, "stats", broken)
    monkeypatch.delenv("SEARCHKIT_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        main(["stats", "--index", str(index_dir)])
    err = capsys.readouterr().err
    assert info.value.code == 1
    assert err.startswith("searchkit: internal error: RuntimeError: boom") and err.count("\n") == 1, err
    monkeypatch.setenv("SEARCHKIT_DEBUG", "1")
    with pytest.raises(SystemExit):
        main(["stats", "--index", str(index_dir)])
    assert "Traceback" in capsys.readouterr().err
