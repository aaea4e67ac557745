"""Issue 11's analysis classes, each with its right value: folding, clitics, hyphens and
abbreviations, scripts without spaces, stopwords, prefixes over words as written, exact forms."""

from __future__ import annotations

import json

import pytest

from searchkit.analysis import fold, normalise_word, text_postings, word_terms
from searchkit.errors import IndexVersionError

from ..conftest import write


@pytest.mark.parametrize("written, typed", [
    ("Łódź", "Lodz"), ("Wałęsa", "Walesa"), ("Đoković", "Dokovic"), ("Ørsted", "Orsted"),
    ("İstanbul", "istanbul"), ("ıstanbul", "Istanbul"), ("Straße", "strasse"), ("Æsop", "aesop"),
    ("Œuvre", "oeuvre"), ("Þór", "thor"), ("Guðrún", "gudrun"), ("Sørensen", "sorensen"),
])
def test_letter_folding(written, typed):
    assert normalise_word(written) == normalise_word(typed)


def test_fold_table_values():
    assert fold("ŁØĐıİÆŒÞßÐ") == "lodiiaeoethssd"


def terms_of(text):
    return set(text_postings(text)[0])


@pytest.mark.parametrize("written, typed", [
    ("l'Élysée", "Elysee"), ("d'Ivoire", "Ivoire"), ("qu'il", "il"), ("Ankara'da", "Ankara"),
    ("Erdoğan'ın", "Erdogan"), ("İstanbul'dan", "Istanbul"),
])
def test_clitics_index_the_name_too(written, typed):
    assert normalise_word(typed) in terms_of(written)
    assert normalise_word(written) in terms_of(written)  # and the whole, as written


def test_english_contractions_are_not_split():
    assert "don" not in terms_of("don't") and "dont" in terms_of("don't")


@pytest.mark.parametrize("hyphenated, joined", [
    ("e-mail", "email"), ("co-operation", "cooperation"), ("anti-virus", "antivirus"),
])
def test_hyphenated_words_are_indexed_joined(hyphenated, joined):
    assert normalise_word(joined) in terms_of(f"an {hyphenated} here")


def test_dates_and_codes_are_not_joined():
    assert "198703" not in terms_of("1987-03")


def test_abbreviations_match_their_letters():
    assert normalise_word("U.S.") == normalise_word("US") == normalise_word("u.s")
    assert normalise_word("a.m.") != normalise_word("am")  # "am" is a stopword, "a.m." is not


def test_cjk_runs_are_bigrams():
    assert word_terms("金利上昇") == (("金利",), ("利上",), ("上昇",))
    poses = text_postings("日銀の金利上昇は3.5%")[0]
    assert "金利" in poses and "3.5" in poses  # a number beside CJK text is its own word
    assert all(len(term) <= 2 for term in poses if not term.isascii())


@pytest.fixture
def world(tmp_path):
    records = [
        {"id": "lodz", "title": "Łódź council", "text": "Lech Wałęsa spoke in Łódź."},
        {"id": "djokovic", "title": "Đoković wins", "text": "Novak Đoković won in İstanbul'da on Sunday."},
        {"id": "elysee", "title": "Talks at l'Élysée", "text": "Leaders met at l'Élysée on Côte d'Ivoire."},
        {"id": "erdogan", "title": "Ankara'da toplantı", "text": "Erdoğan'ın açıklaması Ankara'da yapıldı."},
        {"id": "email", "title": "E-mail scams rise", "text": "Anti-virus makers warn of co-operation between gangs."},
        {"id": "us", "title": "U.S. jobs", "text": "The U.S. economy added jobs."},
        {"id": "who", "title": "The Who tour", "text": "The Who announced a tour. To be or not to be, said the singer."},
        {"id": "whoorg", "title": "WHO warns on flu", "text": "The WHO warned about flu season."},
        {"id": "bank", "title": "Bank of America results", "text": "Bank of America reported profits."},
        {"id": "bankwarns", "title": "Bank warns America", "text": "A bank warns America of risks."},
        {"id": "negotiators", "title": "Negotiators meet", "text": "Negotiators met on immigration at the university."},
        {"id": "execution", "title": "Execution stayed", "text": "A court stayed the execution of a prisoner."},
        {"id": "executive", "title": "Executive resigns", "text": "A court heard the executive of a company."},
        {"id": "jp", "title": "日銀が金利上昇を決定", "text": "日銀は金利を3.5%に引き上げた。"},
    ]
    path = write(tmp_path / "world.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    import searchkit

    index = searchkit.Index(tmp_path / "ix")
    index.add(path)
    yield index
    index.close()


def found(ix, query, **kwargs):
    return {hit.id for hit in ix.search(query, limit=50, **kwargs)}


@pytest.mark.parametrize("query, expected", [
    ("Lodz", "lodz"), ("Walesa", "lodz"), ("Dokovic", "djokovic"), ("Istanbul", "djokovic"),
    ("Elysee", "elysee"), ("Ivoire", "elysee"), ("Ankara", "erdogan"), ("Erdogan", "erdogan"),
    ("email", "email"), ("e-mail", "email"), ("cooperation", "email"), ("antivirus", "email"),
    ("US", "us"), ("U.S.", "us"), ("金利", "jp"), ("3.5", "jp"), ("金利上昇", "jp"),
])
def test_folded_forms_are_found(world, query, expected):
    assert expected in found(world, query)


def test_stopwords_are_searchable(world):
    assert "who" in found(world, '"The Who"') and "whoorg" not in found(world, '"The Who tour"')
    assert found(world, '"to be or not to be"') == {"who"}
    assert {"who", "whoorg"} <= found(world, "WHO")
    assert found(world, "the") == {"who", "whoorg", "us", "execution", "executive", "negotiators"}  # their matches


def test_capitalised_stopword_beside_lower_case_is_an_acronym(world):
    assert [h.id for h in world.search("WHO warns flu")][0] == "whoorg"


def test_phrases_are_exact(world):
    assert found(world, '"Bank of America"') == {"bank"}
    assert found(world, '"bank warns America"') == {"bankwarns"}


def test_stopwords_do_not_rank_plain_words(world):
    with_stop = [(h.id, round(h.score, 6)) for h in world.search("the bank")]
    without = [(h.id, round(h.score, 6)) for h in world.search("bank")]
    assert with_stop == without


@pytest.mark.parametrize("query, expected", [
    ("negotiat*", "negotiators"), ("immigrat*", "negotiators"), ("universit*", "negotiators"),
    ("Negotiators*", "negotiators"), ("execut*", "execution"),
])
def test_prefixes_expand_over_words_as_written(world, query, expected):
    assert expected in found(world, query)


def test_exact_form_ranks_above_a_stem_match(world):
    assert [h.id for h in world.search("execution")][:2] == ["execution", "executive"]
    assert [h.id for h in world.search("executive")][:2] == ["executive", "execution"]


def test_old_index_names_the_reason_to_rebuild(tmp_path, world):
    import searchkit

    meta = tmp_path / "ix" / "searchkit.json"
    data = json.loads(meta.read_text())
    world.close()
    meta.write_text(json.dumps({**data, "schema_version": 1}))
    with pytest.raises(IndexVersionError, match=r"stopwords.*facets and near-duplicate clusters.*rebuild with --rebuild"):
        searchkit.Index(tmp_path / "ix")


def test_snippets_mark_a_name_found_inside_a_clitic(world):
    assert "**l'Élysée**" in world.search("Elysee")[0].snippet
    assert "**Ankara'da**" in world.search("Ankara")[0].snippet
