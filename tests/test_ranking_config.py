"""RankingConfig: string choices validated, every field documented, dropped modes refused."""

from __future__ import annotations

from dataclasses import fields

import pytest

from searchkit.ranking import DEFAULT_RANKING, RankingConfig, resolve_ranking
from searchkit.ranking.config import CHOICES, DROPPED


@pytest.mark.parametrize("name,bad", [("fb_mode", "rerankk"), ("prox_pairs", "adjacnet"), ("fb_mode", "")])
def test_a_mistyped_choice_is_an_error_naming_the_choices(name, bad):
    with pytest.raises(ValueError) as caught:
        RankingConfig(**{name: bad})
    message = str(caught.value)
    assert name in message and all(repr(choice) in message for choice in CHOICES[name])
    with pytest.raises(ValueError):
        resolve_ranking({name: bad}, None)


@pytest.mark.parametrize("name", sorted(CHOICES))
def test_every_documented_choice_is_accepted(name):
    for choice in CHOICES[name]:
        assert getattr(RankingConfig(**{name: choice}), name) == choice


def test_every_field_has_one_line_of_help():
    for item in fields(RankingConfig):
        text = item.metadata.get("help", "")
        assert text and "\n" not in text and len(text) > 20, item.name


def test_dropped_modes_are_refused_but_their_surviving_value_is_accepted():
    for name, kept in DROPPED.items():
        assert name not in {f.name for f in fields(RankingConfig)}
        if kept is not None:
            assert resolve_ranking({name: kept}, None) == DEFAULT_RANKING
    for override in ({"coordination": "soft"}, {"coordination": "tier"}, {"fields": "sum"}, {"idf": "whoosh"}):
        with pytest.raises(ValueError, match="dropped"):
            resolve_ranking(override, None)
    with pytest.raises(TypeError, match="unknown ranking option"):
        resolve_ranking({"no_such_knob": 1}, None)
