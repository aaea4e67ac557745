"""Metadata from JSON-LD (schema.org): every ``application/ld+json`` script, lists,
``@graph`` and main entities included; the page's own article chosen among teasers."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

from searchkit.dates import normalise_date

from .tree import _clean, _first, _norm_key

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


def _main_entity_ids(pages: list[dict]) -> set:
    """The ``@id`` of each object a WebPage names as its ``mainEntity``."""
    main_ids = set()
    for page in pages:
        entity = page.get("mainEntity")
        if isinstance(entity, dict) and isinstance(entity.get("@id"), str):
            main_ids.add(entity["@id"])
        elif isinstance(entity, str):
            main_ids.add(entity)
    return main_ids


def _page_match(o: dict, page_url: str | None, page_titles: set, main_ids: set) -> int:
    """How plainly ``o`` is this page's article: canonical URL, headline, main entity."""
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


def _best_article(articles: list[dict], pages: list[dict], canonical: str | None,
                  titles: Iterable[str | None]) -> dict | None:
    """The article object that is this page (then the most complete one)."""
    if not articles:
        return None
    page_url = _url_key(canonical)
    page_titles = {_norm_key(t) for t in titles if t}
    page_titles.discard("")
    main_ids = _main_entity_ids(pages)

    def score(o: dict) -> tuple[int, int]:
        return (
            _page_match(o, page_url, page_titles, main_ids) if len(articles) > 1 else 0,
            2 * bool(o.get("headline")) + bool(o.get("datePublished")) + bool(o.get("author"))
            + 2 * bool(o.get("articleBody")),
        )

    return max(articles, key=score)


def _fill(meta: dict, obj: dict, best: bool, index: dict[str, dict]) -> None:
    """Set the fields of ``meta`` still missing from ``obj`` (``best``: the page's article)."""
    if "title" not in meta:
        title = _first(obj.get("headline"), obj.get("name") if best else None)
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
    if "url" not in meta and best:
        url = _ld_url(obj.get("url")) or _ld_url(obj.get("mainEntityOfPage"))
        if url and url.startswith(("http://", "https://")):
            meta["url"] = url
    if "body" not in meta and best and isinstance(obj.get("articleBody"), str):
        meta["body"] = obj["articleBody"]


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
    best = _best_article(articles, pages, canonical, titles)
    meta: dict[str, Any] = {}
    for obj in ([best] if best else []) + pages:
        _fill(meta, obj, obj is best, index)
    if "source" not in meta:
        for obj in objects:
            if _types(obj) & {"newsmediaorganization", "organization", "website"}:
                name = _first(obj.get("name"))
                if name:
                    meta["source"] = name
                    break
    return meta
