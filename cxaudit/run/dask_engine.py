"""Run the per-batch analysis on Dask (``cxaudit run --engine dask``).

:func:`cxaudit.run.engine.process` hands over the same pure function as the local engine
(:func:`~cxaudit.run.engine.process_batch`), which is submitted once per batch; each worker
builds the spaCy pipeline once (cached per process) and returns compact DataFrames. Batches
never split a document and only the batch travels to a worker, so no worker needs the whole
corpus. Results are yielded in input order, so the store is identical to a local run.
This module knows nothing of the engine (it is given the function, as
:func:`cxaudit.parallel.map_batches` is for the local pool), so the engine imports it and
not the other way round.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Callable, Iterable, Iterator

import pandas as pd

__all__ = ["process_dask", "local_cluster"]

log = logging.getLogger(__name__)


def local_cluster(workers: int = 2):
    """A LocalCluster of ``workers`` single-threaded processes bound to 127.0.0.1, no web dashboard."""
    from distributed import LocalCluster  # lazy: the 'dask' extra (cxaudit/_extras.py)

    return LocalCluster(
        n_workers=max(1, workers),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )


def process_dask(
    fn: Callable[[pd.DataFrame, Any], Any],
    chunks: Iterable[pd.DataFrame],
    spec: Any,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    max_in_flight: int | None = None,
) -> Iterator[Any]:
    """Yield ``fn(chunk, spec)`` for each chunk (the engine's ``Tables``), computed on Dask, in input order.

    ``scheduler`` is the address of an existing cluster (``tcp://host:8786``);
    without it a :func:`local_cluster` with ``workers`` workers is started and
    closed afterwards. At most ``max_in_flight`` batches (default 4 per worker)
    are submitted ahead, so memory stays bounded on big corpora.
    """
    from distributed import Client  # lazy: the 'dask' extra (cxaudit/_extras.py)

    cluster = None if scheduler else local_cluster(workers if workers > 1 else 2)
    client = Client(scheduler if scheduler else cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        limit = max_in_flight or 4 * n_workers
        pending: deque = deque()
        for chunk in chunks:
            pending.append(client.submit(fn, chunk, spec, pure=False))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
