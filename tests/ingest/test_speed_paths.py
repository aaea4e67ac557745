"""The speed paths behave exactly like the plain ones (issue 5).

No timings here: ``scripts/bench.py`` measures.  These check that the stem
table holds NLTK's stems, that a query never imports NLTK (or the readers) for
words the index has seen, that indexing with worker processes and the lean
writer gives the same index content as plain serial Whoosh, that a failed
worker commits nothing, and that the highlighter and the posting format give
what the straightforward versions give.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import searchkit
import searchkit.index as index_module
from searchkit import analysis
from searchkit.whoosh_ext import multiproc as parallel_module
from searchkit.ingest import build as build_module
from searchkit import schema as schema_module
from searchkit.analysis import STEM_TABLE_FILE, NewsAnalyzer, NewsPositions, normalise_word, text_postings, WORD_PATTERN
from searchkit.highlight import make_snippet

from ..conftest import REPO, write

WORDS = ("treaty treaties security securities cocoa prices priced pricing oil crude rose rises rising "
         "bank banks banking Japan Japan's allies allied café naïve U.S. 15.8m 1960 running runs "
         "the of and a to in said will not no generously markets market marketing").split()


def make_corpus(root: Path, files: int, per_file: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    for f in range(files):
        lines = []
        for d in range(per_file):
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
            lines.append(json.dumps({"id": f"d{f}-{d}", "title": " ".join(rng.sample(WORDS, 3)), "body": body,
                                     "date": f"2019-0{1 + d % 9}-1{d % 10}", "tags": [rng.choice(WORDS)],
                                     "author": rng.choice(["Ann Smith", "Bo Li"]), "dateline": "TOKYO"}))
        write(root / f"part-{f:03d}.jsonl", "\n".join(lines) + "\n")
    return root


def content(path: Path) -> dict:
    """Everything an index holds, keyed by document id (document numbers may differ)."""
    ix = searchkit.Index(path, create=False)
    reader = ix._ix.reader()
    try:
        ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        stored = {ids[docnum]: fields for docnum, fields in reader.iter_docs()}
        postings = {}
        for fieldname, text in reader.all_terms():
            if fieldname not in ("title", "body", "author", "tags", "source", "dateline", "id", "file"):
                continue
            matcher = reader.postings(fieldname, text)
            items = {}
            while matcher.is_active():
                positions = matcher.value_as("positions") if fieldname in ("title", "body") else None
                items[ids[matcher.id()]] = (matcher.weight(), positions)
                matcher.next()
            postings[(fieldname, text)] = items
        lengths = {(ids[d], f): reader.doc_field_length(d, f) for d in ids for f in ("title", "body")}
        columns = {name: {ids[d]: reader.column_reader(name)[d] for d in ids} for name in ("id", "date", "file")}
        return {"stored": stored, "postings": postings, "lengths": lengths, "columns": columns}
    finally:
        reader.close()
        ix.close()


def build(folder: Path, index_dir: Path, monkeypatch, workers: int, plain: bool = False):
    with monkeypatch.context() as m:
        m.setenv("SEARCHKIT_WORKERS", str(workers))
        m.setattr(index_module, "SERIAL_DOCS", 30)
        if plain:  # what searchkit did before: Whoosh's own writer (the postings of NewsPositions,
            # which adds terms Whoosh's Positions would not: exact forms, joined hyphenated words)
            from whoosh.writing import SegmentWriter

            m.setattr(build_module, "LeanSegmentWriter", SegmentWriter)
        ix = searchkit.Index(index_dir)
        summary = ix.add(folder)
        ix.close()
    return summary


@pytest.mark.slow
def test_parallel_and_lean_indexing_give_the_same_index_as_plain_whoosh(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", files=8, per_file=40)
    plain = build(corpus, tmp_path / "plain", monkeypatch, workers=1, plain=True)
    serial = build(corpus, tmp_path / "serial", monkeypatch, workers=1)
    started = []
    new_task = parallel_module.ParallelWriter._new_task
    monkeypatch.setattr(parallel_module.ParallelWriter, "_new_task",
                        lambda self: started.append(1) or new_task(self))
    parallel = build(corpus, tmp_path / "parallel", monkeypatch, workers=2)
    assert plain.added == serial.added == parallel.added == 320
    assert len(started) == 2  # the documents did go to two worker processes
    expected = content(tmp_path / "plain")
    assert content(tmp_path / "serial") == expected
    assert content(tmp_path / "parallel") == expected
    # (not "-word": Whoosh's AndNotMatcher misses an excluded first match whatever the
    # segments -- a separate bug; here it would show as a difference of doc numbering)
    for query in ("treaty security", "cocoa prices", '"crude oil"', "title:japan OR banks"):
        results = [[(h.id, round(h.score, 6), h.snippet) for h in searchkit.Index(tmp_path / name).search(query)]
                   for name in ("plain", "serial", "parallel")]
        assert results[0] == results[1] == results[2]


@pytest.mark.slow
def test_incremental_runs_with_workers_follow_the_same_rules(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", files=8, per_file=40)
    for name, workers in (("serial", 1), ("parallel", 2)):
        build(corpus, tmp_path / name, monkeypatch, workers)
    # one file changed (a record edited, one dropped), one deleted, one added
    part = corpus / "part-001.jsonl"
    lines = part.read_text().splitlines()
    record = json.loads(lines[0])
    record["body"] += " correction"
    part.write_text("\n".join([json.dumps(record), *lines[2:]]) + "\n")
    (corpus / "part-002.jsonl").unlink()
    make_corpus(tmp_path / "more", files=3, per_file=40, seed=9)
    for path in (tmp_path / "more").iterdir():
        path.rename(corpus / ("new-" + path.name.replace("part", "x")))
        text = (corpus / ("new-" + path.name.replace("part", "x"))).read_text().replace('"d', '"n')
        (corpus / ("new-" + path.name.replace("part", "x"))).write_text(text)
    summaries = [build(corpus, tmp_path / name, monkeypatch, workers).to_dict()
                 for name, workers in (("serial", 1), ("parallel", 2))]
    for summary in summaries:
        summary.pop("seconds")
    assert summaries[0] == summaries[1]
    # the changed file's edited record is written again, its 38 others left as they are
    assert (summaries[0]["added"], summaries[0]["updated"], summaries[0]["removed"]) == (120, 1, 41)
    assert summaries[0]["unchanged"] == 6 * 40 + 38
    assert content(tmp_path / "serial") == content(tmp_path / "parallel")
    again = build(corpus, tmp_path / "parallel", monkeypatch, 2)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 399)


@pytest.mark.slow
def test_a_failed_worker_commits_nothing(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", files=6, per_file=40)
    index_dir = tmp_path / "ix"
    base = tmp_path / "base"
    write(base / "one.txt", "Cocoa prices\n\nCocoa prices rose.\n")
    searchkit.Index(index_dir).add(base)

    # Workers are fresh interpreters (spawned): a patch of their code in this
    # process would not reach them.  A job file that kills the worker reading it does.
    enqueue = parallel_module.ParallelWriter._enqueue

    def enqueue_a_crash(self):
        self.docbuffer.insert(0, _Crash())
        enqueue(self)

    monkeypatch.setattr(parallel_module.ParallelWriter, "_enqueue", enqueue_a_crash)
    with pytest.raises(parallel_module.WorkerError):
        build(corpus, index_dir, monkeypatch, workers=2)
    ix = searchkit.Index(index_dir, create=False)
    assert len(ix) == 1 and [h.id for h in ix.search("cocoa")] == ["one.txt"]


class _Crash:
    """Unpickled (by a worker reading its job file), it ends that process at once, exit status 3."""

    def __reduce__(self):
        import os

        return os._exit, (3,)


CRASHING_RUN = r"""
import os, sys
import searchkit
from searchkit import index
from searchkit.whoosh_ext import multiproc as parallel
index.SERIAL_DOCS = 30

class Crash:
    def __reduce__(self):
        return os._exit, (3,)

enqueue = parallel.ParallelWriter._enqueue
def enqueue_a_crash(self):  # every job file kills the worker reading it: every worker dies at once
    self.docbuffer.insert(0, Crash())
    enqueue(self)
parallel.ParallelWriter._enqueue = enqueue_a_crash
try:
    searchkit.Index(sys.argv[2]).add(sys.argv[1])
except searchkit.SearchkitError as exc:
    print("FAILED:", exc)
"""


def test_dead_workers_never_leave_the_run_waiting(tmp_path):
    """With more jobs than the job queue holds, the parent must notice dead workers, not block on put()."""
    corpus = make_corpus(tmp_path / "corpus", files=30, per_file=100)  # 30 jobs for a queue of 8
    result = subprocess.run([sys.executable, "-c", CRASHING_RUN, str(corpus), str(tmp_path / "ix")],
                            capture_output=True, text=True, timeout=120, cwd=REPO,
                            env={**os.environ, "SEARCHKIT_WORKERS": "2"})
    assert "FAILED: an indexing worker process failed" in result.stdout, result.stderr[-2000:]
    assert len(searchkit.Index(tmp_path / "ix")) == 0


def test_stem_table_holds_nltks_stems(ix, index_dir):
    from nltk.stem.snowball import EnglishStemmer

    table = (index_dir / STEM_TABLE_FILE).read_text("utf-8").splitlines()
    assert table == sorted(table) and len(table) > 20
    stemmer = EnglishStemmer()
    pairs = [line.split("\t") for line in table]
    assert all(stemmer.stem(word) == stem for word, stem in pairs)
    words = {word for word, _ in pairs}
    assert {"treaties", "security", "cocoa", "prices"} <= words


def test_stems_from_the_table_match_nltk(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    words = ["generously", "treaties", "running", "securities", "skies", "dying", "news"]
    expected = {w: normalise_word(w) for w in words}  # memoized: through NLTK
    from searchkit.analysis import stemming  # the module whose globals hold the stemmer and tables

    analysis.write_stem_table(folder, {w: analysis._stem(w) for w in words})
    saved = dict(analysis._cache), dict(stemming._computed), stemming._stemmer, list(stemming._tables)
    try:
        analysis._cache.clear()
        stemming._computed.clear()
        stemming._stemmer = "not to be used"  # a table hit must not reach NLTK
        stemming._tables[:] = []
        analysis.use_stem_table(folder)
        assert {w: normalise_word(w) for w in words} == expected
    finally:
        analysis._cache.clear()
        analysis._cache.update(saved[0])
        stemming._computed.update(saved[1])
        stemming._stemmer = saved[2]
        stemming._tables[:] = saved[3]
        stemming._table_data = stemming._table_dict = None


def test_a_long_lived_process_reads_the_tables_into_a_dict_with_the_same_answers(tmp_path, monkeypatch):
    """After TABLE_DICT_AFTER look-ups a process that is not one-shot answers from a dict: the bisection's
    answers for every word (the first table first, a stem that is not UTF-8 answered by a later table)."""
    from searchkit import loading
    from searchkit.analysis import stemming

    first = b"apples\tappl\nbroken\t\xff\xfe\ncities\tciti\nruns\trun\nruns\trunx\n"
    second = b"apples\tother\nbroken\tbroke\ndogs\tdog\n"
    tables = [first, second]
    words = ["apples", "broken", "cities", "dogs", "absent", "cit", "", "runs"]

    def bisected(word):
        key = (word + "\t").encode("utf-8", "surrogatepass")
        return next((stem for stem in (stemming._bisect_table(data, key) for data in tables) if stem is not None),
                    None)

    expected = {word: bisected(word) for word in words}
    assert expected["apples"] == "appl" and expected["broken"] == "broke" and expected["absent"] is None
    assert expected["runs"] == "run"  # a repeated word: its first line
    monkeypatch.setattr(stemming, "_tables", [tmp_path / "t1", tmp_path / "t2"])
    monkeypatch.setattr(stemming, "_table_data", tables)
    monkeypatch.setattr(stemming, "_table_dict", None)
    monkeypatch.setattr(stemming, "_table_lookups", 0)
    monkeypatch.setattr(stemming, "TABLE_DICT_AFTER", 3)
    monkeypatch.setattr(loading, "_one_shot", True)
    assert [stemming._table_stem(w) for w in words] == [expected[w] for w in words]
    assert stemming._table_dict is None  # a one-shot command keeps bisecting
    monkeypatch.setattr(loading, "_one_shot", False)
    assert [stemming._table_stem(w) for w in words] == [expected[w] for w in words]
    assert stemming._table_dict
    # A table out of order is bisected as it is (a miss where a dict would find the word): no dict.
    unordered = [b"zebras\tzebra\napples\tappl\nmoons\tmoon\n"]
    monkeypatch.setattr(stemming, "_table_data", unordered)
    monkeypatch.setattr(stemming, "_table_dict", None)
    tables[:] = unordered
    words = ["zebras", "apples", "moons", "absent"]
    expected = {word: bisected(word) for word in words}
    assert expected["zebras"] is None  # missed by the bisection
    assert [stemming._table_stem(w) for w in words * 2] == [expected[w] for w in words * 2]
    assert stemming._table_dict is False


QUERY_PATH = r"""
import sys
from searchkit.cli import main
sys.argv = ["searchkit", "query", {query!r}, "--index", {index!r}, "--limit", "10"]
try:
    main()
except SystemExit:
    pass
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"nltk", "bs4", "lxml", "multiprocessing", "dateutil"}})
print("HEAVY", heavy, file=sys.stderr)
"""


def test_a_cold_query_imports_no_nltk_and_no_readers(ix, index_dir):
    ix.close()
    for query in ("treaties", "cocoa prices", '"security treaty"', "title:trade -oil"):
        result = subprocess.run([sys.executable, "-c", QUERY_PATH.format(query=query, index=str(index_dir))],
                                capture_output=True, text=True, cwd=REPO, timeout=60)
        assert "HEAVY []" in result.stderr, (query, result.stderr)
        assert result.stdout.strip(), result.stderr


def test_news_positions_are_whooshs_positions():
    from whoosh.formats import Positions

    rng = random.Random(3)
    for _ in range(200):
        text = " ".join(rng.choice(WORDS + ["—", "...", "'s"]) for _ in range(rng.randint(0, 80)))
        poses, length = text_postings(text)
        for boost in (1.0, 2.0):
            # Whoosh's encoding of each term's positions; the frequencies Whoosh adds up give the field length
            got = list(NewsPositions(field_boost=boost).word_values(text, NewsAnalyzer()))
            assert [(w, wt, value) for w, _, wt, value in got] == [
                (w, len(ps) * boost, Positions(field_boost=boost).encode(ps)) for w, ps in poses.items()]
            assert sum(freq for _, freq, _, _ in got) == length


def reference_snippet(text: str, terms: set[str], window: int = 32) -> list[tuple[str, bool]] | None:
    """The straightforward window search (quadratic), for comparison: the chosen match indices."""
    words = [(m.start(), m.end()) for m in WORD_PATTERN.finditer(text)]
    hits = [i for i, (s, e) in enumerate(words) if terms and normalise_word(text[s:e]) in terms]
    best_start, best_key = 0, (-1, -1)
    for anchor in hits:
        first = max(0, anchor - min(3, window - 1))
        covered = [i for i in hits if first <= i < first + window]
        key = (len({normalise_word(text[words[i][0]:words[i][1]]) for i in covered}), len(covered))
        if key > best_key:
            best_key, best_start = key, first
    if hits:  # a window running past the last word starts earlier
        best_start = max(0, min(best_start, len(words) - window))
    end = min(len(words), best_start + window)
    return [text[words[i][0]:words[i][1]] for i in hits if best_start <= i < end]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=150), st.sets(st.sampled_from(WORDS), max_size=4),
       st.integers(min_value=1, max_value=40))
def test_snippet_window_is_the_straightforward_one(words, query, window):
    text = " ".join(words)
    terms = {normalise_word(w) for w in query} - {""}
    snippet = make_snippet(text, terms, window=window)
    assert [part for part, hit in snippet.parts if hit] == reference_snippet(text, terms, window)


def test_snippet_shows_words_as_written():
    terms = {normalise_word("treaty")}
    snippet = make_snippet("The Treaties were signed.\n\nA treaty!", terms)
    assert snippet.parts == [("The ", False), ("Treaties", True), (" were signed. A ", False), ("treaty", True),
                             ("!", False)]  # the text's end, not "…": only its closing mark was left


UNGUARDED_SCRIPT = """
import sys
import searchkit
from searchkit import index
index.SERIAL_DOCS = 30
print("script ran", flush=True)
searchkit.Index(sys.argv[2]).add(sys.argv[1])
"""


def test_workers_do_not_rerun_an_unguarded_script(tmp_path):
    """Workers are spawned, yet a user's script without ``if __name__ == "__main__"`` runs once."""
    corpus = make_corpus(tmp_path / "corpus", files=4, per_file=40)
    script = tmp_path / "build_it.py"
    script.write_text(UNGUARDED_SCRIPT)
    result = subprocess.run([sys.executable, str(script), str(corpus), str(tmp_path / "ix")], capture_output=True,
                            text=True, timeout=300, cwd=REPO, env={**os.environ, "SEARCHKIT_WORKERS": "2"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("script ran") == 1
    assert len(searchkit.Index(tmp_path / "ix")) == 160
    segments = list((tmp_path / "ix").glob("*.seg"))
    # one segment per worker that got work: 2, or 1 when a loaded machine let one worker take every batch
    assert 1 <= len(segments) <= 2


def test_a_worker_whose_parent_died_while_it_started_exits(monkeypatch):
    """die_with_parent cannot see a parent that died before it ran: the pid multiprocessing recorded can."""
    import multiprocessing
    from types import SimpleNamespace

    monkeypatch.setattr(build_module, "die_with_parent", lambda: None)
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: SimpleNamespace(pid=os.getppid() + 1))

    def exit_(status):
        raise SystemExit(status)

    monkeypatch.setattr(build_module.os, "_exit", exit_)
    ran = []
    with pytest.raises(SystemExit):
        build_module.worker_main(lambda: ran.append(1))
    assert not ran  # no job read by an orphan
