from searchkit.analysis import NewsAnalyzer, analyze, normalise_word, stopwords


def test_case_accents_and_nfkc_fold_to_one_term():
    assert analyze("CAFÉ café Cafe") == ["cafe", "cafe", "cafe"]
    # NFKC: the "ﬁ" ligature and full-width letters are ordinary letters
    assert analyze("ﬁnance") == analyze("finance")
    assert analyze("ＴＲＥＡＴＹ") == analyze("treaty")


def test_possessives_are_removed():
    assert analyze("Japan's") == ["japan"]
    assert analyze("Japan’s") == ["japan"]


def test_stopwords_removed_and_negations_kept():
    assert analyze("the treaty of the allies") == [normalise_word("treaty"), normalise_word("allies")]
    assert "not" not in stopwords() and "no" not in stopwords()
    assert {"the", "and", "of", "a"} <= stopwords()


def test_snowball_stemming_conflates_inflections():
    assert normalise_word("treaties") == normalise_word("treaty")
    assert normalise_word("running") == normalise_word("runs") == "run"
    assert normalise_word("securities") == normalise_word("security")
    assert normalise_word("generously") == "generous"


def test_numbers_and_acronyms_are_not_stemmed():
    assert analyze("£15.8m in 1960") == ["15.8m", "1960"]
    # a dotted abbreviation is its letters: "U.S." and "US" are one term, never stemmed
    assert analyze("U.S. troops")[0] == normalise_word("US") == normalise_word("u.s") == "us"


def test_analyzer_keeps_original_offsets_and_positions():
    text = "The Treaties’ text"
    tokens = [(t.text, t.pos, text[t.startchar:t.endchar]) for t in NewsAnalyzer()(text, positions=True, chars=True)]
    assert tokens[0] == (normalise_word("treaty"), 1, "Treaties")
    assert tokens[-1] == ("text", 2, "text")


def test_same_analysis_at_index_and_query_time(ix):
    # "Treaties" indexed, "TREATY" queried: one stem
    assert [hit.id for hit in ix.search("TREATY")][0] == "politics/treaty.txt"


def test_overlong_words_are_not_indexed():
    assert analyze("x" * 500) == []
