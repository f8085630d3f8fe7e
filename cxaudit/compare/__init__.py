"""Current versus desired: the gap analysis, its statistics and its supporting tables.

:func:`compare` runs everything and returns a dict of tidy tables whose
schemas are in :mod:`cxaudit.compare.tables` (:func:`compare_store` does the same
straight from a results store, lean enough for a million comments); each piece is also usable on its
own from a notebook (:func:`gap_table`, :func:`motif_alignment`,
:func:`scorecard`, :func:`nps`, :func:`key_drivers`, :func:`wave_change`,
:func:`clue_map_cells`). The method is documented in ``docs/compare.md``.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from cxaudit._callable import make_callable
from cxaudit.compare.cluemap import clue_map_cells
from cxaudit.compare.dimensions import CURRENT_MODES, LEVELS, TOUCHPOINT_LENSES, distinct, mentions, participants
from cxaudit.compare.drivers import key_drivers, nps
from cxaudit.compare.gaps import gap_table, lenses_of
from cxaudit.compare.motif import motif_alignment
from cxaudit.compare.scorecard import scorecard
from cxaudit.compare.store import read_compare_frames
from cxaudit.compare.tables import COMPARE_TABLES, QUADRANTS
from cxaudit.compare.waves import wave_change
from cxaudit.compare.desired import Desired
from cxaudit.schemas import conform

__all__ = [
    "compare",
    "compare_store",
    "gap_table",
    "motif_alignment",
    "scorecard",
    "nps",
    "key_drivers",
    "wave_change",
    "clue_map_cells",
    "mentions",
    "participants",
    "COMPARE_TABLES",
    "QUADRANTS",
    "LEVELS",
    "CURRENT_MODES",
]


def _scorecards(tags, documents, *, codebooks, group_col, n_boot, seed) -> pd.DataFrame:
    """Scorecards of every tagged codebook that is not a touchpoint lens, stacked."""
    books = [b for b in distinct(tags["codebook"]) if b not in TOUCHPOINT_LENSES]
    frames = [
        scorecard(tags, documents, book, codebooks=codebooks, group_col=group_col, n_boot=n_boot, seed=seed)
        for book in sorted(books)
    ]
    frames = [f for f in frames if len(f)]
    schema = COMPARE_TABLES["scorecards"]
    return conform(pd.concat(frames, ignore_index=True), schema) if frames else conform(pd.DataFrame(columns=schema.names), schema)


def compare(
    documents: pd.DataFrame,
    sentences: pd.DataFrame,
    tags: pd.DataFrame,
    feelings: pd.DataFrame,
    desired: Desired | None = None,
    *,
    codebooks=None,
    n_boot: int = 1000,
    seed: int = 0,
    group_col: str | None = None,
    tables: Iterable[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Compare the current experience with the desired one.

    In: DOCUMENTS, SENTENCES, TAGS, FEELINGS (see ``cxaudit/schemas.py``),
    the :class:`~cxaudit.compare.desired.Desired` experience (default:
    ``Desired.default()``), optional codebooks (name → Codebook, for labels)
    and an optional documents column to group by (segment, channel, wave,
    kind …). Out: ``{"gaps", "motif", "scorecards", "nps", "drivers",
    "waves", "clue_map"}``, each a DataFrame of the schema of the same name
    in :data:`~cxaudit.compare.tables.COMPARE_TABLES`. Random draws are fixed
    by ``seed``, so reruns give the same intervals. ``tables``: the names of the
    tables to compute (default: all of them); each is computed on its own, with its
    own draws, so a table is the same whether it is computed alone, with others or in
    another process.
    """
    desired = desired or Desired.default()
    boot = {"n_boot": n_boot, "seed": seed}
    lenses = lenses_of(tags, desired) if len(tags) else None
    parts = {
        "gaps": lambda: gap_table(tags, documents, desired, group_col=group_col, **boot),
        "motif": lambda: motif_alignment(feelings, sentences, tags, documents, desired, **boot),
        "scorecards": lambda: _scorecards(tags, documents, codebooks=codebooks, group_col=group_col, **boot),
        "nps": lambda: nps(documents, group_col=group_col or ("segment" if "segment" in documents and documents["segment"].notna().any() else None)),
        "drivers": lambda: key_drivers(tags, documents, lenses=lenses),
        "waves": lambda: wave_change(tags, documents, lenses=lenses, **boot),
        "clue_map": lambda: clue_map_cells(tags, lenses=lenses),
    }
    wanted = set(parts) if tables is None else set(tables)
    if wanted - set(parts):
        raise ValueError(f"compare: unknown table(s) {sorted(wanted - set(parts))}; expected some of {list(parts)}")
    return {name: part() for name, part in parts.items() if name in wanted}


def compare_store(
    con,
    desired: Desired | None = None,
    *,
    codebooks=None,
    n_boot: int = 1000,
    seed: int = 0,
    group_col: str | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`compare` of the results store behind the DuckDB connection ``con``: the same tables,
    value for value and row for row, as ``compare()`` on the store's tables read in the pipeline's
    fixed order, in a fraction of the time and memory (ids as integer codes, labels as categoricals;
    see :func:`cxaudit.compare.store.read_compare_frames`)."""
    frames = read_compare_frames(con, group_col=group_col)
    return compare(*frames, desired, codebooks=codebooks, n_boot=n_boot, seed=seed, group_col=group_col)


make_callable(__name__, "compare")  # cxaudit.compare(...) calls compare(): cxaudit/_callable.py says why
