"""An index's files: its latest generation, and what a killed run left uncommitted."""

from __future__ import annotations

__all__ = ["latest_generation", "clean_uncommitted"]


def latest_generation(storage, indexname: str) -> int:
    """The generation of the newest table of contents of ``indexname`` in ``storage`` (-1: none)."""
    from whoosh.index import TOC

    return TOC._latest_generation(storage, indexname)


def clean_uncommitted(ix, indexname: str) -> None:
    """Delete segment files no committed table of contents refers to (a killed run's).

    Call only while no writer runs.  Raises what reading the table of contents raises.
    """
    from whoosh.index import clean_files

    toc = ix._read_toc()
    clean_files(ix.storage, indexname, toc.generation, toc.segments)
