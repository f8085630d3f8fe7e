"""What the dashboard and the report ask the store with: the filters, a drill-down, and the ``WHERE`` clause
they make.

Kept below :mod:`~cxaudit.publish.dashboard.queries` (which runs the queries) and
:mod:`~cxaudit.publish.dashboard.aggregates` (which recomputes the compare tables under filters), since both
build their SQL from these; ``queries`` hands the names on (``from ...queries import Filters``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Mapping

from cxaudit.compare.dimensions import TOUCHPOINT_LENSES

__all__ = ["Filters", "FILTER_LABELS", "DRILL_COLUMNS", "where_clause", "gap_drill", "state_key",
           "summary_level"]

#: Filter name -> label shown next to its dropdown (also the ``mentions`` column).
FILTER_LABELS = {
    "wave": "Wave",
    "segment": "Segment / persona",
    "kind": "Source kind",
    "touchpoint": "Touchpoint",
    "clue_type": "Clue type",
}
#: Columns a drill-down may pin (filters plus the lens (codebook) and the code).
DRILL_COLUMNS = (*FILTER_LABELS, "codebook", "code")


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; ``None`` means "all"."""

    wave: str | None = None
    segment: str | None = None
    kind: str | None = None
    touchpoint: str | None = None
    clue_type: str | None = None
    codebook: str | None = None  # the lens: one codebook at a time

    @property
    def active(self) -> bool:
        """True when any filter is set (the lens included)."""
        return any(getattr(self, f.name) is not None for f in fields(self))

    @property
    def narrowed(self) -> bool:
        """True when a filter other than the lens is set (the stored tables no longer apply)."""
        return any(getattr(self, f.name) is not None for f in fields(self) if f.name != "codebook")

    def items(self) -> list[tuple[str, str]]:
        """The set filters as (column, value) pairs."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None]

    def set(self, **changes: str | None) -> "Filters":
        """A copy with some filters changed."""
        return replace(self, **changes)


def where_clause(filters: Filters, drill: Mapping[str, str] | None = None, *,
                 extra: tuple[str, ...] = ()) -> tuple[str, list]:
    """``(" WHERE …", params)`` for the mentions relation with every filter bound as a parameter.

    Column names come only from :data:`DRILL_COLUMNS` (never from the data);
    ``extra`` adds fixed SQL conditions written in this module.
    """
    conds, params = list(extra), []
    pairs = list(filters.items()) + list((drill or {}).items())
    for col, value in pairs:
        if col not in DRILL_COLUMNS:
            raise ValueError(f"unknown filter {col!r}; expected one of {list(DRILL_COLUMNS)}")
        conds.append(f'"{col}" = ?')
        params.append(str(value))
    return (" WHERE " + " AND ".join(conds) if conds else ""), params


def gap_drill(row) -> dict:
    """Evidence drill-down for one gaps row (lens, level, dimension)."""
    level, dim, lens = str(row.level), str(row.dimension), str(row.lens)
    if level == "clue_type":
        return {"codebook": lens, "clue_type": dim}
    if level == "touchpoint":
        return {"codebook": lens, "code": dim} if lens in TOUCHPOINT_LENSES else {"codebook": lens, "touchpoint": dim}
    if level == "code":
        return {"codebook": lens, "code": dim}
    if level == "clue_type x touchpoint" and " x " in dim:
        clue_type, touchpoint = dim.split(" x ", 1)
        return {"codebook": lens, "clue_type": clue_type, "touchpoint": touchpoint}
    return {"codebook": lens}


def state_key(filters: Filters) -> str | None:
    """The key of a filter state :func:`~cxaudit.publish.dashboard.precompute.prepare` precomputes: ``""`` for no
    filter, ``"column=value"`` for one filter (the lens aside); None for two filters or more."""
    items = [(k, v) for k, v in filters.items() if k != "codebook"]
    if len(items) > 1:
        return None
    return f"{items[0][0]}={items[0][1]}" if items else ""


def summary_level(lens: str | None) -> str:
    """The gaps level the Summary ranks for ``lens``: touchpoints for a touchpoint lens, else codes."""
    return "touchpoint" if lens in TOUCHPOINT_LENSES else "code"
