"""Page bytes -> text -> tree: gzip, byte-order mark, declared charset, then the parser."""

from __future__ import annotations

import codecs
import re
import zlib

from bs4 import BeautifulSoup
from bs4.dammit import EncodingDetector

from ..encoding import gunzip
from .tree import _CONTROL

_GZIP_CAP = 200 * 1024 * 1024


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
        return gunzip(raw, _GZIP_CAP)[0]
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


def _decode(raw: bytes, inflate: bool = True) -> str:
    """Bytes -> text the way a browser reads a saved page (gzip bytes inflated first
    unless ``inflate`` is false: the file readers have inflated them already).

    bs4's :class:`EncodingDetector` finds the byte-order mark and the declaration
    (``<?xml encoding>``, ``<meta charset>`` or ``http-equiv`` content); the label is
    then read with WHATWG's aliases (iso-8859-1/ascii are windows-1252, a UTF-16
    label without a BOM is UTF-8).  Order: BOM, declared (strict), UTF-8 (strict),
    declared (lenient), windows-1252 (lenient).  UnicodeDammit's own chain is not
    used: it would read a declared iso-8859-1 as Latin-1, trust a BOM-less UTF-16
    label, and prefer a strict windows-1252 read of a page that merely has a few
    bytes its declared encoding cannot decode.
    """
    if inflate and raw[:2] == b"\x1f\x8b":
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


def _parse(text: str) -> BeautifulSoup | None:
    """The page as a bs4 tree built by the lxml HTML parser (libxml2: no network access)."""
    text = _CONTROL.sub("", text)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text, count=1)
    if not text.strip():
        return None
    return BeautifulSoup(text, "lxml")
