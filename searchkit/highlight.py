"""Snippets: the best window of a document's text, with the matched words marked.

Words are matched through the same analysis as the index (so ``treaty``
marks ``treaties``), but the snippet shows them as written in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analysis import WORD_PATTERN, normalise_word

__all__ = ["Snippet", "make_snippet", "MARK_OPEN", "MARK_CLOSE"]

MARK_OPEN, MARK_CLOSE = "**", "**"
_WINDOW_WORDS = 32
_SCAN_CHARS = 200_000  # bound the work on huge bodies
_SPACES = re.compile(r"\s+")


@dataclass
class Snippet:
    """``parts``: (text, highlighted) pieces; ``str(snippet)`` marks them with ``**``."""

    parts: list[tuple[str, bool]]

    def __str__(self) -> str:
        return "".join(f"{MARK_OPEN}{text}{MARK_CLOSE}" if hit else text for text, hit in self.parts)

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.parts)


def make_snippet(text: str, terms: set[str], window: int = _WINDOW_WORDS) -> Snippet:
    """The ``window``-word stretch of ``text`` holding the most distinct ``terms``.

    ``terms`` are index terms (already analysed).  When none occurs the
    snippet is the start of the text.
    """
    if not text:
        return Snippet([])
    scanned = text[:_SCAN_CHARS]
    words = [(m.start(), m.end()) for m in WORD_PATTERN.finditer(scanned)]
    if not words:
        return Snippet([(_clip(text, 240), False)])
    hits = [
        i for i, (start, end) in enumerate(words) if terms and normalise_word(scanned[start:end]) in terms
    ]
    best_start = 0
    if hits:
        best_key = (-1, -1)
        for anchor in hits:
            first = max(0, anchor - 3)  # a little context before the first match
            last = first + window
            covered = [i for i in hits if first <= i < last]
            distinct = len({normalise_word(scanned[words[i][0]:words[i][1]]) for i in covered})
            key = (distinct, len(covered))
            if key > best_key:
                best_key, best_start = key, first
    end_word = min(len(words), best_start + window)
    char_start = words[best_start][0] if best_start > 0 else 0
    char_end = words[end_word - 1][1]
    marked = set(hits)
    parts: list[tuple[str, bool]] = []
    if char_start > 0:
        parts.append(("…", False))
    cursor = char_start
    for i in range(best_start, end_word):
        start, end = words[i]
        if i in marked:
            if start > cursor:
                parts.append((_flatten(scanned[cursor:start]), False))
            parts.append((scanned[start:end], True))
            cursor = end
    if char_end > cursor:
        parts.append((_flatten(scanned[cursor:char_end]), False))
    if char_end < len(text.rstrip()):
        parts.append(("…", False))
    return Snippet(_merge(parts))


def _flatten(text: str) -> str:
    return _SPACES.sub(" ", text)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _merge(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    merged: list[tuple[str, bool]] = []
    for text, hit in parts:
        if not text:
            continue
        if merged and merged[-1][1] == hit and not hit:
            merged[-1] = (merged[-1][0] + text, hit)
        else:
            merged.append((text, hit))
    return merged
