"""Moved to :mod:`searchkit.whoosh_ext.speedups` (every Whoosh patch lives there); kept for old imports."""

from __future__ import annotations

from .whoosh_ext.speedups import _ViewReader, defer_whoosh_morphology, lazy_buffer_files  # noqa: F401

__all__ = ["lazy_buffer_files", "defer_whoosh_morphology"]
