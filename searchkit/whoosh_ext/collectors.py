"""What searchkit reads of Whoosh's collectors' private state."""

from __future__ import annotations

from typing import Any

__all__ = ["innermost", "narrowed"]


def innermost(collector: Any) -> Any:
    """The collector at the bottom of a chain of wrapping collectors (filters, masks)."""
    while hasattr(collector, "child"):
        collector = collector.child
    return collector


def narrowed(collector: Any) -> bool:
    """Whoosh's top-N collector filled up, and so began skipping what could not reach the top.

    Its running total then falls short of the true number of matches.
    """
    top = innermost(collector)
    return hasattr(top, "_use_block_quality") and top.total >= top.limit
