"""searchkit: full-text search for news archives.

>>> import searchkit
>>> ix = searchkit.Index("index")              # doctest: +SKIP
>>> ix.add("seeds/")                           # doctest: +SKIP
>>> for hit in ix.search("security treaty"):   # doctest: +SKIP
...     print(hit.title, hit.snippet)

Everything is imported lazily so that ``import searchkit`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .whoosh_ext.speedups import defer_whoosh_morphology  # noqa: E402

defer_whoosh_morphology()  # before anything imports whoosh.query (see whoosh_ext.speedups)
del defer_whoosh_morphology

__all__ = [
    "Index",
    "Document",
    "Hit",
    "SearchResults",
    "IndexSummary",
    "SearchkitError",
    "IndexNotFoundError",
    "IndexVersionError",
    "IndexLockedError",
    "QueryError",
    "extract",
]

_LAZY = {
    "Index": "index",
    "Document": "document",
    "Hit": "results",
    "SearchResults": "results",
    "IndexSummary": "ingest.run",
    "SearchkitError": "errors",
    "IndexNotFoundError": "errors",
    "IndexVersionError": "errors",
    "IndexLockedError": "errors",
    "QueryError": "errors",
    "extract": "ingest.extract",
}

if TYPE_CHECKING:
    from .document import Document
    from .errors import (
        IndexLockedError,
        IndexNotFoundError,
        IndexVersionError,
        QueryError,
        SearchkitError,
    )
    from .index import Index
    from .ingest.extract import extract
    from .ingest.run import IndexSummary
    from .results import Hit, SearchResults


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'searchkit' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
