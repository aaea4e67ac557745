"""A quoted single word is the word: ``"surprise"`` finds what ``surprise`` finds.

A one-word phrase was analysed twice (the term handed back as if typed):
``surprise`` -> ``surpris`` -> ``surpri``, a term no document holds, so
``"surprise"``, ``"committee"``, ``"Élysée"`` found nothing.  The class: any
word whose stem is not its own stem's stem.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import searchkit
from searchkit.analysis import WORD_PATTERN
from searchkit.query import compile_query, parse_query

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _fixture_words() -> list[str]:
    words: set[str] = set()
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix in (".txt", ".json", ".jsonl", ".sgm"):
            words.update(WORD_PATTERN.findall(path.read_text("utf-8", errors="replace")[:20_000]))
    return sorted(words)


def test_a_quoted_word_looks_for_the_terms_of_the_word():
    words = _fixture_words() + ["surprise", "committee", "coffee", "agreed", "Élysée", "l'Élysée", "U.S.", "น้ำมัน",
                                "金利上昇", "नीति"]
    assert len(words) > 500
    differ = []
    for word in words:
        if re.fullmatch(r"(?i)and|or|not", word):
            continue  # operators unquoted
        quoted = compile_query(parse_query(f'"{word}"'), None)
        plain = compile_query(parse_query(word), None)
        if quoted.terms != plain.terms:
            differ.append((word, sorted(quoted.terms), sorted(plain.terms)))
    assert not differ, differ[:10]


def test_a_quoted_word_finds_its_document(tmp_path):
    (tmp_path / "a.txt").write_text("A big surprise at l'Élysée as the committee agreed over coffee.")
    (tmp_path / "b.txt").write_text("Nothing else here.")
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(tmp_path / "a.txt", tmp_path / "b.txt")
    for query in ('"surprise"', '"Élysée"', '"committee"', '"coffee"', 'body:"agreed"', '"surprise"~2'):
        assert [h.id for h in ix.search(query)] == ["a.txt"], query
        assert "**" in ix.search(query)[0].snippet, query
    ix.close()
