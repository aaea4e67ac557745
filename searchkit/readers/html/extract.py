"""One page through every stage: decode, parse, collect the elements metadata needs,
then title, date, author, tags, source, url and the body (see the package docstring)."""

from __future__ import annotations

import warnings

from bs4 import BeautifulSoup, NavigableString, Tag

from .baseline import _text_only
from .body import _dateline, _page_body
from .byline import _page_author
from .dates import _page_date
from .decode import _decode, _parse
from .jsonld import _jsonld_metadata
from .meta import _canonical, _meta_tags, _page_source, _page_tags, _page_url
from .title import _first_h1, _page_title
from .tree import _MAX_MARKUP_TAGS, _MAX_TREE_DEPTH, _attr, _empty, _tags

_WANTED = ("script", "meta", "link", "h1", "title", "time", "body", "html")


def _collect(root: BeautifulSoup) -> tuple[dict[str, list[Tag]], int]:
    """One walk over the tree: the few kinds of elements metadata needs, and the tree's depth."""
    wanted: dict[str, list[Tag]] = {name: [] for name in _WANTED}
    path: list[Tag] = []  # the ancestors of the current element, to measure the depth
    depth = 0
    for el in _tags(root, self_too=False):
        parent = el.parent
        while path and path[-1] is not parent:
            path.pop()
        path.append(el)
        if len(path) > depth:
            depth = len(path)
        found = wanted.get(el.name)
        if found is not None:
            found.append(el)
    return wanted, depth


def _ld_scripts(scripts: list[Tag]) -> list[str]:
    """The code of every ``application/ld+json`` script."""
    out = []
    for el in scripts:
        kind = (_attr(el, "type") or "").lower()
        if "ld+json" in kind:
            code = "".join(x for x in el.contents if isinstance(x, NavigableString))
            if code:
                out.append(code)
    return out


def _extract(raw: bytes | str, inflate: bool = True) -> dict:
    result = _empty()
    if isinstance(raw, (bytes, bytearray, memoryview)):
        text = _decode(bytes(raw), inflate)
    elif isinstance(raw, str):
        text = raw
    else:
        return result
    if text.count("<") > _MAX_MARKUP_TAGS:
        return _text_only(text)
    root = _parse(text)
    if root is None:
        return result
    wanted, depth = _collect(root)
    deep = depth > _MAX_TREE_DEPTH
    body_el = wanted["body"][0] if wanted["body"] else None
    # where the body text is looked for: <body>, else <html>, else the whole soup
    body_root = body_el if body_el is not None else (wanted["html"][0] if wanted["html"] else root)

    scripts = _ld_scripts(wanted["script"])
    metas = _meta_tags(wanted["meta"])
    canonical = _canonical(wanted["link"])
    h1 = _first_h1(wanted["h1"])
    ld = {}
    if scripts:
        hints = [h1, *(metas.get("og:title") or ())[:1], *(metas.get("twitter:title") or ())[:1]]
        ld = _jsonld_metadata(scripts, canonical, hints)
    result["url"] = url = _page_url(ld, metas, canonical)
    result["source"] = source = _page_source(ld, metas)
    result["title"] = title = _page_title(ld, metas, wanted["title"], h1, source, url)
    result["date"] = _page_date(ld, metas, root, wanted["time"], body_el, deep, url)
    result["author"] = _page_author(ld, metas, body_root, deep)
    result["tags"] = _page_tags(ld, metas)
    if deep:
        # Absurd nesting: the body heuristics are not worth their time on it.
        body = _text_only(text)["body"]
    else:
        body = _page_body(text, ld, (title, h1, ld.get("title")), body_root, body_el)
    result["body"] = body
    result["dateline"] = _dateline(body) if body else None
    return result


def extract_html(raw: bytes | str, inflate: bool = True) -> dict:
    """Extract title, body, date, author, tags, source, url and dateline from an HTML page.

    ``raw`` is the page as bytes (encoding taken from a BOM, ``<meta charset>`` or
    ``http-equiv``, else UTF-8, else windows-1252; gzip bytes are inflated unless
    ``inflate`` is false, for callers that have inflated them already) or str.
    Never raises: on any failure of the tree route a text-only extraction is returned.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _extract(raw, inflate)
        except Exception:  # noqa: BLE001 - a reader must never stop an index run
            return _text_only(raw, inflate)
