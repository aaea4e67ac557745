"""HTML news pages -> title, date, author, tags, source, url and the article body.

Metadata comes from the most reliable source first: JSON-LD (every
``application/ld+json`` script, lists and ``@graph`` included), then OpenGraph
and ``<meta>`` tags, ``<link rel=canonical>`` and ``<time datetime>``, then
``<title>`` (site-name suffix trimmed) and the first ``<h1>``.

The page is parsed once, with BeautifulSoup on the lxml parser (``BeautifulSoup(text,
"lxml")``, no network), and both passes run over that tree.  The body is found in the
DOM, independently of the metadata:

1. The page is cut into *text blocks* in document order: each block is the
   inline text owned by one block-level element (``<p>``, ``<li>``, a ``<div>``
   with loose text, ...), with its link-text share.  Scripts, forms controls,
   figures and subtrees whose class/id names mark them as boilerplate (share
   bars, related stories, comments, cookie notices, ads, ...) are skipped.
2. Blocks that read like prose (long enough, few links) vote for their
   ancestors with a weight that decays with distance, as in Readability; the
   ancestor with the best vote, damped by its link density and helped by
   ``<article>``/``itemprop=articleBody``/content-like class names, is the
   article container.  Siblings and near cousins that hold prose of their own
   are merged in (stories cut in pieces by ad slots), unless they read as
   reader comments ("Reply", "3 hours ago").
3. Inside the container, link lists, bylines, share prompts, pointer lines
   ("Related: ..."), captions and pull quotes are dropped; above and below the
   story's paragraphs only sentences stay; trailing sign-offs (author bio,
   follow and contact lines, credits, copyright, newsletter prompts) go;
   headings and list items that sit among story paragraphs are kept.
4. JSON-LD ``articleBody`` is used instead when the DOM route found little
   and ``articleBody`` is long and consistent with the page text.

:func:`extract_html` never raises: anything the DOM route cannot handle
(broken bytes, absurd nesting) falls back to a plain text-only path.

The signals are the classic ones, kept few and relative rather than tuned
per site: link density and text amount per block (Kohlschütter, Fankhauser and
Nejdl, "Boilerplate detection using shallow text features", WSDM 2010), the
paragraph's shape (Pomikálek, "Removing boilerplate and duplicate content from
web corpora", 2011: jusText), and Readability's ancestor vote.  The three
thresholds left (:data:`TUNING`) are shares of the winning score or of the
structured body's length.

Bounds: the segmenter stops opening blocks below ``_MAX_DEPTH``, walks into small
boxes are capped (``_BOX_NODES``), a tree deeper than ``_MAX_TREE_DEPTH`` keeps its
metadata but has its body read flat, and markup with more than ``_MAX_MARKUP_TAGS``
tags is read flat without building a tree (bs4 costs about 1 KB and 10-20 us per
element).  How the bs4 tree is read: :mod:`.tree`.

Modules, in the order a page goes through them (after trafilatura's split):

* :mod:`.decode` -- bytes (gzip, BOM, declared charset) to text to a tree;
* :mod:`.jsonld`, :mod:`.meta` -- JSON-LD and ``<meta>``/canonical metadata;
* :mod:`.title`, :mod:`.dates`, :mod:`.byline` -- headline, date, author;
* :mod:`.boilerplate`, :mod:`.blocks`, :mod:`.scoring`, :mod:`.cleanup`, :mod:`.body`
  -- the article body: what is not the story by markup, text blocks, the
  container vote, the clean-up inside it, and the choice with JSON-LD ``articleBody``;
* :mod:`.baseline` -- the text-only last resort;
* :mod:`.extract` -- the stages in order, and :func:`extract_html`.
"""

from __future__ import annotations

from .byline import _byline_name  # noqa: F401 - tests use these names from here
from .decode import _decode, _parse  # noqa: F401
from .extract import extract_html
from .scoring import TUNING

__all__ = ["extract_html", "TUNING"]
