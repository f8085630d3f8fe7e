"""The command line's frame: the Typer app and its sub-apps, exit statuses, and the helpers every command uses.

The commands themselves live in ``running`` (``run``), ``tagging`` (codebooks, training, agreement,
manual coding), ``results`` (export, dashboard, report) and ``starting`` (``init``, ``demo``);
``cxaudit/cli/__init__.py`` registers them on :data:`app` in the order ``--help`` lists them.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from typer.core import TyperGroup

from cxaudit import __version__
from cxaudit._extras import MissingExtraError, require

__all__ = ["app", "codebook_app", "coding_app", "main", "fail", "require_extra", "setup_logging", "EXIT_OK",
           "EXIT_USAGE", "EXIT_REJECTED", "EXIT_BUSY", "EXIT_WRITE", "EXIT_INTERRUPTED"]

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


def fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def require_extra(extra: str, what: str) -> None:
    """Stop with one line naming the install command when the optional ``extra`` is missing."""
    try:
        require(extra, what)
    except MissingExtraError as exc:
        fail(str(exc))


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"cxaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                       help="Show cxaudit's version and exit.")) -> None:
    """Experience audits and clue scanning of customer interviews and comments."""


def setup_logging(quiet: bool, verbose: bool = False) -> None:
    logging.basicConfig(level=logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)


def main() -> None:  # pragma: no cover - console entry
    app()
