"""Inside the chosen container: drop what is not story text (link lists, share prompts,
bylines, bare dates, kickers above and tag lists below the story, headings of dropped
boxes, pull quotes, photo captions, a trailing author bio)."""

from __future__ import annotations

import re

from .blocks import _Block
from .boilerplate import _inside_sentence
from .scoring import _prose_weight
from .tree import _attr, _norm_key, _parent, _shingle_set, _short_text, _within

_JUNK = re.compile(
    r"^(?:advertisement|advertising|sponsored|ad|read more|read next|more from|related|"
    r"share(?: this)?(?: article| story| on \w+)?|follow us|sign up|subscribe|click here|"
    r"continue reading(?: (?:below|the (?:main )?(?:story|article)))?|skip (?:to|ad)|comments?|load more|see more|view comments|"
    r"story continues below(?: advertisement)?|article continues below|"
    r"(?:image|photo|picture|video)(?: credit)?s?:.*|getty images|"
    r"\(?(?:reporting|editing|writing|additional reporting) by .*|"
    r"copyright .*|©.*|all rights reserved.*|updated:? .*|published:? .*|posted:? .*|"
    r"by [\w .,'-]{2,60}|last updated.*|listen to (?:this )?article.*)$",
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"\b(?:sign up|subscribe|register)\b.{0,80}\b(?:newsletter|inbox|email|e-mail)\b"
    r"|\b(?:get|receive|delivered|sent|straight|direct|land)\b.{0,60}\b(?:to|in|into) your inbox\b",
    re.IGNORECASE,
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
    if n < 200 and block.link and _POINTER.match(text):
        return True  # "Related: <a>another story</a> ..." set between paragraphs
    return n < 100 and _share_bar(text)


#: A line that points to another story: "Related:", "Read more:", "See also -"...
_POINTER = re.compile(
    r"^(?:related(?: stories| articles| coverage)?|read (?:more|also|next)|also read|see also|more on this|"
    r"recommended|must read|don't miss|watch|listen)\s*[:|\u2013\u2014-]", re.IGNORECASE)


#: The words of a share bar ("Share this article Facebook Twitter Email").
_SHARE_WORDS = {
    "share", "this", "article", "story", "on", "via", "facebook", "twitter", "x", "email", "e-mail",
    "mail", "whatsapp", "linkedin", "pinterest", "reddit", "telegram", "messenger", "print", "copy",
    "link", "flipboard", "tumblr", "sms", "save", "comment", "comments", "threads", "bluesky",
}


def _share_bar(text: str) -> bool:
    """A short line made of sharing words and network names, two networks at least."""
    words = re.findall(r"[\w-]+", text.lower())
    networks = sum(w in _SHARE_WORDS and w not in ("share", "this", "article", "story", "on", "via",
                                                   "copy", "link", "save", "print") for w in words)
    return bool(words) and networks >= 2 and all(w in _SHARE_WORDS or w.isdigit() for w in words)


_SENTENCE_END = re.compile(r"[.!?\u2026][\"\u201d\u2019')\]]*$")


def _sentence(text: str) -> bool:
    """Written as a sentence: four words or more, ending with a full stop, a question or
    an exclamation mark (jusText's paragraph shape, without its length classes)."""
    return len(text.split()) >= 4 and bool(_SENTENCE_END.search(text))


def _trim_edges(selected: list[_Block], keep: list[bool], good: list[bool], first: int, last: int) -> None:
    """Above and below the story's paragraphs (``first``..``last``) only sentences stay:
    kickers, bylines, datelines above it and tag lists, labels below it are not written
    as sentences.  Also stay, as the story's: the lines of an element that holds story
    paragraphs (split by ``<br><br>``), the items of a list set among the story's
    paragraphs (unless every item links out: related stories), and the line ending
    with a colon that introduces such a list.
    (Headings are judged by what follows them, in :func:`_filter_blocks`.)"""
    owners = {id(b.owner) for b, g in zip(selected, good) if g}
    parents = {id(_parent(b.owner)) for b, g in zip(selected, good) if g}

    def story_list(block: _Block) -> bool:
        box = _parent(block.owner) if block.in_list else None
        if box is None or id(_parent(box)) not in parents:
            return False
        items = box.find_all(["li", "dd", "dt"], recursive=False)
        return not all(item.find("a") is not None for item in items)  # else: a list of links out

    for i, block in enumerate(selected):
        if not keep[i] or block.heading or first <= i <= last or _sentence(block.text):
            continue
        if id(block.owner) in owners or story_list(block):
            continue
        if block.text.endswith(":") and id(_parent(block.owner)) in parents and i + 1 < len(selected) \
                and story_list(selected[i + 1]):
            continue
        keep[i] = False


def _filter_blocks(selected: list[_Block]) -> list[str]:
    good = [bool(_prose_weight(b)) and len(b.text) >= 60 for b in selected]
    keep = [not _junk(b) for b in selected]
    first = next((i for i, g in enumerate(good) if g), None)
    last = max((i for i, g in enumerate(good) if g), default=-1)
    if first is None:
        return [b.text for b, k in zip(selected, keep) if k]
    _trim_edges(selected, keep, good, first, last)
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
#: A trailing author bio: "Jane Morgan is a culture reporter for ...", "About the author ...",
#: "Jane Morgan covers schools for ...".
_BIO = re.compile(
    r"^(?:about the author\b|(?:[A-Z][\w.'’-]+\s+){1,3}(?:(?:is|was|has been|covers|writes)\b.{0,250}?"
    r"\b(?:reporter|correspondent|writer|editor|journalist|columnist|contributor|author|producer|"
    r"analyst|critic|freelance[rd]?|staff|fellow|professor)\b|(?:covers|writes about|reports on)\s.{0,150}?\bfor\s))",
    re.DOTALL,
)
#: A sign-off after the story: how to reach or follow the writer or the paper.
_CONTACT = re.compile(
    r"\bfollow\b.{0,60}?\bon (?:twitter|facebook|instagram|linkedin|threads|bluesky|mastodon|tiktok|x)\b"
    r"|\b(?:contact|email|e-mail|write to|reach)\s+(?:him|her|them|me|us|the (?:reporter|author|writer|editor)s?)\b",
    re.IGNORECASE | re.DOTALL,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", re.IGNORECASE)
_WHO = re.compile(r"\b(?:him|her|them|me|us|our|the (?:reporter|author|writer|editor|desk|newsroom)s?)\b",
                  re.IGNORECASE)
#: The page's legal line, and a wire story's credits ("(Reporting by ...; Editing by ...)").
_RIGHTS = re.compile(r"^(?:copyright\b|©|\(c\)\s*\d{4})|\ball rights reserved\b"
                     r"|^\(?(?:additional )?(?:reporting|editing|writing) by\b.{0,300}\bby\b", re.IGNORECASE)


def _trailer(text: str) -> bool:
    """A block that closes a page, not a story: author bio, contact or follow line,
    newsletter prompt, copyright line (only looked for after the story's last paragraph)."""
    if len(text) >= 400:
        return False
    if _BIO.match(text.strip(" \u201c\"'*_")) or _RIGHTS.search(text) or _PROMO.search(text):
        return True
    return bool(_CONTACT.search(text) or (_EMAIL.search(text) and _WHO.search(text)))


_MEDIA = ("img", "picture", "video", "figure")


def _beside_image(block: _Block) -> bool:
    """A caption by position: a short line that shares a small box with a picture and
    nothing else (the picture not set inside running text).

    (A short line merely *following* a picture is not enough: story paragraphs
    after inline pictures are as short.)"""
    if block.heading or block.in_list or len(block.text) >= 250 or _quote_like(block):
        return False
    el = block.owner
    for _ in range(3):
        if el is None or el.name in ("body", "article", "main"):
            break
        if _short_text(el, len(block.text) + 20) is None:
            break  # the box holds more than this line
        media = el.find(_MEDIA)
        if media is not None and not _inside_sentence(media):
            return True
        el = _parent(el)
    return False


def _in_form_box(block: _Block) -> bool:
    """A line of a small box that holds a form field: a newsletter sign-up, a poll, a
    comment form ("Enter your email address...", "Thanks for signing up!")."""
    el = block.owner
    for _ in range(3):
        if el is None or el.name in ("body", "article", "main", "form"):
            return False
        if _short_text(el, _FORM_BOX) is None:
            return False  # the box holds more than a form's prompts
        for field in el.find_all(("input", "textarea", "select")):
            if (field.get("type") or "text").lower() not in ("hidden", "submit", "button", "image"):
                return True
        el = _parent(el)
    return False


_FORM_BOX = 600


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
        if len(text) < 300 and (_CREDIT_END.search(text) or _beside_image(block) or _in_form_box(block)):
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
    _drop_trailers(selected, keep)


def _drop_trailers(selected: list[_Block], keep: list[bool]) -> None:
    """Drop the sign-offs after the story (see :func:`_trailer`), last first, keeping at
    least three paragraphs; then any heading left with nothing after it."""
    remaining = [i for i, k in enumerate(keep) if k and not selected[i].heading]
    while len(remaining) > 3 and _trailer(selected[remaining[-1]].text):
        keep[remaining.pop()] = False
    if remaining:
        for i in range(remaining[-1] + 1, len(selected)):
            keep[i] = False
