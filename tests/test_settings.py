"""The settings registry: one place for every environment variable searchkit reads."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from searchkit import settings
from searchkit.settings import SETTINGS, Setting, get

PACKAGE = Path(settings.__file__).parent


def test_every_environment_read_goes_through_the_registry():
    readers = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "settings.py" and path.parent == PACKAGE:
            continue
        text = path.read_text("utf-8")
        if re.search(r"os\.environ|getenv\(", text):
            readers.append(str(path.relative_to(PACKAGE)))
    assert readers == []


def test_every_searchkit_variable_named_in_the_package_is_registered():
    named = set()
    for path in PACKAGE.rglob("*.py"):
        named |= set(re.findall(r"SEARCHKIT_[A-Z_]+[A-Z]", path.read_text("utf-8")))
    assert named <= set(SETTINGS), named - set(SETTINGS)
    assert {"SEARCHKIT_WORKERS", "SEARCHKIT_MEMORY_MB", "SEARCHKIT_LOCK_TIMEOUT", "SEARCHKIT_DEBUG",
            "SEARCHKIT_PROFILE", "SEARCHKIT_INDEX"} <= set(SETTINGS)


def test_settings_are_frozen_and_documented():
    for name, setting in SETTINGS.items():
        assert isinstance(setting, Setting) and setting.name == name
        assert setting.help.strip() and callable(setting.parse)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setting.default = 1  # type: ignore[misc]


def test_get_reads_parses_and_falls_back(monkeypatch):
    monkeypatch.delenv("SEARCHKIT_WORKERS", raising=False)
    assert get("SEARCHKIT_WORKERS") == SETTINGS["SEARCHKIT_WORKERS"].default
    monkeypatch.setenv("SEARCHKIT_WORKERS", "3")
    assert get("SEARCHKIT_WORKERS") == 3
    monkeypatch.setenv("SEARCHKIT_WORKERS", "0")
    assert get("SEARCHKIT_WORKERS") == 1  # at least one
    monkeypatch.setenv("SEARCHKIT_WORKERS", "many")
    assert get("SEARCHKIT_WORKERS") == SETTINGS["SEARCHKIT_WORKERS"].default
    monkeypatch.setenv("SEARCHKIT_MEMORY_MB", "4")
    assert get("SEARCHKIT_MEMORY_MB") == 16
    monkeypatch.setenv("SEARCHKIT_LOCK_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="SEARCHKIT_LOCK_TIMEOUT"):
        get("SEARCHKIT_LOCK_TIMEOUT", strict=True)
    monkeypatch.setenv("SEARCHKIT_LOCK_TIMEOUT", "-3")
    assert get("SEARCHKIT_LOCK_TIMEOUT", strict=True) == 0.0
    monkeypatch.setenv("SEARCHKIT_DEBUG", "1")
    assert get("SEARCHKIT_DEBUG") is True
    monkeypatch.setenv("SEARCHKIT_DEBUG", "yes")
    assert get("SEARCHKIT_DEBUG") is False
    with pytest.raises(KeyError):
        get("SEARCHKIT_NO_SUCH_THING")


def test_the_index_uses_the_registry(monkeypatch):
    import searchkit.index as index_module
    from searchkit.ingest.build import writer_options

    monkeypatch.setenv("SEARCHKIT_WORKERS", "1")
    monkeypatch.setenv("SEARCHKIT_MEMORY_MB", "32")
    assert index_module.indexing_workers() == 1
    options = writer_options(10)
    assert options["limitmb"] == 32 and options["writer_class"].__name__ == "LeanSegmentWriter"
    monkeypatch.setenv("SEARCHKIT_WORKERS", "2")
    options = writer_options(10)
    assert options["procs"] == 2 and options["writer_class"].__name__ == "ParallelWriter"
