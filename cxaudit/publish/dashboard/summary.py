"""The Summary: what a stakeholder reads first, in the dashboard and at the top of the static report.

One function builds it (:func:`build_summary`), one renders it
(:func:`summary_html`); the dashboard's Summary tab and
:func:`cxaudit.publish.report.render_report` call both, so the two never disagree.

The rules (reasons in ``docs/dashboard.md``):

* **Minimum sample** (:func:`mark_small`): a dimension voiced by fewer than
  ``min_participants`` participants is "small sample": greyed, ranked after
  every other dimension, never a priority or a strength.
* **Priorities** (:func:`rank_priorities`): dimensions whose whole 95 %
  interval of the gap lies below zero (surely short of the desired level),
  ranked by ``ci_high × importance`` — the shortfall we are 97.5 % sure of,
  weighted by its share of mentions — most negative first.
* **Strengths** (:func:`rank_strengths`): dimensions whose current feeling is
  surely positive (lower bound of ``current`` > 0), ranked by that lower
  bound; a dimension listed as a priority is not also a strength.
* **Quotes** (:func:`pick_quotes`): per finding, three sentences split between
  its negative and positive sentences in proportion to their numbers (so a
  priority customers mostly like shows mostly praise); on each side sentences
  whose feeling toward the clue is sure come first (tag confidence >= 0.6: the
  clue's own clause judges it), then the typical one is the closest to that
  side's median polarity (not the most extreme); one sentence per participant; sentences of 5–40 words preferred; a sentence
  already quoted for a finding above only when the side has no other.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxaudit.compare.dimensions import TOUCHPOINT_LENSES

from . import evidence as ev
from .prepared import SURE_FEELING

__all__ = ["DEFAULT_MIN_PARTICIPANTS", "SMALL_SAMPLE", "mark_small", "rank_rows", "rank_priorities",
           "rank_strengths", "pick_quotes", "summary_level", "Finding", "Summary", "build_summary",
           "summary_html", "plural"]

DEFAULT_MIN_PARTICIPANTS = 5
SMALL_SAMPLE = "small sample"
N_PRIORITIES, N_STRENGTHS, N_QUOTES = 5, 3, 3
_GOOD_WORDS = (5, 40)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``"1 mention"``, ``"2 mentions"``, ``"1,204 participants"``."""
    n = int(n)
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def mark_small(gaps: pd.DataFrame, min_participants: int) -> pd.DataFrame:
    """Copy of ``gaps`` with a boolean ``small`` column: fewer than ``min_participants`` participants
    (or no interval)."""
    out = gaps.copy()
    k = pd.to_numeric(out["n_participants"], errors="coerce").fillna(0)
    no_ci = out["ci_low"].isna() | out["ci_high"].isna() if "ci_low" in out else False
    out["small"] = ((k < int(min_participants)) | no_ci).astype(bool)
    return out


def rank_rows(gaps: pd.DataFrame, min_participants: int, *, within: list[str] | None = None) -> pd.DataFrame:
    """Rows of one panel in fix-first order: sure shortfalls by ``ci_high × importance``, then the other
    adequate rows by gap × importance, then small samples (by gap). Adds ``small`` and ``rank`` (1 = first).

    ``within``: columns naming several panels in ``gaps``: the rows come panel by panel (sorted by those
    columns), each ranked as it would be alone."""
    if gaps is None or not len(gaps):
        out = gaps.copy() if gaps is not None else pd.DataFrame()
        out["small"], out["rank"] = pd.Series(dtype=bool), pd.Series(dtype="Int64")
        return out
    d = mark_small(gaps, min_participants)
    hi = pd.to_numeric(d["ci_high"], errors="coerce")
    imp = pd.to_numeric(d["importance"], errors="coerce").fillna(0.0)
    gap = pd.to_numeric(d["gap"], errors="coerce")
    sure = (~d["small"]) & (hi < 0)
    tier = pd.Series(2, index=d.index).where(d["small"], pd.Series(1, index=d.index).where(~sure, 0))
    score = (hi * imp).where(sure, gap * imp)
    d["_tier"], d["_score"] = tier, score.fillna(math.inf)
    within = list(within or [])
    d = d.sort_values([*within, "_tier", "_score", "dimension"], kind="stable").drop(columns=["_tier", "_score"])
    d["rank"] = (d.groupby(within, sort=False).cumcount() + 1) if within else range(1, len(d) + 1)
    return d.reset_index(drop=True)


def rank_priorities(gaps: pd.DataFrame, min_participants: int, *, top: int = N_PRIORITIES) -> pd.DataFrame:
    """The ``top`` dimensions to fix first (see module doc): adequate sample, gap interval below zero,
    ranked by ``ci_high × importance`` (most negative first)."""
    d = rank_rows(gaps, min_participants)
    if not len(d):
        return d
    hi = pd.to_numeric(d["ci_high"], errors="coerce")
    return d[(~d["small"]) & (hi < 0)].head(top).reset_index(drop=True)


def rank_strengths(gaps: pd.DataFrame, min_participants: int, *, top: int = N_STRENGTHS,
                   exclude: set[str] = frozenset()) -> pd.DataFrame:
    """The ``top`` strengths: adequate sample, lower bound of current (``ci_low + desired``) above zero,
    highest first; dimensions in ``exclude`` (the priorities) left out. Adds ``current_low``."""
    if gaps is None or not len(gaps):
        return pd.DataFrame(columns=list(gaps.columns) if gaps is not None else [])
    d = mark_small(gaps, min_participants)
    d["current_low"] = pd.to_numeric(d["ci_low"], errors="coerce") + pd.to_numeric(d["desired"], errors="coerce")
    d = d[(~d["small"]) & (d["current_low"] > 0) & ~d["dimension"].astype(str).isin(exclude)]
    return d.sort_values(["current_low", "dimension"], ascending=[False, True]).head(top).reset_index(drop=True)


def _typical(side: pd.DataFrame) -> pd.DataFrame:
    """``side`` (sentence rows) ordered most typical first: sentences whose feeling is sure first (a
    ``confidence`` column >= :data:`~.prepared.SURE_FEELING`; without the column every row counts as sure),
    then closest to its median polarity, 5-40-word sentences first, ties by sentence id. A ``dist`` column,
    when present and not null, is the distance computed against the whole side (when the rows are only its
    candidates)."""
    if not len(side):
        return side
    return side.iloc[_typical_order(*_quote_columns(side))]


def _quote_columns(rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """(polarity, n_words, given distance (NaN when absent), sentence ids as text, unsure (bool)) of quote
    rows, as arrays."""
    n = len(rows)
    pol = pd.to_numeric(rows["polarity"], errors="coerce").to_numpy(float)
    words = pd.to_numeric(rows["n_words"], errors="coerce").to_numpy(float) if "n_words" in rows \
        else np.full(n, np.nan)
    given = pd.to_numeric(rows["dist"], errors="coerce").to_numpy(float) if "dist" in rows else np.full(n, np.nan)
    if "confidence" in rows:  # an unknown confidence (NaN) is unsure
        unsure = ~(pd.to_numeric(rows["confidence"], errors="coerce").to_numpy(float) >= SURE_FEELING)
    else:
        unsure = np.zeros(n, dtype=bool)
    return pol, words, given, rows["sentence_id"].astype(str).to_numpy(), unsure


def _typical_order(pol: np.ndarray, words: np.ndarray, given: np.ndarray, ids: np.ndarray,
                   unsure: np.ndarray) -> np.ndarray:
    """Positions of one side's rows in :func:`_typical` order."""
    odd = ~((words >= _GOOD_WORDS[0]) & (words <= _GOOD_WORDS[1]))  # NaN compares False: odd
    dist = np.where(np.isnan(given), np.abs(pol - float(np.median(pol))), given)
    return np.lexsort((ids, dist, odd, unsure))


def quote_allocation(n_negative: int, n_positive: int, k: int = N_QUOTES) -> tuple[int, int]:
    """How many of ``k`` quotes come from the negative and the positive side: in proportion to the
    sentences on each side (largest remainder; a tie goes to the negative side)."""
    total = n_negative + n_positive
    if total == 0:
        return 0, 0
    k = min(k, total)
    exact = k * n_negative / total
    neg = int(exact) + (1 if exact - int(exact) >= 0.5 else 0)
    neg = min(max(neg, 0), n_negative, k)
    pos = min(k - neg, n_positive)
    return k - pos if neg + pos < k else neg, pos


def pick_quotes(sentences: pd.DataFrame, *, k: int = N_QUOTES, lead: str = "negative",
                n_negative: int | None = None, n_positive: int | None = None,
                avoid: set | frozenset = frozenset()) -> pd.DataFrame:
    """Up to ``k`` sentences that represent one finding, each from a different participant.

    ``sentences``: one row per sentence with ``sentence_id``, ``participant``,
    ``polarity`` (the finding's clue polarity in that sentence), ``n_words``
    and, optionally, ``confidence`` (of that polarity). The quotes are split between the negative (< 0) and the
    positive (> 0) sentences in proportion to their numbers
    (:func:`quote_allocation`; neutral sentences only when there is nothing
    else); on each side the typical ones come first (:func:`_typical`: sure
    feelings first, then closest to the side's median, not the most extreme). ``lead``: the side listed
    first. ``n_negative``/``n_positive``: the numbers of sentences on each
    side when ``sentences`` holds only candidates (default: counted in
    ``sentences``). ``avoid``: sentence ids already quoted elsewhere (for a
    finding listed above): taken only when a side has no other. Adds ``side``.
    """
    if sentences is None or not len(sentences):
        return pd.DataFrame(columns=list(sentences.columns if sentences is not None else []) + ["side"])
    pol, words, given, ids, unsure = _quote_columns(sentences)  # arrays: a summary picks quotes for eight findings
    known = ~np.isnan(pol)
    sides = {"negative": np.flatnonzero(known & (pol < 0)), "positive": np.flatnonzero(known & (pol > 0))}
    k_neg, k_pos = quote_allocation(len(sides["negative"]) if n_negative is None else n_negative,
                                    len(sides["positive"]) if n_positive is None else n_positive, k)
    if k_neg + k_pos == 0:
        sides, want = {"neutral": np.flatnonzero(known & (pol == 0))}, {"neutral": k}
    else:
        want = {"negative": k_neg, "positive": k_pos}
    order = [lead] + [s for s in sides if s != lead]
    who = sentences["participant"].to_numpy(object)
    taken, taken_side, used = [], [], set()
    for side in [s for s in order if s in sides]:
        at = sides[side]
        if not len(at) or not want[side]:
            continue
        n = 0
        ordered = at[_typical_order(pol[at], words[at], given[at], ids[at], unsure[at])]
        if avoid:  # sentences quoted elsewhere last (the typical order kept within each group)
            seen = np.array([sid in avoid for sid in ids[ordered]], dtype=bool)
            ordered = np.concatenate([ordered[~seen], ordered[seen]])
        for i in ordered:
            if n >= want[side]:
                break
            if who[i] in used:
                continue
            used.add(who[i])
            taken.append(i)
            taken_side.append(side)
            n += 1
    out = sentences.iloc[taken].drop(columns=["side"], errors="ignore").reset_index(drop=True)
    out["side"] = pd.Series(taken_side, dtype=object)
    return out


def summary_level(lens: str, levels: list[str]) -> str | None:
    """The level the summary ranks: codes for a clue lens, touchpoints for a touchpoint lens."""
    for preferred in ("code", "touchpoint", "clue_type"):
        if preferred in levels:
            return preferred
    return levels[0] if levels else None


def finding_focus(row: dict) -> dict:
    """The tag columns that identify a gaps row's mentions (for highlighting only those in a quote)."""
    level, dim = str(row["level"]), str(row["dimension"])
    if level == "clue_type":
        return {"clue_type": dim}
    if level == "touchpoint":
        return {"code": dim} if str(row["lens"]) == "touchpoints" else {"touchpoint": dim}
    if level == "clue_type x touchpoint" and " x " in dim:
        ct, tp = dim.split(" x ", 1)
        return {"clue_type": ct, "touchpoint": tp}
    return {"code": dim}


@dataclass
class Finding:
    """One priority or strength: its gaps row, its label and its quotes (rows of sentences, chips joined)."""

    label: str
    row: dict
    quotes: pd.DataFrame
    n_negative: int = 0  # current-mode sentences of the finding with a negative clue feeling
    n_positive: int = 0  # … with a positive one


@dataclass
class Summary:
    """What :func:`summary_html` renders."""

    title: str
    lens: str
    lens_label: str
    level: str | None
    min_participants: int
    headline: dict
    priorities: list[Finding] = field(default_factory=list)
    strengths: list[Finding] = field(default_factory=list)
    n_small: int = 0
    n_dimensions: int = 0
    filters_text: str = ""


def build_summary(data, filters, *, min_participants: int = DEFAULT_MIN_PARTICIPANTS, headline: dict | None = None,
                  gaps=None) -> Summary:
    """The summary of ``data`` (:class:`~cxaudit.publish.dashboard.queries.AuditData`) under ``filters``
    (``filters.codebook`` is the lens).

    ``headline`` (``data.audit_headline(filters)``) and ``gaps`` (a callable ``level -> data.gaps(filters,
    level=level)``) let the dashboard pass what it has already computed for the same filters."""
    lens = filters.codebook
    headline = data.audit_headline(filters) if headline is None else headline
    level = "touchpoint" if lens in TOUCHPOINT_LENSES else "code"  # only this level is computed
    view = (data.gaps(filters, level=level) if gaps is None else gaps(level)).reset_index(drop=True)
    out = Summary(title=data.title, lens=lens, lens_label=data.labels.lens(lens), level=level,
                  min_participants=int(min_participants), headline=headline,
                  filters_text=", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in filters.items()
                                         if k != "codebook"))
    if not len(view):
        return out
    marked = mark_small(view, min_participants)
    out.n_small, out.n_dimensions = int(marked["small"].sum()), len(marked)
    prio = rank_priorities(view, min_participants)
    strong = rank_strengths(view, min_participants, exclude=set(prio["dimension"].astype(str)))
    # the summary level's dimension is a code of the lens (codes, or touchpoint codes of a touchpoint lens):
    # one query for every finding's sentences, one for every quote's chips
    findings = [(r, lead, target) for frame, lead, target in ((prio, "negative", out.priorities),
                                                               (strong, "positive", out.strengths))
                for r in frame.to_dict("records")]
    cands = data.code_sentences(filters, lens, [str(r["dimension"]) for r, _, _ in findings])
    by_code = {str(k): g for k, g in cands.groupby("code", sort=False)} if len(cands) else {}
    chosen = [(r, lead, target, by_code.get(str(r["dimension"]), cands.iloc[0:0])) for r, lead, target in findings]

    if len(cands):  # sentences on each side of each code (the same on each of its candidate rows)
        sizes = cands.drop_duplicates(["code", "side"])
        n_side = dict(zip(zip(sizes["code"].astype(str), sizes["side"].astype(int)), sizes["n_side"].astype(int)))
    else:
        n_side = {}
    counts = [(n_side.get((str(r["dimension"]), -1), 0), n_side.get((str(r["dimension"]), 1), 0))
              for r, _, _, _ in chosen]
    keep = [c for c in cands.columns if c not in ("code", "side", "n_side", "dist")] + ["side"]
    picks, quoted = [], set()
    for (_, lead, _, c), (neg, pos) in zip(chosen, counts):  # a sentence quoted above only when nothing else
        pick = pick_quotes(c.drop(columns=["code", "n_side"]), lead=lead, n_negative=neg, n_positive=pos,
                           avoid=quoted).reindex(columns=keep)
        quoted.update(pick["sentence_id"].astype(str))
        picks.append(pick)
    # the quotes' ids with their integer keys (with_chips looks them up by key)
    keyed = pd.concat([p[[c for c in ("sentence_id", "sentence_key") if c in p]] for p in picks],
                      ignore_index=True).drop_duplicates("sentence_id") if picks else pd.DataFrame()
    chips = data.with_chips(filters, keyed) if len(keyed) else None
    info = {}
    if chips is not None:  # sentence id -> what a quote shows (records: no frame merge per finding)
        info_cols = [c for c in chips.columns if c not in ("sentence_id", "polarity")]
        info = dict(zip(chips["sentence_id"], chips[info_cols].to_dict("records")))
    for (r, _, target, c), pick, (neg, pos) in zip(chosen, picks, counts):
        quotes = pick.copy()
        if chips is not None and len(pick):
            code = str(r["dimension"])
            rows = []
            for sid, pol, side in zip(pick["sentence_id"], pick["polarity"], pick["side"]):
                row = {"sentence_id": sid, "polarity": pol, "side": side,
                       **info.get(sid, dict.fromkeys(info_cols))}
                row["spans"] = [(a, b) for cd, a, b in (row.get("tag_spans") or []) if cd == code]
                row["valence"] = "negative" if pol < 0 else "positive" if pol > 0 else "neutral"
                rows.append(row)
            quotes = pd.DataFrame(rows, columns=["sentence_id", "polarity", "side", *info_cols])
        target.append(Finding(data.labels.dimension(lens, r["level"], r["dimension"]), r, quotes, neg, pos))
    return out


# -- rendering -----------------------------------------------------------------------------------

def _interval(r: dict, key_low="ci_low", key_high="ci_high") -> str:
    a, b = _num(r.get(key_low)), _num(r.get(key_high))
    return "" if math.isnan(a) or math.isnan(b) else f" (95 % interval {a:+.2f} to {b:+.2f})"


def _nps_text(h: dict) -> str:
    if not h.get("n_scored"):
        return '<div class="cx-card" data-key="nps"><div class="cx-value">\u2013</div>' \
               '<div class="cx-label">NPS</div><div class="cx-n">no scores in this selection</div></div>'
    lo, hi = _num(h.get("nps_low")), _num(h.get("nps_high"))
    ci = "" if math.isnan(lo) else f"95 % interval {lo:+.0f} to {hi:+.0f}<br>"
    return (f'<div class="cx-card" data-key="nps"><div class="cx-value">{h["nps"]:+.0f}</div>'
            f'<div class="cx-label">NPS</div><div class="cx-n">{ci}{plural(h["n_scored"], "score")}: '
            f'{plural(h["promoters"], "promoter")}, {plural(h["detractors"], "detractor")}</div></div>')


def headline_cards(h: dict) -> str:
    """The summary's headline: documents, participants, NPS with its interval (HTML, numbers only)."""
    return f'<div class="cx-cards">{audit_cards(h)}</div>'


def audit_cards(h: dict) -> str:
    """The cards of :func:`headline_cards` without their container."""
    docs = (f'<div class="cx-card" data-key="documents"><div class="cx-value">{h["documents"]:,}</div>'
            f'<div class="cx-label">{"Document" if h["documents"] == 1 else "Documents"}</div>'
            f'<div class="cx-n">{plural(h["interviews"], "interview")}, {plural(h["comments"], "other document")}'
            f"</div></div>")
    people = (f'<div class="cx-card" data-key="participants"><div class="cx-value">{h["participants"]:,}</div>'
              f'<div class="cx-label">{"Participant" if h["participants"] == 1 else "Participants"}</div>'
              f'<div class="cx-n">distinct people; an unnamed comment counts as one</div></div>')
    return f"{docs}{people}{_nps_text(h)}"


def quote_rows_html(quotes: pd.DataFrame) -> str:
    """Quotes as one row per sentence: the sentence (clues marked), its codes as chips, who and where."""
    if quotes is None or not len(quotes):
        return '<div class="cx-empty">No sentence on this side of the finding to quote.</div>'
    rows = []
    for r in quotes.to_dict("records"):
        names = [str(x) for x in (r.get("participant"), r.get("doc_id"))
                 if x is not None and not (isinstance(x, float) and math.isnan(x))]
        who = " \u00b7 ".join(html.escape(x) for x in dict.fromkeys(names))
        ts = ev.format_timestamp(r.get("start_s"))
        rows.append(f'<li class="cx-quote-row">{ev.valence_badge(r.get("valence"))} '
                    f'<span class="cx-sentence">\u201c{ev.highlight_spans(r.get("sentence"), r.get("spans"))}\u201d</span>'
                    f'{ev.context_html(r.get("context_after"))}'
                    f'<div class="cx-quote-meta">{ev.chips_html(r.get("chips"))} '
                    f'<span class="cx-who">{who}{" at " + ts if ts else ""}</span></div></li>')
    return f'<ul class="cx-quotes">{"".join(rows)}</ul>'


#: What each importance-performance quadrant says of a priority, in words: a priority (surely short of its
#: desired level) can be felt better than the average dimension or mentioned less often, and a bare quadrant
#: name ("keep up the good work", "low priority") under "Fix first" would contradict the list it is in.
QUADRANT_WORDS = {
    "concentrate here": "mentioned more often and felt worse than the average dimension",
    "keep up the good work": "mentioned more often but felt better than the average dimension",
    "low priority": "mentioned less often and felt worse than the average dimension",
    "possible overkill": "mentioned less often but felt better than the average dimension",
}


def quadrant_text(quadrant) -> str:
    """A priority's quadrant in words with its name ("… (importance–performance quadrant “low priority”)"),
    HTML-escaped; "" when there is none."""
    if quadrant is None or (not isinstance(quadrant, str) and pd.isna(quadrant)) or not str(quadrant):
        return ""
    name = str(quadrant)
    words = QUADRANT_WORDS.get(name)
    label = f"importance\u2013performance quadrant \u201c{html.escape(name)}\u201d"
    return f"{words} ({label})" if words else label


def _finding_html(i: int, f: Finding, kind: str, lens: str) -> str:
    r = f.row
    n_part, n = int(_num(r.get("n_participants")) or 0), int(_num(r.get("n")) or 0)
    if kind == "priority":
        figure = (f'gap <b>{_num(r["gap"]):+.2f}</b>{_interval(r)}: feeling today {_num(r["current"]):+.2f} '
                  f'versus desired {_num(r["desired"]):+.2f}')
    else:
        figure = (f'feeling today <b>{_num(r["current"]):+.2f}</b> (95 % interval '
                  f'{_num(r["current_low"]):+.2f} to {_num(r["ci_high"]) + _num(r["desired"]):+.2f})')
    quad = quadrant_text(r.get("quadrant")) if kind == "priority" else ""
    return (f'<section class="cx-finding cx-{kind}" data-rank="{i}"><h4><span class="cx-rank">{i}</span> '
            f'{html.escape(f.label)}</h4>'
            f'<div class="cx-finding-figures">{figure}; {plural(n_part, "participant")}, '
            f'{plural(n, "mention")}{"; " + quad if quad else ""}.</div>'
            f'<div class="cx-finding-quotes-note">Typical quotes, one per participant, in proportion to its '
            f'{plural(f.n_negative, "negative sentence")} and {plural(f.n_positive, "positive sentence")}:</div>'
            f'{quote_rows_html(f.quotes)}</section>')


def summary_html(s: Summary, *, headline: bool = True) -> str:
    """The summary as HTML (every value from the data escaped): headline (unless ``headline=False``: the
    dashboard shows it above its tabs), priorities, strengths, the rules."""
    scope = f" Selection: {html.escape(s.filters_text)}." if s.filters_text else ""
    level = {"code": "codes", "touchpoint": "touchpoints", "clue_type": "clue types"}.get(s.level or "", s.level or "")
    parts = [f'<div class="cx-summary">{headline_cards(s.headline) if headline else ""}',
             f'<p class="cx-help">Lens: <b>{html.escape(s.lens_label)}</b>, ranked by {html.escape(level)}.{scope}</p>',
             '<h3 class="cx-chart-title">Fix first: top priorities</h3>']
    if s.priorities:
        parts += [_finding_html(i, f, "priority", s.lens) for i, f in enumerate(s.priorities, 1)]
    else:
        parts.append('<div class="cx-empty">No dimension is surely short of its desired level '
                     '(every interval reaches zero, or the samples are small).</div>')
    parts.append('<h3 class="cx-chart-title">Strengths: keep them</h3>')
    if s.strengths:
        parts += [_finding_html(i, f, "strength", s.lens) for i, f in enumerate(s.strengths, 1)]
    else:
        parts.append('<div class="cx-empty">No dimension is surely felt positively in this selection.</div>')
    parts.append(
        f'<p class="cx-footnote">How this is ranked: a priority is a dimension voiced by at least '
        f'{plural(s.min_participants, "participant")} whose whole 95 % interval of the gap (feeling today minus '
        f"desired) is below zero, ranked by the interval's upper end times the dimension's share of mentions. "
        f"A strength is a dimension whose feeling today is surely positive (its interval's lower end above zero). "
        f"{plural(s.n_small, 'dimension')} of {s.n_dimensions:,} had fewer than "
        f"{plural(s.min_participants, 'participant')} (small sample) and are not ranked. A mention is one clue "
        f"found in one sentence; a quote is one sentence, which can carry several clues.</p></div>")
    return "".join(parts)
