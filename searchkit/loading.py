"""Keeping a process small: one module of a third-party package loaded without running the
package's root ``__init__`` (:func:`load_alone`), freed memory given back (:func:`release_free_memory`),
and whether the process is a one-shot command (:func:`one_shot`), where a heavy import must pay for itself.

Some packages' roots import far more than the one module searchkit needs
(``import nltk`` imports nearly all of NLTK and SciPy; ``import datasketch``
imports SciPy through ``datasketch.lsh``).  :func:`load_alone` runs the
module's own code, unchanged, with empty stand-ins for its parent packages.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

__all__ = ["load_alone", "release_free_memory", "one_shot", "is_one_shot", "numpy_installed", "numpy_wanted",
           "NUMPY_IMPORT_WORTH"]

_one_shot = False
_numpy_found: bool | None = None

#: In a one-shot process, a step reading at least this many postings imports NumPy for its array
#: path (the Python paths spend about 1 us a posting, the import 0.1-0.2 s).
NUMPY_IMPORT_WORTH = 150_000


def one_shot(value: bool = True) -> None:
    """Mark this process as answering one request and exiting (each CLI command), or not (``serve``).

    A one-shot process imports a heavy module (NumPy for the first pass of a
    query, :mod:`searchkit.ranking.vectorized`) only where that one request
    saves more than the import costs; a long-lived one imports it once.
    """
    global _one_shot
    _one_shot = value


def is_one_shot() -> bool:
    """What :func:`one_shot` last set (False unless the CLI set it)."""
    return _one_shot


def numpy_installed() -> bool:
    """Whether NumPy can be imported (looked up once, without importing it)."""
    global _numpy_found
    if _numpy_found is None:
        import importlib.util

        try:
            _numpy_found = "numpy" in sys.modules or importlib.util.find_spec("numpy") is not None
        except (ImportError, ValueError):
            _numpy_found = False
    return _numpy_found


def numpy_wanted(postings: int, worth: int | None = None) -> bool:
    """Whether a step reading ``postings`` postings should take its NumPy path.

    Yes when NumPy is loaded already; no when it is not installed; in a
    one-shot process (:func:`one_shot`) without it loaded, only for ``worth``
    postings or more (default :data:`NUMPY_IMPORT_WORTH`); in a long-lived
    one, yes (the import is paid once).  The step itself may still find its
    Python path faster for small inputs.
    """
    if "numpy" in sys.modules:
        return True
    if not numpy_installed():
        return False
    return not _one_shot or postings >= (NUMPY_IMPORT_WORTH if worth is None else worth)


def load_alone(module: str, attribute: str, extra: dict[str, ModuleType] | None = None) -> Any:
    """``getattr(module, attribute)``, with ``module`` (``"pkg.sub.mod"``) loaded without ``pkg``'s root.

    Its parent packages (``pkg``, ``pkg.sub``) are empty stand-ins while it
    loads -- modules with the real packages' ``__path__``, so the module's own
    imports of sibling modules (``from pkg.util import x``) load those modules
    alone too -- and ``extra`` (name -> module) stand in for modules it
    imports that must not be loaded (a corpus, a GPU backend).  Afterwards
    every ``pkg`` module is taken out of ``sys.modules`` again, so a later
    ``import pkg`` gets the whole, ordinary package; the object returned keeps
    working (its module's globals hold what it uses).

    Returns None -- the caller then imports the ordinary way -- when ``pkg``
    is already (being) imported, is not installed, or loading this way fails
    (another layout of the package).  Never raises.
    """
    import importlib.util
    import os

    top = module.partition(".")[0]
    if any(name == top or name.startswith(top + ".") for name in sys.modules):
        return None  # the real package is (being) imported: use it
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = list(spec.submodule_search_locations)
    stand_ins: dict[str, ModuleType] = {}
    parts = module.split(".")
    for depth in range(1, len(parts)):
        name = ".".join(parts[:depth])
        stand_in = ModuleType(name)
        stand_in.__path__ = [os.path.join(folder, *parts[1:depth]) for folder in root]
        stand_in.__package__ = name
        stand_ins[name] = stand_in
    stand_ins.update(extra or {})
    sys.modules.update(stand_ins)
    try:
        return getattr(importlib.import_module(module), attribute)
    except Exception:  # another layout of the package: the ordinary import
        return None
    finally:
        for name in [name for name in sys.modules if name == top or name.startswith(top + ".")]:
            del sys.modules[name]
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:  # an ``extra`` outside the package
                del sys.modules[name]


def release_free_memory() -> None:
    """Give the C library's free heap memory back to the system (glibc's ``malloc_trim(0)``).

    CPython hands big blocks (a large dict's table, a list's items) back to
    ``free``, which keeps them for later instead of returning them: after a
    large structure is dropped the process's RSS stays where it was.  Called
    where a process has just dropped one (the near-duplicate store, a
    worker's posting buffer).  Does nothing where there is no glibc; never raises.
    """
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):
        pass
