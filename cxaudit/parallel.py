"""A small process-pool helper: map a function over batches in worker processes.

Workers are started with the ``forkserver`` context on POSIX (``spawn`` elsewhere)
because the parent may hold threads (pandas/pyarrow/duckdb) that make ``fork``
unsafe. Each worker runs ``initializer(*initargs)`` once (e.g. builds its spaCy
pipeline and keeps it in a module global) and then ``func(batch)`` per batch; it
should return compact rows (lists of tuples or small DataFrames), never Docs.

Validate whatever the initializer depends on in the parent first: a worker whose
initializer raises breaks the pool (:class:`concurrent.futures.process.BrokenProcessPool`,
re-raised here as :class:`WorkerError`) instead of failing clearly.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Sequence

__all__ = ["map_batches", "default_context", "start_forkserver", "WorkerError"]


class WorkerError(RuntimeError):
    """A worker process died or its initializer failed."""


def default_context() -> str:
    """"forkserver" where available (Linux, macOS), else "spawn"."""
    return "forkserver" if sys.platform != "win32" and "forkserver" in mp.get_all_start_methods() else "spawn"


def start_forkserver(preload: Sequence[str] = ()) -> bool:
    """Start the ``forkserver`` now (it imports ``preload`` in the background) so that a pool
    created later by :func:`map_batches` finds it ready. Returns False where there is no
    fork server (the pool then uses ``spawn``). A server already running is left as it is."""
    if default_context() != "forkserver":
        return False
    from multiprocessing import forkserver

    ctx = mp.get_context("forkserver")
    if preload:
        ctx.set_forkserver_preload(list(preload))
    forkserver.ensure_running()
    return True


def map_batches(
    func: Callable[[Any], Any],
    batches: Iterable[Any],
    *,
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    context: str | None = None,
    max_pending: int | None = None,
    preload: Sequence[str] = (),
) -> Iterator[Any]:
    """Yield ``func(batch)`` for each batch, in input order.

    With ``workers <= 1`` everything runs in this process (``initializer`` is called
    once first). Otherwise a pool of ``workers`` processes is used with at most
    ``max_pending`` (default ``2 * workers``) batches in flight, so ``batches`` may
    be a lazy iterator of any length. ``func`` and ``initializer`` must be
    importable module-level functions. ``preload`` names modules the ``forkserver``
    imports once before forking workers (each worker then skips those imports).
    """
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"map_batches: workers must be an int >= 1; found {workers!r}")
    if workers == 1:
        if initializer is not None:
            initializer(*initargs)
        for batch in batches:
            yield func(batch)
        return
    ctx = mp.get_context(context or default_context())
    if preload and ctx.get_start_method() == "forkserver":
        # the fork server imports these once; every worker forked from it starts with them loaded
        ctx.set_forkserver_preload(list(preload))
    limit = max_pending or 2 * workers
    pending: deque = deque()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                 initializer=initializer, initargs=initargs) as pool:
            for batch in batches:
                pending.append(pool.submit(func, batch))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    except BrokenProcessPool as err:
        raise WorkerError(f"a worker process died or its initializer failed (pid {os.getpid()} is the parent): {err}") from err
    finally:
        for fut in pending:
            fut.cancel()
