"""A second process for a rerun's compare stage, forked from the fork server the rerun started (issue 20).

After a rerun's worker has analysed the changed documents, the compare stage (gaps, motif, scorecards,
NPS, drivers, waves, clue map on the whole audit) is the longest step left, and the fork server and its
worker leave the second core idle. :class:`CompareHelper` forks one more process from that server (it
holds pandas and NumPy already) as soon as the analysis is handed to the worker; it loads the compare
stage while the worker analyses, then computes :data:`HELPER_TABLES` from the tables the run read from
its store while the run computes the others (:func:`cxaudit.run.outputs.run_compare`).

Each compare table is computed on its own with its own draws (:func:`cxaudit.compare.compare`), from
the same frames (pickled: the same values, dtypes and row order), so the tables are those one process
computes. When the helper cannot start, or fails, the run computes its tables itself.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import warnings
from concurrent.futures import Future, ProcessPoolExecutor

from cxaudit import parallel

__all__ = ["HELPER_TABLES", "CompareHelper"]

log = logging.getLogger(__name__)

#: The compare tables the helper computes: about 40 % of the stage's time on the sample audit, the
#: rest (gaps, motif, nps, drivers, clue_map) about 60 %.
HELPER_TABLES = ("scorecards", "waves")


def _init() -> None:
    """The helper's initializer: die with the fork server that forked it (which dies with the run), as
    the analysis workers do, and leave Ctrl-C to the run."""
    server = os.environ.get(parallel.SERVER_ENV, "")
    parallel.die_with_parent(int(server) if server.isdigit() else None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _load() -> None:
    """The helper's first task, while the worker analyses: load the compare stage."""
    import cxaudit.compare  # noqa: F401  (lazy: the point of this task)


def _compute(frames: tuple, desired, codebooks: dict, tables: tuple[str, ...]) -> dict:
    from cxaudit.compare import compare  # lazy: loaded by _load already

    with warnings.catch_warnings():
        # the run computes its own tables from the same frames and gives the same warnings (absent lenses)
        warnings.simplefilter("ignore")
        return compare(*frames, desired, codebooks=codebooks, tables=tables)


class CompareHelper:
    """One process forked from the run's fork server that computes :data:`HELPER_TABLES`."""

    def __init__(self, pool: ProcessPoolExecutor, loaded: Future):
        self._pool = pool
        self._loaded = loaded
        self._closed = False

    @classmethod
    def start(cls) -> "CompareHelper | None":
        """Fork the helper and have it load the compare stage; None where there is no fork server or it
        cannot be forked (the run then computes every table itself). Returns once the server has forked
        it: call this when the server is ready (the analysis was handed to its worker)."""
        if parallel.default_context() != "forkserver" or (os.cpu_count() or 1) < 2:
            return None
        try:
            pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("forkserver"), initializer=_init)
            loaded = pool.submit(_load)
        except (OSError, RuntimeError, ValueError) as exc:
            log.info("no compare helper (%s): the compare stage runs in this process", exc)
            return None
        return cls(pool, loaded)

    def submit(self, frames: tuple, desired, codebooks: dict) -> Future | None:
        """Start computing :data:`HELPER_TABLES` from ``frames`` (documents, sentences, tags, feelings as
        :func:`cxaudit.compare.store.read_compare_frames` reads them); None when the helper is gone, or
        has not loaded the compare stage yet: its core is then busy with other work, and it would only
        finish after the run (the helper is stopped, and the run computes every table)."""
        if not self._loaded.done() or self._loaded.exception() is not None:
            log.info("the compare helper is not ready: computing every compare table here")
            self.close(stop=True)
            return None
        try:
            return self._pool.submit(_compute, frames, desired, codebooks, HELPER_TABLES)
        except (OSError, RuntimeError) as exc:
            log.info("the compare helper is gone (%s): computing its tables here", exc)
            return None

    @staticmethod
    def result(future: Future | None) -> dict | None:
        """The tables ``future`` computed, or None when the helper failed (compute them here then)."""
        if future is None:
            return None
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - the helper died or failed: the run computes the tables
            log.info("the compare helper failed (%s): computing its tables here", exc)
            return None

    def close(self, *, stop: bool = False) -> None:
        """Let the helper exit; ``stop``: terminate it at once, even while it computes (a run that failed
        or was interrupted). Closing it again does nothing."""
        if self._closed:
            return
        self._closed = True
        if stop:
            for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
                try:
                    proc.terminate()
                except (OSError, ValueError):  # already gone
                    pass
        self._pool.shutdown(wait=True, cancel_futures=True)
