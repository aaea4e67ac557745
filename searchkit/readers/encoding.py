"""Bytes -> text for files of unknown encoding."""

from __future__ import annotations

import codecs
import zlib

__all__ = ["decode_text", "gunzip", "looks_binary"]

# Bytes that never occur in text files (NUL and most C0 controls).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"
_CONTROL_TABLE = bytes.maketrans(b"", b"")


def gunzip(raw: bytes, limit: int) -> tuple[bytes, bool]:
    """Inflate gzip bytes: ``(data, whole)``, at most ``limit`` bytes of data; ``whole`` is
    false when more would have come out.  Raises ``zlib.error`` on corrupt data."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = inflater.decompress(raw, limit)
    return data, not inflater.unconsumed_tail


def looks_binary(raw: bytes, sample: int = 8192) -> bool:
    """True when the start of ``raw`` is clearly not text (NUL bytes, many control bytes)."""
    head = raw[:sample]
    if not head:
        return False
    if b"\x00" in head and not (head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE)):
        return True
    controls = len(head) - len(head.translate(_CONTROL_TABLE, _CONTROL))
    return controls / len(head) > 0.05


def decode_text(raw: bytes) -> str:
    """Decode ``raw``: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252.

    cp1252 is the right guess for legacy Western news files (curly quotes,
    ``£``, ``é``); its five undefined bytes fall back to Latin-1 so decoding
    never fails.  Raises ``ValueError`` for data that is not text at all.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        return raw.decode("utf-16", errors="replace")
    if looks_binary(raw):
        raise ValueError("binary data, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return raw.decode("cp1252", errors="_searchkit_latin1")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start:error.end]
    return bad.decode("latin-1"), error.end


codecs.register_error("_searchkit_latin1", _latin1_fallback)
