"""The benchmark times the checkout it is run from (no timings here)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from ..conftest import REPO


@pytest.fixture()
def bench():
    spec = importlib.util.spec_from_file_location("searchkit_bench_under_test", REPO / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_searchkit_process_imports_the_benchmarks_own_checkout(bench, tmp_path, monkeypatch):
    """Run from another checkout (the code before a change), the build and CLI runs import that checkout."""
    other = tmp_path / "checkout"
    (other / "searchkit").mkdir(parents=True)
    (other / "searchkit" / "__init__.py").write_text("MARK = 'other checkout'\n", "utf-8")
    monkeypatch.setattr(bench, "REPO", other)
    done = subprocess.run([sys.executable, "-c", "import searchkit; print(searchkit.MARK)"],
                          env=bench.searchkit_env(), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "other checkout", done.stderr
