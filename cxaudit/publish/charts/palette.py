"""The charts' colours, without importing matplotlib or seaborn.

The colours of every chart — the dashboard's and the report's HTML charts and the matplotlib
figures of :mod:`cxaudit.plots`, which imports them from here — defined once, in a module the
dashboard's kernel can import without the plotting stack (only needed when a PNG is drawn).
"""

from __future__ import annotations

import re

__all__ = ["PALETTE", "VALENCE_COLORS", "palette_css", "mix", "text_color"]

#: Okabe–Ito colours (safe for colour-blind readers), one per clue type.
PALETTE = {"functional": "#0072B2", "mechanic": "#E69F00", "humanic": "#CC79A7", "none": "#999999"}
#: One colour per valence.
VALENCE_COLORS = {"negative": "#D55E00", "neutral": "#BBBBBB", "positive": "#009E73", "mixed": "#7E6BAF"}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _rgb(color: str) -> tuple[int, int, int]:
    if not _HEX.match(color):
        raise ValueError(f"expected a colour as #rrggbb; found {color!r}")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def mix(color: str, weight: float, *, base: str = "#ffffff") -> str:
    """``#rrggbb`` between ``base`` (weight 0) and ``color`` (weight 1); weight is clipped to 0…1."""
    w = min(max(float(weight), 0.0), 1.0)
    a, b = _rgb(base), _rgb(color)
    return "#" + "".join(f"{round(x + (y - x) * w):02x}" for x, y in zip(a, b))


def text_color(background: str) -> str:
    """Dark or white text, whichever reads better on ``background`` (relative luminance)."""
    r, g, b = (c / 255 for c in _rgb(background))
    return "#1f2933" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55 else "#ffffff"


def palette_css() -> str:
    """CSS custom properties ``--cx-<clue type>`` so quote chips use the charts' colours."""
    props = []
    for clue_type, color in PALETTE.items():
        name = re.sub(r"[^a-z0-9-]", "", str(clue_type).lower())
        if _HEX.match(color):
            props.append(f"--cx-{name}: {color.lower()};")
    return ":root { " + " ".join(props) + " }"
