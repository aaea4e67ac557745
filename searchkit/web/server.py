"""Running the web app: bind a socket, print the URL, serve until Ctrl-C."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from .app import LOOPBACK_HOSTS, create_app

__all__ = ["serve", "is_loopback", "bind"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one).  Raises ``OSError``."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(index, host: str = "127.0.0.1", port: int = 8000, *, open_browser: bool = False,
          announce: Callable[[str], None] = print) -> None:
    """Serve ``index`` (an :class:`~searchkit.Index` or a folder) on ``host:port`` until interrupted.

    ``announce`` receives the one-line "serving at URL" message once the socket
    listens (port 0 picks a free port; the URL names the real one).  Raises
    ``OSError`` when the address cannot be bound and
    :class:`~searchkit.errors.IndexNotFoundError` when there is no index.
    Returns when stopped by Ctrl-C or SIGTERM.
    """
    import uvicorn

    loopback = is_loopback(host)
    app = create_app(index, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    sock = bind(host, port)
    try:
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        url = f"http://{shown}:{bound_port}/"
        config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                                limit_concurrency=64, timeout_keep_alive=5, lifespan="off",
                                h11_max_incomplete_event_size=16 * 1024)
        server = uvicorn.Server(config)
        note = "" if loopback else " (reachable from other machines: anyone who can reach it can read the index)"
        announce(f"searchkit: serving {getattr(index, 'path', index)} at {url}{note}; Ctrl-C stops")
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        _run_until_stopped(server, sock)
    finally:
        sock.close()


class _Stopped(Exception):
    """SIGTERM arrived (uvicorn shuts down first, then passes the signal on)."""


def _on_sigterm(signum, frame):
    raise _Stopped


def _run_until_stopped(server, sock: socket.socket) -> None:
    """Run uvicorn; a Ctrl-C or SIGTERM, once uvicorn has shut down cleanly, is a normal end.

    uvicorn re-raises the signal that stopped it after closing its
    connections: a Ctrl-C comes back as ``KeyboardInterrupt``, a SIGTERM
    would kill the process, so it is turned into an exception here too.
    """
    import signal
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
