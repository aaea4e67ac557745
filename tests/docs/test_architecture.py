"""docs/architecture.md names real modules, and every module of the package."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "searchkit"
DOC = (ROOT / "docs" / "architecture.md").read_text("utf-8")


def named_paths() -> set[str]:
    return set(re.findall(r"`((?:[a-z0-9_]+/)*[a-z0-9_]+\.py)`", DOC))


def test_every_module_path_in_the_page_exists():
    missing = [p for p in sorted(named_paths())
               if not (PACKAGE / p).exists() and not (ROOT / p).exists()]
    assert not missing, missing


def test_every_module_of_the_package_is_named():
    named = named_paths()
    html_stages = set(re.findall(r"`([a-z_]+)`", DOC))  # readers/html/ modules are named by stage
    unnamed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if path.name in ("__init__.py", "__main__.py"):
            continue
        if rel in named or (rel.startswith("readers/html/") and path.stem in html_stages):
            continue
        unnamed.append(rel)
    assert not unnamed, unnamed
