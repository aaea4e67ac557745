"""Text analysis: the one chain used at index time and at query time.

Each word goes through: Unicode NFKC, case folding, accent folding,
possessive removal (``Japan's`` -> ``japan``), English stopwords, and NLTK's
Snowball English stemmer.  The whole chain is memoized per surface form, so
a word already seen costs one dict lookup: news vocabularies are small
compared with their token counts, and stemming every token afresh is the
classic indexing bottleneck.

Modules: :mod:`.words` (the tokenizer's pattern, folding, each word's
terms), :mod:`.cjk` (scripts without spaces, as bigrams), :mod:`.stemming`
(NLTK's stemmer, memoized, and the index's stem table), :mod:`.chain` (a
field value to postings; the Whoosh analyzer and posting format).

An index keeps a *stem table* (:data:`STEM_TABLE_FILE`) so that a cold query
process for known words never imports NLTK.  Stems are memoized per surface
form and per folded word (``Cocoa``, ``COCOA``).
"""

from __future__ import annotations

from .chain import (NewsAnalyzer, NewsPositions, analyze, buffer_postings, encoded_postings, term_positions,
                    text_postings)
from .stemming import (STEM_TABLE_FILE, _bisect_table, _computed, _stem, _tables, load_stemmer, stems_computed,
                       stopwords, use_stem_table, write_stem_table)
from .words import EXACT_MARK, WORD_PATTERN, _cache, fold, is_stopword, normalise_word, word_terms

__all__ = [
    "NewsAnalyzer",
    "analyze",
    "normalise_word",
    "word_terms",
    "fold",
    "text_postings",
    "term_positions",
    "is_stopword",
    "EXACT_MARK",
    "stopwords",
    "WORD_PATTERN",
    "NewsPositions",
    "STEM_TABLE_FILE",
    "use_stem_table",
    "write_stem_table",
    "stems_computed",
    "encoded_postings",
    "buffer_postings",
    "load_stemmer",
]
