"""The on-screen clue map: a clue type × touchpoint grid of clickable cells.

Drawn with ipywidgets (a ``GridBox`` of ``Button`` cells), not as a PNG: a
redraw only changes the cells' text, tooltip and colours (the widgets are
created once per cell and reused), which costs milliseconds, and clicking a
cell calls back with its (clue type, touchpoint) so the dashboard can drill
down to that cell's quotes. Each row is shaded in its clue type's palette
colour, darker for more mentions. Labels come from the data and are shown as
text (button descriptions and tooltips) or escaped HTML (headers).
"""

from __future__ import annotations

import html
from typing import Callable

import ipywidgets as widgets
import pandas as pd

from cxaudit.publish.charts.html import EMPTY_CELL as _EMPTY_CELL, cell_summary, order_axes
from cxaudit.publish.labels import CLUE_TYPE_LABELS
from .palette import PALETTE, mix, text_color

__all__ = ["ClueHeatmap", "cell_tooltip", "order_axes"]

_NO_MENTIONS = '<div class="cx-empty">No mentions for this filter.</div>'
#: Narrowest column (px): below it the grid scrolls sideways (with a visible scrollbar) instead of clipping.
MIN_COLUMN_PX = 76


def cell_tooltip(clue_type: str, touchpoint: str, n: int, polarity, share_negative) -> str:
    """The hover text of one cell (plain text): :func:`~cxaudit.publish.charts.html.cell_summary` and the click hint."""
    return cell_summary(clue_type, touchpoint, n, polarity, share_negative) + " Click to read the quotes."


class ClueHeatmap(widgets.VBox):
    """Clue type × touchpoint heatmap of mention counts with clickable cells.

    ``update(cells)`` takes :meth:`AuditData.clue_cells` rows (clue_type,
    touchpoint, n, polarity, share_negative). ``on_cell(fn)`` registers
    ``fn(clue_type, touchpoint)``, called when a cell is clicked. ``version``
    counts redraws and is mirrored as the CSS class ``cx-v<version>`` so a
    browser can tell when a redraw has arrived.
    """

    def __init__(self):
        super().__init__()
        self.add_class("cx-heatmap")
        self.version = 0
        self._callbacks: list[Callable[[str, str], None]] = []
        self._cells: dict[tuple[str, str], widgets.Button] = {}
        self._labels: dict[tuple[str, str], widgets.HTML] = {}
        self._axes: tuple[list[str], list[str]] | None = None
        self._corner = widgets.HTML('<div class="cx-hm-corner">clue type \\ touchpoint</div>')
        self.grid = widgets.GridBox(layout=widgets.Layout(grid_gap="3px", width="100%"))
        self.grid.add_class("cx-heatmap-grid")
        self._tp_labels: dict[str, str] = {}
        self.empty = widgets.HTML(_NO_MENTIONS)
        self.legend = widgets.HTML(
            '<div class="cx-heatmap-legend">Each row in its clue type\u2019s colour: darker = more mentions; '
            "hover a cell for its mean polarity and share negative.</div>")
        self.scroller = widgets.Box([self.grid], layout=widgets.Layout(width="100%", overflow="auto hidden"))
        self.scroller.add_class("cx-heatmap-scroll")
        self.children = [self.scroller, self.legend]

    def on_cell(self, callback: Callable[[str, str], None]) -> None:
        """Call ``callback(clue_type, touchpoint)`` when a cell is clicked."""
        self._callbacks.append(callback)

    def click(self, clue_type: str, touchpoint: str) -> None:
        """Click a cell programmatically (same as a user click); KeyError when it is not shown."""
        self._cells[(clue_type, touchpoint)].click()

    @property
    def cells(self) -> dict[tuple[str, str], widgets.Button]:
        """The cell buttons by (clue type, touchpoint), including hidden ones from earlier redraws."""
        return dict(self._cells)

    def _clicked(self, key: tuple[str, str]) -> None:
        for callback in self._callbacks:
            callback(*key)

    def _cell(self, key: tuple[str, str]) -> widgets.Button:
        if key not in self._cells:
            btn = widgets.Button(layout=widgets.Layout(width="auto", height="40px", margin="0"))
            btn.add_class("cx-cell")
            btn.on_click(lambda _b, k=key: self._clicked(k))
            self._cells[key] = btn
        return self._cells[key]

    def _label(self, kind: str, text: str) -> widgets.HTML:
        key = (kind, text)
        if key not in self._labels:
            if kind == "row":
                color = PALETTE.get(text, PALETTE["none"])
                value = (f'<span class="cx-chip cx-{html.escape(text, quote=True)}" '
                         f'style="background:{color}">{html.escape(CLUE_TYPE_LABELS.get(text, text))}</span>')
            else:
                shown = self._tp_labels.get(text, text)
                value = (f'<div class="cx-hm-col" title="{html.escape(shown, quote=True)}">'
                         f'{html.escape(shown)}</div>')
            self._labels[key] = widgets.HTML(value, layout=widgets.Layout(margin="0", align_self="flex-end"))
        return self._labels[key]

    def _layout(self, rows: list[str], cols: list[str]) -> None:
        """Rebuild the grid's children (only when the rows or columns changed)."""
        if self._axes == (rows, cols):
            return
        children: list[widgets.Widget] = [self._corner] + [self._label("col", c) for c in cols]
        for r in rows:
            children.append(self._label("row", r))
            children.extend(self._cell((r, c)) for c in cols)
        self.grid.layout.grid_template_columns = f"110px repeat({len(cols)}, minmax({MIN_COLUMN_PX}px, 1fr))"
        self.grid.layout.min_width = f"{110 + len(cols) * (MIN_COLUMN_PX + 3)}px"
        self.grid.children = children
        self._axes = (rows, cols)

    def update(self, cells: pd.DataFrame, *, touchpoint_labels: dict | None = None, empty: str | None = None) -> None:
        """Show ``cells`` (see class doc); columns titled by ``touchpoint_labels`` (id -> label).
        An empty frame shows ``empty`` (default: the empty-selection message)."""
        if touchpoint_labels:
            for tp, label in touchpoint_labels.items():
                if self._tp_labels.get(tp) != label:
                    self._tp_labels[tp] = label
                    self._labels.pop(("col", tp), None)
                    self._axes = None
        if cells is None or not len(cells):
            self.empty.value = (f'<div class="cx-empty">{html.escape(empty)}</div>' if empty else _NO_MENTIONS)
            self.children = [self.empty]
        else:
            rows, cols = order_axes(cells)
            self._layout(rows, cols)
            by_key = {(str(r.clue_type), str(r.touchpoint)): r for r in cells.itertuples(index=False)}
            top = max(int(r.n) for r in by_key.values()) or 1
            for r in rows:
                for c in cols:
                    self._paint(self._cells[(r, c)], CLUE_TYPE_LABELS.get(r, r), self._tp_labels.get(c, c),
                                by_key.get((r, c)), top, clue_type=r)
            if self.children[0] is not self.scroller:
                self.children = [self.scroller, self.legend]
        self.remove_class(f"cx-v{self.version}")
        self.version += 1
        self.add_class(f"cx-v{self.version}")

    @classmethod
    def _paint(cls, btn: widgets.Button, clue_label: str, touchpoint: str, row, top: int, *, clue_type: str) -> None:
        # one message per widget (the button, its style) instead of one per trait: ~2 instead of ~5 per cell
        with btn.hold_sync(), btn.style.hold_sync():
            cls._set_cell(btn, clue_label, touchpoint, row, top, clue_type=clue_type)

    @staticmethod
    def _set_cell(btn: widgets.Button, clue_label: str, touchpoint: str, row, top: int, *, clue_type: str) -> None:
        if row is None or not int(row.n):
            btn.description, btn.disabled = "", True
            btn.tooltip = f"{clue_label} \u00d7 {touchpoint}: no mentions"
            btn.style.button_color, btn.style.text_color = _EMPTY_CELL, "#829ab1"
            return
        n = int(row.n)
        background = mix(PALETTE.get(clue_type, PALETTE["none"]), 0.1 + 0.9 * n / top)
        btn.description, btn.disabled = f"{n:,}", False
        btn.tooltip = cell_tooltip(clue_label, touchpoint, n, row.polarity, row.share_negative)
        btn.style.button_color, btn.style.text_color = background, text_color(background)
