"""Reading the researcher's coded sentences for :meth:`cxaudit.clues.learned.LearnedTagger.fit`.

A coded file is CSV, JSONL or XLSX with columns ``text``, ``code`` and
optionally ``polarity``; :func:`load_coded` turns it into one row per
text–code pair and :func:`group_coded` into one row per text.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cxaudit.errors import CxauditError

__all__ = ["CodedFileError", "POLARITIES", "load_coded", "group_coded"]

POLARITIES = ("positive", "negative", "neutral", "conflict")


class CodedFileError(CxauditError, ValueError):
    """A coded-sentences file is malformed; the message names the file, the row and the reason."""


def load_coded(path: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read coded sentences and return them in long form.

    Input: a ``.csv``, ``.jsonl`` or ``.xlsx`` file (or a DataFrame) with
    columns ``text``, ``code`` and optionally ``polarity``. A cell of ``code``
    may hold several codes separated by ``;``; ``polarity`` then holds one
    value for all of them or ``;``-separated values aligned with the codes.
    An empty ``code`` marks a sentence that has none of the codes.

    Returns columns ``text``, ``code`` (null for code-less sentences),
    ``polarity`` (one of :data:`POLARITIES` or null), one row per text–code
    pair. Raises :class:`CodedFileError` naming the file and row.
    """
    source, rows = _read_rows(path)
    out = []
    for line, rec in rows:
        text = _cell(rec.get("text"))
        if not text:
            reason = "empty text"
            raise CodedFileError(f"{source}, row {line}: {reason}", path=source, line=line, reason=reason)
        codes = [c.strip() for c in _cell(rec.get("code")).split(";") if c.strip()]
        pols = [p.strip().lower() for p in _cell(rec.get("polarity")).split(";")]
        pols = [p for p in pols if p] or [None]
        for p in pols:
            if p is not None and p not in POLARITIES:
                reason = f"unknown polarity {p!r}; expected one of {list(POLARITIES)}"
                raise CodedFileError(f"{source}, row {line}: {reason}", path=source, line=line, reason=reason)
        if len(pols) == 1:
            pols = pols * max(len(codes), 1)
        elif len(pols) != len(codes):
            raise CodedFileError(f"{source}, row {line}: {len(codes)} code(s) but {len(pols)} polarities; "
                                 "give one polarity or one per code")
        if not codes:
            out.append((text, None, None))
        out.extend((text, c, p) for c, p in zip(codes, pols))
    return pd.DataFrame(out, columns=["text", "code", "polarity"]).astype("string")


def group_coded(coded: pd.DataFrame) -> pd.DataFrame:
    """Long (text, code, polarity) → one row per distinct text.

    Returns columns ``text``, ``codes`` (tuple of codes, in first-seen order;
    empty for code-less sentences) and ``polarity`` (dict code → polarity,
    only for codes whose polarity was given).
    """
    rows: dict[str, tuple[list, dict]] = {}
    for text, code, pol in coded[["text", "code", "polarity"]].itertuples(index=False):
        codes, pols = rows.setdefault(str(text), ([], {}))
        if code is None or code is pd.NA or not str(code):
            continue
        if code not in codes:
            codes.append(str(code))
        if pol is not None and pol is not pd.NA:
            pols[str(code)] = str(pol)
    return pd.DataFrame([{"text": t, "codes": tuple(c), "polarity": p} for t, (c, p) in rows.items()],
                        columns=["text", "codes", "polarity"])


def _read_rows(path) -> tuple[str, list[tuple[int, dict]]]:
    """(source name, [(row number as a researcher sees it, record)]) of a coded file."""
    if isinstance(path, pd.DataFrame):
        frame, source, first = path, "<DataFrame>", 0
    else:
        path = Path(path)
        suffix = path.suffix.lower()
        if not path.exists():
            reason = "no such file"
            raise CodedFileError(f"{path}: {reason}", path=path, reason=reason)
        if suffix in (".jsonl", ".ndjson"):
            return str(path), _read_jsonl(path)
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str).fillna("")
        else:
            reason = f"expected a .csv, .jsonl or .xlsx file, found {suffix!r}"
            raise CodedFileError(f"{path}: {reason}", path=path, reason=reason)
        source, first = str(path), 2  # row 1 is the header
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    for col in ("text", "code"):
        if col not in frame.columns:
            raise CodedFileError(f"{source}: missing column {col!r}; expected text, code[, polarity], "
                                 f"found {list(frame.columns)}")
    return source, [(i + first, rec) for i, rec in enumerate(frame.to_dict("records"))]


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """(line number, record) of each non-blank line; lists of codes/polarities joined with ';'."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                reason = f"not valid JSON ({err.msg})"
                raise CodedFileError(f"{path}, row {n}: {reason}", path=path, line=n, reason=reason) from None
            if not isinstance(rec, dict) or "text" not in rec or "code" not in rec:
                reason = f"expected an object with 'text' and 'code', found {line.strip()[:60]!r}"
                raise CodedFileError(f"{path}, row {n}: {reason}", path=path, line=n, reason=reason)
            if isinstance(rec.get("code"), list):
                rec["code"] = ";".join(map(str, rec["code"]))
            if isinstance(rec.get("polarity"), list):
                rec["polarity"] = ";".join(map(str, rec["polarity"]))
            rows.append((n, rec))
    return rows


def _cell(value) -> str:
    """A cell as a stripped string; missing values (None, NaN, NA) as ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()
