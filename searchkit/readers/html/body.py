"""The article body: the DOM route (segment, score, clean up), JSON-LD ``articleBody``
when the DOM found little, and the agency dateline that opens the story."""

from __future__ import annotations

import re
from typing import Callable

from bs4 import Tag

from .baseline import _text_only
from .blocks import _segment
from .cleanup import _filter_blocks, _junk
from .scoring import TUNING, _mark_teasers, _select_blocks
from .tree import _WS, _norm_key, _shingle_set, _text_of

def _dom_body(body: Tag) -> list[str]:
    """The story paragraphs under ``body`` (``<body>``, or what stands for it)."""
    blocks = _segment(body)
    _mark_teasers(blocks)
    paragraphs = _filter_blocks(_select_blocks(blocks, body))
    if sum(len(p) for p in paragraphs) < 200:
        # Boilerplate rules may have eaten the story (a whole page marked "post-meta"...):
        # try again without them and keep the richer result.
        loose = _segment(body, drop_boilerplate=False)
        _mark_teasers(loose)
        again = _filter_blocks(_select_blocks(loose, body))
        if sum(len(p) for p in again) > 2 * sum(len(p) for p in paragraphs):
            paragraphs = again
    return paragraphs


def _choose_body(dom: list[str], ld_body: str | None, page_text: Callable[[], str]) -> str:
    """The DOM paragraphs, or JSON-LD ``articleBody`` when the DOM route found little.

    ``page_text`` gives the page's text on demand: it is only read (and shingled) when
    the structured body could win.
    """
    dom_text = "\n\n".join(dom)
    if not ld_body:
        return dom_text
    ld = ld_body.strip()
    if len(ld) < 200 or len(dom_text) >= TUNING["ld_body_ratio"] * len(ld):
        return dom_text
    ld_sh = _shingle_set(ld)
    if not ld_sh:
        return dom_text
    if len(dom_text) >= 200:
        # (A page whose story is rendered by scripts has no DOM text to check against.)
        on_page = len(ld_sh & _shingle_set(page_text())) / len(ld_sh)
        if on_page < 0.5:
            return dom_text  # articleBody from another page, or markup soup
    # The DOM route found little: the structured body is the better bet.
    if "\n" not in ld:
        return _WS.sub(" ", ld)
    return "\n\n".join(p for p in (_WS.sub(" ", x).strip() for x in re.split(r"\n\s*\n|\n", ld)) if p)


_DATELINE = re.compile(
    r"^((?:[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){0,3})(?:,\s*[A-Z][A-Za-z. ]{1,30})?"
    r"(?:\s*\([A-Za-z .&-]{2,30}\))?)\s*(?:—|–|-{1,2})\s+\S"
)


def _dateline(body: str) -> str | None:
    first = body.split("\n\n", 1)[0][:200]
    match = _DATELINE.match(first)
    if not match:
        return None
    value = match.group(1).strip()
    letters = re.sub(r"[^A-Za-z]", "", value.split("(")[0].split(",")[0])
    if len(letters) < 3 or not letters.isupper():
        return None
    return value




def _page_body(text: str, ld: dict, heads: tuple, body_root: Tag, body_el: Tag | None) -> str:
    """The body of a parsed page (``text``: its markup, for the flat last resort;
    ``heads``: its title and ``<h1>``, dropped when the story repeats them first)."""
    try:
        paragraphs = _dom_body(body_root)
    except RecursionError:
        paragraphs = []
    # The headline repeated at the top of the story is metadata, not body text.
    keys = {_norm_key(x) for x in heads if x}
    keys.discard("")
    while paragraphs and len(paragraphs[0]) < 300 and _norm_key(paragraphs[0]) in keys:
        paragraphs = paragraphs[1:]
    body = _choose_body(paragraphs, ld.get("body"), lambda: _text_of(body_root))
    if not body:
        # Nothing story-like: keep whatever visible text the page has.
        if body_el is not None:
            blocks = _segment(body_el, drop_boilerplate=False)
            body = "\n\n".join(b.text for b in blocks if not _junk(b))
    if not body:
        # The tree may have lost the text (a parser that gave up): read it flat.
        body = _text_only(text)["body"]
    return body
