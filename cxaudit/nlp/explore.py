"""Language exploration helpers for the notebooks: keyword in context, term
frequencies by group, and distinctive terms between groups.

Terms are the lower-cased lemmas of alphabetic, non-stop-word tokens, from the
lookup lemmatizer of :func:`cxaudit.nlp.get_pipeline` (or the ``nlp`` you pass).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cxaudit._extras import require
from cxaudit.nlp import get_pipeline

__all__ = ["kwic", "kwic_code", "term_frequencies", "distinctive_terms", "plot_distinctive_terms", "sentence_terms"]


def _check_sentences(sentences: pd.DataFrame, cols: tuple[str, ...]) -> None:
    if not isinstance(sentences, pd.DataFrame):
        raise TypeError(f"expected a sentences DataFrame; found {type(sentences).__name__}")
    missing = [c for c in cols if c not in sentences.columns]
    if missing:
        raise ValueError(f"sentences lacks column(s) {missing}; found {list(sentences.columns)}")


def kwic(sentences: pd.DataFrame, term_or_regex: str, *, window: int = 40, regex: bool = False,
         ignore_case: bool = True) -> pd.DataFrame:
    """Keyword in context: one row per match of a term (whole word) or regex in ``sentences.text``.

    Returns columns sentence_id, left, match, right (``window`` characters each side).
    """
    _check_sentences(sentences, ("sentence_id", "text"))
    if not isinstance(term_or_regex, str) or not term_or_regex:
        raise ValueError(f"kwic: expected a non-empty term or regex; found {term_or_regex!r}")
    pattern = term_or_regex if regex else rf"(?<!\w){re.escape(term_or_regex)}(?!\w)"
    rx = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    rows = []
    for sid, text in zip(sentences["sentence_id"], sentences["text"]):
        if not isinstance(text, str):
            continue
        for m in rx.finditer(text):
            rows.append((sid, text[max(0, m.start() - window):m.start()], m.group(0), text[m.end():m.end() + window]))
    return pd.DataFrame(rows, columns=["sentence_id", "left", "match", "right"])


def kwic_code(sentences: pd.DataFrame, tags: pd.DataFrame, code: str, *, window: int = 40) -> pd.DataFrame:
    """Keyword in context for the evidence of every tag of ``code`` (columns sentence_id, code, left, match, right).

    Tags without offsets (sentence-level) show the whole sentence as the match.
    """
    _check_sentences(sentences, ("sentence_id", "text"))
    _check_sentences(tags, ("sentence_id", "code", "start_char", "end_char"))
    sel = tags[tags["code"] == code]
    text_of = dict(zip(sentences["sentence_id"], sentences["text"]))
    rows = []
    for sid, a, b in zip(sel["sentence_id"], sel["start_char"], sel["end_char"]):
        text = text_of.get(sid)
        if not isinstance(text, str):
            continue
        if pd.isna(a) or pd.isna(b):
            a, b = 0, len(text)
        a, b = int(a), int(b)
        rows.append((sid, code, text[max(0, a - window):a], text[a:b], text[b:b + window]))
    return pd.DataFrame(rows, columns=["sentence_id", "code", "left", "match", "right"])


def sentence_terms(texts, *, nlp=None) -> list[list[str]]:
    """Terms (lower-cased lemmas of alphabetic non-stop tokens) of each text."""
    if nlp is None:
        nlp = get_pipeline("blank")
    out = []
    with nlp.select_pipes(enable=[p for p in nlp.pipe_names if p in ("sentencizer", "lemmatizer", "tagger", "attribute_ruler", "tok2vec")]):
        for doc in nlp.pipe((t if isinstance(t, str) else "" for t in texts), batch_size=1000):
            out.append([(t.lemma_ or t.text).lower() for t in doc if t.is_alpha and not t.is_stop])
    return out


def _long_counts(sentences: pd.DataFrame, by: str | None, nlp) -> pd.DataFrame:
    """Long counts: group, term, count."""
    groups = sentences[by].astype("string").fillna("(missing)") if by else pd.Series(["all"] * len(sentences))
    terms = sentence_terms(sentences["text"], nlp=nlp)
    pairs = [(g, t) for g, ts in zip(groups, terms) for t in ts]
    if not pairs:
        return pd.DataFrame({"group": pd.Series([], dtype="string"), "term": pd.Series([], dtype="string"),
                             "count": pd.Series([], dtype="int64")})
    df = pd.DataFrame(pairs, columns=["group", "term"])
    return df.groupby(["group", "term"]).size().rename("count").reset_index()


def term_frequencies(sentences: pd.DataFrame, *, by: str | None = None, nlp=None, min_count: int = 1) -> pd.DataFrame:
    """Term counts per group: columns group, term, count, share (of the group's terms).

    ``by`` names a column of ``sentences`` (e.g. a segment joined from documents);
    without it there is one group, "all". Terms counted fewer than ``min_count``
    times in a group are dropped. Sorted by group, then count descending.
    """
    _check_sentences(sentences, ("text",) + ((by,) if by else ()))
    counts = _long_counts(sentences, by, nlp)
    totals = counts.groupby("group")["count"].transform("sum")
    counts["share"] = counts["count"] / totals
    counts = counts[counts["count"] >= min_count]
    return counts.sort_values(["group", "count", "term"], ascending=[True, False, True]).reset_index(drop=True)


def distinctive_terms(sentences: pd.DataFrame, group_col: str, *, groups: list | None = None,
                      prior: str = "informative", prior_scale: float = 1.0, min_count: int = 3,
                      nlp=None) -> pd.DataFrame:
    """Terms that distinguish each group from the others: log-odds ratio with a Dirichlet prior.

    Monroe, Colaresi & Quinn (2008), "Fightin' Words": for group i against all other
    selected groups j, with term counts y and prior α (``prior="informative"``: the
    pooled counts of all selected groups scaled to ``prior_scale`` × their total;
    ``"uniform"``: 0.01 per term)::

        δ = log((y_i + α) / (n_i + α0 - y_i - α)) - log((y_j + α) / (n_j + α0 - y_j - α))
        σ² ≈ 1 / (y_i + α) + 1 / (y_j + α),   z = δ / σ

    Returns columns term, group, count (in the group), log_odds (δ), z; terms seen
    fewer than ``min_count`` times in all selected groups together are dropped.
    Sorted by group, then z descending.
    """
    _check_sentences(sentences, ("text", group_col))
    if prior not in ("informative", "uniform"):
        raise ValueError(f"distinctive_terms: prior must be 'informative' or 'uniform'; found {prior!r}")
    data = sentences
    if groups is not None:
        data = sentences[sentences[group_col].isin(groups)]
    counts = _long_counts(data, group_col, nlp)
    table = counts.pivot_table(index="term", columns="group", values="count", aggfunc="sum", fill_value=0)
    if table.shape[1] < 2:
        raise ValueError(f"distinctive_terms: need at least two groups in {group_col!r}; found {list(table.columns)}")
    table = table[table.sum(axis=1) >= min_count]
    y = table.to_numpy(dtype=float)
    pooled = y.sum(axis=1)
    if prior == "informative":
        alpha = pooled * prior_scale
    else:
        alpha = np.full_like(pooled, 0.01)
    a0 = alpha.sum()
    rows = []
    for k, group in enumerate(table.columns):
        yi = y[:, k]
        yj = pooled - yi
        ni, nj = yi.sum(), yj.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = (np.log((yi + alpha) / (ni + a0 - yi - alpha)) - np.log((yj + alpha) / (nj + a0 - yj - alpha)))
            z = delta / np.sqrt(1.0 / (yi + alpha) + 1.0 / (yj + alpha))
        rows.append(pd.DataFrame({"term": table.index.astype(str), "group": str(group), "count": yi.astype(int),
                                  "log_odds": delta, "z": z}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["group", "z"], ascending=[True, False]).reset_index(drop=True)


def plot_distinctive_terms(data: pd.DataFrame, *, top: int = 15, ax=None):
    """Horizontal bars of the ``top`` terms by z for each group of a :func:`distinctive_terms` frame; returns the Axes.
    Needs the ``plots`` extra (matplotlib, seaborn)."""
    require("plots", "plot_distinctive_terms")
    # the plots extra (matplotlib, seaborn), checked just above
    import matplotlib.pyplot as plt
    import seaborn as sns

    needed = {"term", "group", "z"}
    if not needed <= set(data.columns):
        raise ValueError(f"plot_distinctive_terms: need columns {sorted(needed)}; found {list(data.columns)}")
    sel = data.sort_values("z", ascending=False).groupby("group", sort=True).head(top)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, max(2.5, 0.3 * len(sel))))
    if len(sel):
        sns.barplot(data=sel, x="z", y="term", hue="group", dodge=False, ax=ax)
    ax.axvline(1.96, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("z (log-odds ratio, informative Dirichlet prior)")
    ax.set_ylabel("")
    return ax
