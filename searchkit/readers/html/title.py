"""The headline: JSON-LD, title metas, ``<title>`` (site name trimmed) or the first ``<h1>``."""

from __future__ import annotations

import re
from typing import Iterable

from bs4 import Tag

from .meta import _TITLE_META, _meta_value
from .tree import _TAG_RE, _box_text, _clean, _norm_key, _text_of


_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|/|:)\s+")


def _trim_title(title: str, site: str | None, h1: str | None, url: str | None) -> str:
    """``Headline | Site`` -> ``Headline`` (and ``Site - Headline`` -> ``Headline``)."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    seps = _TITLE_SEPARATORS.findall(title)
    keys = set()
    if site:
        keys.add(_norm_key(site))
    if url:
        host = re.sub(r"^https?://(www\d?\.)?", "", url).split("/")[0]
        if host:
            keys.add(_norm_key(host.rsplit(".", 1)[0]))
    keys.discard("")

    def is_site(part: str) -> bool:
        key = _norm_key(part)
        return bool(key) and any(key == k or (len(k) > 3 and (k in key or key in k)) for k in keys)

    # An <h1> that matches one segment, or a prefix of the title, settles it.
    if h1:
        hk = _norm_key(h1)
        if hk and _norm_key(title).startswith(hk) and len(hk) >= 10:
            return h1
    start, end = 0, len(parts)
    while end - start > 1 and is_site(parts[end - 1]):
        end -= 1
    while end - start > 1 and is_site(parts[start]):
        start += 1
    if (start, end) == (0, len(parts)):
        # No known site name: drop a short last segment after a strong separator.
        last_sep = seps[-1].strip()
        tail = parts[-1]
        head = title[: len(title) - len(tail) - len(seps[-1])]
        words = tail.split()
        name_like = last_sep in ("|", "::", "·", "•", "»") or re.search(r"\.\w{2,4}$", tail) or all(
            w[:1].isupper() or w[:1].isdigit() or w.lower() in ("of", "the", "and", "&", "de", "la")
            for w in words
        )
        if last_sep in ("|", "-", "–", "—", "::", "·", "•", "»") and len(words) <= 4 and name_like \
                and len(head.split()) >= 3 and len(tail) < len(head):
            return head.strip()
        return title
    # Rebuild the kept middle with its original separators.
    out = parts[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + parts[i]
    return out.strip() or title




def _first_h1(h1s: Iterable[Tag]) -> str | None:
    for el in h1s:
        text = _box_text(el)
        if text:
            return text
    return None


def _page_title(ld: dict, metas: dict[str, list[str]], titles: list[Tag], h1: str | None,
                source: str | None, url: str | None) -> str | None:
    page_title = _text_of(titles[0]) if titles else None
    if page_title and "<" in page_title:  # markup written inside <title> by a broken page
        page_title = _clean(_TAG_RE.sub(" ", page_title)) or None
    title = ld.get("title") or _meta_value(metas, *_TITLE_META) or page_title or h1
    if title and title is not ld.get("title"):
        title = _trim_title(title, source, h1, url)
    elif title and ld.get("title") and source:
        title = _trim_title(title, source, None, None) if _norm_key(source) in _norm_key(title) else title
    return title or None
