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
