"""Every query construct, and malformed queries degrading gracefully."""

import pytest

import searchkit


def found(ix, text, **kw):
    return [hit.id for hit in ix.search(text, limit=100, **kw)]


def test_plain_words_rank_documents_with_all_words_first(ix):
    # trade.txt mentions "security" but not "treaty"; treaty.txt has both
    result = found(ix, "security treaty")
    assert result[0] == "politics/treaty.txt"
    assert "politics/trade.txt" in result


def test_long_question_never_empty_because_of_one_missing_word(ix):
    assert found(ix, "why did cocoa futures jump xylophonist zebra")[0] == "cocoa-1"


def test_exact_phrase(ix):
    assert found(ix, '"security treaty"') == ["politics/treaty.txt"]
    assert found(ix, '"treaty security"') == []
    # stopwords inside a phrase are allowed for
    assert found(ix, '"failed to agree on tariffs"') == ["politics/trade.txt"]


def test_minus_and_not_exclude(ix):
    assert found(ix, "security -treaty") == ["politics/trade.txt"]
    assert found(ix, "security NOT treaty") == ["politics/trade.txt"]
    assert "politics/treaty.txt" not in found(ix, "NOT treaty")


def test_or_and_parentheses(ix):
    assert set(found(ix, "cocoa OR coffee")) == {"cocoa-1", "w1"}
    assert set(found(ix, "(cocoa OR coffee) brazil")) >= {"w1"}
    assert found(ix, "(cocoa OR coffee) brazil")[0] == "w1"


def test_explicit_and_requires_both(ix):
    assert found(ix, "security AND treaty") == ["politics/treaty.txt"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("title:cocoa", ["cocoa-1"]),
        ("body:harvests", ["cocoa-1"]),
        ("author:smith", ["cocoa-1"]),
        ("tags:diplomacy", ["politics/treaty.txt"]),
        ("source:ledger", ["cocoa-1"]),
        ("dateline:tokyo", ["politics/treaty.txt"]),
        ('title:"security treaty"', ["politics/treaty.txt"]),
        ("id:w3", ["w3"]),
    ],
)
def test_fields(ix, query, expected):
    assert found(ix, query) == expected


def test_field_restricts(ix):
    # "cocoa" appears in the body of cocoa-1 too, but title:coffee only in w1
    assert found(ix, "title:coffee") == ["w1"]
    # a field clause is a filter: it narrows the words' matches, never makes them optional
    assert found(ix, "author:smith coffee") == []
    assert found(ix, "author:smith cocoa") == ["cocoa-1"]


def test_dates(ix):
    assert set(found(ix, "date:2019-06")) == {"cocoa-1"}
    assert set(found(ix, "date:2019-05-01..2019-07-31")) == {"cocoa-1", "w1", "wire.jsonl#2"}
    assert set(found(ix, "date:..2018")) == {"w3"}
    assert set(found(ix, "prices date:2019-07..")) == {"wire.jsonl#2"}


def test_prefix(ix):
    assert set(found(ix, "tarif*")) == {"politics/trade.txt"}
    assert set(found(ix, "co*")) >= {"cocoa-1", "w1"}


def test_snippet_shows_words_as_written(ix):
    hit = ix.search("treaty")[0]
    assert "**treaty**" in hit.snippet and "**treaties**" in hit.snippet.lower()
    assert ("treaties", True) in [(t.lower(), h) for t, h in hit.snippet_parts]


@pytest.mark.parametrize(
    "query",
    [
        '"security treaty',
        "(security treaty",
        "security treaty)",
        "security OR",
        "OR",
        "AND AND",
        "NOT",
        "-",
        "*",
        "~ ^ :",
        "title:",
        "unknown:treaty",
        "security:::treaty",
        "((((((((((((((((((((((((((((((((treaty",
        "treaty\\",
        "tre\x00aty \x07",
        "条約 🙂 договор",
        "$(rm -rf /) `ls` ; | &&",
        "x" * 5000,
        " ".join(["treaty"] * 2000),
    ],
)
def test_malformed_queries_never_raise(ix, query):
    results = ix.search(query)
    assert isinstance(results.total, int)


def test_malformed_degrades_to_plain_words(ix):
    assert found(ix, '"security treaty')[0] == "politics/treaty.txt"
    assert found(ix, "unknown:treaty") == ["politics/treaty.txt"]
    assert found(ix, "(security treaty")[0] == "politics/treaty.txt"


@pytest.mark.parametrize("query", ["date:2019-13", "date:yesterday", "date:2020..2019"])
def test_bad_dates_are_query_errors(ix, query):
    with pytest.raises(searchkit.QueryError):
        ix.search(query)


def test_stopword_only_query_finds_its_words(ix):
    # stopwords are indexed: a query of nothing else searches them, never a silent empty list
    results = ix.search("the of and")
    assert {hit.id for hit in results} == {"politics/treaty.txt", "cocoa-1", "w1", "wire.jsonl#2"} or results.total > 0
    assert ix.search("??? !!!").total == 0


# --- hyphenated words: as written, run together, or apart -------------------

HYPHEN_DOCS = {
    "hyphen": ("Currency", "The D-mark rose against the dollar."),
    "joined": ("Currency two", "The Dmark fell sharply."),
    "spaced": ("Currency three", "The D mark was steady."),
    "part": ("Stocks", "Shares hit a record mark of success."),
    "coop-hyphen": ("Talks", "Economic co-operation continued between U.S.-Japan negotiators."),
    "coop-joined": ("Talks two", "Closer cooperation on trade between U.S. Japan officials."),
    "coop-part": ("Companies", "The co said operations grew."),
    "other": ("Weather", "Rain fell on the coast."),
}


@pytest.fixture
def hyphen_ix(tmp_path):
    import json

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "h.jsonl").write_text("".join(
        json.dumps({"id": doc_id, "title": title, "body": body}) + "\n" for doc_id, (title, body) in HYPHEN_DOCS.items()
    ))
    index = searchkit.Index(tmp_path / "ix")
    index.add(folder)
    yield index
    index.close()


@pytest.mark.parametrize("query", ["d-mark", "D-Mark", "d\u2011mark"])
def test_hyphenated_word_finds_every_spelling_first(hyphen_ix, query):
    result = found(hyphen_ix, query)
    # hyphenated, joined and two-word spellings first; the part alone ("mark") after them
    assert set(result[:3]) == {"hyphen", "joined", "spaced"}
    assert result[3:] == ["part"]


def test_hyphenated_word_as_one_word_and_apart(hyphen_ix):
    result = found(hyphen_ix, "co-operation")
    assert set(result[:2]) == {"coop-hyphen", "coop-joined"}
    assert "other" not in result
    assert set(found(hyphen_ix, "u.s.-japan")) == {"coop-hyphen", "coop-joined"}


def test_required_and_excluded_hyphenated_words_keep_to_the_word(hyphen_ix):
    # required: the part alone ("mark", "co"/"operations") does not count
    assert set(found(hyphen_ix, "the AND d-mark")) == {"hyphen", "joined", "spaced"}
    assert set(found(hyphen_ix, "title:currency AND d-mark")) == {"hyphen", "joined", "spaced"}
    assert set(found(hyphen_ix, "body:co-operation")) == {"coop-hyphen", "coop-joined"}
    # excluded: every spelling of the word goes, documents with a part alone stay
    result = set(found(hyphen_ix, "talks companies -co-operation"))
    assert result == {"coop-part"}
    assert set(found(hyphen_ix, "NOT d-mark")) == set(HYPHEN_DOCS) - {"hyphen", "joined", "spaced"}


def test_quoted_hyphenated_word_stays_an_exact_phrase(hyphen_ix):
    assert set(found(hyphen_ix, '"d-mark"')) == {"hyphen", "spaced"}


def test_hyphenated_word_highlights_what_was_found(hyphen_ix):
    hits = {hit.id: hit.snippet for hit in hyphen_ix.search("d-mark")}
    assert "**Dmark**" in hits["joined"]
    assert "**D**-**mark**" in hits["hyphen"]
