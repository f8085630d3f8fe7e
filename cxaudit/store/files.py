"""Atomic writes of single files, and how a failed write is told.

A results file is written to a temporary file in the same folder, flushed to disk and renamed over
the old one, so a reader sees the old file or the new one, never half of one. :class:`WriteFailed`
is what a run raises when the results cannot be written; :func:`is_disk_full` recognises "no space
left on device" from the OS and from DuckDB.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cxaudit.errors import CxauditError

if TYPE_CHECKING:  # write_csv_atomic only calls DataFrame.to_csv: pandas is not imported here
    import pandas as pd

__all__ = ["atomic_write_bytes", "atomic_write_text", "write_csv_atomic", "WriteFailed", "is_disk_full"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_csv_atomic(path: str | Path, df: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV atomically (no index)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL)
    return atomic_write_text(path, buf.getvalue())



class WriteFailed(CxauditError, OSError):
    """The results could not be written (disk full, permission denied, I/O error); the message says
    which folder and what to do, and the previous results are intact."""


def is_disk_full(exc: BaseException) -> bool:
    """True for "no space left on device" (or quota exceeded) from the OS or from DuckDB."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return "no space left on device" in text or "disk quota exceeded" in text or "disk is full" in text
