"""Words holding combining marks are indexed, searched and marked whole; Arabic and Hindi spelling variants fold alike.

Python's ``\\w`` matches no combining mark (Unicode Mn, Mc, Me): ``\\w+`` cut
the Thai ``น้ำมัน`` ("oil"), the Hindi ``नीति`` ("policy") and the Arabic
``كَتَبَ`` into pieces, so that such words could not be found (Thai, whose
bigrams broke at every vowel sign and tone mark) or only by their pieces.
Runs of a script without spaces were also cut after 100 characters: the rest
of a long Chinese sentence was silently not indexed.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata

import pytest

import searchkit
from searchkit.analysis import WORD_PATTERN, normalise_word, text_postings
from searchkit.analysis.marks import MARK_RANGES, MARKS, mark_ranges
from searchkit.errors import IndexVersionError
from searchkit.highlight import make_snippet, match_spans
from searchkit.query import compile_query, parse_query

from ..conftest import write

#: The pattern before marks were allowed, for texts without them.
OLD_WORD = re.compile(r"\w+(?:['’.]\w+)*")

THAI = "ราคาน้ำมันที่สูงขึ้นทำให้ค่าครองชีพเพิ่มขึ้น"  # rising oil prices raise the cost of living
HINDI = "भारत सरकार ने नई आर्थिक नीति की घोषणा की।"
ARABIC = "كَتَبَ الصَّحَفِيُّ مقالاً عن الاقتصاد"
DECOMPOSED = unicodedata.normalize("NFD", "Le résumé du café fut publié.")


def test_the_ranges_hold_every_mark_and_nothing_but_word_characters():
    in_class = re.compile(f"[{MARKS}]")
    word = re.compile(r"\w")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if category[0] == "M":
            assert in_class.match(char), f"U+{code:04X} ({category}) is a mark outside the class"
        elif in_class.match(char):
            assert category == "Cn" or word.match(char), f"U+{code:04X} ({category}) is in the class"
    if unicodedata.unidata_version == "14.0.0":  # the data they were made from (Python 3.11)
        assert list(MARK_RANGES) == mark_ranges()


@pytest.mark.parametrize("text, words", [
    (THAI, [THAI]),
    (HINDI, ["भारत", "सरकार", "ने", "नई", "आर्थिक", "नीति", "की", "घोषणा", "की"]),
    (ARABIC, ["كَتَبَ", "الصَّحَفِيُّ", "مقالاً", "عن", "الاقتصاد"]),
    (DECOMPOSED, [unicodedata.normalize("NFD", w) for w in ["Le", "résumé", "du", "café", "fut", "publié"]]),
    ("a \u0301b U.S. don't x'", ["a", "b", "U.S", "don't", "x"]),  # a mark after a space starts no word
])
def test_a_word_keeps_its_marks(text, words):
    assert WORD_PATTERN.findall(text) == words


def test_text_without_marks_splits_as_before():
    rng = random.Random(7)
    pieces = ["oil", "U.S.", "don't", "l'Élysée", "15.8m", "e-mail", "金利", "3.5", "'", ".", "’", " ", "  ",
              "Straße", "ıstanbul", "_x_", "--", "a.b.", "…", "¿Qué?", "١٢٣", "x'y'z"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert WORD_PATTERN.findall(text) == OLD_WORD.findall(text), text


@pytest.mark.parametrize("text, query_word", [
    (THAI, "น้ำมัน"), (THAI, "ค่าครองชีพ"), (THAI, "ขึ้น"),
    (HINDI, "नीति"), (HINDI, "आर्थिक"),
    (ARABIC, "كتب"), (ARABIC, "الصحفي"),  # diacritics are folded away: typed without them
    (DECOMPOSED, "résumé"), (DECOMPOSED, "resume"), (DECOMPOSED, "cafe"),
])
def test_words_with_marks_are_indexed_as_the_query_reads_them(text, query_word):
    query_terms = set(text_postings(query_word)[0])
    assert query_terms and query_terms <= set(text_postings(text)[0])


@pytest.fixture
def world(tmp_path):
    folder = tmp_path / "docs"
    long_run = "東京" + "あいうえおかきくけこさしすせそたちつてと" * 8 + "金利上昇"  # 166 characters, no break
    records = [
        {"id": "thai", "title": "ข่าว", "body": THAI},
        {"id": "thai-sport", "title": "กีฬา", "body": "ทีมฟุตบอลไทยชนะการแข่งขัน"},
        {"id": "hindi", "title": "समाचार", "body": HINDI},
        {"id": "hindi-other", "title": "खेल", "body": "नीलम ने तीन पदक जीते।"},
        {"id": "arabic", "title": "خبر", "body": ARABIC},
        {"id": "french", "title": "nfd", "body": DECOMPOSED},
        {"id": "long", "title": "長文", "body": long_run},
    ]
    write(folder / "a.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(folder)
    yield ix
    ix.close()


@pytest.mark.parametrize("query, expected_id, marked", [
    ("น้ำมัน", "thai", ["น้ำมัน"]),
    ("ฟุตบอล", "thai-sport", ["ฟุตบอล"]),
    ("ค่าครองชีพ", "thai", ["ค่าครองชีพ"]),
    ("ขึ้น", "thai", ["ขึ้น", "ขึ้น"]),  # the tone mark after the last letter is marked with it
    ("नीति", "hindi", ["नीति"]),
    ("कीघोषणा", None, []),  # two words run together are not a word
    ("كتب", "arabic", ["كَتَبَ"]),
    ("resume", "french", [unicodedata.normalize("NFD", "résumé")]),
    ("金利上昇", "long", ["金利上昇"]),  # at characters 162-166 of one run
])
def test_words_with_marks_are_found_and_marked_whole(world, query, expected_id, marked):
    hits = world.search(query)
    assert [h.id for h in hits] == ([expected_id] if expected_id else [])
    if expected_id:
        assert re.findall(r"\*\*(.+?)\*\*", hits[0].snippet) == marked


@pytest.mark.parametrize("query, text, expected", [
    ("金利上昇", "金利は上昇、金利上昇", ["金利上昇"]),  # not 金利 and 上昇 apart: the query word is the four
    ("金利 上昇", "金利は上昇、金利上昇", ["金利", "上昇", "金利上昇"]),  # two words: each wherever it is
    ("ราคา", THAI, ["ราคา"]),  # not ค่าค: its bigrams คา, าค fold from ค่า + ค
    ("東京都", "東京 京都の話", ["東京", "京都"]),  # found (the bigrams' phrase spans two runs): still marked
    ('"東京 京都"', "東京 京都", ["東京", "京都"]),  # two words typed apart are not joined
    ("東京・京都", "東京 京都", ["東京", "京都"]),
    ("東京・京都", "東京都と東京 京都", ["東京都", "東京", "京都"]),  # each word wherever it is
    ("東京都 経済", "東京で会議。一方、京都の経済", ["経済"]),  # 東京 and 京都 apart: not the word 東京都
    ("金利上昇-円安", "利上げで株価上昇。金利上昇と円安", ["金利上昇", "円安"]),  # hyphenated: each part whole
    ("ราคา-น้ำมัน", "ราคาทองคำ และน้ำมัน", ["ราคา", "น้ำมัน"]),  # not the ำ of คำ
    ("น้ำมัน", THAI, ["น้ำมัน"]),  # not the ำ of ทำ (the bigram ํา)
    ("ที่", THAI, ["ที่"]),  # the tone mark the folding drops stays with its letter
    ("งาน", "เขาทำงานที่บริษัท", ["งาน"]),  # ำ (two folded) before, ่ (none) after: still in step
    ("งาน", "กำลังทำงานอยู่", ["งาน"]),
])
def test_a_query_word_of_a_script_without_spaces_is_marked_whole(query, text, expected):
    marks = compile_query(parse_query(query), None).marks
    assert [part for part, hit in make_snippet(text, marks).parts if hit] == expected
    assert [text[a:b] for a, b in match_spans(text, marks)] == expected


@pytest.mark.parametrize("version, reasons", [(2, ["combining marks"]), (1, ["stopwords", "combining marks"])])
def test_an_older_index_is_told_why_to_rebuild(tmp_path, version, reasons):
    folder = tmp_path / "docs"
    write(folder / "a.txt", "Oil prices rose.")
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(folder)
    ix.close()
    meta = tmp_path / "ix" / "searchkit.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "schema_version": version}))
    with pytest.raises(IndexVersionError) as raised:
        searchkit.Index(tmp_path / "ix")
    message = str(raised.value)
    assert f"searchkit index PATH... --index {tmp_path / 'ix'} --rebuild" in message  # a command to run
    assert "searchkit.Index.recreate(" in message
    assert all(reason in message for reason in reasons)
    rebuilt = searchkit.Index.recreate(tmp_path / "ix")  # what the message says, for a library user
    rebuilt.add(folder)
    assert [h.id for h in rebuilt.search("oil")] == ["a.txt"]
    rebuilt.close()


@pytest.mark.parametrize("written, typed", [
    ("الـنـفـط", "النفط"), ("يـرتـفـع", "يرتفع"),  # tatweel, the elongation of headlines
    ("إِلَى", "الي"), ("على", "علي"),  # alef maksura typed as yeh
    ("رسالة", "رساله"), ("القاهرة", "القاهره"),  # teh marbuta typed as heh
    ("पहुँच", "पहुंच"), ("आँख", "आंख"),  # chandrabindu typed as anusvara
])
def test_arabic_and_hindi_spelling_variants_fold_alike(written, typed):
    assert normalise_word(written) == normalise_word(typed) != ""


def test_a_headline_written_with_tatweel_is_found_and_marked(tmp_path):
    folder = tmp_path / "docs"
    write(folder / "a.jsonl", json.dumps({"id": "oil", "title": "الـنـفـط يـرتـفـع",
                                          "body": "ارتفـع سعر النـفـط اليوم"}, ensure_ascii=False) + "\n")
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(folder)
    for query, marked in (("النفط", ["النـفـط"]), ("ارتفع", ["ارتفـع"])):
        hits = ix.search(query)
        assert [h.id for h in hits] == ["oil"], query
        assert re.findall(r"\*\*(.+?)\*\*", hits[0].snippet) == marked
    ix.close()


def test_thai_marks_land_on_the_query_characters():
    """Generated Thai runs: each marked span folds to the query word, and the query word is marked
    wherever the folded run holds it (a brute-force reference)."""
    from searchkit.analysis import fold

    rng = random.Random(11)
    pieces = ["ทำ", "งาน", "ที่", "น้ำ", "มัน", "กำ", "ลัง", "อยู่", "ข่าว", "ขึ้น", "ผู้", "เที่ยว", "ไม่"]
    checked = 0
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(2, 9)))
        word = rng.choice(pieces)
        marks = compile_query(parse_query(word), None).marks
        spans = match_spans(text, marks)
        wanted = fold(word)
        if len(wanted) >= 2 and wanted in fold(text):
            assert spans, (text, word)
            for a, b in spans:
                assert wanted in fold(text[a:b]), (text, word, text[a:b])
            checked += 1
        elif not all(wanted[i:i + 2] in fold(text) for i in range(len(wanted) - 1)):
            assert not spans, (text, word, spans)  # not found, not even in pieces: nothing marked
    assert checked > 100


@pytest.mark.parametrize("query, expected", [
    ("café-bar", ["bar"]), (unicodedata.normalize("NFD", "café-bar"), ["bar"]),  # a part alone, as for "d-mark"
    ("नीति-आयोग", ["hindi-2"]), ("आयोग-बैठक", ["hindi-2"]),
])
def test_a_hyphenated_query_word_ending_in_a_mark_is_hyphenated(tmp_path, query, expected):
    folder = tmp_path / "docs"
    records = [{"id": "bar", "body": "Le bar est ouvert."}, {"id": "hindi-2", "body": "नीति आयोग की बैठक"}]
    write(folder / "a.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(folder)
    assert [h.id for h in ix.search(query)] == expected
    ix.close()


def test_variation_selectors_and_keycaps_are_presentation_only():
    assert text_postings("東京\ufe00都")[0] == text_postings("東京都")[0]  # one run, 京都 kept
    assert text_postings("葛\U000e0100城")[0] == text_postings("葛城")[0]
    assert text_postings("5\ufe0f\u20e3 and 6")[0] == text_postings("5 and 6")[0]  # the keycap is the digit
    text = "東京\ufe00都の話"
    marks = compile_query(parse_query("京都"), None).marks
    assert [text[a:b] for a, b in match_spans(text, marks)] == ["京\ufe00都"]  # the selector with its letter


def test_a_word_that_only_folds_to_a_stopword_counts_in_a_query(tmp_path):
    """Vietnamese đô, số, sơ fold to the English stopwords do, so: typed, they are words of the query."""
    folder = tmp_path / "docs"
    records = [{"id": "city", "body": "Thành phố đô thị lớn nhất nước."}, {"id": "market", "body": "Giá thị trường."}]
    write(folder / "a.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(folder)
    hits = ix.search("đô thị")
    assert hits[0].id == "city" and re.findall(r"\*\*(.+?)\*\*", hits[0].snippet) == ["đô", "thị"]
    assert all("**đô**" not in h.snippet for h in ix.search("do thị"))  # "do" typed is a stopword: left out
    ix.close()


def test_hindi_boolean_query_is_not_read_as_a_sentence(tmp_path):
    """The sentence test counted one word per piece between vowel signs: 13 "words" and the
    operators were read as words, returning a document without सरकार."""
    folder = tmp_path / "docs"
    records = [{"id": "both", "body": "भारत नीति सरकार"}, {"id": "no-sarkar", "body": "पाकिस्तान आयोग"}]
    write(folder / "a.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    ix = searchkit.Index(tmp_path / "ix")
    ix.add(folder)
    assert [h.id for h in ix.search("(भारत OR पाकिस्तान) AND (नीति OR आयोग) AND सरकार")] == ["both"]
    ix.close()


def test_the_rebuild_command_quotes_a_path_with_spaces():
    import shlex

    from searchkit.errors import rebuild_hint

    hint = rebuild_hint("/tmp/my index")
    command = hint.split(": ", 1)[1].split(" (in Python")[0]
    assert shlex.split(command) == ["searchkit", "index", "PATH...", "--index", "/tmp/my index", "--rebuild"]
