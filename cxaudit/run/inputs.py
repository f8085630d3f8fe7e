"""The read stage of a run: the inputs' documents, turns and rejected rows, and what to keep of the last run.

Files changed since the previous run are read and redacted; the rows of unchanged files, of files that
cannot be read now (kept, stale) and of other waves are taken from the previous store as stored.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxaudit.config import AuditConfig, ConfigError
from cxaudit.ingest import ingest
from cxaudit.ingest.base import Issue
from cxaudit.schemas import DOCUMENTS, REJECTED, TURNS, validate
from cxaudit.store import connect, store_path

from .incremental import STATE_TABLE, plan_files
from .private import redact_inputs

__all__ = ["Inputs", "read_previous", "read_inputs", "keep_other_waves"]

log = logging.getLogger(__name__)


def read_previous(out_dir: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The previous store's tables among ``names`` (those it has)."""
    if not store_path(out_dir).is_file():
        return {}
    with connect(out_dir) as con:
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {name: con.execute(f'SELECT * FROM "{name}"').df() for name in names if name in have}


@dataclass
class Inputs:
    """What the read stage gives the rest of the run."""

    documents: pd.DataFrame
    turns: pd.DataFrame
    rejected: pd.DataFrame
    state: pd.DataFrame
    n_files_reused: int
    mapping: pd.DataFrame | None = None
    stale: list[str] = field(default_factory=list)
    #: files and folders that could not be read this time
    n_unreadable: int = 0


def _config_problems(issues) -> None:
    """Raise ConfigError when inputs' options are wrong (a path that does not exist, a missing column)."""
    if issues:
        raise ConfigError("the inputs cannot be read as configured:\n"
                          + "\n".join(f"  {issue.message}" for issue in issues)
                          + "\nNothing was written; fix the input options (paths, columns) and run again.")


def _stale_sources(prev_docs: pd.DataFrame | None, unreadable) -> tuple[set[str], list]:
    """The previous documents' sources that lie in a file or folder that could not be read now, and the
    unreadable issues with the number of documents kept from each added to their reason."""
    sources: set[str] = set()
    issues = []
    src = prev_docs["source"].astype(str) if prev_docs is not None and len(prev_docs) else None
    for issue in unreadable:
        reason = issue.reason
        if src is not None:
            hit = (src == issue.path) | src.str.startswith(issue.path.rstrip(os.sep) + os.sep)
            if hit.any():
                sources |= set(src[hit])
                reason += f"; {int(hit.sum())} document(s) read from it before are kept (stale)"
        issues.append(Issue(issue.path, issue.line, reason, issue.kind))
    return sources, issues


def read_inputs(config: AuditConfig, out_dir: Path, prev: dict[str, pd.DataFrame], *, full: bool) -> Inputs:
    """Documents, turns and rejected rows of the inputs: files changed since the previous run are
    read (and redacted); unchanged files' rows are taken from the previous store as stored, and so
    are the rows of files that could not be read now (kept, stale: never deleted for that). Raises
    ConfigError, before anything is written, when the inputs' options are wrong."""
    plan = plan_files(config.inputs, roles=config.roles, wave=config.wave, redact=config.redact,
                      previous=None if full else prev.get(STATE_TABLE))
    ing = ingest(plan.changed, roles=config.roles, wave=config.wave)
    _config_problems(ing.config_errors)
    for issue in plan.unreadable:
        log.warning("%s", issue.message)
    stale, unreadable = _stale_sources(prev.get("documents"), [*plan.unreadable, *ing.unreadable])
    by_key = {(i.path, i.line, i.kind): i for i in unreadable}
    issues = [by_key.get((i.path, i.line, i.kind), i) for i in ing.issues]
    issues += unreadable[:len(plan.unreadable)]
    rejected = validate(pd.DataFrame({"path": pd.array([i.path for i in issues], dtype="string"),
                                      "line": pd.array([i.line for i in issues], dtype="Int64"),
                                      "reason": pd.array([i.reason for i in issues], dtype="string")}), REJECTED)
    documents, turns = validate(ing.documents, DOCUMENTS), validate(ing.turns, TURNS)
    mapping = None
    if config.redact and not documents.empty:
        documents, turns, mapping = redact_inputs(config, documents, turns, out_dir)
        documents, turns = validate(documents, DOCUMENTS), validate(turns, TURNS)
    # a file that could not be read is not recorded as read (restoring its permissions changes neither
    # its size nor its time); for stale documents the state of what was read before is kept
    state = plan.state[~plan.state["path"].isin({i.path for i in unreadable} | stale)]
    if stale:
        if STATE_TABLE in prev:
            state = pd.concat([state, prev[STATE_TABLE][prev[STATE_TABLE]["path"].isin(stale)]], ignore_index=True)
    keep = set(plan.unchanged) | stale
    if keep and "documents" in prev:
        old_docs = prev["documents"][prev["documents"]["source"].isin(keep)]
        old_turns = prev["turns"][prev["turns"]["doc_id"].isin(old_docs["doc_id"])]
        old_rejected = prev.get("rejected", pd.DataFrame(columns=REJECTED.names))
        old_rejected = old_rejected[old_rejected["path"].isin(set(plan.unchanged))]
        clash = documents["doc_id"].isin(old_docs["doc_id"])
        if clash.any():  # a changed file now yields an id an unchanged file already has
            dupes = documents[clash]
            rejected = pd.concat([rejected, pd.DataFrame({
                "path": dupes["source"], "line": pd.NA,
                "reason": "duplicate doc_id " + dupes["doc_id"].astype(str) + " (already read from another file)"})])
            turns = turns[~turns["doc_id"].isin(dupes["doc_id"])]
            documents = documents[~clash]
        documents = pd.concat([documents, validate(old_docs, DOCUMENTS)], ignore_index=True)
        turns = pd.concat([turns, validate(old_turns, TURNS)], ignore_index=True)
        rejected = pd.concat([rejected, validate(old_rejected, REJECTED)], ignore_index=True)
        stale_ids = old_docs.loc[old_docs["source"].isin(stale), "doc_id"].astype(str).tolist()
    else:
        stale_ids = []
    return Inputs(validate(documents, DOCUMENTS), validate(turns, TURNS), validate(rejected, REJECTED), state,
                   len(plan.unchanged), mapping, stale_ids, len(unreadable))


def _wave_key(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), "(no wave)")


def keep_other_waves(prev: dict[str, pd.DataFrame], documents: pd.DataFrame, turns: pd.DataFrame):
    """Add the previous store's documents of waves this run does not contain.

    A run owns the waves its documents carry: rerunning a wave replaces that
    wave's documents (and drops the ones that were removed), while the other
    waves already in the store stay. So a consultant can run each quarter's
    new transcripts with ``--wave 2026-Q4`` into the same results folder and
    compare the waves.
    """
    if "documents" not in prev or "turns" not in prev:
        return documents, turns, []
    prev_docs = prev["documents"]
    waves_now = set(_wave_key(documents["wave"])) if len(documents) else set()
    keep = prev_docs[~_wave_key(prev_docs["wave"]).isin(waves_now) & ~prev_docs["doc_id"].isin(documents["doc_id"])]
    if keep.empty:
        return documents, turns, []
    prev_turns = prev["turns"][prev["turns"]["doc_id"].isin(keep["doc_id"])]
    kept = sorted(set(_wave_key(keep["wave"])))
    log.info("keeping %d document(s) of wave(s) %s from the previous run", len(keep), ", ".join(kept))
    documents = validate(pd.concat([documents, validate(keep, DOCUMENTS)], ignore_index=True), DOCUMENTS)
    turns = validate(pd.concat([turns, validate(prev_turns, TURNS)], ignore_index=True), TURNS)
    return documents, turns, kept
