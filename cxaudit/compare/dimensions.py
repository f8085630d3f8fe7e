"""From tags to mentions of dimensions: the long table every comparison aggregates.

A *dimension* is something the audit scores, at one of four *levels* of a
*lens* (a codebook):

* ``clue_type``: functional, mechanic, humanic (tags of clue type ``none`` have none);
* ``code``: the code id;
* ``touchpoint``: the touchpoint the tagger attached to the mention;
* ``clue_type x touchpoint``: e.g. ``humanic x get-help``.

For a *touchpoint lens* (by default the codebook ``touchpoints``) the tags are
touchpoint mentions themselves (clue type ``none``, polarity = the clause
polarity of the touchpoint mention): the only level is ``touchpoint`` and the
dimension is the code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "LEVELS",
    "CURRENT_MODES",
    "TOUCHPOINT_LENSES",
    "participants",
    "attach_documents",
    "mentions",
]

LEVELS = ("clue_type", "code", "touchpoint", "clue_type x touchpoint")
#: Sentence modes that describe the current experience. ``other`` (neither a wish nor a
#: question, e.g. verbless survey fragments like "Slow billing.") counts; ``desired`` and
#: ``question`` do not.
CURRENT_MODES = ("current", "other")
TOUCHPOINT_LENSES = ("touchpoints",)
ALL = "all"
MISSING = "(missing)"


def participants(documents: pd.DataFrame) -> pd.Series:
    """The bootstrap unit of each document: ``participant`` when not null, else the doc_id.

    Returns a string Series indexed by doc_id.
    """
    doc_id = documents["doc_id"].astype("string")
    if "participant" in documents:
        who = documents["participant"].astype("string").fillna(doc_id)
    else:
        who = doc_id
    return pd.Series(who.to_numpy(), index=doc_id.to_numpy(), name="participant")


def _doc_lookup(doc_id: pd.Series, mapping: pd.Series, fallback: str | None) -> pd.Categorical:
    """``mapping[doc_id]`` for every row as a Categorical, computed once per distinct doc_id.

    Unmapped or null values become ``fallback`` (None: the doc_id itself).
    """
    codes, uniques = pd.factorize(doc_id.astype("string"), sort=False)
    cat = pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(uniques, dtype=object), dtype=object))
    cats = pd.Series(cat.categories.astype("string"))
    values = cats.map(mapping).astype("string")
    values = values.fillna(cats if fallback is None else fallback)
    codes, uniques = pd.factorize(values)
    return pd.Categorical.from_codes(np.where(cat.codes >= 0, codes[cat.codes], -1), categories=uniques.astype(str))


def attach_documents(frame: pd.DataFrame, documents: pd.DataFrame, *, group_col: str | None = None) -> pd.DataFrame:
    """Add ``participant`` and, when ``group_col`` is given, ``group`` to rows keyed by doc_id.

    Rows whose document is unknown get their doc_id as participant and the
    group ``(missing)``; null group values also become ``(missing)``. Both
    columns come back categorical.
    """
    out = frame.copy()
    out["participant"] = _doc_lookup(out["doc_id"], participants(documents), None)
    if group_col is not None:
        if group_col not in documents:
            raise KeyError(f"group_col {group_col!r} is not a documents column; found {list(documents.columns)}")
        values = pd.Series(documents[group_col].astype("string").to_numpy(), index=documents["doc_id"].astype("string").to_numpy())
        out["group"] = _doc_lookup(out["doc_id"], values, MISSING)
    return out


class _Vocab:
    """One category list shared by the string columns of the mentions table (cheap to expand)."""

    def __init__(self, *categoricals: pd.Categorical, extra=()):
        words = set(extra)
        for c in categoricals:
            words.update(map(str, c.categories))
        self.index = pd.Index(sorted(words), dtype=object)

    def codes(self, cat: pd.Categorical) -> np.ndarray:
        lookup = self.index.get_indexer(cat.categories.astype(str))
        return np.where(cat.codes >= 0, lookup[cat.codes] if len(lookup) else -1, -1)

    def column(self, codes: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=self.index)


def _combo(clue: pd.Categorical, tp: pd.Categorical) -> pd.Categorical:
    """'<clue_type> x <touchpoint>' per row, computed once per distinct pair (null when either is)."""
    key = clue.codes.astype(np.int64) * (len(tp.categories) + 1) + tp.codes
    ok = (clue.codes >= 0) & (tp.codes >= 0)
    inverse, uniques = pd.factorize(np.where(ok, key, -1))
    labels = [f"{clue.categories[k // (len(tp.categories) + 1)]} x {tp.categories[k % (len(tp.categories) + 1)]}" if k >= 0 else None
              for k in uniques]
    valid = [lab for lab in labels if lab is not None]
    remap = np.array([valid.index(lab) if lab is not None else -1 for lab in labels], dtype=np.int64)
    return pd.Categorical.from_codes(remap[inverse] if len(remap) else inverse, categories=pd.Index(valid, dtype=object))


def _cat(tags: pd.DataFrame, col: str) -> pd.Categorical:
    if col not in tags:
        return pd.Categorical.from_codes(np.full(len(tags), -1), categories=pd.Index([], dtype=object))
    codes, uniques = pd.factorize(tags[col].astype("string"), sort=False)  # hashing, no sort: fast on 1M ids
    return pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(uniques, dtype=object), dtype=object))


def _expand(tags: pd.DataFrame, touchpoint_lenses) -> tuple[np.ndarray, dict[str, pd.Categorical]]:
    """Rows of ``tags`` repeated once per level they belong to, and the level columns."""
    book, code, clue, tp = (_cat(tags, c) for c in ("codebook", "code", "clue_type", "touchpoint"))
    clue = clue.set_categories([c for c in clue.categories if c != "none"])  # 'none' is no clue type
    combo = _combo(clue, tp)
    vocab = _Vocab(book, code, clue, tp, combo)
    v = {name: vocab.codes(c) for name, c in (("book", book), ("code", code), ("clue", clue), ("tp", tp), ("combo", combo))}
    is_tp = tags["codebook"].isin(list(touchpoint_lenses)).to_numpy()
    none = np.full(len(tags), -1)
    specs = [  # level, mask, dimension, clue_type, touchpoint, code
        ("clue_type", ~is_tp & (v["clue"] >= 0), v["clue"], v["clue"], none, none),
        ("code", ~is_tp, v["code"], v["clue"], none, v["code"]),
        ("touchpoint", ~is_tp & (v["tp"] >= 0), v["tp"], none, v["tp"], none),
        ("clue_type x touchpoint", ~is_tp & (v["combo"] >= 0), v["combo"], v["clue"], v["tp"], none),
        ("touchpoint", is_tp, v["code"], none, v["code"], v["code"]),
    ]
    parts = [(LEVELS.index(level), np.flatnonzero(mask), cols) for level, mask, *cols in specs]
    rows = np.concatenate([idx for _, idx, _ in parts]) if parts else np.array([], int)
    level = np.concatenate([np.full(len(idx), lv) for lv, idx, _ in parts])
    names = ("dimension", "clue_type", "touchpoint", "code")
    out = {"lens": vocab.column(v["book"][rows]), "level": pd.Categorical.from_codes(level, categories=list(LEVELS))}
    for i, name in enumerate(names):
        out[name] = vocab.column(np.concatenate([cols[i][idx] for _, idx, cols in parts]))
    return rows, out


def mentions(
    tags: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    lenses=None,
    group_col: str | None = None,
    touchpoint_lenses=TOUCHPOINT_LENSES,
) -> pd.DataFrame:
    """Expand tags into one row per (tag, level): the mentions of each dimension.

    In: TAGS (sentence_id, doc_id, codebook, code, clue_type, touchpoint,
    polarity, valence, mode) and DOCUMENTS (doc_id, participant, group_col).
    ``lenses``: codebooks to keep (None: all).
    Out (string columns categorical, for speed): lens, level, dimension,
    clue_type, touchpoint, code, sentence_id, doc_id, mode, polarity,
    negative (bool), participant, group_by, group. Without ``group_col``
    every row has group_by = group = 'all'; with it the rows appear twice:
    once for 'all' and once for their group.
    """
    tags = tags.reset_index(drop=True)
    if lenses is not None:
        tags = tags[tags["codebook"].isin(list(lenses))].reset_index(drop=True)
    rows, cols = _expand(tags, touchpoint_lenses)
    base = pd.DataFrame(cols)
    for c in ("sentence_id", "doc_id", "mode"):
        base[c] = _cat(tags, c)[rows]
    base["polarity"] = tags["polarity"].astype(float).to_numpy()[rows]
    base["negative"] = (tags["valence"].astype("string") == "negative").fillna(False).to_numpy(bool)[rows]
    base = attach_documents(base, documents, group_col=group_col)
    n = len(base)
    if group_col is None:
        one = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[ALL])
        return base.assign(group_by=one, group=one)
    group = base["group"].cat
    cats = [ALL] + [g for g in group.categories if g != ALL]
    by = pd.Categorical.from_codes(np.r_[np.zeros(n, np.int8), np.ones(n, np.int8)], categories=[ALL, group_col])
    grp = pd.Categorical(np.r_[np.full(n, ALL, dtype=object), base["group"].astype(object).to_numpy()], categories=cats)
    out = pd.concat([base.drop(columns="group"), base.drop(columns="group")], ignore_index=True)
    out["group_by"], out["group"] = by, grp
    return out
