"""``cxaudit run``: its options, the no-change rerun check, and what a run prints.

A rerun with nothing changed is answered here (:func:`exit_if_unchanged`) before spaCy, pandas or DuckDB
are imported: the stages load inside :func:`run` only after that check (issue 20), which is why
their imports stand in the functions.
"""

from __future__ import annotations

import atexit
import faulthandler
import gc
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer

from cxaudit.errors import CxauditError
from cxaudit.run.rerun import MANIFEST, previous_pipeline, run_key, unchanged
from cxaudit.store import ResultsBusy, ResultsLock, WriteFailed, private_dir, store_path

from .base import EXIT_BUSY, EXIT_INTERRUPTED, EXIT_REJECTED, EXIT_WRITE, fail, require_extra, setup_logging

__all__ = ["run"]


def _config_from_args(inputs: list[str], config: Optional[Path], **opts):
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.config import AuditConfig, ConfigError, load_audit
    from cxaudit.ingest.spec import InputSpec

    if config is None and len(inputs) == 1 and inputs[0].endswith((".yml", ".yaml")):
        config, inputs = Path(inputs[0]), []
    overrides = {k: v for k, v in opts.items() if v is not None}
    try:
        if config is not None:
            if inputs:
                fail("give either --config audit.yml or input files, not both")
            return load_audit(config, **overrides)
    except ConfigError as exc:
        fail(f"{exc}\nFix the audit file and run again.")
    if not inputs:
        fail("no inputs: give files or folders to read, or --config audit.yml (see `cxaudit run --help`)")
    spec_keys = ("kind", "text_column", "id_column", "score_column", "meta_columns")
    spec_opts = {k: overrides.pop(k) for k in spec_keys if k in overrides}
    specs = [InputSpec(path=str(Path(p).resolve()), base_dir=str(Path.cwd()), **spec_opts) for p in inputs]
    return AuditConfig(inputs=specs, **overrides)


def run(
    inputs: List[str] = typer.Argument(None, help="Files, folders or globs to read (or one audit.yml)."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Audit file (audit.yml)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Results folder [default: results/ beside audit.yml]."),
    text_column: Optional[str] = typer.Option(None, help="Comment tables: the column holding the text."),
    id_column: Optional[str] = typer.Option(None, help="Comment tables: the id column (becomes doc_id)."),
    score_column: Optional[str] = typer.Option(None, help="Comment tables: a 0–10 score column (e.g. NPS)."),
    meta_column: Optional[List[str]] = typer.Option(None, help="Comment tables: metadata column to keep (repeatable)."),
    kind: Optional[str] = typer.Option(None, help="Kind of document: interview, comment, review, chat, …"),
    wave: Optional[str] = typer.Option(None, help="Wave label recorded for every document (e.g. 2026-Q3)."),
    model: Optional[str] = typer.Option(None, help="spaCy pipeline: auto, blank, or an installed name/path."),
    codebook: Optional[List[str]] = typer.Option(None, help="Codebook name or path (repeatable)."),
    desired: Optional[Path] = typer.Option(None, help="desired.yml (the experience motif and targets)."),
    tagger: Optional[Path] = typer.Option(None, help="A learned tagger made by `cxaudit train`."),
    threshold: Optional[float] = typer.Option(None, help="Learned tagger probability threshold."),
    redact: Optional[bool] = typer.Option(None, "--redact/--no-redact", help="Replace PII with placeholders."),
    workers: Optional[int] = typer.Option(
        None, help="Worker processes for the analysis [default: every core for big runs, else 1]."),
    engine: str = typer.Option("local", help="local or dask."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (tcp://HOST:PORT)."),
    full: bool = typer.Option(False, "--full", help="Re-analyse every document, ignoring the previous results."),
    wait: float = typer.Option(0, "--wait", min=0, help="Seconds to wait for another run writing to the same "
                                                        "results folder [default: 0, exit 3 at once]."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar; errors only."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each stage and its time."),
) -> None:
    """Read the inputs, analyse and tag them, compare with the desired experience, and store the results.

    Exit status: 0 every input read; 1 usage or configuration error (nothing written); 2 some input
    rejected or unreadable (the rest stored, see rejected.csv); 3 the results folder is in use by
    another run; 4 the results could not be written (disk full …); 130 interrupted (Ctrl-C, SIGTERM).
    In every failure the previous results are kept as they were.
    """
    setup_logging(quiet, verbose)
    rerun_key = None
    out_dir = out if out is not None else _default_out(inputs or [], config)
    if out_dir is not None:
        rerun_key = run_key({
            "inputs": list(inputs or []), "config": config, "out": out_dir, "text_column": text_column,
            "id_column": id_column, "score_column": score_column, "meta_column": meta_column, "kind": kind,
            "wave": wave, "model": model, "codebook": codebook, "desired": desired, "tagger": tagger,
            "threshold": threshold, "redact": redact})
        if not full:
            _exit_if_unchanged(out_dir, rerun_key, quiet=quiet, wait=wait)
            if engine == "local":
                _warm_previous_pipeline(out_dir, rerun_key)
    cfg = _config_from_args(
        inputs or [], config, text_column=text_column, id_column=id_column, score_column=score_column,
        meta_columns=meta_column or None, kind=kind, wave=wave, model=model,
        codebooks=codebook or None, desired=str(desired.resolve()) if desired else None,
        tagger=str(tagger.resolve()) if tagger else None, threshold=threshold, redact=redact,
    )
    if out is None:
        if cfg.path is None:
            fail("--out DIR is required when no audit.yml is given")
        out = cfg.base_dir / "results"
    if engine not in ("local", "dask"):
        fail(f"--engine must be local or dask, not {engine!r}")
    if engine == "dask":
        require_extra("dask", "`cxaudit run --engine dask`")
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.config import ConfigError
    from cxaudit.run.pipeline import run_audit

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:  # made at the first batch, so that messages before the analysis print cleanly
            # lazy: the progress bar's module loads only when a run analyses something
            from tqdm.auto import tqdm

            bar = tqdm(total=total, unit="turn", desc="analysing", leave=False)
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        with _sigterm_as_interrupt():
            result = run_audit(cfg, out, full=full, workers=workers, engine=engine, scheduler=scheduler,
                               progress=progress, wait=wait, rerun_key=rerun_key)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()

        kept = (f"the previous results in {out} are kept" if store_path(out).is_file()
                else f"nothing was written to {out}")
        fail(f"interrupted; {kept}", EXIT_INTERRUPTED)
    except ConfigError as exc:
        fail(f"{exc}\nThe previous results in {out} are untouched." if Path(out).is_dir() else str(exc))
    except ResultsBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except WriteFailed as exc:
        fail(str(exc), EXIT_WRITE)
    except (CxauditError, ValueError, FileNotFoundError) as exc:  # any other error of cxaudit's: its message
        fail(str(exc))
    finally:
        if bar is not None:
            bar.close()
    _exit_without_collecting()
    if not quiet:
        _print_counts(out, result.n_documents, result.n_turns, result.n_sentences, result.n_tags,
                      f"{result.n_analysed} analysed, {result.n_reused} unchanged, {result.n_removed} removed",
                      f" in {result.seconds:.1f} s", n_empty=result.n_empty, redact=cfg.redact)
    if result.n_stale:
        typer.secho(f"{result.n_stale} document(s) kept from the previous run because their file or folder "
                    "could not be read (stale)", fg=typer.colors.YELLOW, err=True)
    if result.n_rejected:
        rows = [(row.path, None if row.line is None or str(row.line) == "<NA>" else row.line, row.reason)
                for row in result.rejected.head(20).itertuples()]
        _print_rejected(out, result.n_rejected, rows)
        raise typer.Exit(EXIT_REJECTED)


def _print_counts(out: Path, n_documents: int, n_turns: int, n_sentences: int, n_tags: int, what: str, took: str,
                  *, n_empty: int, redact: bool) -> None:
    """What a run stored and where (a run's, or the last run's when nothing changed)."""
    typer.echo(f"{n_documents} documents, {n_turns} turns, {n_sentences} sentences, {n_tags} tags ({what}){took}")
    if n_empty:
        typer.echo(f"{n_empty} empty answer{'s' if n_empty != 1 else ''} "
                   "(a score or metadata without a comment): stored, their scores count")
    typer.echo(f"results: {Path(out).resolve() / 'cxaudit.duckdb'}")
    if redact:
        typer.echo(f"redaction map (keep it private, do not share): {private_dir(out) / 'redaction-map.csv'}")


def _print_rejected(out: Path, n_rejected: int, rows) -> None:
    """The input problems of a run, ``rows`` as (path, line or None, reason), to stderr."""
    typer.secho(f"{n_rejected} input problem(s); see {Path(out) / 'rejected.csv'}:", fg=typer.colors.YELLOW, err=True)
    for path, line, reason in rows:
        typer.echo(f"  {path}:{line}: {reason}" if line is not None else f"  {path}: {reason}", err=True)


def _default_out(inputs: list[str], config: Optional[Path]) -> Optional[Path]:
    """The results folder ``run`` writes to without --out: ``results/`` beside the audit file (None
    without one: the run then stops with the usual message)."""
    if config is None:
        if len(inputs) != 1 or not inputs[0].endswith((".yml", ".yaml")):
            return None
        config = Path(inputs[0])
    elif inputs:
        return None  # both: the usual run says what is wrong
    return config.parent / "results"


def _exit_if_unchanged(out: Path, key: str, *, quiet: bool, wait: float) -> None:
    """Stop here, before spaCy, pandas or DuckDB are imported and without opening the store, when the
    last run into ``out`` had the same options and nothing it depended on changed since
    (:mod:`cxaudit.run.rerun`): say so, repeat what that run reported, and exit with its status."""
    if not (Path(out) / MANIFEST).is_file():
        return

    try:
        with ResultsLock(out, wait=wait):  # a run writing there now decides what the results are
            summary = unchanged(out, key)
    except ResultsBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except OSError:  # the usual run reports what is wrong with the folder
        return
    if summary is None:
        return
    if not quiet:
        typer.echo(f"nothing changed since the last run ({summary['finished']}): no input, setting or result "
                   f"file is different, so nothing was read, analysed or written (--full analyses everything "
                   f"again)")
        _print_counts(out, summary["n_documents"], summary["n_turns"], summary["n_sentences"], summary["n_tags"],
                      f"0 analysed, {summary['n_documents']} unchanged, 0 removed", "",
                      n_empty=summary["n_empty"], redact=summary["redact"])
    if summary["n_rejected"]:
        _print_rejected(out, summary["n_rejected"], summary["rejected"])
    raise typer.Exit(summary["exit_code"])


def _warm_previous_pipeline(out: Path, key: str) -> None:
    """Something changed: start loading the previous run's pipeline in the fork server now, while this
    process imports its stages and reads the settings and inputs (:mod:`cxaudit.run.warm`)."""
    pipeline = previous_pipeline(out, key)
    if pipeline is not None and store_path(out).is_file():
        # lazy: only a rerun starts the server this early (the module imports no stage)
        from cxaudit.run import warm

        warm.start(pipeline["model"], pipeline["codebooks"], pipeline["tagger"])


def _exit_without_collecting() -> None:
    """When this process exits, let it skip the garbage collections of its last moments.

    After a run that analysed or compared, the process holds pandas, NumPy, PyArrow, DuckDB and SciPy:
    hundreds of thousands of objects that the collector would traverse again and again while the
    interpreter tears its modules down (about 0.1 s of a rerun's 2 s). Freezing them at exit
    (:func:`gc.freeze`, as the last exit handler registered, so the first to run) leaves the teardown
    otherwise as it is: the other exit handlers run, objects are released, files flushed and closed;
    only objects in reference cycles are left to the operating system. Everything the run writes is
    closed before this point. Registered once per process; in a process that goes on (a test calling
    the command), it acts only when that process exits."""
    global _FREEZE_AT_EXIT
    if not _FREEZE_AT_EXIT:
        _FREEZE_AT_EXIT = True
        atexit.register(gc.freeze)


_FREEZE_AT_EXIT = False


@contextmanager
def _sigterm_as_interrupt():
    """Within the block, SIGTERM (sent by ``timeout``, systemd, ``docker stop``) raises
    KeyboardInterrupt like Ctrl-C, so the run cleans up the same way; and SIGUSR2 prints the stack of
    every thread of the run to stderr and lets it go on (``kill -USR2 PID``: where a run that seems stuck
    is). The handlers are restored after."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    stacks = hasattr(signal, "SIGUSR2") and hasattr(faulthandler, "register")
    if stacks:
        try:
            faulthandler.register(signal.SIGUSR2, all_threads=True)
        except (AttributeError, OSError, ValueError):  # stderr is no file (an in-process test runner)
            stacks = False
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if stacks:
            faulthandler.unregister(signal.SIGUSR2)
