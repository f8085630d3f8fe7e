"""A small process-pool helper: map a function over batches in worker processes.

Workers are started with the ``forkserver`` context on POSIX (``spawn`` elsewhere)
because the parent may hold threads (pandas/pyarrow/duckdb) that make ``fork``
unsafe. Each worker runs ``initializer(*initargs)`` once (e.g. builds its spaCy
pipeline and keeps it in a module global) and then ``func(batch)`` per batch; it
should return compact rows (lists of tuples or small DataFrames), never Docs.

Validate whatever the initializer depends on in the parent first: a worker whose
initializer raises breaks the pool (:class:`concurrent.futures.process.BrokenProcessPool`,
re-raised here as :class:`WorkerError`) instead of failing clearly.

Workers die with the run: on Linux each worker, and the fork server, asks the kernel
for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), so killing the run with
SIGKILL leaves no process behind; workers ignore SIGINT (Ctrl-C reaches the whole
process group) and the parent stops them at once when it is interrupted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Sequence

from .errors import CxauditError

__all__ = ["map_batches", "default_context", "start_forkserver", "WorkerError", "die_with_parent", "join_the_run",
           "PARENT_ENV", "SERVER_ENV"]

#: The run's PID, set in the environment the fork server inherits: the fork server (:func:`join_the_run`)
#: asks to die with that process only, not with whatever else imports the module.
PARENT_ENV = "CXAUDIT_RUN_PID"
#: The fork server's own PID, which it puts in its environment (:func:`join_the_run`): every worker it forks
#: inherits it and asks to die with that process (:func:`_start_worker`).
SERVER_ENV = "CXAUDIT_FORKSERVER_PID"
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``);
    exit at once if ``parent`` (the expected parent PID) is already gone. False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent is not None and os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    return True


def join_the_run() -> None:
    """In a fork server started by :func:`start_forkserver` or :func:`map_batches` (the run's PID is in
    ``PARENT_ENV``): ask to be killed when the run dies, or exit now if it has died already.

    Called first thing in the server (``cxaudit.run.die_with_run`` heads its preload list). Without it a
    run killed while its server was still importing left the server behind for good: the run's request
    for a worker, in flight on the server's socket, holds the server's "parent alive" pipe open, so the
    server forks the worker, and each keeps the other alive (the worker holds that pipe; the server
    never sees it close), and both keep the run's stdout and stderr open.
    """
    run = os.environ.get(PARENT_ENV, "")
    if not run.isdigit() or not _in_forkserver_preload():
        return  # the run itself, or any other process that imports the module: nothing to do
    die_with_parent(int(run))  # exits at once when the server's parent is no longer the run
    os.environ[SERVER_ENV] = str(os.getpid())  # inherited by every worker it forks


def _in_forkserver_preload() -> bool:
    """True when called while :mod:`multiprocessing.forkserver`'s ``main`` imports its preload modules: this
    process is a fork server (not the run, whose environment holds the same ``PARENT_ENV``, nor a process that
    merely imports every module)."""
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith(os.path.join("multiprocessing", "forkserver.py")):
            return True
        frame = frame.f_back
    return False


def _start_worker(parent: int | None, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    """Every pool worker's initializer: die with its parent (the fork server that forked it, whose PID it
    inherited, or the run), leave Ctrl-C to the run, then ``initializer``."""
    if parent is None and os.environ.get(SERVER_ENV, "").isdigit():
        parent = int(os.environ[SERVER_ENV])
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


class WorkerError(CxauditError, RuntimeError):
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
    from multiprocessing import forkserver  # POSIX only (default_context() above): no fork server on Windows

    ctx = mp.get_context("forkserver")
    if preload:
        ctx.set_forkserver_preload(list(preload))
    os.environ[PARENT_ENV] = str(os.getpid())
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
    in_process: bool = True,
) -> Iterator[Any]:
    """Yield ``func(batch)`` for each batch, in input order.

    With ``workers <= 1`` everything runs in this process (``initializer`` is called
    once first), unless ``in_process`` is False: then one worker process does the work (e.g.
    one forked from a fork server that already loaded what the work needs). Otherwise a pool
    of ``workers`` processes is used with at most ``max_pending`` (default ``2 * workers``)
    batches in flight, so ``batches`` may be a lazy iterator of any length. ``func`` and
    ``initializer`` must be importable module-level functions. ``preload`` names modules the ``forkserver``
    imports once before forking workers (each worker then skips those imports).
    """
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"map_batches: workers must be an int >= 1; found {workers!r}")
    if workers == 1 and in_process:
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
    os.environ[PARENT_ENV] = str(os.getpid())  # read by a fork server this pool starts
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_start_worker,
                               initargs=(_pool_parent(ctx), initializer, initargs))
    try:
        for batch in batches:
            pending.append(pool.submit(func, batch))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool as err:
        raise WorkerError(f"a worker process died or its initializer failed (pid {os.getpid()} is the parent): {err}") from err
    except BaseException:  # Ctrl-C, SIGTERM (see cxaudit.cli), an error, or the consumer closing the generator
        _stop_workers(pool)
        raise
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _pool_parent(ctx) -> int | None:
    """The PID a pool's workers see as their parent: the fork server's (unknown until it runs: None)
    or this process's (spawn)."""
    return os.getpid() if ctx.get_start_method() != "forkserver" else None


def _stop_workers(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Stop the pool's workers now, without waiting for the batches they are analysing, and leave the pool
    in a state its ``shutdown`` can finish from.

    A worker stopped while it was sending a result leaves half a message in the result pipe: the pool's
    manager thread, reading it, would wait for the rest for ever, and ``shutdown(wait=True)`` (and the
    interpreter's exit, which joins that thread) with it. So once every worker is gone, this process closes
    its own copy of the pipe's writing end: the reader then sees the end of the pipe, the pool counts as
    broken, and its manager thread cleans up and exits (tested in ``tests/test_parallel.py`` with results
    large enough to be caught in the middle of sending).
    """
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        try:
            proc.terminate()
        except (OSError, ValueError):  # already gone
            pass
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.exitcode is None:  # still running after the grace period
                proc.kill()
                proc.join()
        except (OSError, ValueError, AssertionError):  # already gone or never started
            pass
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass
