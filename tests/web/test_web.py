"""``searchkit serve``'s app through Starlette's test client: every endpoint, every error, the escaping.

The browser tests (a real Chromium) are in ``test_web_browser.py``.
"""

from __future__ import annotations

import html
import json
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit import Index
from searchkit.cli import cli

pytest.importorskip("starlette")
pytest.importorskip("starlette.testclient")

from starlette.testclient import TestClient  # noqa: E402

from searchkit.web import LIMITS, create_app  # noqa: E402
from searchkit.web.render import (  # noqa: E402
    doc_path,
    marked_snippet_spans,
    paragraphs,
    render_highlighted,
    safe_link,
)

from ..conftest import FIXTURES, NEWSROOM, SEEDS  # noqa: E402

HOSTILE = FIXTURES / "web"
HOSTILE_ID = "hostile/<script>window.__xss=1</script>\"'>"


@pytest.fixture(scope="module")
def web_index(tmp_path_factory):
    """The seeds plus the hostile fixture (titles, bodies, urls carrying markup and quote-breaking payloads)."""
    path = tmp_path_factory.mktemp("web") / "ix"
    ix = Index(path)
    ix.add(SEEDS)
    ix.add(HOSTILE)  # a second run: ids stay relative to each run's own root
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def client(web_index):
    with TestClient(create_app(web_index)) as test_client:
        yield test_client


class _Page(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML page."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def assert_inert(html: str) -> _Page:
    """No script but the app's own file, no event-handler attribute, no link or source off http(s) or the site."""
    page = _Page(html)
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                value = value or ""
                scheme = urlsplit(value).scheme
                assert scheme in ("", "http", "https"), (tag, name, value)
                if not scheme:
                    assert value.startswith("/"), (tag, name, value)
        assert tag not in ("iframe", "object", "embed", "img", "base", "i", "b")  # article markup never becomes tags
    assert [attrs.get("src") for attrs in page.all("script")] == ["/static/app.js"]
    return page


# --- the JSON API ------------------------------------------------------------------------------------


def cli_json(index_path, *args) -> dict:
    result = CliRunner().invoke(cli, ["query", *args, "--json", "--index", str(index_path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("args,params", [
    (["security treaty"], {"q": "security treaty"}),
    (["treaty", "--limit", "2", "--offset", "1"], {"q": "treaty", "limit": "2", "offset": "1"}),
    (["inflation", "--sort", "-date"], {"q": "inflation", "sort": "-date"}),
    (["treaty", "--since", "2022", "--until", "2023-06"], {"q": "treaty", "since": "2022", "until": "2023-06"}),
    (["xssprobe"], {"q": "xssprobe"}),
    (["nothingmatchesthis"], {"q": "nothingmatchesthis"}),
])
def test_api_search_returns_what_query_json_prints(client, web_index, args, params):
    expected = cli_json(web_index.path, *args)
    response = client.get("/api/search", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    got = response.json()
    assert got.pop("took_ms") >= 0 and expected.pop("took_ms") >= 0
    assert got == expected


def test_api_search_filters_narrow_and_never_widen(client):
    everything = client.get("/api/search", params={"q": "treaty", "limit": 100}).json()
    japan = client.get("/api/search", params={"q": "treaty", "limit": 100, "filter": "tags=Japan"}).json()
    assert 0 < japan["total"] < everything["total"]
    assert all("Japan" in (hit["tags"] or []) for hit in japan["hits"])
    both = client.get("/api/search", params=[("q", "treaty"), ("filter", "tags=Japan"), ("filter", "source=Reuters")])
    assert both.json()["total"] <= japan["total"]


def test_api_doc_and_stats(client, web_index):
    doc = client.get("/api/doc/" + quote("004_wire_briefs.jsonl#2", safe=""))
    assert doc.status_code == 200
    assert doc.json() == web_index.get("004_wire_briefs.jsonl#2").to_dict()
    hostile = client.get("/api/doc/" + quote(HOSTILE_ID, safe=""))
    assert hostile.json()["id"] == HOSTILE_ID  # an id with a slash, markup and quotes comes back whole
    stats = client.get("/api/stats")
    assert stats.status_code == 200
    assert stats.json() == web_index.stats()
    assert stats.json()["documents"] == 11


@pytest.mark.parametrize("params,fragment", [
    ({"q": "x", "sort": "best"}, "unknown sort"),
    ({"q": "x", "since": "2019-13"}, "month must be in 1..12"),
    ({"q": "x", "until": "yesterday"}, ""),
    ({"q": "x", "since": "2021", "until": "2020"}, "after"),
    ({"q": "x", "limit": "-1"}, "limit must be between 0 and 100"),
    ({"q": "x", "limit": "101"}, "limit must be between 0 and 100"),
    ({"q": "x", "limit": "ten"}, "limit must be a whole number"),
    ({"q": "x", "offset": "-5"}, "offset must be between"),
    ({"q": "x", "offset": "1e9"}, "offset must be a whole number"),
    ({"q": "x" * (LIMITS["query_chars"] + 1)}, "query too long"),
    ({"q": "x\x00y"}, "NUL"),
    ({"q": "x", "filter": "colour=red"}, "bad filter"),
    ({"q": "x", "filter": "tags"}, "bad filter"),
])
def test_bad_parameters_are_a_400_with_a_json_error(client, params, fragment):
    response = client.get("/api/search", params=params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error"} and fragment in body["error"]
    assert "Traceback" not in response.text
    page = client.get("/", params=params)  # the page says the same in words, with the same status
    assert page.status_code == 400
    assert "Traceback" not in page.text and 'class="error"' in page.text


def test_facets_are_refused_plainly_while_the_library_has_none(client, web_index):
    from searchkit.web.app import _library_has_facets

    response = client.get("/api/search", params={"q": "treaty", "facet": "tags"})
    if _library_has_facets(web_index):
        assert response.status_code == 200 and "facets" in response.json()
    else:
        assert response.status_code == 400 and "facets" in response.json()["error"]


@pytest.mark.parametrize("path", [
    "/api/doc/no-such-id",
    "/api/doc/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/doc/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/api/doc//etc/passwd",
    "/api/doc/" + quote(str(SEEDS / "003_arctic_council.json"), safe=""),  # a real file's path is not an id
])
def test_unknown_ids_are_404_and_never_read_files(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"].startswith("no document with id")
    assert "root:" not in response.text and "Arctic" not in response.text


def test_doc_pages_404_and_traversal(client):
    for path in ("/doc/no-such-id", "/doc/..%2F..%2Fetc%2Fpasswd", "/doc/%2e%2e/%2e%2e/etc/passwd"):
        response = client.get(path)
        assert response.status_code == 404
        assert "root:" not in response.text and "No document with id" in response.text
    assert client.get("/nowhere").status_code == 404
    for path in ("/static/%2e%2e/app.py", "/static/..%2Fapp.py", "/static/%2e%2e/%2e%2e/cli.py"):
        escaped = client.get(path)
        assert escaped.status_code == 404 and "import" not in escaped.text, path
    missing = client.get("/api/nowhere")
    assert missing.status_code == 404 and missing.json() == {"error": "not found"}


def test_the_api_is_read_only(client, web_index):
    before = len(web_index)
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/search")
        assert response.status_code == 405
        assert response.json() == {"error": "method not allowed"}
    assert client.post("/api/doc/wire-0001").status_code == 405
    assert len(web_index) == before and web_index.get("wire-0001") is not None


def test_request_size_limits(client):
    long_query = client.get("/api/search?q=" + "a" * (LIMITS["query_string_bytes"] + 1))
    assert long_query.status_code == 414 and "error" in long_query.json()
    body = client.request("GET", "/api/search?q=x", content=b"x" * (LIMITS["body_bytes"] + 1))
    assert body.status_code == 413


def test_security_headers_on_every_response(client):
    for path in ("/", "/?q=treaty", "/api/search?q=treaty", "/api/search?sort=bad", "/api/doc/nope",
                 "/doc/wire-0001", "/static/style.css", "/static/app.js", "/nowhere"):
        response = client.get(path)
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "default-src 'none'" in csp, path
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_host_header_is_checked_when_serving_loopback(web_index):
    from searchkit.web.app import LOOPBACK_HOSTS

    app = create_app(web_index, allowed_hosts=LOOPBACK_HOSTS)
    with TestClient(app, base_url="http://127.0.0.1:8000") as local:
        assert local.get("/api/stats").status_code == 200
        assert local.get("/api/stats", headers={"host": "localhost:8000"}).status_code == 200
        rebound = local.get("/api/stats", headers={"host": "attacker.example"})  # DNS rebinding
        assert rebound.status_code == 400 and "documents" not in rebound.text


def test_a_failure_is_a_500_without_a_traceback(web_index, monkeypatch, capsys):
    app = create_app(web_index)
    with TestClient(app, raise_server_exceptions=False) as failing:
        def broken(*args, **kwargs):
            raise RuntimeError("disk on fire /secret/path")

        monkeypatch.setattr(web_index, "search", broken)
        for path in ("/api/search?q=treaty", "/?q=treaty"):
            response = failing.get(path)
            assert response.status_code == 500
            assert "Traceback" not in response.text and "secret" not in response.text
            assert "content-security-policy" in response.headers
        assert failing.get("/api/search?q=treaty").json() == {"error": "internal error"}
    assert "disk on fire" in capsys.readouterr().err  # said once on the server's side


# --- the page -----------------------------------------------------------------------------------------


def test_home_page_has_the_search_box_and_the_help(client):
    response = client.get("/")
    assert response.status_code == 200
    page = assert_inert(response.text)
    assert page.all("input")[0]["name"] == "q"
    assert "<summary>Search syntax</summary>" in response.text
    assert "11 articles" in response.text


def test_results_page_shows_hits_total_time_and_keeps_the_query(client):
    response = client.get("/", params={"q": 'security "treaty"'})
    page = assert_inert(response.text)
    box = [attrs for attrs in page.all("input") if attrs.get("name") == "q" and attrs.get("type") == "search"][0]
    assert box["value"] == 'security "treaty"'  # kept, quotes and all
    data = client.get("/api/search", params={"q": 'security "treaty"'}).json()
    assert f'<strong id="total">{data["total"]}</strong>' in response.text
    assert re.search(r'class="took">\(\d+ ms\)', response.text)
    titles = [t for t in re.findall(r'class="title" href="[^"]*"[^>]*>([^<]*)</a>', response.text)]
    assert [unescape(t) for t in titles] == [hit["title"] for hit in data["hits"]]
    hostile = response.text.index("Xssprobe")  # its literal ** is the case below
    marks = re.findall(r"<mark>([^<]*)</mark>", response.text[:hostile])
    assert marks and {m.lower() for m in marks} <= {"security", "treaty", "treaties"}


def test_literal_asterisks_in_an_article_are_not_highlighted(client):
    response = client.get("/", params={"q": "xssprobe"})
    marks = re.findall(r"<mark>([^<]*)</mark>", response.text)
    assert {m.lower() for m in marks} == {"xssprobe"}


def test_hostile_document_is_shown_as_text(client):
    response = client.get("/", params={"q": "xssprobe"})
    assert response.status_code == 200
    page = assert_inert(response.text)
    text = "".join(page.text)
    # JSON text fields lose their markup at ingestion (issue 14); what is left still tries to break quotes
    assert 'Xssprobe "quoted\' title">bold' in text  # the title, as text
    assert "window.__xss=8" not in response.text  # a javascript: URL is not even a link
    links = [attrs["href"] for attrs in page.all("a")]
    assert "https://example.com/a?b=1&c=\"><script>window.__xss=12</script>" in links  # one attribute, whole
    assert not any(link.startswith(("javascript:", "data:")) for link in links)
    hostile_link = doc_path(HOSTILE_ID, "xssprobe")
    assert hostile_link in links  # its title links to its document page instead
    doc = client.get(hostile_link)
    assert doc.status_code == 200
    doc_page = assert_inert(doc.text)
    doc_text = "".join(doc_page.text)
    assert '" onmouseover="window.__xss=6" \'>' in doc_text
    assert "javascript:window.__xss=8" in doc_text  # the url shown, not linked
    assert not any("__xss" in (attrs.get("href") or "") for attrs in doc_page.all("a"))


def test_filter_links_and_removable_active_filters(client):
    response = client.get("/", params={"q": "treaty"})
    tag_links = re.findall(r'class="tag" href="([^"]+)">Japan<', response.text)
    assert tag_links
    filtered = client.get(unescape(tag_links[0]))
    assert "tags: Japan" in filtered.text
    api = client.get("/api/search", params={"q": "treaty", "filter": "tags=Japan"}).json()
    assert f'<strong id="total">{api["total"]}</strong>' in filtered.text
    remove = re.findall(r'href="([^"]+)" class="remove"', filtered.text)
    assert len(remove) == 1
    back = client.get(unescape(remove[0]))
    assert "tags: Japan" not in back.text
    assert parse_qs(urlsplit(unescape(remove[0])).query) == {"q": ["treaty"]}


def test_chart_counts_every_match_and_its_bars_filter_by_period(client, web_index):
    response = client.get("/", params={"q": "treaty"})
    assert 'class="timeline"' in response.text
    bars = re.findall(r'<a href="([^"]+)" class="bar-link"><title>([^<]+)</title>', response.text)
    timeline = web_index.timeline("treaty")
    assert len(bars) == len(timeline.counts)
    counted = sum(int(re.search(r": (\d+) match", title).group(1)) for _, title in bars)
    assert counted + timeline.undated == web_index.search("treaty").total
    busy = [(unescape(href), title) for href, title in bars if not title.endswith(": 0 matches")]
    href, title = busy[0]
    period = title.split(":")[0]
    assert parse_qs(urlsplit(href).query)["since"] == [period] == parse_qs(urlsplit(href).query)["until"]
    narrowed = client.get(href)
    count = int(re.search(r": (\d+)", title).group(1))
    assert f'<strong id="total">{count}</strong>' in narrowed.text


def test_paging_and_sort(client, web_index):
    first = client.get("/", params={"q": "the OR a OR treaty OR cocoa OR inflation", "limit": 2})
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    nxt = unescape(re.search(r'rel="next" href="([^"]+)"', first.text).group(1))
    assert parse_qs(urlsplit(nxt).query)["offset"] == ["2"] and parse_qs(urlsplit(nxt).query)["limit"] == ["2"]
    second = client.get(nxt)
    assert 'rel="prev"' in second.text and "showing 3–4" in second.text
    newest = client.get("/api/search", params={"q": "treaty OR cocoa OR inflation", "sort": "-date"}).json()
    dates = [hit["date"] for hit in newest["hits"] if hit["date"]]
    assert dates == sorted(dates, reverse=True)
    page = client.get("/", params={"q": "treaty OR cocoa OR inflation", "sort": "-date"})
    assert '<option value="-date" selected>' in page.text


def test_document_page_highlights_the_query_words(client, web_index):
    response = client.get("/doc/000_4bc4ae08b7ab4796.txt", params={"q": "treaties"})
    assert response.status_code == 200
    assert_inert(response.text)
    marks = re.findall(r"<mark>([^<]*)</mark>", response.text)
    assert marks and {m.lower() for m in marks} == {"treaty"}  # treaties -> treaty: same stem
    body = web_index.get("000_4bc4ae08b7ab4796.txt").body
    assert len(marks) == len(re.findall(r"\btreat(y|ies)\b", body, flags=re.I))
    assert "Results for" in response.text
    plain = client.get("/doc/000_4bc4ae08b7ab4796.txt")
    assert "<mark>" not in plain.text and "OSAKA" in plain.text


def test_ids_with_slashes_and_dots_have_working_document_links(client):
    data = client.get("/api/search", params={"q": "dotprobe"}).json()
    assert [hit["id"] for hit in data["hits"]] == [".."]
    link = doc_path("..")
    assert link.startswith("/doc?")
    assert "dotprobe" in client.get(link).text
    slashed = doc_path("hostile/quote-url", "x")
    assert slashed.startswith("/doc/hostile%2Fquote-url?")
    assert client.get(slashed).status_code == 200
    assert client.get("/doc/hostile/quote-url").status_code == 200  # a typed URL with a plain slash works too


# --- rendering helpers ---------------------------------------------------------------------------------


def test_render_highlighted_escapes_and_marks():
    html = render_highlighted('<b>"treaty"</b> & co', [(4, 10), (0, 0), (50, 60)])
    assert str(html) == '&lt;b&gt;&#34;<mark>treaty</mark>&#34;&lt;/b&gt; &amp; co'
    assert str(render_highlighted("abcdef", [(3, 5), (1, 4)])) == "a<mark>bcd</mark><mark>e</mark>f"


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40), spans=st.lists(st.tuples(st.integers(-5, 45), st.integers(-5, 45)), max_size=6))
def test_render_highlighted_keeps_the_text_whole(text, spans):
    html = str(render_highlighted(text, spans))
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")
    assert unescape(html.replace("<mark>", "").replace("</mark>", "")) == text


def test_marked_snippet_adapter():
    assert marked_snippet_spans({"snippet": "a **treaty** and **treaties**"}) == (
        "a treaty and treaties", [(2, 8), (13, 21)])
    assert marked_snippet_spans({"snippet": "one ** unpaired"}) == ("one ** unpaired", [])
    assert marked_snippet_spans({"snippet": None}) == ("", [])
    # the offsets form (plain snippet + highlights) is taken as it is
    hit = {"snippet": "a **b** c", "snippet_text": "a b c", "highlights": [[2, 3]]}
    assert marked_snippet_spans(hit) == ("a b c", [(2, 3)])


def test_safe_link():
    assert safe_link("https://example.com/x?y=1") == "https://example.com/x?y=1"
    assert safe_link("HTTP://EXAMPLE.COM") == "HTTP://EXAMPLE.COM"
    for bad in ("javascript:alert(1)", " javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x",
                "//evil.example/x", "/local", "http://", "https://exa mple.com", "http://a\nb", "vbscript:x",
                "java\tscript:alert(1)", None, "", "x" * 3000):
        assert safe_link(bad) is None, bad


def test_paragraphs_keep_highlights_in_their_paragraph():
    text = "one treaty\n\ntwo treaty\n\n\n\nthree"
    spans = [(4, 10), (16, 22)]
    assert [str(p) for p in paragraphs(text, spans)] == [
        "one <mark>treaty</mark>", "two <mark>treaty</mark>", "three"]


@settings(max_examples=150, deadline=None)
@given(params=st.dictionaries(
    st.sampled_from(["q", "limit", "offset", "sort", "since", "until", "filter", "facet"]),
    st.one_of(st.text(max_size=30), st.sampled_from(["-1", "0", "5", "2019", "2019-02-30", "-date", "tags=",
                                                     "tags=Japan", '"', "(", "title:", "date:..", "*", "\ud7ff"])),
    max_size=5))
def test_any_parameters_give_results_or_a_400_never_a_500(client, params):
    api = client.get("/api/search", params=params)  # the client re-raises any server error
    assert api.status_code in (200, 400), (params, api.text[:300])
    assert set(api.json()) >= ({"query", "total", "took_ms", "hits"} if api.status_code == 200 else {"error"})
    page = client.get("/", params=params)  # the page asks for its own facets: "facet" may differ
    assert page.status_code in (200, 400) and "Traceback" not in page.text
    if "facet" not in params:
        assert page.status_code == api.status_code, params


def test_collapsed_copies_expand_to_links_to_each_copy(tmp_path):
    """A hit standing for a cluster lists its copies, each linking to its own document page."""
    ix = Index(tmp_path / "ix")
    ix.add(NEWSROOM)
    with TestClient(create_app(ix)) as web:
        api = web.get("/api/search", params={"q": "*", "limit": 50}).json()
        grouped = [hit for hit in api["hits"] if hit["copies"]]
        assert grouped, "the newsroom fixture holds copies"
        page = web.get("/", params={"q": "*", "limit": 50}).text
        for hit in grouped:
            copies = ix.copies(hit["id"])
            assert len(copies) == hit["copies"]
            for copy in copies:
                assert f'href="{html.escape(doc_path(copy.id, "*"))}"' in page
        assert page.count('<details class="copies">') == len(grouped)
    ix.close()
