from pathlib import Path

from searchkit.readers import read_file
from searchkit.readers.text import parse_text

from ..conftest import SEEDS, write


def test_seed_article_title_dateline_tags_and_body():
    seed = next(SEEDS.glob("000_*.txt"))
    doc = next(read_file(seed, seed.name))
    assert doc.title == "Japan PM Abe highlights “robust” alliance in talks with Trump"
    assert doc.dateline == "OSAKA"
    assert doc.tags == ["Ambassador", "G7 Summit", "Ukraine"]
    assert "print" not in doc.body.lower().split()[:3]
    assert doc.body.startswith("OSAKA — Japanese Prime Minister")
    assert doc.body.rstrip().endswith("election in July.")
    assert "• " not in doc.body


def test_reuters_style_dateline():
    parsed = parse_text("Fed holds rates\n\nWASHINGTON (Reuters) - The Federal Reserve held rates.")
    assert parsed["title"] == "Fed holds rates"
    assert parsed["dateline"] == "WASHINGTON (Reuters)"
    assert parsed["body"].startswith("WASHINGTON (Reuters) - The Federal")


def test_dateline_with_date_and_no_dateline():
    assert parse_text("T\n\nNEW YORK, March 3 (Reuters) - x y z")["dateline"] == "NEW YORK, March 3 (Reuters)"
    assert parse_text("Title here now\n\nNothing special in this first paragraph.")["dateline"] is None


def test_headline_first_line_dump_format():
    parsed = parse_text("COCOA PRICES RISE ON WEATHER\nCocoa futures rose\nsharply today.\n\nMore text.")
    assert parsed["title"] == "COCOA PRICES RISE ON WEATHER"
    assert parsed["body"] == "Cocoa futures rose sharply today.\n\nMore text."


def test_leading_boilerplate_lines_dropped():
    parsed = parse_text("Share\nprint PRINT\n\nReal headline of the story\n\nBody text here.")
    assert parsed["title"] == "Real headline of the story"
    assert parsed["body"] == "Body text here."


def test_one_line_file_is_title_and_body():
    parsed = parse_text("Just one line of news text")
    assert parsed["title"] == "Just one line of news text"
    assert parsed["body"] == "Just one line of news text"


def test_cp1252_file_decodes_pound_accents_and_quotes(tmp_path: Path):
    raw = "Profits hit £15.8m at café chain\n\n“Good year,” said the boss.".encode("cp1252")
    path = write(tmp_path / "legacy.txt", raw)
    doc = next(read_file(path, "legacy.txt"))
    assert doc.title == "Profits hit £15.8m at café chain"
    assert doc.body == "“Good year,” said the boss."


def test_utf8_bom_is_dropped(tmp_path: Path):
    path = write(tmp_path / "bom.txt", "\ufeffHeadline with BOM\n\nBody.".encode("utf-8"))
    doc = next(read_file(path, "bom.txt"))
    assert doc.title == "Headline with BOM"


def test_gzipped_text(tmp_path: Path):
    import gzip

    path = write(tmp_path / "a.txt.gz", gzip.compress(b"Zipped headline here\n\nZipped body."))
    doc = next(read_file(path, "a.txt.gz"))
    assert doc.title == "Zipped headline here" and doc.body == "Zipped body."
