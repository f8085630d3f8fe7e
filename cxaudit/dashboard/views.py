"""What each dashboard tab shows: the queries it runs, the charts it draws and its drill-downs.

Kept apart from the widget wiring (:mod:`cxaudit.dashboard.app`) so each view
is one small function of the app's current filters.
"""

from __future__ import annotations

import html

import pandas as pd

from . import evidence as ev
__all__ = ["draw_tab", "gap_drill", "drill_label", "TREND_LEVEL"]

_MAX_DRILL = 60
#: The level the waves chart shows (``cxaudit.plots.plot_trend``'s default), the only one computed.
TREND_LEVEL = "clue_type"


def draw_tab(app, key: str) -> None:
    """Redraw tab ``key`` of ``app`` (a :class:`~cxaudit.dashboard.app.DashboardApp`)."""
    {"clue_map": _clue_map, "compare": _compare, "drivers": _drivers,
     "waves": _waves, "evidence": _evidence}[key](app)


def _clue_map(app) -> None:
    cells = app.memo(("clue_cells", app.filters), lambda: app.data.clue_cells(app.filters))
    app.heatmap.update(cells)
    top = cells.sort_values(["n", "clue_type", "touchpoint"], ascending=[False, True, True]).head(_MAX_DRILL)
    app.set_drill_targets("clue_map", [
        (f"{r.clue_type} \u00d7 {r.touchpoint} ({r.n:,} mentions)",
         {"clue_type": r.clue_type, "touchpoint": r.touchpoint})
        for r in top.itertuples(index=False)])


def gap_drill(row) -> dict:
    """Evidence drill-down for one gaps row (lens, level, dimension)."""
    level, dim, lens = str(row.level), str(row.dimension), str(row.lens)
    if level == "clue_type":
        return {"clue_type": dim}
    if level == "touchpoint":
        return {"touchpoint": dim}
    if level == "code":
        return {"codebook": lens, "code": dim}
    if level == "clue_type x touchpoint" and " x " in dim:
        clue_type, touchpoint = dim.split(" x ", 1)
        return {"clue_type": clue_type, "touchpoint": touchpoint}
    return {"codebook": lens}


def _compare(app) -> None:
    level = app.level.value
    key = (app.filters, level)
    view = app.memo(("gaps", key), lambda: app.data.gaps(app.filters, level=level) if level else None)
    if view is None or not len(view):
        from ..compare.tables import GAP_TABLE
        from ..schemas import empty

        view = empty(GAP_TABLE) if view is None else view
    app.show_chart("gaps", view, cache_key=key)
    app.show_chart("ipa", view, cache_key=key)
    app.show_chart("motif", app.memo(("motif", app.filters), lambda: app.data.motif(app.filters)),
                   cache_key=app.filters)
    worst = view.sort_values("gap").head(_MAX_DRILL) if len(view) else view
    app.set_drill_targets("compare", [
        (f"{r.dimension} (gap {r.gap:+.2f}, n = {int(r.n):,})" if pd.notna(r.gap) else f"{r.dimension}",
         gap_drill(r))
        for r in worst.itertuples(index=False)])


def _drivers(app) -> None:
    drivers = app.memo(("drivers", app.filters), lambda: app.data.drivers(app.filters))
    app.show_chart("drivers", drivers, cache_key=app.filters)
    app.show_chart("nps", app.memo(("nps", app.filters), lambda: app.data.nps(app.filters)), cache_key=app.filters)
    top = drivers.head(_MAX_DRILL)
    app.set_drill_targets("drivers", [
        (f"{r.code} ({int(r.k_detractors):,} detractors, {int(r.k_promoters):,} promoters mention it)",
         {"codebook": r.lens, "code": r.code})
        for r in top.itertuples(index=False)])


def _waves(app) -> None:
    waves = app.memo(("waves", app.filters), lambda: app.data.waves(app.filters, level=TREND_LEVEL))
    if len(waves):  # a dimension missing from one wave has no line to draw (plot_trend fails on NA)
        waves = waves[waves["current_from"].notna() & waves["current_to"].notna()]
    app.show_chart("trend", waves, cache_key=app.filters)
    waves = [app.filters.wave] if app.filters.wave else app.data.options("wave")
    app.set_drill_targets("waves", [(str(w), {"wave": w}) for w in waves])


def drill_label(drill: dict) -> str:
    """HTML saying what the evidence is drilled down to (values escaped)."""
    if not drill:
        return '<span class="cx-drill-label">All quotes for the current filters</span>'
    parts = [f"{html.escape(k.replace('_', ' '))}: <b>{html.escape(str(v))}</b>"
             for k, v in drill.items()]
    return '<span class="cx-drill-label">Showing ' + " \u00b7 ".join(parts) + "</span>"


def _evidence(app) -> None:
    total = app.data.evidence_count(app.filters, app.drill)
    if app.offset >= max(total, 1):
        app.offset = 0
    page = app.data.evidence(app.filters, app.drill, offset=app.offset, limit=app.page_size)
    app.table.value = ev.evidence_html(page, offset=app.offset, total=total)
    app.drill_label.value = drill_label(app.drill)
    app.clear_drill.layout.display = None if app.drill else "none"
    app.prev_btn.disabled = app.offset == 0
    app.next_btn.disabled = app.offset + app.page_size >= total
    app.export_link.value = ""
