"""Modules kept for old import paths: they still offer what they did, and nothing in searchkit uses them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchkit"

#: old module -> {name: new home}
OLD_PATHS = {
    "searching": {"Hit": "results", "SearchResults": "results", "StreamedResults": "results",
                  "run_search": "search", "SORTS": "search", "FILTER_FIELDS": "search"},
    "columns": {"column_values": "whoosh_ext.columns", "segment_docnums": "whoosh_ext.columns"},
    "speedups": {"lazy_buffer_files": "whoosh_ext.speedups", "defer_whoosh_morphology": "whoosh_ext.speedups"},
    "walk": {"walk_sources": "ingest.walk", "SourceFile": "ingest.walk", "id_anchor": "ingest.walk"},
    "indexing": {"IndexSummary": "ingest.run", "index_paths": "ingest.run", "Progress": "ingest.run"},
    "parallel": {"ParallelWriter": "whoosh_ext.multiproc", "LeanSegmentWriter": "whoosh_ext.segment",
                 "write_postings": "whoosh_ext.posting_writer"},
    "extraction": {"extract": "ingest.extract", "Skipped": "ingest.extract"},
}


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_import_paths_give_the_objects_of_their_new_homes(old):
    module = importlib.import_module(f"searchkit.{old}")
    assert module.__doc__.startswith("Kept for old imports only")
    for name, home in OLD_PATHS[old].items():
        assert getattr(module, name) is getattr(importlib.import_module(f"searchkit.{home}"), name), (old, name)


def test_no_module_of_the_package_imports_an_old_path():
    users = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        if rel.parts[1:] and rel.parts[1] in OLD_PATHS and len(rel.parts) == 2:
            continue  # the old modules themselves
        package = list(rel.parts[:-1]) if path.name != "__init__.py" else list(rel.parts[:-1])
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module] + [f"{module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if len(parts) >= 2 and parts[0] == "searchkit" and parts[1] in OLD_PATHS:
                    users.append(f"{rel}:{node.lineno} {name}")
    assert not users, users
