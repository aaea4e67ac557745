"""Scripts written without spaces between words: a run of them is indexed as overlapping bigrams.

Thai, Japanese kana and CJK ideographs have no spaces to split words at; as
Lucene's CJK bigram filter does, each run gives one term per overlapping pair
of characters (``金利上昇``: ``金利``, ``利上``, ``上昇``), so a query of any two
adjacent characters finds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["has_nospace", "nospace_terms", "NOSPACE_CHAR", "NOSPACE_PARTS"]

#: Scripts written without spaces between words (Thai, Japanese kana, CJK
#: ideographs): a run of them is indexed as overlapping bigrams.
_NOSPACE = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Variation selectors go with the run they are in (東京 + U+FE00 + 都 is one run, its selector
#: folded away), not between two runs.
_NOSPACE += "\ufe00-\ufe0f\U000e0100-\U000e01ef"
#: One character of such a script.
NOSPACE_CHAR = _NOSPACE_RUN = re.compile(rf"[{_NOSPACE}]")
#: A word's parts: runs of such a script, and what lies between them.
NOSPACE_PARTS = _NOSPACE_PARTS = re.compile(rf"[{_NOSPACE}]+|[^{_NOSPACE}]+")


def has_nospace(text: str) -> bool:
    """True when ``text`` holds a character of a script written without spaces."""
    return _NOSPACE_RUN.search(text) is not None


def nospace_terms(surface: str, fold: Callable[[str], str], word_terms: Callable[[str], tuple],
                  max_word: int) -> tuple[tuple[str, ...], ...]:
    """The terms per position of a word holding a script without spaces (see ``word_terms``).

    Its runs of such a script give bigrams (a lone character: itself), the
    whole run however long (a Thai clause or a Chinese sentence is one run;
    ``max_word``, the longest word indexed, is for ``word_terms`` and no
    longer cuts runs: it silently dropped the end of runs over 100
    characters); the digits or Latin letters beside them are words, given to
    ``word_terms``.
    """
    parts: list[tuple[str, ...]] = []
    for part in _NOSPACE_PARTS.findall(surface):
        if _NOSPACE_RUN.match(part):
            chars = fold(part)  # the whole run, however long: it is text, not one overlong word
            parts.extend((chars[i:i + 2],) for i in range(len(chars) - 1))
            if len(chars) == 1:
                parts.append((chars,))
        elif part.strip("'’."):
            terms = word_terms(part.strip("'’."))
            if terms != (("",),):  # a keycap or a lone mark beside a run is no word: no position
                parts.extend(terms)
    return tuple(parts) or (("",),)
