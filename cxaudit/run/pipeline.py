"""``cxaudit run``: ingest → redact → analyse + tag → compare → store, incrementally.

A document is re-analysed only when its (redacted) content or an analysis
setting changed (cxaudit version, model, codebooks, learned tagger); the rows
of unchanged documents are copied from the previous store. The compare stage
always runs on the complete tables (it is cheap and depends on every
document). Everything is written into a new store that replaces the old one
atomically at the end, so an interrupted run loses nothing; when few documents
changed, the new store starts as a copy of the old one and only their rows are
written (:data:`FROM_PREVIOUS_MAX_SHARE`). One run at a time
writes to a results folder (:class:`cxaudit.store.ResultsLock`); mistakes in
the settings or the inputs' options stop the run before anything is written
(:class:`cxaudit.config.ConfigError`); a full disk or another write error
raises :class:`cxaudit.store.WriteFailed` with the previous results intact.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from cxaudit import __version__
from cxaudit.config import AuditConfig, ConfigError
from .engine import PipelineSpec, analysed_turns, process, warm_workers
from cxaudit.schemas import DOCUMENTS, REJECTED, TURNS, validate
from cxaudit.store import (LOCK_FILE, ResultsLock, StoreWriter, WriteFailed, atomic_write_text, is_disk_full,
                    private_dir, remove_debris, write_csv_atomic)

__all__ = ["RunResult", "run_audit", "analysis_fingerprint", "private_dir"]

log = logging.getLogger(__name__)

_ANALYSIS_TABLES = ("sentences", "feelings", "tags")
#: With ``workers=None``, runs with at least this many turns to analyse use every core.
AUTO_PARALLEL_TURNS = 20_000
#: A rerun whose analysed and removed documents are at most this share of the previous run's starts the
#: new store from a copy of the previous one and writes only what changed (else it writes every row anew,
#: which also compacts the space of deleted rows).
FROM_PREVIOUS_MAX_SHARE = 0.25


@dataclass
class RunResult:
    """What a run did (also recorded as one row of the ``runs`` table)."""

    run_id: str
    out_dir: Path
    n_documents: int = 0
    n_turns: int = 0
    n_sentences: int = 0
    n_tags: int = 0
    n_rejected: int = 0
    n_analysed: int = 0
    n_reused: int = 0
    n_removed: int = 0
    #: survey answers without a comment (documents whose turns have no text; their scores count)
    n_empty: int = 0
    #: documents kept from the previous run because their file or folder could not be read this time
    n_stale: int = 0
    stale: list[str] = field(default_factory=list)
    seconds: float = 0.0
    kept_waves: list[str] = field(default_factory=list)
    n_files_reused: int = 0
    compare_reused: bool = False
    #: "changed rows": the new store started from a copy of the previous one; "whole": written anew
    store_written: str = "whole"
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: wall seconds per stage (read, fingerprint, analyse, compare, dashboard, commit), for profiling
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 2 if self.n_rejected else 0


@contextmanager
def _stage(result: RunResult, name: str):
    """Add the wall time of the ``with`` block to ``result.stage_seconds[name]`` (and log it)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - t0
        result.stage_seconds[name] = round(result.stage_seconds.get(name, 0.0) + seconds, 3)
        log.info("stage %s: %.2f s (this process: %.0f MB now, %.0f MB peak)", name, seconds, *_rss_mb())


def _rss_mb() -> tuple[float, float]:
    """Resident memory of this process now and at its peak, in MB (0 where unknown)."""
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):
        peak = 0.0
    try:
        with open("/proc/self/statm") as f:
            now = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        now = 0.0
    return now, peak


def _file_digest(path: str | Path) -> str:
    p = Path(path)
    h = hashlib.sha256()
    if p.is_dir():
        for f in sorted(q for q in p.rglob("*") if q.is_file()):
            h.update(str(f.relative_to(p)).encode())
            h.update(f.read_bytes())
    elif p.is_file():
        h.update(p.read_bytes())
    return h.hexdigest()


def analysis_fingerprint(config: AuditConfig, base_model: str) -> str:
    """Hash of every setting that changes per-document analysis results."""
    from cxaudit.clues.codebook import load_codebook

    parts = {
        "version": __version__,
        "model": base_model,
        "redact": config.redact,
        "codebooks": [(ref, _file_digest(load_codebook(ref).path)) for ref in config.codebooks],
        "tagger": _file_digest(config.tagger) if config.tagger else None,
        "threshold": config.threshold,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _doc_fingerprints(turns: pd.DataFrame, settings_hash: str) -> pd.DataFrame:
    """One fingerprint per document (in first-appearance order) from its stored turns (after
    redaction) and the settings: SHA-256 of the settings hash and the document's turns in row
    order, each ``turn_id \x1f speaker \x1f role \x1f text``, joined by ``\x1e``."""
    if turns.empty:
        return pd.DataFrame({"doc_id": pd.Series([], dtype="string"), "fingerprint": pd.Series([], dtype="string")})
    key = (turns["turn_id"].astype(str) + "\x1f" + turns["speaker"].fillna("").astype(str) + "\x1f"
           + turns["role"].astype(str) + "\x1f" + turns["text"].astype(str)).tolist()
    codes, uniques = pd.factorize(turns["doc_id"], sort=False)
    prefix = settings_hash.encode()
    sha = hashlib.sha256
    if len(uniques) == len(codes):  # one turn per document (comment tables): no grouping needed
        ordered = [key[i] for i in np.argsort(codes, kind="stable")]
        fp = [sha(prefix + k.encode()).hexdigest() for k in ordered]
    else:
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        fp = [sha(prefix + "\x1e".join([key[i] for i in part]).encode()).hexdigest()
              for part in np.split(order, bounds)]
    return pd.DataFrame({"doc_id": pd.array(np.asarray(uniques, dtype=object), dtype="string"),
                         "fingerprint": pd.array(fp, dtype="string")})


_MAP_FILE = "redaction-map.csv"
_PRIVATE_README = (
    "This folder maps redaction placeholders back to real names, e-mail addresses and numbers of the\n"
    "results folder beside it. Keep it private: share the results folder, never this one.\n")


def _previous_mapping(out_dir: Path) -> pd.DataFrame | None:
    """The redaction map of earlier runs: beside the results folder, or inside it (before 0.x: ``private/``)."""
    for path in (private_dir(out_dir) / _MAP_FILE, out_dir / "private" / _MAP_FILE):
        if path.is_file():
            return pd.read_csv(path, dtype=str, keep_default_na=False)
    return None


def _redact(config: AuditConfig, documents: pd.DataFrame, turns: pd.DataFrame, out_dir: Path):
    """Redacted documents and turns, and the whole placeholder map (earlier runs' entries included)."""
    from cxaudit.redact import redact

    red = redact(documents, turns, previous=_previous_mapping(out_dir))
    return red.documents, red.turns, red.mapping


def _write_private(out_dir: Path, mapping: pd.DataFrame) -> None:
    """Write the redaction map beside the results folder and remove the copy older versions kept inside it."""
    private = private_dir(out_dir)
    private.mkdir(parents=True, exist_ok=True)
    remove_debris(private)
    write_csv_atomic(private / _MAP_FILE, mapping)
    atomic_write_text(private / "README.txt", _PRIVATE_README)
    legacy = out_dir / "private"
    for name in (_MAP_FILE, "README.txt"):
        (legacy / name).unlink(missing_ok=True)
    if legacy.is_dir() and not any(legacy.iterdir()):
        legacy.rmdir()


def _compare(config: AuditConfig, w: StoreWriter) -> None:
    from cxaudit.clues.codebook import load_codebook
    from cxaudit.compare.store import compare_store
    from cxaudit.compare.desired import Desired, load_desired

    desired = load_desired(config.desired) if config.desired else Desired.default()
    codebooks = {book.name: book for book in map(load_codebook, config.codebooks)}
    # reads the tables in a fixed row order (the bootstrap then draws the same resamples whether rows
    # were reused or new), ids as integer codes and only the columns compare uses: at 1M comments
    # the text and id columns would cost gigabytes
    tables = compare_store(w.con, desired, codebooks=codebooks)
    for name, df in tables.items():
        w.replace(name, df)


def _read_previous(out_dir: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The previous store's tables among ``names`` (those it has)."""
    from cxaudit.store import connect, store_path

    if not store_path(out_dir).is_file():
        return {}
    with connect(out_dir) as con:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {name: con.execute(f'SELECT * FROM "{name}"').df() for name in names if name in have}


@dataclass
class _Inputs:
    """What the read stage gives the rest of the run."""

    documents: pd.DataFrame
    turns: pd.DataFrame
    rejected: pd.DataFrame
    state: pd.DataFrame
    n_files_reused: int
    mapping: pd.DataFrame | None = None
    stale: list[str] = field(default_factory=list)
    #: files and folders that could not be read this time
    n_unreadable: int = 0


def _config_problems(issues) -> None:
    """Raise ConfigError when inputs' options are wrong (a path that does not exist, a missing column)."""
    if issues:
        raise ConfigError("the inputs cannot be read as configured:\n"
                          + "\n".join(f"  {issue.message}" for issue in issues)
                          + "\nNothing was written; fix the input options (paths, columns) and run again.")


def _stale_sources(prev_docs: pd.DataFrame | None, unreadable) -> tuple[set[str], list]:
    """The previous documents' sources that lie in a file or folder that could not be read now, and the
    unreadable issues with the number of documents kept from each added to their reason."""
    from cxaudit.ingest.base import Issue

    sources: set[str] = set()
    issues = []
    src = prev_docs["source"].astype(str) if prev_docs is not None and len(prev_docs) else None
    for issue in unreadable:
        reason = issue.reason
        if src is not None:
            hit = (src == issue.path) | src.str.startswith(issue.path.rstrip(os.sep) + os.sep)
            if hit.any():
                sources |= set(src[hit])
                reason += f"; {int(hit.sum())} document(s) read from it before are kept (stale)"
        issues.append(Issue(issue.path, issue.line, reason, issue.kind))
    return sources, issues


def _read_inputs(config: AuditConfig, out_dir: Path, prev: dict[str, pd.DataFrame], *, full: bool) -> _Inputs:
    """Documents, turns and rejected rows of the inputs: files changed since the previous run are
    read (and redacted); unchanged files' rows are taken from the previous store as stored, and so
    are the rows of files that could not be read now (kept, stale: never deleted for that). Raises
    ConfigError, before anything is written, when the inputs' options are wrong."""
    from .incremental import STATE_TABLE, plan_files
    from cxaudit.ingest import ingest

    plan = plan_files(config.inputs, roles=config.roles, wave=config.wave, redact=config.redact,
                      previous=None if full else prev.get(STATE_TABLE))
    ing = ingest(plan.changed, roles=config.roles, wave=config.wave)
    _config_problems(ing.config_errors)
    for issue in plan.unreadable:
        log.warning("%s", issue.message)
    stale, unreadable = _stale_sources(prev.get("documents"), [*plan.unreadable, *ing.unreadable])
    by_key = {(i.path, i.line, i.kind): i for i in unreadable}
    issues = [by_key.get((i.path, i.line, i.kind), i) for i in ing.issues]
    issues += unreadable[:len(plan.unreadable)]
    rejected = validate(pd.DataFrame({"path": pd.array([i.path for i in issues], dtype="string"),
                                      "line": pd.array([i.line for i in issues], dtype="Int64"),
                                      "reason": pd.array([i.reason for i in issues], dtype="string")}), REJECTED)
    documents, turns = validate(ing.documents, DOCUMENTS), validate(ing.turns, TURNS)
    mapping = None
    if config.redact and not documents.empty:
        documents, turns, mapping = _redact(config, documents, turns, out_dir)
        documents, turns = validate(documents, DOCUMENTS), validate(turns, TURNS)
    # a file that could not be read is not recorded as read (restoring its permissions changes neither
    # its size nor its time); for stale documents the state of what was read before is kept
    state = plan.state[~plan.state["path"].isin({i.path for i in unreadable} | stale)]
    if stale:
        if STATE_TABLE in prev:
            state = pd.concat([state, prev[STATE_TABLE][prev[STATE_TABLE]["path"].isin(stale)]], ignore_index=True)
    keep = set(plan.unchanged) | stale
    if keep and "documents" in prev:
        old_docs = prev["documents"][prev["documents"]["source"].isin(keep)]
        old_turns = prev["turns"][prev["turns"]["doc_id"].isin(old_docs["doc_id"])]
        old_rejected = prev.get("rejected", pd.DataFrame(columns=REJECTED.names))
        old_rejected = old_rejected[old_rejected["path"].isin(set(plan.unchanged))]
        clash = documents["doc_id"].isin(old_docs["doc_id"])
        if clash.any():  # a changed file now yields an id an unchanged file already has
            dupes = documents[clash]
            rejected = pd.concat([rejected, pd.DataFrame({
                "path": dupes["source"], "line": pd.NA,
                "reason": "duplicate doc_id " + dupes["doc_id"].astype(str) + " (already read from another file)"})])
            turns = turns[~turns["doc_id"].isin(dupes["doc_id"])]
            documents = documents[~clash]
        documents = pd.concat([documents, validate(old_docs, DOCUMENTS)], ignore_index=True)
        turns = pd.concat([turns, validate(old_turns, TURNS)], ignore_index=True)
        rejected = pd.concat([rejected, validate(old_rejected, REJECTED)], ignore_index=True)
        stale_ids = old_docs.loc[old_docs["source"].isin(stale), "doc_id"].astype(str).tolist()
    else:
        stale_ids = []
    return _Inputs(validate(documents, DOCUMENTS), validate(turns, TURNS), validate(rejected, REJECTED), state,
                   len(plan.unchanged), mapping, stale_ids, len(unreadable))


def _wave_key(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), "(no wave)")


def _keep_other_waves(prev: dict[str, pd.DataFrame], documents: pd.DataFrame, turns: pd.DataFrame):
    """Add the previous store's documents of waves this run does not contain.

    A run owns the waves its documents carry: rerunning a wave replaces that
    wave's documents (and drops the ones that were removed), while the other
    waves already in the store stay. So a consultant can run each quarter's
    new transcripts with ``--wave 2026-Q4`` into the same results folder and
    compare the waves.
    """
    if "documents" not in prev or "turns" not in prev:
        return documents, turns, []
    prev_docs = prev["documents"]
    waves_now = set(_wave_key(documents["wave"])) if len(documents) else set()
    keep = prev_docs[~_wave_key(prev_docs["wave"]).isin(waves_now) & ~prev_docs["doc_id"].isin(documents["doc_id"])]
    if keep.empty:
        return documents, turns, []
    prev_turns = prev["turns"][prev["turns"]["doc_id"].isin(keep["doc_id"])]
    kept = sorted(set(_wave_key(keep["wave"])))
    log.info("keeping %d document(s) of wave(s) %s from the previous run", len(keep), ", ".join(kept))
    documents = validate(pd.concat([documents, validate(keep, DOCUMENTS)], ignore_index=True), DOCUMENTS)
    turns = validate(pd.concat([turns, validate(prev_turns, TURNS)], ignore_index=True), TURNS)
    return documents, turns, kept


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
    :data:`AUTO_PARALLEL_TURNS` turns to analyse (starting workers costs a few
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
    _check_settings(config)
    created = not out_dir.exists()
    private_created = not private_dir(out_dir).exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_failed(out_dir, exc) from exc
    try:
        lock = ResultsLock(out_dir, wait=wait)
        try:
            lock.__enter__()
        except OSError as exc:  # e.g. no space left even for the lock's holder file
            raise _write_failed(out_dir, exc) from exc
        try:
            return _run_locked(config, out_dir, full=full, workers=workers, engine=engine, scheduler=scheduler,
                               progress=progress, rerun_key=rerun_key)
        finally:
            lock.__exit__(None, None, None)
    except BaseException:
        _remove_unused(out_dir, created, private_created)
        raise


def _check_settings(config: AuditConfig) -> None:
    """Raise ConfigError, before anything is written, when the model, a codebook, the desired file or
    the learned tagger named by ``config`` cannot be used."""
    from cxaudit.clues.codebook import load_codebook
    from cxaudit.compare.desired import load_desired
    from cxaudit._models import resolve_model

    problems = []
    checks = [(resolve_model, config.model)] + [(load_codebook, ref) for ref in config.codebooks]
    if config.desired:
        checks.append((load_desired, config.desired))
    for check, value in checks:
        try:
            check(value)
        except (ValueError, OSError) as exc:
            problems.append(str(exc))
    if config.tagger and not Path(config.tagger).is_dir():
        problems.append(f"tagger: no such folder {config.tagger} (make one with `cxaudit train`)")
    if problems:
        raise ConfigError("\n".join(problems) + "\nNothing was written.")


def _remove_unused(out_dir: Path, created: bool, private_created: bool) -> None:
    """After a failed run: remove the results folder (and its private folder) when this run created
    them and they hold nothing but the lock, so a failure leaves nothing behind."""
    if private_created and private_dir(out_dir).is_dir():
        shutil.rmtree(private_dir(out_dir), ignore_errors=True)
    if not created or not out_dir.is_dir():
        return
    left = {p.name for p in out_dir.iterdir()}
    if left <= {LOCK_FILE, LOCK_FILE + ".json"}:
        shutil.rmtree(out_dir, ignore_errors=True)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _write_failed(out_dir: Path, exc: BaseException) -> WriteFailed:
    """A WriteFailed naming the folder, what went wrong and (disk full) the space needed."""
    try:
        free = shutil.disk_usage(out_dir if out_dir.exists() else out_dir.parent).free
    except OSError:
        free = None
    free_text = f"{_mb(free)} free now" if free is not None else "free space unknown"
    if is_disk_full(exc):
        # the run filled the disk, and removing its half-written files gave the space back: it needs
        # more than what is free now
        from cxaudit.store import store_path

        previous = store_path(out_dir).stat().st_size if store_path(out_dir).is_file() else 0
        needed = f"this run needs more than the {_mb(free)} free there" if free is not None else free_text
        if previous:
            needed += f" (the previous results take {_mb(previous)})"
        message = (f"the disk holding {out_dir} is full: {needed}. Free some space, or give another --out "
                   "folder, and run again. The previous results are unchanged; the half-written files were "
                   "removed.")
    else:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        message = (f"cannot write the results to {out_dir}: {reason} ({free_text}). The previous results "
                   "are unchanged; the half-written files were removed.")
    return WriteFailed(message)


def _run_locked(config: AuditConfig, out_dir: Path, *, full: bool, workers: int | None, engine: str,
                scheduler: str | None, progress: Callable[[int, int], None] | None,
                rerun_key: str | None = None) -> RunResult:
    """:func:`run_audit` once the results folder is locked."""
    import duckdb

    from .incremental import STATE_TABLE
    from cxaudit._models import resolve_model

    t0 = time.perf_counter()
    started = datetime.now(timezone.utc)
    result = RunResult(run_id=uuid.uuid4().hex[:12], out_dir=out_dir)
    deps = _rerun_snapshot(config, out_dir) if rerun_key else None  # before anything is read

    with _stage(result, "read"):
        prev = _read_previous(out_dir, ("documents", "turns", "rejected", STATE_TABLE, "doc_state"))
        inputs = _read_inputs(config, out_dir, prev, full=full)
        documents, turns, kept_waves = _keep_other_waves(prev, inputs.documents, inputs.turns)
        rejected, file_state, result.n_files_reused = inputs.rejected, inputs.state, inputs.n_files_reused
        result.stale, result.n_stale = inputs.stale, len(inputs.stale)
        with_text = turns.loc[turns["text"].str.len() > 0, "doc_id"]
        result.n_empty = int((~documents["doc_id"].isin(with_text)).sum())

    base_model = resolve_model(config.model)  # checks the model is installed without loading it
    spec = PipelineSpec(model=config.model, codebooks=tuple(config.codebooks), tagger=config.tagger,
                        threshold=config.threshold)
    if engine == "local" and _likely_workers(config, turns, workers) > 1:
        warm_workers(spec)  # the workers' pipeline is built in the background meanwhile
    with _stage(result, "fingerprint"):
        fingerprints = _doc_fingerprints(turns, analysis_fingerprint(config, base_model))

    try:
        with StoreWriter(out_dir, from_previous=_few_changed(prev.get("doc_state"), fingerprints, full)) as w:
            result.store_written = "changed rows" if w.from_previous else "whole"
            log.info("store: %s", "a copy of the previous one, only the changed rows written" if w.from_previous
                     else "written anew")
            with _stage(result, "analyse"):
                workers = _analyse(config, w, turns, fingerprints, result, spec, full=full, workers=workers,
                                   engine=engine, scheduler=scheduler, progress=progress)
            result.kept_waves = kept_waves
            result.n_analysed = int(documents["doc_id"].nunique()) - result.n_reused
            with _stage(result, "store"):
                w.replace("documents", documents)
                w.replace("turns", turns)
                w.replace("rejected", rejected)
                w.replace("doc_state", fingerprints)
                w.replace(STATE_TABLE, file_state)
            compare_key = _compare_key(config)
            with _stage(result, "compare"):
                if full or not _reuse_compare(w, documents, result, compare_key):
                    _compare(config, w)
            if not result.compare_reused:
                with _stage(result, "dashboard"):
                    _prepare_dashboard(w)

            result.n_documents = len(documents)
            result.n_turns = len(turns)
            result.n_sentences = w.count("sentences")
            result.n_tags = w.count("tags")
            result.n_rejected = len(rejected)
            result.rejected = rejected
            result.seconds = time.perf_counter() - t0
            runs = w.read_previous("runs")
            row = _run_row(config, result, started, base_model, engine, workers, full)
            w.replace("runs", pd.concat([runs, row], ignore_index=True) if runs is not None else row)
            w.replace("meta", pd.DataFrame({"key": ["name", "cxaudit_version", "last_run", "compare_key",
                                                    "min_participants"],
                                            "value": [config.name, __version__, result.run_id, compare_key,
                                                      str(config.min_participants)]}))
            if inputs.mapping is not None:  # written last: a run that fails earlier changes nothing
                _write_private(out_dir, inputs.mapping)
            t_commit = time.perf_counter()
        result.stage_seconds["commit"] = round(time.perf_counter() - t_commit, 3)
        log.info("stage commit: %.2f s", result.stage_seconds["commit"])
        write_csv_atomic(out_dir / "rejected.csv", rejected[["path", "line", "reason"]])
        if rerun_key:
            _write_rerun_manifest(out_dir, rerun_key, deps, result, inputs, config)
    except (OSError, duckdb.IOException) as exc:
        raise _write_failed(out_dir, exc) from exc
    except duckdb.Error as exc:
        if is_disk_full(exc):
            raise _write_failed(out_dir, exc) from exc
        raise
    return result


def _few_changed(previous: pd.DataFrame | None, fingerprints: pd.DataFrame, full: bool) -> bool:
    """True when the documents to analyse (new or changed fingerprint) and to remove are at most
    :data:`FROM_PREVIOUS_MAX_SHARE` of the previous run's ``doc_state`` rows (not with ``full``)."""
    if full or previous is None or previous.empty:
        return False
    before = dict(zip(previous["doc_id"].astype(str), previous["fingerprint"].astype(str)))
    now = dict(zip(fingerprints["doc_id"].astype(str), fingerprints["fingerprint"].astype(str)))
    changed = sum(before.get(doc) != fp for doc, fp in now.items()) + len(before.keys() - now.keys())
    return changed <= FROM_PREVIOUS_MAX_SHARE * len(before)


def _rerun_snapshot(config: AuditConfig, out_dir: Path) -> dict | None:
    """The identities of what this run depends on (:mod:`cxaudit.run.rerun`), or None when an input
    cannot be listed (such a run writes no manifest)."""
    from cxaudit.ingest.base import IngestError
    from .incremental import dependencies
    from cxaudit._models import resolve_model
    from .rerun import snapshot

    try:
        files, trees = dependencies(config, resolve_model(config.model))
        return snapshot(files, trees, skip=(out_dir, private_dir(out_dir)))
    except (IngestError, OSError, ValueError) as exc:
        log.debug("no rerun manifest: %s", exc)
        return None


def _write_rerun_manifest(out_dir: Path, key: str, deps: dict | None, result: RunResult, inputs: "_Inputs",
                          config: AuditConfig) -> None:
    """Record what this run depended on and printed, for the next run to see that nothing changed; none
    after a run that met an unreadable input (the next one reads it again). A manifest that cannot be
    written is removed: the next run then runs as usual."""
    from .rerun import remove_manifest, write_manifest
    from cxaudit.store import store_path

    if deps is None or result.n_stale or inputs.n_unreadable:
        remove_manifest(out_dir)
        return
    rejected = [[str(r.path), None if pd.isna(r.line) else int(r.line), str(r.reason)]
                for r in result.rejected.head(20).itertuples()]
    summary = {"run_id": result.run_id, "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
               "n_documents": result.n_documents, "n_turns": result.n_turns, "n_sentences": result.n_sentences,
               "n_tags": result.n_tags, "n_empty": result.n_empty, "n_rejected": result.n_rejected,
               "rejected": rejected, "redact": bool(config.redact), "exit_code": result.exit_code}
    outputs = [store_path(out_dir), out_dir / "rejected.csv", private_dir(out_dir) / _MAP_FILE]
    try:
        write_manifest(out_dir, key, deps, outputs, summary)
    except OSError as exc:
        log.debug("no rerun manifest: %s", exc)
        remove_manifest(out_dir)


def _workers_for(config: AuditConfig, n_turns: int, workers: int | None) -> int:
    """Worker processes for ``n_turns`` turns to analyse: ``workers``, else ``workers:`` in audit.yml,
    else every core from :data:`AUTO_PARALLEL_TURNS` turns on and one below."""
    if workers is None:
        workers = config.workers
    if workers is None:
        workers = (os.cpu_count() or 1) if n_turns >= AUTO_PARALLEL_TURNS else 1
    return workers


def _likely_workers(config: AuditConfig, turns: pd.DataFrame, workers: int | None) -> int:
    """The workers a run will probably use, known before unchanged documents are counted out."""
    return _workers_for(config, len(analysed_turns(turns)), workers)


def _analyse(config: AuditConfig, w: StoreWriter, turns: pd.DataFrame, fingerprints: pd.DataFrame,
             result: RunResult, spec: PipelineSpec, *, full: bool, workers: int | None, engine: str,
             scheduler: str | None, progress: Callable[[int, int], None] | None) -> int:
    """Copy the analysis rows of unchanged documents from the previous store and analyse the others
    batch by batch into ``w``. Returns the number of workers used."""
    prev = None if full else w.read_previous("doc_state")
    if prev is not None and not prev.empty:
        merged = fingerprints.merge(prev[["doc_id", "fingerprint"]], on="doc_id", suffixes=("", "_prev"))
        reused = merged.loc[merged["fingerprint"] == merged["fingerprint_prev"], "doc_id"].tolist()
        result.n_removed = int((~prev["doc_id"].isin(fingerprints["doc_id"])).sum())
    else:
        reused = []
    for name in _ANALYSIS_TABLES:
        w.copy_previous(name, reused)
    w.ensure_tables(_ANALYSIS_TABLES)
    reused_set = set(reused)
    result.n_reused = len(reused_set)
    todo = turns[~turns["doc_id"].isin(reused_set)]
    total = len(analysed_turns(todo))
    workers = _workers_for(config, total, workers)
    done = 0
    if progress and total:
        progress(0, total)  # the bar starts with the analysis, not after its first batch (its rate is then true)
    batches_out = process(todo, spec, workers=workers, batch_size=config.batch_size, engine=engine,
                          scheduler=scheduler) if total else ()  # nothing new: no pipeline to build
    for tables in batches_out:
        w.append("sentences", tables.sentences)
        w.append("feelings", tables.feelings)
        w.append("tags", tables.tags)
        done += tables.n_turns
        if progress:
            progress(done, total)
    return workers


_COMPARE_TABLES = ("gaps", "motif", "scorecards", "nps", "drivers", "waves", "clue_map")


def _dashboard_tables() -> tuple[str, ...]:
    """The tables ``cxaudit.publish.dashboard.prepare`` writes (copied with the compare tables when nothing changed)."""
    from cxaudit.publish.dashboard.precompute import PREPARED_TABLES, STATE_TABLES

    return PREPARED_TABLES + STATE_TABLES


def _compare_key(config: AuditConfig) -> str:
    """Hash of what the compare stage reads besides the tables: desired.yml, codebooks, version."""
    from cxaudit.clues.codebook import load_codebook

    parts = {"version": __version__, "desired": _file_digest(config.desired) if config.desired else None,
             "codebooks": [_file_digest(load_codebook(ref).path) for ref in config.codebooks]}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _reuse_compare(w: StoreWriter, documents: pd.DataFrame, result: RunResult, compare_key: str) -> bool:
    """Copy the previous compare and dashboard tables when nothing they depend on changed: no document
    analysed, added or removed, the same documents table, and the same desired file and codebooks."""
    if result.n_analysed or result.n_removed or not set(_COMPARE_TABLES) <= w.previous_tables():
        return False
    meta = w.read_previous("meta")
    if meta is None or compare_key not in set(meta.loc[meta["key"] == "compare_key", "value"]):
        return False
    before = w.read_previous("documents")
    if before is None or len(before) != len(documents):
        return False
    cols = list(documents.columns)
    same = validate(before, DOCUMENTS).sort_values(cols).reset_index(drop=True).equals(
        documents.sort_values(cols).reset_index(drop=True))
    if not same:
        return False
    for name in (*_COMPARE_TABLES, *_dashboard_tables()):
        w.copy_previous_table(name)
    result.compare_reused = True
    return True


def _prepare_dashboard(w: StoreWriter) -> None:
    """Precompute the dashboard's tables in the new store, so it opens fast on big audits."""
    from cxaudit.publish.dashboard.precompute import prepare

    prepare(w.con)


def _run_row(config, result, started, base_model, engine, workers, full) -> pd.DataFrame:
    from importlib.metadata import version  # spaCy's version without importing spaCy (a run may not need it)

    return pd.DataFrame([{
        "run_id": result.run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(result.seconds, 3),
        "cxaudit_version": __version__,
        "spacy_version": version("spacy"),
        "python_version": platform.python_version(),
        "model": base_model,
        "engine": engine,
        "workers": workers,
        "full": full,
        "config": config.path,
        "settings": json.dumps(config.settings(), sort_keys=True),
        "inputs": json.dumps([s.path for s in config.inputs]),
        "n_documents": result.n_documents,
        "n_turns": result.n_turns,
        "n_sentences": result.n_sentences,
        "n_tags": result.n_tags,
        "n_analysed": result.n_analysed,
        "n_reused": result.n_reused,
        "n_removed": result.n_removed,
        "n_files_reused": result.n_files_reused,
        "compare_reused": result.compare_reused,
        "store_written": result.store_written,
        "n_rejected": result.n_rejected,
        "n_empty": result.n_empty,
        "n_stale": result.n_stale,
        "stale": json.dumps(result.stale),
        "kept_waves": json.dumps(result.kept_waves),
        "stage_seconds": json.dumps(result.stage_seconds),
        "rejected": json.dumps(result.rejected[["path", "reason"]].astype(str).to_dict("records")),
    }])
