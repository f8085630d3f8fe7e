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
from pandas.api.types import is_integer_dtype

__all__ = [
    "LEVELS",
    "CURRENT_MODES",
    "TOUCHPOINT_LENSES",
    "participants",
    "attach_documents",
    "id_values",
    "harmonise_ids",
    "ID_COLUMNS",
    "is_value",
    "distinct",
    "mentions",
    "group_mentions",
]

LEVELS = ("clue_type", "code", "touchpoint", "clue_type x touchpoint")
#: Sentence modes that describe the current experience. ``other`` (neither a wish nor a
#: question, e.g. verbless survey fragments like "Slow billing.") counts; ``desired`` and
#: ``question`` do not.
CURRENT_MODES = ("current", "other")
TOUCHPOINT_LENSES = ("touchpoints",)
ALL = "all"
ID_COLUMNS = ("doc_id", "sentence_id", "participant")
MISSING = "(missing)"


def _is_coded(ids: pd.Series) -> bool:
    """True for integer ids, or a categorical of integers (as :func:`mentions` makes from them)."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        return is_integer_dtype(ids.cat.categories.dtype)
    return is_integer_dtype(ids.dtype)


def harmonise_ids(*frames: pd.DataFrame | None) -> tuple:
    """``frames`` with their id columns (doc_id, sentence_id, participant) all integer codes or all
    strings: when integer and string ids are mixed, the integer ones become strings (as they
    would be compared before codes existed). Columns that are entirely null do not count."""
    found = {_is_coded(f[c]) for f in frames if f is not None for c in ID_COLUMNS if c in f and f[c].notna().any()}
    if len(found) < 2:
        return frames
    fix = lambda f: f.assign(**{c: f[c].astype("string") for c in ID_COLUMNS if c in f and _is_coded(f[c])})  # noqa: E731
    return tuple(None if f is None else fix(f) for f in frames)


def id_values(ids: pd.Series) -> pd.Series:
    """An id column (doc_id, sentence_id, participant) ready for lookups: integer codes (as
    :func:`cxaudit.compare.compare_store` reads them) stay as they are, anything else
    becomes strings."""
    return ids if is_integer_dtype(ids.dtype) else ids.astype("string")


def _factor_keys(ids: pd.Series):
    """Row values to factorize: integer codes and categoricals as they are (no strings built), else strings."""
    return ids if is_integer_dtype(ids.dtype) or isinstance(ids.dtype, pd.CategoricalDtype) else ids.astype("string")


def participants(documents: pd.DataFrame) -> pd.Series:
    """The bootstrap unit of each document: ``participant`` when not null, else the doc_id.

    Returns a Series indexed by doc_id: strings, or integer codes when doc_id (and participant,
    unless entirely null) are integer codes.
    """
    doc_id = documents["doc_id"]
    who = documents["participant"] if "participant" in documents else None
    if who is None or who.isna().all():
        who = doc_id = id_values(doc_id)
    else:
        (documents,) = harmonise_ids(documents)
        doc_id = id_values(documents["doc_id"])
        who = id_values(documents["participant"]).fillna(doc_id)
    return pd.Series(who.to_numpy(), index=doc_id.to_numpy(), name="participant")


def _doc_lookup(doc_id: pd.Series, mapping: pd.Series, fallback: str | None) -> pd.Categorical:
    """``mapping[doc_id]`` for every row as a Categorical, computed once per distinct doc_id.

    ``doc_id`` and ``mapping``'s index are both strings or both integer codes. Unmapped or null
    values become ``fallback`` (None: the doc_id itself). Categories come in order of first
    appearance: strings, or integers when ids and mapped values are integer codes.
    """
    codes, uniques = pd.factorize(_factor_keys(doc_id), sort=False)
    keys = id_values(pd.Series(np.asarray(uniques)))
    values = keys.map(mapping)
    coded = is_integer_dtype(keys.dtype) and is_integer_dtype(mapping.dtype) and fallback is None
    if not coded:
        keys, values = keys.astype("string"), values.astype("string")
    values = values.fillna(keys if fallback is None else fallback)
    inner, labels = pd.factorize(values)
    categories = pd.Index(labels) if coded else labels.astype(str)
    return pd.Categorical.from_codes(np.where(codes >= 0, inner[codes], -1), categories=categories)


def attach_documents(frame: pd.DataFrame, documents: pd.DataFrame, *, group_col: str | None = None) -> pd.DataFrame:
    """Add ``participant`` and, when ``group_col`` is given, ``group`` to rows keyed by doc_id.

    Rows whose document is unknown get their doc_id as participant and the
    group ``(missing)``; null group values also become ``(missing)``. Both
    columns come back categorical. ``doc_id`` may be strings, a categorical or
    integer codes (then documents' doc_id and participant are codes too).
    """
    frame, documents = harmonise_ids(frame, documents)
    out = frame.copy(deep=False)  # copy-on-write: the new columns do not reach ``frame``
    out["participant"] = _doc_lookup(out["doc_id"], participants(documents), None)
    if group_col is not None:
        if group_col not in documents:
            raise KeyError(f"group_col {group_col!r} is not a documents column; found {list(documents.columns)}")
        values = pd.Series(documents[group_col].astype("string").to_numpy(), index=id_values(documents["doc_id"]).to_numpy())
        out["group"] = _doc_lookup(out["doc_id"], values, MISSING)
    return out


def is_value(column: pd.Series, value: str) -> np.ndarray:
    """Boolean array: the rows of a string or categorical column equal to ``value`` (null rows: False)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        where = column.cat.categories.get_indexer([value])[0]
        return column.cat.codes.to_numpy() == where if where >= 0 else np.zeros(len(column), dtype=bool)
    return (column.astype("string") == value).fillna(False).to_numpy(bool)


def distinct(column: pd.Series) -> list[str]:
    """The distinct non-null values of a string or categorical column as strings, in order of first appearance."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = pd.unique(column.cat.codes.to_numpy())
        return [str(column.cat.categories[c]) for c in codes if c >= 0]
    return list(pd.unique(column.astype("string").dropna()))


class _Vocab:
    """One category list shared by the string columns of the mentions table (cheap to expand)."""

    def __init__(self, *categoricals: pd.Categorical, extra=()):
        words = set(extra)
        for c in categoricals:
            words.update(map(str, c.categories))
        self.index = pd.Index(sorted(words), dtype=object)

    def codes(self, cat: pd.Categorical) -> np.ndarray:
        lookup = self.index.get_indexer(cat.categories.astype(str)).astype(np.int32)
        return np.where(cat.codes >= 0, lookup[cat.codes] if len(lookup) else np.int32(-1), np.int32(-1))

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
    """Column ``col`` as a Categorical whose categories come in order of first appearance: strings
    (from strings or a categorical), or the integers themselves for integer-coded ids."""
    if col not in tags:
        return pd.Categorical.from_codes(np.full(len(tags), -1), categories=pd.Index([], dtype=object))
    codes, uniques = pd.factorize(_factor_keys(tags[col]), sort=False)  # hashing, no sort: fast on 1M ids
    if is_integer_dtype(tags[col].dtype):
        return pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(uniques)))
    return pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(uniques, dtype=object), dtype=object))


def _expand(tags: pd.DataFrame, touchpoint_lenses) -> tuple[np.ndarray, dict[str, pd.Categorical]]:
    """Rows of ``tags`` repeated once per level they belong to, and the level columns."""
    book, code, clue, tp = (_cat(tags, c) for c in ("codebook", "code", "clue_type", "touchpoint"))
    clue = clue.set_categories([c for c in clue.categories if c != "none"])  # 'none' is no clue type
    combo = _combo(clue, tp)
    vocab = _Vocab(book, code, clue, tp, combo)
    v = {name: vocab.codes(c) for name, c in (("book", book), ("code", code), ("clue", clue), ("tp", tp), ("combo", combo))}
    is_tp = tags["codebook"].isin(list(touchpoint_lenses)).to_numpy()
    none = np.full(len(tags), -1, dtype=np.int32)
    specs = [  # level, mask, dimension, clue_type, touchpoint, code
        ("clue_type", ~is_tp & (v["clue"] >= 0), v["clue"], v["clue"], none, none),
        ("code", ~is_tp, v["code"], v["clue"], none, v["code"]),
        ("touchpoint", ~is_tp & (v["tp"] >= 0), v["tp"], none, v["tp"], none),
        ("clue_type x touchpoint", ~is_tp & (v["combo"] >= 0), v["combo"], v["clue"], v["tp"], none),
        ("touchpoint", is_tp, v["code"], none, v["code"], v["code"]),
    ]
    parts = [(LEVELS.index(level), np.flatnonzero(mask), cols) for level, mask, *cols in specs]
    rows = np.concatenate([idx for _, idx, _ in parts]) if parts else np.array([], int)
    level = np.concatenate([np.full(len(idx), lv, dtype=np.int8) for lv, idx, _ in parts])
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
    polarity, valence, mode) and DOCUMENTS (doc_id, participant, group_col);
    ids may be strings or integer codes (see :func:`id_values`).
    ``lenses``: codebooks to keep (None: all).
    Out (string columns categorical, for speed): lens, level, dimension,
    clue_type, touchpoint, code, sentence_id, doc_id, mode, polarity,
    negative (bool), participant, group_by, group. Without ``group_col``
    every row has group_by = group = 'all'; with it the rows appear twice:
    once for 'all' and once for their group.
    """
    return group_mentions(tags, documents, lenses=lenses, group_col=group_col, touchpoint_lenses=touchpoint_lenses)


def group_mentions(tags, documents, *, lenses=None, group_col=None, touchpoint_lenses=TOUCHPOINT_LENSES, overall=True,
                   attach=True) -> pd.DataFrame:
    """:func:`mentions`; with ``overall=False`` and a ``group_col``, only the rows of the groups
    (the second half of :func:`mentions`' rows, with the same categories); with ``attach=False``
    and no ``group_col``, without participant (rows and other columns the same)."""
    tags, documents = harmonise_ids(tags, documents)
    tags = tags.reset_index(drop=True)
    if lenses is not None:
        tags = tags[tags["codebook"].isin(list(lenses))].reset_index(drop=True)
    rows, cols = _expand(tags, touchpoint_lenses)
    base = pd.DataFrame(cols)
    for c in ("sentence_id", "doc_id", "mode"):
        base[c] = _cat(tags, c)[rows]
    base["polarity"] = tags["polarity"].astype(float).to_numpy()[rows]
    base["negative"] = is_value(tags["valence"], "negative")[rows]
    if attach or group_col is not None:
        base = attach_documents(base, documents, group_col=group_col)
    n = len(base)
    if group_col is None:
        one = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[ALL])
        return base.assign(group_by=one, group=one)
    group = base["group"].array
    cats = [ALL] + [g for g in group.categories if g != ALL]
    lut = pd.Index(cats).get_indexer(group.categories)
    codes = lut[group.codes] if len(lut) else group.codes
    if not overall:
        by = pd.Categorical.from_codes(np.ones(n, np.int8), categories=[ALL, group_col])
        return base.drop(columns="group").assign(group_by=by, group=pd.Categorical.from_codes(codes, categories=cats))
    by = pd.Categorical.from_codes(np.r_[np.zeros(n, np.int8), np.ones(n, np.int8)], categories=[ALL, group_col])
    grp = pd.Categorical.from_codes(np.r_[np.zeros(n, codes.dtype), codes], categories=cats)
    out = pd.concat([base.drop(columns="group"), base.drop(columns="group")], ignore_index=True)
    out["group_by"], out["group"] = by, grp
    return out
