"""text_postings (words found by one findall, grouped by surface form) against the word-by-word loop.

Both must give the same ``{term: positions}`` and length for any text: the
index's postings and BM25's lengths depend on them.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit.analysis import chain, term_positions, text_postings

PIECES = ["e-mail", "co-operation", "state-of-the-art", "a-b-c-d-e-f", "U.S.-Japan", "1986-87", "mid-March",
          "Cocoa", "cocoa", "COCOA", "prices", "price", "the", "The", "others", "Japan's", "l'Élysée",
          "Ankara'da", "don't", "15.8m", "U.S.", "a.m.", "金利上昇", "東京3.5", "x" * 120, "_", "-", "--",
          "\u2010", "\u2011", "co\u2010operation", "re\u2011elect", "’", "'", ".", " ", "\n", "ﬁnance",
          "ＴＲＥＡＴＹ", "Straße", "naïve", "e-", "-mail", "word-", "3-", "-4", "state-of", "of-the"]


def _reference(text: str, start_pos: int = 0):
    return chain._text_postings_by_word(text, start_pos)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.lists(st.sampled_from([" ", "", "-", ", ", "\n"]),
                                                                max_size=30), st.integers(0, 3))
def test_grouped_postings_equal_word_by_word(pieces, seps, start_pos):
    text = "".join(piece + (seps[i] if i < len(seps) else " ") for i, piece in enumerate(pieces))
    assert text_postings(text, start_pos) == _reference(text, start_pos)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aAéE1-‐‑'’. _\n金利") + ["ß", "ﬁ"]), max_size=60))
def test_any_text_gives_the_same_postings(text):
    assert text_postings(text) == _reference(text)


def test_hyphenated_words_joined_and_positions_counted():
    poses, length = text_postings("The co-operation of e-mail users, e-mail again")
    # the(0) co(1) operation(2) of(3) e(4) mail(5) users(6) e(7) mail(8): joined at the first part's position
    assert poses["email"] == [4, 7]
    assert poses["e"] == [4, 7] and poses["mail"] == [5, 8]
    assert poses["cooper"] == [1]
    assert length == _reference("The co-operation of e-mail users, e-mail again")[1]


def test_surface_forms_of_one_term_merge_in_order():
    poses, length = text_postings("cocoa Cocoa COCOA price prices")
    assert poses["cocoa"] == [0, 1, 2]
    assert poses["price"] == [3, 4]
    assert length == 5


def test_script_without_spaces_falls_back_to_word_by_word():
    text = "Tokyo 金利上昇 rates"
    assert text_postings(text) == _reference(text)
    assert text_postings(text)[0]["rate"] == [4]  # three bigrams took positions 1-3


def test_term_positions_lists_are_not_shared():
    positions = term_positions("executive executive")
    positions["execut"].append(99)
    assert positions["=executive"] == [0, 1]
