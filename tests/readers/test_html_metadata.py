"""HTML metadata comes from the article, never from comments, sidebars or related-story teasers."""

from __future__ import annotations

from searchkit.readers.html import extract_html

from ..conftest import FIXTURES

PAGES = FIXTURES / "html" / "metadata"


def test_dates_and_bylines_not_from_comments_or_sidebars():
    fields = extract_html((PAGES / "comments.html").read_bytes())
    # the only <time> elements are a sidebar's (2011) and a reader comment's (2012)
    assert fields["date"] is None
    # "Monday August 27" (a comment's author box) is a date, not a byline
    assert fields["author"] is None
    assert "Finally!" not in fields["body"]


def test_the_article_time_wins_over_comment_times():
    page = (PAGES / "comments.html").read_bytes().replace(
        b"<h1>Bridge reopens after repairs</h1>",
        b'<h1>Bridge reopens after repairs</h1><time datetime="2019-05-02T08:00:00Z">May 2, 2019</time>')
    assert extract_html(page)["date"] == "2019-05-02T08:00:00"


def test_several_jsonld_articles_the_one_matching_the_page_wins():
    fields = extract_html((PAGES / "jsonld_many.html").read_bytes())
    assert fields["title"] == "Council approves new budget"
    assert fields["date"] == "2020-03-10T12:00:00"
    assert fields["author"] == "Sam Reed"
    assert "teaser body" not in fields["body"]


def test_title_with_markup_inside_yields_text():
    fields = extract_html((PAGES / "title_markup.html").read_bytes())
    assert fields["title"] == "Storm closes schools & roads"


def test_a_byline_that_reads_as_a_date_is_not_an_author():
    from searchkit.readers.html import _byline_name

    for text in ("Monday August 27", "Aug 27", "27 August", "Updated 3 hours ago", "By Staff, 10:45"):
        assert _byline_name(text) is None, text
    assert _byline_name("By August Wilson") == "August Wilson"
    assert _byline_name("May Chen") == "May Chen"
