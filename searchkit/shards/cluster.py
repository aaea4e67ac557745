"""Running shard jobs on Dask (``dask.distributed``): a LocalCluster for the run, or an existing cluster.

Imported only when a run asks for Dask (``--workers``/``--scheduler``): a
query never loads it.  Each shard job is one task (so each shard has exactly
one writer); a task whose worker dies is retried by the scheduler on another
worker (its ``allowed-failures``, default 3, then the run fails); the
coordinator commits the manifest only after every task has returned.

Every worker must reach the index folder at the same path (one machine, or
a shared filesystem) and run the same searchkit version; see
``docs/scale-out.md``.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from .. import settings
from ..errors import SearchkitError

__all__ = ["run_on_dask", "submit_reads", "connect", "CONNECT_TIMEOUT", "SCHEDULER_ENV"]

#: Seconds to wait for a scheduler before giving up ($SEARCHKIT_SCHEDULER_TIMEOUT).
CONNECT_TIMEOUT = 5.0
SCHEDULER_ENV = "SEARCHKIT_SCHEDULER"


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise SearchkitError('--workers and --scheduler need Dask: pip install "searchkit[dask]"') from None
    return distributed


def connect(*, workers: int | None = None, scheduler: str | None = None, processes: bool = True):
    """A ``(client, cluster)`` pair: a client of the scheduler at ``scheduler``, or of a new
    LocalCluster of ``workers`` single-threaded worker processes (``cluster`` None for the former).

    Raises :class:`SearchkitError` (one line) when the scheduler cannot be
    reached within :data:`CONNECT_TIMEOUT` seconds or Dask is not installed.
    """
    distributed = _import_distributed()
    import logging

    if scheduler:
        timeout = settings.get("SEARCHKIT_SCHEDULER_TIMEOUT")
        for name in ("distributed.client", "distributed.core", "distributed.comm"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        _probe(distributed, scheduler, timeout)
        try:
            return distributed.Client(scheduler, timeout=timeout, set_as_default=False), None
        except (OSError, TimeoutError, ValueError) as exc:
            reason = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise SearchkitError(f"cannot reach the Dask scheduler at {scheduler} "
                                 f"(within {timeout:g} s): {reason}") from None
    if workers is None or workers < 1:
        raise SearchkitError(f"--workers must be 1 or more, not {workers}")
    # Ctrl-C is the coordinator's to handle (it closes the cluster, nothing is committed): worker
    # processes started while SIGINT is ignored inherit that, instead of each printing a traceback.
    # The scheduler's web page listens on a free loopback port (its default, 8787, may be taken).
    previous = signal.getsignal(signal.SIGINT)
    quiet = threading.current_thread() is threading.main_thread() and previous is not None
    if quiet:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                           dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    finally:
        if quiet:
            signal.signal(signal.SIGINT, previous)
    return distributed.Client(cluster, set_as_default=False), cluster


def _probe(distributed, scheduler: str, timeout: float) -> None:
    """Check that ``scheduler`` is a Dask scheduler's address before a Client is made of it.

    A Client given an address without a port, or of a port where something
    else listens (a web server), or that answers with other bytes, may wait
    for ever, read the bytes as a huge frame length ("out of memory"), or
    leave a traceback from its destructor.  Here the address is parsed, then
    Dask's own comm connects and exchanges its handshake under one overall
    deadline of ``timeout`` seconds; anything else is one line
    (:class:`SearchkitError`).
    """
    import asyncio

    from distributed.comm import connect as comm_connect
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(scheduler if "://" in scheduler else f"tcp://{scheduler}")
        if scheme in ("tcp", "tls"):
            parse_host_port(location)  # raises for a missing port
    except (ValueError, TypeError) as exc:
        raise SearchkitError(f"{scheduler!r} is not a Dask scheduler address ({exc}); "
                             "give one like tcp://HOST:8786") from None

    async def handshake() -> None:
        comm = await comm_connect(scheduler, timeout=timeout)
        await comm.close()

    try:
        asyncio.run(asyncio.wait_for(handshake(), timeout))
    except (asyncio.TimeoutError, TimeoutError):
        raise SearchkitError(f"cannot reach the Dask scheduler at {scheduler} (no Dask handshake "
                             f"within {timeout:g} s)") from None
    except MemoryError:  # other bytes (an HTTP reply...) read as a frame length: before Exception, its base
        raise SearchkitError(f"{scheduler} did not answer as a Dask scheduler (its reply read as a "
                             "frame too large to hold)") from None
    except Exception as exc:  # refused, reset, other garbage
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise SearchkitError(f"cannot reach the Dask scheduler at {scheduler}: {reason}") from None


#: Seconds a run's LocalCluster gets to close before its worker processes are killed.
CLOSE_TIMEOUT = 10.0


def close_cluster(client, cluster, timeout: float = CLOSE_TIMEOUT) -> None:
    """Close ``client`` and the LocalCluster ``cluster`` it was made for (None: the client only).

    Each gets ``timeout`` seconds; a worker process still alive after that (a
    task that does not return, a cluster closing while the run was
    interrupted) is killed, so a finished, failed or interrupted run never
    waits on its workers.
    """
    pids = []
    for nanny in (getattr(cluster, "workers", None) or {}).values():
        pid = getattr(getattr(getattr(nanny, "process", None), "process", None), "pid", None)
        if isinstance(pid, int):
            pids.append(pid)
    for closing in (client, cluster):
        if closing is None:
            continue
        try:
            closing.close(timeout=timeout)
        except Exception:  # timed out, or the loop is gone: the processes are dealt with below
            pass
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it if it has exited (a child of this process)
        except ChildProcessError:
            continue  # gone and reaped
        except OSError:
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_on_dask(function: Callable[[dict[str, Any]], dict[str, Any]], jobs: list[dict[str, Any]], *,
                workers: int | None = None, scheduler: str | None = None,
                client=None) -> list[dict[str, Any]]:
    """``[function(job) for job in jobs]``, each call a Dask task; results in ``jobs``' order.

    ``client``: an open :class:`distributed.Client` to use (else one is made
    from ``workers``/``scheduler`` for this call and closed after it).
    Raises :class:`SearchkitError` naming the shard when a task fails or its
    workers keep dying (``KilledWorker``).
    """
    own = client is None
    cluster = None
    if own:
        client, cluster = connect(workers=workers, scheduler=scheduler)
    try:
        futures = [client.submit(function, job, key=f"searchkit-shard-{job.get('shard', i)}-{os.urandom(4).hex()}",
                                 pure=False) for i, job in enumerate(jobs)]
        results = []
        for job, future in zip(jobs, futures):
            try:
                results.append(future.result())
            except Exception as exc:
                for other in futures:
                    other.cancel()
                name = type(exc).__name__
                what = "its Dask workers died" if name == "KilledWorker" else f"{name}: {str(exc)[:160]}"
                raise SearchkitError(f"writing shard {job.get('shard')} failed ({what}); "
                                     f"nothing was committed, the index is as it was") from None
        return results
    finally:
        if own:
            close_cluster(client, cluster)


class _ReadHandle:
    """One read task's future; :meth:`result` turns a failure into one line (and cancels the rest)."""

    def __init__(self, future, futures: list):
        self.future = future
        self.futures = futures

    def result(self) -> dict[str, Any]:
        try:
            return self.future.result()
        except Exception as exc:
            for other in self.futures:
                other.cancel()
            name = type(exc).__name__
            what = "its Dask workers died" if name == "KilledWorker" else f"{name}: {str(exc)[:160]}"
            raise SearchkitError(f"reading files failed ({what}); nothing was committed, "
                                 f"the index is as it was") from None
        finally:
            self.future.release()


def submit_reads(client, function: Callable[[dict[str, Any]], dict[str, Any]],
                 tasks: list[dict[str, Any]]) -> list[_ReadHandle]:
    """Submit ``function(task)`` for each of ``tasks`` (the read tasks of a sharded run), all at
    once; handles in ``tasks``' order, each waited for with ``result()`` (see :class:`_ReadHandle`).
    A task whose worker dies is retried by the scheduler, as a shard job is."""
    tag = os.urandom(4).hex()
    futures = [client.submit(function, task, key=f"searchkit-read-{number}-{tag}", pure=False)
               for number, task in enumerate(tasks)]
    return [_ReadHandle(future, futures) for future in futures]
