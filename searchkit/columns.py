"""Moved to :mod:`searchkit.whoosh_ext.columns` (it reads Whoosh's column internals); kept for old imports."""

from __future__ import annotations

from .whoosh_ext.columns import column_values, segment_docnums

__all__ = ["column_values", "segment_docnums"]
