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
   article container.  Siblings that hold prose of their own are merged in
   (stories cut in pieces by ad slots).
3. Inside the container, link lists, bylines, share prompts and other short
   junk are dropped; headings and list items that sit among story
   paragraphs are kept.
4. JSON-LD ``articleBody`` is used instead when the DOM route found little
   and ``articleBody`` is long and consistent with the page text.

:func:`extract_html` never raises: anything the DOM route cannot handle
(broken bytes, absurd nesting) falls back to a plain text-only path.

Working with the bs4 tree:

* ``Tag.__hash__`` serialises the whole subtree and ``Tag.__eq__`` compares markup, so
  every per-element map and set here is keyed by ``id(tag)``, never by the tag.
* ``class`` (and ``rel`` on links) come back as lists: :func:`_attr` joins them.
* Comments, doctypes and processing instructions are strings in the tree; only
  :data:`_TEXT` strings count as text (script and style text included, as in lxml's
  ``text_content()``).
* bs4 keeps any nesting depth (libxml2's own tree stops at 256), so every walk here
  is iterative, the segmenter stops opening blocks below ``_MAX_DEPTH``, walks into
  small boxes are capped (``_BOX_NODES``), a tree deeper than ``_MAX_TREE_DEPTH`` keeps
  its metadata but has its body read flat, and markup with more than
  ``_MAX_MARKUP_TAGS`` tags is read flat without building a tree (bs4 costs about
  1 KB and 10-20 us per element).
"""

from __future__ import annotations

import codecs
import html as _html
import json
import re
import warnings
import zlib
from itertools import islice
from typing import Any, Callable, Iterable

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.dammit import EncodingDetector
from bs4.element import PreformattedString

from searchkit.dates import normalise_date

__all__ = ["extract_html"]

_GZIP_CAP = 200 * 1024 * 1024
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

# --------------------------------------------------------------------------- decoding

_DECLARATION_WINDOW = 32768  # bytes searched for <?xml encoding> / <meta charset>
# WHATWG: these labels mean windows-1252 in a browser; gb2312 means gb18030.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
    "utf8": "utf-8",
}


def _gunzip(raw: bytes) -> bytes:
    """Decompress gzip bytes, never more than the cap; keep what came out on error."""
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = inflater.decompress(raw, _GZIP_CAP)
        return out
    except zlib.error:
        return raw


def _lookup(name: bytes | str) -> str | None:
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    name = name.strip().lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec.startswith("utf-16") or codec.startswith("utf-32"):
        return "utf-8"  # a declared UTF-16 without a BOM is a lie (WHATWG)
    return codec


def _decode(raw: bytes) -> str:
    """Bytes -> text the way a browser reads a saved page.

    bs4's :class:`EncodingDetector` finds the byte-order mark and the declaration
    (``<?xml encoding>``, ``<meta charset>`` or ``http-equiv`` content); the label is
    then read with WHATWG's aliases (iso-8859-1/ascii are windows-1252, a UTF-16
    label without a BOM is UTF-8).  Order: BOM, declared (strict), UTF-8 (strict),
    declared (lenient), windows-1252 (lenient).  UnicodeDammit's own chain is not
    used: it would read a declared iso-8859-1 as Latin-1, trust a BOM-less UTF-16
    label, and prefer a strict windows-1252 read of a page that merely has a few
    bytes its declared encoding cannot decode.
    """
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw)
    data, bom = EncodingDetector.strip_byte_order_mark(raw)
    if bom:
        return data.decode(bom, "replace")
    label = EncodingDetector.find_declared_encoding(
        raw[:_DECLARATION_WINDOW], is_html=True, search_entire_document=True)
    declared = _lookup(label) if label else None
    if declared:
        try:
            return raw.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return raw.decode(declared, "replace")
        except LookupError:
            pass
    return raw.decode("cp1252", "replace")


# --------------------------------------------------------------------------- helpers

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


# --------------------------------------------------------------------------- the bs4 tree

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


# --------------------------------------------------------------------------- JSON-LD

_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle",
    "askpublicnewsarticle", "blogposting", "liveblogposting", "socialmediaposting",
    "discussionforumposting", "techarticle", "scholarlyarticle", "report",
    "satiricalarticle", "advertisertcontentarticle", "medicalscholarlyarticle",
}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage", "medicalwebpage", "aboutpage"}


def _types(obj: dict) -> set[str]:
    value = obj.get("@type")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return set()
    out = set()
    for item in value:
        if isinstance(item, str):
            out.add(item.rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower())
    return out


def _load_json(text: str) -> Any:
    text = text.strip()
    if text.startswith("<!--"):
        text = text[4:]
    if text.endswith("-->"):
        text = text[:-3]
    text = text.strip()
    if text.startswith("<![CDATA["):
        text = text[9:]
    if text.endswith("]]>"):
        text = text[:-3]
    text = text.strip().rstrip(";")
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        pass
    # Common breakage: trailing commas, raw newlines, several objects back to back.
    try:
        fixed = re.sub(r",\s*([}\]])", r"\1", text)
        return json.loads(fixed, strict=False)
    except (ValueError, RecursionError):
        pass
    try:
        decoder = json.JSONDecoder(strict=False)
        objects, pos = [], 0
        while pos < len(text):
            while pos < len(text) and text[pos] in " \t\r\n,;":
                pos += 1
            if pos >= len(text):
                break
            obj, pos = decoder.raw_decode(text, pos)
            objects.append(obj)
        return objects or None
    except (ValueError, RecursionError):
        return None


def _walk_jsonld(data: Any, out: list[dict], depth: int = 0) -> None:
    if depth > 12:
        return
    if isinstance(data, list):
        for item in data:
            _walk_jsonld(item, out, depth + 1)
    elif isinstance(data, dict):
        out.append(data)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart", "itemListElement", "about"):
            value = data.get(key)
            if isinstance(value, (dict, list)):
                _walk_jsonld(value, out, depth + 1)


def _ld_name(value: Any, index: dict[str, dict], depth: int = 0) -> list[str]:
    """Names from a schema.org person/organisation value (string, object, list, @id ref)."""
    if depth > 4 or value is None:
        return []
    if isinstance(value, str):
        value = _clean(value)
        if not value or value.startswith(("http://", "https://", "/")):
            return []
        return [value]
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            names.extend(_ld_name(item, index, depth + 1))
        return names
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str) and _clean(name):
            return [_clean(name)]
        if isinstance(name, list):
            return _ld_name(name, index, depth + 1)
        given, family = value.get("givenName"), value.get("familyName")
        if isinstance(given, str) or isinstance(family, str):
            joined = _clean(" ".join(x for x in (given, family) if isinstance(x, str)))
            if joined:
                return [joined]
        ref = value.get("@id")
        if isinstance(ref, str) and ref in index and index[ref] is not value:
            return _ld_name(index[ref], index, depth + 1)
    return []


def _ld_tags(value: Any) -> list[str]:
    if isinstance(value, str):
        sep = "," if "," in value else (";" if ";" in value else None)
        parts = value.split(sep) if sep else [value]
        return [p for p in (_clean(x) for x in parts) if p]
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, str):
                out.extend(_ld_tags(item))
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                out.extend(_ld_tags(item["name"]))
        return out
    return []


def _ld_url(value: Any) -> str | None:
    if isinstance(value, str):
        return _first(value)
    if isinstance(value, dict):
        return _ld_url(value.get("@id") or value.get("url"))
    if isinstance(value, list) and value:
        return _ld_url(value[0])
    return None


def _url_key(url: Any) -> str | None:
    """A URL without scheme, ``www.``, query, fragment and trailing slash, for comparing."""
    if not isinstance(url, str) or "//" not in url:
        return None
    rest = url.split("//", 1)[1].split("#", 1)[0].split("?", 1)[0].rstrip("/").lower()
    return rest[4:] if rest.startswith("www.") else rest


def _jsonld_metadata(scripts: Iterable[str], canonical: str | None = None,
                     titles: Iterable[str | None] = ()) -> dict:
    """Metadata from the page's JSON-LD objects.

    When a page carries several articles (related-story teasers beside the
    story), the one that is this page wins: its URL is the canonical URL, its
    headline is the page's ``<h1>``/``og:title``, or a WebPage names it as its
    main entity; only then the most complete object.
    """
    objects: list[dict] = []
    for text in scripts:
        _walk_jsonld(_load_json(text), objects)
    if not objects:
        return {}
    index = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str)}
    articles = [o for o in objects if _types(o) & _ARTICLE_TYPES]
    pages = [o for o in objects if _types(o) & _PAGE_TYPES]
    page_url = _url_key(canonical)
    page_titles = {_norm_key(t) for t in titles if t}
    page_titles.discard("")
    main_ids = set()
    for page in pages:
        entity = page.get("mainEntity")
        if isinstance(entity, dict) and isinstance(entity.get("@id"), str):
            main_ids.add(entity["@id"])
        elif isinstance(entity, str):
            main_ids.add(entity)

    def matches(o: dict) -> int:
        score = 0
        urls = {_url_key(o.get("url")), _url_key(_ld_url(o.get("mainEntityOfPage"))), _url_key(o.get("@id"))}
        if page_url and page_url in urls:
            score += 4
        headline = _norm_key(_first(o.get("headline"), o.get("name")) or "")
        if headline and any(headline == t or (len(headline) > 15 and (headline in t or t in headline))
                            for t in page_titles):
            score += 4
        if o.get("@id") in main_ids:
            score += 2
        return score

    def score(o: dict) -> tuple[int, int]:
        return (
            matches(o) if len(articles) > 1 else 0,
            2 * bool(o.get("headline")) + bool(o.get("datePublished")) + bool(o.get("author"))
            + 2 * bool(o.get("articleBody")),
        )

    meta: dict[str, Any] = {}
    best = max(articles, key=score) if articles else None
    candidates = ([best] if best else []) + pages
    for obj in candidates:
        if "title" not in meta:
            title = _first(obj.get("headline"), obj.get("name") if obj is best else None)
            if title:
                meta["title"] = title
        if "date" not in meta:
            for key in ("datePublished", "dateCreated", "uploadDate", "dateModified"):
                date = normalise_date(obj.get(key)) if isinstance(obj.get(key), (str, list)) else None
                if date:
                    meta["date"] = date
                    break
        if "author" not in meta:
            names = _ld_name(obj.get("author") or obj.get("creator"), index)
            names = list(dict.fromkeys(n for n in names if len(n) < 120))
            if names:
                meta["author"] = ", ".join(names)
        if "tags" not in meta:
            tags = _ld_tags(obj.get("keywords"))
            section = obj.get("articleSection")
            tags += _ld_tags(section)
            if tags:
                meta["tags"] = tags
        if "source" not in meta:
            names = _ld_name(obj.get("publisher") or obj.get("sourceOrganization"), index)
            if names:
                meta["source"] = names[0]
        if "url" not in meta and obj is best:
            url = _ld_url(obj.get("url")) or _ld_url(obj.get("mainEntityOfPage"))
            if url and url.startswith(("http://", "https://")):
                meta["url"] = url
        if "body" not in meta and obj is best and isinstance(obj.get("articleBody"), str):
            meta["body"] = obj["articleBody"]
    if "source" not in meta:
        for obj in objects:
            if _types(obj) & {"newsmediaorganization", "organization", "website"}:
                name = _first(obj.get("name"))
                if name:
                    meta["source"] = name
                    break
    return meta


# --------------------------------------------------------------------------- meta tags

_DATE_META = (
    "article:published_time", "og:article:published_time", "article.published",
    "article:published",
    "datepublished", "date.published", "og:published_time", "published_time",
    "published-date", "publish-date", "publishdate", "publish_date", "pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
    "dc.date", "dcterms.date", "dcterms.created", "date", "citation_publication_date",
    "citation_date", "article.created", "created", "original-publish-date", "displaydate",
    "cxenseparse:recs:publishtime", "article:modified_time", "og:updated_time",
    "datemodified", "last-modified", "dcterms.modified",
)
_AUTHOR_META = (
    "author", "byl", "dc.creator", "dcterms.creator", "article:author", "parsely-author",
    "sailthru.author", "citation_author", "og:article:author", "article.author", "creator",
)
_TAG_META = ("article:tag", "og:article:tag", "news_keywords", "keywords", "parsely-tags",
             "sailthru.tags", "article:section")
_TITLE_META = ("og:title", "twitter:title", "parsely-title", "sailthru.title", "dc.title", "title",
               "headline")
_SITE_META = ("og:site_name", "application-name", "publisher", "dc.publisher", "twitter:site")
#: A "site name" that is an edition or a region (Reuters' og:site_name is "U.S."), not a source.
_EDITION = re.compile(
    r"^(?:(?:[A-Z]\.){1,3}|us|uk|u\.s\.?|u\.k\.?|international|world|global|europe|asia|africa|"
    r"americas?|middle east|india|canada|australia|edition|english|en|en[-_][a-z]{2})(?:\s+edition)?$",
    re.IGNORECASE,
)


def _meta_tags(metas: Iterable[Tag]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for el in metas:
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        if not key:
            continue
        content = el.get("content")
        if content is None:
            content = el.get("value") or el.get("datetime")
        if content is None:
            continue
        for name in {key.strip().lower(), *key.strip().lower().split()}:
            found.setdefault(name, []).append(content)
    return found


# --------------------------------------------------------------------------- titles

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|/|:)\s+")


def _norm_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


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


# --------------------------------------------------------------------------- body

_DROP_TAGS = {
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "video", "audio", "source", "track", "select", "option", "button", "input",
    "textarea", "label", "nav", "aside", "footer", "figure", "figcaption", "picture", "img",
    "map", "dialog", "menu", "head", "title", "meta", "link", "base", "form",
}
_KEEP_FORM_TEXT = 2000  # a <form> holding this much text is a page wrapper (ASP.NET), not a form
_BLOCK_TAGS = {
    "address", "article", "blockquote", "body", "center", "dd", "details", "dir", "div", "dl",
    "dt", "fieldset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
    "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot",
    "td", "th", "tr", "ul", "caption", "legend", "article", "font",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

# Class/id words that mark boilerplate wherever they appear ("strong") and words that
# mark it only on small boxes ("weak": a whole article may carry class="author-x").
_NEG_STRONG = {
    "ad", "ads", "adv", "advert", "advertisement", "advertising", "adsense", "dfp", "gpt",
    "breadcrumb", "breadcrumbs", "comment", "comments", "commentlist", "consent", "cookie",
    "cookies", "disqus", "footer", "gdpr", "masthead", "menu", "modal", "nav", "navbar",
    "navigation", "newsletter", "newsletters", "outbrain", "overlay", "pagination", "pager",
    "paywall", "popup", "promo", "promotion", "promoted", "recirc", "recommend",
    "recommendations", "recommended", "related", "reply", "replies", "share", "sharebar",
    "sharing", "shoutbox", "sidebar", "signup", "skip", "social", "sponsor", "sponsored",
    "subscribe", "subscription", "taboola", "toolbar", "trending", "widget", "widgets", "sr",
    "visually", "offscreen", "hidden", "lightbox", "hamburger", "flyout", "livefyre", "cta",
    "login", "signin", "register", "search", "poll", "survey", "feedback", "notification",
    "facebook", "pinterest", "linkedin", "whatsapp",
}
_NEG_WEAK = {
    "author", "bio", "byline", "bylines", "byl", "caption", "captions", "credit", "credits",
    "meta", "timestamp", "date", "posted", "published", "updated", "time", "pubdate", "tag",
    "tags", "topics", "keywords", "categories", "category", "tagline", "headline", "header",
    "title", "kicker", "eyebrow", "disclaimer", "more", "most", "top", "read", "readmore",
    "next", "prev", "previous", "links", "list", "listing", "rail", "tools", "jump", "infobox",
    "inline", "embed", "audio", "video", "player", "gallery", "slideshow", "carousel", "teaser",
    "teasers", "contact", "copyright", "community", "dropdown", "footnote", "print", "sticky",
    "notice", "account", "newsfeed", "crumbs", "popular", "banner", "alert", "rating",
    "twitter", "instagram", "youtube", "tweet",
}
_WEAK_MAX_CHARS = 500
_HIDDEN_CLASSES = {
    "d-none", "hidden", "hide", "is-hidden", "visually-hidden", "visuallyhidden", "sr-only",
    "screen-reader-text", "screen-reader-only", "invisible", "display-none", "u-hidden",
    "print-only", "printonly", "noprint", "no-print",
}
_NEG_PREFIXES = (
    "advert", "breadcrumb", "comment", "cookie", "disqus", "facebook", "footer", "newsletter",
    "outbrain", "recommend", "related", "sharing", "sidebar", "social", "sponsor", "subscri",
    "taboola", "zergnet", "pagination", "signup", "popup", "sharebar", "sharetools",
    "socialshare", "shareicons", "relatedposts", "morestories", "mostpopular", "mostread",
)
_POS_TOKENS = {
    "article", "articlebody", "body", "content", "entry", "main", "post", "story", "text",
    "blog", "news", "prose", "copy", "richtext", "rte", "page", "detail", "column",
}
_STATE_PREFIXES = {"has", "is", "no", "with", "show", "hide", "js", "enable", "enabled", "can",
                   "allow", "template", "page", "single", "type", "format", "theme", "layout",
                   "postid", "category", "tag", "wp", "sticky"}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_CONTENT_ATTR = re.compile(
    r"(?:^|[\s_-])(?:article|story|entry|post|main|content|body|text|prose)[\s_-]?"
    r"(?:body|content|text|copy|container|inner|main|wrapper|wrap|detail|page|column)?"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)


def _class_words(el) -> list[list[str]]:
    """Each class/id value as a list of lowercase words (camelCase and dashes split)."""
    values = []
    for attr in ("class", "id"):
        value = _attr(el, attr)
        if value:
            values.extend(value.split())
    out = []
    for value in values[:20]:
        words = [w.lower() for w in _SPLIT.split(_CAMEL.sub(" ", value)) if w]
        if words:
            out.append(words)
    return out


def _boilerplate_level(el) -> int:
    """2: boilerplate wherever it is; 1: boilerplate if the box is small; 0: not."""
    role = (el.get("role") or "").lower()
    if role in ("navigation", "banner", "contentinfo", "complementary", "menu", "menubar",
                "search", "dialog", "alert", "toolbar"):
        return 2
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return 2
    style = el.get("style")
    if style and "none" in style and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style, re.I):
        return 2
    itemprop = (el.get("itemprop") or "").lower()
    if itemprop in ("articlebody", "text", "reviewbody", "description"):
        return 0
    classes = _attr(el, "class")
    if classes and _HIDDEN_CLASSES.intersection(classes.lower().split()):
        return 2
    level = 0
    for words in _class_words(el):
        if words[0] in _STATE_PREFIXES:
            continue
        if any(w in _POS_TOKENS for w in words) and not any(
            w in ("share", "sharing", "social", "related", "comments", "comment", "tags",
                  "ad", "ads", "advert", "advertisement", "promo", "newsletter", "footer",
                  "sidebar", "rail", "byline", "meta", "recirc", "caption", "header")
            for w in words
        ):
            continue
        for w in words:
            if w in _NEG_STRONG or w.startswith(_NEG_PREFIXES):
                return 2
            if w in _NEG_WEAK:
                level = 1
    return level


def _inside_sentence(el) -> bool:
    """True if an inline element has running text right before or after it."""
    for step in ("next_sibling", "previous_sibling"):
        node = getattr(el, step)
        while node is not None:
            kind = _KINDS.get(type(node)) or _kind_of(node)
            if kind == _TAG:
                break
            if kind == _TEXT and node.strip():
                return True
            node = getattr(node, step)
    return False


def _is_boilerplate(el, tag: str = "") -> bool:
    level = _boilerplate_level(el)
    if not level:
        return False
    if level == 1 and tag not in _BLOCK_TAGS and _inside_sentence(el):
        return False  # an inline <span id="productTitle"> is part of its sentence
    if level == 1 or tag == "article":
        return _solid_len_below(el, _WEAK_MAX_CHARS if level == 1 else 1500)
    return True


_BR = "\x01"  # control characters are removed before parsing, so this one is free
_BR_BREAK = re.compile(_BR + r"\s*" + _BR + r"[\s" + _BR + r"]*")


class _Block:
    __slots__ = ("owner", "parts", "link", "text", "tag", "heading", "in_list", "bad")

    def __init__(self, owner, tag):
        self.owner = owner
        self.tag = tag
        self.parts: list[str] = []
        self.link = 0
        self.text = ""
        self.heading = tag in _HEADINGS
        self.in_list = tag in ("li", "dd", "dt")
        self.bad = False


def _segment(body, drop_boilerplate: bool = True) -> list[_Block]:
    """Cut the tree under ``body`` into text blocks in document order (iteratively)."""
    blocks: list[_Block] = []
    current: list[_Block] = []  # the innermost open block per level
    link_depth = 0

    def open_block(el, tag):
        block = _Block(el, tag)
        current.append(block)
        return block

    def add_text(text: str | None):
        if text and current:
            block = current[-1]
            block.parts.append(text)
            if link_depth:
                block.link += len(text.strip())

    def flush(block: _Block):
        text = "".join(block.parts)
        if _BR in text:
            # <br><br> separates paragraphs; a single <br> is a line break inside one.
            pieces = [p for p in _BR_BREAK.split(text) if p.strip()]
            text = text.replace(_BR, " ")
            pieces = [p.replace(_BR, " ") for p in pieces]
        else:
            pieces = [text]
        for piece in pieces:
            clean = _WS.sub(" ", piece).strip()
            if clean and re.search(r"\w", clean):
                out = _Block(block.owner, block.tag)
                out.text = clean
                out.link = min(block.link, len(clean)) if len(pieces) == 1 else \
                    int(block.link * len(clean) / max(1, len(text.strip())))
                blocks.append(out)
        block.parts = []
        block.link = 0

    kinds = _KINDS
    open_block(body, body.name or "div")
    # stack items: (node, depth) to enter, or (None, (block_or_None, in_link, pad)) to leave
    stack: list[tuple] = [(body, 0)]
    while stack:
        node, depth = stack.pop()
        if node is None:
            made, in_link, pad = depth
            if pad:
                add_text(" ")
            if made is not None:
                flush(current.pop())
            if in_link:
                link_depth -= 1
            continue
        kind = kinds.get(type(node)) or _kind_of(node)
        if kind != _TAG:
            if kind == _TEXT:
                add_text(node)
            continue  # comments, doctypes, processing instructions
        tag = node.name.lower()
        if ":" in tag:
            tag = tag.rsplit(":", 1)[-1]
        if node is not body:
            if tag in _DROP_TAGS:
                if not (tag == "form" and _text_len_above(node, _KEEP_FORM_TEXT)):
                    continue
            if drop_boilerplate and tag not in ("html", "body", "main") and _is_boilerplate(node, tag):
                continue
        if tag == "br":
            add_text(_BR)
            continue
        made = None
        if tag in _BLOCK_TAGS and depth < _MAX_DEPTH and node is not body:
            if current and current[-1].parts:
                flush(current[-1])
            made = open_block(node, tag)
        in_link = tag == "a"
        if in_link:
            link_depth += 1
        # A block too deep to get its own: keep its text apart from its neighbours'.
        pad = made is None and tag in _BLOCK_TAGS
        if pad:
            add_text(" ")
        stack.append((None, (made, in_link, pad)))
        depth += 1
        stack.extend([(child, depth) for child in reversed(node.contents)])
    while current:
        flush(current.pop())
    return blocks


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
_LEAD_MAX = 60
#: The thresholds of the body extractor, by name, so that an evaluation can
#: choose them on one part of a page set and score them on another
#: (``scripts/eval_extraction.py --halves`` / ``--folds``).  Values are the
#: defaults; nothing else changes them.
TUNING: dict[str, float] = {
    "sibling_share": 0.2,   # a sibling of the winning container joins with this share of its score
    "cousin_share": 0.45,   # a cousin (story cut across wrappers) joins with this share
    "lead_max": 60,         # short blocks above the story are kickers and bylines
    "tail_min": 40,         # short blocks below the story are tag lists and sign-offs
    "ld_body_ratio": 0.5,   # JSON-LD articleBody wins when the DOM text is shorter than this share
}
_DATEISH = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s+)?(?:\w+\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+\w+\s+\d{4}|"
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:\s*(?:at\s*)?\d{1,2}[:.]\d{2}.*)?$",
    re.IGNORECASE,
)


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
            if final.get(id(sib), 0.0) + bonus >= threshold:
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
        if up <= 3 and top_up[id(el)] <= 3:
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


def _within(el, box, stop) -> bool:
    """True if ``el`` is ``box`` or inside it (looking no higher than ``stop``)."""
    for _ in range(61):
        if el is None or el is stop:
            return False
        if el is box:
            return True
        el = _parent(el)
    return False


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


_TOKEN = re.compile(r"\w+")


def _shingle_set(text: str, n: int = 4) -> set:
    toks = _TOKEN.findall(text.lower())
    return set(zip(*(toks[i:] for i in range(n))))  # every run of n tokens, as a tuple


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


# --------------------------------------------------------------------------- dateline

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


# --------------------------------------------------------------------------- main


def _parse(text: str) -> BeautifulSoup | None:
    """The page as a bs4 tree built by the lxml HTML parser (libxml2: no network access)."""
    text = _CONTROL.sub("", text)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text, count=1)
    if not text.strip():
        return None
    return BeautifulSoup(text, "lxml")


def _extract(raw: bytes | str) -> dict:
    result = _empty()
    if isinstance(raw, (bytes, bytearray, memoryview)):
        text = _decode(bytes(raw))
    elif isinstance(raw, str):
        text = raw
    else:
        return result
    if text.count("<") > _MAX_MARKUP_TAGS:
        return _text_only(text)
    root = _parse(text)
    if root is None:
        return result

    # --- metadata: one walk over the tree collects the few elements it needs
    wanted: dict[str, list[Tag]] = {
        "script": [], "meta": [], "link": [], "h1": [], "title": [], "time": [], "body": [], "html": []}
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
    del path
    deep = depth > _MAX_TREE_DEPTH
    body_el = wanted["body"][0] if wanted["body"] else None
    # where the body text is looked for: <body>, else <html>, else the whole soup
    if body_el is not None:
        body_root = body_el
    else:
        body_root = wanted["html"][0] if wanted["html"] else root
    scripts = []
    for el in wanted["script"]:
        kind = (_attr(el, "type") or "").lower()
        if "ld+json" in kind:
            code = "".join(x for x in el.contents if isinstance(x, NavigableString))
            if code:
                scripts.append(code)
    metas = _meta_tags(wanted["meta"])
    canonical = None
    for el in wanted["link"]:
        rel = (_attr(el, "rel") or "").lower().split()
        if "canonical" in rel and el.get("href", "").startswith(("http://", "https://")):
            canonical = el.get("href").strip()
            break
    h1 = None
    for el in wanted["h1"]:
        h1 = _box_text(el)
        if h1:
            break
    if scripts:
        hints = [h1, *(metas.get("og:title") or ())[:1], *(metas.get("twitter:title") or ())[:1]]
        ld = _jsonld_metadata(scripts, canonical, hints)
    else:
        ld = {}

    def meta(*names: str) -> str | None:
        for name in names:
            for value in metas.get(name, ()):
                value = _clean(value)
                if value:
                    return value
        return None

    # The canonical link names this very page; a JSON-LD url is sometimes the section,
    # the home page or a "#webpage" node id, so it only wins when there is no canonical.
    ld_url = ld.get("url")
    if ld_url:
        ld_url = ld_url.split("#", 1)[0] or None
    og_url = meta("og:url", "twitter:url", "parsely-link")
    if og_url and not og_url.startswith(("http://", "https://")):
        og_url = None
    url = canonical or ld_url or og_url
    result["url"] = url

    source = ld.get("source")
    if not source:
        for name in _SITE_META:
            for value in metas.get(name, ()):
                value = _clean(value)
                if value and value.startswith("@"):
                    value = value[1:]
                if value and not _EDITION.match(value):
                    source = value
                    break
            if source:
                break
    result["source"] = source or None

    page_title = _text_of(wanted["title"][0]) if wanted["title"] else None
    if page_title and "<" in page_title:  # markup written inside <title> by a broken page
        page_title = _clean(_TAG_RE.sub(" ", page_title)) or None
    title = ld.get("title") or meta(*_TITLE_META) or page_title or h1
    if title and title is not ld.get("title"):
        title = _trim_title(title, source, h1, url)
    elif title and ld.get("title") and source:
        title = _trim_title(title, source, None, None) if _norm_key(source) in _norm_key(title) else title
    result["title"] = title or None

    date = ld.get("date")
    if not date:
        for name in _DATE_META:
            for value in metas.get(name, ()):
                date = normalise_date(value)
                if date:
                    break
            if date:
                break
    if not date:
        for name, values in metas.items():
            if _DATE_META_NAME.search(name) and not _MODIFIED_NAME.search(name):
                for value in values:
                    date = normalise_date(value) if _DATE_TEXT.search(value) else None
                    if date:
                        break
            if date:
                break
    if not date:
        date = _time_element_date(root, wanted["time"])
    if not date and not deep and body_el is not None:
        date = _visible_date(body_el)
    if not date and url:
        match = _URL_DATE.search(url)
        if match:
            date = normalise_date("-".join(match.groups()))
    result["date"] = date

    author = ld.get("author")
    if not author:
        for name in _AUTHOR_META:
            for value in metas.get(name, ()):
                value = _clean(value)
                if value and not value.startswith(("http://", "https://", "@")) and len(value) < 150:
                    author = value
                    break
            if author:
                break
    if not author and not deep:
        author = _dom_author(body_root)
    if author:
        author = re.sub(r"^by\s*:?\s+", "", author, flags=re.IGNORECASE).strip() or None
    result["author"] = author

    tags = list(ld.get("tags") or [])
    for name in _TAG_META:
        for value in metas.get(name, ()):
            tags.extend(_ld_tags(value))
    seen = set()
    clean_tags = []
    for tag in tags:
        key = tag.lower()
        if key not in seen and len(tag) < 100:
            seen.add(key)
            clean_tags.append(tag)
    result["tags"] = clean_tags

    # --- body
    if deep:
        # Absurd nesting: the heuristics below are not worth their time on it.
        result["body"] = body = _text_only(text)["body"]
        result["dateline"] = _dateline(body) if body else None
        return result
    try:
        paragraphs = _dom_body(body_root)
    except RecursionError:
        paragraphs = []
    ld_body = ld.get("body")
    # The headline repeated at the top of the story is metadata, not body text.
    heads = {_norm_key(x) for x in (title, h1, ld.get("title")) if x}
    heads.discard("")
    while paragraphs and len(paragraphs[0]) < 300 and _norm_key(paragraphs[0]) in heads:
        paragraphs = paragraphs[1:]
    body = _choose_body(paragraphs, ld_body, lambda: _text_of(body_root))
    if not body:
        # Nothing story-like: keep whatever visible text the page has.
        if body_el is not None:
            blocks = _segment(body_el, drop_boilerplate=False)
            body = "\n\n".join(b.text for b in blocks if not _junk(b))
    if not body:
        # The tree may have lost the text (a parser that gave up): read it flat.
        body = _text_only(text)["body"]
    result["body"] = body
    result["dateline"] = _dateline(body) if body else None
    return result


#: Class or id words of regions that are not the story: reader comments,
#: related-story lists, sidebars.  Their dates and names are not the article's.
_OFF_STORY_WORDS = {
    "comment", "comments", "respond", "reply", "replies", "discussion", "disqus", "related", "sidebar",
    "rail", "recommended", "recommendations", "recirculation", "trending", "popular", "mostread",
    "teaser", "teasers", "promo", "widget", "outbrain", "taboola",
}


def _off_story(el) -> bool:
    """True when ``el`` sits in comments, a related-story list or a sidebar (by class
    or id), or in an ``<aside>``, ``<footer>`` or ``<nav>`` that is not inside the article."""
    tag_off = False
    for _ in range(40):
        el = _parent(el)
        if el is None or el.name == "body":
            return tag_off
        if el.name in ("article", "main"):
            return False
        if el.name in ("aside", "footer", "nav"):
            tag_off = True
        marks = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
        if marks:
            words = _SPLIT.split(_CAMEL.sub("-", marks).lower())
            if any(word in _OFF_STORY_WORDS or word.startswith("comment") for word in words):
                return True
    return tag_off


def _time_element_date(root, times: Iterable[Tag]) -> str | None:
    best = None
    for el in times:
        value = el.get("datetime") or el.get("content")
        if not value or _off_story(el):
            continue
        date = normalise_date(value)
        if not date:
            continue
        marks = " ".join(filter(None, (el.get("itemprop"), _attr(el, "class"), el.get("pubdate"),
                                       el.get("id")))).lower()
        if "publish" in marks or "pubdate" in marks or el.get("pubdate") is not None:
            return date
        if best is None and "modif" not in marks and "updat" not in marks:
            best = date
    if best:
        return best
    for el in root.find_all(itemprop=_DATE_PUBLISHED):
            value = el.get("content") or el.get("datetime") or _box_text(el)
            date = normalise_date(value)
            if date:
                return date
    return None


_DATE_PUBLISHED = re.compile(r"^datepublished$", re.IGNORECASE)
_DATE_META_NAME = re.compile(r"(?:pub|post|creat|release|issue|first).{0,12}date|date.{0,12}(?:pub|post|creat|issue)")
_MODIFIED_NAME = re.compile(r"modif|updat|expir|revis")
_MONTHS = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?")
_DATE_TEXT = re.compile(
    r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|"
    + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS
    + r",?\s+\d{4}|\d{8}|\d{4}-\d{2}-\d{2}T)",
    re.IGNORECASE,
)
_DATE_CLASS = re.compile(r"date|time|publish|posted|dateline|byline|entry-meta|post-meta|article-meta",
                         re.IGNORECASE)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|-|\b)")


def _visible_date(body: Tag) -> str | None:
    """A date written in a small box whose class/id says date/time/published/byline."""
    for el in _tags(body):
        marks = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
        if not marks or not _DATE_CLASS.search(marks) or _MODIFIED_NAME.search(marks.lower()):
            continue
        if _off_story(el):
            continue
        text = _short_text(el, 120)
        if not text:
            continue
        match = _DATE_TEXT.search(text)
        if not match:
            continue
        # Parse from the date onwards (a trailing time is welcome, a leading "Updated" is not).
        if re.search(r"updated|modified", text[:match.start()], re.IGNORECASE):
            continue
        date = normalise_date(text[match.start():match.start() + 40].strip(" ,|")) or \
            normalise_date(match.group(0))
        if date:
            return date
    return None


_BYLINE_CLASS = re.compile(r"byline|\bbyl\b|author|writer|reporter", re.IGNORECASE)
_BYLINE_SKIP = re.compile(r"comment|avatar|bio|image|img|photo|url|link|social|follow|date|time",
                          re.IGNORECASE)


def _byline_name(text: str) -> str | None:
    text = _clean(text)
    text = re.sub(r"^(?:written |posted |reported )?by\s*:?\s+", "", text, flags=re.IGNORECASE)
    text = re.split(r"\s+(?:\||—|–|-|on|updated|published|posted)\s+|\s*,\s*(?=\w+\s+\d)|\s*\(",
                    text, maxsplit=1, flags=re.IGNORECASE)[0]
    text = text.strip(" ,;:|-")
    if not text or len(text) > 60 or _DATE_TEXT.search(text) or "@" in text or "://" in text:
        return None
    if _DATE_WORDS.search(text):  # "Monday August 27", "Aug 27", "27 August": a date, not a name
        return None
    if len(text.split()) > 6 or not re.search(r"[^\W\d_]", text):
        return None
    return text


_DATE_WORDS = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b" + _MONTHS + r"\s+\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+"
    + _MONTHS + r"(?!\w)|\b(?:today|yesterday|ago)\b|\d{1,2}:\d{2}",
    re.IGNORECASE,
)


def _in_comments(el) -> bool:
    if _off_story(el):
        return True
    for _ in range(12):
        el = _parent(el)
        if el is None:
            return False
        marks = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
        if marks and re.search(r"comment|respond|reply", marks, re.IGNORECASE):
            return True
    return False


def _dom_author(body: Tag) -> str | None:
    for el in _tags(body):
        itemprop = (el.get("itemprop") or "").lower()
        rel = (_attr(el, "rel") or "").lower()
        if itemprop == "author" or rel == "author":
            if _in_comments(el):
                continue
            name = None
            for sub in islice(_tags(el), _BOX_NODES):
                if (sub.get("itemprop") or "").lower() == "name":
                    name = sub.get("content") or _box_text(sub)
                    break
            name = _byline_name(name or el.get("content") or _box_text(el))
            if name:
                return name
    # Boxes whose class/id says byline/author: the first short name-like text.
    for el in _tags(body):
        marks = " ".join(filter(None, (_attr(el, "class"), _attr(el, "id"))))
        if not marks or not _BYLINE_CLASS.search(marks) or _BYLINE_SKIP.search(marks):
            continue
        if el.name in ("input", "label", "textarea", "form", "img") or _in_comments(el):
            continue
        lead = _lead_text(el)
        if el.name == "a" and not lead:
            continue
        own = _clean(lead)
        text = own if own and len(own) > 3 else _short_text(el, 150)
        if not text or len(text) > 150:
            continue
        name = _byline_name(text)
        if name:
            return name
    return None


_TAG_RE = re.compile(r"<[^>]*>")
_STRIP_BLOCKS = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _text_only(raw: bytes | str) -> dict:
    """Last resort: regular expressions over the text, no tree."""
    result = _empty()
    try:
        if isinstance(raw, str):
            text = raw
        elif isinstance(raw, (bytes, bytearray, memoryview)):
            text = _decode(bytes(raw))
        else:
            return result
        match = re.search(r"<title[^>]*>(.*?)</title>", text[:200000], re.IGNORECASE | re.DOTALL)
        if match:
            result["title"] = _clean(_TAG_RE.sub(" ", match.group(1))) or None
        text = _STRIP_BLOCKS.sub(" ", text)
        text = re.sub(r"<head\b.*?</head\s*>", " ", text, flags=re.IGNORECASE | re.DOTALL)
        text = re.sub(r"</?(?:p|div|br|h[1-6]|li|tr|section|article|blockquote)\b[^>]*>", "\n\n", text,
                      flags=re.IGNORECASE)
        text = _html.unescape(_TAG_RE.sub(" ", text))
        paragraphs = [_WS.sub(" ", p).strip() for p in re.split(r"\n\s*\n", text)]
        result["body"] = "\n\n".join(p for p in paragraphs if p)
    except Exception:  # noqa: BLE001 - the last resort must not raise either
        pass
    return result


def extract_html(raw: bytes | str) -> dict:
    """Extract title, body, date, author, tags, source, url and dateline from an HTML page.

    ``raw`` is the page as bytes (encoding taken from a BOM, ``<meta charset>`` or
    ``http-equiv``, else UTF-8, else windows-1252; gzip bytes are inflated) or str.
    Never raises: on any failure of the tree route a text-only extraction is returned.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _extract(raw)
        except Exception:  # noqa: BLE001 - a reader must never stop an index run
            return _text_only(raw)
