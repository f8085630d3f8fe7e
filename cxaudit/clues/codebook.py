"""Codebooks: hierarchical codes with patterns, loaded safely from YAML and validated once.

The file format is described in ``docs/clues.md`` and ``docs/architecture.md``.
:func:`load_codebook` reads a bundled codebook by name or any ``.yml`` file by path and
raises :class:`CodebookError` listing *every* problem, each with the file and line.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cxaudit.errors import CxauditError
from cxaudit.schemas import CLUE_TYPES
from cxaudit.yamlutil import line_of, parse_yaml

__all__ = [
    "codebook_ref",
    "Code",
    "Codebook",
    "CodebookError",
    "BUNDLED_DIR",
    "TRAINED_ONLY_ATTRS",
    "load_codebook",
    "codebook_file",
    "list_codebooks",
    "bundled_names",
    "parse_codebook",
]

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "codebooks"
TOUCHPOINTS = "touchpoints"

#: Token attributes that only a trained pipeline sets; codebooks must not use them.
TRAINED_ONLY_ATTRS = frozenset({"POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "ENT_IOB", "ENT_ID", "ENT_KB_ID", "_"})

_ID_RE = re.compile(r"^[A-Za-z0-9._-]+$")
_TOP_KEYS = {"name", "version", "description", "codes"}
_CODE_KEYS = {"id", "label", "description", "clue_type", "parent", "touchpoint", "patterns", "examples", "unjudged"}
#: What a mention of a code means when nothing in its sentence judges it (the code's ``unjudged`` field).
UNJUDGED = ("neutral", "negative")
_PATTERN_KEYS = {"phrases", "lemmas", "tokens", "exclude"}


class CodebookError(CxauditError, ValueError):
    """A codebook file is unreadable or invalid; the message lists every problem found."""


@dataclass(frozen=True)
class Code:
    """One code of a codebook; ``tokens`` holds spaCy Matcher patterns (lists of dicts)."""

    id: str
    label: str
    description: str
    clue_type: str
    parent: str | None = None
    touchpoint: str | None = None
    phrases: tuple[str, ...] = ()
    lemmas: tuple[str, ...] = ()
    tokens: tuple[tuple[dict, ...], ...] = ()
    examples: tuple[str, ...] = ()
    line: int | None = None
    #: word-sense guards: phrases (str) or token patterns (tuples of dicts); a match of this
    #: code that shares a token with a match of one of them is dropped
    exclude: tuple = ()
    #: the feeling of a mention that nothing in its sentence judges: "neutral", or "negative" for a cost
    #: ("£75 in fees for a £40 overdraft": docs/clues.md, Format, ``unjudged``)
    unjudged: str = "neutral"

    @property
    def n_patterns(self) -> int:
        """Number of phrase, lemma and token patterns of this code."""
        return len(self.phrases) + len(self.lemmas) + len(self.tokens)


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: its codes in file order and the file it came from."""

    name: str
    version: str
    description: str
    codes: tuple[Code, ...]
    path: Path | None = None

    def code(self, code_id: str) -> Code:
        """The code with id ``code_id``; KeyError naming the codebook when absent."""
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(f"codebook {self.name!r} has no code {code_id!r}")

    def children(self, code_id: str | None) -> tuple[Code, ...]:
        """Direct children of ``code_id`` (the root codes when ``code_id`` is None)."""
        return tuple(c for c in self.codes if c.parent == code_id)

    def ids(self) -> tuple[str, ...]:
        """All code ids, in file order."""
        return tuple(c.id for c in self.codes)

    def to_frame(self) -> pd.DataFrame:
        """A readable table, one row per code.

        Columns: id, label, parent, clue_type, touchpoint, description, n_patterns,
        examples (joined with `` | ``).
        """
        rows = [
            {
                "id": c.id, "label": c.label, "parent": c.parent, "clue_type": c.clue_type,
                "touchpoint": c.touchpoint, "description": c.description,
                "n_patterns": c.n_patterns, "examples": " | ".join(c.examples),
            }
            for c in self.codes
        ]
        cols = ["id", "label", "parent", "clue_type", "touchpoint", "description", "n_patterns", "examples"]
        return pd.DataFrame(rows, columns=cols).astype({"n_patterns": "Int64"})


# --------------------------------------------------------------------------- safe YAML with lines


def _read_yaml(path: Path) -> Any:
    """Parse ``path`` safely; CodebookError with file and line on a syntax error or unsafe tag."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = f"cannot read codebook file ({exc.strerror or exc})"
        raise CodebookError(f"{path}: {reason}", path=path, reason=reason) from exc
    try:
        return parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "unknown line"
        reason = f"not valid safe YAML: {exc.problem or exc}"
        raise CodebookError(f"{path}: {where}: {reason}", path=path, line=mark.line + 1 if mark else None,
                            reason=reason) from exc
    except yaml.YAMLError as exc:
        reason = f"not valid YAML: {exc}"
        raise CodebookError(f"{path}: {reason}", path=path, reason=reason) from exc


# --------------------------------------------------------------------------- validation


def _line(obj: Any, default: int | None) -> int | None:
    return line_of(obj) or default


#: At most this many phrases from one entry with alternatives (``{a|b}``): a typo should not make a million.
MAX_EXPANSION = 5000
_ALTERNATIVES = re.compile(r"\{([^{}]*)\}")


def expand_alternatives(text: str) -> list[str]:
    """Every phrase that ``text`` stands for: each ``{a|b|c}`` is one of its alternatives, in order; an empty
    alternative leaves the word out ("{during|after} {the |our |}meal" is six phrases). Spaces are collapsed.
    Raises ValueError for braces that do not pair or nest, or more than :data:`MAX_EXPANSION` phrases."""
    parts = _ALTERNATIVES.split(text)
    literals, groups = parts[0::2], [g.split("|") for g in parts[1::2]]
    if any("{" in lit or "}" in lit for lit in literals):
        raise ValueError("braces that do not pair (or nest): write {a|b} groups side by side")
    n = 1
    for g in groups:
        n *= len(g)
    if n > MAX_EXPANSION:
        raise ValueError(f"stands for {n:,} phrases, more than {MAX_EXPANSION:,}")
    out = [literals[0]]
    for g, lit in zip(groups, literals[1:]):
        out = [o + alt + lit for o in out for alt in g]
    return [" ".join(o.split()) for o in out if o.strip()]


def _check_strings(value: Any, what: str, line: int | None, problems: list, *,
                   alternatives: bool = False) -> tuple[str, ...]:
    """A tuple of non-empty strings from ``value``; problems appended when it is not one. With
    ``alternatives``, an entry with ``{a|b}`` groups becomes every phrase it stands for
    (:func:`expand_alternatives`)."""
    if not isinstance(value, list):
        problems.append((line, f"{what} must be a list of strings, found {type(value).__name__}"))
        return ()
    if not value:
        problems.append((_line(value, line), f"{what} is empty: add at least one entry or remove the key"))
    out = []
    for item in value:
        if not isinstance(item, (str, int, float)) or isinstance(item, bool) or not str(item).strip():
            problems.append((_line(value, line), f"{what} contains an empty or non-text entry {item!r} "
                                                 "(quote words YAML reads as booleans, e.g. 'no', 'yes', 'off')"))
            continue
        text = str(item).strip()
        if alternatives and ("{" in text or "}" in text):
            try:
                out.extend(expand_alternatives(text))
            except ValueError as exc:
                problems.append((_line(value, line), f"{what}: {text!r} {exc}"))
            continue
        out.append(text)
    return tuple(out)


def _check_token_pattern(pattern: Any, what: str, line: int | None, problems: list) -> tuple[dict, ...]:
    """Validate one spaCy Matcher pattern (a list of dicts); attributes are upper-cased."""
    from spacy.schemas import validate_token_pattern  # lazy: spaCy loads only when a codebook has token patterns

    line = _line(pattern, line)
    if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) for t in pattern):
        problems.append((line, f"{what} must be a non-empty list of token dicts like [{{LOWER: charged}}], found {pattern!r}"))
        return ()
    tokens = []
    for tok in pattern:
        tok_line = _line(tok, line)
        upper = {str(k).upper(): v for k, v in tok.items()}
        trained = sorted(set(upper) & TRAINED_ONLY_ATTRS)
        if trained:
            problems.append((tok_line, f"{what} uses {', '.join(trained)}, which only a trained spaCy pipeline sets; "
                                       "use LOWER, LEMMA, SHAPE, IS_*/LIKE_* or a phrase instead"))
            continue
        errors = validate_token_pattern([dict(upper)])
        if errors:
            problems.append((tok_line, f"{what} is not a valid spaCy token pattern: {'; '.join(errors)}"))
            continue
        tokens.append(dict(upper))
    return tuple(tokens) if len(tokens) == len(pattern) else ()


def _check_patterns(raw: Any, cid: str, line: int | None, problems: list) -> dict:
    """Phrases, lemmas and token patterns of one code, validated."""
    if not isinstance(raw, dict):
        problems.append((line, f"code {cid!r}: patterns must be a mapping with phrases/lemmas/tokens, found {type(raw).__name__}"))
        return {}
    line = _line(raw, line)
    for key in sorted(set(raw) - _PATTERN_KEYS):
        problems.append((line, f"code {cid!r}: unknown patterns key {key!r} (expected {sorted(_PATTERN_KEYS)})"))
    out: dict = {}
    if "phrases" in raw:
        out["phrases"] = _check_strings(raw["phrases"], f"code {cid!r}: phrases", line, problems, alternatives=True)
    if "lemmas" in raw:
        lemmas = _check_strings(raw["lemmas"], f"code {cid!r}: lemmas", line, problems)
        for lemma in lemmas:
            if len(lemma.split()) > 1:
                problems.append((_line(raw["lemmas"], line), f"code {cid!r}: lemma {lemma!r} has several words; put it in phrases"))
        out["lemmas"] = tuple(lm for lm in lemmas if len(lm.split()) == 1)
    if "tokens" in raw:
        pats = raw["tokens"]
        if not isinstance(pats, list) or not pats:
            problems.append((_line(pats, line), f"code {cid!r}: tokens must be a non-empty list of token patterns"))
        else:
            checked = [_check_token_pattern(p, f"code {cid!r}: token pattern {i + 1}", _line(pats, line), problems)
                       for i, p in enumerate(pats)]
            out["tokens"] = tuple(p for p in checked if p)
    if "exclude" in raw:
        out["exclude"] = _check_exclude(raw["exclude"], cid, _line(raw, line), problems)
    return out


def _check_exclude(value: Any, cid: str, line: int | None, problems: list) -> tuple:
    """Exclusions of one code: phrases (strings) or token patterns (lists of dicts), validated."""
    what = f"code {cid!r}: exclude"
    line = _line(value, line)
    if not isinstance(value, list) or not value:
        problems.append((line, f"{what} must be a non-empty list of phrases or token patterns"))
        return ()
    out: list = []
    for i, item in enumerate(value):
        if isinstance(item, list):
            pattern = _check_token_pattern(item, f"{what} token pattern {i + 1}", line, problems)
            if pattern:
                out.append(pattern)
        else:
            out.extend(_check_strings([item], what, line, problems, alternatives=True))
    return tuple(out)


def _parse_code(raw: Any, index: int, line: int | None, problems: list) -> dict | None:
    """The fields of one code entry as a dict (clue_type may still be None)."""
    if not isinstance(raw, dict):
        problems.append((line, f"code #{index + 1} must be a mapping with id, label, …, found {type(raw).__name__}"))
        return None
    line = _line(raw, line)
    cid = raw.get("id")
    name = f"code {cid!r}" if cid is not None else f"code #{index + 1}"
    for key in ("id", "label"):
        if raw.get(key) in (None, ""):
            problems.append((line, f"{name}: missing required field {key!r}"))
    if cid is not None and (not isinstance(cid, str) or not _ID_RE.match(cid)):
        problems.append((line, f"{name}: id must use letters, digits, '.', '_' or '-' only"))
    for key in sorted(set(raw) - _CODE_KEYS):
        problems.append((line, f"{name}: unknown field {key!r} (expected {sorted(_CODE_KEYS)})"))
    clue_type = raw.get("clue_type")
    if clue_type is not None and clue_type not in CLUE_TYPES:
        problems.append((line, f"{name}: unknown clue_type {clue_type!r} (expected one of {list(CLUE_TYPES)})"))
    pats = _check_patterns(raw["patterns"], str(cid), line, problems) if "patterns" in raw else {}
    unjudged = raw.get("unjudged", "neutral")
    if unjudged not in UNJUDGED:
        problems.append((line, f"{name}: unjudged must be one of {list(UNJUDGED)}, not {unjudged!r}"))
    examples = _check_strings(raw["examples"], f"{name}: examples", line, problems) if "examples" in raw else ()
    return {
        "id": str(cid) if cid is not None else None, "label": str(raw.get("label") or ""),
        "description": str(raw.get("description") or "").strip(), "clue_type": clue_type,
        "parent": None if raw.get("parent") is None else str(raw["parent"]),
        "touchpoint": None if raw.get("touchpoint") is None else str(raw["touchpoint"]),
        "phrases": pats.get("phrases", ()), "lemmas": pats.get("lemmas", ()), "tokens": pats.get("tokens", ()),
        "examples": examples, "line": line, "exclude": pats.get("exclude", ()),
        "unjudged": unjudged,
    }


def _resolve_hierarchy(codes: list[dict], problems: list) -> None:
    """Check duplicates, parents and cycles; fill inherited clue types in place."""
    by_id: dict[str, dict] = {}
    for c in codes:
        if c["id"] in by_id:
            problems.append((c["line"], f"code {c['id']!r}: duplicate id (first defined on line {by_id[c['id']]['line']})"))
        else:
            by_id[c["id"]] = c
    for c in codes:
        if c["parent"] is not None and c["parent"] not in by_id:
            problems.append((c["line"], f"code {c['id']!r}: unknown parent {c['parent']!r}"))
    for c in codes:
        seen, cur, clue_type = [c["id"]], c, c["clue_type"]
        while cur["parent"] in by_id:
            cur = by_id[cur["parent"]]
            if cur["id"] in seen:
                problems.append((c["line"], f"code {c['id']!r}: parent cycle {' -> '.join(seen + [cur['id']])}"))
                clue_type = clue_type or "none"
                break
            seen.append(cur["id"])
            clue_type = clue_type or cur["clue_type"]
        if clue_type is None and (cur["parent"] is None or cur["parent"] in by_id):  # else: unknown parent
            problems.append((c["line"], f"code {c['id']!r}: missing clue_type (and no ancestor has one)"))
        c["clue_type"] = clue_type


def _check_touchpoints(codes: list[dict], name: str, path: Path) -> None:
    """Warn about touchpoint fields that are not codes of the touchpoints codebook."""
    if not any(c["touchpoint"] for c in codes):
        return
    if name == TOUCHPOINTS:
        known = {c["id"] for c in codes}
    else:
        try:
            known = set(load_codebook(TOUCHPOINTS).ids())
        except CodebookError:
            return
    for c in codes:
        if c["touchpoint"] and c["touchpoint"] not in known:
            warnings.warn(f"{path}: line {c['line']}: code {c['id']!r}: touchpoint {c['touchpoint']!r} "
                          f"is not a code of the {TOUCHPOINTS!r} codebook", UserWarning, stacklevel=4)


def _format_problems(path: Path, problems: list) -> str:
    lines = sorted(problems, key=lambda p: (p[0] or 0, p[1]))
    body = "\n".join(f"  line {ln if ln else '?'}: {msg}" for ln, msg in lines)
    return f"{path}: {len(problems)} problem(s) in codebook:\n{body}"


def parse_codebook(data: Any, path: Path) -> Codebook:
    """Validate parsed YAML ``data`` read from ``path`` and build the :class:`Codebook`."""
    problems: list[tuple[int | None, str]] = []
    if not isinstance(data, dict):
        raise CodebookError(f"{path}: line 1: a codebook must be a mapping with name, version, description, codes; "
                            f"found {type(data).__name__}")
    top = _line(data, 1)
    for key in ("name", "codes"):
        if key not in data:
            problems.append((top, f"missing required field {key!r}"))
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append((top, f"unknown top-level field {key!r} (expected {sorted(_TOP_KEYS)})"))
    raw_codes = data.get("codes", [])
    if not isinstance(raw_codes, list) or ("codes" in data and not raw_codes):
        problems.append((_line(raw_codes, top), "codes must be a non-empty list of code mappings"))
        raw_codes = []
    parsed = [_parse_code(raw, i, _line(raw_codes, top), problems) for i, raw in enumerate(raw_codes)]
    codes = [c for c in parsed if c is not None and c["id"] is not None]
    _resolve_hierarchy(codes, problems)
    if problems:
        raise CodebookError(_format_problems(path, problems))
    name = str(data["name"])
    _check_touchpoints(codes, name, path)
    return Codebook(
        name=name, version=str(data.get("version", "")), description=str(data.get("description") or "").strip(),
        codes=tuple(Code(**c) for c in codes), path=path,
    )


def bundled_names() -> list[str]:
    """Names of the codebooks shipped in ``cxaudit/codebooks``."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yml"))


@lru_cache(maxsize=64)
def _load_cached(path: Path, mtime_ns: int) -> Codebook:
    return parse_codebook(_read_yaml(path), path)


def codebook_ref(codebook: "Codebook | str") -> str:
    """How a pipeline names a codebook: a bundled name or a path as given; a loaded codebook by the
    file it was read from (its name when it was built in memory)."""
    if isinstance(codebook, str):
        return codebook
    if isinstance(codebook, Codebook):
        return str(codebook.path) if codebook.path is not None else codebook.name
    raise TypeError(f"a codebook is a bundled name, a path or a loaded Codebook; found {codebook!r}")


def load_codebook(name_or_path: str | Path) -> Codebook:
    """Load a bundled codebook by name (``"carbone-clues"``) or any codebook file by path.

    Raises :class:`CodebookError` naming the file, the line and every problem found.
    Parsed codebooks are cached by path and modification time.
    """
    if isinstance(name_or_path, Codebook):
        return name_or_path
    path = codebook_file(name_or_path)
    return _load_cached(path, path.stat().st_mtime_ns)


def codebook_file(name_or_path: str | Path) -> Path:
    """The file :func:`load_codebook` reads for a bundled name or a path (resolved), without reading it;
    raises :class:`CodebookError` when there is none."""
    text = str(name_or_path)
    path = Path(text)
    if not (path.suffix in (".yml", ".yaml") or path.exists()):
        path = BUNDLED_DIR / f"{text}.yml"
        if not path.exists():
            raise CodebookError(f"{text!r}: no such codebook file, and not a bundled codebook "
                                f"(bundled: {', '.join(bundled_names())})")
    path = path.resolve()
    if not path.exists():
        reason = "no such codebook file"
        raise CodebookError(f"{path}: {reason}", path=path, reason=reason)
    return path


def list_codebooks() -> pd.DataFrame:
    """The bundled codebooks: columns name, version, n_codes, description, path."""
    rows = []
    for stem in bundled_names():
        cb = load_codebook(stem)
        rows.append({"name": cb.name, "version": cb.version, "n_codes": len(cb.codes),
                     "description": cb.description, "path": str(cb.path)})
    frame = pd.DataFrame(rows, columns=["name", "version", "n_codes", "description", "path"])
    return frame.astype({"n_codes": "Int64"})

