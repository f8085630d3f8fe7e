"""What every reader returns: :class:`Turn`, :class:`Parsed`, and the errors.

A reader turns one file into ``Parsed`` documents (one per transcript; comment
tables are read column by column instead, see ``columns.py``, with the values
one ``Parsed`` per row would give). Problems that make a whole file unreadable
raise :class:`IngestError`; problems with one row, cue or block are appended
to an ``issues`` list as :class:`Issue` and the rest of the file is kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from cxaudit._pieces import PIECE_CHARS, text_pieces  # re-exported: the ingest stage's names for them
from cxaudit.errors import CxauditError

__all__ = ["Turn", "Parsed", "Issue", "IngestError", "normalize_text", "report_issue", "INPUT", "CONFIG",
           "UNREADABLE", "text_pieces", "PIECE_CHARS"]

log = logging.getLogger("cxaudit.ingest")

#: Kinds of problem (``IngestError.kind``, ``Issue.kind``). ``INPUT``: the file, row, cue or block is
#: wrong (reported, the rest is read). ``CONFIG``: the input options are wrong (a path that does not
#: exist, a glob that matches nothing, a missing or unset column): ``cxaudit run`` stops before
#: writing anything. ``UNREADABLE``: the file or folder exists but cannot be read (permissions, I/O
#: error): its documents from the previous run are kept, marked stale, never deleted.
INPUT, CONFIG, UNREADABLE = "input", "config", "unreadable"


class IngestError(CxauditError, ValueError):
    """A file (or an input) cannot be read.

    ``path`` names the file, ``line`` the 1-based line, row or paragraph when
    the problem has one (else None), ``reason`` says what is wrong, ``kind`` is
    :data:`INPUT`, :data:`CONFIG` or :data:`UNREADABLE`.
    """

    def __init__(self, path: str | Path, line: int | None, reason: str, *, kind: str = INPUT):
        self.path = str(path)
        self.line = line
        self.reason = reason
        self.kind = kind
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Issue:
    """A non-fatal problem in part of a file: becomes one row of ``rejected``."""

    path: str
    line: int | None
    reason: str
    #: INPUT, CONFIG or UNREADABLE (see :class:`IngestError`)
    kind: str = INPUT

    @property
    def message(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


def report_issue(issues: list[Issue] | None, path: str | Path, line: int | None, reason: str) -> None:
    """Append an :class:`Issue` to ``issues``; when ``issues`` is None, log it as a warning."""
    issue = Issue(str(path), line, reason)
    if issues is None:
        log.warning("%s", issue.message)
    else:
        issues.append(issue)


def normalize_text(text: str) -> str:
    """NFC-normalise ``text``, drop byte-order marks, collapse whitespace runs to one space, strip."""
    if not text:
        return ""
    if text.isascii() and text.isprintable() and "  " not in text and text[0] != " " != text[-1]:
        return text  # printable ASCII has no whitespace but " ": nothing to collapse or strip
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    return " ".join(text.split())


@dataclass
class Turn:
    """One speaker turn: who spoke (label as written, or None), their role and what they said."""

    speaker: str | None
    text: str
    role: str = "unknown"
    start_s: float | None = None
    end_s: float | None = None
    line: int | None = None


@dataclass
class Parsed:
    """One document read from a file, with its turns and metadata.

    ``meta`` holds metadata with no column of its own in ``documents``; it is
    stored as a JSON object (null when empty).
    """

    doc_id: str
    source: str
    kind: str
    turns: list[Turn]
    participant: str | None = None
    segment: str | None = None
    channel: str | None = None
    wave: str | None = None
    date: str | None = None
    score: float | None = None
    meta: dict = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the turns' speakers, roles and normalised texts.

        Times, line numbers and metadata are not part of it, and texts are
        hashed after :func:`normalize_text`, so re-exporting a file with other
        whitespace or another encoding keeps the hash; any change of wording,
        speaker label or role changes it.
        """
        h = hashlib.sha256()
        for turn in self.turns:
            h.update(f"{turn.speaker or ''}\x1f{turn.role}\x1f{normalize_text(turn.text)}\x1e".encode("utf-8"))
        return h.hexdigest()

    def document_row(self) -> dict:
        """The ``documents`` row (schemas.DOCUMENTS columns) of this document."""
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "kind": self.kind,
            "participant": self.participant,
            "segment": self.segment,
            "channel": self.channel,
            "wave": self.wave,
            "date": self.date,
            "score": self.score,
            "meta": json.dumps(self.meta, ensure_ascii=False, default=str) if self.meta else None,
            "content_hash": self.content_hash,
        }

    def turn_rows(self) -> list[dict]:
        """The ``turns`` rows (schemas.TURNS columns) of this document, turn_id 0, 1, …"""
        return [
            {
                "doc_id": self.doc_id,
                "turn_id": i,
                "speaker": t.speaker,
                "role": t.role,
                "start_s": t.start_s,
                "end_s": t.end_s,
                "line": t.line,
                "text": t.text,
            }
            for i, t in enumerate(self.turns)
        ]
