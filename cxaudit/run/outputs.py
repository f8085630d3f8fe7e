"""The compare stage of a run and the dashboard's prepared tables: rebuilt, or copied when nothing changed.

The compare tables depend on every document, so they are rebuilt from the whole store
(:func:`run_compare`) unless no document and no setting they read changed (:func:`reuse_compare`), in
which case they and the dashboard's tables are copied from the previous store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from cxaudit.clues.codebook import load_codebook
from cxaudit.config import AuditConfig
from cxaudit.schemas import DOCUMENTS, validate
from cxaudit.store import StoreWriter

from .compare_helper import HELPER_TABLES, CompareHelper
from .result import RunResult

if TYPE_CHECKING:  # the compare stage is imported only when it runs
    from cxaudit.compare.desired import Desired

__all__ = ["CompareInputs", "compare_inputs", "run_compare", "reuse_compare", "reuse_dashboard", "prepare_dashboard"]

log = logging.getLogger(__name__)

_COMPARE_TABLES = ("gaps", "motif", "scorecards", "nps", "drivers", "waves", "clue_map")


@dataclass(frozen=True)
class CompareInputs:
    """What the compare stage reads besides the store: the desired experience and the codebooks."""

    desired: Desired
    codebooks: dict


def compare_inputs(config: AuditConfig) -> CompareInputs:
    """Load the compare stage and the dashboard's preparation, and read the compare stage's settings
    (``desired.yml``, the codebooks). Nothing here depends on the analysis: a rerun does it while its
    worker loads the pipeline (:func:`cxaudit.run.analyse.analyse`), then :func:`run_compare` only computes."""
    # lazy: the compare stage and the dashboard's preparation (which imports SciPy, ~0.1 s) load only when
    # a run computes them
    from cxaudit.compare import compare  # noqa: F401 - loaded now, used by run_compare
    from cxaudit.compare.desired import Desired, load_desired
    from cxaudit.publish.dashboard.precompute import prepare  # noqa: F401 - loaded now, used by prepare_dashboard

    desired = load_desired(config.desired) if config.desired else Desired.default()
    return CompareInputs(desired, {book.name: book for book in map(load_codebook, config.codebooks)})


def run_compare(config: AuditConfig, w: StoreWriter, inputs: CompareInputs | None = None,
                helper: CompareHelper | None = None) -> None:
    """Compute the compare tables from the whole store into ``w`` (``inputs``: what
    :func:`compare_inputs` read for ``config`` earlier, else read now; ``helper``: a second process
    that computes some of the tables meanwhile, :mod:`cxaudit.run.compare_helper`)."""
    # lazy: the compare stage loads when it runs (see compare_inputs)
    from cxaudit.compare import compare
    from cxaudit.compare.store import read_compare_frames

    inputs = inputs if inputs is not None else compare_inputs(config)
    # reads the tables in a fixed row order (the bootstrap then draws the same resamples whether rows
    # were reused or new), ids as integer codes and only the columns compare uses: at 1M comments
    # the text and id columns would cost gigabytes
    frames = read_compare_frames(w.con)
    future = helper.submit(frames, inputs.desired, inputs.codebooks) if helper is not None else None
    here = [name for name in _COMPARE_TABLES if future is None or name not in HELPER_TABLES]
    for name, df in compare(*frames, inputs.desired, codebooks=inputs.codebooks, tables=here).items():
        w.replace(name, df)  # written while the helper may still compute
    if future is not None:
        done = CompareHelper.result(future)
        if done is not None:
            log.info("compare: %s computed by the compare helper meanwhile", ", ".join(HELPER_TABLES))
        else:
            done = compare(*frames, inputs.desired, codebooks=inputs.codebooks, tables=HELPER_TABLES)
        for name in HELPER_TABLES:
            w.replace(name, done[name])


def _dashboard_tables() -> tuple[str, ...]:
    """The tables ``cxaudit.publish.dashboard.prepare`` writes (copied with the compare tables when nothing changed)."""
    # lazy: the dashboard's package loads the compare stage (SciPy), needed only when this step runs
    from cxaudit.publish.dashboard.precompute import PREPARED_TABLES, STATE_TABLES

    return PREPARED_TABLES + STATE_TABLES


def reuse_compare(w: StoreWriter, documents: pd.DataFrame, result: RunResult, compare_key: str) -> bool:
    """Copy the previous compare and dashboard tables when nothing they depend on changed: no document
    analysed, added or removed, the same documents table, and the same desired file and codebooks."""
    if result.n_analysed or result.n_removed or not set(_COMPARE_TABLES) <= w.previous_tables():
        return False
    meta = w.read_previous("meta")
    if meta is None or compare_key not in set(meta.loc[meta["key"] == "compare_key", "value"]):
        return False
    before = w.read_previous("documents")
    if before is None or len(before) != len(documents):
        return False
    cols = list(documents.columns)
    same = validate(before, DOCUMENTS).sort_values(cols).reset_index(drop=True).equals(
        documents.sort_values(cols).reset_index(drop=True))
    if not same:
        return False
    for name in _COMPARE_TABLES:
        w.copy_previous_table(name)
    result.compare_reused = True
    return True


def reuse_dashboard(w: StoreWriter) -> bool:
    """Copy the previous store's dashboard tables (after :func:`reuse_compare`) when they were prepared by
    this version of the dashboard; False when they are missing or older — then they must be prepared anew
    (copying them would leave tables the dashboard ignores and rebuilds on every open)."""
    # lazy: the dashboard's package loads the compare stage (SciPy), needed only when this step runs
    from cxaudit.publish.dashboard.prepared import VERSION

    info = w.read_previous("dash_info")
    if info is None or info.empty or int(info["version"].iloc[0]) != VERSION:
        return False
    for name in _dashboard_tables():
        w.copy_previous_table(name)
    return True


def prepare_dashboard(w: StoreWriter) -> None:
    """Precompute the dashboard's tables in the new store, so it opens fast on big audits."""
    # lazy: the dashboard's package loads the compare stage (SciPy), needed only when this step runs
    from cxaudit.publish.dashboard.precompute import prepare

    prepare(w.con)
