"""Did you mean: corrections from the index vocabulary, shown as words (not stems)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import searchkit
from searchkit.cli import cli
from searchkit.suggest import distance


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    root = tmp_path_factory.mktemp("suggest")
    folder = root / "docs"
    folder.mkdir()
    records = []
    for i in range(5):
        records.append({"id": f"g{i}", "title": f"Guantanamo Bay report {i}",
                        "body": f"Detainees at Guantanamo Bay, item {i}. The treaty and the treaties were discussed."})
    for i in range(4):
        records.append({"id": f"m{i}", "title": f"Mourinho speaks {i}",
                        "body": f"Jose Mourinho said the players did well in match {i}."})
    records.append({"id": "rare", "title": "Kanon", "body": "Bra Kanon chaired the council meeting."})
    (folder / "all.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    index = searchkit.Index(root / "index")
    index.add(folder)
    yield index
    index.close()


def test_distance_counts_a_transposition_once():
    assert distance("teh", "the") == 1
    assert distance("mourhino", "mourinho") == 2
    assert distance("cocoa", "cocoa") == 0


@pytest.mark.parametrize("typed,expected", [
    ("Guantanomo", "guantanamo"),
    ("Guantanomo bay", "guantanamo bay"),
    ("Mourhino", "mourinho"),
    ("traety", "treaty"),  # the stem "treati" is shown as its shortest word
    ("Guantanomo AND detainees", "guantanamo AND detainees"),  # operators kept as typed
])
def test_suggestions(ix, typed, expected):
    assert ix.search(typed).suggestion == expected


@pytest.mark.parametrize("typed", ["guantanamo bay", "Kanon", "Kanun", "title:Mourhino", "zzzzzzzz", "", "bay"])
def test_no_suggestion_for_known_rare_or_hopeless_words(ix, typed):
    # "Kanun": its neighbour "kanon" is in one document only, not a frequent spelling
    assert ix.search(typed).suggestion is None


def test_suggestion_in_json_and_text(ix):
    runner = CliRunner()
    data = json.loads(runner.invoke(cli, ["query", "Mourhino", "--index", str(ix.path), "--json"]).output)
    assert data["suggestion"] == "mourinho"
    text = runner.invoke(cli, ["query", "Mourhino", "--index", str(ix.path)]).output
    assert "Did you mean: mourinho" in text
    assert ix.search("Mourhino", suggest=False).suggestion is None


def test_prefix_deletes_are_every_deletion_of_up_to_two_letters_of_the_prefix():
    from itertools import combinations

    from searchkit.suggest import PREFIX_LENGTH, prefix_deletes

    for word in ("treaty", "guantanamo", "aab", "ab"):
        prefix = word[:PREFIX_LENGTH]
        expected = {"".join(c for i, c in enumerate(prefix) if i not in gone)
                    for k in range(3) for gone in combinations(range(len(prefix)), k)}
        if len(word) <= 2:
            expected.add("")
        assert prefix_deletes(word) == expected


def _typos(words, rng, count):
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for word in rng.sample(words, min(count, len(words))):
        chars = list(word)
        for _ in range(rng.choice((1, 1, 2, 3))):
            op, i = rng.randrange(4), rng.randrange(len(chars))
            if op == 0 and len(chars) > 1:
                del chars[i]
            elif op == 1:
                chars.insert(i, rng.choice(letters))
            elif op == 2:
                chars[i] = rng.choice(letters)
            elif i + 1 < len(chars):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
        out.append("".join(chars))
    return out


def test_lookup_through_the_deletes_file_equals_the_whole_dictionary(tmp_path):
    """The words sharing a delete with the typed word give SymSpell's answer over the whole vocabulary,
    also after a run that added and removed words (the file updated, not rewritten)."""
    import random

    from symspellpy import Verbosity

    from searchkit.suggest import DELETES_FILE, _speller, _word_speller, _write_deletes

    rng = random.Random(4)
    stems = ["treat", "guant", "mouri", "detain", "council", "market", "prices", "bank", "trade", "oil"]
    words = sorted({stem + "".join(rng.choice("aeiourstn") for _ in range(rng.randrange(0, 5))) for stem in stems
                    for _ in range(40)})
    first = [(w, rng.randrange(3, 500)) for w in words if rng.random() > 0.2] + [("zzyzzx", 9)]
    final = [(w, rng.randrange(3, 500)) for w in words]
    _write_deletes(tmp_path, first)
    _write_deletes(tmp_path, final)  # adds the 20% left out, drops "zzyzzx", changes every count
    (tmp_path / "vocabulary.tsv").write_text("".join(f"{w}\t{c}\n" for w, c in final))
    whole = _speller(tmp_path)
    typed = _typos(words, rng, 300) + ["zzyzzx", "zzyzzy"]
    checked = 0
    for text in typed:
        want = sorted((s.term, s.distance, s.count) for s in whole.lookup(text, Verbosity.CLOSEST, 2))
        got = sorted((s.term, s.distance, s.count) for s in _word_speller(tmp_path, text).lookup(
            text, Verbosity.CLOSEST, 2))
        assert got == want, text
        checked += bool(want)
    assert checked > 100  # most typos have a correction to compare
    assert not _word_speller(tmp_path, "zzyzzx").lookup("zzyzzx", Verbosity.CLOSEST, 2)
    assert (tmp_path / DELETES_FILE).exists() and not (tmp_path / (DELETES_FILE + ".tmp")).exists()


def test_a_query_never_builds_the_whole_dictionary_when_the_index_has_the_deletes(ix, monkeypatch):
    from searchkit import suggest

    assert (ix.path / suggest.DELETES_FILE).exists()
    monkeypatch.setattr(suggest, "_speller", lambda folder: pytest.fail("built the whole dictionary"))
    assert ix.search("Mourhino").suggestion == "mourinho"
    assert ix.search("Guantanomo bay").suggestion == "guantanamo bay"


def test_a_damaged_deletes_file_falls_back_and_is_written_anew(tmp_path):
    from searchkit.suggest import DELETES_FILE, _word_speller, _write_deletes

    (tmp_path / DELETES_FILE).write_bytes(b"not a database at all" * 50)
    assert _word_speller(tmp_path, "treaty") is None  # the caller then builds the whole dictionary
    _write_deletes(tmp_path, [("treaty", 5), ("treaties", 4)])
    found = _word_speller(tmp_path, "traety").lookup("traety", 0, 2)
    assert [s.term for s in found] == ["treaty"]


def test_a_misspelling_sharing_a_frequent_word_s_stem_is_not_as_frequent_as_the_word(tmp_path):
    """The vocabulary counts words as written: "governent" (in 3 stories) shares the stem of
    "government" (in 9), and used to get the stem's count, tie with it, and win on spelling."""
    folder = tmp_path / "docs"
    folder.mkdir()
    records = [{"id": f"g{i}", "title": f"Budget {i}", "body": f"The government spoke about bonds {i}."}
               for i in range(9)]
    records += [{"id": f"t{i}", "title": f"Typo {i}", "body": f"The governent spoke about bonds {i}."}
                for i in range(3)]
    (folder / "all.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    index = searchkit.Index(tmp_path / "index")
    index.add(folder)
    counts = dict(line.split("\t") for line in (index.path / "vocabulary.tsv").read_text().splitlines())
    assert int(counts["government"]) == 9 and int(counts["governent"]) == 3
    assert index.search("goverment bonds").suggestion == "government bonds"
    index.close()


def test_vocabulary_frequencies_read_in_one_pass_are_those_looked_up_word_by_word(tmp_path):
    """document_frequencies (one pass over each segment's term dictionary) gives, for every stem and exact
    form of stems.tsv, document_frequency's count -- over several segments, after deletions and updates."""
    import random

    from searchkit.analysis import EXACT_MARK
    from searchkit.ranking import document_frequency
    from searchkit.suggest import document_frequencies

    rng = random.Random(4)
    vocab = ["government", "governments", "oil", "oils", "prices", "price", "traded", "trading", "cocoa",
             "Élysée", "ministers", "minister", "bank", "banks", "zürich"]
    ix = searchkit.Index(tmp_path / "index")
    def write(part, docs):
        folder = tmp_path / f"p{part}"
        folder.mkdir(exist_ok=True)
        (folder / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
        ix.add(folder)

    parts = [[{"id": f"d{n}", "title": " ".join(rng.choices(vocab, k=3) + ["flash"]),  # in more titles than bodies
               "body": " ".join(rng.choices(vocab, k=rng.randint(3, 30)) + ["flash"] * (n % 7 == 0))}
              for n in range(part * 400, part * 400 + 400)] for part in range(2)]
    for part, docs in enumerate(parts):
        write(part, docs)
    for doc in parts[0][:60]:  # changed stories: updated, so deleted documents in the older segment
        doc["body"] += " cocoa trading"
    write(0, parts[0])
    searcher = ix._searcher_now()
    reader = searcher.reader()
    assert len(searcher.leaf_searchers()) >= 2 and reader.has_deletions()
    table = document_frequencies(reader)
    pairs = [line.split("\t") for line in (tmp_path / "index" / "stems.tsv").read_text("utf-8").splitlines()]
    texts = {stem for _, stem in pairs} | {EXACT_MARK + word for word, _ in pairs} | {"absent", EXACT_MARK + "absent"}
    assert len(texts) > 20
    for text in texts:
        assert table.get(text.encode("utf-8"), 0) == document_frequency(reader, text), text
    assert sum(1 for text in texts if document_frequency(reader, text)) > 15
    ix.close()


def test_no_suggestion_for_a_piece_of_a_word_with_combining_marks(tmp_path):
    import unicodedata

    folder = tmp_path / "docs"
    folder.mkdir()
    decomposed = unicodedata.normalize("NFD", "Le résumé du rapport.")
    (folder / "a.txt").write_text(decomposed)
    for n in range(5):
        (folder / f"s{n}.txt").write_text(f"The sums of the budget, part {n}.")
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(folder)
    hits = ix.search(unicodedata.normalize("NFD", "résumé"))
    assert [h.id for h in hits] == ["a.txt"]
    assert hits.suggestion is None  # not "résumś": "sume" is a piece of the word, not a word
    ix.close()
