"""Where the story is: prose blocks vote for their ancestors (Readability-style), the
best candidate damped by its link density wins, and siblings or near cousins with
prose of their own join it (stories cut in pieces by ad slots).  Teaser cards'
blurbs are flagged first so that a list of teasers cannot win."""

from __future__ import annotations

import re
from itertools import islice

from bs4 import Tag

from .blocks import _Block
from .boilerplate import _CAMEL, _CONTENT_ATTR
from .tree import _KINDS, _TAG, _WS, _attr, _kind_of, _parent, _short_text, _strings, _text_content, _within

#: The thresholds of the body extractor, by name, so that an evaluation can
#: choose them on one part of a page set and score them on another
#: (``scripts/eval_extraction.py --halves`` / ``--folds``).  Values are the
#: defaults; nothing else changes them.
TUNING: dict[str, float] = {
    "sibling_share": 0.2,   # a sibling of the winning container joins with this share of its score
    "cousin_share": 0.45,   # a cousin (story cut across wrappers) joins with this share
    "ld_body_ratio": 0.5,   # JSON-LD articleBody wins when the DOM text is shorter than this share
}


def _prose_weight(block: _Block) -> float:
    """How much this block looks like story text (0 for link lists and fragments)."""
    n = len(block.text)
    if n < 25 or block.heading or block.bad:
        return 0.0
    if block.link > 0.33 * n:
        return 0.0
    commas = len(re.findall(r"[,，、،]", block.text))
    return 1.0 + commas + min(n / 100.0, 3.0)


_TAG_BONUS = {
    "article": 8.0, "main": 4.0, "div": 5.0, "section": 3.0, "pre": 3.0, "td": 3.0,
    "blockquote": 3.0, "body": 0.0, "form": -3.0, "ol": -3.0, "ul": -3.0, "dl": -3.0,
    "li": -3.0, "dd": -3.0, "dt": -3.0, "address": -3.0, "th": -5.0, "header": -5.0,
}


def _attr_bonus(el) -> float:
    score = 0.0
    itemprop = (el.get("itemprop") or "").lower()
    if itemprop in ("articlebody", "text", "reviewbody"):
        score += 30
    joined = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
    if joined and _CONTENT_ATTR.search(_CAMEL.sub("-", joined)):
        score += 15
    return score


def _choose_container(blocks: list[_Block], body):
    """Readability-style voting: prose blocks vote for their ancestors.

    Returns the winning element, the final score of every candidate by ``id()`` and
    the candidates by ``id()``.
    """
    scores: dict[int, float] = {}
    order: dict[int, int] = {}
    nodes: dict[int, Tag] = {}
    for block in blocks:
        weight = _prose_weight(block)
        if not weight:
            continue
        owner = block.owner
        # The owner itself (a <p>) is not a candidate; a div with loose prose is.
        if block.tag in ("p", "li", "dd", "dt", "td", "th", "pre", "blockquote", "font", "h1",
                         "h2", "h3", "h4", "h5", "h6"):
            el = _parent(owner)
        else:
            el = owner
        level = 0
        while el is not None and level < 5:
            key = id(el)
            if key not in scores:
                scores[key] = _TAG_BONUS.get(el.name.lower(), 0.0) + _attr_bonus(el)
                order[key] = len(order)
                nodes[key] = el
            divider = 1.0 if level == 0 else (2.0 if level == 1 else level * 3.0)
            scores[key] += weight / divider
            el = _parent(el)
            level += 1
    if not scores:
        return None, scores, nodes
    # Link density of each candidate, from the blocks below it.
    totals: dict[int, list[int]] = {key: [0, 0] for key in scores}
    for block in blocks:
        el = block.owner
        for _ in range(40):
            if el is None:
                break
            t = totals.get(id(el))
            if t is not None:
                t[0] += len(block.text)
                t[1] += block.link
            el = _parent(el)
    final = {}
    for key, score in scores.items():
        chars, links = totals[key]
        density = links / chars if chars else 1.0
        final[key] = score * (1.0 - density)
    best = max(final, key=lambda k: (final[k], -order[k]))
    return nodes[best], final, nodes


def _chain(el, limit: int) -> dict[int, int]:
    """``id()`` of ``el`` and its first ancestors -> distance from ``el``."""
    out: dict[int, int] = {}
    while el is not None and len(out) < limit:
        out[id(el)] = len(out)
        el = _parent(el)
    return out


#: The small print of reader comments: a reply button, a relative time, a reply count.
_DISCUSSION = re.compile(
    r"^(?:reply|report|flag|like|\d+\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago|"
    r"\d+\s+(?:replies|comments|responses))$",
    re.IGNORECASE,
)


def _discussion(el) -> bool:
    """True when ``el`` reads as reader comments: two lines at least of their small print
    (whatever the class names say), as in the comment lists of blogs and news sites."""
    hits = 0
    for text in islice(_strings(el), 2000):
        if len(text) < 40 and _DISCUSSION.match(text.strip()):
            hits += 1
            if hits >= 2:
                return True
    return False


def _select_blocks(blocks: list[_Block], body) -> list[_Block]:
    top, final, nodes = _choose_container(blocks, body)
    if top is None:
        return []
    top_score = final[id(top)]
    # Merge siblings with prose of their own (stories split by ad slots).
    parent = _parent(top)
    chosen = {id(top)}
    if parent is not None:
        threshold = max(10.0, top_score * TUNING["sibling_share"])
        top_class = _attr(top, "class")
        for sib in parent.contents:
            if sib is top or (_KINDS.get(type(sib)) or _kind_of(sib)) != _TAG:
                continue
            bonus = top_score * TUNING["sibling_share"] if top_class and _attr(sib, "class") == top_class else 0.0
            if final.get(id(sib), 0.0) + bonus >= threshold and not _discussion(sib):
                chosen.add(id(sib))
    # Stories cut into chunks that sit in separate wrappers (cousins, not siblings):
    # merge comparable candidates whose common ancestor with the top is near.
    top_up = _chain(top, 5)
    for cand, score in sorted(final.items(), key=lambda x: -x[1]):
        if score < max(10.0, top_score * TUNING["cousin_share"]):
            break
        if cand in chosen or cand in top_up:
            continue
        up, el, inside = 0, nodes[cand], False
        while el is not None and up < 5:
            if id(el) in chosen:
                inside = True
                break
            if id(el) in top_up:
                break
            el = _parent(el)
            up += 1
        if inside or el is None or id(el) not in top_up:
            continue
        if up <= 4 and top_up[id(el)] <= 4 and not _discussion(nodes[cand]):
            chosen.add(cand)
    selected = []
    for block in blocks:
        el = block.owner
        inside = False
        for _ in range(60):
            if el is None:
                break
            if id(el) in chosen:
                inside = True
                break
            el = _parent(el)
        if inside:
            selected.append(block)
        elif parent is not None and _parent(block.owner) is parent and _prose_weight(block) \
                and block.tag == "p":
            selected.append(block)  # a loose sibling <p> of the container
    return selected
_TEASER_BOX = 650  # > the longest blurb (400) + the card's other text (250)


def _mark_teasers(blocks: list[_Block]) -> None:
    """Flag the blurbs of teaser cards: a short text alone in a small box with a headline link."""
    lengths: dict[int, int] = {}

    def text_len(el) -> int:
        """Normalised text length of a box, or -1 if it is bigger than any card."""
        key = id(el)
        if key not in lengths:
            text = _short_text(el, _TEASER_BOX)
            lengths[key] = -1 if text is None else len(text)
        return lengths[key]

    for blurb in blocks:
        nb = len(blurb.text)
        if nb >= 400 or nb < 25 or blurb.link >= 0.5 * nb or blurb.heading:
            continue
        owner = blurb.owner
        el, level = _parent(owner), 0
        while el is not None and level < 3:
            size = text_len(el)
            if size < 0 or size > nb + 250:
                break
            link_chars = 0
            for a in el.find_all("a"):
                if _within(a, owner, el):
                    continue  # the blurb's own links
                link_chars += len(_WS.sub(" ", _text_content(a)).strip())
            if link_chars >= 15 and link_chars >= 0.6 * (size - nb):
                blurb.bad = True
                break
            el = _parent(el)
            level += 1
