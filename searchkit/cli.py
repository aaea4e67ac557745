"""The ``searchkit`` command: a thin Click layer over :class:`searchkit.Index`."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

import click

from . import __version__
from .cli_options import (INDEX_OPTION_HELP, color_option, date_range_options, doc_id_argument, facet_options, index_option,
                          json_option, limit_option, lock_timeout_option, parse_filters)
from .cli_output import Progress, _display_width, echo_facets, echo_hits, echoed_query, oneline, plural

_Progress = Progress  # its name here before cli_output (tests import it; the index command uses it)
__all__ = ["INDEX_OPTION_HELP", "cli", "main", "oneline", "open_index", "fail", "_display_width", "_Progress"]


def fail(message: str, code: int = 1) -> None:
    """Print a one-line error on stderr and exit."""
    click.echo(f"searchkit: {oneline(message)}", err=True)
    sys.exit(code)


def open_index(index_dir: str, create: bool = False, **kwargs: Any):
    from .errors import SearchkitError
    from .index import Index

    if "lock_timeout" not in kwargs:
        from .settings import get as setting

        try:  # remove, like index, waits as long as $SEARCHKIT_LOCK_TIMEOUT says
            kwargs["lock_timeout"] = setting("SEARCHKIT_LOCK_TIMEOUT", strict=True)
        except ValueError:
            fail("SEARCHKIT_LOCK_TIMEOUT must be a number of seconds", 2)
    try:
        return Index(index_dir, create=create, **kwargs)
    except SearchkitError as exc:
        fail(str(exc))


def open_search_index(index_dir: str, scheduler: str | None):
    """The index a search command reads; with ``scheduler``, a sharded index searched by that Dask cluster."""
    if not scheduler:
        return open_index(index_dir)
    from .shards.manifest import is_sharded

    if not is_sharded(index_dir):
        fail(f"--scheduler searches a sharded index on a Dask cluster, and the index at {index_dir} "
             f"is not sharded (build one with: searchkit index PATH --index NEW --shards N)")
    return open_index(index_dir, scheduler=scheduler)


search_scheduler_option = click.option(
    "--scheduler", default=None, metavar="ADDRESS",
    help="Search a sharded index's shards as tasks on the Dask cluster at ADDRESS (see Large archives).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="searchkit")
def cli() -> None:
    """Full-text search for news archives (text, HTML, JSON and SGML articles).

    \b
    searchkit index seeds/             build or update ./index
    searchkit query "security treaty"  ranked, highlighted results
    """


@cli.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Start from an empty index.")
@json_option("Print the summary as JSON.")
@lock_timeout_option
@click.option("--source", "default_source", metavar="NAME", help="Source of the documents read that name none.")
@click.option("--tag", "default_tags", multiple=True, metavar="TAG",
              help="Tag for the documents read that have none (repeatable).")
@click.option("--duplicate-threshold", type=click.FloatRange(min=0.0, max=1.0, min_open=True), default=None,
              metavar="J", help="Similarity (Jaccard of 5-word shingles) from which two bodies are copies "
                               "(default 0.8; changes need --rebuild).")
@click.option("--shards", type=click.IntRange(min=1), default=None, metavar="N",
              help="Make (or add to) a sharded index of N shards (see Large archives).")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="K",
              help="Write the shards on a local Dask cluster of K workers.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Write the shards on the Dask cluster at ADDRESS (or $SEARCHKIT_SCHEDULER).")
def index_command(paths: tuple[str, ...], index_dir: str, rebuild: bool, as_json: bool,
                  lock_timeout: float | None, default_source: str | None = None,
                  default_tags: tuple[str, ...] = (), duplicate_threshold: float | None = None,
                  shards: int | None = None, workers: int | None = None, scheduler: str | None = None) -> None:
    """Index files and folders (.txt, .html, .json, .jsonl, .sgm, also .gz).

    Re-running on the same folder is incremental: unchanged files are not
    re-read, changed files replace their documents and documents of deleted
    files are removed.
    """
    from .errors import SearchkitError

    for path in paths:
        if not os.path.lexists(path):
            fail(f"no such file or directory: {path}")
    if lock_timeout is not None and not lock_timeout >= 0:
        fail("--lock-timeout must be a number of seconds, 0 or more", 2)
    kwargs = {"lock_timeout": lock_timeout} if lock_timeout is not None else {}
    from .shards.manifest import is_sharded

    scale = {}
    if shards or workers or scheduler or is_sharded(index_dir):
        from .shards.search import ShardedIndex

        try:  # a sharded index (searchkit.shards): its runs take --shards/--workers/--scheduler
            ix, scale = ShardedIndex.for_run(index_dir, shards=shards, workers=workers, scheduler=scheduler,
                                             rebuild=rebuild, **kwargs)
        except SearchkitError as exc:
            fail(str(exc))
    elif rebuild:
        from .errors import IndexVersionError
        from .index import Index

        try:
            ix = Index(index_dir, create=True, **kwargs)
        except IndexVersionError:  # an old or damaged index: --rebuild is the way out
            try:
                ix = Index.recreate(index_dir, **kwargs)
            except SearchkitError as exc:
                fail(str(exc))
        except SearchkitError as exc:
            fail(str(exc))
    else:
        ix = open_index(index_dir, create=True, **kwargs)
    progress = _Progress()
    try:
        summary = ix.add(*paths, rebuild=rebuild, progress=progress, source=default_source, tags=default_tags,
                         duplicate_threshold=duplicate_threshold, **scale)
    except KeyboardInterrupt:
        progress.finish()
        fail("interrupted: nothing from this run was committed; the index is as it was", 130)
    except SearchkitError as exc:
        progress.finish()
        fail(str(exc))
    except OSError as exc:
        progress.finish()
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        fail(f"indexing failed, the index is as it was: {exc.strerror or exc}{where}")
    progress.finish()
    for where, reason in summary.skipped_files:
        click.echo(f"skipped {oneline(where)}: {oneline(reason)}", err=True)
    for warning in summary.warnings:
        click.echo(f"warning: {oneline(warning)}", err=True)
    for note in summary.notes:
        click.echo(f"note: {oneline(note)}", err=True)
    if summary.bad_dates:
        examples = "; ".join(f"{oneline(w)}: {oneline(d)!r}" for w, d in summary.bad_date_examples)
        click.echo(f"warning: {plural(summary.bad_dates, 'document has', 'documents have')} a date that could not be read, "
                   f"indexed without a date (e.g. {examples})", err=True)
    if as_json:  # the run's counts, and what the index holds after it (as the text line says)
        click.echo(json.dumps({**summary.to_dict(), "documents": len(ix), "index": index_dir}))
    else:
        click.echo(f"{summary} ({plural(summary.files, 'file')}, {plural(len(ix), 'document')} in {index_dir}, "
                   f"{summary.seconds:.1f} s)")


class QueryCommand(click.Command):
    """A command whose arguments are the query's words: they are never read as options.

    Only this command's own options (``--limit 3``, ``--limit=3``, ``-n3``)
    are options; every other argument is a word of the query, so
    ``searchkit query -trump china`` and ``searchkit query "-sport tennis"``
    search, and unquoted words (``searchkit query blair election``) are joined
    with spaces.  ``--`` ends the options.  An argument that looks like a
    long option (``--limt``) but is not one is a usage error ("no such
    option"), not a query word.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not param.is_flag
        options: list[str] = []
        words: list[str] = []
        rest = list(args)
        while rest:
            arg = rest.pop(0)
            if arg == "--":
                words.extend(rest)
                break
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg[:2]
            # a short option takes its value glued only when it is a number ("-n3", not "-nuclear")
            if name in takes_value and (arg == name or arg.startswith("--")
                                        or takes_value[name] and arg[2:].isdigit()):
                options.append(arg)
                if takes_value[name] and arg == name and rest:
                    options.append(rest.pop(0))
            elif re.fullmatch(r"--[A-Za-z][\w-]*(=.*)?", arg, re.S):
                possibilities = [n for n in takes_value if n.startswith("--")]
                raise click.NoSuchOption(name, possibilities=possibilities, ctx=ctx)
            else:
                words.append(arg)
        return super().parse_args(ctx, [*options, "--", " ".join(words)])


@cli.command("query", cls=QueryCommand)
@click.argument("text", required=False, default="")
@index_option
@limit_option
@click.option("--offset", default=0, show_default=True, type=click.IntRange(min=0), help="Hits to skip (paging).")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              show_default=True, help="Order: relevance, date (oldest first) or -date (newest first).")
@date_range_options
@json_option("Print one JSON object with all hits (= --format json).")
@color_option
@facet_options
@click.option("--collapse/--no-collapse", default=True, show_default=True,
              help="One hit per story: near-duplicate copies folded into their best-scoring version.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "ndjson", "csv", "tsv"]), default=None,
              help="Output format (default text; --json is --format json).")
@click.option("--fields", "fields_text", metavar="A,B,...",
              help="Hit fields to output (json, ndjson, csv, tsv): rank,id,score,title,date,author,tags,"
                   "source,url,path,snippet,snippet_text,highlights,copies,cluster,dateline.")
@click.option("--all", "every", is_flag=True, help="Every match (no --limit), streamed in the chosen order.")
@search_scheduler_option
def query_command(text: str, index_dir: str, limit: int, offset: int, sort: str, since: str | None,
                  until: str | None, as_json: bool, color: bool | None, facets: tuple[str, ...] = (),
                  facet_size: int = 10, filters: tuple[str, ...] = (), collapse: bool = True,
                  fmt: str | None = None, fields_text: str | None = None, every: bool = False,
                  scheduler: str | None = None) -> None:
    """Search the index for TEXT (the words need no quotes; none of them is read as an option).

    \b
    Plain words: best match (any word may match; more, and rarer, rank higher). Also:
      "exact phrase"   -word   NOT word   a OR b   (a OR b) c   a AND b
      title:trump  author:smith  tags:g7  source:reuters  dateline:osaka  folder:sport   (filters)
      date:2019-06  date:2019-06-01..2019-06-30  secur*   * (every document)
      title:(opec OR oil)  oil^2 (boost)  "oil prices"~2 (up to 2 words between)
    """
    if not text.strip():
        if sort == "relevance":
            raise click.UsageError("no query: give words to search, or * (with --sort -date) to list every document")
        text = "*"
    from .errors import SearchkitError
    from .export import parse_fields, write_results
    from .facets import FACETS

    if as_json and fmt not in (None, "json"):
        fail("--json and --format " + fmt + " disagree; give one", 2)
    fmt = "json" if as_json else (fmt or "text")
    if fields_text is not None and fmt == "text":  # not silently ignored: the user expects those fields
        fail("--fields chooses the fields of json, ndjson, csv or tsv output; add --format tsv (or json, "
             "ndjson, csv)", 2)
    try:
        fields = parse_fields(fields_text)
    except ValueError as exc:
        fail(str(exc), 2)
    for name in facets:
        if name not in FACETS:
            fail(f"unknown facet {name!r}; use one of {', '.join(FACETS)}", 2)
    try:
        where = parse_filters(filters, tuple(FACETS))
    except ValueError as exc:
        fail(str(exc), 2)
    ix = open_search_index(index_dir, scheduler)
    try:
        results = ix.search(text, limit=limit, offset=offset, sort=sort, since=since, until=until,
                            facets=list(facets) or None, facet_size=facet_size, collapse=collapse,
                            where=where or None, stream=every)
        if fmt != "text":
            write_results(results, sys.stdout, fmt, fields)
            return
    except SearchkitError as exc:
        fail(str(exc))
    use_color = sys.stdout.isatty() if color is None else color
    shown_query = echoed_query(text)
    shown = results.total - offset if every else len(results)
    if shown <= 0:
        if results.total > 0:  # matches exist, the page holds none of them
            asked = "--limit 0" if not every and limit == 0 else f"--offset {offset}"
            click.echo(f"{plural(results.total, 'match', 'matches')} for {shown_query}; none shown ({asked}).")
        else:
            click.echo(f"No results for {shown_query} (0 matches).")
        if results.suggestion:
            click.echo(f"Did you mean: {results.suggestion}")
        echo_facets(results.facets, use_color)
        return
    first, last = offset + 1, offset + shown
    copies = ""
    if collapse and results.total_uncollapsed != results.total:
        copies = f" ({results.total_uncollapsed} with copies)"
    click.echo(f"{plural(results.total, 'result')}{copies} for {shown_query}, showing {first}-{last} ({results.took_ms:.0f} ms)\n")
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}\n")
    echo_hits(results, use_color, always_id=False, blank_line=True)
    echo_facets(results.facets, use_color)


@cli.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def extract_command(paths: tuple[str, ...]) -> None:
    """Print each document as it would be indexed, one JSON object per line (no index needed)."""
    from .ingest.extract import Skipped, extract
    from .readers import Notice

    failures = 0
    produced = 0
    for item in extract(*paths, notices=True):
        if isinstance(item, Notice):
            click.echo(f"warning: {oneline(item.where)}: {oneline(item.message)}", err=True)
        elif isinstance(item, Skipped):
            failures += 1
            click.echo(f"skipped {oneline(item.where)}: {oneline(item.reason)}", err=True)
        else:
            produced += 1
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
    if not produced and failures and all(not os.path.lexists(p) for p in paths):
        sys.exit(1)


@cli.command("show")
@doc_id_argument
@json_option("Print the document as JSON.")
def show_command(doc_id: str, index_dir: str, as_json: bool) -> None:
    """Show one stored document by id, or by the path a query printed."""
    ix = open_index(index_dir)
    doc = ix.get(doc_id)
    if doc is None:
        ids = ix.ids_from_path(doc_id)
        if len(ids) == 1:
            doc = ix.get(ids[0])
        elif ids:
            listed = ", ".join(repr(i) for i in ids[:5]) + (", ..." if len(ids) > 5 else "")
            fail(f"{len(ids)} documents come from {doc_id}; show one by id ({listed})")
    if doc is None:
        fail(f"no document with id or path {doc_id!r}")
    if as_json:
        click.echo(json.dumps(doc.to_dict(), ensure_ascii=False))
        return
    data = doc.to_dict()
    for name in ("id", "title", "date", "author", "tags", "source", "url", "dateline", "path"):
        value = data[name]
        if value:
            click.echo(f"{name + ':':<10}{', '.join(value) if isinstance(value, list) else value}")
    click.echo()
    click.echo(doc.body)


@cli.command("remove")
@click.argument("doc_ids", nargs=-1)
@index_option
@click.option("--query", "query_text", metavar="TEXT", help="Remove every document matching this query (copies too).")
@click.option("--path", "path_prefix", metavar="PREFIX", help="Remove the documents of this file or folder.")
@click.option("--dry-run", is_flag=True, help="Print the ids that would go; remove nothing.")
def remove_command(doc_ids: tuple[str, ...], index_dir: str, query_text: str | None = None,
                   path_prefix: str | None = None, dry_run: bool = False) -> None:
    """Remove documents by id, by query or by path (a later re-index of their folder may add them again).

    \b
    searchkit remove ID...
    searchkit remove --query "tags:obsolete" --dry-run
    searchkit remove --path archive/2019/
    """
    from .errors import SearchkitError

    if not doc_ids and query_text is None and path_prefix is None:
        fail("give document ids, --query TEXT or --path PREFIX", 2)
    if doc_ids and (query_text is not None or path_prefix is not None):
        fail("give either document ids or --query/--path, not both", 2)
    doc_ids = tuple(dict.fromkeys(doc_ids))  # an id given twice is one document: removed (or missing) once
    ix = open_index(index_dir)
    if not doc_ids:
        try:
            chosen = ix.matching_ids(query=query_text, path=path_prefix)
        except SearchkitError as exc:
            fail(str(exc))
        if dry_run:
            for doc_id in chosen:
                click.echo(oneline(doc_id))
            click.echo(f"would remove {len(chosen)}", err=True)
            return
        try:
            removed = ix.remove_many(chosen) if chosen else 0
        except SearchkitError as exc:
            fail(str(exc))
        click.echo(f"removed {removed}")
        return
    if dry_run:
        for doc_id in doc_ids:
            if doc_id in ix:
                click.echo(oneline(doc_id))
        return
    missing = []
    for doc_id in doc_ids:
        try:
            if not ix.remove(doc_id):
                missing.append(doc_id)
        except SearchkitError as exc:
            fail(str(exc))
    click.echo(f"removed {len(doc_ids) - len(missing)}")
    if missing:
        fail(f"no document with id {missing[0]!r}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))


@cli.command("copies")
@doc_id_argument
@json_option("Print one JSON object (the query's shape).")
def copies_command(doc_id: str, index_dir: str, as_json: bool) -> None:
    """List the near-duplicate copies of a document (earliest first)."""
    results = open_index(index_dir).copies(doc_id)
    count = f"{len(results)} {'copy' if len(results) == 1 else 'copies'}" if results else ""
    echo_related(doc_id, results, as_json, None, empty=f"{oneline(doc_id)} has no copies.",
                 header=f"{count} of {oneline(doc_id)}:", show_copies=False)


@cli.command("similar")
@doc_id_argument
@limit_option
@json_option("Print one JSON object (the query's shape).")
@color_option
def similar_command(doc_id: str, index_dir: str, limit: int, as_json: bool, color: bool | None) -> None:
    """Articles most like a given one (its own copies left out)."""
    results = open_index(index_dir).similar(doc_id, limit=limit)
    echo_related(doc_id, results, as_json, color, empty=f"Nothing like {oneline(doc_id)}.",
                 header=f"Most like {oneline(doc_id)}:")


def echo_related(doc_id: str, results, as_json: bool, color: bool | None, *, empty: str, header: str,
                 show_copies: bool = True) -> None:
    """Print the hits related to ``doc_id`` (its copies, or the documents most like it); exit 1
    when there is no such document (``results`` is None).  ``show_copies=False``: no (+N copies)
    after each hit in the text (the JSON keeps each hit's ``copies``)."""
    if results is None:
        fail(f"no document with id {doc_id!r}")
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False))
        return
    if not results:
        click.echo(empty)
        return
    click.echo(f"{header}\n")
    echo_hits(results, sys.stdout.isatty() if color is None else color, show_copies=show_copies)


@cli.command("stats")
@index_option
@json_option("Print the statistics as JSON.")
def stats_command(index_dir: str, as_json: bool) -> None:
    """Show the number of documents, fields, size and date range of the index."""
    ix = open_index(index_dir)
    stats = ix.stats()
    if as_json:
        click.echo(json.dumps(stats))
        return
    click.echo(f"documents:    {stats['documents']}")
    click.echo(f"fields:       {', '.join(stats['fields'])}")
    click.echo(f"size:         {stats['size_bytes'] / 1024:.1f} KiB")
    date_range = stats["date_range"]
    click.echo(f"dates:        {date_range[0]} .. {date_range[1]}" if date_range else "dates:        none")
    click.echo(f"last indexed: {stats['last_indexed'] or 'never'}")
    if "shards" in stats:
        click.echo(f"shards:       {stats['shards']}")


@cli.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (anything but loopback lets other machines read the index).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port; the URL printed names it).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@search_scheduler_option
def serve_command(index_dir: str, host: str, port: int, open_browser: bool, scheduler: str | None = None) -> None:
    """Serve a search page and a JSON API for the index (read-only; Ctrl-C stops).

    \b
    /                    the search page
    /doc/ID              a stored article, the query's words highlighted
    /api/search?q=...    what `searchkit query --json` prints
    /api/doc/ID, /api/stats
    """
    from .errors import SearchkitError
    from .loading import one_shot

    one_shot(False)  # a long-lived process: NumPy's import pays after a few queries
    ix = open_search_index(index_dir, scheduler)
    if scheduler:
        try:
            ix.connect()  # an unreachable scheduler fails now, not at the first query
        except SearchkitError as exc:
            fail(str(exc))
    from .web import serve  # Starlette, uvicorn and Jinja2: only this command loads them

    try:
        serve(ix, host=host, port=port, open_browser=open_browser,
              announce=lambda line: click.echo(line, err=False))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    except SearchkitError as exc:
        fail(str(exc))
    click.echo("searchkit: stopped", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: never a traceback (unless ``SEARCHKIT_DEBUG=1``).

    Usage errors exit 2, failures 1 with one line on stderr, Ctrl-C 130, and
    a closed pipe (``searchkit query ... | head``) ends the run quietly.
    """
    from .loading import one_shot

    one_shot()  # one command, then exit: heavy imports only where they pay (serve says otherwise)
    try:
        code = cli.main(args=argv, prog_name="searchkit", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("searchkit: interrupted", err=True)
        code = 130
    except BrokenPipeError:
        _quiet_broken_pipe()
        code = 141  # 128 + SIGPIPE, as other Unix tools end
    except RecursionError:
        _internal_error("input nested too deeply")
        code = 1
    except MemoryError:
        _internal_error("out of memory")
        code = 1
    except Exception as exc:  # the last resort: one line, never a traceback
        _internal_error(f"{type(exc).__name__}: {exc}")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


def _internal_error(message: str) -> None:
    from .settings import get as setting

    if setting("SEARCHKIT_DEBUG"):
        import traceback

        traceback.print_exc()
    lines = message.splitlines() or [""]
    try:
        click.echo(f"searchkit: internal error: {oneline(lines[0])[:300]} (SEARCHKIT_DEBUG=1 shows details)", err=True)
    except Exception:
        pass


def _quiet_broken_pipe() -> None:
    # Python would complain again when flushing stdout at exit: point it at /dev/null.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    main()
