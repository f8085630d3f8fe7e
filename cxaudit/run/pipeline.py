"""``cxaudit run``: ingest → redact → analyse + tag → compare → store, incrementally.

A document is re-analysed only when its (redacted) content or an analysis
setting changed (cxaudit version, model, codebooks, learned tagger); the rows
of unchanged documents are copied from the previous store. The compare stage
always runs on the complete tables (it is cheap and depends on every
document). Everything is written into a new store that replaces the old one
atomically at the end, so an interrupted run loses nothing; when few documents
changed, the new store starts as a copy of the old one and only their rows are
written (:data:`~cxaudit.run.fingerprints.FROM_PREVIOUS_MAX_SHARE`). One run at a time
writes to a results folder (:class:`cxaudit.store.ResultsLock`); mistakes in
the settings or the inputs' options stop the run before anything is written
(:class:`cxaudit.config.ConfigError`); a full disk or another write error
raises :class:`cxaudit.store.WriteFailed` with the previous results intact.

This module holds the run's order of steps; each step is a module of its own: ``inputs`` (read,
with ``private``: redaction and its map), ``fingerprints`` (what changed), ``analyse``, ``outputs``
(compare and the dashboard's tables), ``result`` (what the run did, the ``runs`` row), ``manifest``
(the rerun manifest) and ``failures`` (settings checked first, write failures told plainly).
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from cxaudit import __version__
from cxaudit._models import resolve_model  # spaCy-free: see cxaudit/_models.py
from cxaudit.config import AuditConfig
from cxaudit.store import ResultsLock, StoreWriter, is_disk_full, private_dir, write_csv_atomic

from .analyse import analyse, likely_workers
from .compare_helper import CompareHelper
from .engine import PipelineSpec, warm_workers
from .failures import check_settings, remove_unused, write_failed
from .fingerprints import analysis_fingerprint, compare_settings_hash, doc_fingerprints, few_changed
from .incremental import STATE_TABLE
from .inputs import keep_other_waves, read_inputs, read_previous
from .manifest import rerun_snapshot, write_rerun_manifest
from .outputs import CompareInputs, compare_inputs, prepare_dashboard, reuse_compare, reuse_dashboard, run_compare
from .private import write_private
from .result import RunResult, run_row, stage

__all__ = ["RunResult", "run_audit", "analysis_fingerprint", "private_dir"]

log = logging.getLogger(__name__)

#: A rerun of at most this many documents computes part of its compare stage in a second process
#: (:mod:`cxaudit.run.compare_helper`) when its analysis went to a worker of the fork server it started;
#: beyond, the tables the helper would be sent weigh more than it saves.
HELPER_MAX_DOCUMENTS = 20_000


def run_audit(
    config: AuditConfig,
    out_dir: str | Path,
    *,
    full: bool = False,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    wait: float = 0,
    rerun_key: str | None = None,
) -> RunResult:
    """Run the whole audit described by ``config`` into ``out_dir``.

    ``workers``: analysis processes; None uses every core when there are at least
    :data:`~cxaudit.run.analyse.AUTO_PARALLEL_TURNS` turns to analyse (starting workers costs a few
    seconds, more than a small audit takes in one process), else one.
    ``progress(done_turns, total_turns)`` is called after each batch. ``wait``: seconds to wait
    for another run that holds ``out_dir`` (0: fail at once). ``rerun_key``: the command's options
    (:func:`cxaudit.run.rerun.run_key`); given, the run writes the rerun manifest with which the next
    run of the same command sees at once that nothing changed. Returns a :class:`RunResult`; the
    store and ``rejected.csv`` are written atomically, the redaction map beside ``out_dir``
    (:func:`private_dir`).

    Raises :class:`~cxaudit.config.ConfigError` for wrong settings or input options (nothing is
    written), :class:`~cxaudit.store.ResultsBusy` when another run holds ``out_dir``, and
    :class:`~cxaudit.store.WriteFailed` when the results cannot be written (disk full …). In every
    failure, and on KeyboardInterrupt, the previous results stay as they were.
    """
    out_dir = Path(out_dir)
    if engine == "local" and not full and (out_dir / "cxaudit.duckdb").is_file():
        # a rerun: the worker that analyses what changed loads spaCy while this process reads (engine.py)
        warm_workers(PipelineSpec(model=config.model, codebooks=tuple(config.codebooks), tagger=config.tagger,
                                  threshold=config.threshold))
    check_settings(config)
    created = not out_dir.exists()
    private_created = not private_dir(out_dir).exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failed(out_dir, exc) from exc
    try:
        lock = ResultsLock(out_dir, wait=wait)
        try:
            lock.__enter__()
        except OSError as exc:  # e.g. no space left even for the lock's holder file
            raise write_failed(out_dir, exc) from exc
        try:
            return _run_locked(config, out_dir, full=full, workers=workers, engine=engine, scheduler=scheduler,
                               progress=progress, rerun_key=rerun_key)
        finally:
            lock.__exit__(None, None, None)
    except BaseException:
        remove_unused(out_dir, created, private_created)
        raise


def _run_locked(config: AuditConfig, out_dir: Path, *, full: bool, workers: int | None, engine: str,
                scheduler: str | None, progress: Callable[[int, int], None] | None,
                rerun_key: str | None = None) -> RunResult:
    """:func:`run_audit` once the results folder is locked."""
    t0 = time.perf_counter()
    started = datetime.now(timezone.utc)
    result = RunResult(run_id=uuid.uuid4().hex[:12], out_dir=out_dir)
    deps = rerun_snapshot(config, out_dir) if rerun_key else None  # before anything is read

    with stage(result, "read"):
        prev = read_previous(out_dir, ("documents", "turns", "rejected", STATE_TABLE, "doc_state"))
        inputs = read_inputs(config, out_dir, prev, full=full)
        documents, turns, kept_waves = keep_other_waves(prev, inputs.documents, inputs.turns)
        rejected, file_state, result.n_files_reused = inputs.rejected, inputs.state, inputs.n_files_reused
        result.stale, result.n_stale = inputs.stale, len(inputs.stale)
        with_text = turns.loc[turns["text"].str.len() > 0, "doc_id"]
        result.n_empty = int((~documents["doc_id"].isin(with_text)).sum())

    base_model = resolve_model(config.model)  # checks the model is installed without loading it
    spec = PipelineSpec(model=config.model, codebooks=tuple(config.codebooks), tagger=config.tagger,
                        threshold=config.threshold)
    if engine == "local" and likely_workers(config, turns, workers) > 1:
        warm_workers(spec)  # the workers' pipeline is built in the background meanwhile
    with stage(result, "fingerprint"):
        fingerprints = doc_fingerprints(turns, analysis_fingerprint(config, base_model))

    helper: list[CompareHelper] = []  # closed after the compare stage, or in the finally when the run fails
    try:
        with StoreWriter(out_dir, from_previous=few_changed(prev.get("doc_state"), fingerprints, full)) as w:
            result.store_written = "changed rows" if w.from_previous else "whole"
            log.info("store: %s", "a copy of the previous one, only the changed rows written" if w.from_previous
                     else "written anew")
            compare_ready: list[CompareInputs] = []

            def store_tables() -> None:
                with stage(result, "store"):
                    w.replace("documents", documents)
                    w.replace("turns", turns)
                    w.replace("rejected", rejected)
                    w.replace("doc_state", fingerprints)
                    w.replace(STATE_TABLE, file_state)

            def before_analysis() -> None:
                # documents are to be analysed (so the compare stage will run), and a rerun's worker may
                # still be loading its pipeline, which the run would only wait for: write the tables that
                # do not depend on the analysis and read what the compare stage reads besides the store now
                store_tables()
                with stage(result, "compare"):
                    compare_ready.append(compare_inputs(config))

            def while_waiting() -> None:
                # the changed documents went to one worker forked from the fork server this run started:
                # fork a second process from it now, to compute part of the compare stage afterwards
                if len(documents) <= HELPER_MAX_DOCUMENTS:
                    helper.extend(filter(None, [CompareHelper.start()]))

            with stage(result, "analyse"):
                workers = analyse(config, w, turns, fingerprints, result, spec, full=full, workers=workers,
                                  engine=engine, scheduler=scheduler, progress=progress,
                                  before_analysis=before_analysis, while_waiting=while_waiting)
            # the stages before_analysis ran are timed as themselves, not as the analysis
            before = sum(result.stage_seconds.get(name, 0.0) for name in ("store", "compare"))
            result.stage_seconds["analyse"] = round(result.stage_seconds["analyse"] - before, 3)
            result.kept_waves = kept_waves
            result.n_analysed = int(documents["doc_id"].nunique()) - result.n_reused
            if "store" not in result.stage_seconds:  # nothing analysed
                store_tables()
            compare_key = compare_settings_hash(config)
            with stage(result, "compare"):
                if full or not reuse_compare(w, documents, result, compare_key):
                    run_compare(config, w, compare_ready[0] if compare_ready else None,
                                helper[0] if helper else None)
            for h in helper:
                h.close()
            helper.clear()
            if not result.compare_reused or not reuse_dashboard(w):
                with stage(result, "dashboard"):
                    prepare_dashboard(w)

            result.n_documents = len(documents)
            result.n_turns = len(turns)
            result.n_sentences = w.count("sentences")
            result.n_tags = w.count("tags")
            result.n_rejected = len(rejected)
            result.rejected = rejected
            result.seconds = time.perf_counter() - t0
            runs = w.read_previous("runs")
            row = run_row(config, result, started, base_model, engine, workers, full)
            w.replace("runs", pd.concat([runs, row], ignore_index=True) if runs is not None else row)
            w.replace("meta", pd.DataFrame({"key": ["name", "cxaudit_version", "last_run", "compare_key",
                                                    "min_participants"],
                                            "value": [config.name, __version__, result.run_id, compare_key,
                                                      str(config.min_participants)]}))
            if inputs.mapping is not None:  # written last: a run that fails earlier changes nothing
                write_private(out_dir, inputs.mapping)
            t_commit = time.perf_counter()
        result.stage_seconds["commit"] = round(time.perf_counter() - t_commit, 3)
        log.info("stage commit: %.2f s", result.stage_seconds["commit"])
        write_csv_atomic(out_dir / "rejected.csv", rejected[["path", "line", "reason"]])
        if rerun_key:
            write_rerun_manifest(out_dir, rerun_key, deps, result, inputs, config)
    except (OSError, duckdb.IOException) as exc:
        raise write_failed(out_dir, exc) from exc
    except duckdb.Error as exc:
        if is_disk_full(exc):
            raise write_failed(out_dir, exc) from exc
        raise
    finally:
        for h in helper:  # a run that failed or was interrupted with the helper still up
            h.close(stop=True)
    return result
