"""What a run did: :class:`RunResult`, the wall time of each stage, and the ``runs`` table's row.

The CLI prints a :class:`RunResult`; the same figures are one row of the store's ``runs`` table
(:func:`run_row`), with the versions and settings that produced them.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version  # spaCy's version without importing spaCy (a run may not need it)
from pathlib import Path

import pandas as pd

from cxaudit import __version__

__all__ = ["RunResult", "stage", "run_row"]

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run did (also recorded as one row of the ``runs`` table)."""

    run_id: str
    out_dir: Path
    n_documents: int = 0
    n_turns: int = 0
    n_sentences: int = 0
    n_tags: int = 0
    n_rejected: int = 0
    n_analysed: int = 0
    n_reused: int = 0
    n_removed: int = 0
    #: survey answers without a comment (documents whose turns have no text; their scores count)
    n_empty: int = 0
    #: documents kept from the previous run because their file or folder could not be read this time
    n_stale: int = 0
    stale: list[str] = field(default_factory=list)
    seconds: float = 0.0
    kept_waves: list[str] = field(default_factory=list)
    n_files_reused: int = 0
    compare_reused: bool = False
    #: "changed rows": the new store started from a copy of the previous one; "whole": written anew
    store_written: str = "whole"
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: wall seconds per stage (read, fingerprint, analyse, compare, dashboard, commit), for profiling
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 2 if self.n_rejected else 0


@contextmanager
def stage(result: RunResult, name: str):
    """Add the wall time of the ``with`` block to ``result.stage_seconds[name]`` (and log it)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        seconds = time.perf_counter() - t0
        result.stage_seconds[name] = round(result.stage_seconds.get(name, 0.0) + seconds, 3)
        log.info("stage %s: %.2f s (this process: %.0f MB now, %.0f MB peak)", name, seconds, *_rss_mb())


def _rss_mb() -> tuple[float, float]:
    """Resident memory of this process now and at its peak, in MB (0 where unknown)."""
    try:
        import resource  # lazy: POSIX only (ImportError on Windows, caught below)

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):
        peak = 0.0
    try:
        with open("/proc/self/statm") as f:
            now = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        now = 0.0
    return now, peak


def run_row(config, result, started, base_model, engine, workers, full) -> pd.DataFrame:
    return pd.DataFrame([{
        "run_id": result.run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(result.seconds, 3),
        "cxaudit_version": __version__,
        "spacy_version": version("spacy"),
        "python_version": platform.python_version(),
        "model": base_model,
        "engine": engine,
        "workers": workers,
        "full": full,
        "config": config.path,
        "settings": json.dumps(config.settings(), sort_keys=True),
        "inputs": json.dumps([s.path for s in config.inputs]),
        "n_documents": result.n_documents,
        "n_turns": result.n_turns,
        "n_sentences": result.n_sentences,
        "n_tags": result.n_tags,
        "n_analysed": result.n_analysed,
        "n_reused": result.n_reused,
        "n_removed": result.n_removed,
        "n_files_reused": result.n_files_reused,
        "compare_reused": result.compare_reused,
        "store_written": result.store_written,
        "n_rejected": result.n_rejected,
        "n_empty": result.n_empty,
        "n_stale": result.n_stale,
        "stale": json.dumps(result.stale),
        "kept_waves": json.dumps(result.kept_waves),
        "stage_seconds": json.dumps(result.stage_seconds),
        "rejected": json.dumps(result.rejected[["path", "reason"]].astype(str).to_dict("records")),
    }])
