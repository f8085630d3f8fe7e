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

from cxaudit.compare.dimensions import (
    CURRENT_MODES,
    LEVELS,
    TOUCHPOINT_LENSES,
    attach_documents,
    group_mentions,
    harmonise_ids,
    id_values,
)
from cxaudit.compare.gaps import boot_dimensions, careful_interval, lenses_of
from cxaudit.compare.tables import MOTIF
from cxaudit.compare.desired import Desired, _lexicon, resolve_motif
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
    axis = f["axis"].astype("string")
    f["motif"] = axis.map(lambda a: by_axis[a][0]).astype("string")
    want = axis.map(lambda a: by_axis[a][1]).astype(int)
    f["value"] = np.where(f["pole"].astype(int).to_numpy() == want.to_numpy(), 1.0, -1.0)
    return f[["sentence_id", "doc_id", "motif", "value"]]


def _scopes(tags, sentences, documents, desired, current_modes, touchpoint_lenses, keep) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Current-mode sentences per scope (overall, and each dimension where it is mentioned).

    Returns (per scope: n_sentences, clue_type, indexed by lens, level, dimension in sorted order;
    the (scope, sentence) rows whose sentence_id is in ``keep``: lens, level, dimension,
    sentence_id, doc_id, first occurrence of each pair, overall first, then in mention order).
    """
    cur_sent = sentences[sentences["mode"].isin(list(current_modes))]
    sid = id_values(cur_sent["sentence_id"])
    overall = pd.DataFrame({"lens": "all", "level": "overall", "dimension": "overall", "sentence_id": sid.to_numpy(),
                            "doc_id": id_values(cur_sent["doc_id"]).to_numpy()})
    counts = [pd.DataFrame({"lens": ["all"], "level": "overall", "dimension": "overall", "n_sentences": sid.nunique(),
                            "clue_type": [None]})] if len(cur_sent) else []
    parts = [overall[sid.isin(keep).to_numpy()]]
    if not tags.empty:
        m = group_mentions(tags, documents, lenses=lenses_of(tags, desired), touchpoint_lenses=touchpoint_lenses, attach=False)
        m = m[m["mode"].isin(list(current_modes))]
        scope, first = _first_pairs(m)
        counts.append(_scope_counts(m, scope, first))
        parts.append(m.loc[first & m["sentence_id"].isin(keep).to_numpy(), _SCOPE + ["sentence_id", "doc_id"]])
    n_sent = pd.concat(counts, ignore_index=True) if counts else pd.DataFrame(columns=_SCOPE + ["n_sentences", "clue_type"])
    n_sent = n_sent.sort_values(_SCOPE).set_index(_SCOPE)
    return n_sent, pd.concat(parts, ignore_index=True)


def _first_pairs(m: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Scope number of each mention (from the category codes) and whether it is the first mention of
    its (scope, sentence) pair."""
    lens, level, dim = (m[c].cat for c in _SCOPE)
    scope = (lens.codes.to_numpy().astype(np.int64) * len(LEVELS) + level.codes.to_numpy()) * (len(dim.categories) + 1) \
        + dim.codes.to_numpy() + 1
    sent = m["sentence_id"].cat.codes.to_numpy().astype(np.int64) + 1
    width = int(sent.max()) + 1 if len(sent) else 1
    first = ~pd.Series(scope * width + sent).duplicated().to_numpy()
    return scope, first


def _scope_counts(m: pd.DataFrame, scope: np.ndarray, first: np.ndarray) -> pd.DataFrame:
    """Per scope of ``m``: lens, level, dimension, n_sentences (distinct non-null sentences) and
    clue_type (first non-null among the first mentions of each sentence)."""
    rows = pd.Series(np.arange(len(m)))
    where = rows.groupby(scope).first()  # a row of each scope, by scope number
    has_sent = first & (m["sentence_id"].cat.codes.to_numpy() >= 0)
    n = pd.Series(has_sent.astype(np.int64)).groupby(scope).sum()
    clue_ok = first & m["clue_type"].notna().to_numpy()
    clue_at = rows[clue_ok].groupby(scope[clue_ok]).first()
    out = m.iloc[where.to_numpy()][_SCOPE].astype(object).reset_index(drop=True)
    out["n_sentences"] = n.reindex(where.index).to_numpy()
    clue = m["clue_type"].astype(object).to_numpy()
    at = clue_at.reindex(where.index)
    out["clue_type"] = [clue[int(i)] if pd.notna(i) else None for i in at]
    return out


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
    feelings, sentences, tags, documents = harmonise_ids(feelings, sentences, tags, documents)
    axes = motif_axes(desired, feelings, lexicon=lexicon)
    signed = _signed(feelings, axes).drop(columns="doc_id")
    n_sent, scopes = _scopes(tags, sentences, documents, desired, current_modes, touchpoint_lenses, signed["sentence_id"].unique())
    obs = scopes.merge(signed, on="sentence_id")
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
