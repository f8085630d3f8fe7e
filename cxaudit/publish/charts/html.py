"""Charts as HTML: the clue map, gaps, NPS, drivers and motif alignment without matplotlib.

Each is a list of rows (label, bar or dot, 95 % whisker) drawn with CSS
positions in percent of the axis, so a redraw costs a string, not a PNG
(~1 ms instead of ~150 ms). They show what :func:`cxaudit.plots.plot_nps`,
:func:`~cxaudit.plots.plot_drivers` and :func:`~cxaudit.plots.plot_motif`
show (same rows, order, colours and axis ranges), :func:`gaps_html` what
:func:`~cxaudit.plots.plot_gaps` shows, and :func:`trend_html` the changes between waves that
:func:`~cxaudit.plots.plot_trend` draws as lines; the PNG versions are drawn
only for downloads. :func:`clue_map_html` is the clue map as a table (the
dashboard draws it as clickable widgets, :mod:`cxaudit.publish.charts.heatmap`).
The static report (:mod:`cxaudit.publish.report`) is made of these functions, so it
needs no matplotlib. Every label is escaped.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from cxaudit.publish.labels import CLUE_TYPE_LABELS
from .palette import PALETTE, VALENCE_COLORS, mix, text_color

__all__ = ["interval_chart_html", "nps_html", "drivers_html", "motif_html", "gaps_html", "ipa_html", "trend_html",
           "clue_map_html", "cell_summary", "order_axes", "NO_DATA"]

NO_DATA = "No data for this selection."
SMALL_LABEL = "small sample"
_SMALL_COLOR = "#bcccdc"
_CLUE_ORDER = ["functional", "mechanic", "humanic", "none"]
_NO_TOUCHPOINT = "unspecified"
#: Background of a clue-map cell without mentions.
EMPTY_CELL = "#f5f7fa"


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
    (#rrggbb), optional hollow (open dot), small (greyed, "small sample") and
    note (a count shown after the value). Axis ``lo``…``hi`` with a zero line.
    Empty rows give the no-data message.
    """
    if not rows:
        return f'<div class="cx-empty">{NO_DATA}</div>'
    if not hi > lo:
        raise ValueError(f"expected an axis with lo < hi; found lo={lo}, hi={hi}")
    zero = _pct(0.0, lo, hi)
    noted = any(r.get("note") for r in rows)  # then every row has the note column, and the axis leaves room for it
    out = []
    for r in rows:
        v, a, b = _num(r["value"]), _num(r.get("low")), _num(r.get("high"))
        color = html.escape(str(_SMALL_COLOR if r.get("small") else r["color"]), quote=True)
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
        small = " cx-small" if r.get("small") else ""
        label = f'{r["label"]} \u00b7 {SMALL_LABEL}' if r.get("small") else str(r["label"])
        note = f'<div class="cx-ic-note">{html.escape(str(r.get("note") or ""))}</div>' if noted else ""
        out.append(f'<div class="cx-ic-row{small}"><div class="cx-ic-label" title="{html.escape(label, quote=True)}">'
                   f'{html.escape(label)}</div><div class="cx-ic-track">{"".join(parts)}</div>'
                   f'<div class="cx-ic-value">{html.escape(value)}</div>{note}</div>')
    axis = (f'<div class="cx-ic-axis"><span>{html.escape(fmt.format(lo))}</span>'
            f'<span>{html.escape(xlabel)}</span><span>{html.escape(fmt.format(hi))}</span></div>')
    return f'<div class="cx-ic{" cx-ic-noted" if noted else ""}">{"".join(out)}{axis}</div>'


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


def drivers_html(drivers: pd.DataFrame, *, top: int = 15, names: dict | None = None,
                 min_participants: int = 5) -> str:
    """Log odds (detractors vs promoters) per code with intervals, the ``top`` by size, largest first.

    Each row says how many detractor and promoter documents mention the code
    ("31 of 150 detractors · 0 of 108 promoters"). Codes mentioned by fewer
    than ``min_participants`` scored documents are greyed, marked small
    sample and listed after the others; codes no detractor or promoter
    mentions are not shown.
    """
    if drivers is None or not len(drivers):
        return interval_chart_html([], lo=-1, hi=1, xlabel="")
    d = drivers[(drivers["k_detractors"].astype(int) + drivers["k_promoters"].astype(int)) > 0]
    if not len(d):
        return interval_chart_html([], lo=-1, hi=1, xlabel="")
    small = (d["k_detractors"].astype(int) + d["k_promoters"].astype(int)) < int(min_participants)
    d = d.assign(is_small=small.to_numpy(), _abs=d["log_odds"].abs())
    d = d.sort_values(["is_small", "_abs"], ascending=[True, False]).head(top)
    d = pd.concat([d[~d["is_small"]].sort_values("log_odds", ascending=False),
                   d[d["is_small"]].sort_values("log_odds", ascending=False)])
    names = names or {}
    rows = [{"label": names.get(str(r.code), str(r.code)), "value": r.log_odds, "low": r.ci_low,
             "high": r.ci_high, "color": PALETTE.get(str(r.clue_type), PALETTE["none"]),
             "hollow": not bool(r.significant) if "significant" in d else False, "small": bool(r.is_small),
             "note": f"{int(r.k_detractors):,} of {int(getattr(r, 'n_detractors', 0)):,} detractors \u00b7 "
                     f"{int(r.k_promoters):,} of {int(getattr(r, 'n_promoters', 0)):,} promoters"}
            for r in d.itertuples(index=False)]
    ends = [abs(_num(x)) for x in pd.concat([d["ci_low"], d["ci_high"], d["log_odds"]]) if math.isfinite(_num(x))]
    span = max(ends + [1.0]) * 1.05
    return interval_chart_html(rows, lo=-span, hi=span, mark="dot",
                               xlabel="log odds ratio (\u2190 promoters | detractors \u2192)")


def motif_html(motif: pd.DataFrame, *, min_participants: int = 5) -> str:
    """Net alignment with the motif per motif word plus the whole motif (overall rows), on −1…1.

    Each row says in how many of the current-mode sentences the feeling (or
    its opposite) is voiced; rows voiced by fewer than ``min_participants``
    participants are greyed and marked small sample.
    """
    d = motif[(motif["level"].astype(str) == "overall") & motif["net_alignment"].notna()] \
        if motif is not None and len(motif) else pd.DataFrame()
    rows = []
    for r in d.itertuples(index=False):
        label = "whole motif" if str(r.motif) == "all" else str(r.motif)
        value = _num(r.net_alignment)
        voiced = int(r.n_motif) + int(r.n_opposite)
        rows.append({"label": label, "value": value, "low": r.ci_low, "high": r.ci_high,
                     "color": VALENCE_COLORS["positive" if value > 0 else "negative"],
                     "small": int(_num(getattr(r, "n_participants", 0)) or 0) < int(min_participants),
                     "note": f"voiced in {voiced:,} of {int(r.n_sentences):,} sentences"})
    return interval_chart_html(rows, lo=-1.05, hi=1.05,
                               xlabel="net alignment: (motif \u2212 opposite) / (motif + opposite)")


def gaps_html(gaps: pd.DataFrame, *, top: int = 15, names: dict | None = None,
              others: str = "the others are in the drill-down list") -> str:
    """Current (dot) versus desired (black tick) per dimension on −1…1, the ``top`` by priority.

    ``gaps``: one level of the gaps table, ranked (``priority``; ``small``
    from :func:`cxaudit.publish.dashboard.summary.rank_rows` when present, else a
    warning). The grey span is the gap, the whisker the 95 % interval of the
    feeling today; small samples are greyed and marked; the value shown is
    the gap, then the participants behind it. ``names``: dimension -> label.
    Below the rows, when there are more than ``top``: how many are shown and
    where the ``others`` are.
    """
    d = gaps[gaps["current"].notna()] if gaps is not None and len(gaps) else pd.DataFrame()
    if d.empty:
        return f'<div class="cx-empty">{NO_DATA}</div>'
    d = d.sort_values(["priority", "gap"]).head(top)
    names = names or {}
    lo, hi = -1.05, 1.05
    zero = _pct(0.0, lo, hi)
    out = []
    for r in d.itertuples(index=False):
        cur, want = _num(r.current), _num(r.desired)
        if "small" in d.columns:
            small = bool(r.small)
        else:
            small = "warning" in d.columns and isinstance(r.warning, str) and bool(r.warning)
        clue_type = getattr(r, "clue_type", None)
        if (clue_type is None or pd.isna(clue_type)) and str(getattr(r, "level", "")) == "clue_type":
            clue_type = r.dimension  # the clue-type level names the clue type in the dimension
        color = _SMALL_COLOR if small else PALETTE.get(str(clue_type), PALETTE["none"])
        x, t = _pct(cur, lo, hi), _pct(want, lo, hi) if not math.isnan(want) else None
        parts = [f'<span class="cx-ic-zero" style="left:{zero}%"></span>']
        a, b = _num(getattr(r, "ci_low", None)) + want, _num(getattr(r, "ci_high", None)) + want
        if not (math.isnan(a) or math.isnan(b)):
            left, right = _pct(min(a, b), lo, hi), _pct(max(a, b), lo, hi)
            parts.append(f'<span class="cx-ic-whisker" style="left:{left}%;width:{round(right - left, 2)}%"></span>')
        if t is not None:
            parts.append(f'<span class="cx-ic-span" style="left:{min(x, t)}%;width:{round(abs(x - t), 2)}%"></span>')
            parts.append(f'<span class="cx-ic-target" style="left:{t}%"></span>')
        fill = "#ffffff" if small else color
        parts.append(f'<span class="cx-ic-dot" style="left:{x}%;background:{fill};border-color:{color}"></span>')
        name = names.get(r.dimension, str(r.dimension))
        label = f"{name} \u00b7 {SMALL_LABEL}" if small else name
        gap = _num(r.gap)
        value = "\u2013" if math.isnan(gap) else f"{gap:+.2f}"
        k = _num(getattr(r, "n_participants", None))
        k = 0 if math.isnan(k) else int(k)
        out.append(f'<div class="cx-ic-row{" cx-small" if small else ""}"><div class="cx-ic-label" '
                   f'title="{html.escape(label, quote=True)}">{html.escape(label)}</div>'
                   f'<div class="cx-ic-track">{"".join(parts)}</div><div class="cx-ic-value">{value}</div>'
                   f'<div class="cx-ic-note">{k:,} participant{"" if k == 1 else "s"}</div></div>')
    axis = ('<div class="cx-ic-axis"><span>-1</span><span>feeling today (dot, with its 95 % interval) versus desired '
            "(tick); value = gap</span><span>+1</span></div>")
    total = int(gaps["current"].notna().sum())
    n_small = int(gaps["small"].sum()) if "small" in gaps.columns else 0
    more = (f'<div class="cx-help">The first {len(d)} of {total} dimensions; {html.escape(others)}'
            f'{f" ({n_small} of them with a small sample)" if n_small else ""}.</div>') if total > len(d) else ""
    return f'<div class="cx-ic cx-ic-noted">{"".join(out)}{axis}</div>{more}'


_IPA_HEIGHT_PX = 440  # .cx-ipa-plot's height in dashboard.css


def _label_spot(x: float, y: float, width: float, placed: list) -> tuple[bool, int] | None:
    """Where a point's label goes on the quadrant chart: (left of the point?, vertical shift in px), the first
    of right, left, then either side 22 px lower or higher, that stays inside the plot and overlaps no label in
    ``placed`` ((left, right, y) in % of the plot; ``width`` in %, ~0.85 % a character: 12 px text on a
    plot 760 px wide (the report; 950 px on screen)); None when none does.
    Appends the spot taken to ``placed``."""
    for on_left, dy in ((False, 0), (True, 0), (False, 22), (True, 22), (False, -22), (True, -22)):
        span = (x - width, x + 1) if on_left else (x - 1, x + width)
        top = y + dy / _IPA_HEIGHT_PX * 100
        if span[0] < 0 or span[1] > 99 or not 2 < top < 98:
            continue
        if all(abs(top - py) > 4.5 or span[1] < a or b < span[0] for a, b, py in placed):
            placed.append((*span, top))
            return on_left, dy
    return None


def ipa_html(gaps: pd.DataFrame, *, names: dict | None = None, label_top: int = 10) -> str:
    """Importance–performance quadrant drawn in the page: x = importance (share of mentions), y = feeling
    today, crosshairs at the panel's means, the four quadrants named.

    Small samples are drawn as small grey rings without a label; the
    ``label_top`` first rows (fix-first order) are labelled unless the label
    would overlap one already placed; every point has its label as a tooltip.
    """
    d = gaps[gaps["current"].notna() & gaps["importance"].notna()] if gaps is not None and len(gaps) else pd.DataFrame()
    if d.empty:
        return f'<div class="cx-empty">{NO_DATA}</div>'
    names = names or {}
    imp, cur = d["importance"].astype(float), d["current"].astype(float)
    x_hi = max(float(imp.max()) * 1.1, 1e-9)
    y_lo, y_hi = min(-0.2, float(cur.min()) - 0.1), max(0.2, float(cur.max()) + 0.1)
    ci = _num(d["crosshair_importance"].iloc[0]) if "crosshair_importance" in d else float(imp.mean())
    cp = _num(d["crosshair_performance"].iloc[0]) if "crosshair_performance" in d else float(cur.mean())
    ci = float(imp.mean()) if math.isnan(ci) else ci
    cp = float(cur.mean()) if math.isnan(cp) else cp
    px, py = _pct(ci, 0.0, x_hi), 100 - _pct(cp, y_lo, y_hi)
    small_col = d["small"] if "small" in d else pd.Series(False, index=d.index)
    order = d.assign(is_small=small_col.to_numpy()).sort_values(["is_small", "priority"] if "priority" in d else ["is_small"])
    dots, placed = [], []
    for i, r in enumerate(order.itertuples(index=False)):
        x, y = _pct(float(r.importance), 0.0, x_hi), 100 - _pct(float(r.current), y_lo, y_hi)
        name = names.get(r.dimension, str(r.dimension))
        small = bool(r.is_small)
        clue_type = getattr(r, "clue_type", None)
        if (clue_type is None or pd.isna(clue_type)) and str(getattr(r, "level", "")) == "clue_type":
            clue_type = r.dimension
        color = _SMALL_COLOR if small else PALETTE.get(str(clue_type), PALETTE["none"])
        tip = (f"{name}: importance {float(r.importance):.1%}, feeling today {float(r.current):+.2f}, "
               f"{int(_num(getattr(r, 'n_participants', 0)) or 0)} participants"
               + (f" ({SMALL_LABEL})" if small else ""))
        text = ""
        if not small and i < label_top:
            spot = _label_spot(x, y, 0.85 * len(name) + 1.5, placed)
            if spot is not None:
                on_left, dy = spot
                side = " cx-ipa-label-left" if on_left else ""
                shift = f' style="top:{-8 + dy}px"' if dy else ""
                # a label moved up or down hangs on a short leader line from its point (no doubt whose it is)
                lead = f'<span class="cx-ipa-lead" style="top:{min(dy, 0)}px;height:{abs(dy)}px"></span>' if dy else ""
                text = f'{lead}<span class="cx-ipa-label{side}"{shift}>{html.escape(name)}</span>'
        dots.append(f'<div class="cx-ipa-pt{" cx-small" if small else ""}" style="left:{x}%;top:{y}%" '
                    f'title="{html.escape(tip, quote=True)}"><span class="cx-ipa-dot" '
                    f'style="background:{"#fff" if small else color};border-color:{color}"></span>{text}</div>')
    corner = (f'<span class="cx-ipa-q" style="right:6px;bottom:6px">concentrate here</span>'
              f'<span class="cx-ipa-q" style="right:6px;top:6px">keep up the good work</span>'
              f'<span class="cx-ipa-q" style="left:6px;bottom:6px">low priority</span>'
              f'<span class="cx-ipa-q" style="left:6px;top:6px">possible overkill</span>')
    return (f'<div class="cx-ipa"><div class="cx-ipa-y">feeling today \u2192</div><div class="cx-ipa-plot">'
            f'<span class="cx-ipa-v" style="left:{px}%"></span><span class="cx-ipa-h" style="top:{py}%"></span>'
            f'{corner}{"".join(dots)}<span class="cx-ipa-tick" style="top:0">{y_hi:+.2f}</span>'
            f'<span class="cx-ipa-tick" style="top:{py}%">{cp:+.2f}</span>'
            f'<span class="cx-ipa-tick" style="bottom:0">{y_lo:+.2f}</span></div>'
            f'<div class="cx-ipa-x"><span>0 %</span><span>importance: share of mentions \u2192</span>'
            f'<span>{x_hi:.0%}</span></div></div>')


def trend_html(waves: pd.DataFrame, *, names: dict | None = None, min_participants: int = 5) -> str:
    """Change of feeling between consecutive waves: one row per dimension and pair of waves, the dot at
    the change (later wave minus earlier, mean clue polarity) with its 95 % interval as whisker; a filled
    dot is a change beyond noise (``beyond_noise``), an open one within noise. The note gives both waves'
    feeling and participants. Rows where either wave has fewer than ``min_participants`` participants, or
    no interval, are greyed, marked "small sample" and listed last; otherwise pairs in wave order, then
    dimensions by label (``names``: id -> label). Rows without both waves are left out."""
    d = waves if waves is not None and len(waves) else pd.DataFrame()
    if len(d):
        d = d[d["current_from"].notna() & d["current_to"].notna() & d["change"].notna()]
    if d.empty:
        return f'<div class="cx-empty">{NO_DATA} (a change needs two waves that both mention the dimension)</div>'
    names = names or {}
    k = pd.concat([pd.to_numeric(d["participants_from"], errors="coerce"),
                   pd.to_numeric(d["participants_to"], errors="coerce")], axis=1).min(axis=1).fillna(0)
    no_ci = d["ci_low"].isna() | d["ci_high"].isna()
    waves_order = sorted(set(d["wave_from"].astype(str)) | set(d["wave_to"].astype(str)))
    d = d.assign(small=((k < int(min_participants)) | no_ci).to_numpy(),
                 pair=[waves_order.index(str(w)) for w in d["wave_from"]],
                 label=[names.get(str(v), str(v)) for v in d["dimension"]])
    d = d.sort_values(["small", "pair", "label"])
    rows, ends, moved = [], [], []
    for r in d.itertuples(index=False):
        beyond = bool(r.beyond_noise) if pd.notna(r.beyond_noise) else False
        clue_type = r.clue_type if pd.notna(r.clue_type) else (r.dimension if str(r.level) == "clue_type" else "none")
        rows.append({"label": f"{r.label} \u00b7 {r.wave_from} \u2192 {r.wave_to}", "value": r.change,
                     "low": r.ci_low, "high": r.ci_high, "color": PALETTE.get(str(clue_type), PALETTE["none"]),
                     "hollow": not beyond, "small": bool(r.small),
                     "note": f"{_num(r.current_from):+.2f} \u2192 {_num(r.current_to):+.2f} \u00b7 "
                             f"{int(_num(r.participants_from)):,} \u2192 {int(_num(r.participants_to)):,} participants"})
        if beyond and not r.small:
            moved.append(f"{r.label} {r.wave_from} \u2192 {r.wave_to} ({_num(r.change):+.2f})")
        ends += [abs(_num(x)) for x in (r.change, r.ci_low, r.ci_high) if not math.isnan(_num(x))]
    m = min(math.ceil(max([0.25] + ends) * 1.1 * 20) / 20, 2.0)
    verdict = ("Beyond noise (filled dots): " + "; ".join(moved) + "." if moved else
               "No change is beyond noise: every interval reaches zero (open dots), or the sample is small.")
    return (interval_chart_html(rows, lo=-m, hi=m, mark="dot", xlabel="change, later wave minus earlier (95 % interval)")
            + f'<div class="cx-help cx-trend-verdict">{html.escape(verdict)}</div>')


def order_axes(cells: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Row (clue type, palette order first) and column (touchpoint, alphabetical, ``unspecified`` last) labels."""
    types = [str(t) for t in dict.fromkeys(cells["clue_type"])]
    rows = [t for t in _CLUE_ORDER if t in types] + sorted(t for t in types if t not in _CLUE_ORDER)
    cols = sorted({str(t) for t in cells["touchpoint"]}, key=lambda c: (c == _NO_TOUCHPOINT, c))
    return rows, cols


def cell_summary(clue_type: str, touchpoint: str, n: int, polarity, share_negative) -> str:
    """One clue-map cell in words (plain text): its mentions, mean polarity and share negative."""
    parts = [f"{clue_type} \u00d7 {touchpoint}: {n:,} mention{'' if n == 1 else 's'}"]
    if polarity is not None and not pd.isna(polarity):
        parts.append(f"mean polarity {float(polarity):+.2f}")
    if share_negative is not None and not pd.isna(share_negative):
        parts.append(f"{100 * float(share_negative):.0f} % negative")
    return ", ".join(parts) + "."


def clue_map_html(cells: pd.DataFrame, *, touchpoint_labels: dict | None = None) -> str:
    """The clue map as an HTML table: a row per clue type, a column per touchpoint (as :func:`order_axes`),
    each cell the number of mentions, shaded in its clue type's colour, darker for more (as the dashboard's
    :class:`~cxaudit.publish.charts.heatmap.ClueHeatmap`); its title gives :func:`cell_summary`.

    ``cells``: :meth:`AuditData.clue_cells` rows (clue_type, touchpoint, n, polarity, share_negative);
    columns are titled by ``touchpoint_labels`` (id -> label) where given. No rows: the no-data message.
    """
    if cells is None or not len(cells):
        return f'<div class="cx-empty">{NO_DATA}</div>'
    labels = touchpoint_labels or {}
    rows, cols = order_axes(cells)
    by_key = {(str(r.clue_type), str(r.touchpoint)): r for r in cells.itertuples(index=False)}
    top = max(int(r.n) for r in by_key.values()) or 1
    head = "".join(f'<th class="cx-cm-col" scope="col">{html.escape(labels.get(c, c))}</th>' for c in cols)
    body = []
    for r in rows:
        color, clue_label = PALETTE.get(r, PALETTE["none"]), CLUE_TYPE_LABELS.get(r, r)
        tds = []
        for c in cols:
            row, shown = by_key.get((r, c)), labels.get(c, c)
            if row is None or not int(row.n):
                tip = f"{clue_label} \u00d7 {shown}: no mentions"
                tds.append(f'<td class="cx-cm-cell" style="background:{EMPTY_CELL}" title="{html.escape(tip, quote=True)}">'
                           "</td>")
                continue
            n = int(row.n)
            background = mix(color, 0.1 + 0.9 * n / top)
            tip = cell_summary(clue_label, shown, n, row.polarity, row.share_negative)
            tds.append(f'<td class="cx-cm-cell" style="background:{background};color:{text_color(background)}" '
                       f'title="{html.escape(tip, quote=True)}">{n:,}</td>')
        body.append(f'<tr><th class="cx-cm-row" scope="row"><span class="cx-chip" style="background:{color}">'
                    f'{html.escape(clue_label)}</span></th>{"".join(tds)}</tr>')
    return (f'<div class="cx-cm-scroll"><table class="cx-cm"><thead><tr><th class="cx-cm-corner">clue type \\ '
            f'touchpoint</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')
