"""``searchkit serve``: a local search page and JSON API (Starlette, served by uvicorn).

Importing this package imports Starlette and Jinja2: only ``searchkit serve``
and code that asks for the web app do, never ``searchkit query``.
"""

from __future__ import annotations

from .app import LIMITS, create_app
from .server import serve

__all__ = ["create_app", "serve", "LIMITS"]
