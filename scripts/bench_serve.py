#!/usr/bin/env python3
"""Response time of ``searchkit serve`` on a real corpus: ``/api/search`` and the page ``/``.

    python scripts/bench_serve.py [--corpus reuters|PATH] [--index DIR] [--queries 50]
                                  [--screenshot docs/serve.png] [--shot-query "cocoa prices"]

Builds an index of the corpus (Reuters-21578 from ``../shared/corpora/`` by
default; ``--index DIR`` reuses one, building it there when absent), starts
``searchkit serve --port 0`` on 127.0.0.1 in a subprocess, and asks it
``--queries`` queries of 1-3 headline words (those of ``scripts/bench.py``,
same seed) over one keep-alive connection, the JSON and the page
interleaved, each after one warm-up pass.  Prints p50 and p95 of the wall
time per request as the client sees it (parse, search, count, render, send),
next to the library's own ``took_ms``.  Loopback only; every wait is bounded.

``--screenshot PATH`` saves the results page of ``--shot-query`` as a PNG,
through headless Chromium (Debian's ``chromium`` and ``chromium-driver``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench import load_records, make_queries, pct, searchkit_cmd, searchkit_env  # noqa: E402

TIMEOUT = 60.0


def build_index(corpus: str, index: Path) -> int:
    records = load_records(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "corpus.jsonl"
        dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
        subprocess.run([*searchkit_cmd(), "index", str(dump), "--index", str(index)], check=True, timeout=1800,
                       env=searchkit_env())
    return len(records)


def start_server(index: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([*searchkit_cmd(), "serve", "--index", str(index), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=searchkit_env())
    deadline = time.monotonic() + TIMEOUT
    line = ""
    while time.monotonic() < deadline and not line:
        line = proc.stdout.readline()  # the banner is the first line, written at once
        if proc.poll() is not None:
            break
    found = re.search(r"(http://\S+?/)(?:;|\s|$)", line)
    if not found:
        proc.kill()
        raise SystemExit(f"searchkit serve did not start: {line!r} {proc.stderr.read()!r}")
    return proc, found.group(1)


def timed_get(conn: http.client.HTTPConnection, path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    return (time.perf_counter() - started) * 1000, response.status, body


def screenshot(url: str, path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        raise SystemExit("no chromium/chromedriver for --screenshot (apt-get install chromium chromium-driver)")
    options = Options()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1200,1000", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        driver.set_page_load_timeout(30)
        driver.get(url)
        time.sleep(0.3)
        path.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(path))
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="reuters", help="reuters, or a JSON Lines file")
    parser.add_argument("--index", help="index folder to use (built there when absent)")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--screenshot", help="save the results page of --shot-query as this PNG")
    parser.add_argument("--shot-query", default="cocoa prices")
    args = parser.parse_args(argv)
    args.queries = max(1, min(args.queries, 1000))

    from searchkit.analysis import stopwords

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(args.index) if args.index else Path(tmp) / "index"
        if not (index / "searchkit.json").exists():
            started = time.perf_counter()
            count = build_index(args.corpus, index)
            print(f"indexed {count} documents in {time.perf_counter() - started:.1f} s")
        queries = make_queries(load_records(args.corpus), args.queries, stopwords())
        proc, url = start_server(index)
        try:
            parts = urlsplit(url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
            api, page, took, totals = [], [], [], []
            for rnd in range(2):  # the first pass warms the caches and is not counted
                for query in queries:
                    ms_api, status, body = timed_get(conn, "/api/search?" + urlencode({"q": query}))
                    assert status == 200, (query, status, body[:200])
                    ms_page, status, html = timed_get(conn, "/?" + urlencode({"q": query}))
                    assert status == 200 and b'id="total"' in html, (query, status)
                    if rnd:
                        data = json.loads(body)
                        api.append(ms_api)
                        page.append(ms_page)
                        took.append(data["took_ms"])
                        totals.append(data["total"])
            conn.close()
            print(f"{len(queries)} queries (1-3 headline words, median {statistics.median(totals):.0f} matches), "
                  f"loopback, keep-alive, ms per request:")
            print(f"  GET /api/search   p50 {pct(api, 0.5):6.1f}   p95 {pct(api, 0.95):6.1f}")
            print(f"  GET /             p50 {pct(page, 0.5):6.1f}   p95 {pct(page, 0.95):6.1f}   "
                  "(the page: search + count + chart + HTML)")
            print(f"  library took_ms   p50 {pct(took, 0.5):6.1f}   p95 {pct(took, 0.95):6.1f}")
            if args.screenshot:
                screenshot(url + "?" + urlencode({"q": args.shot_query}), Path(args.screenshot))
                print(f"screenshot of {url}?q={args.shot_query} -> {args.screenshot}")
        finally:
            proc.send_signal(2)
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
