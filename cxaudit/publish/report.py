"""The static HTML report: one self-contained file that opens from an e-mail attachment.

``write_report(results_dir, out_path)`` renders the dashboard's Summary
(headline, top priorities and strengths with their quotes: the same
:func:`cxaudit.publish.dashboard.summary.build_summary` and
:func:`~cxaudit.publish.dashboard.summary.summary_html` as the dashboard's first tab),
then the charts of the same lens, drawn in HTML and CSS by the dashboard's own
chart functions (:mod:`cxaudit.publish.charts.html`: the rows, order, colours
and intervals the dashboard shows on screen; the clue map as a table), into
``cxaudit/templates/report.html``
(a :class:`string.Template`). There is no code cell, no script and no
external request; every value from the data is escaped. The file is
written atomically.

The report is part of the core install, so it draws no PNG: matplotlib (the
``plots`` extra, ~100 MB with its fonts and imaging libraries) stays optional,
for the dashboard's PNG downloads and the notebooks' figures. HTML charts also
keep the file small and their labels selectable and searchable.
"""

from __future__ import annotations

import html
import logging
import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from string import Template

import pandas as pd

from cxaudit.publish.charts import html as htmlcharts
from cxaudit.publish.charts.png import CHART_HELP, SCREEN_HELP, palette_css
from .dashboard.queries import AuditData, Filters
from .dashboard.summary import DEFAULT_MIN_PARTICIPANTS, build_summary, rank_rows, summary_html
from cxaudit.store import atomic_write_text

__all__ = ["write_report", "render_report"]

log = logging.getLogger(__name__)

_REPORT_CHARTS = ("clue_map", "gaps", "ipa", "motif", "drivers", "nps", "trend")


def _template(name: str) -> Template:
    return Template(resources.files("cxaudit").joinpath(f"templates/{name}").read_text(encoding="utf-8"))


def _chart_frames(data: AuditData, filters: Filters, level: str | None, min_participants: int):
    """Chart key -> (frame, keyword arguments of its :mod:`~cxaudit.publish.charts.html` function): the lens's
    rows and their labels, as the dashboard's views pass them."""
    labels, lens = data.labels, filters.codebook
    view = data.gaps(filters, level=level) if level else data.gaps(filters)
    view = rank_rows(view, min_participants) if len(view) else view
    if len(view):
        view["priority"] = view["rank"]
    dims = {str(r.dimension): labels.dimension(lens, r.level, r.dimension) for r in view.itertuples(index=False)}
    cells = data.clue_cells(filters)
    tp_labels = {t: labels.touchpoint(t) for t in cells["touchpoint"].astype(str)} if len(cells) else {}
    drivers = data.drivers(filters)
    codes = {str(c): labels.code(lens, c) for c in drivers["code"]} if len(drivers) else {}
    waves = data.waves(filters, level="clue_type")
    if len(waves):  # a clue type missing from one wave has no change to show (as the dashboard's Waves tab)
        waves = waves[waves["current_from"].notna() & waves["current_to"].notna()]
    wave_names = {str(d): labels.dimension(lens, "clue_type", d) for d in waves["dimension"]} if len(waves) else {}
    small = {"min_participants": min_participants}
    others = "cxaudit export writes them all"
    return {"clue_map": (cells, {"touchpoint_labels": tp_labels}), "gaps": (view, {"names": dims, "others": others}),
            "ipa": (view, {"names": dims}), "motif": (data.motif(filters), small),
            "drivers": (drivers, {"names": codes, **small}), "nps": (data.nps(filters), {}),
            "trend": (waves, {"names": wave_names, **small})}


def _figure(key: str, frame: pd.DataFrame, kw: dict) -> str:
    """One chart of the report: its title, how to read it, and the chart in HTML."""
    title = CHART_HELP[key][0]
    help_text = SCREEN_HELP.get(key, CHART_HELP[key][1])
    chart = getattr(htmlcharts, f"{key}_html")(frame, **kw)
    return (f'<figure class="cx-figure" data-chart="{key}"><h3 class="cx-chart-title">{html.escape(title)}</h3>'
            f'<div class="cx-help">{html.escape(help_text)}</div>{chart}</figure>')


def render_report(results_dir: str | os.PathLike, *, filters: Filters | None = None,
                  min_participants: int | None = None) -> str:
    """The report's HTML for ``results_dir`` (see module doc).

    ``filters.codebook`` is the lens (default: the dashboard's default lens);
    ``min_participants`` defaults to the audit.yml setting, else 5.
    """
    with AuditData(results_dir) as data:
        lenses = data.lenses()
        filters = filters or Filters()
        if not filters.codebook and lenses:
            filters = filters.set(codebook=lenses[0])
        min_p = int(min_participants or data.min_participants or DEFAULT_MIN_PARTICIPANTS)
        summary = build_summary(data, filters, min_participants=min_p)
        frames = _chart_frames(data, filters, summary.level, min_p)
        figures = "".join(_figure(key, *frames[key]) for key in _REPORT_CHARTS)
        body = {
            "title": html.escape(data.title),
            "css": _template("dashboard.css").template + palette_css(),
            "generated": html.escape(datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            "summary": summary_html(summary),
            "lens": html.escape(summary.lens_label),
            "figures": figures,
        }
    return _template("report.html").substitute(body)


def write_report(results_dir: str | os.PathLike, out_path: str | os.PathLike, *,
                 min_participants: int | None = None) -> Path:
    """Write the self-contained HTML report of ``results_dir`` to ``out_path`` (atomically); returns the path."""
    out = Path(out_path)
    text = render_report(results_dir, min_participants=min_participants)
    atomic_write_text(out, text)
    log.info("report written to %s", out)
    return out
