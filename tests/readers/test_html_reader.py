"""The HTML reader: metadata sources in order of reliability, the article body, robustness."""

from __future__ import annotations

import gzip
import importlib.util
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit.readers.html import extract_html

from ..conftest import FIXTURES as ALL_FIXTURES
from ..conftest import REPO, grows_linearly, python_calls

FIXTURES = ALL_FIXTURES / "html"
KEYS = {"title", "body", "date", "author", "tags", "source", "url", "dateline"}
#: Whose function calls count as the reader's work: its own and the HTML tree's (bs4's walks).
WORKERS = ("searchkit", "bs4")


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --------------------------------------------------------------------------- fixtures


def extracted(title: str, *paragraphs: str, **fields) -> dict:
    """What :func:`extract_html` gives for a page: its title, its body paragraphs, the other fields
    as given (those not given are empty)."""
    empty = dict(date=None, author=None, tags=[], source=None, url=None, dateline=None)
    return {"title": title, "body": "\n\n".join(paragraphs), **empty, **fields}


def test_jsonld_graph_page():
    doc = extract_html(read("jsonld_graph.html"))
    assert doc == extracted(
        "Harbour Bridge Reopens After Repairs",
        "The harbour bridge reopened to traffic on Saturday morning after eight months of "
        "repairs, the city council said, ending long detours for commuters.",
        "Engineers replaced the corroded cables, resurfaced the deck and added a protected "
        "cycle lane on the eastern side of the span.",
        "What changes for drivers",
        "The speed limit on the bridge drops to 50 km/h, and heavy lorries will need a permit "
        "to cross during the morning peak.",
        "Cars and vans: no change to the toll.",
        "Bicycles: free, on the new protected lane.",
        "The council said the work came in under budget, and that the remaining funds would "
        "go to repairs on the old ferry pier next spring.",
        # datePublished (not dateModified, not article:published_time), in UTC
        date="2023-03-04T17:30:00",
        # one author by @id reference into the @graph, one inline object
        author="Maria Lopez, Tom Reed",
        tags=["transport", "infrastructure", "Local"],
        # publisher by @id reference
        source="The Coastal Herald",
        url="https://herald.example/news/bridge",
    )


def test_opengraph_only_page():
    doc = extract_html(read("opengraph_only.html"))
    assert doc == extracted(
        "Local Library Extends Opening Hours",  # "| Riverside Gazette" trimmed
        "The central library will stay open until 9pm on weekdays from next month, after a "
        "petition signed by more than two thousand residents.",
        "Librarians said the longest queues were for study rooms, which students have asked "
        "to use in the evenings during exam season.",
        "The extra hours will be paid for from the reading-room renovation budget, which the "
        "council says is no longer needed this year.",
        date="2022-11-02T07:15:00",
        author="Priya Shah",
        tags=["libraries", "community"],
        source="Riverside Gazette",
        url="https://gazette.example/library-hours",  # canonical beats og:url
    )


def test_page_without_metadata():
    doc = extract_html(read("no_metadata.html"))
    assert doc == extracted(
        "Village Fair Raises Record Sum for the School Roof",  # from the <h1>
        "The annual village fair raised more than four thousand pounds on Sunday, a record "
        "that organisers said would cover most of the new school roof.",
        "Stalls sold cakes, plants and second-hand books, while a tug-of-war between the two "
        "pubs drew the largest crowd of the afternoon.",
        "The head teacher thanked the volunteers, and said that work on the roof would begin "
        "during the summer holidays, weather permitting.",
    )


def test_broken_markup_and_broken_jsonld():
    doc = extract_html(read("broken_markup.html"))
    assert doc == extracted(
        "Council Votes to Keep the Night Bus",  # "- Northtown Post" trimmed
        "The council voted eleven to four on Tuesday to keep the night bus running for "
        "another year, reversing a plan to cut the service in the autumn.",
        "Shift workers had packed the public gallery, and several told councillors they would "
        "have no other way to get home from the hospital after midnight.",
        "The service costs about three hundred thousand pounds a year, most of it paid from "
        "parking income, the transport committee said.",
        date="2021-06-15T22:10:00",  # from <time datetime>
        author="Sam Okafor",  # <meta name="byl">, "By " removed
        tags=["transport", "night bus", "council"],
        source="Northtown Post",
    )


def test_script_rendered_page_uses_jsonld_article_body_and_dateline():
    doc = extract_html(read("dateline_ld_body.html"))
    assert doc["title"] == "Markets steady as oil slips"
    assert doc["body"] == (
        "LONDON (Wire) - Stock markets held steady on Tuesday as oil prices slipped for a third "
        "day, with traders waiting for central bank comments later in the week.\n\n"
        "Analysts said the calm was unlikely to last, pointing to the heavy calendar of company "
        "results due before the end of the month and to the uncertainty over trade talks."
    )
    assert doc["date"] == "2020-02-11T08:00:00"  # datePublished preferred over dateCreated
    assert doc["author"] == "Jane Doe"
    assert doc["tags"] == ["markets", "oil"]
    assert doc["source"] == "Wire Service"
    assert doc["dateline"] == "LONDON (Wire)"


# --------------------------------------------------------------------------- metadata details


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


STORY = "<article>" + "".join(
    f"<p>Paragraph {i} of the story, with enough words and commas, to count as prose text.</p>"
    for i in range(5)
) + "</article>"


def test_jsonld_list_of_scripts_and_author_string():
    head = (
        '<script type="application/ld+json">{"@type": "BreadcrumbList"}</script>'
        '<script type="application/ld+json">[{"@type": "BlogPosting", "headline": "Post title",'
        ' "author": "Ann Lee", "dateCreated": "2019-05-06", "keywords": "a, b"}]</script>'
    )
    doc = extract_html(page(head, STORY))
    assert (doc["title"], doc["author"], doc["date"], doc["tags"]) == (
        "Post title", "Ann Lee", "2019-05-06", ["a", "b"])


def test_malformed_jsonld_falls_through_to_opengraph():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
        '<meta property="og:title" content="From OpenGraph">'
        '<meta property="article:published_time" content="2018-02-03T04:05:06Z">'
    )
    doc = extract_html(page(head, STORY))
    assert doc["title"] == "From OpenGraph"
    assert doc["date"] == "2018-02-03T04:05:06"


def test_jsonld_with_trailing_comma_is_still_read():
    head = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Lenient",}</script>'
    assert extract_html(page(head, STORY))["title"] == "Lenient"


def test_title_suffix_and_prefix_trimming():
    head = '<title>Storm Hits Coast | Daily Planet</title><meta property="og:site_name" content="Daily Planet">'
    assert extract_html(page(head, STORY))["title"] == "Storm Hits Coast"
    head = '<title>Daily Planet - Storm Hits Coast Again Today</title><meta property="og:site_name" content="Daily Planet">'
    assert extract_html(page(head, STORY))["title"] == "Storm Hits Coast Again Today"
    # a dash inside a headline without a known site name stays
    head = "<title>Mayor says no - and means it</title>"
    assert extract_html(page(head, STORY))["title"] == "Mayor says no - and means it"


def test_meta_author_variants_and_url_rejected():
    for name in ("author", "byl", "dc.creator"):
        doc = extract_html(page(f'<meta name="{name}" content="Kim Park">', STORY))
        assert doc["author"] == "Kim Park", name
    doc = extract_html(page('<meta property="article:author" content="https://fb.com/someone">', STORY))
    assert doc["author"] is None


def test_date_from_published_time_beats_time_element():
    head = '<meta property="article:published_time" content="2020-01-02">'
    body = '<time datetime="1999-09-09">old</time>' + STORY
    assert extract_html(page(head, body))["date"] == "2020-01-02"


# --------------------------------------------------------------------------- body details


def test_body_skips_boilerplate_and_keeps_story_order():
    body = (
        '<div class="social-share"><p>Share this article with your friends on every network you use.</p></div>'
        + STORY
        + '<div id="comments"><p>I disagree with this article, and here is a long comment about why.</p></div>'
        '<div class="newsletter"><p>Get our newsletter every morning, straight to your inbox, for free.</p></div>'
    )
    doc = extract_html(page("", body))
    assert doc["body"].split("\n\n") == [
        f"Paragraph {i} of the story, with enough words and commas, to count as prose text."
        for i in range(5)
    ]


def test_body_paragraphs_are_whitespace_normalised():
    body = "<article><p>  Lots   of\n\n  space,\tinside a paragraph that is long enough to be kept here. </p>" \
           "<p>Second paragraph, also long enough to be counted as part of the story text.</p></article>"
    assert extract_html(page("", body))["body"] == (
        "Lots of space, inside a paragraph that is long enough to be kept here.\n\n"
        "Second paragraph, also long enough to be counted as part of the story text."
    )


def test_dateline_detected_and_kept_in_body():
    body = "<article><p>WASHINGTON (Reuters) - The Senate passed the bill on Tuesday, sending it to the president.</p>" \
           "<p>The vote was 60 to 40, with several members of both parties crossing the aisle.</p></article>"
    doc = extract_html(page("", body))
    assert doc["dateline"] == "WASHINGTON (Reuters)"
    assert doc["body"].startswith("WASHINGTON (Reuters) - The Senate")


def test_comments_and_processing_instructions_are_not_text():
    body = ("<article><p>The first paragraph of the story, <!-- editor: check this --> long enough "
            "to be kept.</p><?php echo 'x' ?><p>The second paragraph, with more words in it, also "
            "kept.</p></article>")
    assert extract_html(page("", body))["body"] == (
        "The first paragraph of the story, long enough to be kept.\n\n"
        "The second paragraph, with more words in it, also kept."
    )


def test_class_lists_and_rel_author_link():
    # bs4 gives class (and rel on links) as lists: every word counts.
    body = (
        '<div class="box social-links"><p>Follow us everywhere, on all of the networks you use.</p></div>'
        '<p class="intro sr-only">Skip to the main content of this page, for screen readers.</p>'
        '<div class="wrap story-body">' + STORY + "</div>"
        '<p>Written by <a rel="author" href="/people/ann">Ann Bee</a></p>'
    )
    doc = extract_html(page("", body))
    assert doc["author"] == "Ann Bee"
    assert doc["body"].split("\n\n") == [
        f"Paragraph {i} of the story, with enough words and commas, to count as prose text."
        for i in range(5)
    ]


# --------------------------------------------------------------------------- encodings


def test_meta_charset_cp1252_and_http_equiv():
    raw = '<html><head><meta charset="windows-1252"><title>Caf\u00e9 \u201cnews\u201d</title></head></html>'
    assert extract_html(raw.encode("cp1252"))["title"] == "Caf\u00e9 \u201cnews\u201d"
    raw = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
           "<title>\u041f\u0440\u0438\u0432\u0435\u0442</title></head></html>")
    assert extract_html(raw.encode("koi8-r"))["title"] == "\u041f\u0440\u0438\u0432\u0435\u0442"


def test_bom_and_undeclared_fallbacks():
    raw = "<html><head><title>na\u00efve</title></head></html>"
    assert extract_html(raw.encode("utf-16"))["title"] == "na\u00efve"  # BOM
    assert extract_html(raw.encode("utf-8"))["title"] == "na\u00efve"  # undeclared UTF-8
    assert extract_html(raw.encode("cp1252"))["title"] == "na\u00efve"  # not UTF-8 -> cp1252


def test_declared_latin1_is_read_as_windows_1252():
    # WHATWG: the iso-8859-1 label means windows-1252, so 0x93/0x94 are curly quotes.
    raw = '<html><head><meta charset="iso-8859-1"><title>\u201cQuoted\u201d caf\u00e9</title></head></html>'
    assert extract_html(raw.encode("cp1252"))["title"] == "\u201cQuoted\u201d caf\u00e9"


def test_utf16_label_without_bom_is_read_as_utf8():
    raw = '<html><head><meta charset="utf-16"><title>na\u00efve</title></head></html>'
    assert extract_html(raw.encode("utf-8"))["title"] == "na\u00efve"


def test_meta_charset_after_a_long_head_is_honoured():
    # Past the first 2 KB (bs4's own default search window), within the first 32 KB.
    raw = ("<html><head><script>" + "var x = 1;" * 600 + "</script>"
           '<meta charset="koi8-r"><title>\u041f\u0440\u0438\u0432\u0435\u0442</title></head></html>')
    assert extract_html(raw.encode("koi8-r"))["title"] == "\u041f\u0440\u0438\u0432\u0435\u0442"


def test_gzip_bytes_are_inflated():
    raw = gzip.compress(read("opengraph_only.html"))
    assert extract_html(raw)["title"] == "Local Library Extends Opening Hours"


def test_a_gzipped_html_file_is_inflated_once(tmp_path, monkeypatch):
    """The file reader inflates ``.html.gz`` once; the HTML decoder does not do it again."""
    import searchkit
    import searchkit.readers as readers
    from searchkit.readers.html import decode

    calls = []
    real = readers.gunzip

    def counting(raw, limit):
        calls.append(len(raw))
        return real(raw, limit)

    monkeypatch.setattr(readers, "gunzip", counting)
    monkeypatch.setattr(decode, "gunzip", counting)
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(read("opengraph_only.html")))
    docs = list(searchkit.extract(tmp_path))
    assert [d.title for d in docs] == ["Local Library Extends Opening Hours"]
    assert len(calls) == 1
    calls.clear()
    # Called directly with gzip bytes, extract_html still inflates them (once).
    assert extract_html(gzip.compress(read("opengraph_only.html")))["title"] == "Local Library Extends Opening Hours"
    assert len(calls) == 1


def test_str_input_with_xml_declaration():
    raw = '<?xml version="1.0" encoding="utf-8"?>' + page("<title>X marks</title>", STORY)
    doc = extract_html(raw)
    assert doc["title"] == "X marks"
    assert doc["body"].startswith("Paragraph 0")


# --------------------------------------------------------------------------- never raises


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        "",
        b"   \n",
        b"\x00\x01\x02garbage\xff\xfe",
        b"\x1f\x8b\x08\x00broken gzip",
        b"<!-- only a comment -->",
        b"<frameset><frame src='a'></frameset>",
        b"<html><body><script>var x = '<p>not text</p>';</script></body></html>",
        "<p>" + "<b><i>" * 50_000 + "deep text",
        b"<svg><![CDATA[ x ]]></svg><?php echo 1 ?>",
    ],
)
def test_never_raises_and_always_returns_all_keys(raw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        doc = extract_html(raw)
    assert set(doc) == KEYS
    assert isinstance(doc["body"], str)
    assert isinstance(doc["tags"], list)


def test_very_deep_nesting_keeps_the_text():
    raw = b"<html><body>" + b"<div>" * 100_000 + b"<p>Hello from the bottom of the page.</p>" + b"</div>" * 100_000
    doc = extract_html(raw)
    assert "Hello from the bottom of the page." in doc["body"]
    assert python_calls(extract_html, raw, packages=WORKERS) <= 100_000  # read flat, not element by element


def test_deep_tree_keeps_metadata_and_reads_the_body_flat():
    head = '<title>Deep Page</title><meta name="author" content="Kim Park">'

    def deep(depth):
        return page(head, "<div>" * depth + "<p>Text at the bottom of a very deep page.</p>")

    doc = extract_html(deep(3000))
    assert (doc["title"], doc["author"]) == ("Deep Page", "Kim Park")
    assert doc["body"] == "Text at the bottom of a very deep page."
    assert grows_linearly(lambda depth: python_calls(extract_html, deep(depth), packages=WORKERS), 1000)


def test_huge_markup_is_read_flat():
    def huge(paragraphs):
        return "<html><head><title>Huge</title></head><body>" + "<p>x</p>" * paragraphs + "</body></html>"

    doc = extract_html(huge(80_000))
    assert doc["title"] == "Huge"
    assert doc["body"].startswith("x\n\nx")
    assert python_calls(extract_html, huge(80_000), packages=WORKERS) <= 2 * 80_000
    assert grows_linearly(lambda paragraphs: python_calls(extract_html, huge(paragraphs), packages=WORKERS), 500)


def test_nested_small_boxes_do_not_make_the_walks_quadratic():
    # Date, byline, weak-boilerplate, author and heading boxes nested just under the
    # depth limit, around a big subtree with little text (a smoke test: the walks into
    # such boxes are capped, so the work grows linearly with the subtree).
    boxes = ['<span class="date">', '<div class="byline">', '<div class="meta">',
             '<div itemprop="author">', '<div itemprop="datePublished">', "<h1>"]

    def nested(empty):
        return page("", "".join(box * 75 for box in boxes) + "<i></i>" * empty + "Jan 2, 2020, a few words")

    doc = extract_html(nested(30_000))
    assert "Jan 2, 2020, a few words" in doc["body"]
    assert grows_linearly(lambda empty: python_calls(extract_html, nested(empty), packages=WORKERS), 500)


def test_the_tree_is_bs4_on_the_lxml_parser():
    from bs4 import BeautifulSoup

    from searchkit.readers.html import _parse

    soup = _parse("<p>x</p>")
    assert isinstance(soup, BeautifulSoup)
    assert soup.builder.NAME == "lxml"


def test_script_text_never_leaks_into_the_body():
    raw = page('<script type="application/ld+json">{broken</script>', "<script>var a = 1;</script>")
    assert extract_html(raw)["body"] == ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000)))
def test_arbitrary_input_never_raises(raw):
    doc = extract_html(raw)
    assert set(doc) == KEYS


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(
    ["<div>", "</div>", "<p>", "</p>", "<a href='x'>", "</a>", "<article>", "<script>", "</script>",
     "text, words. ", "<br>", "<li>", "<table><tr><td>", '<meta name="author" content="A">',
     '<script type="application/ld+json">{"@graph": [', "]}</script>", "<h1>Head</h1>", "&amp;", "<"]),
    max_size=200))
def test_random_tag_soup_never_raises(parts):
    doc = extract_html("".join(parts))
    assert set(doc) == KEYS


# --------------------------------------------------------------------------- eval script


def _load_eval():
    path = REPO / "scripts" / "eval_extraction.py"
    spec = importlib.util.spec_from_file_location("eval_extraction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_eval_script_scoring():
    ev = _load_eval()
    assert ev.score("a b c d e", "a b c d e") == (1.0, 1.0)
    assert ev.score("", "a b c d e") == (0.0, 0.0)
    assert ev.score("anything", "") is None
    p, r = ev.score("A b c d. X y z w", "a B c d e f")
    assert (round(p, 3), round(r, 3)) == (0.2, 0.333)  # 1 of 5 shingles, 1 of 3


def test_eval_script_runs_on_a_small_folder(tmp_path, capsys):
    ev = _load_eval()
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "one.html.gz").write_bytes(gzip.compress(read("opengraph_only.html")))
    truth = extract_html(read("opengraph_only.html"))["body"]
    (tmp_path / "ground-truth.json").write_text(
        '{"one": {"articleBody": %s, "url": "u"}}' % __import__("json").dumps(truth))
    assert ev.main([str(tmp_path), "--compare-paragraphs", "--repeat", "1", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "F1=1.0000" in out
    assert "title found:  1/1" in out
