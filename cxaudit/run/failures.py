"""How a run fails cleanly: settings checked before anything is written, and a write failure told plainly.

:func:`check_settings` raises :class:`~cxaudit.config.ConfigError` for a model, codebook, desired file or
tagger that cannot be used; :func:`write_failed` turns an OS or DuckDB error into a
:class:`~cxaudit.store.WriteFailed` naming the folder and the space needed; :func:`remove_unused`
removes what a failed run created and left empty.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cxaudit._models import resolve_model  # spaCy-free: see cxaudit/_models.py
from cxaudit.clues.codebook import load_codebook
from cxaudit.config import AuditConfig, ConfigError
from cxaudit.store import LOCK_FILE, WriteFailed, is_disk_full, private_dir, store_path

__all__ = ["check_settings", "remove_unused", "write_failed"]


def check_settings(config: AuditConfig) -> None:
    """Raise ConfigError, before anything is written, when the model, a codebook, the desired file or
    the learned tagger named by ``config`` cannot be used."""
    # lazy: the compare stage imports SciPy (~0.5 s), needed only when this step runs
    from cxaudit.compare.desired import load_desired

    problems = []
    checks = [(resolve_model, config.model)] + [(load_codebook, ref) for ref in config.codebooks]
    if config.desired:
        checks.append((load_desired, config.desired))
    for check, value in checks:
        try:
            check(value)
        except (ValueError, OSError) as exc:
            problems.append(str(exc))
    if config.tagger and not Path(config.tagger).is_dir():
        problems.append(f"tagger: no such folder {config.tagger} (make one with `cxaudit train`)")
    if problems:
        raise ConfigError("\n".join(problems) + "\nNothing was written.")


def remove_unused(out_dir: Path, created: bool, private_created: bool) -> None:
    """After a failed run: remove the results folder (and its private folder) when this run created
    them and they hold nothing but the lock, so a failure leaves nothing behind."""
    if private_created and private_dir(out_dir).is_dir():
        shutil.rmtree(private_dir(out_dir), ignore_errors=True)
    if not created or not out_dir.is_dir():
        return
    left = {p.name for p in out_dir.iterdir()}
    if left <= {LOCK_FILE, LOCK_FILE + ".json"}:
        shutil.rmtree(out_dir, ignore_errors=True)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def write_failed(out_dir: Path, exc: BaseException) -> WriteFailed:
    """A WriteFailed naming the folder, what went wrong and (disk full) the space needed."""
    try:
        free = shutil.disk_usage(out_dir if out_dir.exists() else out_dir.parent).free
    except OSError:
        free = None
    free_text = f"{_mb(free)} free now" if free is not None else "free space unknown"
    if is_disk_full(exc):
        # the run filled the disk, and removing its half-written files gave the space back: it needs
        # more than what is free now

        previous = store_path(out_dir).stat().st_size if store_path(out_dir).is_file() else 0
        needed = f"this run needs more than the {_mb(free)} free there" if free is not None else free_text
        if previous:
            needed += f" (the previous results take {_mb(previous)})"
        message = (f"the disk holding {out_dir} is full: {needed}. Free some space, or give another --out "
                   "folder, and run again. The previous results are unchanged; the half-written files were "
                   "removed.")
    else:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        message = (f"cannot write the results to {out_dir}: {reason} ({free_text}). The previous results "
                   "are unchanged; the half-written files were removed.")
    return WriteFailed(message)
