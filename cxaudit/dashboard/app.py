"""The ipywidgets application: filters, headline figures, chart tabs, evidence.

Wiring: every filter dropdown is ``.observe``-d; a change recomputes the
headline figures and redraws only the visible tab (the other tabs are
marked stale and redrawn when opened), so a click costs a few DuckDB
aggregations and one or two PNGs, never a re-analysis. Each chart has a
"read the quotes" list of its cells that sets the evidence drill-down and
switches to the evidence tab.
"""

from __future__ import annotations

import html
import logging
import time
from importlib import resources

import ipywidgets as widgets

from . import evidence as ev
from .charts import CHART_HELP, chart_png, palette_css
from .queries import FILTER_LABELS, AuditData, Filters

__all__ = ["DashboardApp", "TABS"]

log = logging.getLogger(__name__)

#: Tab key -> (title, charts in it).
TABS = {
    "clue_map": ("Clue map", ("clue_map",)),
    "compare": ("Current vs desired", ("gaps", "ipa", "motif")),
    "drivers": ("Drivers", ("drivers", "nps")),
    "waves": ("Waves", ("trend",)),
    "evidence": ("Evidence", ()),
}
_DRILL_PROMPT = "Read the quotes for\u2026"
_EXPORT_LIMIT = 100_000


def _css() -> str:
    css = resources.files("cxaudit").joinpath("templates/dashboard.css").read_text(encoding="utf-8")
    return css + palette_css()


def _fmt_share(x) -> str:
    return "\u2013" if x is None else f"{100 * x:.0f} %"


def headline_html(h: dict) -> str:
    """Headline cards (HTML) from :meth:`AuditData.headline`; numbers only, nothing unescaped."""
    cards = [
        ("documents", f"{h['documents']:,}", "Documents", "with a clue mention"),
        ("participants", f"{h['participants']:,}", "Participants", "distinct people"),
        ("mentions", f"{h['mentions']:,}", "Clue mentions", "functional, mechanic, humanic"),
        ("negative", _fmt_share(h["share_negative"]), "Share negative", f"n = {h['mentions']:,} mentions"),
    ]
    if h["n_scored"]:
        cards.append(("nps", f"{h['nps']:+.0f}", "NPS", f"n = {h['n_scored']:,} scores"))
    body = "".join(
        f'<div class="cx-card" data-key="{key}"><div class="cx-value">{value}</div>'
        f'<div class="cx-label">{label}</div><div class="cx-n">{note}</div></div>'
        for key, value, label, note in cards)
    empty = ('<div class="cx-empty">No mentions for this filter.</div>' if not h["mentions"] else "")
    return f'<div class="cx-cards">{body}</div>{empty}'


class _Chart:
    """One chart: title, how-to-read line, image, PNG download link."""

    def __init__(self, key: str):
        title, help_text = CHART_HELP[key]
        self.key = key
        self.header = widgets.HTML(f'<h3 class="cx-chart-title">{html.escape(title)}</h3>'
                                   f'<div class="cx-help">{html.escape(help_text)}</div>')
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="820px"))
        self.image.add_class(f"cx-chart-{key}")
        self.link = widgets.HTML()
        self.box = widgets.VBox([self.header, self.image, self.link], layout=widgets.Layout(margin="0 0 18px 0"))

    def show(self, png: bytes, audit: str) -> None:
        self.image.value = png
        self.link.value = ev.download_link(png, f"{audit}-{self.key}.png", "image/png", "Download chart (PNG)")


class DashboardApp(widgets.VBox):
    """The dashboard widget tree over one :class:`AuditData` (see module doc).

    Public for tests and benchmarks: ``filter_widgets`` (name -> Dropdown),
    ``tabs``, ``drills`` (tab key -> Dropdown), ``last_redraw_s``.
    """

    def __init__(self, data: AuditData, *, page_size: int = 20):
        super().__init__()
        self.data, self.page_size = data, page_size
        self.filters, self.drill, self.offset = Filters(), {}, 0
        self.last_redraw_s = 0.0
        self._stale: set[str] = set(TABS)
        self._drill_targets: dict[str, list[dict]] = {}
        self._busy = False
        self.add_class("cx-app")
        title = widgets.HTML(f'<style>{_css()}</style><h1 class="cx-title">{html.escape(data.title)}</h1>')
        self.filter_widgets = {name: self._filter_dropdown(name) for name in FILTER_LABELS}
        filters = widgets.HBox(list(self.filter_widgets.values()), layout=widgets.Layout(flex_flow="row wrap"))
        filters.add_class("cx-filters")
        self.headline = widgets.HTML()
        self.headline.add_class("cx-headline")
        self.charts = {key: _Chart(key) for key in CHART_HELP}
        self.drills = {key: self._drill_dropdown(key) for key in TABS if key != "evidence"}
        self.level = widgets.Dropdown(description="Level", options=self._levels())
        self.level.observe(lambda _c: self._redraw_tab("compare"), names="value")
        self.tabs = widgets.Tab(children=[self._tab_box(key) for key in TABS],
                                titles=tuple(t for t, _ in TABS.values()))
        self.tabs.observe(self._on_tab, names="selected_index")
        self.children = [title, filters, self.headline, self.tabs]
        self.refresh()

    # -- construction ------------------------------------------------------
    def _filter_dropdown(self, name: str) -> widgets.Dropdown:
        values = self.data.options(name)
        dd = widgets.Dropdown(options=[("All", 0)] + [(v, i + 1) for i, v in enumerate(values)], value=0,
                              description=FILTER_LABELS[name], style={"description_width": "initial"},
                              layout=widgets.Layout(width="auto", margin="0 12px 6px 0"))
        dd.add_class(f"cx-filter-{name}")
        dd.observe(lambda change, n=name: self._on_filter(n, change["new"]), names="value")
        return dd

    def _drill_dropdown(self, tab: str) -> widgets.Dropdown:
        dd = widgets.Dropdown(options=[(_DRILL_PROMPT, 0)], value=0, layout=widgets.Layout(width="420px"))
        dd.add_class(f"cx-drill-{tab}")
        dd.observe(lambda change, t=tab: self._on_drill(t, change["new"]), names="value")
        return dd

    def _levels(self) -> list[tuple[str, str]]:
        names = {"clue_type": "Clue type", "touchpoint": "Touchpoint", "code": "Code",
                 "clue_type x touchpoint": "Clue type \u00d7 touchpoint"}
        stored = self.data.precomputed("gaps")
        levels = list(dict.fromkeys(stored["level"].astype(str))) if len(stored) else []
        levels = [lv for lv in names if lv in levels or not levels] + [lv for lv in levels if lv not in names]
        return [(names.get(lv, lv), lv) for lv in levels]

    def _tab_box(self, key: str) -> widgets.Widget:
        if key == "evidence":
            return self._evidence_box()
        parts = [self.level] if key == "compare" else []
        parts += [widgets.HBox([widgets.HTML("<b>Drill down:</b>&nbsp;"), self.drills[key]])]
        parts += [self.charts[c].box for c in TABS[key][1]]
        return widgets.VBox(parts)

    def _evidence_box(self) -> widgets.Widget:
        self.drill_label = widgets.HTML()
        self.clear_drill = widgets.Button(description="Show all quotes", icon="times",
                                          layout=widgets.Layout(width="auto"))
        self.clear_drill.on_click(lambda _b: self._set_drill({}))
        self.table = widgets.HTML()
        self.table.add_class("cx-evidence-box")
        self.prev_btn = widgets.Button(description="Previous", icon="chevron-left")
        self.next_btn = widgets.Button(description="Next", icon="chevron-right")
        self.prev_btn.on_click(lambda _b: self._page(-1))
        self.next_btn.on_click(lambda _b: self._page(+1))
        self.csv_btn = widgets.Button(description="Evidence as CSV", icon="download")
        self.xlsx_btn = widgets.Button(description="Evidence as XLSX", icon="download")
        self.csv_btn.add_class("cx-csv")
        self.xlsx_btn.add_class("cx-xlsx")
        self.csv_btn.on_click(lambda _b: self._export("csv"))
        self.xlsx_btn.on_click(lambda _b: self._export("xlsx"))
        self.export_link = widgets.HTML()
        return widgets.VBox([
            widgets.HBox([self.drill_label, self.clear_drill]), self.table,
            widgets.HBox([self.prev_btn, self.next_btn, self.csv_btn, self.xlsx_btn, self.export_link]),
        ])

    # -- events --------------------------------------------------------------
    def _on_filter(self, name: str, index: int) -> None:
        value = None if not index else self.data.options(name)[index - 1]
        self.filters = self.filters.set(**{name: value})
        self.drill, self.offset = {}, 0
        self.refresh()

    def _on_tab(self, _change) -> None:
        key = self.current_tab
        if key in self._stale:
            self._redraw_tab(key)

    def _on_drill(self, tab: str, index: int) -> None:
        if self._busy or not index:
            return
        target = self._drill_targets.get(tab, [])[index - 1]
        self._busy = True
        try:
            self.drills[tab].value = 0
        finally:
            self._busy = False
        self._set_drill(target)
        self.tabs.selected_index = list(TABS).index("evidence")

    def _set_drill(self, drill: dict) -> None:
        self.drill, self.offset = dict(drill), 0
        self._redraw_tab("evidence")

    def _page(self, step: int) -> None:
        total = self.data.evidence_count(self.filters, self.drill)
        new = self.offset + step * self.page_size
        if 0 <= new < max(total, 1):
            self.offset = new
            self._redraw_tab("evidence")

    @property
    def current_tab(self) -> str:
        return list(TABS)[self.tabs.selected_index or 0]

    # -- drawing ---------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the headline and redraw the visible tab; other tabs redraw when opened."""
        t0 = time.perf_counter()
        self.headline.value = headline_html(self.data.headline(self.filters))
        self._stale = set(TABS)
        self._redraw_tab(self.current_tab)
        self.last_redraw_s = time.perf_counter() - t0

    def _redraw_tab(self, key: str) -> None:
        from .views import draw_tab

        draw_tab(self, key)
        self._stale.discard(key)

    def set_drill_targets(self, tab: str, targets: list[tuple[str, dict]]) -> None:
        """Fill a tab's drill-down list with (label, drill dict) pairs (labels shown as text)."""
        self._drill_targets[tab] = [d for _, d in targets]
        self._busy = True
        try:
            self.drills[tab].options = [(_DRILL_PROMPT, 0)] + [(lbl, i + 1) for i, (lbl, _) in enumerate(targets)]
            self.drills[tab].value = 0
        finally:
            self._busy = False

    def show_chart(self, key: str, frame, **kw) -> None:
        """Draw chart ``key`` from ``frame`` into its image and download link."""
        self.charts[key].show(chart_png(key, frame, **kw), self.data.title)

    def _export(self, fmt: str) -> None:
        rows = self.data.evidence(self.filters, self.drill, limit=_EXPORT_LIMIT)
        table = ev.evidence_export(rows)
        name = f"{self.data.title}-evidence.{fmt}"
        if fmt == "csv":
            data, mime = ev.to_csv_bytes(table), "text/csv"
        else:
            data, mime = ev.to_xlsx_bytes(table), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        note = f" ({len(table):,} rows{', truncated' if len(table) >= _EXPORT_LIMIT else ''})"
        self.export_link.value = ev.download_link(data, name, mime, f"Save {fmt.upper()}{note}")
