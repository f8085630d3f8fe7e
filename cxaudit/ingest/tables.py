"""Comment tables: CSV (any delimiter), XLSX, JSON and JSONL.

Every row is one document with one participant turn. ``line`` is the row
number as the user sees it: in CSV and XLSX the header is row 1, so the
first data row is 2 (a quoted value spanning several lines is still one
row); in JSONL it is the line number; in JSON it is the record's position in
the list (1 = first record).

Row problems do not stop the file: an empty text, an empty or duplicate id
reject the row; a score that is not a number from 0 to 10 is reported but
the comment is kept with a null score.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
from pathlib import Path
from typing import Any, Iterable

from .base import IngestError, Issue, Parsed, Turn, normalize_text, report_issue
from .decode import read_text
from .spec import InputSpec
from .text import split_lines

__all__ = ["read_table", "sniff_delimiter", "parse_score", "DOC_FIELDS"]

log = logging.getLogger("cxaudit.ingest")

DOC_FIELDS = ("segment", "channel", "date", "wave", "participant")
DELIMITERS = (",", ";", "\t", "|")
JSON_LIST_KEYS = ("records", "data", "comments")
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%Y/%m/%d")

Rows = Iterable[tuple[int, dict[str, Any]]]


def cell_text(value: Any) -> str | None:
    """A cell value as text: None for empty, integers without '.0', dates in ISO 8601, objects as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def iso_date(value: str) -> str:
    """``value`` as an ISO 8601 date(-time) when it is unambiguous, else unchanged."""
    try:
        return dt.datetime.fromisoformat(value).isoformat().removesuffix("T00:00:00")
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return value


def parse_score(value: Any) -> tuple[float | None, str | None]:
    """(score, problem): a number from 0 to 10, or None with what is wrong ('' / None is no score)."""
    text = cell_text(value)
    if text is None or not text.strip():
        return None, None
    try:
        score = float(text.strip().replace(",", "."))
    except ValueError:
        return None, f"score {text.strip()[:30]!r} is not a number"
    if not math.isfinite(score) or not 0 <= score <= 10:
        return None, f"score {text.strip()[:30]!r} is outside 0–10"
    return score, None


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; TAB | that splits the sample's rows into the most, consistent, columns."""
    best, best_key = ",", (False, 1)
    for delim in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim)][:50]
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if not rows or len(rows[0]) < 2:
            continue
        body = rows[1:-1] if len(rows) > 2 else rows[1:]
        consistent = not body or sum(len(r) == len(rows[0]) for r in body) >= 0.8 * len(body)
        key = (consistent, len(rows[0]))
        if key > best_key:
            best, best_key = delim, key
    return best


def _header_names(raw: list[Any]) -> list[str]:
    """Header cells as unique names (blank -> column_N, repeats -> name.1, name.2)."""
    names, seen = [], {}
    for i, value in enumerate(raw, start=1):
        name = (cell_text(value) or "").strip().lstrip("\ufeff") or f"column_{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _csv_rows(path: Path, spec: InputSpec, issues: list[Issue] | None) -> tuple[list[str], Rows]:
    """Header and (row number, record) pairs of a CSV file."""
    text = read_text(path, encoding=spec.encoding)
    delimiter = spec.delimiter or sniff_delimiter(text[:65536])
    if delimiter == "\\t":
        delimiter = "\t"
    log.debug("%s: CSV delimiter %r", path, delimiter)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise IngestError(path, None, f"malformed CSV: {e}") from None
    while records and not any(c.strip() for c in records[0]):
        records.pop(0)
    if not records:
        raise IngestError(path, None, "the CSV has no header row")
    header = _header_names(records[0])

    def rows():
        width = len(header)
        for number, record in enumerate(records[1:], start=2):
            if not "".join(record).strip():  # every cell blank (one join, not a strip per cell)
                continue
            if len(record) > width and "".join(record[width:]).strip():
                report_issue(issues, path, number, f"row has {len(record)} fields but the header has {len(header)} (delimiter {delimiter!r}); row skipped")
                continue
            yield number, dict(zip(header, record))

    return header, rows()


def _xlsx_rows(path: Path, spec: InputSpec, issues: list[Issue] | None) -> tuple[list[str], Rows]:
    """Header and (Excel row number, record) pairs of one XLSX sheet."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # BadZipFile, InvalidFileException, KeyError …
        raise IngestError(path, None, f"not a readable .xlsx file: {type(e).__name__}: {e}") from None
    try:
        if spec.sheet is not None and spec.sheet not in wb.sheetnames:
            raise IngestError(path, None, f"no sheet named {spec.sheet!r}; sheets are: {', '.join(wb.sheetnames)}")
        ws = wb[spec.sheet] if spec.sheet is not None else wb.worksheets[0]
        values = [(i, list(r)) for i, r in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)]
    finally:
        wb.close()
    values = [(i, r) for i, r in values if any(cell_text(v) and cell_text(v).strip() for v in r)]
    if not values:
        raise IngestError(path, None, f"sheet {ws.title!r} is empty")
    header = _header_names(values[0][1])
    return header, ((i, dict(zip(header, r))) for i, r in values[1:])


def _json_rows(path: Path, spec: InputSpec, issues: list[Issue] | None) -> tuple[list[str], Rows]:
    """Keys and (record number, record) pairs of a JSON list (or {'records'|'data'|'comments': [...]})."""
    text = read_text(path, encoding=spec.encoding)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(path, e.lineno, f"malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    if isinstance(data, dict):
        key = next((k for k in JSON_LIST_KEYS if isinstance(data.get(k), list)), None)
        if key is None:
            raise IngestError(path, None, f"expected a list of objects or an object with a 'records', 'data' or 'comments' list; found an object with keys: {', '.join(map(str, list(data)[:10]))}")
        data = data[key]
    if not isinstance(data, list):
        raise IngestError(path, None, f"expected a list of objects; found a JSON {type(data).__name__}")
    return _object_rows(path, enumerate(data, start=1), issues, unit="record")


def _jsonl_rows(path: Path, spec: InputSpec, issues: list[Issue] | None) -> tuple[list[str], Rows]:
    """Keys and (line number, record) pairs of a JSON Lines file; a malformed line is reported and skipped."""
    text = read_text(path, encoding=spec.encoding)
    records = []
    for number, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as e:
            report_issue(issues, path, number, f"malformed JSON line (column {e.colno}: {e.msg}); line skipped")
    if not records:
        raise IngestError(path, None, "no readable JSON lines")
    return _object_rows(path, records, issues, unit="line")


def _object_rows(path, records, issues, *, unit: str) -> tuple[list[str], Rows]:
    """Union of keys (in first-seen order) and the records that are JSON objects."""
    keys: dict[str, None] = {}
    kept = []
    for number, record in records:
        if not isinstance(record, dict):
            report_issue(issues, path, number, f"{unit} {number} is a JSON {type(record).__name__}, expected an object; skipped")
            continue
        keys.update(dict.fromkeys(map(str, record)))
        kept.append((number, {str(k): v for k, v in record.items()}))
    return list(keys), iter(kept)


READERS = {".csv": _csv_rows, ".tsv": _csv_rows, ".xlsx": _xlsx_rows, ".xlsm": _xlsx_rows,
           ".json": _json_rows, ".jsonl": _jsonl_rows, ".ndjson": _jsonl_rows}


def _column(name: str | None, columns: list[str], what: str, path: Path) -> str | None:
    """The column called ``name`` (exact, else case- and space-insensitive); IngestError when absent."""
    if name is None:
        return None
    if name in columns:
        return name
    folded = {c.strip().casefold(): c for c in columns}
    if name.strip().casefold() in folded:
        return folded[name.strip().casefold()]
    raise IngestError(path, 1, f"missing {what} column {name!r}; columns are: {', '.join(columns) or '(none)'}")


def read_table(path: str | Path, spec: InputSpec, *, doc_stem: str, source: str,
               issues: list[Issue] | None = None) -> list[Parsed]:
    """One Parsed document per readable row of a comment table.

    ``doc_stem`` (the file's relative path without suffix) makes doc_ids
    ``f"{doc_stem}:{row}"`` when the input has no ``id_column``. Raises
    IngestError when the file cannot be read or a named column is missing.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise IngestError(path, None, f"unsupported table extension {path.suffix!r}")
    columns, rows = reader(path, spec, issues)
    if spec.text_column is None:
        raise IngestError(path, None, f"no text_column set for this table input; set `text_column` to one of: {', '.join(columns)}")
    text_col = _column(spec.text_column, columns, "text", path)
    id_col = _column(spec.id_column, columns, "id", path)
    score_col = _column(spec.score_column, columns, "score", path)
    meta_cols = [_column(m, columns, "meta", path) for m in spec.meta_columns]
    seen: dict[str, int] = {}
    out: list[Parsed] = []
    for number, record in rows:
        doc = _row_document(number, record, path, spec, text_col, id_col, score_col, meta_cols,
                            doc_stem=doc_stem, source=source, seen=seen, issues=issues)
        if doc is not None:
            out.append(doc)
    return out


def _row_document(number, record, path, spec, text_col, id_col, score_col, meta_cols, *,
                  doc_stem, source, seen, issues) -> Parsed | None:
    """The Parsed document of one row, or None (with an issue reported) when the row is rejected."""
    text = normalize_text(cell_text(record.get(text_col)) or "")
    if not text:
        report_issue(issues, path, number, f"empty text in column {text_col!r}; row skipped")
        return None
    if id_col is not None:
        doc_id = (cell_text(record.get(id_col)) or "").strip()
        if not doc_id:
            report_issue(issues, path, number, f"empty id in column {id_col!r}; row skipped")
            return None
        if doc_id in seen:
            report_issue(issues, path, number, f"duplicate id {doc_id!r} in column {id_col!r} (first on row {seen[doc_id]}); row skipped")
            return None
        seen[doc_id] = number
    else:
        doc_id = f"{doc_stem}:{number}"
    score = None
    if score_col is not None:
        score, problem = parse_score(record.get(score_col))
        if problem:
            report_issue(issues, path, number, f"{problem} in column {score_col!r}; score left empty, comment kept")
    fields, meta = {}, {}
    for col in meta_cols:
        value = cell_text(record.get(col))
        value = value.strip() if value is not None and value.strip() else None
        name = col.strip().casefold()
        if name in DOC_FIELDS:
            fields[name] = iso_date(value) if name == "date" and value else value
        elif value is not None:
            meta[col] = value
    return Parsed(
        doc_id=doc_id, source=source, kind=spec.kind,
        turns=[Turn(None, text, role="participant", line=number)],
        participant=fields.get("participant"), segment=fields.get("segment") or spec.segment,
        channel=fields.get("channel") or spec.channel, wave=fields.get("wave") or spec.wave,
        date=fields.get("date"), score=score, meta=meta,
    )
