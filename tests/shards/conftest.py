"""Dask clusters the shard tests share (each test module gets its own, started once)."""

from __future__ import annotations

import logging

import pytest


def _local_cluster(processes: bool):
    distributed = pytest.importorskip("distributed")
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                                    dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)


@pytest.fixture(scope="module")
def threads_cluster():
    """A LocalCluster of two single-threaded workers in this process (quick to start)."""
    cluster = _local_cluster(processes=False)
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two single-threaded worker processes (requests and replies are pickled)."""
    local = _local_cluster(processes=True)
    yield local
    local.close()
