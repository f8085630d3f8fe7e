"""Scores and drivers: NPS with its interval, and the codes that separate detractors from promoters.

NPS = % promoters (score 9–10) − % detractors (0–6); scores above 6 and below
9 are passives (non-integer scores are classified by the same cut points).
The interval is the adjusted Wald of Rocks (2016), see
:func:`cxaudit.compare.stats.nps_interval`.

Key drivers compare, per code, the share of detractor documents that mention
it with the share of promoter documents that do (any current-mode mention):
lift (rate ratio) and log odds ratio, each with a 95 % interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxaudit.compare.dimensions import ALL, CURRENT_MODES, MISSING, harmonise_ids, id_values
from cxaudit.compare.stats import lift, log_odds_ratio, nps_interval
from cxaudit.compare.tables import DRIVERS, NPS
from cxaudit.schemas import conform

__all__ = ["nps", "key_drivers", "classify_scores"]


def classify_scores(score: pd.Series) -> pd.Series:
    """'promoter' (>= 9), 'detractor' (<= 6), 'passive' otherwise; null stays null.

    Raises ValueError naming the offending values when a score lies outside 0 … 10.
    """
    s = pd.to_numeric(score, errors="coerce").astype(float)
    bad = s[(s < 0) | (s > 10)]
    if len(bad):
        raise ValueError(f"scores must lie in 0 … 10 (NPS likelihood to recommend); found {sorted(set(bad))[:5]}")
    out = np.where(s >= 9, "promoter", np.where(s <= 6, "detractor", "passive")).astype(object)
    out[np.isnan(s.to_numpy())] = None
    return pd.Series(out, index=score.index, dtype="string")


def _nps_rows(cls: pd.Series, groups: pd.Series, group_by: str) -> pd.DataFrame:
    counts = pd.crosstab(groups, cls).reindex(columns=["promoter", "passive", "detractor"], fill_value=0)
    out = pd.DataFrame(
        {
            "group_by": group_by,
            "group": counts.index.astype(str),
            "n_promoters": counts["promoter"].to_numpy(),
            "n_passives": counts["passive"].to_numpy(),
            "n_detractors": counts["detractor"].to_numpy(),
        }
    )
    out["n"] = out[["n_promoters", "n_passives", "n_detractors"]].sum(axis=1)
    out["nps"] = 100 * (out["n_promoters"] - out["n_detractors"]) / out["n"]
    out["ci_low"], out["ci_high"] = nps_interval(out["n_promoters"], out["n_passives"], out["n_detractors"])
    return out


def nps(documents: pd.DataFrame, *, group_col: str | None = None, score_col: str = "score", min_n: int = 30) -> pd.DataFrame:
    """NPS of the documents with a score, overall (group 'all') and per value of ``group_col``.

    In: DOCUMENTS (``score_col`` 0–10, ``group_col``). Out: the
    :data:`~cxaudit.compare.tables.NPS` schema. Groups with fewer than
    ``min_n`` scores get a warning; no scores at all gives an empty table.
    """
    if score_col not in documents:
        return conform(pd.DataFrame(columns=NPS.names), NPS)
    cls = classify_scores(documents[score_col])
    keep = cls.notna()
    if not keep.any():
        return conform(pd.DataFrame(columns=NPS.names), NPS)
    cls = cls[keep]
    frames = [_nps_rows(cls, pd.Series(ALL, index=cls.index), ALL)]
    if group_col is not None:
        if group_col not in documents:
            raise KeyError(f"group_col {group_col!r} is not a documents column; found {list(documents.columns)}")
        frames.append(_nps_rows(cls, documents.loc[keep, group_col].astype("string").fillna(MISSING), group_col))
    out = pd.concat(frames, ignore_index=True)
    out["warning"] = [f"only {n} scores: wide interval" if n < min_n else None for n in out["n"]]
    return conform(out, NPS)


def key_drivers(
    tags: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    score_col: str = "score",
    lenses=None,
    current_modes=CURRENT_MODES,
    min_n: int = 5,
) -> pd.DataFrame:
    """Per code: how much more often detractor documents mention it than promoter documents.

    In: TAGS (doc_id, codebook, code, clue_type, mode), DOCUMENTS (doc_id,
    ``score_col``). Unit: the document. Out: the
    :data:`~cxaudit.compare.tables.DRIVERS` schema sorted by log odds ratio,
    largest (strongest detractor driver) first. Codes mentioned by fewer than
    ``min_n`` scored documents get a warning.
    """
    if score_col not in documents or documents[score_col].notna().sum() == 0:
        return conform(pd.DataFrame(columns=DRIVERS.names), DRIVERS)
    cls = classify_scores(documents[score_col])
    tags, documents = harmonise_ids(tags, documents)
    doc_cls = pd.Series(cls.to_numpy(), index=id_values(documents["doc_id"]).to_numpy()).dropna()
    n_det, n_pro = int((doc_cls == "detractor").sum()), int((doc_cls == "promoter").sum())
    t = tags[tags["mode"].isin(list(current_modes))]
    if lenses is not None:
        t = t[t["codebook"].isin(list(lenses))]
    t = t.assign(cls=id_values(t["doc_id"]).map(doc_cls)).dropna(subset=["cls"])
    if t.empty:
        return conform(pd.DataFrame(columns=DRIVERS.names), DRIVERS)
    per_doc = t.drop_duplicates(["codebook", "code", "doc_id"])
    k = per_doc.groupby(["codebook", "code", "cls"]).size().unstack("cls").reindex(columns=["detractor", "promoter", "passive"]).fillna(0)
    ctype = t.groupby(["codebook", "code"])["clue_type"].first()
    out = pd.DataFrame({"lens": k.index.get_level_values(0), "code": k.index.get_level_values(1), "clue_type": ctype.reindex(k.index).to_numpy()})
    out["k_detractors"], out["k_promoters"] = k["detractor"].to_numpy().astype(int), k["promoter"].to_numpy().astype(int)
    out["n_detractors"], out["n_promoters"] = n_det, n_pro
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate_detractors"] = out["k_detractors"] / n_det if n_det else np.nan
        out["rate_promoters"] = out["k_promoters"] / n_pro if n_pro else np.nan
    out["lift"], out["lift_low"], out["lift_high"] = lift(out["k_detractors"], n_det, out["k_promoters"], n_pro)
    out["log_odds"], out["ci_low"], out["ci_high"] = log_odds_ratio(out["k_detractors"], n_det, out["k_promoters"], n_pro)
    out["significant"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    few = out["k_detractors"] + out["k_promoters"] < min_n
    out["warning"] = [
        "no detractors or no promoters to compare" if n_det == 0 or n_pro == 0
        else f"only {a + b} detractor/promoter documents mention it" if f else None
        for a, b, f in zip(out["k_detractors"], out["k_promoters"], few)
    ]
    if n_det == 0 or n_pro == 0:
        out["significant"] = False
    out = out.sort_values(["log_odds", "lens", "code"], ascending=[False, True, True], kind="stable")
    return conform(out, DRIVERS)
