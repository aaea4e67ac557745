"""The page cut into text blocks in document order: each block is the inline text owned
by one block-level element (``<p>``, ``<li>``, a ``<div>`` with loose text...), with
its link-text length."""

from __future__ import annotations

import re

from .boilerplate import _BLOCK_TAGS, _DROP_TAGS, _HEADINGS, _KEEP_FORM_TEXT, _is_boilerplate
from .tree import _KINDS, _MAX_DEPTH, _TAG, _TEXT, _WS, _kind_of, _text_len_above

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


def _pieces(block: _Block, blocks: list[_Block]) -> None:
    """Close ``block``: append its text to ``blocks``, one block per paragraph
    (``<br><br>`` separates paragraphs; a single ``<br>`` is a line break inside one)."""
    text = "".join(block.parts)
    if _BR in text:
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


class _Segmenter:
    """One iterative walk of a subtree, keeping the innermost open block per level."""

    def __init__(self, body, drop_boilerplate: bool):
        self.body = body
        self.drop_boilerplate = drop_boilerplate
        self.blocks: list[_Block] = []
        self.current: list[_Block] = [_Block(body, body.name or "div")]
        self.link_depth = 0

    def add_text(self, text: str | None) -> None:
        if text and self.current:
            block = self.current[-1]
            block.parts.append(text)
            if self.link_depth:
                block.link += len(text.strip())

    def skipped(self, node, tag: str) -> bool:
        """True for a dropped tag or a boilerplate box (never the walk's root)."""
        if node is self.body:
            return False
        if tag in _DROP_TAGS and not (tag == "form" and _text_len_above(node, _KEEP_FORM_TEXT)):
            return True
        return self.drop_boilerplate and tag not in ("html", "body", "main") and _is_boilerplate(node, tag)

    def enter(self, node, tag: str, depth: int) -> tuple:
        """Open ``node``'s block if it gets one; returns what :meth:`leave` needs."""
        made = None
        if tag in _BLOCK_TAGS and depth < _MAX_DEPTH and node is not self.body:
            if self.current and self.current[-1].parts:
                _pieces(self.current[-1], self.blocks)
            made = _Block(node, tag)
            self.current.append(made)
        in_link = tag == "a"
        if in_link:
            self.link_depth += 1
        # A block too deep to get its own: keep its text apart from its neighbours'.
        pad = made is None and tag in _BLOCK_TAGS
        if pad:
            self.add_text(" ")
        return made, in_link, pad

    def leave(self, made, in_link: bool, pad: bool) -> None:
        if pad:
            self.add_text(" ")
        if made is not None:
            _pieces(self.current.pop(), self.blocks)
        if in_link:
            self.link_depth -= 1

    def run(self) -> list[_Block]:
        kinds = _KINDS
        # stack items: (node, depth) to enter, or (None, (block_or_None, in_link, pad)) to leave
        stack: list[tuple] = [(self.body, 0)]
        while stack:
            node, depth = stack.pop()
            if node is None:
                self.leave(*depth)
                continue
            kind = kinds.get(type(node)) or _kind_of(node)
            if kind != _TAG:
                if kind == _TEXT:
                    self.add_text(node)
                continue  # comments, doctypes, processing instructions
            tag = node.name.lower()
            if ":" in tag:
                tag = tag.rsplit(":", 1)[-1]
            if self.skipped(node, tag):
                continue
            if tag == "br":
                self.add_text(_BR)
                continue
            stack.append((None, self.enter(node, tag, depth)))
            stack.extend([(child, depth + 1) for child in reversed(node.contents)])
        while self.current:
            _pieces(self.current.pop(), self.blocks)
        return self.blocks


def _segment(body, drop_boilerplate: bool = True) -> list[_Block]:
    """Cut the tree under ``body`` into text blocks in document order (iteratively)."""
    return _Segmenter(body, drop_boilerplate).run()
