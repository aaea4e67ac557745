"""Inside the chosen container: drop what is not story text (link lists, share prompts,
bylines, bare dates, kickers above and tag lists below the story, headings of dropped
boxes, pull quotes, photo captions, a trailing author bio)."""

from __future__ import annotations

import re

from .blocks import _Block
from .scoring import TUNING, _prose_weight
from .tree import _attr, _norm_key, _parent, _shingle_set, _within

_JUNK = re.compile(
    r"^(?:advertisement|advertising|sponsored|ad|read more|read next|more from|related|"
    r"share(?: this)?(?: article| story| on \w+)?|follow us|sign up|subscribe|click here|"
    r"continue reading|skip (?:to|ad)|comments?|load more|see more|view comments|"
    r"story continues below(?: advertisement)?|article continues below|"
    r"(?:image|photo|picture|video)(?: credit)?s?:.*|getty images|"
    r"\(?(?:reporting|editing|writing|additional reporting) by .*|"
    r"copyright .*|©.*|all rights reserved.*|updated:? .*|published:? .*|posted:? .*|"
    r"by [\w .,'-]{2,60}|last updated.*|listen to (?:this )?article.*)$",
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"\b(?:sign up|subscribe|register)\b.{0,80}\b(?:newsletter|inbox|email|e-mail)\b", re.IGNORECASE
)
_DATEISH = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s+)?(?:\w+\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+\w+\s+\d{4}|"
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:\s*(?:at\s*)?\d{1,2}[:.]\d{2}.*)?$",
    re.IGNORECASE,
)


def _junk(block: _Block) -> bool:
    """Evident non-story blocks: link lists, share prompts, bylines, bare dates."""
    text = block.text
    n = len(text)
    if block.bad:
        return True
    limit = 0.8 if (n >= 100 and not block.in_list) else 0.5
    if block.link > limit * n:
        return True
    if n < 120 and _JUNK.match(text):
        return True
    if n < 40 and _DATEISH.match(text):
        return True
    if n < 300 and _PROMO.search(text):
        return True
    return False


def _filter_blocks(selected: list[_Block]) -> list[str]:
    good = [bool(_prose_weight(b)) and len(b.text) >= 60 for b in selected]
    keep = [not _junk(b) for b in selected]
    first = next((i for i, g in enumerate(good) if g), None)
    last = max((i for i, g in enumerate(good) if g), default=-1)
    if first is None:
        return [b.text for b, k in zip(selected, keep) if k]
    for i, block in enumerate(selected):
        if not keep[i]:
            continue
        n = len(block.text)
        if i < first and n < TUNING["lead_max"] and not block.heading:
            keep[i] = False  # kickers, bylines and datelines above the story
        elif i > last and n < TUNING["tail_min"]:
            keep[i] = False  # tag lists and sign-offs below the story
    for i, block in enumerate(selected):
        if keep[i] and block.heading:
            following = [j for j in range(i + 1, min(len(selected), i + 4)) if keep[j]]
            if len(block.text) > 300 or not following or selected[following[0]].heading and \
                    not any(not selected[j].heading for j in following):
                keep[i] = False
            elif _heads_dropped_box(selected, keep, i, following[0]):
                keep[i] = False
    _drop_inserts(selected, keep, last)
    return [b.text for b, k in zip(selected, keep) if k]


def _heads_dropped_box(selected: list[_Block], keep: list[bool], i: int, next_kept: int) -> bool:
    """True when heading ``i`` titles a box whose text was all dropped (a newsletter
    box's "The Morning Briefing"): the heading's parent holds the dropped block
    right after it, but not the next block that is kept."""
    if i + 1 >= len(selected) or keep[i + 1]:
        return False
    box = _parent(selected[i].owner)
    if box is None or box.name in ("body", "article", "main", "section"):
        return False
    return _within(selected[i + 1].owner, box, None) and not _within(selected[next_kept].owner, box, None)


#: A caption ends with its credit: "... Photograph: Anna Berg/Reuters", "... (AP Photo/John Doe)".
_CREDIT_END = re.compile(
    r"(?:\b(?:photo(?:graph)?|image|picture|pic|illustration|video|credit|foto)s?(?:\s+by)?\s*:\s*[^:\n]{2,80}"
    r"|\(?\b(?:ap|afp|reuters|epa|getty|pa|xinhua|anadolu)\s+(?:photo|images?)\b[^)]{0,60}\)?"
    r"|/\s*(?:getty images|afp|reuters|ap|epa|bloomberg|shutterstock|alamy|pa(?: wire)?|anadolu|sipa|"
    r"zuma|nurphoto|xinhua)(?: via [\w .]+)?\.?)\s*\)?\.?$",
    re.IGNORECASE,
)
#: A trailing author bio: "Jane Morgan is a culture reporter for ...", "About the author ...".
_BIO = re.compile(
    r"^(?:about the author\b|(?:[A-Z][\w.'’-]+\s+){1,3}(?:is|was|has been|covers|writes)\b.{0,250}?"
    r"\b(?:reporter|correspondent|writer|editor|journalist|columnist|contributor|author|producer|"
    r"analyst|critic|freelance[rd]?|staff|fellow|professor)\b)",
    re.DOTALL,
)


def _quote_like(block: _Block) -> bool:
    """Set as a quotation: opens with a quote mark, or sits in a blockquote / a box named *quote*."""
    if block.text[:1] in "\"“‘'«„":
        return True
    el = block.owner
    for _ in range(4):
        if el is None:
            return False
        if el.name in ("blockquote", "q"):
            return True
        marks = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
        if marks and "quote" in marks.lower():
            return True
        el = _parent(el)
    return False


def _drop_inserts(selected: list[_Block], keep: list[bool], last_good: int) -> None:
    """Drop what sits in a story without being part of it, by general traits:

    * a pull quote: a short block whose 4-word shingles are nearly all in the
      rest of the story (it repeats a sentence of it);
    * a photo caption: a short block ending with a photo credit;
    * an author bio: the story's last block, "<Name> is a ... reporter ...".
    """
    kept = [i for i, k in enumerate(keep) if k and not selected[i].heading]
    if len(kept) < 2:
        return
    shingles = {i: _shingle_set(selected[i].text) for i in kept}
    texts = {}
    for i in kept:
        texts.setdefault(_norm_key(selected[i].text), []).append(i)
    for i in kept:
        block = selected[i]
        text = block.text
        if len(text) >= 400:
            continue
        if len(text) < 300 and _CREDIT_END.search(text):
            keep[i] = False
            continue
        own = shingles[i]
        # A pull quote: set as a quote, not a list item, not a line the story repeats
        # on purpose (recipes, tables), and inside one clearly longer paragraph.
        if len(own) < 3 or block.in_list or len(texts[_norm_key(text)]) > 1 or not _quote_like(block):
            continue
        for j in kept:
            if j != i and keep[j] and len(selected[j].text) >= 1.3 * len(text) \
                    and len(own & shingles[j]) >= 0.8 * len(own):
                keep[i] = False
                break
    remaining = [i for i in kept if keep[i]]
    if len(remaining) >= 3:
        tail = remaining[-1]
        if len(selected[tail].text) < 400 and _BIO.match(selected[tail].text.strip(" \u201c\"'*_")):
            keep[tail] = False
