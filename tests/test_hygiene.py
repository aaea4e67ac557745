"""Project rules: whoosh imports, no NLTK downloads, the shipped data, light start-up."""

import re
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "searchkit"


def sources():
    return sorted(PACKAGE.rglob("*.py"))


def test_only_canonical_whoosh_module_paths():
    for path in sources():
        text = path.read_text()
        assert "whoosh.compat" not in text, path
        assert not re.search(r"^\s*from whoosh import ", text, re.M), f"{path}: import from a whoosh submodule"
        assert not re.search(r"^\s*import whoosh\s*$", text, re.M), path


def test_nothing_downloads_nltk_data():
    for path in [*sources(), *(REPO / "scripts").glob("*.py")]:
        assert "nltk.download" not in path.read_text(), path


def test_whoosh_sources_compile_without_warnings():
    import whoosh

    code = (
        "import warnings, pathlib, sys\n"
        "warnings.simplefilter('error')\n"
        f"root = pathlib.Path({str(Path(whoosh.__file__).parent)!r})\n"
        "for p in root.rglob('*.py'):\n"
        "    compile(p.read_text(encoding='utf-8'), str(p), 'exec')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_searchkit_and_its_query_path_under_warnings_as_errors():
    code = "import searchkit.index, searchkit.cli, searchkit.query, searchkit.highlight"
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


def test_package_does_not_import_bs4_or_nltk_at_query_time():
    code = (
        "import sys, searchkit.cli, searchkit.index, searchkit.search\n"
        "heavy = [m for m in ('bs4', 'lxml', 'dateutil') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_stopword_list_is_shipped_as_package_data():
    from searchkit.analysis import stopwords

    assert len(stopwords()) > 100
    assert (PACKAGE / "data" / "stopwords-en.txt").exists()
