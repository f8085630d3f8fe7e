"""Scorecards: each criterion (code) of a lens scored 1–5 from the polarity of its mentions.

The mapping is ``score = 3 + 2 × mean polarity``: monotone, 1 when every
mention is as negative as can be, 3 when neutral on average, 5 when every
mention is as positive as can be. The interval is the cluster-bootstrap
interval of the mean polarity mapped the same way, so it is the interval of
the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxaudit.compare.dimensions import CURRENT_MODES, TOUCHPOINT_LENSES, mentions
from cxaudit.compare.gaps import boot_dimensions, careful_interval
from cxaudit.compare.tables import SCORECARDS
from cxaudit.schemas import conform

__all__ = ["scorecard", "to_score", "code_labels"]

_KEY = ["lens", "dimension", "group_by", "group"]


def to_score(polarity):
    """Map polarity (-1 … 1) to the 1–5 scorecard scale: 3 + 2 × polarity."""
    return 3 + 2 * np.asarray(polarity, dtype=float)


def code_labels(codebooks) -> dict[tuple[str, str], str]:
    """{(codebook name, code id): label} from a mapping name → Codebook or an iterable of Codebooks."""
    if not codebooks:
        return {}
    books = codebooks.values() if isinstance(codebooks, dict) else codebooks
    return {(book.name, code.id): code.label for book in books for code in book.codes}


def scorecard(
    tags: pd.DataFrame,
    documents: pd.DataFrame,
    lens: str,
    *,
    codebooks=None,
    group_col: str | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    current_modes=CURRENT_MODES,
    min_mentions: int = 10,
    min_participants: int = 5,
    touchpoint_lenses=TOUCHPOINT_LENSES,
) -> pd.DataFrame:
    """Score every code of ``lens`` (a codebook name) 1–5 from its current-mode mentions.

    In: TAGS, DOCUMENTS (participant, ``group_col``); ``codebooks`` (optional)
    supplies labels. Out: the :data:`~cxaudit.compare.tables.SCORECARDS`
    schema, one row per criterion (and group), in codebook order when
    ``codebooks`` has the lens, else by criterion id. Small samples get a
    widened interval and a warning, as in the gap table.
    """
    m = mentions(tags, documents, lenses=[lens], group_col=group_col, touchpoint_lenses=touchpoint_lenses)
    m = m[m["mode"].isin(list(current_modes)) & m["code"].notna()]
    if m.empty:
        return conform(pd.DataFrame(columns=SCORECARDS.names), SCORECARDS)
    rows = m.groupby(_KEY, sort=True)["clue_type"].first().reset_index()
    est, reps = boot_dimensions(m, rows, _KEY, n_boot=n_boot, rng=np.random.default_rng(seed))
    low, high, warn = careful_interval(est, reps, min_mentions=min_mentions, min_participants=min_participants)
    labels = code_labels(codebooks)
    rows["criterion"] = rows["dimension"]
    rows["label"] = [labels.get((lens, c)) for c in rows["criterion"]]
    rows["n"], rows["n_participants"] = est["n"].to_numpy(), est["n_clusters"].to_numpy()
    rows["polarity"] = est["mean"].to_numpy()
    rows["score"] = to_score(rows["polarity"])
    rows["ci_low"], rows["ci_high"] = to_score(low), to_score(high)
    rows["warning"] = warn
    order = {code: i for i, (book, code) in enumerate(labels) if book == lens}
    rows["_order"] = rows["criterion"].map(order).fillna(len(order)).astype(int)
    rows = rows.sort_values(["group_by", "group", "_order", "criterion"], kind="stable")
    return conform(rows, SCORECARDS)
