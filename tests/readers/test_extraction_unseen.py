"""Body extraction on page layouts outside the development set (tests/fixtures/extraction-unseen):
inline ads and read-more boxes, split containers, lists and subheadings, captions, pull quotes,
author bios, newsletter boxes -- with generated class names that say nothing."""

from __future__ import annotations

import importlib.util
import json

import pytest

from searchkit.readers.html import extract_html

from ..conftest import FIXTURES, REPO

UNSEEN = FIXTURES / "extraction-unseen"
TRUTH = json.loads((UNSEEN / "ground-truth.json").read_text("utf-8"))


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_unseen_layout_gives_exactly_the_story(name):
    body = extract_html((UNSEEN / "html" / f"{name}.html").read_bytes())["body"]
    assert _paragraphs(body) == _paragraphs(TRUTH[name]["articleBody"])


def test_eval_script_scores_the_unseen_set_and_cross_validates():
    spec = importlib.util.spec_from_file_location("eval_extraction", REPO / "scripts" / "eval_extraction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pages = module.load_pages(UNSEEN)
    held_out, choices = module.cross_validate(pages, 2)
    assert len(held_out) == len(pages) and len(choices) == 2
    p, r, f1 = module.summarise(held_out)
    assert f1 >= 0.99


def test_a_repeated_recipe_line_is_not_a_pull_quote():
    line = "Portion Fix Containers: 1 Green, 1 Red, 1 Yellow, 1 tsp."
    story = ("<p>" + "The plan gives you three meals and two snacks a day, with each portion measured "
             "by a coloured container so that you never have to count calories. " * 2 + "</p>")
    page = ("<html><body><article>" + story + f"<p>{line}</p>" + story.replace("three", "four")
            + f"<p>{line}</p></article></body></html>")
    assert extract_html(page.encode())["body"].count(line) == 2


def test_eval_folds_keep_a_site_whole_and_leave_one_site_out():
    spec = importlib.util.spec_from_file_location("eval_extraction", REPO / "scripts" / "eval_extraction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pages = [
        ("a", b"", {"url": "https://www.one.example/x"}),
        ("b", b"<link rel='canonical' href='https://two.example/y'>", {}),
        ("c", b"", {"url": "https://one.example/z"}),
        ("d", b"", {"url": "https://three.example/w"}),
    ]
    assert [module.site_of(p) for p in pages] == ["one.example", "two.example", "one.example", "three.example"]
    two = module.site_folds(pages, 2)
    assert sorted(i for fold in two for i in fold) == [0, 1, 2, 3]
    assert any({0, 2} <= set(fold) for fold in two)  # the two pages of one.example stay together
    assert sorted(map(sorted, module.site_folds(pages, 0))) == [[0, 2], [1], [3]]
    # One site only (a synthetic set): the pages are dealt, so every fold trains on something.
    alone = [(str(i), b"", {"url": "https://one.example/"}) for i in range(4)]
    assert len(module.site_folds(alone, 0)) == 4 and len(module.site_folds(alone, 2)) == 2
