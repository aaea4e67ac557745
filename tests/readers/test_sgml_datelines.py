"""Reuters SGML datelines that run on into the story: the words go back to the body."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import searchkit
from searchkit.readers import read_file
from searchkit.readers.sgml import RECORD, _decode, parse_record, split_dateline

from ..conftest import write

REUTERS21578 = Path("/work/shared/corpora/reuters21578")


def _story(newid: int, dateline: str, body: str) -> str:
    return (f'<REUTERS TOPICS="NO" NEWID="{newid}">\n<DATE> 2-MAR-1987 05:43:35.46</DATE>\n'
            f"<TOPICS></TOPICS>\n<TEXT>&#2;\n<TITLE>STORY {newid}</TITLE>\n"
            f"<DATELINE>{dateline}</DATELINE><BODY>{body}\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n")


#: Records as Reuters-21578 has them (NEWID 313, 47, 2970, 2065, 1573, 3181, and a usual one).
FIXTURE = "".join([
    _story(313, "    THE HAGUE, March 2 - Dutch imports of fat- ",
           "and oil-bearing\nraw materials, fats and oils rose to 2.16 mln tonnes."),
    _story(47, "    RIO DE JANEIRO, Feb 26 - Brazil's \"Cruzado\" anti- ",
           "inflation\nplan, initially hailed at home and abroad, is limping."),
    _story(2970, "    ANKARA, March 8 - Engineers are working to repair the Iraq-",
           "Turkey oil pipeline near the southern town of Adana."),
    _story(2065, "    STOCKHOLM, Mar 5 - Group profit after net financial items -",
           "133.5 mln crowns vs 101 mln.\n    Sales 1.61 billion vs 1.51 billion."),
    _story(1573, "    CHEVY CHASE, Md., - March 4 - ", "Geico Corp said it named two\nboard members."),
    _story(3181, "    NEW YORK, March 9 -- ", "Oil traders in the New York area said\nExxon raised prices."),
    _story(11, "    SALVADOR, Feb 26 - ", "Showers continued throughout\nthe week in the Bahia cocoa zone."),
])


@pytest.fixture
def sgml(tmp_path: Path) -> Path:
    return write(tmp_path / "dump" / "reut2-000.sgm", FIXTURE)


def test_the_words_a_dateline_runs_on_with_start_the_body(sgml):
    docs = {doc.id: doc for doc in read_file(sgml, sgml.name)}
    assert (docs["313"].dateline, docs["313"].body) == (
        "THE HAGUE, March 2", "Dutch imports of fat- and oil-bearing raw materials, fats and oils rose to 2.16 mln tonnes.")
    assert (docs["47"].dateline, docs["47"].body) == (
        "RIO DE JANEIRO, Feb 26",
        "Brazil's \"Cruzado\" anti-inflation plan, initially hailed at home and abroad, is limping.")
    assert docs["2970"].dateline == "ANKARA, March 8"
    assert docs["2970"].body.startswith("Engineers are working to repair the Iraq-Turkey oil pipeline")
    assert docs["2065"].dateline == "STOCKHOLM, Mar 5"
    assert docs["2065"].body == ("Group profit after net financial items - 133.5 mln crowns vs 101 mln.\n\n"
                                 "Sales 1.61 billion vs 1.51 billion.")


def test_a_dateline_of_place_and_date_is_as_it_was(sgml):
    docs = {doc.id: doc for doc in read_file(sgml, sgml.name)}
    assert (docs["1573"].dateline, docs["1573"].body) == (
        "CHEVY CHASE, Md., - March 4", "Geico Corp said it named two board members.")
    assert (docs["3181"].dateline, docs["3181"].body) == (
        "NEW YORK, March 9", "Oil traders in the New York area said Exxon raised prices.")
    assert (docs["11"].dateline, docs["11"].body) == (
        "SALVADOR, Feb 26", "Showers continued throughout the week in the Bahia cocoa zone.")


def test_the_wire_lines_keep_their_breaks_without_reflow():
    attrs, inner = next(RECORD.finditer(FIXTURE.encode())).groups()
    record = parse_record(_decode(attrs), _decode(inner), reflow=False)
    assert record["dateline"] == "THE HAGUE, March 2"
    assert record["body"] == "Dutch imports of fat- and oil-bearing\nraw materials, fats and oils rose to 2.16 mln tonnes."


def test_split_dateline():
    assert split_dateline("HAMBURG, March 4 - Vereins-", "und Westbank AG") == ("HAMBURG, March 4", "Vereins- und Westbank AG")
    assert split_dateline("CHICAGO, June 1 - a 43-dlr-a-", "share bid") == ("CHICAGO, June 1", "a 43-dlr-a-share bid")
    assert split_dateline("TORONTO, June 29 - Big Bang --", "stock market") == ("TORONTO, June 29", "Big Bang -- stock market")
    assert split_dateline("OSLO, Oct 20 - Eight months -", "") == ("OSLO, Oct 20", "Eight months -")
    for dateline in ("LONDON, March 9 -", "NEW YORK, March 9 --", "KANSAS CITY, Mo. - March 13 -", "TOKYO -", "",
                     "MAR8 -- --", "H 6.12 - 5.87 2 MTH 6.50 - 6.25"):
        assert split_dateline(dateline, "Body text.") == (dateline, "Body text.")


def test_a_phrase_from_a_dateline_is_found(sgml, tmp_path):
    with searchkit.Index(tmp_path / "ix") as ix:
        ix.add(sgml.parent)
        assert [hit.id for hit in ix.search('"Dutch imports"')] == ["313"]
        assert [hit.id for hit in ix.search('"anti-inflation plan"')] == ["47"]


@pytest.mark.skipif(not (REUTERS21578 / "reut2-000.sgm").exists(), reason="needs the Reuters-21578 dump")
def test_no_reuters_dateline_runs_on_into_the_story():
    run_on = re.compile(r", [A-Z][a-z]+ \d{1,2} -+ \S")  # "THE HAGUE, March 2 - Dutch imports of fat"
    for path in sorted(REUTERS21578.glob("reut2-*.sgm")):
        for doc in read_file(path, path.name):
            assert not run_on.search(getattr(doc, "dateline", None) or ""), (doc.id, doc.dateline)
    docs = {doc.id: doc for doc in read_file(REUTERS21578 / "reut2-000.sgm", "reut2-000.sgm")}
    assert docs["313"].body.startswith("Dutch imports of fat- and oil-bearing raw materials")
    assert docs["313"].dateline == "THE HAGUE, March 2"
