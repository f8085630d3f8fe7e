"""The commands that start an audit: ``cxaudit init`` (a new one) and ``cxaudit demo`` (the sample one).

:data:`SAMPLE_DIR` is where ``demo`` looks first for the sample audit (a source checkout's ``data/sample``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from .base import fail, require_extra
from .results import dashboard
from .running import run

__all__ = ["init", "demo", "SAMPLE_DIR"]

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"


def init(directory: Path = typer.Argument(..., help="Folder for the new audit.")) -> None:
    """Scaffold a new audit: audit.yml, desired.yml, an editable codebook, input and results folders."""
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.run.scaffold import init_audit

    try:
        made = init_audit(directory)
    except FileExistsError as exc:
        fail(str(exc))
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
            fail(f"--data {data}: no audit.yml there (give the sample folder, e.g. data/sample, or an audit.yml)")
        return audit
    candidates = [SAMPLE_DIR, Path.cwd() / "data" / "sample", Path(__file__).resolve().parents[1] / "sample"]
    for folder in candidates:
        if (folder / "audit.yml").is_file():
            return folder / "audit.yml"
    fail("the sample audit is not installed with this copy of cxaudit (it is the folder data/sample of the "
          "source repository): run `cxaudit demo --data PATH/TO/data/sample`, or run from a checkout of the "
          f"repository (looked in: {', '.join(str(c) for c in candidates)})")


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
        require_extra("dashboard", "`cxaudit demo` (serving the dashboard; --no-serve needs no extra)")
    try:
        run(inputs=[], config=audit, out=out, text_column=None, id_column=None, score_column=None,
            meta_column=None, kind=None, wave=None, model=None, codebook=None, desired=None, tagger=None,
            threshold=None, redact=None, workers=None, engine="local", scheduler=None, full=False, wait=0,
            quiet=False, verbose=False)
    except typer.Exit as exc:
        if exc.exit_code not in (0, 2):
            raise
    report_path = out / "report.html"
    # lazy: the stage loads when the command runs (`cxaudit --help`, --version, a no-change rerun load none)
    from cxaudit.publish.report import write_report

    write_report(out, report_path)
    typer.echo(f"report: {report_path.resolve()}")
    if serve_dashboard:
        dashboard(results=out, port=port, host="127.0.0.1")
