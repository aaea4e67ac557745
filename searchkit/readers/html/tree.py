"""The bs4 tree as this package reads it: node kinds, attributes, bounded text walks.

* ``Tag.__hash__`` serialises the whole subtree and ``Tag.__eq__`` compares markup, so
  every per-element map and set here is keyed by ``id(tag)``, never by the tag.
* ``class`` (and ``rel`` on links) come back as lists: :func:`_attr` joins them.
* Comments, doctypes and processing instructions are strings in the tree; only
  :data:`_TEXT` strings count as text (script and style text included, as in lxml's
  ``text_content()``).
* bs4 keeps any nesting depth (libxml2's own tree stops at 256), so every walk here
  is iterative and walks into small boxes are capped (``_BOX_NODES``).
"""

from __future__ import annotations

import html as _html
import re
from typing import Any, Iterable

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

_MAX_DEPTH = 400  # deeper elements are treated as plain text of their ancestor
# bs4 spends some 10-20 us and 1 KB per element: markup with more tags than this is read
# flat rather than built into a tree (a news page has a few thousand).
_MAX_MARKUP_TAGS = 150_000
# A tree deeper than this is junk (news pages stay under 60; libxml2's own tree stopped
# at 256): its metadata is still read, its body is read flat.
_MAX_TREE_DEPTH = 512
# Small boxes (date lines, bylines, teaser cards) are read with this many nodes at most,
# so that nested boxes cannot make the walks quadratic.
_BOX_NODES = 5_000
_WEAK_BOX_NODES = 20_000


_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return _WS.sub(" ", _html.unescape(text)).strip() if "&" in text else _WS.sub(" ", text).strip()


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str):
            value = _clean(value)
            if value:
                return value
    return None


_TAG, _TEXT, _OTHER = 1, 2, 3
_KINDS: dict[type, int] = {}


def _kind_of(node: Any) -> int:
    """_TAG, _TEXT (character data, script/style text included) or _OTHER (comment,
    doctype, processing instruction, CDATA...), cached per node class."""
    cls = type(node)
    kind = _KINDS.get(cls)
    if kind is None:
        if issubclass(cls, Tag):
            kind = _TAG
        elif issubclass(cls, NavigableString) and not issubclass(cls, PreformattedString):
            kind = _TEXT
        else:
            kind = _OTHER
        _KINDS[cls] = kind
    return kind


def _attr(el: Tag, name: str) -> str | None:
    """An attribute as one string (bs4 gives ``class`` and ``rel`` as lists)."""
    value = el.get(name)
    if value is None or isinstance(value, str):
        return value
    return " ".join(value)


def _parent(el: Tag) -> Tag | None:
    """The parent element; ``None`` above ``<html>`` (the soup object is no element)."""
    parent = el.parent
    if parent is None or isinstance(parent, BeautifulSoup):
        return None
    return parent


def _tags(el: Tag, self_too: bool = True) -> Iterable[Tag]:
    """``el`` (unless it is the soup) and its descendant elements, in document order."""
    if self_too and not isinstance(el, BeautifulSoup):
        yield el
    kinds = _KINDS
    for node in el.descendants:
        if (kinds.get(type(node)) or _kind_of(node)) == _TAG:
            yield node


def _strings(el: Tag) -> Iterable[str]:
    kinds = _KINDS
    for node in el.descendants:
        if (kinds.get(type(node)) or _kind_of(node)) == _TEXT:
            yield node


def _text_content(el: Tag) -> str:
    """All character data under ``el`` (lxml's ``text_content()``: no comments)."""
    return "".join(_strings(el))


def _text_of(el: Tag) -> str:
    try:
        return _WS.sub(" ", _text_content(el)).strip()
    except Exception:  # noqa: BLE001
        return ""


def _short_text(el: Tag, limit: int, max_nodes: int = _BOX_NODES) -> str | None:
    """The whitespace-normalised text of ``el`` if it is at most ``limit`` characters
    (and ``el`` holds at most ``max_nodes`` nodes), else ``None`` -- without reading a
    big subtree to the end."""
    kinds = _KINDS
    parts, solid, seen = [], 0, 0
    for node in el.descendants:
        seen += 1
        if seen > max_nodes:
            return None
        if (kinds.get(type(node)) or _kind_of(node)) == _TEXT:
            parts.append(node)
            solid += len("".join(node.split()))
            if solid > limit:
                return None
    text = _WS.sub(" ", "".join(parts)).strip()
    return text if len(text) <= limit else None


def _box_text(el: Tag) -> str:
    """The normalised text of a box that should be small ("" if it holds a big subtree)."""
    return _short_text(el, 1 << 30) or ""


def _solid_len_below(el: Tag, limit: int) -> bool:
    """True if ``el`` holds fewer than ``limit`` non-whitespace characters (a box with
    more than ``_WEAK_BOX_NODES`` nodes counts as big)."""
    kinds = _KINDS
    solid, seen = 0, 0
    for node in el.descendants:
        seen += 1
        if seen > _WEAK_BOX_NODES:
            return False
        if (kinds.get(type(node)) or _kind_of(node)) == _TEXT:
            solid += len("".join(node.split()))
            if solid >= limit:
                return False
    return True


def _text_len_above(el: Tag, limit: int) -> bool:
    """True if the raw text under ``el`` is longer than ``limit`` characters."""
    total = 0
    for text in _strings(el):
        total += len(text)
        if total > limit:
            return True
    return False


def _lead_text(el: Tag) -> str | None:
    """The text before the first child element (lxml's ``el.text``)."""
    parts = []
    for node in el.contents:
        kind = _KINDS.get(type(node)) or _kind_of(node)
        if kind == _TAG:
            break
        if kind == _TEXT:
            parts.append(node)
    return "".join(parts) if parts else None
def _empty() -> dict:
    return {
        "title": None,
        "body": "",
        "date": None,
        "author": None,
        "tags": [],
        "source": None,
        "url": None,
        "dateline": None,
    }


def _norm_key(text: str) -> str:
    """Letters and digits only, lowercased: for comparing titles and paragraphs."""
    return re.sub(r"[\W_]+", "", text.lower())


def _within(el, box, stop) -> bool:
    """True if ``el`` is ``box`` or inside it (looking no higher than ``stop``)."""
    for _ in range(61):
        if el is None or el is stop:
            return False
        if el is box:
            return True
        el = _parent(el)
    return False


_TOKEN = re.compile(r"\w+")
_TAG_RE = re.compile(r"<[^>]*>")


def _shingle_set(text: str, n: int = 4) -> set:
    toks = _TOKEN.findall(text.lower())
    return set(zip(*(toks[i:] for i in range(n))))  # every run of n tokens, as a tuple
