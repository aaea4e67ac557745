"""Options shared by several ``searchkit`` commands, each written once.

A command takes them as decorators (``@index_option``, ``@json_option("...")``),
in the style of sqlite-utils and Datasette, so the same option has the same
name, type, default, environment variable and help wherever it appears.
"""

from __future__ import annotations

from typing import Callable

import click

INDEX_OPTION_HELP = "Index directory (default ./index, or $SEARCHKIT_INDEX)."

Decorator = Callable[[Callable], Callable]


def index_option(func: Callable) -> Callable:
    """``--index DIR`` (default ``./index``, or ``$SEARCHKIT_INDEX``), passed as ``index_dir``."""
    return click.option(
        "--index",
        "index_dir",
        default="index",
        envvar="SEARCHKIT_INDEX",
        show_default=True,
        type=click.Path(file_okay=False),
        help=INDEX_OPTION_HELP,
    )(func)


def doc_id_argument(func: Callable) -> Callable:
    """The ``DOC_ID`` argument of a command about one document, with ``--index``."""
    return click.argument("doc_id")(index_option(func))


def json_option(help: str) -> Decorator:
    """``--json``, passed as ``as_json``; ``help`` says what is printed."""
    return click.option("--json", "as_json", is_flag=True, help=help)


#: ``--lock-timeout SECONDS`` (or ``$SEARCHKIT_LOCK_TIMEOUT``), passed as ``lock_timeout`` (None: the default).
lock_timeout_option: Decorator = click.option(
    "--lock-timeout", type=float, default=None, envvar="SEARCHKIT_LOCK_TIMEOUT",
    help="Seconds to wait for another run's lock (default 10).")

#: ``--limit N`` / ``-n N`` hits (default 10), passed as ``limit``.
limit_option: Decorator = click.option(
    "--limit", "-n", default=10, show_default=True, type=click.IntRange(min=0), help="Number of hits.")

#: ``--color/--no-color`` (None: bold when stdout is a terminal), passed as ``color``.
color_option: Decorator = click.option(
    "--color/--no-color", default=None, help="Bold highlights (default: when on a terminal).")


def date_range_options(func: Callable) -> Callable:
    """``--since DATE`` and ``--until DATE`` (inclusive; the library reads and checks the date)."""
    func = click.option("--until", help="Only articles dated on or before this (inclusive).")(func)
    return click.option("--since", help="Only articles dated on or after this (2019, 2019-06, 2019-06-28).")(func)


def facet_options(func: Callable) -> Callable:
    """``--facet NAME`` (repeatable), ``--facet-size N`` and ``--filter NAME=VALUE`` (repeatable),
    passed as ``facets``, ``facet_size`` and ``filters`` (read the last with :func:`parse_filters`)."""
    func = click.option(
        "--filter", "filters", multiple=True, metavar="NAME=VALUE",
        help="Only matches whose facet NAME has exactly VALUE (folder=sport, tags=G7 Summit, year=2019; "
             "repeatable, all must hold).")(func)
    func = click.option("--facet-size", default=10, show_default=True, type=click.IntRange(min=1),
                        help="Values shown per facet.")(func)
    return click.option(
        "--facet", "facets", multiple=True, metavar="NAME",
        help="Count the matches per value of NAME: tags, source, year, month, author, folder (repeatable).")(func)


def parse_filters(filters: tuple[str, ...], names: tuple[str, ...]) -> dict[str, list[str]]:
    """``("folder=sport", "tags=G7 Summit")`` as ``{"folder": ["sport"], "tags": ["G7 Summit"]}``
    (the ``where=`` of :meth:`searchkit.Index.search`); spaces around NAME and VALUE dropped.

    Raises ValueError naming ``names`` for an item without ``=``, an empty VALUE or an unknown NAME.
    """
    where: dict[str, list[str]] = {}
    for item in filters:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value or name not in names:
            raise ValueError(f"--filter needs NAME=VALUE with NAME one of {', '.join(names)}, not {item!r}")
        where.setdefault(name, []).append(value)
    return where
