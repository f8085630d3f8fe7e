"""The desired experience of an audit (``desired.yml``): motif, targets, importance.

Format (see ``docs/architecture.md`` and ``docs/compare.md``)::

    motif: [reassured, valued, effortless]   # 3–6 words from the feelings lexicon
    lenses: [carbone-clues, touchpoints]     # which codebooks' dimensions to compare
    default_target: 0.5                      # desired level where no target is given (-1 … 1)
    targets:                                 # optional, most specific wins
      - {clue_type: humanic, target: 0.7}
      - {code: functional.billing, target: 0.6}
      - {touchpoint: get-help, target: 0.6}
      - {clue_type: mechanic, touchpoint: web, target: 0.5}
    importance: share_of_mentions            # share_of_mentions | share_of_desired | driver
    weights: {functional.billing: 2.0}       # optional importance multipliers
    crosshairs: mean                         # mean, or {importance: 0.1, performance: 0.0}

:func:`load_desired` collects every problem into one :class:`DesiredError`
naming the file and line of each.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cxaudit.errors import CxauditError
from cxaudit.schemas import CLUE_TYPES
from cxaudit.yamlutil import YamlError, line_of, load_yaml

__all__ = ["Desired", "DesiredError", "Target", "load_desired", "IMPORTANCE_METHODS", "DEFAULT_MOTIF"]

IMPORTANCE_METHODS = ("share_of_mentions", "share_of_desired", "driver")
DEFAULT_MOTIF = ("reassured", "valued", "effortless")
_TOP_KEYS = ("motif", "lenses", "default_target", "targets", "importance", "weights", "crosshairs")
_TARGET_KEYS = ("clue_type", "code", "touchpoint", "target")


class DesiredError(CxauditError, ValueError):
    """``desired.yml`` is wrong; the message lists every problem with its file and line."""


@dataclass(frozen=True)
class Target:
    """A desired level (-1 … 1) for the dimensions matching every selector given."""

    target: float
    clue_type: str | None = None
    code: str | None = None
    touchpoint: str | None = None

    @property
    def specificity(self) -> int:
        """Code beats touchpoint beats clue type; combinations add up (unique per key set)."""
        return 4 * (self.code is not None) + 2 * (self.touchpoint is not None) + (self.clue_type is not None)

    def matches(self, *, clue_type: str | None = None, code: str | None = None, touchpoint: str | None = None) -> bool:
        """True when every selector of the target equals the dimension's attribute."""
        pairs = ((self.clue_type, clue_type), (self.code, code), (self.touchpoint, touchpoint))
        return all(want is None or want == have for want, have in pairs)


@dataclass(frozen=True)
class Desired:
    """The desired experience: motif words, lenses, targets and importance settings.

    ``motif_axes`` maps each motif word to its ``(axis, pole)`` in the feelings
    lexicon (empty when the lexicon was not available at load time).
    ``crosshairs`` is ``"mean"`` or ``{"importance": x, "performance": y}``.
    """

    motif: tuple[str, ...] = DEFAULT_MOTIF
    lenses: tuple[str, ...] = ("carbone-clues", "touchpoints")
    default_target: float = 0.5
    targets: tuple[Target, ...] = ()
    importance: str = "share_of_mentions"
    weights: dict[str, float] = field(default_factory=dict)
    crosshairs: str | dict[str, float] = "mean"
    motif_axes: dict[str, tuple[str, int]] = field(default_factory=dict)
    path: str | None = None

    @classmethod
    def default(cls) -> "Desired":
        """Defaults: the example motif, lenses carbone-clues and touchpoints, target 0.5 everywhere."""
        return cls()

    def target_for(self, *, clue_type: str | None = None, code: str | None = None, touchpoint: str | None = None) -> float:
        """The most specific matching target's level, else ``default_target``."""
        best = None
        for t in self.targets:
            if t.matches(clue_type=clue_type, code=code, touchpoint=touchpoint):
                if best is None or t.specificity > best.specificity:
                    best = t
        return self.default_target if best is None else best.target


def _lexicon(lexicon: pd.DataFrame | None) -> pd.DataFrame | None:
    """The feelings lexicon (feeling, axis, pole, forms), or None with a warning when unavailable."""
    if lexicon is not None:
        return lexicon
    from cxaudit._feelings import feelings_table  # the table of cxaudit.nlp.feelings.load_feelings, without spaCy

    return feelings_table()


def _forms(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [w.strip().lower() for w in value.replace(",", " ").split() if w.strip()]
    return [str(w).strip().lower() for w in value]


def resolve_motif(words, lexicon: pd.DataFrame) -> tuple[dict[str, tuple[str, int]], dict[str, list[str]]]:
    """Map motif words to (axis, pole) via the lexicon's ``feeling`` and ``forms`` columns.

    Returns (resolved, unknown) where ``unknown`` maps each word not in the
    lexicon to up to three close matches.
    """
    index: dict[str, tuple[str, int]] = {}
    for row in lexicon.itertuples(index=False):
        entry = (str(row.axis), int(row.pole))
        index.setdefault(str(row.feeling).lower(), entry)
        for form in _forms(getattr(row, "forms", None)):
            index.setdefault(form, entry)
    resolved, unknown = {}, {}
    for w in words:
        if w in index:
            resolved[w] = index[w]
        else:
            unknown[w] = difflib.get_close_matches(w, list(index), n=3)
    return resolved, unknown


def _key_lines(text: str) -> dict[Any, int]:
    """1-based line of each top-level key and of each item of top-level sequences."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[Any, int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            lines[k.value] = k.start_mark.line + 1
            if isinstance(v, yaml.SequenceNode):
                for i, item in enumerate(v.value):
                    lines[(k.value, i)] = item.start_mark.line + 1
    return lines


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _parse_targets(raw, where, problems) -> tuple[Target, ...]:
    if not isinstance(raw, list):
        problems.append(f"{where('targets')}: targets must be a list of mappings; found {type(raw).__name__}")
        return ()
    out, seen = [], {}
    for i, item in enumerate(raw):
        loc = where(("targets", i))
        if not isinstance(item, dict):
            problems.append(f"{loc}: a target must be a mapping like {{code: X, target: 0.6}}; found {item!r}")
            continue
        extra = sorted(set(item) - set(_TARGET_KEYS))
        if extra:
            problems.append(f"{loc}: unknown key(s) {extra} in target; expected {list(_TARGET_KEYS)}")
        level = _number(item.get("target"))
        if level is None or not -1 <= level <= 1:
            problems.append(f"{loc}: target must be a number in [-1, 1]; found {item.get('target')!r}")
            continue
        sel = {k: (None if item.get(k) is None else str(item[k])) for k in ("clue_type", "code", "touchpoint")}
        if all(v is None for v in sel.values()):
            problems.append(f"{loc}: a target needs at least one of clue_type, code, touchpoint")
            continue
        if sel["clue_type"] is not None and sel["clue_type"] not in CLUE_TYPES:
            problems.append(f"{loc}: clue_type must be one of {list(CLUE_TYPES)}; found {sel['clue_type']!r}")
            continue
        key = tuple(sel.values())
        if key in seen:
            problems.append(f"{loc}: duplicate target for {sel} (first at line {seen[key]})")
            continue
        seen[key] = line_of(item) or "?"
        out.append(Target(target=level, **sel))
    return tuple(out)


def _parse_crosshairs(raw, loc, problems):
    if raw == "mean":
        return "mean"
    if isinstance(raw, dict) and set(raw) == {"importance", "performance"}:
        imp, perf = _number(raw["importance"]), _number(raw["performance"])
        if imp is not None and perf is not None and imp >= 0 and -1 <= perf <= 1:
            return {"importance": imp, "performance": perf}
    problems.append(f"{loc}: crosshairs must be 'mean' or {{importance: >= 0, performance: -1 … 1}}; found {raw!r}")
    return "mean"


def _parse_words(raw) -> list[str] | None:
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
        return None
    return [w.strip().lower() for w in raw if w.strip()]


def _parse(data: dict, where, lexicon, problems) -> dict[str, Any]:
    """Validate the loaded mapping into keyword arguments of :class:`Desired`."""
    kw: dict[str, Any] = {}
    for key in sorted(set(data) - set(_TOP_KEYS)):
        close = difflib.get_close_matches(str(key), _TOP_KEYS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"{where(key)}: unknown key {key!r}{hint}; expected one of {list(_TOP_KEYS)}")
    if "motif" in data:
        words = _parse_words(data["motif"])
        if words is None or not 3 <= len(words) <= 6:
            problems.append(f"{where('motif')}: motif must be 3–6 feeling words; found {data['motif']!r}")
        else:
            kw["motif"] = tuple(words)
    lex = _lexicon(lexicon)
    if lex is not None:
        resolved, unknown = resolve_motif(kw.get("motif", DEFAULT_MOTIF), lex)
        for w, close in unknown.items():
            hint = f"; close matches: {', '.join(close)}" if close else "; no close match"
            problems.append(f"{where('motif')}: motif word {w!r} is not in the feelings lexicon{hint}")
        kw["motif_axes"] = resolved
    if "lenses" in data:
        lenses = _parse_words(data["lenses"])
        if not lenses:
            problems.append(f"{where('lenses')}: lenses must be a non-empty list of codebook names; found {data['lenses']!r}")
        else:
            kw["lenses"] = tuple(lenses)
    if "default_target" in data:
        level = _number(data["default_target"])
        if level is None or not -1 <= level <= 1:
            problems.append(f"{where('default_target')}: default_target must be a number in [-1, 1]; found {data['default_target']!r}")
        else:
            kw["default_target"] = level
    if data.get("targets") is not None:
        kw["targets"] = _parse_targets(data["targets"], where, problems)
    if "importance" in data:
        if data["importance"] not in IMPORTANCE_METHODS:
            problems.append(f"{where('importance')}: importance must be one of {list(IMPORTANCE_METHODS)}; found {data['importance']!r}")
        else:
            kw["importance"] = data["importance"]
    if data.get("weights") is not None:
        raw = data["weights"]
        if not isinstance(raw, dict) or any(_number(v) is None or _number(v) < 0 for v in raw.values()):
            problems.append(f"{where('weights')}: weights must map dimensions to numbers >= 0; found {raw!r}")
        else:
            kw["weights"] = {str(k): float(v) for k, v in raw.items()}
    if "crosshairs" in data:
        kw["crosshairs"] = _parse_crosshairs(data["crosshairs"], where("crosshairs"), problems)
    return kw


def load_desired(path: str | Path, *, lexicon: pd.DataFrame | None = None) -> Desired:
    """Read and validate ``desired.yml``.

    ``lexicon`` is the feelings lexicon (columns feeling, axis, pole, forms);
    by default the bundled one (``cxaudit.nlp.feelings.load_feelings()``'s table, read without
    spaCy by ``cxaudit._feelings.feelings_table``). Raises
    :class:`DesiredError` listing every problem as ``file:line: what is wrong``
    (unknown keys, targets outside [-1, 1], motif words not in the lexicon with
    close matches), and ``FileNotFoundError`` when the file does not exist.
    """
    path = Path(path)
    try:
        data = load_yaml(path)
    except YamlError as exc:
        raise DesiredError(str(exc)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DesiredError(f"{path}:1: expected a mapping of settings (motif, lenses, targets …); found {type(data).__name__}")
    lines = _key_lines(path.read_text(encoding="utf-8-sig"))

    def where(key) -> str:
        return f"{path}:{lines.get(key, lines.get(key[0] if isinstance(key, tuple) else key, 1))}"

    problems: list[str] = []
    kw = _parse(data, where, lexicon, problems)
    if problems:
        raise DesiredError(f"{len(problems)} problem(s) in {path}:\n" + "\n".join(f"  {p}" for p in problems))
    return Desired(**kw, path=str(path))
