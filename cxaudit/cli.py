"""The ``cxaudit`` command line (Typer). Each command parses arguments and calls the package.

Exit status (``docs/workflow.md`` has the table): 0 success; 1 usage or configuration error
(the message says what to fix; nothing written); 2 the run finished but some input was
rejected or unreadable (see rejected.csv); 3 the results folder is in use by another run;
4 the results could not be written (disk full …; the previous results are intact);
130 interrupted by Ctrl-C or SIGTERM (the previous results are intact).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from .errors import CxauditError

#: The command-line parser's usage error (typer bundles its own copy of click: take the class it raises).
_UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

EXIT_OK, EXIT_USAGE, EXIT_REJECTED, EXIT_BUSY, EXIT_WRITE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


class _Commands(TyperGroup):
    """The top-level command group: usage errors (unknown option, missing argument) exit 1, as
    documented, not click's 2 (which cxaudit keeps for "some input rejected")."""

    def main(self, args=None, *rest, **kwargs):
        self._raw_args = list(sys.argv[1:] if args is None else args)
        return super().main(args, *rest, **kwargs)

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except _UsageError as exc:
            raise self._usage(exc) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _UsageError as exc:
            raise self._usage(exc) from None

    def _usage(self, exc):
        """``exc`` with exit status 1 and, for a file name read as an option, how to write it."""
        exc.exit_code = EXIT_USAGE
        dashed = [a for a in getattr(self, "_raw_args", []) if a.startswith("-") and len(a) > 2 and Path(a).exists()]
        if type(exc).__name__ == "NoSuchOption" and dashed:
            exc.message += (f"\n'{dashed[0]}' is a file whose name starts with '-': write it as ./{dashed[0]}, "
                            f"or put -- before the file names")
        return exc


app = typer.Typer(
    cls=_Commands,
    name="cxaudit",
    help="Experience audits and clue scanning of customer interviews and comments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain text: "[default: …]" and "cxaudit[finetune]" stay as written
)
codebook_app = typer.Typer(help="List, show, check and export codebooks.", no_args_is_help=True,
                           rich_markup_mode=None)
coding_app = typer.Typer(help="Manual coding round trip: export sentences for correction, import them back.",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(codebook_app, name="codebook")
app.add_typer(coding_app, name="coding")

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _require_extra(extra: str, what: str) -> None:
    """Stop with one line naming the install command when the optional ``extra`` is missing."""
    from ._extras import MissingExtraError, require

    try:
        require(extra, what)
    except MissingExtraError as exc:
        _fail(str(exc))


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"cxaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                       help="Show cxaudit's version and exit.")) -> None:
    """Experience audits and clue scanning of customer interviews and comments."""


def _setup_logging(quiet: bool, verbose: bool = False) -> None:
    logging.basicConfig(level=logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)


def _config_from_args(inputs: list[str], config: Optional[Path], **opts):
    from .config import AuditConfig, ConfigError, load_audit
    from .ingest.spec import InputSpec

    if config is None and len(inputs) == 1 and inputs[0].endswith((".yml", ".yaml")):
        config, inputs = Path(inputs[0]), []
    overrides = {k: v for k, v in opts.items() if v is not None}
    try:
        if config is not None:
            if inputs:
                _fail("give either --config audit.yml or input files, not both")
            return load_audit(config, **overrides)
    except ConfigError as exc:
        _fail(f"{exc}\nFix the audit file and run again.")
    if not inputs:
        _fail("no inputs: give files or folders to read, or --config audit.yml (see `cxaudit run --help`)")
    spec_keys = ("kind", "text_column", "id_column", "score_column", "meta_columns")
    spec_opts = {k: overrides.pop(k) for k in spec_keys if k in overrides}
    specs = [InputSpec(path=str(Path(p).resolve()), base_dir=str(Path.cwd()), **spec_opts) for p in inputs]
    return AuditConfig(inputs=specs, **overrides)


@app.command()
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
    _setup_logging(quiet, verbose)
    rerun_key = None
    out_dir = out if out is not None else _default_out(inputs or [], config)
    if out_dir is not None:
        from cxaudit.run.rerun import run_key

        rerun_key = run_key({
            "inputs": list(inputs or []), "config": config, "out": out_dir, "text_column": text_column,
            "id_column": id_column, "score_column": score_column, "meta_column": meta_column, "kind": kind,
            "wave": wave, "model": model, "codebook": codebook, "desired": desired, "tagger": tagger,
            "threshold": threshold, "redact": redact})
        if not full:
            _exit_if_unchanged(out_dir, rerun_key, quiet=quiet, wait=wait)
    cfg = _config_from_args(
        inputs or [], config, text_column=text_column, id_column=id_column, score_column=score_column,
        meta_columns=meta_column or None, kind=kind, wave=wave, model=model,
        codebooks=codebook or None, desired=str(desired.resolve()) if desired else None,
        tagger=str(tagger.resolve()) if tagger else None, threshold=threshold, redact=redact,
    )
    if out is None:
        if cfg.path is None:
            _fail("--out DIR is required when no audit.yml is given")
        out = cfg.base_dir / "results"
    if engine not in ("local", "dask"):
        _fail(f"--engine must be local or dask, not {engine!r}")
    if engine == "dask":
        _require_extra("dask", "`cxaudit run --engine dask`")
    from .config import ConfigError
    from cxaudit.run.pipeline import run_audit
    from .store import ResultsBusy, WriteFailed

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:  # made at the first batch, so that messages before the analysis print cleanly
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
        from .store import store_path

        kept = (f"the previous results in {out} are kept" if store_path(out).is_file()
                else f"nothing was written to {out}")
        _fail(f"interrupted; {kept}", EXIT_INTERRUPTED)
    except ConfigError as exc:
        _fail(f"{exc}\nThe previous results in {out} are untouched." if Path(out).is_dir() else str(exc))
    except ResultsBusy as exc:
        _fail(str(exc), EXIT_BUSY)
    except WriteFailed as exc:
        _fail(str(exc), EXIT_WRITE)
    except (CxauditError, ValueError, FileNotFoundError) as exc:  # any other error of cxaudit's: its message
        _fail(str(exc))
    finally:
        if bar is not None:
            bar.close()
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
        from .store import private_dir

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
    from cxaudit.run.rerun import MANIFEST, unchanged

    if not (Path(out) / MANIFEST).is_file():
        return
    from .store import ResultsBusy, ResultsLock

    try:
        with ResultsLock(out, wait=wait):  # a run writing there now decides what the results are
            summary = unchanged(out, key)
    except ResultsBusy as exc:
        _fail(str(exc), EXIT_BUSY)
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


@contextmanager
def _sigterm_as_interrupt():
    """Within the block, SIGTERM (sent by ``timeout``, systemd, ``docker stop``) raises
    KeyboardInterrupt like Ctrl-C, so the run cleans up the same way; the handler is restored after."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command()
def export(
    results: Path = typer.Argument(..., help="Results folder written by `cxaudit run`."),
    format: str = typer.Option("csv", "--format", "-f", help="csv, xlsx, parquet or qdpx."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file or folder."),
    table: Optional[List[str]] = typer.Option(None, help="Only these tables (repeatable)."),
) -> None:
    """Export the results tables (formula-safe CSV/XLSX, Parquet, or a REFI-QDA project)."""
    _setup_logging(False)
    try:
        if format == "qdpx":
            _export_qdpx(results, out)
        else:
            from cxaudit.publish.export import export_store

            export_store(results, format, out, tables=table)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        _fail(str(exc))
    typer.echo(f"wrote {out}")


def _export_qdpx(results: Path, out: Path) -> None:
    from .clues.codebook import load_codebook
    from cxaudit.publish.qdpx import write_qdpx
    from .store import list_tables, read_table

    runs = read_table(results, "runs")
    settings = json.loads(runs["settings"].iloc[-1]) if len(runs) else {}
    books = [load_codebook(ref) for ref in settings.get("codebooks", ["carbone-clues", "touchpoints"])]
    meta = dict(read_table(results, "meta").values) if "meta" in list_tables(results) else {}
    write_qdpx(out, documents=read_table(results, "documents"), turns=read_table(results, "turns"),
               sentences=read_table(results, "sentences"), tags=read_table(results, "tags"), codebooks=books,
               project_name=meta.get("name", "cxaudit audit"))


@codebook_app.command("list")
def codebook_list() -> None:
    """List the bundled codebooks."""
    from .clues.codebook import list_codebooks

    typer.echo(list_codebooks().to_string(index=False))


@codebook_app.command("show")
def codebook_show(name: str = typer.Argument(..., help="Bundled name or path.")) -> None:
    """Show a codebook's codes, clue types and patterns."""
    from .clues.cli_helpers import codebook_report
    from .clues.codebook import CodebookError, load_codebook

    try:
        typer.echo(codebook_report(load_codebook(name)))
    except (CodebookError, FileNotFoundError) as exc:
        _fail(str(exc))


@codebook_app.command("check")
def codebook_check(path: Path = typer.Argument(..., help="Codebook YAML file.")) -> None:
    """Validate a codebook file; lists every problem with its line."""
    from .clues.cli_helpers import check_codebook

    problems = check_codebook(path)
    if problems:
        for p in problems:
            typer.echo(p, err=True)
        raise typer.Exit(1)
    typer.echo(f"{path}: ok")


@codebook_app.command("export")
def codebook_export(
    name: str = typer.Argument(..., help="Bundled name or path."),
    out: Path = typer.Option(..., "--out", "-o", help=".csv or .xlsx"),
) -> None:
    """Export a codebook as a readable table."""
    from .clues.codebook import CodebookError, load_codebook
    from cxaudit.publish.export import neutralise_formulas
    from .store import atomic_write_bytes

    try:
        frame = neutralise_formulas(load_codebook(name).to_frame())
    except (CodebookError, FileNotFoundError) as exc:
        _fail(str(exc))
    if out.suffix.lower() == ".xlsx":
        import io

        buf = io.BytesIO()
        frame.to_excel(buf, index=False)
        atomic_write_bytes(out, buf.getvalue())
    else:
        atomic_write_bytes(out, frame.to_csv(index=False).encode("utf-8"))
    typer.echo(f"wrote {out}")


@app.command()
def train(
    coded: Path = typer.Argument(..., help="Coded sentences (CSV/JSONL: text, code[, polarity])."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the trained tagger."),
    codebook: Optional[List[str]] = typer.Option(None, help="Codebook(s) the codes come from (for clue types)."),
    seed: int = typer.Option(0, help="Random seed."),
    unlabelled: Optional[Path] = typer.Option(
        None, "--unlabelled", help="Uncoded sentences to learn word clusters from: .txt (one per line), "
                                   "CSV/JSONL/XLSX with a text column, or a results folder."),
    encoder: Optional[str] = typer.Option(
        None, "--encoder", help="Pretrained sentence encoder (needs pip install 'cxaudit[encoder]'): a folder "
                                "in the Hugging Face layout (config.json, tokenizer.json or vocab.txt, "
                                "model.safetensors), a hub model pinned to a commit, ORG/NAME@COMMIT, read "
                                "from the Hugging Face cache (never downloaded at run time), or 'minilm' "
                                "(all-MiniLM-L6-v2, 22 M parameters, ~115 sentences/s per core) or 'mpnet' "
                                "(all-mpnet-base-v2, 110 M parameters, more accurate, ~16 sentences/s per "
                                "core), the official releases at pinned commits. Its vectors become "
                                "features, or with --fine-tune it is fine-tuned."),
    fine_tune: bool = typer.Option(
        False, "--fine-tune", help="Fine-tune the encoder (default minilm) on your coding instead of using its "
                                   "vectors as they are: the most accurate tagger, a few minutes to train, "
                                   "needs JAX (pip install 'cxaudit[finetune]')."),
    epochs: int = typer.Option(4, "--epochs", min=1, help="Fine-tuning epochs."),
    blend: Optional[float] = typer.Option(
        None, "--blend", min=0.0, max=1.0, help="Weight of the fine-tuned model against the SVMs for codes "
                                                "(default: chosen per encoder, see docs/clues-learned.md)."),
    polarity_blend: Optional[float] = typer.Option(
        None, "--polarity-blend", min=0.0, max=1.0, help="The same weight for polarity."),
    polarity_head: Optional[str] = typer.Option(
        None, "--polarity-head", help="With --fine-tune, where a code's polarity comes from: 'attention' (the "
                                      "sentence read once, attention per code), 'pair' (the sentence read "
                                      "again with the code's name: more accurate, about twice the time) or "
                                      "'both' (their mean). Default: attention. With --encoder mpnet, 'pair' "
                                      "is the most accurate (see docs/clues-learned.md)."),
) -> None:
    """Train a tagger on your own coded sentences (multi-label codes and their polarity)."""
    _setup_logging(False)
    if fine_tune:  # minutes of work: show each epoch as it ends
        logging.getLogger("cxaudit.clues.learned.finetune").setLevel(logging.INFO)
    from .clues.learned import LearnedTagger, LearnedTaggerConfig, load_coded

    try:
        config = LearnedTaggerConfig(seed=seed, codebooks=tuple(codebook or ()), encoder=encoder, fine_tune=fine_tune,
                                     epochs=epochs, blend=blend, polarity_blend=polarity_blend,
                                     polarity_head=polarity_head)
        tagger = LearnedTagger(config).fit(load_coded(coded), unlabelled=unlabelled)
        tagger.save(out)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    typer.echo(tagger.report_.summary())
    typer.echo(f"tagger saved to {out}; use it with `cxaudit run … --tagger {out}`")


@app.command()
def agree(
    a: Path = typer.Argument(..., help="Reference coding (CSV: sentence_id, code)."),
    b: Path = typer.Argument(..., help="Other coding (CSV: sentence_id, code)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the table to this CSV."),
) -> None:
    """Agreement between two codings: per-code Cohen's kappa, Krippendorff's alpha, P/R/F1."""
    import pandas as pd

    from .clues.agree import agreement

    try:
        table = agreement(pd.read_csv(a, dtype=str), pd.read_csv(b, dtype=str))
    except (ValueError, KeyError, FileNotFoundError) as exc:
        _fail(str(exc))
    if out:
        from .store import write_csv_atomic

        write_csv_atomic(out, table)
    typer.echo(table.to_string(index=False))


@coding_app.command("export")
def coding_export(
    results: Path = typer.Argument(..., help="Results folder."),
    out: Path = typer.Option(..., "--out", "-o", help=".csv or .xlsx for the researcher to correct."),
) -> None:
    """Export sentences with their tags for manual correction."""
    from .clues.coding import export_for_coding
    from .store import read_table

    export_for_coding(read_table(results, "sentences"), read_table(results, "tags"), out)
    typer.echo(f"wrote {out}")


@coding_app.command("import")
def coding_import(
    corrected: Path = typer.Argument(..., help="The corrected file."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV of manual tags (method=manual)."),
) -> None:
    """Import a corrected coding file as manual tags (also usable as training data)."""
    from .clues.coding import import_coding
    from .store import write_csv_atomic

    try:
        tags = import_coding(corrected)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    write_csv_atomic(out, tags)
    typer.echo(f"{len(tags)} manual tags written to {out}")


@app.command()
def dashboard(
    results: Path = typer.Argument(..., help="Results folder written by `cxaudit run`."),
    port: Optional[int] = typer.Option(None, help="Port [default: a free one]."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind (127.0.0.1 keeps it on this machine)."),
) -> None:
    """Serve the Voila dashboard over a results folder and print its URL."""
    _require_extra("dashboard", "`cxaudit dashboard`")
    from cxaudit.publish.dashboard import serve

    if not (results / "cxaudit.duckdb").is_file():
        _fail(f"{results} holds no results; run `cxaudit run … --out {results}` first")
    serve(results, host=host, port=port)


@app.command()
def report(
    results: Path = typer.Argument(..., help="Results folder written by `cxaudit run`."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
    min_participants: Optional[int] = typer.Option(
        None, "--min-participants", min=1,
        help="Dimensions voiced by fewer participants are 'small sample', never ranked [default: audit.yml, else 5]."),
) -> None:
    """Write a self-contained HTML report (opens from an e-mail attachment)."""
    from cxaudit.publish.report import write_report

    try:
        path = write_report(results, out, min_participants=min_participants)
    except FileNotFoundError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {path}")


@app.command()
def init(directory: Path = typer.Argument(..., help="Folder for the new audit.")) -> None:
    """Scaffold a new audit: audit.yml, desired.yml, an editable codebook, input and results folders."""
    from cxaudit.run.scaffold import init_audit

    try:
        made = init_audit(directory)
    except FileExistsError as exc:
        _fail(str(exc))
    for p in made:
        typer.echo(f"created {p}")
    typer.echo(f"next: put transcripts in {directory / 'inputs'} and run `cxaudit run {directory / 'audit.yml'}`")


def _sample_audit(data: Optional[Path]) -> Path:
    """The sample audit's ``audit.yml``: ``data`` (the folder or the file itself), else the first found of
    the source checkout's ``data/sample`` (editable install), ``data/sample`` under the current folder (a
    checkout with cxaudit installed from it) and a ``sample`` folder shipped inside the package."""
    if data is not None:
        audit = data / "audit.yml" if data.is_dir() else data
        if not audit.is_file():
            _fail(f"--data {data}: no audit.yml there (give the sample folder, e.g. data/sample, or an audit.yml)")
        return audit
    candidates = [SAMPLE_DIR, Path.cwd() / "data" / "sample", Path(__file__).resolve().parent / "sample"]
    for folder in candidates:
        if (folder / "audit.yml").is_file():
            return folder / "audit.yml"
    _fail("the sample audit is not installed with this copy of cxaudit (it is the folder data/sample of the "
          "source repository): run `cxaudit demo --data PATH/TO/data/sample`, or run from a checkout of the "
          f"repository (looked in: {', '.join(str(c) for c in candidates)})")


@app.command()
def demo(
    out: Path = typer.Option(Path("results/sample"), "--out", "-o", help="Results folder for the sample audit."),
    serve_dashboard: bool = typer.Option(True, "--serve/--no-serve", help="Serve the dashboard afterwards."),
    port: Optional[int] = typer.Option(None, help="Dashboard port [default: a free one]."),
    data: Optional[Path] = typer.Option(
        None, "--data", help="The sample folder (data/sample of the source repository) or an audit.yml "
                             "[default: data/sample of this checkout, or under the current folder]."),
) -> None:
    """Run the bundled sample audit (Harbour Bank, fictional) and serve its dashboard."""
    audit = _sample_audit(data)
    serve_dashboard = serve_dashboard and os.environ.get("CXAUDIT_NO_SERVE") != "1"
    if serve_dashboard:
        _require_extra("dashboard", "`cxaudit demo` (serving the dashboard; --no-serve needs no extra)")
    try:
        run(inputs=[], config=audit, out=out, text_column=None, id_column=None, score_column=None,
            meta_column=None, kind=None, wave=None, model=None, codebook=None, desired=None, tagger=None,
            threshold=None, redact=None, workers=None, engine="local", scheduler=None, full=False, wait=0,
            quiet=False, verbose=False)
    except typer.Exit as exc:
        if exc.exit_code not in (0, 2):
            raise
    report_path = out / "report.html"
    from cxaudit.publish.report import write_report

    write_report(out, report_path)
    typer.echo(f"report: {report_path.resolve()}")
    if serve_dashboard:
        dashboard(results=out, port=port, host="127.0.0.1")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
