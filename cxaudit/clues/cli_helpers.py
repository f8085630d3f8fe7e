"""Helpers behind ``cxaudit codebook list | show | check | export``: text the CLI prints."""

from __future__ import annotations

import warnings
from pathlib import Path

from cxaudit.clues.codebook import Codebook, CodebookError, _read_yaml, parse_codebook

__all__ = ["codebook_report", "check_codebook"]


def _pattern_summary(code, *, max_items: int = 8) -> str:
    """One line listing the first phrases and lemmas of ``code``, with the token-pattern count."""
    items = [*code.phrases, *(f"~{lm}" for lm in code.lemmas)]
    shown = ", ".join(items[:max_items]) + (f", … (+{len(items) - max_items})" if len(items) > max_items else "")
    tokens = f"; {len(code.tokens)} token pattern(s)" if code.tokens else ""
    guards = f"; {len(code.exclude)} word-sense guard(s)" if code.exclude else ""
    return shown + tokens + guards


def codebook_report(codebook: Codebook, *, max_items: int = 8) -> str:
    """A human-readable outline of ``codebook``: header, then the code tree with clue types,
    touchpoints, descriptions, patterns (lemmas shown as ``~lemma``) and one example each."""
    lines = [f"{codebook.name} {codebook.version}: {codebook.description}",
             f"{len(codebook.codes)} codes, from {codebook.path}", ""]

    def walk(parent: str | None, depth: int) -> None:
        for code in codebook.children(parent):
            pad = "  " * depth
            tp = f" @{code.touchpoint}" if code.touchpoint else ""
            lines.append(f"{pad}{code.id} [{code.clue_type}{tp}] {code.label}")
            if code.description:
                lines.append(f"{pad}    {code.description}")
            if code.n_patterns:
                lines.append(f"{pad}    patterns: {_pattern_summary(code, max_items=max_items)}")
            if code.examples:
                lines.append(f"{pad}    e.g. {code.examples[0]!r}")
            walk(code.id, depth + 1)

    walk(None, 0)
    return "\n".join(lines)


def check_codebook(path: str | Path) -> list[str]:
    """Every problem of the codebook file at ``path`` as readable lines (errors, then
    warnings prefixed ``warning:``); an empty list when the file is valid."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            path = Path(path)
            parse_codebook(_read_yaml(path), path)
        except CodebookError as exc:
            head, _, body = str(exc).partition("\n")
            problems = [ln.strip() for ln in body.splitlines() if ln.strip()] or [head]
            return [f"{head.split(': ')[0]}: {p}" for p in problems] if body else [head]
    return [f"warning: {w.message}" for w in caught if issubclass(w.category, UserWarning)]
