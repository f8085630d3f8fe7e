"""Small input writers shared by the ingest tests (files go to pytest's tmp_path)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from cxaudit.ingest import InputSpec, ingest


def write(folder: Path, name: str, content: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``content`` to ``folder/name`` (creating folders) and return the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode(encoding))
    return path


def ingest_one(path: Path, **spec_options):
    """ingest() of a single file or folder with base_dir = its parent folder."""
    spec = InputSpec(path=path.name, base_dir=str(path.parent), **spec_options)
    return ingest([spec])


def make_docx(path: Path, blocks: list) -> Path:
    """Write a .docx built from ``blocks``.

    Each block is a str (plain paragraph), ("bold", label, rest) for a paragraph
    starting with a bold run, ("heading", text), or ("table", rows) with rows a
    list of lists of cell texts.
    """
    import docx

    document = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
        elif block[0] == "bold":
            paragraph = document.add_paragraph()
            paragraph.add_run(block[1]).bold = True
            if block[2]:
                paragraph.add_run(block[2])
        elif block[0] == "heading":
            document.add_heading(block[1], level=1)
        elif block[0] == "table":
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for i, row in enumerate(rows):
                for j, value in enumerate(row):
                    table.rows[i].cells[j].text = value
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def docx_without_document_xml(path: Path) -> Path:
    """A zip with a [Content_Types].xml but no word/document.xml, named .docx."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>")
    return path


def reasons(result) -> list[str]:
    """The rejected reasons of an IngestResult, as plain strings."""
    return [str(r) for r in result.rejected["reason"]]


PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


# --- The per-row comment-table path that ingest() took before the columnar one (issue 8) -------------
# One Parsed per row, then DataFrames of dicts: kept only as the oracle of the equivalence tests.

def reference_ingest(specs, *, roles=None, wave=None):
    """ingest() as it was when every table row became a Parsed document (same frames expected)."""
    from cxaudit.ingest import RoleConfig, frames

    roles = roles or RoleConfig()
    docs, issues, seen = [], [], {}
    for spec in specs:
        _reference_spec(spec, roles, wave, docs, issues, seen)
    return frames(docs, issues)


def _reference_spec(spec, roles, wave, docs, issues, seen) -> None:
    from dataclasses import replace

    from cxaudit.ingest import IngestError, Issue, iter_files
    from cxaudit.ingest.files import load_metadata, resolve

    try:
        files = iter_files(spec)
    except IngestError as e:
        issues.append(Issue(e.path, e.line, e.reason))
        return
    if spec.metadata:
        try:
            load_metadata(spec)
        except IngestError as e:
            issues.append(Issue(e.path, e.line, f"{e.reason}; transcripts read without metadata"))
            spec = replace(spec, metadata=None)
    n_before = len(docs)
    for path in files:
        for doc in _reference_read(path, spec, roles, issues):
            if doc.doc_id in seen:
                line = doc.turns[0].line if doc.turns and spec.id_column else None
                issues.append(Issue(doc.source, line, f"duplicate doc_id {doc.doc_id!r} (already read from {seen[doc.doc_id]}); skipped"))
                continue
            seen[doc.doc_id] = doc.source
            if doc.wave is None:
                doc.wave = wave
            docs.append(doc)
    root = resolve(spec, spec.path)
    if len(docs) == n_before and (root.is_dir() or any(c in spec.path for c in "*?[")):
        n = len(files)
        reason = f"no readable files ({n} file(s) found, none could be read)" if n else "no readable files (the folder is empty once hidden files are skipped)"
        issues.append(Issue(str(root), None, reason))


def _reference_read(path, spec, roles, issues):
    from cxaudit.ingest import IngestError, Issue, read_path
    from cxaudit.ingest.files import document_stem
    from cxaudit.ingest.read import TABLE_EXTENSIONS

    try:
        if path.suffix.lower() in TABLE_EXTENSIONS and path.exists() and not path.is_dir():
            return reference_table(path, spec, doc_stem=document_stem(path, spec), source=str(path), issues=issues)
        return read_path(path, spec, roles=roles, issues=issues)
    except IngestError as e:
        issues.append(Issue(e.path, e.line, e.reason))
    except Exception as e:
        issues.append(Issue(str(path), None, f"unexpected error while reading: {type(e).__name__}: {e}"))
    return []


def _reference_csv_rows(path, spec, issues):
    """Header and (row number, record dict) pairs, parsed through io.StringIO as before."""
    import csv
    import io

    from cxaudit.ingest import IngestError
    from cxaudit.ingest.base import report_issue
    from cxaudit.ingest.decode import read_text
    from cxaudit.ingest.tables import _header_names, sniff_delimiter

    text = read_text(path, encoding=spec.encoding)
    delimiter = spec.delimiter or sniff_delimiter(text[:65536])
    delimiter = "\t" if delimiter == "\\t" else delimiter
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
            if not "".join(record).strip():
                continue
            if len(record) > width and "".join(record[width:]).strip():
                report_issue(issues, path, number, f"row has {len(record)} fields but the header has {len(header)} (delimiter {delimiter!r}); row skipped")
                continue
            yield number, dict(zip(header, record))

    return header, rows()


def _reference_rows(path, spec, issues):
    """(header, (row number, record dict) pairs) of any table: CSV as before, others from today's readers."""
    from cxaudit.ingest.tables import READERS

    if path.suffix.lower() in (".csv", ".tsv"):
        return _reference_csv_rows(path, spec, issues)
    table = READERS[path.suffix.lower()](path, spec, issues)
    pairs = ((n, dict(zip(table.columns, r)) if table.by_position else r)
             for numbers, records in table.batches for n, r in zip(numbers, records))
    return table.columns, pairs


def reference_table(path, spec, *, doc_stem, source, issues=None):
    """One Parsed per readable row, as read_table did before the columnar path."""
    from cxaudit.ingest import IngestError
    from cxaudit.ingest.tables import _column

    columns, rows = _reference_rows(Path(path), spec, issues)
    if spec.text_column is None:
        raise IngestError(path, None, f"no text_column set for this table input; set `text_column` to one of: {', '.join(columns)}")
    cols = (_column(spec.text_column, columns, "text", path), _column(spec.id_column, columns, "id", path),
            _column(spec.score_column, columns, "score", path), [_column(m, columns, "meta", path) for m in spec.meta_columns])
    seen: dict[str, int] = {}
    docs = [_reference_row(number, record, path, spec, *cols, doc_stem=doc_stem, source=source, seen=seen, issues=issues)
            for number, record in rows]
    return [doc for doc in docs if doc is not None]


def _reference_row(number, record, path, spec, text_col, id_col, score_col, meta_cols, *, doc_stem, source, seen, issues):
    from cxaudit.ingest import Parsed, Turn, normalize_text
    from cxaudit.ingest.base import report_issue
    from cxaudit.ingest.tables import DOC_FIELDS, cell_text, iso_date, parse_score

    text = normalize_text(cell_text(record.get(text_col)) or "")  # "" is an answer without a comment: kept
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
    return Parsed(doc_id=doc_id, source=source, kind=spec.kind, turns=[Turn(None, text, role="participant", line=number)],
                  participant=fields.get("participant"), segment=fields.get("segment") or spec.segment,
                  channel=fields.get("channel") or spec.channel, wave=fields.get("wave") or spec.wave,
                  date=fields.get("date"), score=score, meta=meta)


def assert_same_result(result, expected) -> None:
    """The three tables of two IngestResults are equal: values, dtypes, order and index."""
    import pandas as pd

    for name in ("documents", "turns", "rejected"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(expected, name), check_exact=True, obj=name)
