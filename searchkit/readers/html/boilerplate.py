"""What is not the story, by markup: dropped tags, block tags, and class/id/role words
that mark boilerplate (share bars, related stories, comments, ads, hidden boxes)."""

from __future__ import annotations

import re

from .tree import _KINDS, _TAG, _TEXT, _attr, _kind_of, _parent, _solid_len_below

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
