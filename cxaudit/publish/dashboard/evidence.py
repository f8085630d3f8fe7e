"""Quote tables and downloads, rendered safely.

Everything that comes from the data is escaped with :func:`html.escape`
before it is put in HTML: the clue is highlighted by escaping the text
before, inside and after the ``<mark>`` separately and joining them.
Spreadsheet downloads are formula-safe (cells starting with ``= + - @`` and
tab/CR get a leading apostrophe) and file names are reduced to a safe
character set.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re

import pandas as pd

from cxaudit.publish.charts.palette import VALENCE_COLORS

__all__ = [
    "highlight",
    "highlight_spans",
    "context_html",
    "chips_html",
    "format_timestamp",
    "valence_badge",
    "evidence_html",
    "evidence_export",
    "formula_safe",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "download_link",
    "safe_filename",
    "VALENCE_FACES",
]

#: valence -> (face, label) shown as "emotion at a glance".
VALENCE_FACES = {
    "negative": ("\u2639", "negative"),
    "neutral": ("\U0001F610", "neutral"),
    "positive": ("\u263A", "positive"),
    "mixed": ("\u2194", "mixed"),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EXPORT_COLUMNS = ["quote", "clues", "codes", "valence", "polarity", "speaker", "participant", "doc_id", "source",
                   "timestamp", "wave", "segment", "kind", "sentence_id", "feeling_from_next_sentence"]
#: Said before the next sentence of a quote whose clue took its feeling from it (``context_after``).
CONTEXT_LABEL = "feeling from the next sentence:"


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def highlight(sentence: str, start, end) -> str:
    """HTML of ``sentence`` with ``sentence[start:end]`` in ``<mark>``, every part escaped.

    Offsets that are missing or out of range leave the sentence unmarked.
    """
    text = "" if _is_missing(sentence) else str(sentence)
    if _is_missing(start) or _is_missing(end):
        return html.escape(text)
    start, end = int(start), int(end)
    if not (0 <= start < end <= len(text)):
        return html.escape(text)
    return (html.escape(text[:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>"
            + html.escape(text[end:]))


def highlight_spans(sentence, spans) -> str:
    """HTML of ``sentence`` with every (start, end) of ``spans`` in ``<mark>`` (overlaps merged), every part escaped."""
    text = "" if _is_missing(sentence) else str(sentence)
    good = sorted((int(a), int(b)) for a, b in (spans or ())
                  if not (_is_missing(a) or _is_missing(b)) and 0 <= int(a) < int(b) <= len(text))
    merged: list[list[int]] = []
    for a, b in good:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out.append(html.escape(text[pos:a]) + "<mark>" + html.escape(text[a:b]) + "</mark>")
        pos = b
    return "".join(out) + html.escape(text[pos:])


def chips_html(chips) -> str:
    """One chip per code: its label in its clue type's colour, the code id as tooltip (escaped)."""
    out = []
    for label, clue_type, code in chips or ():
        out.append(f'<span class="cx-chip cx-{html.escape(str(clue_type), quote=True)}" '
                   f'title="{html.escape(str(code), quote=True)}">{html.escape(str(label))}</span>')
    return " ".join(out)


def format_timestamp(seconds) -> str:
    """``mm:ss`` (``h:mm:ss`` past an hour) for a turn start; empty when unknown."""
    if _is_missing(seconds) or float(seconds) < 0:
        return ""
    total = int(float(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def valence_badge(valence) -> str:
    """A coloured face for a valence (HTML; the valence is escaped)."""
    key = "neutral" if _is_missing(valence) else str(valence)
    face, label = VALENCE_FACES.get(key, ("?", key))
    color = VALENCE_COLORS.get(key, VALENCE_COLORS["neutral"])
    return (f'<span class="cx-face" style="color:{html.escape(color, quote=True)}" '
            f'title="{html.escape(label, quote=True)}">{face}</span>')


def context_html(context) -> str:
    """The sentence after a quote, when its clue's feeling was read there (``context_after``), muted and escaped;
    "" when there is none. A reader who sees "Promised a call back within 48 hours." marked negative sees
    "Never came." beside it and why."""
    if _is_missing(context) or not str(context).strip():
        return ""
    return (f' <span class="cx-context" title="The clue in this quote has no feeling in its own sentence; '
            f'it was read in the sentence that follows">{html.escape(CONTEXT_LABEL)} '
            f'\u201c{html.escape(str(context))}\u201d</span>')


def _cell(value) -> str:
    return "" if _is_missing(value) else html.escape(str(value))


def evidence_html(page: pd.DataFrame, *, offset: int = 0, total: int | None = None, sort: str = "most typical",
                  empty: str = "No quotes for this selection.") -> str:
    """The quote table of one page (HTML string, all data escaped): one row per sentence.

    In: rows of :meth:`AuditData.evidence`. Each row shows emotion, the
    sentence with its clues highlighted, all its codes of the lens as chips,
    speaker, participant, document and timestamp.
    """
    if page is None or not len(page):
        return f'<div class="cx-empty">{html.escape(empty)}</div>'
    total = len(page) if total is None else total
    rows = []
    for r in page.to_dict("records"):
        rows.append(
            f'<tr class="cx-quote cx-{_cell(r.get("valence"))}">'
            f'<td>{valence_badge(r.get("valence"))}</td>'
            f'<td class="cx-sentence">{highlight_spans(r.get("sentence"), r.get("spans"))}'
            f'{context_html(r.get("context_after"))}</td>'
            f'<td class="cx-chips">{chips_html(r.get("chips"))}</td>'
            f'<td>{_cell(r.get("speaker"))}</td><td>{_cell(r.get("participant"))}</td>'
            f'<td title="{_cell(r.get("source"))}">{_cell(r.get("doc_id"))}</td>'
            f'<td>{html.escape(format_timestamp(r.get("start_s")))}</td></tr>'
        )
    head = ("<tr><th></th><th>Quote (clues highlighted)</th><th>Codes</th><th>Speaker</th>"
            "<th>Participant</th><th>Document</th><th>Time</th></tr>")
    word = "quote" if total == 1 else "quotes"
    caption = (f"{word.capitalize()} {offset + 1:,}\u2013{offset + len(page):,} of {total:,} ({word}: one row per "
               f"sentence, with all its codes), {html.escape(sort)} first")
    return (f'<table class="cx-evidence"><caption>{caption}</caption><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def evidence_export(rows: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows (one per sentence) as a download table (quote, clues, codes, … timestamp as mm:ss)."""
    out = pd.DataFrame({
        "quote": rows["sentence"],
        "clues": ["; ".join(str(s)[int(a):int(b)] for a, b in (sp or ()) if not _is_missing(s))
                  for s, sp in zip(rows["sentence"], rows["spans"])],
    })
    for col in _EXPORT_COLUMNS[2:]:
        if col == "timestamp":
            out[col] = [format_timestamp(v) for v in rows["start_s"]]
        elif col == "feeling_from_next_sentence":
            out[col] = rows["context_after"].to_numpy() if "context_after" in rows else None
        else:
            out[col] = rows[col].to_numpy() if col in rows else None
    return out


def formula_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` where text cells starting with ``= + - @`` (or tab/CR) get a leading ``'``."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [("'" + v) if isinstance(v, str) and v.startswith(_FORMULA_START) else v
                        for v in out[col]]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Formula-safe CSV (UTF-8 with BOM so spreadsheet programs read the accents)."""
    return formula_safe(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, *, sheet: str = "evidence") -> bytes:
    """Formula-safe XLSX; every cell is written as a value, never as a formula."""
    from openpyxl import Workbook  # only an XLSX download needs it (0.2 s to import, not at dashboard start)

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    safe = formula_safe(df)
    ws.append([str(c) for c in safe.columns])
    for row in safe.itertuples(index=False):
        cells = []
        for v in row:
            v = None if _is_missing(v) else v
            if isinstance(v, str):
                v = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", v)
            cells.append(v)
        ws.append(cells)
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # belt and braces: never a formula
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def safe_filename(name: str, *, default: str = "download") -> str:
    """A file name made of letters, digits, ``._-`` only (no path, no markup)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-.")
    return stem[:120] or default


def download_link(data: bytes, filename: str, mime: str, label: str) -> str:
    """An ``<a download>`` link carrying ``data`` as a base64 ``data:`` URI (attributes escaped)."""
    b64 = base64.b64encode(data).decode("ascii")
    name = safe_filename(filename)
    return (f'<a class="cx-download" download="{html.escape(name, quote=True)}" '
            f'href="data:{html.escape(mime, quote=True)};base64,{b64}">{html.escape(label)}</a>')
