"""Where a results folder keeps its files: the store (:func:`store_path`) and the private folder beside it.

Plain path arithmetic, no I/O: a rerun with nothing changed names these files without loading anything.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STORE_FILE", "store_path", "private_dir"]

STORE_FILE = "cxaudit.duckdb"


def store_path(out_dir: str | Path) -> Path:
    """Path of the DuckDB file inside a results folder."""
    return Path(out_dir) / STORE_FILE


def private_dir(out_dir: str | Path) -> Path:
    """The folder of a results folder's private files (the redaction map): ``NAME-private`` beside
    ``NAME``, never inside it, so the results folder can be shared as it is."""
    out = Path(os.path.abspath(out_dir))
    return out.parent / f"{out.name}-private"
