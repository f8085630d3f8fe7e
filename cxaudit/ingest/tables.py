"""Comment tables: CSV (any delimiter), XLSX, JSON and JSONL.

Every row is one document with one participant turn. ``line`` is the row
number as the user sees it: in CSV and XLSX the header is row 1, so the
first data row is 2 (a quoted value spanning several lines is still one
row); in JSONL it is the line number; in JSON it is the record's position in
the list (1 = first record).

Row problems do not stop the file: an empty or duplicate id rejects the row;
a score that is not a number from 0 to 10 is reported but the comment is
kept with a null score. An empty text is a survey answer without a comment:
the row is kept as a document whose turn has no text (its score counts). An
XLSX text cell holding a formula without a saved value rejects its row with
that reason.

The readers here give batches of rows; ``columns.py`` turns them into the
``documents``/``turns`` columns (no ``Parsed`` per row: 1M comments read in
seconds). :func:`read_table` gives one ``Parsed`` per row for ``read_path``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass
from itertools import chain, compress, islice
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from .base import CONFIG, UNREADABLE, IngestError, Issue, Parsed, Turn, report_issue
from .columns import DOC_FIELDS, Layout, cell_text, column_batches, comment_frames, iso_date, parse_score
from .decode import read_text
from .spec import InputSpec
from .text import split_lines

__all__ = ["read_table", "read_comment_frames", "sniff_delimiter", "parse_score", "cell_text", "iso_date", "DOC_FIELDS"]

log = logging.getLogger("cxaudit.ingest")

DELIMITERS = (",", ";", "\t", "|")
JSON_LIST_KEYS = ("records", "data", "comments")

#: Longest CSV cell read (characters): a whole transcript pasted into one cell is a comment like any other.
_FIELD_LIMIT = 2**31 - 1
BATCH_ROWS = 50_000  # rows turned into columns at a time: bounds the Python objects alive at once
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


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


@dataclass
class Table:
    """What a table reader returns: column names and batches of rows, in row order.

    A batch is (row numbers, records): records are lists of cell values in
    column order when ``by_position`` (CSV, XLSX; a short list lacks the last
    cells), else dicts keyed by column (JSON). ``delimiter`` is set for CSV
    only: its rows wider than the header are rejected, and its cells are all str.
    """

    columns: list[str]
    batches: Iterator[tuple[list[int], list]]
    by_position: bool = False
    delimiter: str | None = None


def _batched(rows: list[tuple[int, Any]]) -> Iterator[tuple[list[int], list]]:
    """(row numbers, records) batches of at most BATCH_ROWS (row number, record) pairs."""
    for start in range(0, len(rows), BATCH_ROWS):
        chunk = rows[start:start + BATCH_ROWS]
        yield [n for n, _ in chunk], [r for _, r in chunk]


def _physical_lines(text: str) -> Iterator[str]:
    """Lines of ``text`` with their \\n, \\r\\n or \\r ends, as ``io.StringIO(text, newline="")`` gives
    them, without its copy of the whole text at 4 bytes per character."""
    return chain.from_iterable(map(_piece_lines, _pieces(text)))


def _pieces(text: str, size: int = 1 << 20) -> Iterator[str]:
    """``text`` in pieces of about ``size`` characters, each cut just after a \\n."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + size) + 1 or len(text)
        yield text[start:end]
        start = end


def _piece_lines(piece: str) -> list[str]:
    """Lines of ``piece`` split on \\n, \\r\\n and \\r only: ``str.splitlines`` unless the piece has
    other characters it splits on (\\v, \\f, \\x1c-\\x1e, \\x85, \\u2028, \\u2029)."""
    lines = piece.splitlines(keepends=True)
    breaks = piece.count("\n") + piece.count("\r") - piece.count("\r\n")
    if len(lines) == breaks + (not piece.endswith(("\n", "\r"))):
        return lines
    return [m.group() for m in _LINE.finditer(piece)]


def _csv_rows(path: Path, spec: InputSpec, issues: list[Issue] | None) -> Table:
    """Header and batches of (row numbers, record lists) of a CSV file, parsed lazily; blank records skipped."""
    text = read_text(path, encoding=spec.encoding)
    delimiter = spec.delimiter or sniff_delimiter(text[:65536])
    if delimiter == "\\t":
        delimiter = "\t"
    log.debug("%s: CSV delimiter %r", path, delimiter)
    if csv.field_size_limit() < _FIELD_LIMIT:  # the csv module's default (131,072) rejects long comments
        csv.field_size_limit(_FIELD_LIMIT)
    records = csv.reader(_physical_lines(text), delimiter=delimiter)
    try:
        first = next((r for r in records if any(c.strip() for c in r)), None)
    except csv.Error as e:
        raise IngestError(path, None, f"malformed CSV: {e}") from None
    if first is None:
        raise IngestError(path, None, "the CSV has no header row")

    def batches():
        number = 2
        try:
            while chunk := list(islice(records, BATCH_ROWS)):
                numbers = range(number, number + len(chunk))
                number += len(chunk)
                filled = list(map(str.strip, map("".join, chunk)))  # "" when every cell is blank
                if all(filled):
                    yield list(numbers), chunk
                else:
                    yield list(compress(numbers, filled)), list(compress(chunk, filled))
        except csv.Error as e:
            raise IngestError(path, None, f"malformed CSV: {e}") from None

    return Table(_header_names(first), batches(), by_position=True, delimiter=delimiter)


def _xlsx_rows(path: Path, spec: InputSpec, issues: list[Issue] | None) -> Table:
    """Header and batches of (Excel row numbers, row lists) of one XLSX sheet."""
    values, title = _xlsx_values(path, spec, data_only=True)
    blank = [not any(cell_text(v) and cell_text(v).strip() for v in r) for _, r in values]
    first = blank.index(False) if False in blank else None
    if first is None:
        raise IngestError(path, None, f"sheet {title!r} is empty")
    header = _header_names(values[first][1])
    formulas = _unsaved_formulas(path, spec, values[first + 1:], header)
    for number in sorted(formulas):
        report_issue(issues, path, number, f"formula without a saved value in column {spec.text_column!r}: open and "
                                           "save the file in Excel, or export the sheet as CSV; row skipped")
    rows = [(i, r) for (i, r), b in zip(values[first + 1:], blank[first + 1:]) if not b and i not in formulas]
    return Table(header, _batched(rows), by_position=True)


def _xlsx_values(path: Path, spec: InputSpec, *, data_only: bool) -> tuple[list[tuple[int, list]], str]:
    """(Excel row number, cell values) of every row of the input's sheet, and the sheet's title.
    ``data_only``: formulas give their saved value (None when the file has none), else their text."""
    import openpyxl  # lazy: only .xlsx inputs need openpyxl (0.2 s to import)

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except OSError as e:
        raise IngestError(path, None, f"cannot read file: {e.strerror or e}", kind=UNREADABLE) from None
    except Exception as e:  # BadZipFile, InvalidFileException, KeyError …
        raise IngestError(path, None, f"not a readable .xlsx file: {type(e).__name__}: {e}") from None
    try:
        if spec.sheet is not None and spec.sheet not in wb.sheetnames:
            raise IngestError(path, None, f"no sheet named {spec.sheet!r}; sheets are: {', '.join(wb.sheetnames)}")
        ws = wb[spec.sheet] if spec.sheet is not None else wb.worksheets[0]
        return [(i, list(r)) for i, r in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)], ws.title
    finally:
        wb.close()


def _unsaved_formulas(path: Path, spec: InputSpec, rows: list[tuple[int, list]], header: list[str]) -> set[int]:
    """Row numbers whose text cell is a formula without a saved value (a file written by a program,
    never opened and saved in Excel): openpyxl gives None for them, which would read as an empty answer.
    The sheet is read a second time, formulas as text, only when some text cell is empty."""
    try:
        k = header.index(_column(spec.text_column, header, "text", path)) if spec.text_column else None
    except IngestError:
        return set()  # reported by read_comment_frames
    if k is None:
        return set()
    empty = {i for i, r in rows if k >= len(r) or not (cell_text(r[k]) or "").strip()}
    if not empty:
        return set()
    raw = dict(_xlsx_values(path, spec, data_only=False)[0])
    return {i for i in empty if i in raw and k < len(raw[i]) and isinstance(raw[i][k], str)
            and raw[i][k].startswith("=")}


def _json_rows(path: Path, spec: InputSpec, issues: list[Issue] | None) -> Table:
    """Keys and batches of (record numbers, records) of a JSON list (or {'records'|'data'|'comments': [...]})."""
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


def _jsonl_rows(path: Path, spec: InputSpec, issues: list[Issue] | None) -> Table:
    """Keys and batches of (line numbers, records) of a JSON Lines file; a malformed line is reported and skipped."""
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


def _object_rows(path, records, issues, *, unit: str) -> Table:
    """Union of keys (in first-seen order) and the records that are JSON objects."""
    keys: dict[str, None] = {}
    kept = []
    for number, record in records:
        if not isinstance(record, dict):
            report_issue(issues, path, number, f"{unit} {number} is a JSON {type(record).__name__}, expected an object; skipped")
            continue
        keys.update(dict.fromkeys(map(str, record)))
        kept.append((number, {str(k): v for k, v in record.items()}))
    return Table(list(keys), _batched(kept))


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
    raise IngestError(path, 1, f"missing {what} column {name!r}; columns are: {', '.join(columns) or '(none)'}",
                      kind=CONFIG)


def read_comment_frames(path: str | Path, spec: InputSpec, *, doc_stem: str, source: str,
                        issues: list[Issue] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``documents`` and ``turns`` tables (schemas.DOCUMENTS and TURNS, one participant turn per
    document) of the readable rows of a comment table, built column by column in batches.

    ``doc_stem`` (the file's relative path without suffix) makes doc_ids
    ``f"{doc_stem}:{row}"`` when the input has no ``id_column``. Row problems
    are reported to ``issues`` in row order, after the reader's own. Raises
    IngestError when the file cannot be read or a named column is missing.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise IngestError(path, None, f"unsupported table extension {path.suffix!r}")
    table = reader(path, spec, issues)
    try:
        if spec.text_column is None:
            raise IngestError(path, None, f"no text_column set for this table input; set `text_column` to one of: "
                                          f"{', '.join(table.columns)}", kind=CONFIG)
        layout = Layout(_column(spec.text_column, table.columns, "text", path), _column(spec.id_column, table.columns, "id", path),
                        _column(spec.score_column, table.columns, "score", path),
                        [_column(m, table.columns, "meta", path) for m in spec.meta_columns],
                        header=table.columns if table.by_position else None, delimiter=table.delimiter)
    except IngestError:
        for _ in table.batches:  # a malformed CSV is reported as such, whatever else is wrong
            pass
        raise
    pending: list[tuple[int, str]] = []
    batches = column_batches(table.batches, layout, spec, doc_stem=doc_stem, pending=pending)
    pending.sort(key=itemgetter(0))  # at most one problem per row, so this is row order
    for line, reason in pending:
        report_issue(issues, path, line, reason)
    return comment_frames(batches, source=source, kind=spec.kind)


def read_table(path: str | Path, spec: InputSpec, *, doc_stem: str, source: str,
               issues: list[Issue] | None = None) -> list[Parsed]:
    """One Parsed document per readable row of a comment table (see :func:`read_comment_frames`)."""
    documents, turns = read_comment_frames(path, spec, doc_stem=doc_stem, source=source, issues=issues)
    docs = documents.astype(object).where(documents.notna(), None).to_dict("records")
    lines, texts = turns["line"].tolist(), turns["text"].tolist()
    for doc, line, text in zip(docs, lines, texts):
        del doc["content_hash"]
        doc["meta"] = json.loads(doc["meta"]) if doc["meta"] is not None else {}
        doc["turns"] = [Turn(None, text, role="participant", line=line)]
    return [Parsed(**doc) for doc in docs]
