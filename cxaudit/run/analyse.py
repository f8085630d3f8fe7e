"""The analyse stage of a run: keep the rows of unchanged documents, analyse the others batch by batch.

The batches go through :func:`cxaudit.run.engine.process` (one process, a local pool or Dask); how many
workers a run uses is decided here (:func:`workers_for`).
"""

from __future__ import annotations

import os
from typing import Callable

import pandas as pd

from cxaudit.config import AuditConfig
from cxaudit.store import StoreWriter

from .engine import PipelineSpec, analysed_turns, process
from .result import RunResult

__all__ = ["AUTO_PARALLEL_TURNS", "ANALYSIS_TABLES", "workers_for", "likely_workers", "analyse"]

ANALYSIS_TABLES = ("sentences", "feelings", "tags")


#: With ``workers=None``, runs with at least this many turns to analyse use every core.
AUTO_PARALLEL_TURNS = 20_000


def workers_for(config: AuditConfig, n_turns: int, workers: int | None) -> int:
    """Worker processes for ``n_turns`` turns to analyse: ``workers``, else ``workers:`` in audit.yml,
    else every core from :data:`AUTO_PARALLEL_TURNS` turns on and one below."""
    if workers is None:
        workers = config.workers
    if workers is None:
        workers = (os.cpu_count() or 1) if n_turns >= AUTO_PARALLEL_TURNS else 1
    return workers


def likely_workers(config: AuditConfig, turns: pd.DataFrame, workers: int | None) -> int:
    """The workers a run will probably use, known before unchanged documents are counted out."""
    return workers_for(config, len(analysed_turns(turns)), workers)


def analyse(config: AuditConfig, w: StoreWriter, turns: pd.DataFrame, fingerprints: pd.DataFrame,
            result: RunResult, spec: PipelineSpec, *, full: bool, workers: int | None, engine: str,
            scheduler: str | None, progress: Callable[[int, int], None] | None,
            before_analysis: Callable[[], None] | None = None,
            while_waiting: Callable[[], None] | None = None) -> int:
    """Copy the analysis rows of unchanged documents from the previous store and analyse the others
    batch by batch into ``w``. Returns the number of workers used.

    ``before_analysis`` is called once, when some document is to be analysed, just before the first
    batch is handed over: a rerun whose worker is still loading its pipeline in the fork server
    (:mod:`cxaudit.run.warm`) would only wait there, so the run does then what it will need after the
    analysis (:func:`cxaudit.run.pipeline.run_audit` writes the tables that do not depend on it and reads
    the compare stage's settings).
    ``while_waiting``: see :func:`cxaudit.run.engine.process`."""
    prev = None if full else w.read_previous("doc_state")
    if prev is not None and not prev.empty:
        merged = fingerprints.merge(prev[["doc_id", "fingerprint"]], on="doc_id", suffixes=("", "_prev"))
        reused = merged.loc[merged["fingerprint"] == merged["fingerprint_prev"], "doc_id"].tolist()
        result.n_removed = int((~prev["doc_id"].isin(fingerprints["doc_id"])).sum())
    else:
        reused = []
    for name in ANALYSIS_TABLES:
        w.copy_previous(name, reused)
    w.ensure_tables(ANALYSIS_TABLES)
    reused_set = set(reused)
    result.n_reused = len(reused_set)
    todo = turns[~turns["doc_id"].isin(reused_set)]
    total = len(analysed_turns(todo))
    workers = workers_for(config, total, workers)
    done = 0
    if before_analysis is not None and total:
        before_analysis()
    if progress and total:
        progress(0, total)  # the bar starts with the analysis, not after its first batch (its rate is then true)
    batches_out = process(todo, spec, workers=workers, batch_size=config.batch_size, engine=engine, scheduler=scheduler,
                          while_waiting=while_waiting) if total else ()  # nothing new: no pipeline to build
    try:
        for tables in batches_out:
            w.append("sentences", tables.sentences)
            w.append("feelings", tables.feelings)
            w.append("tags", tables.tags)
            done += tables.n_turns
            if progress:
                progress(done, total)
    finally:
        # an interrupt or error while this loop writes a batch (not while the pool is awaited) stops the
        # workers now, not whenever the suspended generator is collected
        close = getattr(batches_out, "close", None)
        if close is not None:
            close()
    return workers
