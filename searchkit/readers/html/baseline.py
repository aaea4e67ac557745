"""The last resort: page text by regular expressions, no tree (markup too big or too
deep for one, or a tree route that failed)."""

from __future__ import annotations

import html as _html
import re

from .decode import _decode
from .tree import _TAG_RE, _WS, _clean, _empty

_STRIP_BLOCKS = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _text_only(raw: bytes | str, inflate: bool = True) -> dict:
    """Last resort: regular expressions over the text, no tree."""
    result = _empty()
    try:
        if isinstance(raw, str):
            text = raw
        elif isinstance(raw, (bytes, bytearray, memoryview)):
            text = _decode(bytes(raw), inflate)
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
