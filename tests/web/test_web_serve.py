"""``searchkit serve`` as a process: binds to loopback, prints its URL, answers, stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import pytest

from searchkit import Index

from ..conftest import SEEDS
from .webserver import launch, running_server

pytest.importorskip("uvicorn")


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "ix"
    with Index(path) as ix:
        ix.add(SEEDS)
    return path


def test_serves_on_loopback_and_stops_on_ctrl_c(seeds_index):
    with running_server(seeds_index) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert "Ctrl-C" in server.banner
        status, body = server.get("/api/search?q=treaty")
        assert status == 200 and json.loads(body)["total"] == 4
        status, body = server.get("/api/search?q=treaty&sort=sideways")
        assert status == 400 and "unknown sort" in json.loads(body)["error"]
        status, page = server.get("/?q=treaty")
        assert status == 200 and b"<mark>" in page
        code, err = server.stop(signal.SIGINT)
    assert code == 0, err
    assert b"Traceback" not in err and b"stopped" in err


def test_sigterm_stops_it_too(seeds_index):
    with running_server(seeds_index) as server:
        code, err = server.stop(signal.SIGTERM)
    assert code == 0 and b"Traceback" not in err


def test_a_missing_index_is_a_one_line_error(tmp_path):
    process = launch(tmp_path / "nothing-here", "--port", "0")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.decode().count("\n") == 1 and "no index at" in err.decode()
    assert not (tmp_path / "nothing-here").exists()  # serving never creates an index


def test_a_busy_port_is_a_one_line_error(seeds_index):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        process = launch(seeds_index, "--port", str(port))
        out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    text = err.decode()
    assert text.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in text, text


def test_serve_help_lists_the_routes():
    result = subprocess.run([sys.executable, "-m", "searchkit", "serve", "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    for word in ("--host", "--port", "--open", "/api/search", "127.0.0.1"):
        assert word in result.stdout
