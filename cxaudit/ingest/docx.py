"""DOCX transcripts (python-docx).

Three layouts are read, also mixed in one document:

* paragraphs with a ``Speaker: text`` prefix (as in plain text);
* a bold run at the start of a paragraph naming the speaker (**Interviewer** How …),
  or a bold-only paragraph naming the speaker, followed by text paragraphs;
* tables of speaker | text, with an optional timestamp column; a header row
  that says speaker/text is skipped.

Paragraphs styled as Title or Heading are not speech and are skipped. The
``line`` of a turn is the number of its paragraph in the document body
(every table row counts as one paragraph).
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

from .base import IngestError, Turn
from .spec import RoleConfig
from .text import TS, Line, _HEADER, _label_ok, assemble, parse_timestamp, scan_line

__all__ = ["parse_docx"]

log = logging.getLogger("cxaudit.ingest")

_LABEL_CHARS = re.compile(r"^[^\W\d_][\w .'’&()/#\-]*$")
_TS_ONLY = re.compile(rf"^[\[(]?{TS}[\])]?$")
_SPEAKER_HEADS = {"speaker", "name", "who", "role", "person", "speaker name"}
_TEXT_HEADS = {"text", "transcript", "utterance", "speech", "content", "what was said", "dialogue", "said"}
_TIME_HEADS = {"time", "timestamp", "start", "start time", "time code", "timecode"}


def _open(path: str | Path):
    """The python-docx Document at ``path``; IngestError with the reason when it cannot be opened."""
    import docx  # python-docx; imported here so the rest of ingest does not need it

    if not zipfile.is_zipfile(path):
        raise IngestError(path, None, "corrupt .docx: not a zip archive (an old .doc, or a renamed file?)")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError) as e:
        raise IngestError(path, None, f"corrupt .docx: unreadable zip archive ({e})") from None
    if "word/document.xml" not in names:
        raise IngestError(path, None, "corrupt .docx: the archive has no word/document.xml (not a Word document?)")
    try:
        return docx.Document(str(path))
    except zipfile.BadZipFile:
        raise IngestError(path, None, "corrupt .docx: not a zip archive (an old .doc, or a renamed file?)") from None
    except KeyError as e:
        raise IngestError(path, None, f"corrupt .docx: missing part {e} in the archive (word/document.xml expected)") from None
    except Exception as e:  # python-docx raises several types for broken packages
        raise IngestError(path, None, f"corrupt .docx: {type(e).__name__}: {e}") from None


def _is_bold(run, paragraph) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    style_bold = run.style.font.bold if run.style is not None else None
    if style_bold is not None:
        return bool(style_bold)
    return bool(paragraph.style is not None and paragraph.style.font.bold)


def _paragraph_line(number: int, paragraph) -> Line | None:
    """A Line for one paragraph (bold label or plain scan); None for headings and titles."""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.startswith(("Heading", "Title", "Subtitle")):
        return None
    text = paragraph.text
    bold = []
    for run in paragraph.runs:
        if run.text.strip() and not _is_bold(run, paragraph):
            break
        bold.append(run.text)
    prefix = "".join(bold).strip()
    if prefix:
        label = prefix.rstrip(":").strip()
        ts = None
        m = _HEADER.match(label)
        if m:
            label, ts = m["label"].strip(), parse_timestamp(m["ts"])
        rest = "".join(r.text for r in paragraph.runs[len(bold):]).strip().lstrip(":").strip()
        if label and _label_ok(label) and _LABEL_CHARS.match(label):
            return Line(number, text.strip(), label, rest, ts, header=not rest)
    return scan_line(number, text)


def _column_roles(rows: list[list[str]]) -> tuple[int | None, int, int | None, bool]:
    """(speaker column, text column, time column, has header row) of a transcript table."""
    head = [c.strip().casefold() for c in rows[0]]
    if any(h in _SPEAKER_HEADS for h in head) and any(h in _TEXT_HEADS for h in head):
        spk = next(i for i, h in enumerate(head) if h in _SPEAKER_HEADS)
        txt = next(i for i, h in enumerate(head) if h in _TEXT_HEADS)
        tim = next((i for i, h in enumerate(head) if h in _TIME_HEADS), None)
        return spk, txt, tim, True
    n = len(rows[0])
    tim = next((j for j in range(n) if all(_TS_ONLY.match(r[j].strip()) for r in rows if j < len(r) and r[j].strip())
                and any(j < len(r) and r[j].strip() for r in rows)), None)
    others = [j for j in range(n) if j != tim]
    return others[0], others[-1], tim, False


def _table_lines(start: int, table) -> list[Line]:
    """Lines for a speaker | text table whose first row is paragraph ``start``."""
    numbered = [(start + i, [cell.text for cell in row.cells]) for i, row in enumerate(table.rows)]
    numbered = [(i, r) for i, r in numbered if any(c.strip() for c in r)]
    if not numbered:
        return []
    rows = [r for _, r in numbered]
    if len(rows[0]) < 2:
        return [scan_line(i, r[0]) for i, r in numbered]
    spk, txt, tim, has_header = _column_roles(rows)
    lines = []
    for i, row in numbered[1:] if has_header else numbered:
        speaker = row[spk].strip() if spk < len(row) else ""
        text = row[txt].strip() if txt < len(row) else ""
        stamp = row[tim].strip().strip("[]()") if tim is not None and tim < len(row) else ""
        ts = parse_timestamp(stamp) if stamp else None
        if speaker:
            lines.append(Line(i, text, speaker, text, ts, header=not text, stamped=ts is not None, explicit=True))
        else:
            lines.append(Line(i, text, start_s=ts, stamped=ts is not None))
    return lines


def parse_docx(path: str | Path, roles: RoleConfig) -> list[Turn]:
    """Turns of a DOCX transcript (speakers as written; roles not yet set).

    Raises IngestError for a corrupt file or a document without text.
    """
    from docx.table import Table

    document = _open(path)
    lines: list[Line] = []
    number = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            table_lines = _table_lines(number + 1, block)
            lines += table_lines
            number += max(len(block.rows), 1)
        else:
            number += 1
            line = _paragraph_line(number, block)
            if line is not None:
                lines.append(line)
    if not any(ln.plain or ln.rest for ln in lines):
        raise IngestError(path, None, "the document has no text (no paragraphs or table cells with text)")
    return assemble(lines, roles)
