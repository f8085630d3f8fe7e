"""Redaction in a run, and the private map it leaves beside the results folder.

The placeholder → real value map of every run so far is read back (:func:`redact_inputs` keeps a name's
placeholder the same across runs) and written to ``DIR-private/`` (:func:`write_private`), never inside
the results folder, which can then be shared as it is.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cxaudit.config import AuditConfig
from cxaudit.redact import redact
from cxaudit.store import atomic_write_text, private_dir, remove_debris, write_csv_atomic

__all__ = ["MAP_FILE", "redact_inputs", "write_private"]

MAP_FILE = "redaction-map.csv"


_PRIVATE_README = (
    "This folder maps redaction placeholders back to real names, e-mail addresses and numbers of the\n"
    "results folder beside it. Keep it private: share the results folder, never this one.\n")


def _previous_mapping(out_dir: Path) -> pd.DataFrame | None:
    """The redaction map of earlier runs: beside the results folder, or inside it (before 0.x: ``private/``)."""
    for path in (private_dir(out_dir) / MAP_FILE, out_dir / "private" / MAP_FILE):
        if path.is_file():
            return pd.read_csv(path, dtype=str, keep_default_na=False)
    return None


def redact_inputs(config: AuditConfig, documents: pd.DataFrame, turns: pd.DataFrame, out_dir: Path):
    """Redacted documents and turns, and the whole placeholder map (earlier runs' entries included)."""
    red = redact(documents, turns, previous=_previous_mapping(out_dir))
    return red.documents, red.turns, red.mapping


def write_private(out_dir: Path, mapping: pd.DataFrame) -> None:
    """Write the redaction map beside the results folder and remove the copy older versions kept inside it."""
    private = private_dir(out_dir)
    private.mkdir(parents=True, exist_ok=True)
    remove_debris(private)
    write_csv_atomic(private / MAP_FILE, mapping)
    atomic_write_text(private / "README.txt", _PRIVATE_README)
    legacy = out_dir / "private"
    for name in (MAP_FILE, "README.txt"):
        (legacy / name).unlink(missing_ok=True)
    if legacy.is_dir() and not any(legacy.iterdir()):
        legacy.rmdir()
