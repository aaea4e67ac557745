"""The :class:`Index`: open or create an on-disk index, add files, search, inspect."""

from __future__ import annotations

import json
import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .document import Document, stored_metadata
from .errors import IndexLockedError, IndexNotFoundError, IndexVersionError, SearchkitError, rebuild_hint
from .ingest.incremental import FILE_LIST
from .locking import LOCK_FILE, WriteLock, clear_stale_whoosh_lock, lock_index
from .schema import FIRST_DATE, SCHEMA_VERSION, TITLE_BOOST_KEY, make_schema, recorded_title_boost, version_error, \
    title_boost_of
from .results import SearchResults
from .search import run_search
from .settings import SETTINGS

if TYPE_CHECKING:  # the indexing machinery is not on a query's path
    from .ingest.run import IndexSummary, Progress
    from .timeline import Timeline
    from .highlight import Marks

__all__ = ["Index", "META_FILE", "DEFAULT_LOCK_TIMEOUT", "read_meta"]

#: searchkit's own metadata beside Whoosh's files.
META_FILE = "searchkit.json"
INDEX_NAME = "MAIN"
#: Seconds a writer waits for another writer's lock before giving up.
DEFAULT_LOCK_TIMEOUT = SETTINGS["SEARCHKIT_LOCK_TIMEOUT"].default
#: Megabytes of postings each indexing process buffers before spilling a sorted
#: run to disk ($SEARCHKIT_MEMORY_MB): peak memory is about this much per
#: process (the parent and each worker), whatever the corpus size.
WRITER_MEMORY_MB = SETTINGS["SEARCHKIT_MEMORY_MB"].default
#: Documents a run holds back before handing its documents to worker processes:
#: a smaller run is indexed in-process (small incremental runs start none).
SERIAL_DOCS = 1000


def read_meta(folder: Path) -> dict[str, Any]:
    """The parsed metadata file (:data:`META_FILE`) of the index in ``folder``; ``{}`` when absent or unreadable."""
    try:
        meta = json.loads((folder / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def indexing_workers() -> int:
    """Worker processes for big runs: ``$SEARCHKIT_WORKERS``, else one per core (at most 4); 1 = none."""
    from .settings import get

    return get("SEARCHKIT_WORKERS")


def _check_unsharded_fanout(path, scheduler: str | None, fanout: str | None) -> None:
    if scheduler or fanout not in (None, "joined"):
        what = f"scheduler={scheduler!r}" if scheduler else f"fanout={fanout!r}"
        raise SearchkitError(f"{what} searches a sharded index shard by shard, and the index at {path} "
                             "is not sharded (build one with --shards N)")


def flat_paths(paths) -> Iterator[str | os.PathLike[str]]:
    """``paths`` with collections of paths (lists, tuples, generators...) opened out, bytes paths
    decoded as the file system does; SearchkitError for anything else."""
    for path in paths:
        if isinstance(path, (str, os.PathLike)):
            yield path
        elif isinstance(path, bytes):
            yield os.fsdecode(path)
        elif isinstance(path, Iterable) and not isinstance(path, (dict, bytearray)):
            yield from flat_paths(path)
        else:
            raise SearchkitError(f"not a path: {path!r} (a string or a path-like is wanted)")


class Index:
    """A searchkit index in a directory.

    >>> ix = Index("index")            # opens it, or creates it when absent
    >>> ix.add("seeds/")               # doctest: +SKIP
    >>> [hit.title for hit in ix.search("security treaty")]  # doctest: +SKIP

    ``create=False`` raises :class:`IndexNotFoundError` instead of creating.
    """

    def __new__(cls, path: str | os.PathLike[str] = "index", *args: Any, **kwargs: Any):
        # A folder holding a shard manifest opens as a ShardedIndex (same API): see searchkit.shards.
        if cls is Index:
            from .shards.manifest import is_sharded

            if is_sharded(path):
                from .shards.search import ShardedIndex

                cls = ShardedIndex
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike[str] = "index", *, create: bool = True,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT, scheduler: str | None = None,
                 fanout: str | None = None):
        """``scheduler``/``fanout`` choose how a *sharded* index is searched (see
        :class:`searchkit.shards.ShardedIndex`); an unsharded index has one way, so any
        other value than ``fanout="joined"`` raises :class:`SearchkitError` (one line)."""
        _check_unsharded_fanout(path, scheduler, fanout)
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._searcher = None
        if self.path.exists() and not self.path.is_dir():
            raise SearchkitError(f"{self.path} is not a directory")
        ix = self._open() if self.path.is_dir() else None
        if ix is not None:
            self._ix = ix
        elif create:
            self._ix = self._create()
        else:
            raise IndexNotFoundError(
                f"no index at {self.path} (build one with: searchkit index PATH --index {self.path})"
            )
        from .analysis import use_stem_table
        from .whoosh_ext.columns import fix_multi_column_reader
        from .whoosh_ext.speedups import lazy_buffer_files

        use_stem_table(self.path)  # queries for words the index has seen need no NLTK
        lazy_buffer_files()  # opening a searcher no longer copies the whole index
        fix_multi_column_reader()  # a segment without a column has its documents' defaults

    # --- opening and metadata ---------------------------------------------

    def _open(self):
        """The index in ``self.path``, or None when there is none yet.

        The table of contents is read once, with searchkit's own schema (after
        the version check) instead of the pickled copy: a cold query need not
        unpickle the schema three times (Whoosh's ``exists_in``, ``open_dir``
        and ``searcher`` each read it).
        """
        from whoosh.filedb.filestore import FileStorage
        from whoosh.index import EmptyIndexError, FileIndex

        from .whoosh_ext.storage import latest_generation

        try:
            storage = FileStorage(str(self.path))
            if latest_generation(storage, INDEX_NAME) < 0:
                return None
        except OSError:
            return None
        meta = self._read_meta()
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise version_error(self.path, version)
        try:  # the title boost its postings were written with (see searchkit.schema.LEGACY_TITLE_BOOST)
            schema = make_schema(title_boost=recorded_title_boost(meta))
        except ValueError as exc:
            raise IndexVersionError(f"the index at {self.path} has damaged metadata ({exc}); "
                                    f"{rebuild_hint(self.path)}") \
                from None
        try:
            return FileIndex(storage, schema=schema, indexname=INDEX_NAME)
        except EmptyIndexError:
            return None
        except Exception as exc:  # unreadable TOC: say so in one line
            raise IndexVersionError(
                f"the index at {self.path} cannot be opened ({type(exc).__name__}); {rebuild_hint(self.path)}"
            ) from None

    def _create(self):
        from whoosh.index import create_in

        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SearchkitError(f"cannot create an index at {self.path}: {exc.strerror or exc}") from None
        with self._lock():  # two first runs at once must not both create
            existing = self._open()
            if existing is not None:
                return existing
            try:
                # The metadata first: a run killed in between leaves no index
                # without it (which would look like an incompatible one).
                schema = make_schema()
                self._write_meta({"schema_version": SCHEMA_VERSION, TITLE_BOOST_KEY: title_boost_of(schema),
                                  "last_indexed": None})
                try:  # a list left by an index deleted by hand describes nothing here
                    (self.path / FILE_LIST).unlink()
                except FileNotFoundError:
                    pass
                ix = create_in(str(self.path), schema, indexname=INDEX_NAME)
            except OSError as exc:
                raise SearchkitError(f"cannot create an index at {self.path}: {exc.strerror or exc}") from None
        return ix

    def _read_meta(self) -> dict[str, Any]:
        return read_meta(self.path)

    def _write_meta(self, meta: dict[str, Any]) -> None:
        tmp = self.path / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta, indent=2), "utf-8")
        os.replace(tmp, self.path / META_FILE)

    def _searcher_now(self):
        """A searcher on the latest commit (reused while the index is unchanged)."""
        if self._searcher is None:
            self._searcher = self._ix.searcher()
        elif not self._searcher.up_to_date():
            # Not Searcher.refresh(): it reuses segment readers and keeps their
            # old deletion lists, so removed documents would still be found.
            self._searcher.close()
            self._searcher = self._ix.searcher()
        return self._searcher

    def close(self) -> None:
        """Release open files (the index itself needs no closing)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Index({str(self.path)!r})"

    # --- writing ----------------------------------------------------------

    def _lock(self) -> WriteLock:
        """Take the index's write lock, waiting up to ``lock_timeout`` seconds.

        Raises :class:`IndexLockedError` when another run keeps it that long.
        The lock dies with its holder: a killed run never blocks the next one.
        """
        return lock_index(self.path, self.lock_timeout)

    def _writer(self, **kwargs: Any):
        """A Whoosh writer.  Call only while holding :meth:`_lock`.

        Holding searchkit's lock means no live searchkit writer exists, so a
        Whoosh ``WRITELOCK`` still taken belongs to worker processes orphaned
        by a killed run: it is cleared instead of waited for.
        """
        from whoosh.index import LockError

        kwargs.setdefault("limitmb", WRITER_MEMORY_MB)
        writer_class = kwargs.pop("writer_class", None)
        open_writer = self._ix.writer if writer_class is None else (lambda **kw: writer_class(self._ix, **kw))
        try:
            return open_writer(timeout=0, **kwargs)
        except LockError:
            clear_stale_whoosh_lock(self.path, f"{INDEX_NAME}_WRITELOCK")
        try:
            return open_writer(timeout=min(self.lock_timeout, 1.0), **kwargs)
        except LockError:
            raise IndexLockedError(
                f"the index at {self.path} is locked by another program; try again when it has finished"
            ) from None

    def _clean_leftovers(self) -> None:
        """Delete what a killed run left behind: temp files and uncommitted segments.

        Call only while holding :meth:`_lock` (no other writer is running).
        """
        from .whoosh_ext.storage import clean_uncommitted

        try:
            clean_uncommitted(self._ix, INDEX_NAME)
        except Exception:  # cleaning is a courtesy; never fail a run over it
            pass
        import shutil

        shutil.rmtree(self.path / f"{INDEX_NAME}.tmp", ignore_errors=True)
        stray = re.compile(rf"^_{INDEX_NAME}_\d+\.toc\..+$")
        for name in (META_FILE + ".tmp", *os.listdir(self.path)):
            if name == META_FILE + ".tmp" or stray.match(name):
                try:
                    (self.path / name).unlink()
                except OSError:
                    pass

    def add(self, *paths: str | os.PathLike[str], rebuild: bool = False,
            progress: Progress | None = None, source: str | None = None, tags: Sequence[str] = (),
            duplicate_threshold: float | None = None) -> IndexSummary:
        """Index files and folders; return what was added, updated, unchanged, removed, skipped.

        ``paths``: strings or path-likes, or collections of them (``add(["a", "b"])``
        is ``add("a", "b")``; a generator too); anything else raises :class:`SearchkitError`.
        Re-adding a folder is incremental: unchanged files are not re-read,
        changed ones replace their documents, and documents whose files are
        gone from under that folder are removed.  ``rebuild=True`` starts from
        an empty index.  Everything is committed at once at the end, so an
        interrupted run leaves the index as it was (a rebuild too: the old
        documents go only when the new ones are committed).

        Big runs index on several cores (see :mod:`searchkit.ingest.build`,
        ``$SEARCHKIT_WORKERS``); memory is bounded per process by
        ``$SEARCHKIT_MEMORY_MB`` (:data:`WRITER_MEMORY_MB`).

        ``source`` and ``tags`` are given to the documents read in this run
        that have none.  ``duplicate_threshold`` (0 < t <= 1, default 0.8 or
        what the index was built with) is the estimated Jaccard similarity of
        5-word shingles from which two bodies are copies (one ``cluster``); it
        can change only with ``rebuild`` (else :class:`SearchkitError`).
        """
        from whoosh.writing import CLEAR

        from .derived import DerivedFieldsWriter

        from .analysis import write_stem_table
        from .ingest.build import DeferredReader, DeferredWriter, worker_stems, writer_options
        from .ingest.run import index_paths
        from .whoosh_ext.merging import merge_bounded

        started = time.perf_counter()
        paths = tuple(flat_paths(paths))
        missing = [str(p) for p in paths if not os.path.lexists(p)]
        if missing:
            raise SearchkitError(f"no such file or directory: {missing[0]}")
        with self._lock():
            self._clean_leftovers()
            if rebuild:
                self.close()
                existing, owners, stats = {}, {}, {}
            else:
                existing, owners, stats = self._file_table()
            threshold = self._duplicate_threshold(duplicate_threshold, rebuild or not existing)
            # Opened on the first write: an unchanged re-run opens neither.
            writer = DeferredWriter(lambda: self._writer(**writer_options(SERIAL_DOCS)))
            reader = None if rebuild or not existing else DeferredReader(self._ix.reader)
            try:
                feed = DerivedFieldsWriter(writer, paths, reader, source=source, tags=tags, threshold=threshold)
                summary = index_paths(feed, existing, owners, [Path(p) for p in paths], progress, stats=stats)
            except BaseException:
                writer.cancel()
                raise
            finally:
                if reader is not None:
                    reader.close()
            if rebuild:
                writer.commit(mergetype=CLEAR)
            elif summary.added or summary.updated or summary.removed:
                # the small segments repeated runs leave are merged, a bounded number kept
                writer.commit(mergetype=merge_bounded())
            else:
                writer.cancel()
            self._write_file_list(existing, stats)
            if summary.added or summary.updated:
                try:  # after the commit: a table missing words only costs NLTK's import
                    write_stem_table(self.path, *worker_stems(writer))
                except OSError:
                    pass
            if summary.added or summary.updated or summary.removed:
                from .suggest import write_vocabulary

                try:  # the words "did you mean" may suggest; without it, a slower corrector
                    with self._ix.reader() as reader:
                        write_vocabulary(self.path, reader)
                except OSError:
                    pass
            meta = self._read_meta()
            meta["schema_version"] = SCHEMA_VERSION
            meta[TITLE_BOOST_KEY] = title_boost_of(self._ix.schema)  # kept from creation (old indexes: now written)
            meta["duplicate_threshold"] = threshold
            meta["last_indexed"] = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
            try:
                self._write_meta(meta)
            except OSError:
                pass  # only the last-indexed time is lost; the commit stands
        summary.seconds = time.perf_counter() - started
        return summary

    def _duplicate_threshold(self, wanted: float | None, fresh: bool) -> float:
        """The similarity threshold of this run: the index's own unless it starts afresh."""
        from .dedup import run_threshold

        return run_threshold(self._read_meta().get("duplicate_threshold"), wanted, fresh)

    @classmethod
    def recreate(cls, path: str | os.PathLike[str], *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Index:
        """Delete the index at ``path`` (even one that cannot be opened) and create an empty one."""
        folder = Path(path)
        if not folder.is_dir():
            return cls(folder, lock_timeout=lock_timeout)
        lock = lock_index(folder, lock_timeout)
        import shutil

        with lock:
            try:
                for child in folder.iterdir():
                    if child.name == LOCK_FILE:
                        continue
                    if child.name.startswith((INDEX_NAME, f"_{INDEX_NAME}_", META_FILE, FILE_LIST)):
                        if child.is_dir() and not child.is_symlink():
                            shutil.rmtree(child)
                        else:
                            child.unlink()
            except OSError as exc:
                raise SearchkitError(f"cannot clear the index at {folder}: {exc.strerror or exc}") from None
        return cls(folder, lock_timeout=lock_timeout)

    def _file_table(self) -> tuple[dict[str, tuple[str, set[str]]], dict[str, str], dict[str, tuple]]:
        """:meth:`_source_table` and each file's ``(size, mtime_ns)`` when read, from the file list
        when it describes the latest commit, else from the columns (no sizes and times: files are hashed)."""
        from .ingest.incremental import read_file_list

        listed = read_file_list(self.path, self._ix.latest_generation())
        if listed is not None:
            return listed
        existing, owners = self._source_table()
        return existing, owners, {}

    def _write_file_list(self, existing: dict[str, tuple[str, set[str]]], stats: dict[str, tuple]) -> None:
        """Record the files of the latest commit (see :mod:`searchkit.ingest.incremental`); a failure
        only makes the next run read the columns."""
        from .ingest.incremental import write_file_list

        try:
            write_file_list(self.path, self._ix.latest_generation(), existing, stats)
        except (OSError, ValueError):
            pass

    def _source_table(self) -> tuple[dict[str, tuple[str, set[str]]], dict[str, str]]:
        """{source file: (content hash, its ids)} and {id: source file}, read from columns."""
        from .ingest.incremental import source_table

        with self._ix.reader() as reader:
            return source_table(reader)

    def remove(self, doc_id: str) -> bool:
        """Delete the document with this id; True when there was one."""
        return self.remove_many([doc_id]) > 0

    def remove_many(self, doc_ids: Sequence[str]) -> int:
        """Delete these documents in one commit; return how many there were."""
        count = 0
        with self._lock():
            writer = self._writer()
            try:
                for doc_id in dict.fromkeys(doc_ids):
                    count += writer.delete_by_term("id", doc_id)
            except BaseException:
                writer.cancel()
                raise
            if count:
                writer.commit()
            else:
                writer.cancel()
        return count

    def matching_ids(self, *, query: str | None = None, path: str | os.PathLike[str] | None = None,
                     **options: Any) -> list[str]:
        """The ids of every document matching ``query`` (with :meth:`search`'s filters in ``options``,
        copies included) and/or whose file is ``path`` or lies under it; both given: both must hold.

        Raises ``ValueError`` when neither is given.
        """
        if query is None and path is None:
            raise ValueError("give a query, a path or both")
        searcher = self._searcher_now()
        reader = searcher.reader()
        ids = reader.column_reader("id", translate=False)
        chosen: set[int] | None = None
        if query is not None:
            options.setdefault("feedback", False)  # only documents with the query's words
            found = run_search(searcher, query, collapse=False, snippets=False, stream=True, **options)
            chosen = set(getattr(found, "matched_docnums", list)())
        if path is not None:
            prefix = Path(os.path.abspath(path)).as_posix().rstrip("/")
            files = reader.column_reader("file", translate=False)
            under = set()
            for docnum in reader.all_doc_ids():
                key = files[docnum]
                key = key.decode("utf-8", "surrogateescape") if isinstance(key, bytes) else key
                if key == prefix or key.startswith(prefix + "/"):
                    under.add(docnum)
            chosen = under if chosen is None else chosen & under
        out = []
        for docnum in sorted(chosen or ()):
            value = ids[docnum]
            out.append(value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value)
        return out

    # --- reading ----------------------------------------------------------

    def search(self, text: str, limit: int = 10, **filters: Any) -> SearchResults:
        """Search; return a list of hits (best first) with ``.total`` and ``.took_ms``.

        Keyword options: ``offset``, ``sort`` (``"relevance"``, ``"date"``,
        ``"-date"``), ``since``/``until`` (``"2019"``, ``"2019-06"``,
        ``"2019-06-28"``, a date or a datetime), ``snippets`` (False skips
        highlighting), and field filters ``author``, ``tags``, ``source``,
        ``title``, ``body``, ``dateline`` (words the field must contain).
        ``facets=["tags", "year"]`` fills ``hits.facets`` (``facet_size``
        values each); ``where={"folder": "sport", "tags": "G7 Summit"}`` and
        ``folder="sport"`` keep exact facet values only; ``collapse=False``
        lists every near-duplicate copy; ``stream=True`` yields every match
        from ``offset`` on, one hit at a time (``limit`` ignored).
        ``hits.suggestion`` is the query with absent or rare words spelled as
        frequent index words (None when none is; ``suggest=False`` skips it).
        Raises :class:`~searchkit.errors.QueryError` for an impossible date.
        """
        suggest = filters.pop("suggest", True)
        _check_unsharded_fanout(self.path, None, filters.pop("fanout", None))
        searcher = self._searcher_now()
        results = run_search(searcher, text, limit=limit, **filters)
        if suggest:
            from .suggest import suggest_query

            results.suggestion = suggest_query(searcher, text, self.path)
        return results

    def copies(self, doc_id: str) -> SearchResults | None:
        """The near-duplicate copies of ``doc_id`` (itself excluded), earliest first, as hits; None if no such id."""
        from .clusters import copies_of, hits_of

        searcher = self._searcher_now()
        started = time.perf_counter()
        found = copies_of(searcher, doc_id)
        if found is None:
            return None
        hits = hits_of(searcher, found)
        return SearchResults(hits, len(hits), (time.perf_counter() - started) * 1000, f"copies:{doc_id}")

    def similar(self, doc_id: str, limit: int = 10, *, snippets: bool = True,
                collapse: bool = True) -> SearchResults | None:
        """The ``limit`` articles most like ``doc_id`` (its distinctive terms by tf-idf), its own copies
        excluded, as hits (best first); None if no such id.  See :mod:`searchkit.similar`."""
        from .similar import run_similar

        return run_similar(self._searcher_now(), doc_id, max(0, int(limit)), snippets=snippets, collapse=collapse)

    def timeline(self, text: str, *, unit: str = "auto", **filters: Any) -> Timeline:
        """How many documents ``text`` matches per year or month (every match, not one page).

        Takes the filters of :meth:`search` (``since``, ``until``, field
        filters); ``unit`` is ``"year"``, ``"month"`` or ``"auto"``.  Returns a
        :class:`~searchkit.timeline.Timeline`; raises
        :class:`~searchkit.errors.QueryError` for an impossible date.
        """
        from .timeline import match_timeline

        return match_timeline(self._searcher_now(), text, unit=unit, **filters)

    def query_terms(self, text: str) -> set[str]:
        """The index terms a query looks for: the words its snippets highlight.

        With :func:`searchkit.highlight.match_spans` they mark the query's
        words in a whole stored document.
        """
        from .query import compile_query, parse_query

        return set(compile_query(parse_query(text), self._searcher_now().reader()).terms)

    def query_marks(self, text: str, field: str | None = None) -> Marks:
        """What the query's snippets mark (:class:`searchkit.highlight.Marks`): its words anywhere,
        a quoted phrase's words only where they form the phrase.  For
        :func:`searchkit.highlight.match_spans` on a whole stored document.

        ``field`` (``"title"``, ``"body"``): only what was searched in that
        field (``title:gold`` marks "gold" in a title, not in a body); None:
        every field's."""
        from .query import compile_query, parse_query

        compiled = compile_query(parse_query(text), self._searcher_now().reader())
        return compiled.marks if field is None else compiled.marks_for(field)

    def get(self, doc_id: str) -> Document | None:
        """The stored document with this id, or None."""
        stored = self._searcher_now().document(id=doc_id)
        if stored is None:
            return None
        return Document(body=stored.get("body") or "", **stored_metadata(stored))

    def ids_from_path(self, path: str | os.PathLike[str]) -> list[str]:
        """The ids of the documents read from the file ``path`` (as printed by a
        query: the path given when indexing, or any path to the same file), in
        index order; [] when none.  A dump (JSON Lines, SGML) gives many."""
        from .ingest.incremental import ids_from_file

        return ids_from_file(self._searcher_now().reader(), path)

    def _folders(self) -> list[Path]:
        """The folders whose files make up this index (their sizes are its size)."""
        return [self.path]

    def _last_indexed(self) -> str | None:
        return self._read_meta().get("last_indexed")

    def __len__(self) -> int:
        return self._searcher_now().doc_count()

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._searcher_now().document_number(id=doc_id) is not None

    def stats(self) -> dict[str, Any]:
        """``{"documents", "fields", "size_bytes", "date_range", "last_indexed", "clusters", "documents_in_clusters"}``.

        ``clusters``: near-duplicate clusters of two or more documents;
        ``documents_in_clusters``: the documents in them.
        """
        searcher = self._searcher_now()
        reader = searcher.reader()
        dates = []
        if reader.doc_count():
            column = reader.column_reader("date")
            for docnum in reader.all_doc_ids():
                value = column[docnum]
                if isinstance(value, datetime) and value >= FIRST_DATE:
                    dates.append(value)
        size = sum(f.stat().st_size for folder in self._folders() for f in folder.iterdir() if f.is_file())
        date_range = [min(dates).date().isoformat(), max(dates).date().isoformat()] if dates else None
        from .clusters import cluster_stats

        return {
            "documents": searcher.doc_count(),
            "fields": sorted(reader.schema.names()),
            "size_bytes": size,
            "date_range": date_range,
            "last_indexed": self._last_indexed(),
            **cluster_stats(searcher),
        }
