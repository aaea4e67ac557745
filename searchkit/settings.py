"""Every environment variable searchkit reads, with its default and help text, in one registry.

Code reads a setting with :func:`get` (never ``os.environ`` directly), so the
registry is the whole list: the docs are generated from :data:`SETTINGS` and a
test checks that each one is documented.  Command-line options that fall back
on a variable (``--index``, ``--lock-timeout``) name it as Click's
``envvar``; they are registered here too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Setting", "SETTINGS", "get"]


@dataclass(frozen=True)
class Setting:
    """One environment variable: ``name``, its ``default`` (when unset or empty), ``help``
    text, and ``parse``, which turns the variable's text into the value or raises ``ValueError``."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any]


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        return max(minimum, int(text))

    parse.__name__ = f"int_at_least_{minimum}"
    return parse


def _seconds(text: str) -> float:
    return max(0.0, float(text))


def _flag(text: str) -> bool:
    return text == "1"


def _text(text: str) -> str:
    return text


_SETTINGS = (
    Setting("SEARCHKIT_INDEX", "index",
            "The index folder every command uses when --index is not given.", _text),
    Setting("SEARCHKIT_LOCK_TIMEOUT", 10.0,
            "Seconds a writing command (index, remove) waits for another run's lock before exiting 1 "
            "(--lock-timeout overrides it).", _seconds),
    Setting("SEARCHKIT_WORKERS", min(os.cpu_count() or 1, 4),
            "Worker processes a big indexing run uses (default: one per core, at most 4; "
            "1 indexes in-process).", _at_least(1)),
    Setting("SEARCHKIT_MEMORY_MB", 64,
            "Megabytes of postings each indexing process buffers before spilling a sorted run to disk "
            "(at least 16): peak memory per process, whatever the corpus size.", _at_least(16)),
    Setting("SEARCHKIT_DEBUG", False,
            "1: an internal error prints its Python traceback instead of one line.", _flag),
    Setting("SEARCHKIT_PROFILE", None,
            "A folder: each indexing worker process writes a cProfile of itself there "
            "(worker-PID.prof); a developer's switch.", _text),
    Setting("SEARCHKIT_SCHEDULER", None,
            "Address of a Dask scheduler (tcp://host:8786) that builds a sharded index "
            "(--scheduler overrides it); needs the dask extra.", _text),
    Setting("SEARCHKIT_SCHEDULER_TIMEOUT", 5.0,
            "Seconds to wait for the Dask scheduler before the run stops with a one-line error.", _seconds),
    Setting("SEARCHKIT_TEST_KILL_SHARD_JOB", None,
            "A test hook of the sharded build: a file path (or always:PATH); a shard job that finds it "
            "absent creates it and kills its own process (stall:PATH: every job creates it and waits "
            "two minutes). Never set outside tests.", _text),
    Setting("SEARCHKIT_TEST_KILL_READ_TASK", None,
            "A test hook of the sharded build: a file path (or always:PATH); a read task (files read and "
            "parsed for the shards) that finds it absent creates it and kills its own process "
            "(stall:PATH: every task creates it and waits two minutes). Never set outside tests.", _text),
    Setting("SEARCHKIT_READ_TASK_BYTES", None,
            "Bytes of files one read task of a sharded build reads and parses (default: the run's bytes "
            "/ 16, between 1 MB and 16 MB); a bigger JSON Lines or SGML file is cut, between records, "
            "into ranges of about this size.", _at_least(1024)),
)

#: Every setting, keyed by its environment variable.
SETTINGS: dict[str, Setting] = {setting.name: setting for setting in _SETTINGS}


def get(name: str, *, strict: bool = False) -> Any:
    """The value of setting ``name`` (a key of :data:`SETTINGS`) read from the environment now.

    Unset or empty: the default.  A value ``parse`` rejects gives the default,
    or with ``strict=True`` raises ``ValueError`` naming the variable.
    Raises ``KeyError`` for a name that is not registered.
    """
    setting = SETTINGS[name]
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError:
        if strict:
            raise ValueError(f"{name}={raw!r} is not valid: {setting.help}") from None
        return setting.default
