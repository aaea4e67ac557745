#!/usr/bin/env python3
"""Measure searchkit's HTML reader against a folder of pages with known article bodies.

The folder holds ``html/<id>.html.gz`` (or ``<id>.html``) and ``ground-truth.json``
(``{id: {"articleBody": ..., "url": ...}}``).  For every page the body returned by
:func:`searchkit.readers.html.extract_html` is compared with the true body on
4-word shingles (lowercased ``\\w+`` tokens, shingles counted as a multiset):

* ``tp`` shingles in both, ``fp`` extracted but not true, ``fn`` true but missed;
* per page ``precision = tp / (tp + fp)`` and ``recall = tp / (tp + fn)``
  (the same as normalising tp/fp/fn to sum 1 first);
* precision and recall are averaged over pages and F1 is taken from the averages.

Edge cases: a page whose true body has no shingle is skipped; an empty extraction
counts as precision 0 and recall 0 (it is a failure, not a page to forget).
A text shorter than 4 tokens forms a single shingle of all its tokens.

"A page that carries a date" means its raw HTML has a machine-readable date signal:
a ``datePublished``/``dateCreated`` key, an ``article:published_time``-like meta
property, a ``<time datetime=...>`` element, or a ``date``-named ``<meta>`` /
``itemprop``.  The date share is taken over those pages only.

Cross-validation (``--halves`` = 2 folds, ``--folds K``, ``--sites``): the
extractor's thresholds (:data:`searchkit.readers.html.TUNING`) are chosen on the
training part only, by coordinate search over :data:`GRID` (best F1 on those
pages, the default kept on ties), then the held-out part is scored with them;
the held-out rows of every fold are pooled into the cross-validated P/R/F1.
Pages are grouped by site (the host of the true ``url``, else of the page's
canonical link, else the page itself) and a site never straddles two folds:
sites in sorted order are dealt round-robin to the K folds.  ``--sites`` is
leave-one-site-out (one fold per site), the closest this set comes to "a site
never seen".  This measures what threshold choice can overfit; the rules
themselves were written with the pages in view, so even these figures are
optimistic for unseen sites.  ``--worst N`` lists the N held-out pages with the
lowest F1 (precision and recall each), to read errors by class.

Usage::

    python scripts/eval_extraction.py [FOLDER] [--verbose] [--compare-paragraphs] [--repeat N]
                                      [--halves | --folds K | --sites] [--worst N]

The default folder is ``../shared/corpora/extraction-dev`` relative to the repo
root (or to its parent, from a worktree).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from searchkit.readers import html as html_reader  # noqa: E402
from searchkit.readers.html import extract_html  # noqa: E402

DEFAULT_FOLDER = next((base / "shared" / "corpora" / "extraction-dev" for base in (REPO.parent, REPO.parent.parent)
                       if (base / "shared" / "corpora" / "extraction-dev").is_dir()),
                      REPO.parent / "shared" / "corpora" / "extraction-dev")
#: Candidate values of each threshold for cross-validation (the default is always a candidate).
GRID: dict[str, tuple[float, ...]] = {
    "sibling_share": (0.1, 0.2, 0.3, 0.45),
    "cousin_share": (0.2, 0.3, 0.45, 0.6),
    "ld_body_ratio": (0.3, 0.5, 0.7),
}
SHINGLE = 4
_TOKEN = re.compile(r"\w+", re.UNICODE)
_DATE_SIGNAL = re.compile(
    rb"datePublished|dateCreated|published_time|<time[^>]+datetime\s*="
    rb"|<meta[^>]+(?:name|property|itemprop)\s*=\s*[\"']?[^\"'>]*date",
    re.IGNORECASE,
)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall((text or "").lower())


def shingles(text: str, n: int = SHINGLE) -> Counter:
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


def score(extracted: str, truth: str) -> tuple[float, float] | None:
    """(precision, recall) of one page, or None if the truth is empty."""
    true = shingles(truth)
    if not true:
        return None
    got = shingles(extracted)
    if not got:
        return 0.0, 0.0
    tp = sum((got & true).values())
    fp = sum(got.values()) - tp
    fn = sum(true.values()) - tp
    return tp / (tp + fp), tp / (tp + fn)


def paragraphs_baseline(raw: bytes) -> str:
    """The naive peer: the text of every <p> on the page, in document order."""
    import lxml.html
    from bs4.dammit import UnicodeDammit

    # Decode the way a browser would (BOM, <meta charset>, UTF-8, cp1252), so that the
    # baseline is judged on its choice of text and not on lxml's latin-1 default.
    text = UnicodeDammit(raw, is_html=True).unicode_markup or ""
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        root = lxml.html.fromstring(text)
    except Exception:  # noqa: BLE001 - a baseline must not stop the run
        return ""
    out = []
    for p in root.iter("p"):
        text = " ".join(p.text_content().split())
        if text:
            out.append(text)
    return "\n\n".join(out)


def load_pages(folder: Path) -> list[tuple[str, bytes, dict]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        html_dir = folder / "html"
        gz, plain = html_dir / f"{page_id}.html.gz", html_dir / f"{page_id}.html"
        if gz.exists():
            raw = gzip.decompress(gz.read_bytes())
        elif plain.exists():
            raw = plain.read_bytes()
        else:
            print(f"warning: no html for {page_id}", file=sys.stderr)
            continue
        pages.append((page_id, raw, truth[page_id]))
    return pages


_CANONICAL = re.compile(rb"<link[^>]+rel=[\"']?canonical[^>]+href=[\"']?(https?://[^\"'> ]+)", re.IGNORECASE)


def site_of(page: tuple[str, bytes, dict]) -> str:
    """The page's site: host of the true url, else of its canonical link, else its id."""
    page_id, raw, truth = page
    url = truth.get("url") or ""
    if "//" not in url:
        match = _CANONICAL.search(raw)
        url = match.group(1).decode("ascii", "replace") if match else ""
    host = url.split("//", 1)[1].split("/", 1)[0].lower() if "//" in url else ""
    host = host[4:] if host.startswith("www.") else host
    return host or page_id


def site_folds(pages: list[tuple[str, bytes, dict]], folds: int) -> list[list[int]]:
    """Indexes of ``pages`` per fold, a site never split over two folds (``folds`` 0:
    one fold per site).  With fewer sites than folds (or one site) the pages are dealt instead."""
    sites: dict[str, list[int]] = {}
    for i, page in enumerate(pages):
        sites.setdefault(site_of(page), []).append(i)
    if len(sites) < max(folds, 2):  # one site (a synthetic set): deal the pages instead
        sites = {f"{i:06d}": [i] for i in range(len(pages))}
    names = sorted(sites)
    if not folds:
        return [sites[name] for name in names]
    out: list[list[int]] = [[] for _ in range(folds)]
    for k, name in enumerate(names):
        out[k % folds].extend(sites[name])
    return [sorted(fold) for fold in out if fold]


def summarise(rows: list[dict], key_p: str = "p", key_r: str = "r") -> tuple[float, float, float]:
    scored = [r for r in rows if r[key_p] is not None]
    if not scored:
        return 0.0, 0.0, 0.0
    p = statistics.fmean(r[key_p] for r in scored)
    r = statistics.fmean(r[key_r] for r in scored)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


#: (page id, tuning) -> its row: extraction is deterministic, so every fold and
#: every step of the search reuses what another one computed.
_ROWS: dict[tuple, dict] = {}


def _row(page: tuple[str, bytes, dict], tuning: dict[str, float]) -> dict:
    page_id, raw, truth = page
    key = (page_id, tuple(sorted(tuning.items())))
    if key not in _ROWS:
        saved = dict(html_reader.TUNING)
        html_reader.TUNING.update(tuning)
        try:
            pr = score(extract_html(raw).get("body") or "", truth.get("articleBody") or "")
        finally:
            html_reader.TUNING.clear()
            html_reader.TUNING.update(saved)
        _ROWS[key] = {"id": page_id, "p": pr[0] if pr else None, "r": pr[1] if pr else None}
    return dict(_ROWS[key])


def _f1(pages: list[tuple[str, bytes, dict]], tuning: dict[str, float]) -> tuple[float, list[dict]]:
    rows = [_row(page, tuning) for page in pages]
    return summarise(rows)[2], rows


def choose_tuning(pages: list[tuple[str, bytes, dict]], rounds: int = 2) -> dict[str, float]:
    """Coordinate search over :data:`GRID` for the best F1 on ``pages`` (defaults win ties)."""
    best = dict(html_reader.TUNING)
    best_f1, _ = _f1(pages, best)
    for _ in range(rounds):
        improved = False
        for name, values in GRID.items():
            for value in values:
                if value == best[name]:
                    continue
                trial = {**best, name: value}
                f1, _ = _f1(pages, trial)
                if f1 > best_f1 + 1e-9:
                    best, best_f1, improved = trial, f1, True
        if not improved:
            break
    return best


def cross_validate(pages: list[tuple[str, bytes, dict]], folds: int) -> tuple[list[dict], list[dict]]:
    """Held-out rows of every fold (thresholds chosen on the training folds only), and the
    choices made.  ``folds`` 0 is leave-one-site-out; folds never split a site."""
    held_out: list[dict] = []
    choices = []
    for k, test_ids in enumerate(site_folds(pages, folds)):
        held = set(test_ids)
        test = [pages[i] for i in test_ids]
        train = [page for i, page in enumerate(pages) if i not in held]
        tuning = choose_tuning(train)
        f1, rows = _f1(test, tuning)
        for row in rows:
            row["fold"] = k + 1
        held_out.extend(rows)
        changed = {n: v for n, v in tuning.items() if v != html_reader.TUNING[n]}
        choices.append({"fold": k + 1, "pages": len(test), "f1": f1, "changed": changed,
                        "site": site_of(test[0]) if folds == 0 else None})
    return held_out, choices


def _page_f1(row: dict) -> float:
    p, r = row["p"] or 0.0, row["r"] or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def report_cross_validation(pages: list[tuple[str, bytes, dict]], folds: int, verbose: bool, worst: int) -> None:
    """Print each fold's choice, the pooled held-out P/R/F1 and the ``worst`` held-out pages
    (``folds`` 0: leave-one-site-out, whose folds are listed only when they change a threshold)."""
    held_out, choices = cross_validate(pages, folds)
    for choice in choices:
        changed = ", ".join(f"{n}={v:g}" for n, v in choice["changed"].items()) or "defaults"
        if not folds and not (verbose or choice["changed"]):
            continue
        where = f" {choice['site']}" if choice["site"] else ""
        print(f"  fold {choice['fold']}{where} ({choice['pages']} pages held out)  F1={choice['f1']:.4f}  "
              f"thresholds chosen on the rest: {changed}")
    cp, cr, cf = summarise(held_out)
    label = "leave-one-site-out" if not folds else "sites kept whole"
    print(f"cross-validated ({label}, {len(choices)} folds)  P={cp:.4f}  R={cr:.4f}  F1={cf:.4f}")
    for row in sorted(held_out, key=_page_f1)[:worst]:
        print(f"  worst held-out: {row['id'][:12]} (fold {row['fold']})  "
              f"P={row['p'] or 0:.3f} R={row['r'] or 0:.3f} F1={_page_f1(row):.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    ap.add_argument("--verbose", "-v", action="store_true", help="print one row per page")
    ap.add_argument("--compare-paragraphs", action="store_true",
                    help="also score the all-<p>-text baseline")
    ap.add_argument("--repeat", type=int, default=3, help="timing repeats per page (median)")
    ap.add_argument("--halves", action="store_true",
                    help="2-fold cross-validation: thresholds chosen on one half, scored on the other")
    ap.add_argument("--folds", type=int, default=0, help="K-fold cross-validation (K >= 2), sites kept whole")
    ap.add_argument("--sites", action="store_true", help="leave-one-site-out cross-validation")
    ap.add_argument("--worst", type=int, default=0, help="list the N held-out pages with the lowest F1")
    args = ap.parse_args(argv)

    folder = Path(args.folder)
    pages = load_pages(folder)
    if not pages:
        print(f"no pages in {folder}", file=sys.stderr)
        return 2

    rows = []
    for page_id, raw, truth in pages:
        times = []
        result = None
        for _ in range(max(1, args.repeat)):
            start = time.perf_counter()
            result = extract_html(raw)
            times.append(time.perf_counter() - start)
        pr = score(result.get("body") or "", truth.get("articleBody") or "")
        row = {
            "id": page_id,
            "p": pr[0] if pr else None,
            "r": pr[1] if pr else None,
            "ms": statistics.median(times) * 1000,
            "title": bool(result.get("title")),
            "date": result.get("date"),
            "author": bool(result.get("author")),
            "carries_date": bool(_DATE_SIGNAL.search(raw)),
        }
        if args.compare_paragraphs:
            bpr = score(paragraphs_baseline(raw), truth.get("articleBody") or "")
            row["bp"], row["br"] = (bpr if bpr else (None, None))
        rows.append(row)
        if args.verbose:
            p = "  -  " if row["p"] is None else f"{row['p']:.3f}"
            r = "  -  " if row["r"] is None else f"{row['r']:.3f}"
            extra = ""
            if args.compare_paragraphs and row.get("bp") is not None:
                extra = f"  <p> P={row['bp']:.3f} R={row['br']:.3f}"
            print(f"{page_id[:12]}  P={p} R={r}  {row['ms']:6.1f} ms  "
                  f"title={'y' if row['title'] else 'n'} date={row['date'] or '-'} "
                  f"author={'y' if row['author'] else 'n'}{extra}")

    n = len(rows)
    p, r, f = summarise(rows)
    print(f"pages: {n}  (scored: {sum(1 for x in rows if x['p'] is not None)})")
    print(f"searchkit  P={p:.4f}  R={r:.4f}  F1={f:.4f}")
    folds = 2 if args.halves else args.folds
    if folds >= 2 or args.sites:
        report_cross_validation(pages, 0 if args.sites else folds, args.verbose, args.worst)
    if args.compare_paragraphs:
        bp, br, bf = summarise(rows, "bp", "br")
        print(f"all <p>    P={bp:.4f}  R={br:.4f}  F1={bf:.4f}")
    carrying = [x for x in rows if x["carries_date"]]
    print(f"title found:  {sum(x['title'] for x in rows)}/{n} ({sum(x['title'] for x in rows) / n:.0%})")
    dated = sum(1 for x in carrying if x["date"])
    share = dated / len(carrying) if carrying else 1.0
    print(f"date found:   {dated}/{len(carrying)} pages that carry a date signal ({share:.0%}); "
          f"{sum(1 for x in rows if x['date'])}/{n} overall")
    print(f"author found: {sum(x['author'] for x in rows)}/{n} ({sum(x['author'] for x in rows) / n:.0%})")
    ms = [x["ms"] for x in rows]
    worst = max(rows, key=lambda x: x["ms"])
    print(f"time per page: median {statistics.median(ms):.1f} ms, worst {worst['ms']:.1f} ms "
          f"({worst['id'][:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
