"""The clue map: clue type × touchpoint cells of current-mode clue mentions."""

from __future__ import annotations

import pandas as pd

from cxaudit.compare.dimensions import CURRENT_MODES, TOUCHPOINT_LENSES
from cxaudit.compare.tables import CLUE_MAP
from cxaudit.schemas import conform

__all__ = ["clue_map_cells", "UNSPECIFIED"]

UNSPECIFIED = "unspecified"


def clue_map_cells(
    tags: pd.DataFrame, *, lenses=None, current_modes=CURRENT_MODES, touchpoint_lenses=TOUCHPOINT_LENSES
) -> pd.DataFrame:
    """Mentions, mean polarity and share negative per (clue_type, touchpoint).

    In: TAGS (codebook, clue_type, touchpoint, polarity, valence, mode). Tags
    of touchpoint lenses and of clue type ``none`` are left out (they are not
    clues); a null touchpoint becomes ``unspecified``. Out: the
    :data:`~cxaudit.compare.tables.CLUE_MAP` schema, one row per non-empty cell.
    """
    t = tags[tags["mode"].isin(list(current_modes)) & ~tags["codebook"].isin(list(touchpoint_lenses))]
    t = t[t["clue_type"] != "none"]
    if lenses is not None:
        t = t[t["codebook"].isin(list(lenses))]
    if t.empty:
        return conform(pd.DataFrame(columns=CLUE_MAP.names), CLUE_MAP)
    frame = pd.DataFrame(
        {
            "clue_type": t["clue_type"].astype(str).to_numpy(),
            "touchpoint": t["touchpoint"].astype("string").fillna(UNSPECIFIED).astype(str).to_numpy(),
            "polarity": t["polarity"].astype(float).to_numpy(),
            "negative": (t["valence"] == "negative").fillna(False).to_numpy(bool),
        }
    )
    out = frame.groupby(["clue_type", "touchpoint"], sort=True).agg(
        n=("polarity", "size"), polarity=("polarity", "mean"), share_negative=("negative", "mean")
    )
    return conform(out.reset_index(), CLUE_MAP)
