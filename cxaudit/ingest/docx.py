"""DOCX transcripts, read with the standard library (zipfile and xml.etree).

Three layouts are read, also mixed in one document:

* paragraphs with a ``Speaker: text`` prefix (as in plain text);
* a bold run at the start of a paragraph naming the speaker (**Interviewer** How …),
  or a bold-only paragraph naming the speaker, followed by text paragraphs;
* tables of speaker | text, with an optional timestamp column; a header row
  that says speaker/text is skipped.

Paragraphs styled as Title or Heading are not speech and are skipped. The
``line`` of a turn is the number of its paragraph in the document body
(every table row counts as one paragraph).

A .docx is a zip of XML parts; what a transcript needs of it is small: the body's paragraphs and tables
in order, each paragraph's runs (their text and whether they are bold) and style, and the cells of each
table row. This module reads exactly that, the way python-docx 1.2 reads it (the same text of runs,
hyperlinks, tabs and breaks, the same style defaults, merged cells repeated), so that the core install
needs neither python-docx nor lxml (~15 MB; issue 18). ``tests/test_ingest_docx.py`` checks it against
python-docx itself (the ``test`` extra) on documents python-docx writes.
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

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

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
# styles.xml names a few built-in styles in lower case; Word (and python-docx) show them capitalised
_UI_NAMES = {"caption": "Caption", "footer": "Footer", "header": "Header",
             **{f"heading {i}": f"Heading {i}" for i in range(1, 10)}}


# --------------------------------------------------------------------------- reading the package


@dataclass
class _Style:
    name: str
    bold: bool | None  # the style's own w:rPr/w:b (not inherited through basedOn, as python-docx)


@dataclass
class _Styles:
    by_id: dict[tuple[str, str], _Style] = field(default_factory=dict)  # (type, styleId) -> style
    default: dict[str, _Style] = field(default_factory=dict)  # type -> the last style marked default

    def get(self, style_id: str | None, kind: str) -> _Style | None:
        """The style ``style_id`` of type ``kind``; the type's default when absent, unknown or of another type."""
        return self.by_id.get((kind, style_id or ""), self.default.get(kind))


@dataclass
class _Run:
    text: str
    bold: bool | None
    style: _Style | None


@dataclass
class _Paragraph:
    text: str  # runs and hyperlinks, as Word shows the paragraph
    runs: list[_Run]  # the paragraph's own runs (not those inside hyperlinks)
    style: _Style | None


@dataclass
class _Table:
    rows: list[list[str]]  # the text of each cell; a cell spanning n grid columns n times


def _on_off(element: ET.Element | None) -> bool | None:
    """A w:b-like element: None when absent, else its w:val (absent = on)."""
    if element is None:
        return None
    return element.get(f"{_W}val", "true").lower() not in ("0", "false", "off")


def _on_off_attr(value: str | None) -> bool:
    """An on/off attribute such as a style's w:default (absent = off)."""
    return value is not None and value.lower() in ("1", "true", "on")


#: Largest part of a .docx read, decompressed (a 1,000-page transcript's document.xml is ~40 MB);
#: a larger one is refused, so a zip bomb cannot fill the memory.
MAX_PART_BYTES = 512 * 1024 * 1024


def _xml(z: zipfile.ZipFile, name: str) -> ET.Element:
    with z.open(name) as fh:
        data = fh.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise ValueError(f"{name} is larger than {MAX_PART_BYTES // 2**20} MiB decompressed (a zip bomb?)")
    return ET.fromstring(data)


def _target(z: zipfile.ZipFile, rels_name: str, rel_type: str, base: str) -> str | None:
    """The part a relationship of ``rel_type`` in ``rels_name`` points at (a name in the zip), if any."""
    if rels_name not in z.namelist():
        return None
    for rel in _xml(z, rels_name).iter(_REL):
        if rel.get("Type") == rel_type and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
    return None


def _read_styles(root: ET.Element | None) -> _Styles:
    styles = _Styles()
    for s in root.iter(f"{_W}style") if root is not None else ():
        kind = s.get(f"{_W}type", "paragraph")
        name_el = s.find(f"{_W}name")
        name = name_el.get(f"{_W}val", "") if name_el is not None else ""
        style = _Style(_UI_NAMES.get(name, name), _on_off(s.find(f"{_W}rPr/{_W}b")))
        styles.by_id.setdefault((kind, s.get(f"{_W}styleId", "")), style)
        if _on_off_attr(s.get(f"{_W}default")):
            styles.default[kind] = style
    return styles


def _run_text(r: ET.Element) -> str:
    out = []
    for e in r:
        tag = e.tag
        if tag == f"{_W}t":
            out.append(e.text or "")
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            out.append("\t")
        elif tag == f"{_W}cr" or (tag == f"{_W}br" and e.get(f"{_W}type", "textWrapping") == "textWrapping"):
            out.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            out.append("-")
    return "".join(out)


def _paragraph(p: ET.Element, styles: _Styles) -> _Paragraph:
    style_el = p.find(f"{_W}pPr/{_W}pStyle")
    style = styles.get(style_el.get(f"{_W}val") if style_el is not None else None, "paragraph")
    runs, parts = [], []
    for child in p:
        if child.tag == f"{_W}r":
            rstyle = child.find(f"{_W}rPr/{_W}rStyle")
            run = _Run(_run_text(child), _on_off(child.find(f"{_W}rPr/{_W}b")),
                       styles.get(rstyle.get(f"{_W}val") if rstyle is not None else None, "character"))
            runs.append(run)
            parts.append(run.text)
        elif child.tag == f"{_W}hyperlink":
            parts.extend(_run_text(r) for r in child.findall(f"{_W}r"))
    return _Paragraph("".join(parts), runs, style)


def _cell_text(tc: ET.Element, styles: _Styles) -> str:
    return "\n".join(_paragraph(p, styles).text for p in tc.findall(f"{_W}p"))


def _table(tbl: ET.Element, styles: _Styles) -> _Table:
    """The rows of a table: each w:tc once per grid column it spans; a vertically merged continuation
    cell repeats the text of the cell it continues (at the same grid column in the row above)."""
    rows: list[list[str]] = []
    above: dict[int, tuple[str, int]] = {}  # grid column -> (text, span) of the cell there in the row above
    for tr in tbl.findall(f"{_W}tr"):
        before = tr.find(f"{_W}trPr/{_W}gridBefore")
        col = int(before.get(f"{_W}val", "0")) if before is not None and before.get(f"{_W}val", "0").isdigit() else 0
        cells, here = [], {}
        for tc in tr.findall(f"{_W}tc"):
            span_el = tc.find(f"{_W}tcPr/{_W}gridSpan")
            span_val = span_el.get(f"{_W}val", "1") if span_el is not None else "1"
            span = max(int(span_val), 1) if span_val.isdigit() else 1
            merge = tc.find(f"{_W}tcPr/{_W}vMerge")
            if merge is not None and merge.get(f"{_W}val", "continue") == "continue" and col in above:
                text, span = above[col]
            else:
                text = _cell_text(tc, styles)
            cells.extend([text] * span)
            here[col] = (text, span)
            col += span
        rows.append(cells)
        above = here
    return _Table(rows)


def _open(path: str | Path) -> list[_Paragraph | _Table]:
    """The body of the .docx at ``path``, paragraphs and tables in order; IngestError with the reason when
    it cannot be read."""
    if not zipfile.is_zipfile(path):
        raise IngestError(path, None, "corrupt .docx: not a zip archive (an old .doc, or a renamed file?)")
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            main = _target(z, "_rels/.rels", _OFFICE_DOCUMENT, "")
            if main not in names:
                main = "word/document.xml"
            if main not in names:
                raise IngestError(path, None,
                                  "corrupt .docx: the archive has no word/document.xml (not a Word document?)")
            folder, file = posixpath.split(main)
            styles_name = _target(z, posixpath.join(folder, "_rels", file + ".rels"), _STYLES, folder)
            styles = _read_styles(_xml(z, styles_name) if styles_name in names else None)
            body = _xml(z, main).find(f"{_W}body")
    except IngestError:
        raise
    except zipfile.BadZipFile as e:
        raise IngestError(path, None, f"corrupt .docx: unreadable zip archive ({e})") from None
    except Exception as e:  # broken XML (ParseError), unreadable or oversized members, ...
        raise IngestError(path, None, f"corrupt .docx: {type(e).__name__}: {e}") from None
    blocks: list[_Paragraph | _Table] = []
    for child in body if body is not None else ():
        if child.tag == f"{_W}p":
            blocks.append(_paragraph(child, styles))
        elif child.tag == f"{_W}tbl":
            blocks.append(_table(child, styles))
    return blocks


# --------------------------------------------------------------------------- transcript lines


def _is_bold(run: _Run, paragraph: _Paragraph) -> bool:
    """The run's own bold, else its character style's, else its paragraph style's."""
    if run.bold is not None:
        return run.bold
    if run.style is not None and run.style.bold is not None:
        return run.style.bold
    return bool(paragraph.style is not None and paragraph.style.bold)


def _paragraph_line(number: int, paragraph: _Paragraph) -> Line | None:
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
        head = "".join(bold)  # the rest of the paragraph, hyperlinks' text included
        rest = text[len(head):] if text.startswith(head) else "".join(r.text for r in paragraph.runs[len(bold):])
        rest = rest.strip().lstrip(":").strip()
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


def _table_lines(start: int, table: _Table) -> list[Line]:
    """Lines for a speaker | text table whose first row is paragraph ``start``."""
    numbered = [(start + i, row) for i, row in enumerate(table.rows)]
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
    lines: list[Line] = []
    number = 0
    for block in _open(path):
        if isinstance(block, _Table):
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
