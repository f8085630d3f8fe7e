"""The commands that read a results folder: ``cxaudit export``, ``dashboard`` and ``report``.

Each loads its output module inside the function (``cxaudit --help`` imports none of them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from .base import fail, require_extra, setup_logging

__all__ = ["export", "dashboard", "report"]


def export(
    results: Path = typer.Argument(..., help="Results folder written by `cxaudit run`."),
    format: str = typer.Option("csv", "--format", "-f", help="csv, xlsx, parquet or qdpx."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file or folder."),
    table: Optional[List[str]] = typer.Option(None, help="Only these tables (repeatable)."),
) -> None:
    """Export the results tables (formula-safe CSV/XLSX, Parquet, or a REFI-QDA project)."""
    setup_logging(False)
    try:
        if format == "qdpx":
            _export_qdpx(results, out)
        else:
            # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
            from cxaudit.publish.export import export_store

            export_store(results, format, out, tables=table)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        fail(str(exc))
    typer.echo(f"wrote {out}")


def _export_qdpx(results: Path, out: Path) -> None:
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.clues.codebook import load_codebook
    from cxaudit.publish.qdpx import write_qdpx
    from cxaudit.store import list_tables, read_table

    runs = read_table(results, "runs")
    settings = json.loads(runs["settings"].iloc[-1]) if len(runs) else {}
    books = [load_codebook(ref) for ref in settings.get("codebooks", ["carbone-clues", "touchpoints"])]
    meta = dict(read_table(results, "meta").values) if "meta" in list_tables(results) else {}
    write_qdpx(out, documents=read_table(results, "documents"), turns=read_table(results, "turns"),
               sentences=read_table(results, "sentences"), tags=read_table(results, "tags"), codebooks=books,
               project_name=meta.get("name", "cxaudit audit"))


def dashboard(
    results: Path = typer.Argument(..., help="Results folder written by `cxaudit run`."),
    port: Optional[int] = typer.Option(None, help="Port [default: a free one]."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind (127.0.0.1 keeps it on this machine)."),
) -> None:
    """Serve the Voila dashboard over a results folder and print its URL."""
    require_extra("dashboard", "`cxaudit dashboard`")
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.publish.dashboard import serve

    if not (results / "cxaudit.duckdb").is_file():
        fail(f"{results} holds no results; run `cxaudit run … --out {results}` first")
    serve(results, host=host, port=port)


def report(
    results: Path = typer.Argument(..., help="Results folder written by `cxaudit run`."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
    min_participants: Optional[int] = typer.Option(
        None, "--min-participants", min=1,
        help="Dimensions voiced by fewer participants are 'small sample', never ranked [default: audit.yml, else 5]."),
) -> None:
    """Write a self-contained HTML report (opens from an e-mail attachment)."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.publish.report import write_report

    try:
        path = write_report(results, out, min_participants=min_participants)
    except FileNotFoundError as exc:
        fail(str(exc))
    typer.echo(f"wrote {path}")
