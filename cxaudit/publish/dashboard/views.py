"""What each dashboard tab shows: the queries it runs, the charts it draws and its drill-downs.

Kept apart from the widget wiring (:mod:`cxaudit.publish.dashboard.app`) so each view
is one small function of the app's current filters.
"""

from __future__ import annotations

import html

import pandas as pd

from cxaudit.compare.tables import GAP_TABLE
from cxaudit.schemas import empty

from . import evidence as ev
from .filters import gap_drill  # noqa: F401 - handed on (views.gap_drill)
from .queries import EVIDENCE_SORTS
from .summary import build_summary, plural, rank_rows, summary_html

__all__ = ["draw_tab", "gap_drill", "drill_label", "ranked_gaps", "TREND_LEVEL"]

_MAX_DRILL = 60
_SMALL = " \u2013 small sample"
#: The level the waves chart shows (``cxaudit.plots.plot_trend``'s default), the only one computed.
TREND_LEVEL = "clue_type"


def draw_tab(app, key: str) -> None:
    """Redraw tab ``key`` of ``app`` (a :class:`~cxaudit.publish.dashboard.app.DashboardApp`)."""
    {"summary": _summary, "clue_map": _clue_map, "compare": _compare, "drivers": _drivers,
     "waves": _waves, "evidence": _evidence}[key](app)


def _summary(app) -> None:
    f = app.filters
    s = app.memo(("summary", f, app.min_participants), lambda: build_summary(
        app.data, f, min_participants=app.min_participants,
        headline=app.memo(("audit_headline", f), lambda: app.data.audit_headline(f)),
        gaps=lambda level: app.memo(("gaps_raw", f, level), lambda: app.data.gaps(f, level=level))))
    app.summary_box.value = summary_html(s, headline=False)


def _clue_map(app) -> None:
    cells = app.memo(("clue_cells", app.filters), lambda: app.data.clue_cells(app.filters))
    labels = app.data.labels
    app.heatmap.update(cells, touchpoint_labels={t: labels.touchpoint(t) for t in cells["touchpoint"].astype(str)}
                       if len(cells) else None,
                       empty="This lens has no clue types (its codes are touchpoints): see Current vs desired."
                       if not len(cells) and not app.filters.narrowed else None)
    top = cells.sort_values(["n", "clue_type", "touchpoint"], ascending=[False, True, True]).head(_MAX_DRILL)
    app.set_drill_targets("clue_map", [
        (f"{labels.clue_type(r.clue_type)} \u00d7 {labels.touchpoint(r.touchpoint)} ({plural(r.n, 'mention')})",
         {"clue_type": r.clue_type, "touchpoint": r.touchpoint})
        for r in top.itertuples(index=False)])


def ranked_gaps(app, level: str):
    """The gaps of the lens at ``level`` in fix-first order under the app's minimum sample."""
    def compute():
        view = app.memo(("gaps_raw", app.filters, level), lambda: app.data.gaps(app.filters, level=level)) \
            if level else None
        if view is None or not len(view):
            return empty(GAP_TABLE).assign(small=pd.Series(dtype=bool), rank=pd.Series(dtype="Int64"))
        ranked = rank_rows(view, app.min_participants)
        ranked["priority"] = ranked["rank"]
        return ranked

    return app.memo(("gaps", app.filters, level, app.min_participants), compute)


def _compare(app) -> None:
    level = app.level.value
    view = ranked_gaps(app, level)
    labels, lens = app.data.labels, app.filters.codebook
    names = {r.dimension: labels.dimension(lens, r.level, r.dimension) for r in view.itertuples(index=False)}
    app.show_chart("gaps", view, cache_key=(app.filters, level, app.min_participants), names=names)
    app.show_chart("ipa", view, cache_key=(app.filters, level, app.min_participants), names=names)
    motif = app.memo(("motif", app.filters), lambda: app.data.motif(app.filters))
    app.show_chart("motif", motif, cache_key=(app.filters, app.min_participants),
                   min_participants=app.min_participants)
    app.set_drill_targets("compare", [
        (f"{names[r.dimension]} (gap {r.gap:+.2f}, {plural(r.n_participants, 'participant')}, "
         f"{plural(r.n, 'mention')}){_SMALL if r.small else ''}" if pd.notna(r.gap)
         else names[r.dimension], gap_drill(r))
        for r in view.head(_MAX_DRILL).itertuples(index=False)])


def _drivers(app) -> None:
    drivers = app.memo(("drivers", app.filters), lambda: app.data.drivers(app.filters))
    labels, lens = app.data.labels, app.filters.codebook
    names = {str(c): labels.code(lens, c) for c in drivers["code"]} if len(drivers) else {}
    app.show_chart("drivers", drivers, cache_key=(app.filters, app.min_participants), names=names,
                   min_participants=app.min_participants)
    app.show_chart("nps", app.memo(("nps", app.filters), lambda: app.data.nps(app.filters)), cache_key=app.filters)
    if len(drivers):
        small = (drivers["k_detractors"].astype(int) + drivers["k_promoters"].astype(int)) < app.min_participants
        drivers = pd.concat([drivers[~small], drivers[small]])
    app.set_drill_targets("drivers", [
        (f"{names[str(r.code)]} (mentioned by {int(r.k_detractors):,} of {plural(r.n_detractors, 'detractor')} "
         f"and {int(r.k_promoters):,} of {plural(r.n_promoters, 'promoter')})",
         {"codebook": r.lens, "code": r.code})
        for r in drivers.head(_MAX_DRILL).itertuples(index=False)])


def _waves(app) -> None:
    waves = app.memo(("waves", app.filters), lambda: app.data.waves(app.filters, level=TREND_LEVEL))
    if len(waves):  # a dimension missing from one wave has no line to draw (plot_trend fails on NA)
        waves = waves[waves["current_from"].notna() & waves["current_to"].notna()]
    labels, lens = app.data.labels, app.filters.codebook
    names = {str(d): labels.dimension(lens, TREND_LEVEL, d) for d in waves["dimension"]} if len(waves) else {}
    app.show_chart("trend", waves, cache_key=app.filters, names=names, min_participants=app.min_participants)
    waves = [app.filters.wave] if app.filters.wave else app.data.options("wave")
    app.set_drill_targets("waves", [(str(w), {"wave": w}) for w in waves])


def drill_label(drill: dict, labels=None) -> str:
    """HTML saying what the evidence is drilled down to (values escaped; codes by their labels)."""
    shown = {k: v for k, v in drill.items() if k != "codebook"}
    if not shown:
        return '<span class="cx-drill-label">All quotes for the current filters</span>'
    lens = drill.get("codebook")

    def name(k, v):
        if labels is None:
            return str(v)
        return {"code": lambda: labels.code(lens, v), "touchpoint": lambda: labels.touchpoint(v),
                "clue_type": lambda: labels.clue_type(v)}.get(k, lambda: str(v))()

    parts = [f"{html.escape(k.replace('_', ' '))}: <b>{html.escape(name(k, v))}</b>" for k, v in shown.items()]
    return '<span class="cx-drill-label">Showing ' + " \u00b7 ".join(parts) + "</span>"


def _evidence(app) -> None:
    f, drill = app.filters, dict(app.drill)
    key = tuple(sorted(drill.items()))
    total = app.memo(("evidence_count", f, key), lambda: app.data.evidence_count(f, drill))
    if app.offset >= max(total, 1):
        app.offset = 0
    sort, offset = app.sort.value, app.offset
    page = app.memo(("evidence", f, key, offset, app.page_size, sort),
                    lambda: app.data.evidence(f, drill, offset=offset, limit=app.page_size, sort=sort))
    app.table.value = ev.evidence_html(page, offset=app.offset, total=total, sort=EVIDENCE_SORTS[sort])
    app.drill_label.value = drill_label(app.drill, app.data.labels)
    app.clear_drill.layout.display = None if app.drill else "none"
    app.prev_btn.disabled = app.offset == 0
    app.next_btn.disabled = app.offset + app.page_size >= total
    app.export_link.value = ""
