"""Merging the small segments that repeated incremental runs leave behind.

Each run that changes the index commits a new segment; Whoosh's
``MERGE_SMALL`` policy folds small segments together only once enough of them
pile up (about fifteen of a few hundred documents beside large ones), and a
query visits every segment.  :func:`merge_bounded` applies ``MERGE_SMALL``,
then, while more than ``max_segments`` would remain, also merges the smallest
ones into the segment being written -- never the large ones a build left, so a
small update stays cheap.  Merged documents are rewritten, never dropped;
deleted ones are left out (that is what merging is for).
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh.writing import MERGE_SMALL

__all__ = ["merge_bounded", "segment_count", "MAX_SEGMENTS"]

#: Segments an index keeps at most after a commit (besides the one being written).
MAX_SEGMENTS = 8


def merge_bounded(max_segments: int | None = None) -> Callable:
    """A Whoosh merge policy (``writer.commit(mergetype=...)``): ``MERGE_SMALL``, then the
    smallest segments merged until at most ``max_segments`` (default :data:`MAX_SEGMENTS`) others remain."""
    bound = MAX_SEGMENTS if max_segments is None else max_segments

    def policy(writer, segments):
        from whoosh.reading import SegmentReader

        kept = MERGE_SMALL(writer, segments)
        if len(kept) <= bound:
            return kept
        ordered = sorted(kept, key=lambda seg: seg.doc_count())
        extra = len(kept) - bound
        for seg in ordered[:extra]:
            reader = SegmentReader(writer.storage, writer.schema, seg)
            writer.add_reader(reader)
            reader.close()
        return ordered[extra:]

    return policy


def segment_count(ix) -> int:
    """Segments of the committed index ``ix`` (a Whoosh ``FileIndex``)."""
    return len(ix._segments())
