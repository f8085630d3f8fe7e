"""Human labels for what the dashboard and the report show: codes, touchpoints, clue types, lenses.

A stakeholder reads "Billing and charges", not ``functional.billing``. Labels
come from the codebooks the audit was run with (the ``codebooks`` setting
recorded in the store's last ``runs`` row: bundled names or paths), else from
the bundled codebooks; an id no codebook knows is shown tidied
(``phone-system`` -> "Phone system"). Reading a codebook is plain YAML (no
spaCy).
"""

from __future__ import annotations

import json
import logging
import re
from importlib import resources
from pathlib import Path

import yaml

__all__ = ["Labels", "tidy_id", "CLUE_TYPE_LABELS", "NO_TOUCHPOINT_LABEL"]

log = logging.getLogger(__name__)

CLUE_TYPE_LABELS = {"functional": "Functional", "mechanic": "Mechanic", "humanic": "Humanic"}
NO_TOUCHPOINT_LABEL = "No touchpoint named"
#: Codebooks whose codes are touchpoints (labels for the touchpoint column of every lens).
TOUCHPOINT_BOOK = "touchpoints"


def tidy_id(code: str) -> str:
    """A readable stand-in for an id without a label: the last dotted part, dashes as spaces, capitalised."""
    tail = str(code).rsplit(".", 1)[-1]
    words = re.sub(r"[-_]+", " ", tail).strip()
    return words[:1].upper() + words[1:] if words else str(code)


class Labels:
    """Label lookups for one audit: ``code(lens, code_id)``, ``touchpoint(id)``, ``clue_type(id)``, ``lens(name)``.

    ``books``: codebook references (bundled names or paths), tried in order;
    the bundled codebooks are always tried after them.
    """

    def __init__(self, books: list[str] | tuple[str, ...] = ()):
        self._codes: dict[str, dict[str, str]] = {}
        self._load(list(books))

    @classmethod
    def from_store(cls, con) -> "Labels":
        """Labels for the audit in a results store (its last run's ``codebooks`` setting)."""
        books: list[str] = []
        try:
            row = con.execute("SELECT settings FROM runs ORDER BY finished_at DESC NULLS LAST LIMIT 1").fetchone()
            if row and row[0]:
                books = [str(b) for b in json.loads(row[0]).get("codebooks", [])]
        except Exception as exc:  # no runs table (hand-made store) or an older layout: bundled labels only
            log.debug("no codebook settings in the store: %s", exc)
        return cls(books)

    def _load(self, books: list[str]) -> None:
        """Read id -> label of every code of ``books`` and of the bundled codebooks (plain YAML, no validation:
        ``cxaudit run`` validated them; ~10 ms instead of ~2 s for the full codebook parser)."""
        bundled = Path(str(resources.files("cxaudit").joinpath("codebooks")))
        refs = [Path(b) if (b.endswith((".yml", ".yaml")) or "/" in b) else bundled / f"{b}.yml" for b in books]
        refs += sorted(p for p in bundled.glob("*.yml") if p not in refs)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        for path in refs:
            try:
                raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
                name, codes = str(raw["name"]), raw.get("codes") or []
            except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
                log.info("labels: codebook %s not readable (%s); its ids are shown tidied", path, exc)
                continue
            if name not in self._codes:
                self._codes[name] = {str(c["id"]): str(c["label"]) for c in codes
                                     if isinstance(c, dict) and c.get("id") and c.get("label")}

    def code(self, lens: str, code: str) -> str:
        """The label of ``code`` in codebook ``lens`` (tidied id when unknown)."""
        return self._codes.get(str(lens), {}).get(str(code)) or tidy_id(code)

    def touchpoint(self, touchpoint: str) -> str:
        """The touchpoints codebook's label of a touchpoint id."""
        if touchpoint in (None, "", "unspecified"):
            return NO_TOUCHPOINT_LABEL
        return self._codes.get(TOUCHPOINT_BOOK, {}).get(str(touchpoint)) or tidy_id(touchpoint)

    def clue_type(self, clue_type: str) -> str:
        """"Functional", "Mechanic", "Humanic"."""
        return CLUE_TYPE_LABELS.get(str(clue_type), tidy_id(clue_type))

    def lens(self, name: str) -> str:
        """A lens (codebook) name as shown in the lens selector."""
        return {"carbone-clues": "Clue types (Carbone)", "touchpoints": "Touchpoints",
                "points-of-connection": "Points of connection",
                "disloyalty-basics": "Disloyalty basics"}.get(str(name), tidy_id(name))

    def dimension(self, lens: str, level: str, dimension: str) -> str:
        """The label of a gaps-table dimension at its level."""
        level, dimension = str(level), str(dimension)
        if level == "clue_type":
            return self.clue_type(dimension)
        if level == "touchpoint":
            return self.code(lens, dimension) if str(lens) == TOUCHPOINT_BOOK else self.touchpoint(dimension)
        if level == "clue_type x touchpoint" and " x " in dimension:
            ct, tp = dimension.split(" x ", 1)
            return f"{self.clue_type(ct)} \u00d7 {self.touchpoint(tp)}"
        return self.code(lens, dimension)
