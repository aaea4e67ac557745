#!/usr/bin/env python3
"""Read the Reuters-21578 SGML files into plain story records.

Importable (``from reuters import iter_reuters`` with ``scripts/`` on the path)
and runnable::

    python scripts/reuters.py [FOLDER] --out reuters.jsonl [--split TEST] [--modapte]

:func:`iter_reuters` yields one dict per ``<REUTERS>`` element, in file order::

    {"id": "1",                      # NEWID, as a string
     "title": "BAHIA COCOA REVIEW",  # "" when the story has none (TYPE="UNPROC")
     "body": "Showers continued ...",
     "date": "1987-02-26T15:01:01",  # ISO 8601 via searchkit.dates.normalise_date, or None
     "dateline": "SALVADOR, Feb 26",
     "topics": ["cocoa"], "places": [...], "people": [...], "orgs": [...],
     "exchanges": [...], "companies": [...],
     "lewissplit": "TRAIN",          # TRAIN / TEST / NOT-USED
     "cgisplit": "TRAINING-SET",
     "topics_attr": "YES",           # the TOPICS="YES|NO|BYPASS" attribute
     "text_type": "NORM"}            # NORM / BRIEF / UNPROC

Decoding: the files are read as bytes and decoded story by story (UTF-8,
falling back to cp1252, then Latin-1, so the one stray byte in
``reut2-017.sgm`` cannot stop a run).  Character references (``&#3;``,
``&lt;``, ``&amp;``) are decoded and the ASCII control characters the wire
format carries (``&#2;``/``&#3;`` start/end of text, ``&#5;``, ``&#22;``,
``&#31;``, ``&#127;`` ...) are removed; line breaks and tabs are kept.  The
``Reuter``/``REUTER`` sign-off that ends most bodies is dropped.

The JSON Lines written by the CLI carry ``tags`` (= topics) for general use,
e.g. by the benchmarks; a relevance collection must not index them (see
``make_reuters_collection.py``, which writes only id/title/text).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Iterator

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(_REPO))


__all__ = [
    "iter_reuters", "clean_text", "parse_story", "sgm_files", "is_modapte_test", "is_modapte_train",
    "jsonl_record", "DEFAULT_FOLDER",
]

DEFAULT_FOLDER = _REPO.parent / "shared" / "corpora" / "reuters21578"

from searchkit.readers.sgml import LIST_FIELDS as _SGML_LISTS  # noqa: E402
from searchkit.readers.sgml import RECORD as _STORY  # noqa: E402
from searchkit.readers.sgml import _decode, clean_text  # noqa: E402
from searchkit.readers.sgml import parse_record as _parse_record  # noqa: E402

_LIST_FIELDS = _SGML_LISTS


def sgm_files(folder: str | Path) -> list[Path]:
    """The ``reut2-*.sgm`` files of ``folder``, sorted."""
    return sorted(Path(folder).glob("reut2-*.sgm"))


def parse_story(attrs: str, inner: str) -> dict:
    """One story from the attribute string and the inside of a ``<REUTERS>`` element.

    The parsing is searchkit's own SGML reader (:mod:`searchkit.readers.sgml`);
    this adds the split attributes the evaluation scripts select on.
    """
    record = _parse_record(attrs, inner, reflow=False)
    attributes = record.pop("attributes")
    record.pop("date_raw", None)
    record.update(
        lewissplit=attributes.get("LEWISSPLIT", ""),
        cgisplit=attributes.get("CGISPLIT", ""),
        topics_attr=attributes.get("TOPICS", ""),
    )
    return record


def iter_reuters(folder: str | Path = DEFAULT_FOLDER) -> Iterator[dict]:
    """Yield every story of the ``reut2-*.sgm`` files in ``folder`` (see the module doc)."""
    files = sgm_files(folder)
    if not files:
        raise FileNotFoundError(f"no reut2-*.sgm files in {folder}")
    for path in files:
        raw = path.read_bytes()
        for match in _STORY.finditer(raw):
            yield parse_story(_decode(match.group(1)), _decode(match.group(2)))


def is_modapte_test(story: dict) -> bool:
    """ModApte test document: ``LEWISSPLIT="TEST"`` and ``TOPICS="YES"`` (3,299 stories)."""
    return story["lewissplit"] == "TEST" and story["topics_attr"] == "YES"


def is_modapte_train(story: dict) -> bool:
    """ModApte training document: ``LEWISSPLIT="TRAIN"`` and ``TOPICS="YES"`` (9,603 stories)."""
    return story["lewissplit"] == "TRAIN" and story["topics_attr"] == "YES"


def jsonl_record(story: dict) -> dict:
    """The general-purpose JSON Lines record (with ``tags`` = topics)."""
    record = {
        "id": story["id"],
        "title": story["title"],
        "body": story["body"],
        "date": story["date"],
        "dateline": story["dateline"],
        "tags": story["topics"],
        "source": "Reuters",
    }
    return {k: v for k, v in record.items() if v not in (None, "")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER), help="folder with reut2-*.sgm")
    parser.add_argument("--out", required=True, help="JSON Lines file to write ('-' for stdout)")
    parser.add_argument("--split", choices=["TRAIN", "TEST", "NOT-USED"], help="only this LEWISSPLIT")
    parser.add_argument("--modapte", action="store_true", help="only TOPICS=\"YES\" stories (ModApte)")
    parser.add_argument("--skip-empty", action="store_true", help="leave out stories with no title and no body")
    args = parser.parse_args(argv)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    count = 0
    try:
        for story in iter_reuters(args.folder):
            if args.split and story["lewissplit"] != args.split:
                continue
            if args.modapte and story["topics_attr"] != "YES":
                continue
            if args.skip_empty and not (story["title"] or story["body"]):
                continue
            out.write(json.dumps(jsonl_record(story), ensure_ascii=False) + "\n")
            count += 1
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"wrote {count} stories to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
