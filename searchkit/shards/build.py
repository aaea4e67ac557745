"""Indexing runs on a sharded index: route, write each shard once, commit the manifest last.

A run (:func:`build_sharded`), under the sharded index's write lock:

1. reads the committed shards through one joined reader: the table of
   indexed files and ids that makes runs incremental (unchanged files are
   not re-read, ids stay stable) and the MinHash signatures near-duplicate
   clustering compares with;
2. walks the paths and hashes the files, and hands the new and changed ones
   to *read tasks* (:mod:`.reading`: files, and byte ranges of big dumps,
   read, parsed and MinHashed where the tasks run, their documents spooled
   in ``.spool/``); then replays the run exactly as an unsharded run does
   (:func:`searchkit.ingest.run.index_paths`, in document order: ids,
   conflicts, near-duplicate clusters from the signatures, the summary).
   Each added, replaced or removed document goes, by
   :func:`~.routing.shard_of` its id, to its shard's *spool* (a file of
   pickled batches in ``.spool/``; a document read by a read task as a
   reference into that task's spool), so memory stays bounded by a batch;
3. hands every shard that has work to exactly one *shard job*
   (:func:`write_shard`): clone the shard's committed folder into a new
   generation folder (hard links: Whoosh never rewrites a committed file),
   apply the spool (documents loaded from the read spools; analysis and
   postings are done here), commit.  The jobs
   run in this process, or as Dask tasks (:mod:`.cluster`) anywhere the index
   folder is reachable;
4. only when every job has committed, replaces the manifest (the commit
   point) with the new folders; the old ones are then deleted.

A failure or a kill anywhere before step 4 leaves the manifest, and so the
index, as it was; the next run deletes the orphaned folders and spools.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import settings
from ..errors import SearchkitError
from ..ingest.incremental import write_file_list
from ..locking import WriteLock, lock_index
from .manifest import (MANIFEST_FILE, Manifest, is_sharded, read_manifest, shard_folder_name,
                       write_manifest)
from .routing import ROUTING, shard_of

__all__ = ["create_sharded", "build_sharded", "remove_sharded", "write_shard", "RoutingWriter",
           "SPOOL_FOLDER", "MAX_SHARDS"]

SPOOL_FOLDER = ".spool"
#: More shards than this is a typo, not a plan (each is a folder of open files).
MAX_SHARDS = 1024
#: Operations per pickled batch of a spool.
SPOOL_BATCH = 500
_SHARD_DIR = re.compile(r"^shard-(\d{3,})\.g(\d+)$")


def _lock(path: Path, timeout: float) -> WriteLock:
    return lock_index(path, timeout)


def _check_count(shards: int) -> None:
    if not 1 <= shards <= MAX_SHARDS:
        raise SearchkitError(f"--shards must be between 1 and {MAX_SHARDS}, not {shards}")


def _is_plain_index(path: Path) -> bool:
    from ..index import META_FILE

    return path.is_dir() and not is_sharded(path) and (
        (path / META_FILE).exists() or any(name.startswith("_MAIN_") for name in os.listdir(path)))


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def create_sharded(path: Path, shards: int, lock_timeout: float) -> None:
    """Make ``path`` an empty sharded index of ``shards`` shards, unless it is one already.

    Raises :class:`SearchkitError` for an unsharded index there, or a sharded
    one of another shard count (re-sharding is ``--rebuild --shards N``).
    """
    from ..schema import SCHEMA_VERSION

    _check_count(shards)
    if path.exists() and not path.is_dir():
        raise SearchkitError(f"{path} is not a directory")
    if _is_plain_index(path):
        raise SearchkitError(f"the index at {path} is not sharded; --shards makes a new index: "
                             f"give another --index folder (or delete this one)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SearchkitError(f"cannot create an index at {path}: {exc.strerror or exc}") from None
    with _lock(path, lock_timeout):
        if is_sharded(path):
            return
        manifest = Manifest(shards=shards, routing=ROUTING, schema_version=SCHEMA_VERSION, generation=0,
                            dirs=[shard_folder_name(i, 0) for i in range(shards)])
        for name in manifest.dirs:
            write_shard({"new": str(path / name), "old": None, "spool": None, "threshold": None})
        write_manifest(path, manifest)


# --- routing: the coordinator's side of a run --------------------------------

class RoutingWriter:
    """Takes the writer calls of :func:`searchkit.indexing.index_paths` and spools each, by
    its document id, to the shard that holds (or will hold) it.

    ``counts[i]`` is the number of operations spooled for shard ``i``.
    """

    def __init__(self, spool: Path, shards: int):
        self.spool = spool
        self.shards = shards
        self.counts = [0] * shards
        self._pending: list[list] = [[] for _ in range(shards)]
        self._files: dict[int, Any] = {}

    def _put(self, doc_id: str, op: tuple) -> None:
        shard = shard_of(doc_id, self.shards)
        self._pending[shard].append(op)
        self.counts[shard] += 1
        if len(self._pending[shard]) >= SPOOL_BATCH:
            self._flush(shard)

    def _flush(self, shard: int) -> None:
        if not self._pending[shard]:
            return
        out = self._files.get(shard)
        if out is None:
            out = self._files[shard] = open(self.spool_file(shard), "wb")
        pickle.dump(self._pending[shard], out, protocol=pickle.HIGHEST_PROTOCOL)
        self._pending[shard] = []

    def spool_file(self, shard: int) -> Path:
        return self.spool / f"shard-{shard:03d}.ops"

    def add_document(self, **fields: Any) -> None:
        self._put(str(fields["id"]), ("add", fields))

    def update_document(self, **fields: Any) -> None:
        self._put(str(fields["id"]), ("update", fields))

    def delete_by_term(self, fieldname: str, text: Any, searcher=None) -> int:
        if fieldname != "id":
            raise ValueError("a sharded index deletes by id only")
        self._put(str(text), ("delete", str(text)))
        return 1

    def close(self) -> None:
        """Write what is pending and close the spool files (each flushed to disk)."""
        for shard in range(self.shards):
            self._flush(shard)
        for out in self._files.values():
            out.flush()
            os.fsync(out.fileno())
            out.close()
        self._files.clear()

    def abort(self) -> None:
        for out in self._files.values():
            out.close()
        self._files.clear()


def _read_spool(path: str):
    with open(path, "rb") as spool:
        while True:
            try:
                batch = pickle.load(spool)
            except EOFError:
                return
            yield from batch


# --- the shard job: the only writer of one shard for a run -----------------------

def _clone(old: Path, new: Path) -> None:
    """``new`` becomes a copy of the committed index folder ``old``: Whoosh's files hard-linked
    (they are never rewritten once committed), searchkit's small files copied."""
    new.mkdir(parents=True)
    for entry in os.scandir(old):
        if not entry.is_file(follow_symlinks=False) or entry.name.endswith((".lock", ".tmp")) \
                or "_WRITELOCK" in entry.name or entry.name == "searchkit.lock":
            continue
        target = new / entry.name
        if entry.name.startswith(("MAIN_", "_MAIN_")):
            try:
                os.link(entry.path, target)
                continue
            except OSError:
                pass
        shutil.copy2(entry.path, target)


def fault_point(setting: str = "SEARCHKIT_TEST_KILL_SHARD_JOB") -> None:
    """Fault injection for the tests of killed workers: with ``setting`` (``$SEARCHKIT_TEST_KILL_SHARD_JOB``
    for shard jobs, ``$SEARCHKIT_TEST_KILL_READ_TASK`` for read tasks) set to a file path, the first
    job to find that file absent creates it and kills its own process (once; with ``...=always:PATH``
    every job dies; with ``...=stall:PATH`` every job creates it and waits two minutes, for the tests
    of an interrupted run).  Unset in normal use."""
    spec = settings.get(setting)
    if not spec:
        return
    if spec.startswith("stall:"):
        Path(spec.removeprefix("stall:")).touch()
        time.sleep(120)
        return
    always = spec.startswith("always:")
    marker = Path(spec.removeprefix("always:"))
    if always or not marker.exists():
        marker.touch()
        os._exit(9)


def write_shard(job: dict[str, Any]) -> dict[str, Any]:
    """Write one shard's new generation; the body of a shard job (a Dask task, or a call).

    ``job``: ``new`` (the folder to create), ``old`` (the committed folder to
    start from, or None for an empty shard), ``spool`` (a spool file, or
    None), ``threshold`` (kept in the shard's metadata).  Runs again from the
    start when retried (a folder left by a killed attempt is deleted first).
    Returns ``{"dir", "documents", "operations", "seconds", "worker"}``.
    """
    from ..analysis import write_stem_table
    from ..index import META_FILE, Index

    started = time.perf_counter()
    new = Path(job["new"])
    if new.exists():
        shutil.rmtree(new)
    if job.get("old"):
        _clone(Path(job["old"]), new)
    ix = Index(new, create=True)
    operations = 0
    try:
        with ix._lock():
            if job.get("spool"):
                try:
                    from ..whoosh_ext.segment import LeanSegmentWriter

                    memory_mb = settings.get("SEARCHKIT_MEMORY_MB")
                    writer = ix._writer(writer_class=LeanSegmentWriter, limitmb=memory_mb)
                except ImportError:  # pragma: no cover - the lean writer moved
                    writer = ix._writer()
                from .reading import FieldsLoader, load_fields

                loader = FieldsLoader(Path(job["spool"]).parent)
                try:
                    fault_point()
                    for kind, value in _read_spool(job["spool"]):
                        if kind != "delete" and "_ref" in value:  # read by a read task: its fields are in its spool
                            value = load_fields(loader, value)
                        if kind == "add":
                            writer.add_document(**value)
                        elif kind == "update":
                            writer.update_document(**value)
                        else:
                            writer.delete_by_term("id", value)
                        operations += 1
                except BaseException:
                    writer.cancel()
                    raise
                finally:
                    loader.close()
                writer.commit()
            meta = ix._read_meta()
            meta["duplicate_threshold"] = job.get("threshold")
            meta["last_indexed"] = _now()
            tmp = new / (META_FILE + ".tmp")
            tmp.write_text(json.dumps(meta, indent=2), "utf-8")
            os.replace(tmp, new / META_FILE)
        if operations:
            try:
                write_stem_table(new)
            except OSError:
                pass
        documents = len(ix)
    finally:
        ix.close()
    return {"dir": new.name, "documents": documents, "operations": operations,
            "seconds": time.perf_counter() - started, "worker": os.getpid()}


# --- runs ---------------------------------------------------------------------

def _sweep(path: Path, manifest: Manifest) -> None:
    """Delete shard folders the manifest does not name (old generations, a killed run's) and spools.

    Call only while holding the index's lock."""
    keep = set(manifest.dirs)
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False) and (_SHARD_DIR.match(entry.name) or entry.name == SPOOL_FOLDER) \
                and entry.name not in keep:
            shutil.rmtree(entry.path, ignore_errors=True)
    for name in (MANIFEST_FILE + ".tmp",):
        try:
            (path / name).unlink()
        except OSError:
            pass


def _source_table(reader) -> tuple[dict[str, tuple[str, set[str]]], dict[str, str]]:
    """{source file: (content hash, its ids)} and {id: source file} over every shard (the joined
    reader's columns, read as for one index: :func:`searchkit.ingest.incremental.source_table`)."""
    from ..ingest.incremental import source_table

    return ({}, {}) if reader is None else source_table(reader)
    files, hashes, ids = (reader.column_reader(name) for name in ("file", "hash", "id"))

    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else value

    for docnum in reader.all_doc_ids():
        file_key, digest, doc_id = text(files[docnum]), split_hash(hashes[docnum])[0], text(ids[docnum])
        known[doc_id] = file_key
        entry = existing.setdefault(file_key, (digest, set()))
        if entry[0] != digest:  # written from several versions of the file: no one hash (see source_table)
            entry = existing[file_key] = ("", entry[1])
        entry[1].add(doc_id)
    return existing, known


def _threshold(manifest: Manifest, wanted: float | None, fresh: bool) -> float:
    from ..dedup import run_threshold

    return run_threshold(manifest.duplicate_threshold, wanted, fresh)


class _Dask:
    """The run's Dask client: given (``--scheduler``), or of a LocalCluster of ``workers``
    started when first needed (a run with nothing to do starts none); None for neither."""

    def __init__(self, workers: int | None, client):
        self.workers = workers
        self._client = client
        self._cluster = None

    @property
    def used(self) -> bool:
        return self._client is not None or self.workers is not None

    @property
    def client(self):
        if self._client is None:
            from .cluster import connect

            self._client, self._cluster = connect(workers=self.workers)
        return self._client

    def close(self) -> None:
        if self._cluster is not None:
            from .cluster import close_cluster

            close_cluster(self._client, self._cluster)
            self._client = self._cluster = None


def _run_jobs(jobs: list[dict[str, Any]], dask: _Dask) -> list[dict[str, Any]]:
    if not dask.used:
        return [write_shard(job) for job in jobs]
    from .cluster import run_on_dask

    return run_on_dask(write_shard, jobs, client=dask.client)


def _read_submitter(dask: _Dask):
    """``submit(tasks) -> handles`` for :meth:`.reading.ReadPlan.start`: Dask tasks, or calls made
    in this process when their results are first asked for."""
    from .reading import read_task

    if dask.used:
        from .cluster import submit_reads

        return lambda tasks: submit_reads(dask.client, read_task, tasks)

    class _Call:
        def __init__(self, task):
            self.task = task

        def result(self):
            task, self.task = self.task, None
            return read_task(task)

    return lambda tasks: [_Call(task) for task in tasks]


def _check_version(path: Path, manifest: Manifest, rebuild: bool) -> None:
    """An index of another schema takes only a rebuild (adding to it would mix two analyses)."""
    from ..schema import SCHEMA_VERSION, version_error

    if rebuild or manifest.schema_version == SCHEMA_VERSION:
        return
    raise version_error(path, manifest.schema_version, sharded=True)


def _commit(path: Path, manifest: Manifest, jobs: list[dict[str, Any]], results: list[dict[str, Any]],
            threshold: float | None, shards: int | None = None, rebuilt: bool = False) -> Manifest:
    """Write the manifest naming the new shard folders (the commit point), then tidy up.
    A rebuild writes the schema version of this searchkit (an older index's is rebuilt to it)."""
    from ..schema import SCHEMA_VERSION

    dirs = list(manifest.dirs) if shards is None else [""] * shards
    for job, result in zip(jobs, results):
        dirs[job["shard"]] = result["dir"]
    new = Manifest(shards=len(dirs), routing=ROUTING,
                   schema_version=SCHEMA_VERSION if rebuilt else manifest.schema_version,
                   generation=manifest.generation + 1, dirs=dirs,
                   duplicate_threshold=threshold, last_indexed=_now())
    write_manifest(path, new)
    _sweep(path, new)
    return new


def _derived_files(path: Path, manifest: Manifest) -> None:
    """The stem table and the vocabulary of the whole index (after the commit: only speed and
    "did you mean" depend on them, never a result)."""
    from ..analysis.stemming import _read_table, write_stem_table
    from ..suggest import write_vocabulary
    from .search import joined_reader, open_shard_readers

    try:
        pairs: dict[str, str] = {}
        for name in manifest.dirs:
            for line in _read_table(path / name / "stems.tsv"):
                word, _, stem = line.partition("\t")
                pairs[word] = stem
        write_stem_table(path, pairs)
        readers = open_shard_readers(path, manifest)
        try:
            write_vocabulary(path, joined_reader(readers))
        finally:
            for reader in readers:
                reader.close()
    except Exception:  # a courtesy file: never fail a committed run over it
        pass


def build_sharded(path: Path, paths: Sequence[Path], *, rebuild: bool = False, progress=None,
                  source: str | None = None, tags: Sequence[str] = (), duplicate_threshold: float | None = None,
                  workers: int | None = None, scheduler: str | None = None, shards: int | None = None,
                  lock_timeout: float = 10.0, timings: dict[str, Any] | None = None):
    """One indexing run on the sharded index at ``path`` (see the module docstring).

    ``workers``: run the shard jobs on a Dask LocalCluster of that many
    workers; ``scheduler``: on the Dask cluster at that address; neither: in
    this process.  ``shards`` (with ``rebuild``) re-shards.  Returns an
    :class:`~searchkit.indexing.IndexSummary` (``seconds`` set).  Raises
    :class:`SearchkitError` (nothing committed) when a job fails or the
    scheduler cannot be reached.  ``timings`` (a dict) receives ``connect`` (seconds
    to reach the scheduler), :func:`time.perf_counter` marks ``start`` (lock
    taken), ``plan`` (paths walked, files hashed), ``submit`` (read tasks handed
    out; a LocalCluster started), ``route`` (every read task's result replayed
    and spooled), ``write`` (every shard job returned), ``commit`` (manifest
    replaced); ``read_wait`` (seconds the replay waited for read tasks),
    ``read_tasks`` (each read task's ``documents``, ``files``, ``seconds``,
    ``worker``) and ``jobs`` (each shard job's result).
    """
    started = time.perf_counter()
    path = Path(os.path.abspath(path))  # the jobs' paths must mean the same on every worker
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise SearchkitError(f"no such file or directory: {missing[0]}")
    if shards is not None:
        _check_count(shards)
    client = None
    timings = {} if timings is None else timings
    if scheduler:  # an unreachable scheduler fails the run before any work (one line)
        from .cluster import connect

        client, _ = connect(scheduler=scheduler)
    timings["connect"] = time.perf_counter() - started
    dask = _Dask(None if client is not None else workers, client)
    try:
        summary = _build(path, paths, rebuild, progress, source, tags, duplicate_threshold, dask,
                         shards, lock_timeout, timings)
    finally:
        dask.close()
        if client is not None:
            client.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _build(path, paths, rebuild, progress, source, tags, duplicate_threshold, dask, shards,
           lock_timeout, timings):
    from ..derived import DerivedFieldsWriter, run_defaults
    from ..ingest.incremental import read_file_list
    from ..ingest.run import index_paths
    from .reading import ReadPlan
    from .search import joined_reader, open_shard_readers

    with _lock(path, lock_timeout):
        timings["start"] = time.perf_counter()
        manifest = read_manifest(path)
        _check_version(path, manifest, rebuild)
        _sweep(path, manifest)
        if shards is not None and shards != manifest.shards and not rebuild:
            raise SearchkitError(f"the index at {path} has {manifest.shards} shards; "
                                 f"re-shard with --rebuild --shards {shards}")
        count = shards if rebuild and shards else manifest.shards
        readers = [] if rebuild else open_shard_readers(path, manifest)
        try:
            reader = joined_reader(readers) if readers else None
            listed = None if rebuild else read_file_list(path, manifest.generation)
            if listed is not None:  # the file list of the last run: files looked at by size and times
                existing, owners, stats = listed
            else:
                (existing, owners), stats = _source_table(reader), {}
            threshold = _threshold(manifest, duplicate_threshold, rebuild or not existing)
            spool = path / SPOOL_FOLDER
            spool.mkdir(exist_ok=True)
            plan = ReadPlan(spool, list(paths), existing, owners, stats=stats, threshold=threshold,
                            **dict(zip(("roots", "source", "tags"), run_defaults(paths, source, tags))))
            timings["plan"] = time.perf_counter()
            plan.start(_read_submitter(dask))
            timings["submit"] = time.perf_counter()  # a LocalCluster, when the run starts one, is up
            router = RoutingWriter(spool, count)
            try:
                feed = DerivedFieldsWriter(router, paths, reader if existing else None, source=source, tags=tags,
                                           threshold=threshold)
                summary = index_paths(feed, existing, owners, list(paths), progress, stats=stats, reading=plan)
                router.close()
            except BaseException:
                router.abort()
                raise
        finally:
            for r in readers:
                r.close()
        generation = manifest.generation + 1
        timings["route"] = time.perf_counter()
        timings["read_wait"] = plan.wait_seconds
        timings["read_tasks"] = plan.read_results
        jobs = []
        for shard in range(count):
            if rebuild or router.counts[shard]:
                jobs.append({"shard": shard, "new": str(path / shard_folder_name(shard, generation)),
                             "old": None if rebuild else str(path / manifest.dirs[shard]),
                             "spool": str(router.spool_file(shard)) if router.counts[shard] else None,
                             "threshold": threshold})
        if jobs or manifest.duplicate_threshold != threshold:
            results = _run_jobs(jobs, dask)
            timings["write"] = time.perf_counter()
            timings["jobs"] = results
            committed = _commit(path, manifest, jobs, results, threshold, count if rebuild else None,
                                rebuilt=rebuild)
            _file_list(path, committed.generation, existing, stats)
            if summary.added or summary.updated or summary.removed:
                _derived_files(path, committed)
            timings["commit"] = time.perf_counter()
        else:
            shutil.rmtree(spool, ignore_errors=True)
            _file_list(path, manifest.generation, existing, stats)
    return summary


def _file_list(path: Path, generation: int, existing, stats) -> None:
    """The file list (:mod:`searchkit.ingest.incremental`) for the next run: its files looked at by
    size and times, not hashed, as an unsharded index's are.  A courtesy: never fails a run."""
    try:
        write_file_list(path, generation, existing, stats)
    except OSError:
        pass


def remove_sharded(path: Path, doc_ids: list[str], *, lock_timeout: float = 10.0) -> int:
    """Delete ``doc_ids`` from their shards in one commit (the manifest's); return how many existed."""
    from whoosh.searching import Searcher

    from .search import open_shard_readers

    with _lock(path, lock_timeout):
        manifest = read_manifest(path)
        _sweep(path, manifest)
        by_shard: dict[int, list[str]] = {}
        found = 0
        readers = open_shard_readers(path, manifest)
        try:
            for doc_id in doc_ids:
                shard = shard_of(doc_id, manifest.shards)
                present = Searcher(readers[shard], closereader=False).document_number(id=doc_id) is not None
                if present:
                    by_shard.setdefault(shard, []).append(doc_id)
                    found += 1
        finally:
            for r in readers:
                r.close()
        if not found:
            return 0
        spool = path / SPOOL_FOLDER
        spool.mkdir(exist_ok=True)
        router = RoutingWriter(spool, manifest.shards)
        for ids in by_shard.values():
            for doc_id in ids:
                router.delete_by_term("id", doc_id)
        router.close()
        generation = manifest.generation + 1
        jobs = [{"shard": shard, "new": str(path / shard_folder_name(shard, generation)),
                 "old": str(path / manifest.dirs[shard]), "spool": str(router.spool_file(shard)),
                 "threshold": manifest.duplicate_threshold} for shard in sorted(by_shard)]
        results = [write_shard(job) for job in jobs]
        committed = _commit(path, manifest, jobs, results, manifest.duplicate_threshold)
        _derived_files(path, committed)
    return found
