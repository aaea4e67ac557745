"""Kept for old imports only: moved to :mod:`searchkit.whoosh_ext.columns` (it reads Whoosh's column internals).

Nothing inside searchkit imports this module.
"""

from __future__ import annotations

from .whoosh_ext.columns import column_values, segment_docnums

__all__ = ["column_values", "segment_docnums"]
