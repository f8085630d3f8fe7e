"""The rerun manifest a run leaves, with which the next run of the same command sees that nothing changed.

:func:`rerun_snapshot` records what the run depends on before anything is read; :func:`write_rerun_manifest`
writes it with what the run printed (:mod:`cxaudit.run.rerun` reads it back without loading anything heavy).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from cxaudit._models import resolve_model  # spaCy-free: see cxaudit/_models.py
from cxaudit.config import AuditConfig
from cxaudit.ingest.base import IngestError
from cxaudit.store import private_dir, store_path

from .incremental import dependencies
from .inputs import Inputs
from .private import MAP_FILE
from .rerun import remove_manifest, snapshot, write_manifest
from .result import RunResult

__all__ = ["rerun_snapshot", "write_rerun_manifest"]

log = logging.getLogger(__name__)


def rerun_snapshot(config: AuditConfig, out_dir: Path) -> dict | None:
    """The identities of what this run depends on (:mod:`cxaudit.run.rerun`), or None when an input
    cannot be listed (such a run writes no manifest)."""
    try:
        files, trees = dependencies(config, resolve_model(config.model))
        return snapshot(files, trees, skip=(out_dir, private_dir(out_dir)))
    except (IngestError, OSError, ValueError) as exc:
        log.debug("no rerun manifest: %s", exc)
        return None


def write_rerun_manifest(out_dir: Path, key: str, deps: dict | None, result: RunResult, inputs: "Inputs",
                         config: AuditConfig) -> None:
    """Record what this run depended on and printed, for the next run to see that nothing changed; none
    after a run that met an unreadable input (the next one reads it again). A manifest that cannot be
    written is removed: the next run then runs as usual."""
    if deps is None or result.n_stale or inputs.n_unreadable:
        remove_manifest(out_dir)
        return
    rejected = [[str(r.path), None if pd.isna(r.line) else int(r.line), str(r.reason)]
                for r in result.rejected.head(20).itertuples()]
    summary = {"run_id": result.run_id, "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
               "n_documents": result.n_documents, "n_turns": result.n_turns, "n_sentences": result.n_sentences,
               "n_tags": result.n_tags, "n_empty": result.n_empty, "n_rejected": result.n_rejected,
               "rejected": rejected, "redact": bool(config.redact), "exit_code": result.exit_code,
               # the next run starts loading this pipeline before it reads its settings (cxaudit.run.warm)
               "pipeline": {"model": config.model, "codebooks": list(config.codebooks), "tagger": config.tagger}}
    outputs = [store_path(out_dir), out_dir / "rejected.csv", private_dir(out_dir) / MAP_FILE]
    try:
        write_manifest(out_dir, key, deps, outputs, summary)
    except OSError as exc:
        log.debug("no rerun manifest: %s", exc)
        remove_manifest(out_dir)
