"""Kept for old imports only: moved to :mod:`searchkit.whoosh_ext.speedups` (every Whoosh patch lives there).

Nothing inside searchkit imports this module.
"""

from __future__ import annotations

from .whoosh_ext.speedups import _ViewReader, defer_whoosh_morphology, lazy_buffer_files  # noqa: F401

__all__ = ["lazy_buffer_files", "defer_whoosh_morphology"]
