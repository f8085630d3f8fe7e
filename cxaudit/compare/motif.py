"""Motif alignment: are customers feeling what the experience motif says they should?

For every feeling found in a current-mode sentence whose axis is the axis of a
motif word, the feeling either sits on the motif's pole (+1: "valued") or on
the opposite pole (−1: "ignored", or a negated "not valued"). Net alignment is
``(n_motif − n_opposite) / (n_motif + n_opposite)``, i.e. the mean of those
±1 values, so its interval is the same participant-level cluster bootstrap as
the gaps. Computed overall (all current-mode sentences) and per dimension
(the sentences where the dimension is mentioned).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxaudit.compare.dimensions import CURRENT_MODES, TOUCHPOINT_LENSES, attach_documents, mentions
from cxaudit.compare.gaps import boot_dimensions, careful_interval, lenses_of
from cxaudit.compare.tables import MOTIF
from cxaudit.desired import Desired, _lexicon, resolve_motif
from cxaudit.schemas import conform

__all__ = ["motif_alignment", "motif_axes"]

_SCOPE = ["lens", "level", "dimension"]
_KEY = _SCOPE + ["motif"]


def motif_axes(desired: Desired, feelings: pd.DataFrame, *, lexicon: pd.DataFrame | None = None) -> dict[str, tuple[str, int]]:
    """(axis, pole) of each motif word: from ``desired.motif_axes``, else the lexicon, else the
    non-negated rows of ``feelings`` whose feeling is the word. Unresolved words are warned about."""
    if desired.motif_axes:
        return dict(desired.motif_axes)
    lex = lexicon if lexicon is not None else _lexicon(None)
    resolved = resolve_motif(desired.motif, lex)[0] if lex is not None else {}
    plain = feelings[~feelings["negated"].astype(bool)] if "negated" in feelings else feelings
    for w in desired.motif:
        if w not in resolved:
            hit = plain[plain["feeling"] == w]
            if len(hit):
                resolved[w] = (str(hit["axis"].iloc[0]), int(hit["pole"].iloc[0]))
    missing = [w for w in desired.motif if w not in resolved]
    if missing:
        warnings.warn(f"motif word(s) {missing} not found in the feelings lexicon: no alignment for them", stacklevel=3)
    return resolved


def _signed(feelings: pd.DataFrame, axes: dict[str, tuple[str, int]]) -> pd.DataFrame:
    """Feelings on a motif axis with ``motif`` (the word) and ``value`` (+1 motif pole, −1 opposite)."""
    by_axis: dict[str, tuple[str, int]] = {}
    for word, (axis, pole) in axes.items():
        by_axis.setdefault(axis, (word, pole))
    f = feelings[feelings["axis"].isin(list(by_axis))].copy()
    f["motif"] = f["axis"].map(lambda a: by_axis[a][0]).astype("string")
    want = f["axis"].map(lambda a: by_axis[a][1]).astype(int)
    f["value"] = np.where(f["pole"].astype(int).to_numpy() == want.to_numpy(), 1.0, -1.0)
    return f[["sentence_id", "doc_id", "motif", "value"]]


def _scopes(tags, sentences, documents, desired, current_modes, touchpoint_lenses) -> pd.DataFrame:
    """Current-mode sentences per scope: lens, level, dimension, clue_type, sentence_id, doc_id."""
    cur_sent = sentences[sentences["mode"].isin(list(current_modes))]
    overall = pd.DataFrame(
        {"lens": "all", "level": "overall", "dimension": "overall", "clue_type": pd.NA,
         "sentence_id": cur_sent["sentence_id"].astype("string").to_numpy(), "doc_id": cur_sent["doc_id"].astype("string").to_numpy()}
    )
    if tags.empty:
        return overall
    m = mentions(tags, documents, lenses=lenses_of(tags, desired), touchpoint_lenses=touchpoint_lenses)
    m = m[m["mode"].isin(list(current_modes))]
    dims = m[_SCOPE + ["clue_type", "sentence_id", "doc_id"]].drop_duplicates(_SCOPE + ["sentence_id"])
    return pd.concat([overall, dims], ignore_index=True)


def motif_alignment(
    feelings: pd.DataFrame,
    sentences: pd.DataFrame,
    tags: pd.DataFrame,
    documents: pd.DataFrame,
    desired: Desired | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    lexicon: pd.DataFrame | None = None,
    current_modes=CURRENT_MODES,
    min_participants: int = 5,
    touchpoint_lenses=TOUCHPOINT_LENSES,
) -> pd.DataFrame:
    """Motif alignment overall and per dimension, for each motif word and the whole motif ('all').

    In: FEELINGS (sentence_id, axis, pole, negated), SENTENCES (sentence_id,
    doc_id, mode), TAGS, DOCUMENTS. Out: the :data:`~cxaudit.compare.tables.MOTIF`
    schema. Scopes where no sentence carries a motif-axis feeling get counts
    of 0, a null net alignment and no interval.
    """
    desired = desired or Desired.default()
    axes = motif_axes(desired, feelings, lexicon=lexicon)
    scopes = _scopes(tags, sentences, documents, desired, current_modes, touchpoint_lenses)
    n_sent = scopes.groupby(_SCOPE).agg(n_sentences=("sentence_id", "nunique"), clue_type=("clue_type", "first"))
    signed = _signed(feelings, axes).drop(columns="doc_id")
    obs = scopes.drop(columns="clue_type").merge(signed, on="sentence_id")
    obs = pd.concat([obs, obs.assign(motif="all")], ignore_index=True)
    obs = attach_documents(obs, documents)
    words = list(axes) + ["all"]
    rows = n_sent.reset_index().merge(pd.DataFrame({"motif": words}), how="cross")
    rows["axis"] = rows["motif"].map({w: a for w, (a, _) in axes.items()}).fillna("all")
    est, reps = boot_dimensions(obs, rows, _KEY, n_boot=n_boot, rng=np.random.default_rng(seed), value_col="value")
    counts = obs.assign(pos=obs["value"] > 0).groupby(_KEY)["pos"].agg(n_motif="sum", n_all="count")
    rows = rows.join(counts, on=_KEY)
    rows["n_motif"] = rows["n_motif"].fillna(0).astype(int)
    rows["n_opposite"] = (rows["n_all"].fillna(0) - rows["n_motif"]).astype(int)
    rows["share_motif"] = rows["n_motif"] / rows["n_sentences"]
    rows["share_opposite"] = rows["n_opposite"] / rows["n_sentences"]
    rows["net_alignment"] = est["mean"].to_numpy()
    rows["n_participants"] = est["n_clusters"].to_numpy()
    rows["ci_low"], rows["ci_high"], warn = careful_interval(est, reps, min_mentions=0, min_participants=min_participants)
    rows["warning"] = ["no motif-axis feelings" if n == 0 else w for n, w in zip(est["n"], warn)]
    return conform(rows.sort_values(_KEY, kind="stable"), MOTIF)
