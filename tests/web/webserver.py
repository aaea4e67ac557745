"""Start ``searchkit serve`` in a subprocess on a free loopback port, and stop it (every wait bounded)."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 30.0


class Server:
    def __init__(self, process: subprocess.Popen, url: str, banner: str):
        self.process = process
        self.url = url
        self.banner = banner

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15.0) -> tuple[int, str]:
        """Send ``sig`` (Ctrl-C by default); return the exit status and what it wrote to stderr."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            _, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate(timeout=timeout)
            raise AssertionError(f"searchkit serve did not stop within {timeout} s of signal {sig}") from None
        return self.process.returncode, err


def read_line(stream, deadline: float) -> str:
    """One line from a pipe, or '' at the deadline or at its end."""
    line = b""
    fd = stream.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, min(0.5, deadline - time.monotonic())))
        if not ready:
            continue
        chunk = os.read(fd, 1)
        if not chunk:
            break
        line += chunk
        if chunk == b"\n":
            break
    return line.decode("utf-8", "replace")


def launch(index_dir: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "searchkit", "serve", "--index", str(index_dir), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


@contextmanager
def running_server(index_dir: Path, *args: str):
    """``searchkit serve --port 0`` (a free port, named in its banner); stopped with Ctrl-C at the end."""
    process = launch(index_dir, "--port", "0", *args)
    server = None
    try:
        banner = read_line(process.stdout, time.monotonic() + START_TIMEOUT)
        found = re.search(r"(http://\S+?/)(?:;|\s|$)", banner)
        if not found:
            process.kill()
            _, err = process.communicate(timeout=10)
            raise AssertionError(f"searchkit serve printed no URL: {banner!r} {err.decode(errors='replace')!r}")
        server = Server(process, found.group(1), banner)
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # the socket listens before the banner; wait until the app answers
            try:
                if server.get("/api/stats", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError("searchkit serve did not answer")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream and not stream.closed:
                stream.close()
