"""Reading one file: dispatch on the extension, then roles and metadata for transcripts."""

from __future__ import annotations

import logging
from pathlib import Path

from .base import IngestError, Issue, Parsed, Turn, normalize_text, report_issue
from .decode import read_text
from .docx import parse_docx
from .files import document_stem, load_metadata, match_metadata, metadata_fields, resolve
from .roles import assign_roles, participant_label
from .spec import InputSpec, RoleConfig
from .subtitles import parse_srt, parse_vtt
from .tables import READERS, read_table
from .text import parse_text

__all__ = ["read_path", "TRANSCRIPT_EXTENSIONS", "TABLE_EXTENSIONS", "SUPPORTED_EXTENSIONS"]

log = logging.getLogger("cxaudit.ingest")

TRANSCRIPT_EXTENSIONS = (".txt", ".text", ".md", ".vtt", ".srt", ".docx")
TABLE_EXTENSIONS = tuple(READERS)
SUPPORTED_EXTENSIONS = TRANSCRIPT_EXTENSIONS + TABLE_EXTENSIONS
_HINTS = {".doc": "old Word .doc files are not supported; save it as .docx",
          ".xls": "old Excel .xls files are not supported; save it as .xlsx",
          ".pdf": "PDF is not supported; export the transcript as .docx or .txt"}


def _transcript_turns(path: Path, spec: InputSpec, roles: RoleConfig, issues: list[Issue] | None) -> tuple[list[Turn], str]:
    """Raw turns of a transcript file and the role given to turns of a file without any speaker label."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return parse_docx(path, roles), "participant"
    text = read_text(path, encoding=spec.encoding)
    if suffix == ".vtt":
        return parse_vtt(text, str(path), roles, issues=issues), "unknown"
    if suffix == ".srt":
        return parse_srt(text, str(path), roles, issues=issues), "unknown"
    return parse_text(text, roles), "participant"


def finish_turns(turns: list[Turn], roles: RoleConfig, *, unlabelled_role: str) -> list[Turn]:
    """Normalise texts and speaker labels, drop empty turns, and assign roles."""
    kept = []
    for turn in turns:
        turn.text = normalize_text(turn.text)
        turn.speaker = normalize_text(turn.speaker) if turn.speaker else None
        if turn.text:
            kept.append(turn)
    return assign_roles(kept, roles, unlabelled_role=unlabelled_role)


def _apply_metadata(doc: Parsed, path: Path, spec: InputSpec, issues: list[Issue] | None) -> None:
    """Fill document fields from the input's metadata CSV row for ``path`` (in place)."""
    try:
        table = load_metadata(spec)
    except IngestError as e:
        report_issue(issues, e.path, e.line, e.reason)
        return
    row = match_metadata(table, path, spec)
    if not row:
        if table:
            log.debug("%s: no row in the metadata CSV", path)
        return
    fields, meta, score, problem = metadata_fields(row)
    if problem:
        report_issue(issues, resolve(spec, spec.metadata), row["_row"], f"{problem} in column 'score'; score left empty")
    for name, value in fields.items():
        if value is not None:
            setattr(doc, name, value)
    doc.meta.update(meta)
    if score is not None:
        doc.score = score


def read_path(path: str | Path, spec: InputSpec, *, roles: RoleConfig | None = None,
              issues: list[Issue] | None = None) -> list[Parsed]:
    """The documents in one file: one per transcript, one per readable row of a table.

    Problems in part of the file (a bad row, cue or block) are appended to
    ``issues`` (logged as warnings when ``issues`` is None) and the rest is
    kept. Raises IngestError(path, line, reason) when the file cannot be read.
    """
    path = Path(path)
    roles = roles or RoleConfig()
    if not path.exists():
        raise IngestError(path, None, "no such file")
    if path.is_dir():
        raise IngestError(path, None, "is a folder, expected a file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        hint = _HINTS.get(suffix, f"supported: {', '.join(SUPPORTED_EXTENSIONS)}")
        raise IngestError(path, None, f"unsupported file extension {path.suffix or '(none)'!r}; {hint}")
    stem = document_stem(path, spec)
    if suffix in TABLE_EXTENSIONS:
        return read_table(path, spec, doc_stem=stem, source=str(path), issues=issues)
    raw, unlabelled_role = _transcript_turns(path, spec, roles, issues)
    turns = finish_turns(raw, roles, unlabelled_role=unlabelled_role)
    if not turns:
        raise IngestError(path, None, "no text found in the transcript")
    doc = Parsed(doc_id=stem, source=str(path), kind=spec.kind, turns=turns,
                 participant=participant_label(turns), segment=spec.segment, channel=spec.channel, wave=spec.wave)
    if spec.metadata:
        _apply_metadata(doc, path, spec, issues)
    return [doc]
