"""Reuters headline-only stories (``TYPE="BRIEF"``): the title is the whole story, counted once."""

from __future__ import annotations

import json

import searchkit
from searchkit.readers import read_file

from ..conftest import write

BRIEF = ('<REUTERS TOPICS="NO" NEWID="12">\n<DATE> 3-MAR-1987 09:10:05.40</DATE>\n<TOPICS></TOPICS>\n'
         '<TEXT TYPE="BRIEF">&#2;\n******<TITLE>GHANA COCOA PURCHASES FALL</TITLE>\nBlah blah blah.\n&#3;\n\n'
         '</TEXT>\n</REUTERS>\n')
STORY = ('<REUTERS TOPICS="NO" NEWID="13">\n<DATE> 3-MAR-1987 09:15:05.40</DATE>\n<TOPICS></TOPICS>\n'
         '<TEXT>&#2;\n<TITLE>COCOA BUYING SLOWS IN WEST AFRICA</TITLE>\n<DATELINE>    ACCRA, March 3 - </DATELINE>'
         '<BODY>Ghana cocoa purchases at the Cocoa Board fell in the week, traders said.\n Reuter\n&#3;</BODY>'
         '</TEXT>\n</REUTERS>\n')


def test_a_brief_has_its_title_and_no_body(tmp_path):
    path = write(tmp_path / "news" / "reut2-000.sgm", BRIEF + STORY)
    docs = {doc.id: doc for doc in read_file(path, path.name)}
    assert docs["12"].title == "GHANA COCOA PURCHASES FALL"
    assert docs["12"].body == ""  # not the title again, nor the "Blah blah blah." filler
    assert docs["13"].body.startswith("Ghana cocoa purchases")


def test_a_brief_scores_as_the_same_headline_without_text_in_json(tmp_path):
    """The title alone counts: a BRIEF scores exactly as a JSON record of that title and no body."""
    write(tmp_path / "sgml" / "reut2-000.sgm", BRIEF + STORY)
    records = [{"id": "12", "title": "GHANA COCOA PURCHASES FALL", "date": "1987-03-03T09:10:05"},
               {"id": "13", "title": "COCOA BUYING SLOWS IN WEST AFRICA", "date": "1987-03-03T09:15:05",
                "body": "Ghana cocoa purchases at the Cocoa Board fell in the week, traders said."}]
    write(tmp_path / "json" / "news.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    scores = {}
    for kind in ("sgml", "json"):
        with searchkit.Index(tmp_path / f"ix-{kind}") as ix:
            ix.add(tmp_path / kind)
            hits = ix.search("ghana cocoa purchases")
            scores[kind] = {hit.id: hit.score for hit in hits}
            brief = next(hit for hit in hits if hit.id == "12")
            assert "GHANA" in brief.snippet  # the headline is what a snippet shows
            assert [hit.id for hit in ix.search("body:ghana")] == ["13"]  # only the story's text holds it
            assert ix.get("12").body == ""
    assert scores["sgml"].keys() == {"12", "13"}
    assert scores["sgml"] == scores["json"]
