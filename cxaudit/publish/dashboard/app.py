"""The ipywidgets application: filters, headline figures, chart tabs, evidence.

Wiring: every filter dropdown is ``.observe``-d; a change recomputes the
headline figures and redraws only the visible tab (the other tabs are
marked stale and redrawn when opened), so a click costs a few DuckDB
aggregations, never a re-analysis. The clue map is a grid of clickable
widgets (:mod:`cxaudit.publish.charts.heatmap`): a click on a cell drills down to
its quotes, and its PNG is drawn only when asked for. The other charts are
PNGs; query results and PNGs are cached by (filters, level), so going back
to a selection seen before costs nothing. Each chart also has a "read the
quotes" list of its cells that sets the evidence drill-down and switches to
the evidence tab.
"""

from __future__ import annotations

import html
import logging
import time
from collections import Counter, OrderedDict
from importlib import resources
from typing import Callable, Hashable

import ipywidgets as widgets

from cxaudit.compare.dimensions import TOUCHPOINT_LENSES
from cxaudit.publish.charts import html as htmlcharts
from cxaudit.publish.charts.heatmap import ClueHeatmap
from cxaudit.publish.charts.palette import palette_css
from cxaudit.publish.charts.png import CHART_HELP, DASHBOARD_HINTS, SCREEN_HELP, chart_png

from . import evidence as ev
from .headline import headline_html
from .queries import EVIDENCE_SORTS, FILTER_LABELS, AuditData, Filters
from .summary import DEFAULT_MIN_PARTICIPANTS
from .views import draw_tab

__all__ = ["DashboardApp", "TABS"]

log = logging.getLogger(__name__)

#: Tab key -> (title, charts in it).
TABS = {
    "summary": ("Summary", ()),
    "clue_map": ("Clue map", ("clue_map",)),
    "compare": ("Current vs desired", ("gaps", "ipa", "motif")),
    "drivers": ("Drivers", ("drivers", "nps")),
    "waves": ("Waves", ("trend",)),
    "evidence": ("Evidence", ()),
}
_DRILL_PROMPT = "Read the quotes for\u2026"
_EXPORT_LIMIT = 100_000
#: Query results and PNGs kept per app (least recently used dropped first).
CACHE_SIZE = 256


def _css() -> str:
    css = resources.files("cxaudit").joinpath("templates/dashboard.css").read_text(encoding="utf-8")
    return css + palette_css()


def _chart_header(key: str) -> widgets.HTML:
    title, help_text = CHART_HELP[key]
    help_text = SCREEN_HELP.get(key, help_text)
    help_text = f"{help_text} {DASHBOARD_HINTS[key]}" if key in DASHBOARD_HINTS else help_text
    return widgets.HTML(f'<h3 class="cx-chart-title">{html.escape(title)}</h3>'
                        f'<div class="cx-help">{html.escape(help_text)}</div>')


class _Chart:
    """One PNG chart: title, how-to-read line, image, PNG download link."""

    def __init__(self, key: str):
        self.key = key
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="820px"))
        self.image.add_class(f"cx-chart-{key}")
        self.link = widgets.HTML()
        self.box = widgets.VBox([_chart_header(key), self.image, self.link],
                                layout=widgets.Layout(margin="0 0 18px 0"))

    def show(self, png: bytes, audit: str) -> None:
        self.image.value = png
        self.link.value = ev.download_link(png, f"{audit}-{self.key}.png", "image/png", "Download chart (PNG)")


class _LazyPngChart:
    """A chart shown as widgets (``body``) whose PNG is drawn only when its download is asked for."""

    def __init__(self, key: str, body: widgets.Widget):
        self.key, self.body = key, body
        self.png_btn = widgets.Button(description="Chart as PNG", layout=widgets.Layout(width="auto"))
        self.png_btn.add_class(f"cx-png-{key}")
        self.link = widgets.HTML()
        self.box = widgets.VBox([_chart_header(key), body, widgets.HBox([self.png_btn, self.link])],
                                layout=widgets.Layout(margin="0 0 18px 0"))


#: Charts drawn as HTML on screen by :mod:`cxaudit.publish.charts.html` (``<key>_html``).
HTML_CHARTS = ("gaps", "ipa", "nps", "drivers", "motif", "trend")


class DashboardApp(widgets.VBox):
    """The dashboard widget tree over one :class:`AuditData` (see module doc).

    Public for tests and benchmarks: ``filter_widgets`` (name -> Dropdown),
    ``tabs``, ``drills`` (tab key -> Dropdown), ``heatmap``, ``last_redraw_s``,
    ``draw_counts`` (tab key -> number of redraws), ``cache_enabled``.
    """

    def __init__(self, data: AuditData, *, page_size: int = 20, min_participants: int | None = None):
        super().__init__()
        self.data, self.page_size = data, page_size
        self.min_participants = int(min_participants or data.min_participants or DEFAULT_MIN_PARTICIPANTS)
        lenses = data.lenses()
        self.filters, self.drill, self.offset = Filters(codebook=lenses[0] if lenses else None), {}, 0
        self.last_redraw_s = 0.0
        self.redraws = 0
        self.draw_counts: Counter = Counter()
        self.cache_enabled = True
        self._cache: OrderedDict = OrderedDict()
        self._stale: set[str] = set(TABS)
        self._drill_targets: dict[str, list[dict]] = {}
        self._busy = False
        self.add_class("cx-app")
        title = widgets.HTML(f'<style>{_css()}</style><h1 class="cx-title">{html.escape(data.title)}</h1>')
        self.lens = widgets.Dropdown(options=[(data.labels.lens(b), b) for b in lenses],
                                     value=self.filters.codebook, description="Lens",
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="auto", margin="0 18px 6px 0"))
        self.lens.add_class("cx-lens")
        self.lens.observe(lambda change: self._on_lens(change["new"]), names="value")
        self.min_box = widgets.BoundedIntText(value=self.min_participants, min=1, max=1000, step=1,
                                              description="Min. participants", style={"description_width": "initial"},
                                              layout=widgets.Layout(width="190px", margin="0 12px 6px 0"))
        self.min_box.add_class("cx-min-participants")
        self.min_box.observe(lambda change: self._on_min(change["new"]), names="value")
        self.filter_widgets = {name: self._filter_dropdown(name) for name in FILTER_LABELS}
        filters = widgets.HBox([self.lens] + list(self.filter_widgets.values()) + [self.min_box],
                               layout=widgets.Layout(flex_flow="row wrap"))
        filters.add_class("cx-filters")
        self.headline = widgets.HTML()
        self.headline.add_class("cx-headline")
        self.heatmap = ClueHeatmap()
        self.heatmap.on_cell(lambda clue_type, touchpoint: self.drill_to({"clue_type": clue_type,
                                                                          "touchpoint": touchpoint}))
        self.lazy = {"clue_map": _LazyPngChart("clue_map", self.heatmap)}
        for key in HTML_CHARTS:
            body = widgets.HTML()
            body.add_class(f"cx-chart-{key}")
            self.lazy[key] = _LazyPngChart(key, body)
        for key, chart in self.lazy.items():
            chart.png_btn.on_click(lambda _b, k=key: self._lazy_png(k))
        self.clue_map = self.lazy["clue_map"]
        self._frames: dict[str, tuple] = {}
        self.charts = {key: _Chart(key) for key in CHART_HELP if key not in self.lazy}
        self.drills = {key: self._drill_dropdown(key) for key in TABS if key not in ("evidence", "summary")}
        self.summary_box = widgets.HTML()
        self.summary_box.add_class("cx-summary-box")
        self.level = widgets.Dropdown(description="Level", options=self._levels())
        self.level.observe(lambda _c: None if self._busy else self._redraw_tab("compare"), names="value")
        self.tabs = widgets.Tab(children=[self._tab_box(key) for key in TABS],
                                titles=tuple(t for t, _ in TABS.values()))
        self.tabs.observe(self._on_tab, names="selected_index")
        self.children = [title, filters, self.headline, self.tabs]
        self.refresh()

    def prerender_html(self) -> str:
        """The page as it opens (title, headline, Summary), as static HTML for Voila to put in the page
        before its scripts have loaded (see :func:`cxaudit.publish.dashboard.show`). It says the controls are
        loading, and hides itself (CSS) once the app itself is on the page."""
        return ('<div class="cx-prerender cx-app-static">'
                f'<style>{_css()}\nbody:has(.cx-app) .cx-prerender {{ display: none !important; }}</style>'
                f'<h1 class="cx-title">{html.escape(self.data.title)}</h1>'
                '<div class="cx-loading">Loading the filters and the other views\u2026 '
                '(the Summary below is for the whole audit)</div>'
                f'<div class="cx-headline">{self.headline.value}</div>'
                f'<div class="cx-summary-box">{self.summary_box.value}</div></div>')

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
        """The levels of the lens: touchpoints only for a touchpoint lens; codes first otherwise."""
        if self.filters.codebook in TOUCHPOINT_LENSES:
            return [("Touchpoint", "touchpoint")]
        return [("Code", "code"), ("Clue type", "clue_type"), ("Touchpoint", "touchpoint"),
                ("Clue type \u00d7 touchpoint", "clue_type x touchpoint")]

    def _tab_box(self, key: str) -> widgets.Widget:
        if key == "evidence":
            return self._evidence_box()
        if key == "summary":
            return widgets.VBox([self.summary_box])
        parts = [self.level] if key == "compare" else []
        parts += [widgets.HBox([widgets.HTML("<b>Drill down:</b>&nbsp;"), self.drills[key]])]
        parts += [self.lazy[c].box if c in self.lazy else self.charts[c].box for c in TABS[key][1]]
        return widgets.VBox(parts)

    def _evidence_box(self) -> widgets.Widget:
        self.drill_label = widgets.HTML()
        self.clear_drill = widgets.Button(description="Show all quotes", layout=widgets.Layout(width="auto"))
        self.sort = widgets.Dropdown(options=[(label.capitalize(), key) for key, label in EVIDENCE_SORTS.items()],
                                     value="typical", description="Sort", layout=widgets.Layout(width="230px"))
        self.sort.add_class("cx-sort")
        self.sort.observe(lambda _c: self._set_offset(0), names="value")
        self.clear_drill.on_click(lambda _b: self._set_drill({}))
        self.table = widgets.HTML()
        self.table.add_class("cx-evidence-box")
        self.prev_btn = widgets.Button(description="\u2039 Previous")
        self.next_btn = widgets.Button(description="Next \u203a")
        self.prev_btn.on_click(lambda _b: self._page(-1))
        self.next_btn.on_click(lambda _b: self._page(+1))
        self.csv_btn = widgets.Button(description="Evidence as CSV")
        self.xlsx_btn = widgets.Button(description="Evidence as XLSX")
        self.csv_btn.add_class("cx-csv")
        self.xlsx_btn.add_class("cx-xlsx")
        self.csv_btn.on_click(lambda _b: self._export("csv"))
        self.xlsx_btn.on_click(lambda _b: self._export("xlsx"))
        self.export_link = widgets.HTML()
        return widgets.VBox([
            widgets.HBox([self.drill_label, self.clear_drill, self.sort]), self.table,
            widgets.HBox([self.prev_btn, self.next_btn, self.csv_btn, self.xlsx_btn, self.export_link]),
        ])

    # -- events --------------------------------------------------------------
    def _on_filter(self, name: str, index: int) -> None:
        value = None if not index else self.data.options(name)[index - 1]
        self.filters = self.filters.set(**{name: value})
        self.drill, self.offset = {}, 0
        self.refresh()

    def _on_lens(self, lens: str) -> None:
        self.filters = self.filters.set(codebook=lens)
        self.drill, self.offset = {}, 0
        levels = self._levels()
        self._busy = True
        try:
            keep = self.level.value if self.level.value in [v for _, v in levels] else levels[0][1]
            self.level.options = levels
            self.level.value = keep
        finally:
            self._busy = False
        self.refresh()

    def _on_min(self, value: int) -> None:
        self.min_participants = max(int(value or 1), 1)
        self.refresh()

    def _set_offset(self, offset: int) -> None:
        self.offset = offset
        self._redraw_tab("evidence")

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
        self.drill_to(target)

    def drill_to(self, drill: dict) -> None:
        """Show the quotes of ``drill`` (column -> value) on the evidence tab."""
        self._set_drill(drill)
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
        self.headline.value = headline_html(
            self.memo(("headline", self.filters), lambda: self.data.headline(self.filters)),
            self.memo(("audit_headline", self.filters), lambda: self.data.audit_headline(self.filters)),
            self.data.labels.lens(self.filters.codebook) if self.filters.codebook else "")
        self._stale = set(TABS)
        for chart in self.lazy.values():
            chart.link.value = ""
        self._redraw_tab(self.current_tab)
        self.last_redraw_s = time.perf_counter() - t0

    def _redraw_tab(self, key: str) -> None:
        draw_tab(self, key)
        self.draw_counts[key] += 1
        self._stale.discard(key)
        # the root's class cx-r<N> changes after every redraw (sent after the redraw's own updates), so a
        # browser can tell when a view has been redrawn
        self.remove_class(f"cx-r{self.redraws}")
        self.redraws += 1
        self.add_class(f"cx-r{self.redraws}")

    @property
    def stale_tabs(self) -> set[str]:
        """Tabs whose content predates the current filters (redrawn when opened)."""
        return set(self._stale)

    def memo(self, key: Hashable, compute: Callable):
        """``compute()``, cached under ``key`` (an LRU of :data:`CACHE_SIZE` entries) unless caching is off."""
        if not self.cache_enabled:
            return compute()
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = self._cache[key] = compute()
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return value

    def clear_cache(self) -> None:
        """Forget cached query results and PNGs."""
        self._cache.clear()

    def set_drill_targets(self, tab: str, targets: list[tuple[str, dict]]) -> None:
        """Fill a tab's drill-down list with (label, drill dict) pairs (labels shown as text)."""
        self._drill_targets[tab] = [d for _, d in targets]
        self._busy = True
        try:
            self.drills[tab].options = [(_DRILL_PROMPT, 0)] + [(lbl, i + 1) for i, (lbl, _) in enumerate(targets)]
            self.drills[tab].value = 0
        finally:
            self._busy = False

    def show_chart(self, key: str, frame, *, cache_key: Hashable = None, **kw) -> None:
        """Draw chart ``key`` from ``frame``: HTML for the charts in :data:`HTML_CHARTS` (their
        PNG waits for a download request), else a PNG into its image and download link.

        With ``cache_key`` (what the frame was computed from) the PNG is cached under it.
        """
        if key in self.lazy:
            self._frames[key] = (frame, cache_key, kw)
            self.lazy[key].link.value = ""
            self.lazy[key].body.value = getattr(htmlcharts, f"{key}_html")(frame, **kw)
            return

        def draw():
            return chart_png(key, frame, **kw)

        png = draw() if cache_key is None else self.memo(("png", key, cache_key), draw)
        self.charts[key].show(png, self.data.title)

    def _lazy_png(self, key: str) -> None:
        """Draw chart ``key`` as PNG (on request) from what is on screen and offer it as a download link."""
        if key == "clue_map":
            frame, cache_key, kw = self.memo(("clue_cells", self.filters), lambda: self.data.clue_cells(
                self.filters)), self.filters, {"value": "n"}
        elif key in self._frames:
            frame, cache_key, kw = self._frames[key]
        else:
            return
        draw = lambda: chart_png(key, frame, **kw)  # noqa: E731
        png = draw() if cache_key is None else self.memo(("png", key, cache_key), draw)
        self.lazy[key].link.value = ev.download_link(png, f"{self.data.title}-{key}.png", "image/png",
                                                     "Download chart (PNG)")

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
