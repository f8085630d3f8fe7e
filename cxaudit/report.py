"""The static HTML report: one self-contained file that opens from an e-mail attachment.

``write_report(results_dir, out_path)`` renders the dashboard's headline
figures, its charts (PNG embedded as base64 ``data:`` URIs) and the top
quotes behind the largest gaps into ``cxaudit/templates/report.html``
(a :class:`string.Template`). There is no code cell, no script and no
external request; every value from the data is escaped. The file is
written atomically.
"""

from __future__ import annotations

import base64
import html
import logging
import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from string import Template

import pandas as pd

from .dashboard import evidence as ev
from .dashboard.headline import headline_html
from .dashboard.charts import CHART_HELP, chart_png, palette_css
from .dashboard.queries import AuditData, Filters
from .dashboard.views import gap_drill
from .store import atomic_write_text

__all__ = ["write_report", "render_report"]

log = logging.getLogger(__name__)

_TOP_GAPS = 5
_QUOTES_PER_GAP = 3
_REPORT_CHARTS = ("clue_map", "gaps", "ipa", "motif", "drivers", "nps", "trend")


def _template(name: str) -> Template:
    return Template(resources.files("cxaudit").joinpath(f"templates/{name}").read_text(encoding="utf-8"))


def _chart_frames(data: AuditData, filters: Filters, level: str | None) -> dict[str, pd.DataFrame]:
    """Chart key -> the frame it is drawn from."""
    gaps = data.gaps(filters)
    view = gaps[gaps["level"].astype(str) == level] if level and len(gaps) else gaps
    return {"clue_map": data.clue_cells(filters), "gaps": view, "ipa": view, "motif": data.motif(filters),
            "drivers": data.drivers(filters), "nps": data.nps(filters), "trend": data.waves(filters)}


def _figure(key: str, frame: pd.DataFrame) -> str:
    title, help_text = CHART_HELP[key]
    png = base64.b64encode(chart_png(key, frame)).decode("ascii")
    return (f'<figure class="cx-figure"><h3 class="cx-chart-title">{html.escape(title)}</h3>'
            f'<div class="cx-help">{html.escape(help_text)}</div>'
            f'<img alt="{html.escape(title, quote=True)}" src="data:image/png;base64,{png}"></figure>')


def _top_gaps_html(data: AuditData, filters: Filters, gaps: pd.DataFrame) -> str:
    """Sections of the worst gaps, each with its most negative quotes (escaped)."""
    if not len(gaps) or gaps["gap"].isna().all():
        return '<div class="cx-empty">No gaps to report: no current-mode clue mentions.</div>'
    worst = gaps[gaps["gap"].astype(float) < 0].sort_values(["priority", "gap"]).head(_TOP_GAPS)
    if not len(worst):
        return '<div class="cx-empty">No dimension falls short of its desired level.</div>'
    parts = []
    for r in worst.itertuples(index=False):
        quotes = data.evidence(filters, gap_drill(r), limit=_QUOTES_PER_GAP)
        parts.append(
            f'<section class="cx-gap"><h3>{html.escape(str(r.dimension))} '
            f'<small>({html.escape(str(r.lens))}, {html.escape(str(r.level))})</small></h3>'
            f"<p>Current {float(r.current):+.2f} versus desired {float(r.desired):+.2f}: "
            f"gap {float(r.gap):+.2f} over {int(r.n):,} mentions.</p>"
            f"{ev.evidence_html(quotes, total=data.evidence_count(filters, gap_drill(r)))}</section>")
    return "".join(parts)


def _level(gaps: pd.DataFrame) -> str | None:
    levels = list(dict.fromkeys(gaps["level"].astype(str))) if len(gaps) else []
    for preferred in ("code", "clue_type", "touchpoint"):
        if preferred in levels:
            return preferred
    return levels[0] if levels else None


def render_report(results_dir: str | os.PathLike, *, filters: Filters | None = None) -> str:
    """The report's HTML for ``results_dir`` (see module doc)."""
    filters = filters or Filters()
    with AuditData(results_dir) as data:
        gaps = data.gaps(filters)
        level = _level(gaps)
        frames = _chart_frames(data, filters, level)
        figures = "".join(_figure(key, frames[key]) for key in _REPORT_CHARTS)
        level_gaps = frames["gaps"]
        body = {
            "title": html.escape(data.title),
            "css": _template("dashboard.css").template + palette_css(),
            "generated": html.escape(datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
            "headline": headline_html(data.headline(filters)),
            "figures": figures,
            "level": html.escape(level or "-"),
            "top_gaps": _top_gaps_html(data, filters, level_gaps),
        }
    return _template("report.html").substitute(body)


def write_report(results_dir: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Write the self-contained HTML report of ``results_dir`` to ``out_path`` (atomically); returns the path."""
    out = Path(out_path)
    text = render_report(results_dir)
    atomic_write_text(out, text)
    log.info("report written to %s", out)
    return out
