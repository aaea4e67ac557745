"""scripts/tune_relevance.py: the selection rules of leave-one-collection-out."""

from __future__ import annotations

import argparse
import importlib.util
import sys

import pytest

from ..conftest import REPO


@pytest.fixture(scope="module")
def tune():
    scripts = str(REPO / "scripts")
    sys.path.insert(0, scripts)  # tune_relevance imports eval_relevance from its folder
    spec = importlib.util.spec_from_file_location("tune_relevance", REPO / "scripts" / "tune_relevance.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["tune_relevance"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("tune_relevance", None)
        sys.modules.pop("eval_relevance", None)
        sys.path.remove(scripts)


def test_a_gain_counts_only_when_it_holds_across_collections(tune):
    assert tune.significant_gain([0.01, 0.012, 0.009, 0.011, 0.01])  # small but everywhere
    assert not tune.significant_gain([0.08, -0.01, -0.01, -0.01, 0.0])  # one collection carries it
    assert not tune.significant_gain([-0.01, -0.02, -0.01])
    assert not tune.significant_gain([0.05])  # one collection proves nothing


def test_the_defaults_stay_unless_another_setting_wins_significantly(tune):
    table = {
        "{}": [0.04, 0.04, 0.04, 0.04, 0.04],
        "lucky": [0.20, 0.03, 0.03, 0.03, 0.03],   # best mean, carried by one collection
        "steady": [0.05, 0.05, 0.05, 0.05, 0.051],  # a point better everywhere
    }
    plain = argparse.Namespace(keep_margin=0.0, keep_unless_significant=False)
    strict = argparse.Namespace(keep_margin=0.0, keep_unless_significant=True)
    assert tune.choose(list(table), table, range(5), plain) == "lucky"
    assert tune.choose(["{}", "lucky"], table, range(5), strict) == "{}"
    assert tune.choose(["{}", "steady"], table, range(5), strict) == "steady"
    margin = argparse.Namespace(keep_margin=2.0, keep_unless_significant=False)
    assert tune.choose(["{}", "steady"], table, range(5), margin) == "{}"  # a point is under a 2-point margin
