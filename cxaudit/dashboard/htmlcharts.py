"""Charts as HTML: gaps, NPS, drivers and motif alignment on screen without matplotlib.

Each is a list of rows (label, bar or dot, 95 % whisker) drawn with CSS
positions in percent of the axis, so a redraw costs a string, not a PNG
(~1 ms instead of ~150 ms). They show what :func:`cxaudit.plots.plot_nps`,
:func:`~cxaudit.plots.plot_drivers` and :func:`~cxaudit.plots.plot_motif`
show (same rows, order, colours and axis ranges), and :func:`gaps_html` what
:func:`~cxaudit.plots.plot_gaps` shows; the PNG versions are drawn
only for downloads and the static report. Every label is escaped.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from .palette import PALETTE, VALENCE_COLORS

__all__ = ["interval_chart_html", "nps_html", "drivers_html", "motif_html", "gaps_html", "NO_DATA"]

NO_DATA = "No data for this selection."


def _num(x) -> float:
    """float, NaN for missing."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _pct(x: float, lo: float, hi: float) -> float:
    """Position of ``x`` on the axis lo…hi in percent, clipped to 0…100."""
    return round(min(max((x - lo) / (hi - lo) * 100.0, 0.0), 100.0), 2)


def interval_chart_html(rows: list[dict], *, lo: float, hi: float, xlabel: str, mark: str = "bar",
                        fmt: str = "{:+.2f}") -> str:
    """HTML of horizontal ``mark`` s ("bar" from zero, or "dot") with 95 % whiskers, one row each.

    ``rows``: dicts with label, value, low, high (NaN: no whisker), color
    (#rrggbb) and optional hollow (small sample: open dot). Axis ``lo``…``hi``
    with a zero line. Empty rows give the no-data message.
    """
    if not rows:
        return f'<div class="cx-empty">{NO_DATA}</div>'
    if not hi > lo:
        raise ValueError(f"expected an axis with lo < hi; found lo={lo}, hi={hi}")
    zero = _pct(0.0, lo, hi)
    out = []
    for r in rows:
        v, a, b = _num(r["value"]), _num(r.get("low")), _num(r.get("high"))
        color = html.escape(str(r["color"]), quote=True)
        parts = [f'<span class="cx-ic-zero" style="left:{zero}%"></span>']
        if not (math.isnan(a) or math.isnan(b)):
            left, right = _pct(min(a, b), lo, hi), _pct(max(a, b), lo, hi)
            parts.append(f'<span class="cx-ic-whisker" style="left:{left}%;width:{round(right - left, 2)}%"></span>')
        if not math.isnan(v):
            x = _pct(v, lo, hi)
            if mark == "bar":
                left, width = min(x, zero), abs(x - zero)
                parts.append(f'<span class="cx-ic-bar" style="left:{left}%;width:{round(width, 2)}%;'
                             f'background:{color}"></span>')
            else:
                fill = "#ffffff" if r.get("hollow") else color
                parts.append(f'<span class="cx-ic-dot" style="left:{x}%;background:{fill};border-color:{color}">'
                             "</span>")
        value = "\u2013" if math.isnan(v) else fmt.format(v)
        out.append(f'<div class="cx-ic-row"><div class="cx-ic-label" title="{html.escape(str(r["label"]), quote=True)}">'
                   f'{html.escape(str(r["label"]))}</div><div class="cx-ic-track">{"".join(parts)}</div>'
                   f'<div class="cx-ic-value">{html.escape(value)}</div></div>')
    axis = (f'<div class="cx-ic-axis"><span>{html.escape(fmt.format(lo))}</span>'
            f'<span>{html.escape(xlabel)}</span><span>{html.escape(fmt.format(hi))}</span></div>')
    return f'<div class="cx-ic">{"".join(out)}{axis}</div>'


def nps_html(nps: pd.DataFrame) -> str:
    """NPS per group (whole audit first) with intervals, on −100…100 (as :func:`cxaudit.plots.plot_nps`)."""
    d = nps[nps["nps"].notna()] if nps is not None and len(nps) else pd.DataFrame()
    rows = []
    for r in d.itertuples(index=False):
        label = "all respondents" if str(r.group) == "all" else f"{r.group_by}: {r.group}"
        value = _num(r.nps)
        color = "#555555" if str(r.group) == "all" else VALENCE_COLORS["positive" if value >= 0 else "negative"]
        rows.append({"label": f"{label} (n={r.n})", "value": value, "low": r.ci_low, "high": r.ci_high,
                     "color": color})
    return interval_chart_html(rows, lo=-100.0, hi=100.0, fmt="{:+.0f}",
                               xlabel="NPS = % promoters (9\u201310) \u2212 % detractors (0\u20136)")


def drivers_html(drivers: pd.DataFrame, *, top: int = 15) -> str:
    """Log odds (detractors vs promoters) per code with intervals, the ``top`` by size, largest first."""
    if drivers is None or not len(drivers):
        return interval_chart_html([], lo=-1, hi=1, xlabel="")
    d = drivers.reindex(drivers["log_odds"].abs().sort_values(ascending=False).index).head(top)
    d = d.sort_values("log_odds", ascending=False)
    rows = [{"label": f"{r.code} ({r.k_detractors}/{r.k_promoters})", "value": r.log_odds, "low": r.ci_low,
             "high": r.ci_high, "color": PALETTE.get(str(r.clue_type), PALETTE["none"]),
             "hollow": not bool(r.significant) if "significant" in d else False}
            for r in d.itertuples(index=False)]
    ends = [abs(_num(x)) for x in pd.concat([d["ci_low"], d["ci_high"], d["log_odds"]]) if math.isfinite(_num(x))]
    span = max(ends + [1.0]) * 1.05
    return interval_chart_html(rows, lo=-span, hi=span, mark="dot",
                               xlabel="log odds ratio (\u2190 more among promoters | more among detractors \u2192)")


def motif_html(motif: pd.DataFrame) -> str:
    """Net alignment with the motif per motif word plus the whole motif (overall rows), on −1…1."""
    d = motif[(motif["level"].astype(str) == "overall") & motif["net_alignment"].notna()] \
        if motif is not None and len(motif) else pd.DataFrame()
    rows = []
    for r in d.itertuples(index=False):
        label = "whole motif" if str(r.motif) == "all" else str(r.motif)
        value = _num(r.net_alignment)
        rows.append({"label": f"{label} (n={r.n_motif + r.n_opposite})", "value": value, "low": r.ci_low,
                     "high": r.ci_high, "color": VALENCE_COLORS["positive" if value > 0 else "negative"]})
    return interval_chart_html(rows, lo=-1.05, hi=1.05,
                               xlabel="net alignment: (motif \u2212 opposite) / (motif + opposite)")


def gaps_html(gaps: pd.DataFrame, *, top: int = 15) -> str:
    """Current (dot) versus desired (black tick) per dimension on −1…1, the ``top`` by priority.

    ``gaps``: one level of the gaps table (overall rows). The grey span is the
    gap; small samples (a warning) are drawn hollow and marked ``*``; the
    value shown is the gap (current − desired).
    """
    d = gaps[gaps["current"].notna()] if gaps is not None and len(gaps) else pd.DataFrame()
    if d.empty:
        return f'<div class="cx-empty">{NO_DATA}</div>'
    d = d.sort_values(["priority", "gap"]).head(top)
    lo, hi = -1.05, 1.05
    zero = _pct(0.0, lo, hi)
    out = []
    for r in d.itertuples(index=False):
        cur, want = _num(r.current), _num(r.desired)
        warned = "warning" in d.columns and isinstance(r.warning, str) and bool(r.warning)
        clue_type = getattr(r, "clue_type", None)
        if (clue_type is None or pd.isna(clue_type)) and str(getattr(r, "level", "")) == "clue_type":
            clue_type = r.dimension  # the clue-type level names the clue type in the dimension
        color = PALETTE.get(str(clue_type), PALETTE["none"])
        x, t = _pct(cur, lo, hi), _pct(want, lo, hi) if not math.isnan(want) else None
        parts = [f'<span class="cx-ic-zero" style="left:{zero}%"></span>']
        if t is not None:
            parts.append(f'<span class="cx-ic-span" style="left:{min(x, t)}%;width:{round(abs(x - t), 2)}%"></span>')
            parts.append(f'<span class="cx-ic-target" style="left:{t}%"></span>')
        fill = "#ffffff" if warned else color
        parts.append(f'<span class="cx-ic-dot" style="left:{x}%;background:{fill};border-color:{color}"></span>')
        label = f"{r.dimension} *" if warned else str(r.dimension)
        gap = _num(r.gap)
        value = "\u2013" if math.isnan(gap) else f"{gap:+.2f}"
        out.append(f'<div class="cx-ic-row"><div class="cx-ic-label" title="{html.escape(label, quote=True)}">'
                   f'{html.escape(label)}</div><div class="cx-ic-track">{"".join(parts)}</div>'
                   f'<div class="cx-ic-value">{value}</div></div>')
    axis = ('<div class="cx-ic-axis"><span>-1</span><span>feeling today (dot) versus desired (tick); '
            "value = gap</span><span>+1</span></div>")
    return f'<div class="cx-ic">{"".join(out)}{axis}</div>'
