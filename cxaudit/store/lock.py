"""One run at a time per results folder: :class:`ResultsLock`, and the debris killed runs leave.

The lock is an OS file lock (``filelock``) that the kernel releases when its process ends, even by
SIGKILL; ``DIR/.cxaudit.lock.json`` names the holder, so a second run says who holds the folder
(:class:`ResultsBusy`). Imported on a rerun with nothing changed, so it loads neither pandas nor DuckDB.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from cxaudit.errors import CxauditError

from .files import atomic_write_text

__all__ = ["LOCK_FILE", "ResultsBusy", "ResultsLock", "remove_debris"]

log = logging.getLogger(__name__)

#: The lock file of a results folder (its holder is described in LOCK_FILE + ".json").
LOCK_FILE = ".cxaudit.lock"


class ResultsBusy(CxauditError, RuntimeError):
    """Another run holds the results folder's lock."""


def _holder(info_path: Path) -> dict:
    try:
        return json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _describe(holder: dict) -> str:
    if not holder:
        return "another cxaudit run (its PID is unknown)"
    return (f"another cxaudit run (PID {holder.get('pid', '?')} on {holder.get('host', '?')}, "
            f"started {holder.get('started', '?')})")


class ResultsLock:
    """An exclusive lock on a results folder for the length of a run (a ``filelock.FileLock`` on
    ``DIR/.cxaudit.lock``: an OS lock that the kernel releases when the process ends, even by SIGKILL).

    ``DIR/.cxaudit.lock.json`` names the holder (PID, host, start time, command). When it is still
    there on acquiring, its run ended without releasing (killed): the lock is taken over and the
    takeover logged. While the lock is held, no other run writes to the folder, so files a killed
    run left half-written (``.cxaudit-*.duckdb.tmp``, ``.*.tmp``) are debris and are removed.

    ``wait``: seconds to wait for another run to finish (0: fail at once with :class:`ResultsBusy`).
    """

    def __init__(self, out_dir: str | Path, *, wait: float = 0):
        self.out_dir = Path(out_dir)
        self.wait = wait
        self.info_path = self.out_dir / (LOCK_FILE + ".json")
        self._lock = FileLock(str(self.out_dir / LOCK_FILE))
        self.taken_over: dict | None = None

    def __enter__(self) -> "ResultsLock":
        try:
            self._lock.acquire(timeout=self.wait, poll_interval=0.2)
        except Timeout:
            raise ResultsBusy(
                f"{self.out_dir} is in use by {_describe(_holder(self.info_path))}; wait for it to finish, "
                "or give `--wait SECONDS`, or write to another --out folder") from None
        try:
            old = _holder(self.info_path) if self.info_path.exists() else None
            if old is not None:
                self.taken_over = old
                log.warning("taking over the lock of %s in %s: that run ended without releasing it",
                            _describe(old), self.out_dir)
            atomic_write_text(self.info_path, json.dumps({
                "pid": os.getpid(), "host": socket.gethostname(),
                "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                "command": " ".join(sys.argv)[:500]}))
            remove_debris(self.out_dir)
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.info_path.unlink(missing_ok=True)
        finally:
            self._lock.release()


def remove_debris(folder: Path) -> list[Path]:
    """Delete what killed runs left half-written in ``folder`` (call only while holding its lock):
    stores being built (``.cxaudit-*.duckdb.tmp*``, DuckDB's spill folders) and atomic writes'
    temporary files (``.NAME.XXXX.tmp``). Returns what was removed."""
    removed = []
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        name = p.name
        mine = name.startswith(f".cxaudit-{os.getpid()}-")
        if mine or not name.startswith(".") or not (name.startswith(".cxaudit-") and ".duckdb.tmp" in name
                                                     or name.endswith(".tmp")):
            continue
        log.info("removing %s left by an interrupted run", p)
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p)
    return removed
