"""Charts as PNG bytes, drawn by :mod:`cxaudit.plots`.

matplotlib (and seaborn, through :mod:`cxaudit.plots`) is imported on the
first chart drawn, not when the dashboard starts. Each chart is drawn on its
own figure, saved to PNG and the figure closed at once (no pyplot state
leaks between redraws, nothing is shown twice). Labels from the data are made safe for matplotlib's mathtext (``$`` is
escaped) before they reach a plot function. The bytes are the dashboard's
"Chart as PNG" downloads (on screen, and in the static report, the charts are
HTML: :mod:`cxaudit.publish.charts.html`). matplotlib and seaborn are the
``plots`` extra (part of the ``dashboard`` and ``notebooks`` extras); without
them :func:`chart_png` says how to install them.
"""

from __future__ import annotations

import io
import logging

import pandas as pd

from cxaudit._extras import require

from .palette import palette_css

__all__ = ["CHARTS", "CHART_HELP", "DASHBOARD_HINTS", "chart_png", "mathtext_safe", "palette_css", "relabel"]

log = logging.getLogger(__name__)

#: chart key -> (title, how to read it).
CHART_HELP = {
    "summary": ("Summary", "The audit at a glance: what to fix first and what to keep, each with typical quotes."),
    "clue_map": ("Where clues are noticed",
                 "Mentions of the lens's clues per clue type and touchpoint; darker cells are mentioned more often."),
    "gaps": ("Current versus desired",
             "Each row is a dimension of the lens, fix-first order: the dot is how customers feel today (-1 to 1) "
             "with its 95 % interval, the tick the desired level; the longer the grey line, the bigger the gap. "
             "Small samples (too few participants) are greyed, marked \u201csmall sample\u201d and ranked last."),
    "ipa": ("Importance versus performance",
            "Each point is a dimension: how often it is mentioned (importance) against how customers feel about "
            "it today; the crosshairs are the averages. Important and felt poorly is where to concentrate "
            "(the quadrants are named on the chart)."),
    "motif": ("Experience motif alignment",
              "The feelings the organisation wants customers to have, as voiced in their words: right of zero, "
              "the feeling is voiced more often than its opposite. Only the sentences that voice a feeling count "
              "(their number is shown with each row), so read it beside the gaps, which score every mention."),
    "drivers": ("What drives detractors",
                "Codes right of zero are mentioned more by detractors (scores 0-6) than by promoters (9-10); "
                "open dots have intervals that cross zero (not conclusive). Right column: how many detractor and "
                "promoter documents mention the code."),
    "nps": ("Net Promoter Score",
            "% promoters (9-10) minus % detractors (0-6), overall and per segment, with 95 % intervals."),
    "trend": ("Waves",
              "How the feeling about each clue type moved between consecutive waves; bold changes are "
              "beyond noise."),
}
#: How-to-read text of the charts drawn differently in HTML (on screen and in the report) than in the PNG.
SCREEN_HELP = {
    "trend": "How the feeling about each clue type changed between consecutive waves: the dot is the change "
             "(later wave minus earlier) with its 95 % interval; filled dots are changes beyond noise, open dots "
             "within noise; the column on the right gives both waves' feeling and participants. Greyed rows: a "
             "wave with fewer participants than the minimum.",
}
#: Extra how-to-read text shown only in the dashboard (the report is not interactive).
DASHBOARD_HINTS = {
    "clue_map": "Click a cell, or pick it in the drill-down list, to read its quotes.",
    "gaps": "On the PNG, small samples carry a *.",
    "drivers": "On the PNG the counts follow the name (detractors/promoters).",
    "trend": "The PNG draws the same waves as lines.",
}
CHARTS = tuple(CHART_HELP)
_SIZE = (8.0, 4.4)


def mathtext_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` whose text cells have ``$`` escaped (``\\$``) so matplotlib prints them literally."""
    if df is None or not len(df):
        return df
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [v.replace("$", r"\$") if isinstance(v, str) else v for v in out[col]]
    return out


def _pyplot():
    """matplotlib.pyplot on the headless Agg backend (imported on first use; the ``plots`` extra)."""
    require("plots", "Drawing a chart as PNG")
    import matplotlib  # the plots extra, loaded with the first chart drawn (not when the dashboard starts)

    matplotlib.use("Agg")  # the dashboard ships PNG bytes, never a GUI window
    import matplotlib.pyplot as plt  # after the backend is chosen (and the plots extra, as above)

    return plt


def _draw(key: str, frame: pd.DataFrame, ax, **kw) -> None:
    """Call the :mod:`cxaudit.plots` function for ``key`` on ``ax``."""
    from cxaudit.publish.charts import plots  # the plots extra (matplotlib, seaborn at its top): first chart only

    if key == "clue_map":
        plots.plot_clue_map(frame, value=kw.get("value", "n"), ax=ax)
    elif key == "gaps":
        plots.plot_gaps(frame, ax=ax, top=kw.get("top", 15))
    elif key == "ipa":
        plots.plot_ipa(frame, ax=ax, crosshairs=kw.get("crosshairs"))
    elif key == "motif":
        plots.plot_motif(frame, ax=ax)
    elif key == "drivers":
        plots.plot_drivers(frame, ax=ax)
    elif key == "nps":
        plots.plot_nps(frame, ax=ax)
    elif key == "trend":
        plots.plot_trend(frame, ax=ax)
    else:
        raise ValueError(f"unknown chart {key!r}; expected one of {list(CHARTS)}")


def relabel(key: str, frame: pd.DataFrame, names: dict | None, *, min_participants: int | None = None):
    """``frame`` with ids replaced by labels (``names``: id -> label) for a PNG, and small samples marked
    (``warning``) so the matplotlib charts star them as the HTML charts grey them."""
    if frame is None or not len(frame):
        return frame
    out = frame.copy()
    if names:
        col = "code" if key == "drivers" else "dimension" if "dimension" in out else None
        if col:
            out[col] = [names.get(str(v), str(v)) for v in out[col]]
    if min_participants and key in ("gaps", "ipa") and "small" in out:
        out["warning"] = [("small sample" if s else w) for s, w in zip(out["small"], out["warning"])]
    if min_participants and key == "drivers":
        small = (out["k_detractors"].astype(int) + out["k_promoters"].astype(int)) < int(min_participants)
        out = out[~small]
    if min_participants and key == "motif" and "n_participants" in out:
        out = out[out["n_participants"].astype(float) >= int(min_participants)]
    return out


def chart_png(key: str, frame: pd.DataFrame, *, dpi: int = 100, size=_SIZE, names: dict | None = None,
              min_participants: int | None = None, **kw) -> bytes:
    """PNG bytes of chart ``key`` drawn from ``frame`` (see :data:`CHART_HELP`), ids shown as ``names``."""
    frame = relabel(key, frame, names, min_participants=min_participants)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=size, dpi=dpi)
    try:
        try:
            _draw(key, mathtext_safe(frame), ax, **kw)
        except (ValueError, KeyError, TypeError) as exc:  # one bad chart must not take the page down
            log.warning("chart %s could not be drawn: %s", key, exc)
            ax.clear()
            ax.set_axis_off()
            ax.text(0.5, 0.5, "This chart could not be drawn for this selection.", ha="center", va="center",
                    transform=ax.transAxes, color="#52606d")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
        return buf.getvalue()
    finally:
        plt.close(fig)
