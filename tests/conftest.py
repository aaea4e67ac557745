"""Shared fixtures: a small corpus written fresh for each test, and index helpers."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Nine hand-counted articles: tags, sources, authors, folders, dates and near-duplicate copies.
NEWSROOM = FIXTURES / "newsroom"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def python_calls(func: Callable[..., Any], *args: Any, packages: tuple[str, ...] = ("searchkit",)) -> int:
    """How many Python function calls (generator steps included) ``func(*args)`` makes into the
    code of ``packages``: the work done, counted the same on any machine, where a timing is not."""
    import importlib

    roots = tuple(str(Path(importlib.import_module(name).__file__).parent) for name in packages)
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event == "call" and frame.f_code.co_filename.startswith(roots):
            count += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        func(*args)
    finally:
        sys.setprofile(previous)
    return count


def grows_linearly(work: Callable[[int], int], size: int) -> bool:
    """True when ``work(n)`` (a count of operations) grows linearly in ``n`` around ``size``:
    its increase from 2 * size to 4 * size is at most 2.5 times its increase from size to
    2 * size (linear: 2; quadratic: 4), whatever the fixed cost."""
    small, middle, large = work(size), work(2 * size), work(4 * size)
    return middle > small and large - middle <= 2.5 * (middle - small)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder of a few articles in every format, with known words and dates."""
    root = tmp_path / "corpus"
    write(
        root / "politics" / "treaty.txt",
        "print PRINT\n\n\nAllies renew security treaty\n\n"
        "TOKYO — The two allies renewed their security treaty on Monday, officials said.\n\n"
        "The treaties have held since 1960.\n\n  • Diplomacy\n  • Japan\n",
    )
    write(
        root / "politics" / "trade.txt",
        "Trade talks stall over tariffs\n\nWASHINGTON (Reuters) - Trade negotiators failed to agree on tariffs "
        "and security was not discussed.\n",
    )
    write(
        root / "business" / "cocoa.json",
        json.dumps(
            {
                "id": "cocoa-1",
                "headline": "Cocoa prices surge",
                "articleBody": "Cocoa futures jumped to a record as harvests in Ivory Coast disappointed.",
                "datePublished": "2019-06-28T10:00:00Z",
                "byline": "Ann Smith",
                "keywords": ["Commodities", "Cocoa"],
                "publisher": {"name": "Daily Ledger"},
                "url": "https://example.com/cocoa",
            }
        ),
    )
    write(
        root / "wire.jsonl",
        "\n".join(
            [
                json.dumps({"id": "w1", "title": "Coffee output falls", "text": "Brazil coffee output fell sharply.",
                            "date": "2019-05-02", "source": "Reuters"}),
                json.dumps({"title": "Oil prices rise", "body": "Crude oil prices rose on supply worries.",
                            "pubDate": "Tue, 02 Jul 2019 10:00:00 GMT", "source": "Reuters"}),
                json.dumps({"id": "w3", "title": "Gold steady", "content": "Gold was steady in quiet trade.",
                            "published": "2018-12-31"}),
            ]
        )
        + "\n",
    )
    return root


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "ix"


@pytest.fixture
def ix(index_dir: Path, corpus: Path):
    import searchkit

    index = searchkit.Index(index_dir)
    index.add(corpus)
    yield index
    index.close()


@pytest.fixture
def newsroom_corpus(tmp_path: Path) -> Path:
    """A copy of :data:`NEWSROOM` that a test may change."""
    target = tmp_path / "newsroom"
    shutil.copytree(NEWSROOM, target)
    return target


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target
