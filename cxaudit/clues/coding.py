"""The manual-coding round trip: export sentences with their tags, import the researcher's corrections.

:func:`export_for_coding` writes one row per sentence to a CSV or XLSX file
(chosen by the suffix) with these columns:

=====================  ==========================================================
sentence_id, doc_id    which sentence (do not edit)
text                   the sentence (do not edit)
codes                  the codes cxaudit found, ``;``-separated (for reference)
polarity               their polarities, ``;``-separated in the same order
corrected_codes        starts as a copy of ``codes``: **edit this one** — add,
                       remove or replace codes; leave it empty when no code
                       applies
corrected_polarity     starts as a copy of ``polarity``: one value per corrected
                       code (positive, negative, neutral, conflict), or a single
                       value for all of them, or empty
note                   free text, kept out of the analysis
=====================  ==========================================================

On import, what is in ``corrected_codes``/``corrected_polarity`` is what
counts. The XLSX file has a second sheet, ``codebook``, listing the codes a
researcher may use, and a third, ``how-to``, with these instructions.

Spreadsheet safety: a text cell that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is written with a leading ``'`` so spreadsheet
programs do not run it as a formula; :func:`import_coding` removes that
prefix again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from cxaudit.clues.codebook import load_codebook
from cxaudit.errors import CxauditError
from cxaudit.schemas import TAGS, validate

__all__ = ["CodingFileError", "export_for_coding", "import_coding", "coded_for_training",
           "neutralise", "unneutralise", "COLUMNS"]

COLUMNS = ["sentence_id", "doc_id", "text", "codes", "polarity", "corrected_codes", "corrected_polarity", "note"]
POLARITIES = ("positive", "negative", "neutral", "conflict")
_RISKY = ("=", "+", "-", "@", "\t", "\r")
_FROM_VALENCE = {"positive": "positive", "negative": "negative", "neutral": "neutral", "mixed": "conflict"}
_SCORE = {"positive": (1.0, "positive"), "negative": (-1.0, "negative"), "neutral": (0.0, "neutral"),
          "conflict": (0.0, "mixed")}
HOW_TO = [
    "One row per sentence. Edit only corrected_codes, corrected_polarity and note.",
    "corrected_codes: the codes that apply, separated by ';' (it starts as a copy of what cxaudit found).",
    "Leave corrected_codes empty when no code applies to the sentence.",
    "corrected_polarity: positive, negative, neutral or conflict; one value per code (';'-separated) or one for all.",
    "The codebook sheet lists the codes you may use.",
]


class CodingFileError(CxauditError, ValueError):
    """A corrected coding file is malformed; the message names the file, the row and the reason."""


def neutralise(value):
    """Prefix ``'`` to a string that a spreadsheet would read as a formula.

    Strings that already start with quotes before a risky character get one
    more, so that :func:`unneutralise` restores every string exactly.
    """
    if isinstance(value, str) and value.lstrip("'").startswith(_RISKY):
        return "'" + value
    return value


def unneutralise(value):
    """Undo :func:`neutralise`."""
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(_RISKY):
        return value[1:]
    return value


def export_for_coding(sentences: pd.DataFrame, tags: pd.DataFrame, path: str | Path, *, codebook=None) -> Path:
    """Write the coding sheet for ``sentences`` (columns sentence_id, doc_id, text) and their ``tags``.

    ``tags`` needs sentence_id and code (valence is used for the polarity
    column when present). ``codebook``: a Codebook, a name, or a list of them;
    when given, only its codes are exported and the XLSX lists them. Returns
    the path written (atomically).
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: expected a .csv or .xlsx file name, found {path.suffix!r}")
    for col in ("sentence_id", "doc_id", "text"):
        if col not in sentences.columns:
            raise ValueError(f"export_for_coding: sentences lack column {col!r}; found {list(sentences.columns)}")
    cbs = _codebooks(codebook)
    if cbs:
        allowed = {c.id for cb in cbs for c in cb.codes}
        tags = tags[tags["code"].isin(allowed)]
    current = _current_codes(tags)
    sheet = sentences[["sentence_id", "doc_id", "text"]].astype("object").copy()
    sheet["codes"] = sheet["sentence_id"].map(lambda s: current.get(s, ("", ""))[0])
    sheet["polarity"] = sheet["sentence_id"].map(lambda s: current.get(s, ("", ""))[1])
    sheet["corrected_codes"] = sheet["codes"]
    sheet["corrected_polarity"] = sheet["polarity"]
    sheet["note"] = ""
    sheet = sheet[COLUMNS].map(neutralise)
    _write_atomically(sheet, path, cbs)
    return path


def _current_codes(tags: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """sentence_id → ('code1;code2', 'pol1;pol2') in order of first appearance."""
    out: dict[str, tuple[str, str]] = {}
    if tags.empty:
        return out
    valence = tags["valence"] if "valence" in tags.columns else pd.Series("neutral", index=tags.index)
    per: dict[str, dict[str, set]] = {}
    for sid, code, val in zip(tags["sentence_id"], tags["code"], valence):
        per.setdefault(str(sid), {}).setdefault(str(code), set()).add(_FROM_VALENCE.get(str(val), "neutral"))
    for sid, codes in per.items():
        pols = [("conflict" if {"positive", "negative"} <= v or "conflict" in v else sorted(v)[0]) for v in codes.values()]
        out[sid] = (";".join(codes), ";".join(pols))
    return out


def _write_atomically(sheet: pd.DataFrame, path: Path, cbs: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        if path.suffix.lower() == ".csv":
            sheet.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            _write_xlsx(sheet, tmp, cbs)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_xlsx(sheet: pd.DataFrame, tmp: str, cbs: list) -> None:
    from openpyxl.styles import Alignment  # lazy: only .xlsx coding files need openpyxl (0.2 s to import)

    codes = pd.DataFrame([{"code": c.id, "label": c.label, "clue_type": c.clue_type, "codebook": cb.name,
                           "description": c.description} for cb in cbs for c in cb.codes],
                         columns=["code", "label", "clue_type", "codebook", "description"])
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        sheet.to_excel(writer, sheet_name="coding", index=False)
        codes.map(neutralise).to_excel(writer, sheet_name="codebook", index=False)
        pd.DataFrame({"how to code": HOW_TO}).to_excel(writer, sheet_name="how-to", index=False)
        ws = writer.sheets["coding"]
        ws.freeze_panes = "D2"
        for letter, width in zip("ABCDEFGH", (22, 14, 70, 28, 22, 28, 22, 30)):
            ws.column_dimensions[letter].width = width
        for cell in ws["C"][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _read_sheet(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if not path.exists():
        reason = "no such file"
        raise CodingFileError(f"{path}: {reason}", path=path, reason=reason)
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name="coding", dtype=str).fillna("")
    else:
        reason = f"expected a .csv or .xlsx coding file, found {suffix!r}"
        raise CodingFileError(f"{path}: {reason}", path=path, reason=reason)
    missing = [c for c in ("sentence_id", "text", "corrected_codes") if c not in frame.columns]
    if missing:
        raise CodingFileError(f"{path}: missing column(s) {missing}; expected the columns written by "
                              f"export_for_coding ({', '.join(COLUMNS)}), found {list(frame.columns)}")
    return frame.map(unneutralise)


def _parse_rows(path: Path, frame: pd.DataFrame, cbs: list) -> list[tuple[dict, str, str | None]]:
    """[(row record, code, polarity or None)] for every corrected code, validated."""
    known = {c.id for cb in cbs for c in cb.codes}
    out = []
    for i, rec in enumerate(frame.to_dict("records")):
        line = i + 2  # row 1 is the header
        codes = [c.strip() for c in str(rec.get("corrected_codes", "")).split(";") if c.strip()]
        if not codes:  # no code applies; a leftover polarity means nothing
            out.append((rec, None, None))
            continue
        pols = [p.strip().lower() for p in str(rec.get("corrected_polarity", "") or "").split(";") if p.strip()]
        for p in pols:
            if p not in POLARITIES:
                reason = f"unknown polarity {p!r}; expected one of {list(POLARITIES)}"
                raise CodingFileError(f"{path}, row {line}: {reason}", path=path, line=line, reason=reason)
        if known and (unknown := [c for c in codes if c not in known]):
            reason = f"unknown code(s) {unknown}; see the codebook sheet"
            raise CodingFileError(f"{path}, row {line}: {reason}", path=path, line=line, reason=reason)
        if len(pols) > 1 and len(pols) != len(codes):
            reason = f"{len(codes)} code(s) but {len(pols)} polarities"
            raise CodingFileError(f"{path}, row {line}: {reason}", path=path, line=line, reason=reason)
        pols = pols * len(codes) if len(pols) == 1 else pols or [None] * len(codes)
        out.extend((rec, c, p) for c, p in zip(codes, pols))
    return out


def import_coding(path: str | Path, *, sentences: pd.DataFrame | None = None, codebook=None) -> pd.DataFrame:
    """Read a corrected coding sheet as ``tags`` rows with method ``manual``.

    One row per (sentence, corrected code): sentence level (start/end null,
    evidence = the sentence), confidence 1.0, polarity +1/−1/0 for
    positive/negative/neutral and 0 with valence ``mixed`` for conflict. When a
    code has no polarity, the sentence's sentiment and valence are used if
    ``sentences`` is given, else 0/neutral. ``mode`` and ``doc_id`` come from
    ``sentences`` when given (mode defaults to ``current``). ``codebook`` (one
    or several) checks the codes and gives codebook/clue_type/touchpoint;
    codes outside any codebook get codebook ``manual`` and clue_type ``none``.
    """
    path = Path(path)
    cbs = _codebooks(codebook)
    info = {c.id: (cb.name, c.clue_type, c.touchpoint) for cb in reversed(cbs) for c in cb.codes}
    known = sentences.set_index("sentence_id") if sentences is not None else None
    rows = []
    for rec, code, pol in _parse_rows(path, _read_sheet(path), cbs):
        if code is None:
            continue
        sid = rec["sentence_id"]
        ref = known.loc[sid] if known is not None and sid in known.index else None
        if pol is not None:
            score, valence = _SCORE[pol]
        elif ref is not None and "sentiment" in ref:
            score, valence = float(ref["sentiment"]), ref.get("valence", "neutral")
        else:
            score, valence = 0.0, "neutral"
        cb_name, clue_type, touchpoint = info.get(code, ("manual", "none", None))
        rows.append({
            "sentence_id": sid, "doc_id": ref["doc_id"] if ref is not None and "doc_id" in ref else rec.get("doc_id") or sid.split("#")[0],
            "codebook": cb_name, "code": code, "clue_type": clue_type, "touchpoint": touchpoint,
            "start_char": pd.NA, "end_char": pd.NA, "evidence": rec["text"], "polarity": score, "valence": valence,
            "mode": ref["mode"] if ref is not None and "mode" in ref else "current",
            "method": "manual", "confidence": 1.0,
        })
    return validate(pd.DataFrame(rows, columns=TAGS.names), TAGS)


def coded_for_training(path: str | Path, *, codebook=None) -> pd.DataFrame:
    """The corrected sheet as training data for :meth:`cxaudit.clues.learned.LearnedTagger.fit`.

    Returns columns text, code, polarity (long form; a sentence with no code
    gives one row with code null, a negative example).
    """
    path = Path(path)
    rows = [(rec["text"], code, pol) for rec, code, pol in _parse_rows(path, _read_sheet(path), _codebooks(codebook))]
    return pd.DataFrame(rows, columns=["text", "code", "polarity"]).astype("string")


def _codebooks(codebook) -> list:
    if codebook is None:
        return []
    items = codebook if isinstance(codebook, Iterable) and not isinstance(codebook, (str, Path)) else [codebook]
    return [load_codebook(cb) for cb in items]
