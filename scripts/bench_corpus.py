"""The benchmark's corpus and queries (see ``scripts/bench.py``): Reuters-21578 or a JSON Lines
file, written as many small JSON Lines files, scaled up with mixed copies."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

#: Stories per JSON Lines file (an archive dumped day by day; "1% of files" needs many).
STORIES_PER_FILE = 100
#: Seed of the query draws.
SEED = 5


def fts5_match(text: str) -> str:
    """The words of ``text`` OR-ed, as an FTS5 MATCH (the result set searchkit's best-match gives)."""
    return " OR ".join(f'"{w}"' for w in re.findall(r"\w+", text.lower()))


def load_records(corpus: str, reuters_folder: str | None = None) -> list[dict]:
    if corpus == "reuters":
        from reuters import DEFAULT_FOLDER, iter_reuters, jsonl_record

        return [jsonl_record(story) for story in iter_reuters(reuters_folder or DEFAULT_FOLDER)]
    records = []
    with open(corpus, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                record = json.loads(line)
                record.setdefault("id", f"line-{number}")
                records.append(record)
    return records


def write_corpus(records: list[dict], scale: int, folder: Path) -> tuple[int, list[Path]]:
    folder.mkdir(parents=True)
    files, batch, count = [], [], 0

    def flush() -> None:
        path = folder / f"part-{len(files):05d}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch), "utf-8")
        files.append(path)
        batch.clear()

    for copy in range(scale):
        for number, record in enumerate(records):
            if copy:
                record = mixed_copy(record, records[(number + copy * 7919) % len(records)], copy)
            batch.append(record)
            count += 1
            if len(batch) == STORIES_PER_FILE:
                flush()
    if batch:
        flush()
    return count, files


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def mixed_copy(record: dict, other: dict, copy: int) -> dict:
    """Copy ``copy`` of ``record``: a fresh id, and its body's sentences alternating with ``other``'s."""
    mine = _SENTENCE.split(record.get("body") or "")
    theirs = _SENTENCE.split(other.get("body") or "")
    mixed = []
    for i in range(max(len(mine), len(theirs))):
        if i < len(mine) and mine[i]:
            mixed.append(mine[i])
        if i < len(theirs) and theirs[i]:
            mixed.append(theirs[i])
    return dict(record, id=f"{record['id']}~{copy}", body=" ".join(mixed))


def make_queries(records: list[dict], n: int, stop: frozenset[str]) -> list[str]:
    """``n`` plain-words queries of 1-3 words drawn from headlines (fixed seed)."""
    rng = random.Random(SEED)
    titles = [r["title"] for r in records if r.get("title")]
    queries = []
    while len(queries) < n:
        words = _title_words(rng.choice(titles), stop)
        if not words:
            continue
        k = min(len(words), rng.choice((1, 2, 3)))
        start = rng.randrange(len(words) - k + 1)
        queries.append(" ".join(words[start:start + k]))
    return queries


def _title_words(title: str, stop: frozenset[str]) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", title.lower()) if len(w) > 2 and w not in stop]


def make_kind_queries(records: list[dict], n: int, stop: frozenset[str]) -> dict[str, list[dict]]:
    """Queries of each kind the issue tracker names, each with both engines' forms.

    * ``since``: 1-3 headline words with ``since`` = a story date drawn at
      random from the corpus's 20th to 80th percentile of dates;
    * ``phrase``: two adjacent headline words, quoted;
    * ``field``: ``tags:TOPIC word`` with a topic of the headline's story.
    """
    rng = random.Random(SEED + 1)
    dated = sorted(r["date"][:10] for r in records if r.get("date"))
    plain = make_queries(records, n, stop)
    out: dict[str, list[dict]] = {"since": [], "phrase": [], "field": []}
    for q in plain:
        since = dated[int(len(dated) * rng.uniform(0.2, 0.8))] if dated else "1987-01-01"
        out["since"].append({"searchkit": q, "since": since, "fts5": fts5_match(q)})
    tagged = [r for r in records if r.get("title") and r.get("tags")]
    titled = [r for r in records if r.get("title")]
    while len(out["phrase"]) < n:
        words = _title_words(rng.choice(titled)["title"], stop)
        if len(words) < 2:
            continue
        start = rng.randrange(len(words) - 1)
        pair = " ".join(words[start:start + 2])
        out["phrase"].append({"searchkit": f'"{pair}"', "fts5": f'"{pair}"'})
    while tagged and len(out["field"]) < n:
        record = rng.choice(tagged)
        words = _title_words(record["title"], stop)
        tag = rng.choice(record["tags"]).lower()
        if not words or not re.fullmatch(r"[a-z]+", tag):
            continue
        word = rng.choice(words)
        out["field"].append({"searchkit": f"tags:{tag} {word}", "fts5": f'tags : "{tag}" AND "{word}"'})
    return out
