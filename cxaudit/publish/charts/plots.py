"""Charts of the comparison tables (matplotlib + seaborn), one function per chart.

Every function takes a table from :mod:`cxaudit.compare` and keyword options,
draws on ``ax`` (a new figure when None) and returns the Axes. Clue types have
one colour everywhere (:data:`PALETTE`, defined in :mod:`cxaudit.publish.charts.palette` for
every chart); valences too (:data:`VALENCE_COLORS`).
An empty selection draws a "no data for this selection" message instead of
raising. matplotlib and seaborn are the ``plots`` extra (``pip install
'cxaudit[plots]'``, part of the ``dashboard`` and ``notebooks`` extras);
importing this module without them raises :class:`cxaudit._extras.MissingExtraError`
with that command.
"""

from __future__ import annotations

from cxaudit._extras import require

require("plots", "cxaudit.plots (charts as matplotlib figures)")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from cxaudit.publish.charts.palette import PALETTE, VALENCE_COLORS  # noqa: E402  (one colour per clue type and valence)

__all__ = [
    "PALETTE",
    "VALENCE_COLORS",
    "plot_gaps",
    "plot_ipa",
    "plot_clue_map",
    "plot_motif",
    "plot_drivers",
    "plot_nps",
    "plot_trend",
    "plot_scorecard",
]

NO_DATA = "no data for this selection"
_CLUE_ORDER = ["functional", "mechanic", "humanic", "none"]


def _axes(ax, size=(8, 5)):
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _no_data(ax, title: str):
    """Draw the empty-selection message with a title, and return ``ax``."""
    ax.set_title(title)
    ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", transform=ax.transAxes, fontsize=12, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def _color(clue_type) -> str:
    return PALETTE.get(str(clue_type) if pd.notna(clue_type) else "none", PALETTE["none"])


def _select(df: pd.DataFrame | None, **want) -> pd.DataFrame:
    """Rows of ``df`` matching every given column value (columns absent from df are ignored)."""
    if df is None or len(df) == 0:
        return pd.DataFrame()
    for col, value in want.items():
        if value is not None and col in df:
            df = df[df[col] == value]
    return df


def _default_level(df: pd.DataFrame, level):
    if level is not None or "level" not in df or df.empty:
        return level
    levels = list(df["level"].dropna().unique())
    return "code" if "code" in levels else (levels[0] if levels else None)


def _clue_legend(ax, types, *, extra=(), loc="best", anchor=None):
    handles = [Line2D([], [], marker="o", ls="", color=PALETTE[t], label=t) for t in _CLUE_ORDER if t in set(types)]
    ax.legend(handles=handles + list(extra), loc=loc, bbox_to_anchor=anchor, fontsize=8, frameon=False)


def plot_gaps(gaps: pd.DataFrame, *, ax=None, top: int = 15, level: str | None = None, lens: str | None = None, group: str = "all"):
    """Current (dot, with 95 % interval) and desired (black bar) per dimension, in priority order.

    ``gaps``: the gaps table. Shows one level (default ``code``) of one group
    (default the whole audit), the ``top`` rows by priority. Dimensions with
    a small-sample warning are drawn hollow and marked with '*'.
    """
    title = "Current versus desired experience"
    level = _default_level(gaps, level)
    d = _select(gaps, level=level, lens=lens, group=group)
    d = d[d["current"].notna()] if len(d) else d
    ax = _axes(ax, (9, 0.4 * min(top, max(len(d), 2)) + 1.6))
    if d.empty:
        return _no_data(ax, title)
    d = d.sort_values(["priority", "gap"]).head(top).iloc[::-1]
    y = np.arange(len(d))
    lo, hi = (d["ci_low"] + d["desired"]).to_numpy(float), (d["ci_high"] + d["desired"]).to_numpy(float)
    cur = d["current"].to_numpy(float)
    colors = [_color(c) for c in d.get("clue_type", pd.Series(["none"] * len(d)))]
    warned = d["warning"].notna().to_numpy() if "warning" in d else np.zeros(len(d), bool)
    ax.hlines(y, d["desired"].to_numpy(float), cur, color="#CCCCCC", lw=3, zorder=1)
    for yi, c, l, h, col, w in zip(y, cur, lo, hi, colors, warned):
        if not np.isnan(l):
            ax.errorbar(c, yi, xerr=[[c - l], [h - c]], fmt="none", ecolor=col, elinewidth=1.5, capsize=3, zorder=2)
        ax.scatter(c, yi, s=60, color="white" if w else col, edgecolor=col, linewidth=1.5, zorder=3)
    ax.scatter(d["desired"].to_numpy(float), y, marker="|", s=300, color="black", linewidth=2.5, zorder=4)
    labels = [f"{dim} *" if w else str(dim) for dim, w in zip(d["dimension"], warned)]
    ax.set_yticks(y, labels)
    ax.set_xlim(-1.05, 1.05)
    ax.axvline(0, color="#999999", lw=0.8, ls=":")
    ax.set_xlabel("polarity (−1 negative … 1 positive); gap = current − desired")
    ax.set_ylabel(str(level or "dimension"))
    ax.set_title(title + (f" ({group})" if group != "all" else ""))
    extra = [Line2D([], [], marker="|", ls="", color="black", markersize=12, mew=2.5, label="desired")]
    if warned.any():
        extra.append(Line2D([], [], marker="o", ls="", mfc="white", mec="#555555", label="* small sample"))
    _clue_legend(ax, d.get("clue_type", []), extra=extra, loc="upper left", anchor=(1.01, 1))
    return ax


def plot_ipa(gaps: pd.DataFrame, *, ax=None, crosshairs=None, level: str | None = None, lens: str | None = None, group: str = "all"):
    """Importance–Performance grid (Martilla & James 1977): performance across, importance up.

    Crosshairs: ``{"importance": x, "performance": y}``, else the table's
    ``crosshair_*`` columns, else the means of the points shown.
    """
    title = "Importance–performance analysis"
    ax = _axes(ax, (8, 6))
    level = _default_level(gaps, level)
    d = _select(gaps, level=level, lens=lens, group=group)
    d = d[d["current"].notna() & d["importance"].notna()] if len(d) else d
    if d.empty:
        return _no_data(ax, title)
    x, y = d["current"].to_numpy(float), d["importance"].to_numpy(float)
    if crosshairs is not None:
        cx, cy = crosshairs["performance"], crosshairs["importance"]
    elif "crosshair_performance" in d and d["crosshair_performance"].notna().any():
        cx, cy = float(d["crosshair_performance"].dropna().iloc[0]), float(d["crosshair_importance"].dropna().iloc[0])
    else:
        cx, cy = float(np.mean(x)), float(np.mean(y))
    ax.scatter(x, y, s=70, c=[_color(c) for c in d.get("clue_type", ["none"] * len(d))], edgecolor="white", zorder=3)
    ax.axvline(cx, color="#777777", lw=1)
    ax.axhline(cy, color="#777777", lw=1)
    ymax = max(float(np.nanmax(y)) * 1.15, cy * 1.3, 1e-3)
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(0, ymax)
    rank = d["priority"].to_numpy(float) if "priority" in d else -y
    order = list(np.argsort(np.nan_to_num(rank, nan=np.inf), kind="stable"))
    skipped = _place_labels(ax, x, y, [str(v) for v in d["dimension"]], order=order)
    if skipped:
        ax.text(0.5, -0.13, f"{skipped} crowded point(s) unlabelled; the gap table lists every dimension",
                transform=ax.transAxes, ha="center", va="top", fontsize=8, color="#666666")
    corners = [((0.02, 0.98), "concentrate here", "left", "top"), ((0.98, 0.98), "keep up the good work", "right", "top"),
               ((0.02, 0.02), "low priority", "left", "bottom"), ((0.98, 0.02), "possible overkill", "right", "bottom")]
    for (cx_, cy_), text, ha, va in corners:
        ax.text(cx_, cy_, text, transform=ax.transAxes, ha=ha, va=va, fontsize=10, color="#444444", style="italic")
    ax.set_xlabel("performance: current mean polarity (−1 … 1)")
    ax.set_ylabel("importance")
    ax.set_title(title + (f" ({group})" if group != "all" else ""))
    _clue_legend(ax, d.get("clue_type", []), loc="center left")
    return ax


def plot_clue_map(cells: pd.DataFrame, *, value: str = "n", ax=None):
    """Clue type × touchpoint heatmap of ``value``: ``n`` (mentions) or ``polarity`` (mean, −1 … 1)."""
    if value not in ("n", "polarity", "share_negative"):
        raise ValueError(f"value must be 'n', 'polarity' or 'share_negative'; found {value!r}")
    title = {"n": "Clue mentions by touchpoint", "polarity": "Mean polarity of clues by touchpoint",
             "share_negative": "Share of negative clue mentions by touchpoint"}[value]
    ax = _axes(ax, (9, 3.5))
    if cells is None or len(cells) == 0:
        return _no_data(ax, title)
    grid = cells.pivot_table(index="clue_type", columns="touchpoint", values=value, aggfunc="first")
    grid = grid.reindex([c for c in _CLUE_ORDER if c in grid.index]).astype(float)
    grid = grid[sorted(grid.columns, key=lambda c: (c == "unspecified", c))]
    style = {"n": dict(cmap="Blues", fmt=".0f"), "polarity": dict(cmap="RdYlGn", vmin=-1, vmax=1, center=0, fmt=".2f"),
             "share_negative": dict(cmap="Reds", vmin=0, vmax=1, fmt=".0%")}[value]
    sns.heatmap(grid, ax=ax, annot=True, linewidths=0.5, linecolor="white", cbar_kws={"label": {"n": "mentions", "polarity": "mean polarity", "share_negative": "share negative"}[value]}, **style)
    ax.set_xlabel("touchpoint")
    ax.set_ylabel("clue type")
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=30)
    plt.setp(ax.get_xticklabels(), ha="right")
    ax.tick_params(axis="y", rotation=0)
    return ax


def _place_labels(ax, xs, ys, labels, *, fontsize: int = 8, colors=None, order=None) -> int:
    """Annotate points, choosing for each label the first offset whose box overlaps no earlier label
    or point (a small greedy layout; axis limits must be set before calling). Points are labelled in
    ``order`` (most important first); a label that fits nowhere is left out rather than drawn over
    another. Returns the number of labels left out."""
    fig = ax.figure
    px = fig.dpi / 72.0
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    placed: list[tuple[float, float, float, float]] = [(x - 4, y - 4, x + 4, y + 4) for x, y in pts]
    offsets = [(6, 4), (6, -12), (-6, 4), (-6, -12), (6, -4), (-6, -4), (0, 10), (0, -18), (12, 14), (12, -22)]
    colors = colors or ["black"] * len(labels)
    order = range(len(labels)) if order is None else order
    skipped = 0
    for i in order:
        (x, y), text, color = pts[i], labels[i], colors[i]
        w, h = 0.6 * fontsize * px * len(text), fontsize * px * 1.2
        for dx, dy in offsets:
            x0 = x + dx * px if dx >= 0 else x + dx * px - w
            y0 = y + dy * px
            box = (x0, y0, x0 + w, y0 + h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        else:
            skipped += 1
            continue
        placed.append(box)
        ha = "left" if dx >= 0 else "right"
        ax.annotate(text, ax.transData.inverted().transform((x, y)), xytext=(dx, dy), textcoords="offset points",
                    fontsize=fontsize, ha=ha, va="bottom", color=color)
    return skipped


def _interval_bars(ax, labels, values, lows, highs, colors):
    y = np.arange(len(labels))
    ax.barh(y, values, color=colors, height=0.6, zorder=2)
    # an estimate can sit outside its interval (adjusted intervals): never draw negative error bars
    err_lo = np.clip(np.nan_to_num(values - lows), 0, None)
    err_hi = np.clip(np.nan_to_num(highs - values), 0, None)
    ax.errorbar(values, y, xerr=[err_lo, err_hi], fmt="none", ecolor="#333333", capsize=3, zorder=3)
    ax.set_yticks(y, labels)
    return y


def plot_motif(motif: pd.DataFrame, *, ax=None, level: str = "overall", lens: str | None = None):
    """Net alignment with the motif (−1 all opposite … 1 all motif) with 95 % intervals.

    ``level='overall'`` (default) shows one bar per motif word plus the whole
    motif; another level shows the whole motif per dimension of that level.
    """
    title = "Alignment with the experience motif"
    ax = _axes(ax, (8, 4))
    d = _select(motif, level=level, lens=lens)
    if len(d) and level != "overall":
        d = d[d["motif"] == "all"]
    d = d[d["net_alignment"].notna()] if len(d) else d
    if d.empty:
        return _no_data(ax, title)
    d = d.iloc[::-1]
    labels = [("whole motif" if m == "all" else m) if level == "overall" else dim for m, dim in zip(d["motif"], d["dimension"])]
    labels = [f"{lab} (n={a + b})" for lab, a, b in zip(labels, d["n_motif"], d["n_opposite"])]
    vals = d["net_alignment"].to_numpy(float)
    colors = [VALENCE_COLORS["positive"] if v > 0 else VALENCE_COLORS["negative"] for v in vals]
    _interval_bars(ax, labels, vals, d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float), colors)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("net alignment: (motif − opposite) / (motif + opposite)")
    ax.set_ylabel("motif feeling" if level == "overall" else level)
    ax.set_title(title)
    return ax


def plot_drivers(drivers: pd.DataFrame, *, ax=None, top: int = 15):
    """Log odds ratio (detractors vs promoters) per code with 95 % intervals; > 0 drives detraction."""
    title = "Key drivers: detractors versus promoters"
    ax = _axes(ax, (8, 0.4 * min(top, max(len(drivers) if drivers is not None else 0, 1)) + 1.8))
    if drivers is None or len(drivers) == 0:
        return _no_data(ax, title)
    d = drivers.reindex(drivers["log_odds"].abs().sort_values(ascending=False).index).head(top)
    d = d.sort_values("log_odds")
    y = np.arange(len(d))
    lor = d["log_odds"].to_numpy(float)
    colors = [_color(c) for c in d.get("clue_type", ["none"] * len(d))]
    ax.errorbar(lor, y, xerr=[lor - d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float) - lor], fmt="none", ecolor="#777777", capsize=3)
    ax.scatter(lor, y, c=colors, s=60, zorder=3)
    ax.set_yticks(y, [f"{c} ({a}/{b})" for c, a, b in zip(d["code"], d["k_detractors"], d["k_promoters"])])
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel("log odds ratio  (← more among promoters | more among detractors →)")
    ax.set_ylabel("code (detractor/promoter documents)")
    ax.set_title(title)
    _clue_legend(ax, d.get("clue_type", []), loc="lower right")
    return ax


def plot_nps(nps: pd.DataFrame, *, ax=None):
    """NPS per group (the whole audit first) with 95 % intervals, on the −100 … 100 scale."""
    title = "Net Promoter Score"
    ax = _axes(ax, (8, 0.5 * max(len(nps) if nps is not None else 0, 1) + 1.8))
    d = nps[nps["nps"].notna()] if nps is not None and len(nps) else pd.DataFrame()
    if d.empty:
        return _no_data(ax, title)
    d = d.iloc[::-1]
    labels = ["all respondents" if g == "all" else f"{by}: {g}" for by, g in zip(d["group_by"], d["group"])]
    labels = [f"{lab} (n={n})" for lab, n in zip(labels, d["n"])]
    vals = d["nps"].to_numpy(float)
    colors = ["#555555" if g == "all" else (VALENCE_COLORS["positive"] if v >= 0 else VALENCE_COLORS["negative"]) for g, v in zip(d["group"], vals)]
    _interval_bars(ax, labels, vals, d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float), colors)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlim(-100, 100)
    ax.set_xlabel("NPS = % promoters (9–10) − % detractors (0–6)")
    ax.set_ylabel("group")
    ax.set_title(title)
    return ax


def plot_trend(waves: pd.DataFrame, *, ax=None, level: str = "clue_type", lens: str | None = None, top: int = 8):
    """Current performance per wave for the dimensions of one level; changes beyond noise in bold.

    ``waves``: the waves table (consecutive pairs). Shows the ``top``
    dimensions with the largest absolute change.
    """
    title = "Change between waves"
    ax = _axes(ax, (8, 5))
    d = _select(waves, level=level, lens=lens)
    if d.empty:
        return _no_data(ax, title)
    order = list(dict.fromkeys(list(d["wave_from"]) + list(d["wave_to"])))
    keep = d.groupby("dimension")["change"].apply(lambda s: s.abs().max()).sort_values(ascending=False).head(top).index
    d = d[d["dimension"].isin(keep)].copy()
    # a dimension missing from one wave has no value there: NaN leaves a gap in its line
    for col in ("current_from", "current_to"):
        d[col] = pd.to_numeric(d[col], errors="coerce").astype(float)
    d["beyond_noise"] = d["beyond_noise"].astype("boolean").fillna(False).astype(bool)
    styles = ["-", "--", ":", "-."]
    for i, (dim, rows) in enumerate(d.groupby("dimension", sort=True)):
        col = _color(rows["clue_type"].iloc[0])
        for r in rows.itertuples(index=False):
            xs = [order.index(r.wave_from), order.index(r.wave_to)]
            ys = [r.current_from, r.current_to]
            ax.plot(xs, ys, color=col, ls=styles[i % 4], lw=3 if r.beyond_noise else 1.2, marker="o")
    ax.set_xticks(range(len(order)), order)
    ax.set_xlim(-0.3, len(order) - 0.4)
    ax.set_ylim(-1.05, 1.05)
    ends = d.dropna(subset=["current_to"]).groupby("dimension", sort=True).last()
    _place_labels(ax, [order.index(w) for w in ends["wave_to"]], ends["current_to"].to_numpy(float), [str(v) for v in ends.index],
                  colors=[_color(c) for c in ends["clue_type"]])
    ax.set_xlabel("wave")
    ax.set_ylabel("current: mean polarity (−1 … 1)")
    ax.set_title(title + " (bold: beyond noise)")
    return ax


def plot_scorecard(scorecard: pd.DataFrame, *, ax=None, lens: str | None = None, group: str = "all"):
    """Criteria scored 1–5 (3 = neutral) with 95 % intervals, for one lens and group."""
    title = "Scorecard"
    d = _select(scorecard, group=group)
    if len(d) and lens is None:
        lens = d["lens"].iloc[0]
    d = _select(d, lens=lens)
    d = d[d["score"].notna()] if len(d) else d
    ax = _axes(ax, (8, 0.4 * max(len(d), 2) + 1.6))
    if d.empty:
        return _no_data(ax, title)
    d = d.iloc[::-1]
    labels = [f"{(lab if pd.notna(lab) else c)} (n={n}){' *' if pd.notna(w) else ''}"
              for lab, c, n, w in zip(d["label"], d["criterion"], d["n"], d["warning"])]
    y = np.arange(len(d))
    vals = d["score"].to_numpy(float)
    warned = d["warning"].notna().to_numpy()
    bars = ax.barh(y, vals - 1, left=1, color=[_color(c) for c in d["clue_type"]], height=0.6)
    for bar, w in zip(bars, warned):
        if w:
            bar.set_alpha(0.35)
            bar.set_hatch("//")
    lo, hi = d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float)
    ax.errorbar(vals, y, xerr=[np.nan_to_num(vals - lo), np.nan_to_num(hi - vals)], fmt="none", ecolor="#333333", capsize=3)
    ax.set_yticks(y, labels)
    ax.axvline(3, color="#555555", lw=0.8, ls=":")
    ax.set_xlim(1, 5)
    ax.set_xlabel("score: 3 + 2 × mean polarity (1 poor … 5 excellent)")
    ax.set_ylabel("criterion")
    ax.set_title(f"{title}: {lens}" + (f" ({group})" if group != "all" else "") + (" (* small sample)" if warned.any() else ""))
    return ax
