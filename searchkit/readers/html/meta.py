"""Metadata from ``<meta>`` tags (OpenGraph, Dublin Core, parse.ly...) and ``<link rel=canonical>``:
the page's URL, source (site name, never an edition label) and tags."""

from __future__ import annotations

import re
from typing import Iterable

from bs4 import Tag

from .jsonld import _ld_tags
from .tree import _attr, _clean

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




def _meta_value(metas: dict[str, list[str]], *names: str) -> str | None:
    """The first non-empty value of the first of ``names`` the page has."""
    for name in names:
        for value in metas.get(name, ()):
            value = _clean(value)
            if value:
                return value
    return None


def _canonical(links: Iterable[Tag]) -> str | None:
    """The http(s) URL of the page's ``<link rel=canonical>``."""
    for el in links:
        rel = (_attr(el, "rel") or "").lower().split()
        if "canonical" in rel and el.get("href", "").startswith(("http://", "https://")):
            return el.get("href").strip()
    return None


def _page_url(ld: dict, metas: dict[str, list[str]], canonical: str | None) -> str | None:
    """The canonical link names this very page; a JSON-LD url is sometimes the section,
    the home page or a "#webpage" node id, so it only wins when there is no canonical."""
    ld_url = ld.get("url")
    if ld_url:
        ld_url = ld_url.split("#", 1)[0] or None
    og_url = _meta_value(metas, "og:url", "twitter:url", "parsely-link")
    if og_url and not og_url.startswith(("http://", "https://")):
        og_url = None
    return canonical or ld_url or og_url


def _page_source(ld: dict, metas: dict[str, list[str]]) -> str | None:
    """The publisher: JSON-LD, else the site-name metas that are not an edition label."""
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
    return source or None


def _page_tags(ld: dict, metas: dict[str, list[str]]) -> list[str]:
    """JSON-LD keywords and sections, then the tag metas; case-insensitive duplicates dropped."""
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
    return clean_tags
