"""The ingest stage: transcripts and comment tables in, ``documents``/``turns``/``rejected`` out.

``ingest(specs)`` never raises for a bad file: each unreadable file, row, cue
or block becomes a row of ``rejected`` (path, line, reason) and a logging
warning, and everything readable is kept. See docs/ingest.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .. import schemas
from .._callable import make_callable
from .base import CONFIG, UNREADABLE, IngestError, Issue, Parsed, Turn, normalize_text
from .files import _is_glob, document_stem, iter_files, load_metadata, resolve
from .read import SUPPORTED_EXTENSIONS, TABLE_EXTENSIONS, read_path
from .spec import InputSpec, RoleConfig
from .tables import read_comment_frames

__all__ = ["ingest", "read_path", "iter_files", "InputSpec", "RoleConfig", "IngestResult", "Parsed", "Turn",
           "IngestError", "Issue", "normalize_text", "SUPPORTED_EXTENSIONS", "frames"]

log = logging.getLogger("cxaudit.ingest")

Frames = tuple[pd.DataFrame, pd.DataFrame]  # the documents and turns of one comment table


@dataclass
class IngestResult:
    """The three tables ``ingest`` returns (schemas.DOCUMENTS, TURNS and REJECTED), and the problems
    behind ``rejected`` with their kind (``issues``, one per row of ``rejected``, in the same order)."""

    documents: pd.DataFrame
    turns: pd.DataFrame
    rejected: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)

    @property
    def config_errors(self) -> list[Issue]:
        """Problems with the input options (a path that does not exist, a missing column): kind CONFIG."""
        return [i for i in self.issues if i.kind == CONFIG]

    @property
    def unreadable(self) -> list[Issue]:
        """Files and folders that exist but could not be read (permissions, I/O errors): kind UNREADABLE."""
        return [i for i in self.issues if i.kind == UNREADABLE]


def _frame(rows: list[dict], schema: schemas.Schema) -> pd.DataFrame:
    return schemas.validate(pd.DataFrame(rows), schema) if rows else schemas.empty(schema)


def _issue_frame(issues: Sequence[Issue]) -> pd.DataFrame:
    """The ``rejected`` table (path, line, reason) of ``issues``."""
    return _frame([{"path": i.path, "line": i.line, "reason": i.reason} for i in issues], schemas.REJECTED)


def frames(docs: Sequence[Parsed], issues: Sequence[Issue] = ()) -> IngestResult:
    """Validated tables from Parsed documents and issues."""
    turn_rows = [row for doc in docs for row in doc.turn_rows()]
    return IngestResult(
        documents=_frame([doc.document_row() for doc in docs], schemas.DOCUMENTS),
        turns=_frame(turn_rows, schemas.TURNS),
        rejected=_issue_frame(issues),
    )


def _read_one(path, spec, roles, issues) -> list[Parsed] | Frames:
    """read_path (for a comment table: its frames, read_comment_frames) that turns every failure into an issue."""
    path = Path(path)
    try:
        if path.suffix.lower() in TABLE_EXTENSIONS and path.exists() and not path.is_dir():
            return read_comment_frames(path, spec, doc_stem=document_stem(path, spec), source=str(path), issues=issues)
        return read_path(path, spec, roles=roles, issues=issues)
    except IngestError as e:
        issues.append(Issue(e.path, e.line, e.reason, e.kind))
    except OSError as e:  # permission denied, I/O error: the file exists but cannot be read now
        issues.append(Issue(str(path), None, f"cannot read file: {e.strerror or e}", UNREADABLE))
    except Exception as e:  # a reader bug must not lose the other files
        log.debug("unexpected error reading %s", path, exc_info=True)
        issues.append(Issue(str(path), None, f"unexpected error while reading: {type(e).__name__}: {e}"))
    return []


class _SeenDocs:
    """doc_id -> source of the documents kept so far. A comment table's doc_ids are added as one
    column and put in the dict only when a later file is checked against them."""

    def __init__(self) -> None:
        self._sources: dict[str, str] = {}
        self._tables: list[tuple[pd.Series, str]] = []

    def add_table(self, doc_ids: pd.Series, source: str) -> None:
        self._tables.append((doc_ids, source))

    def sources(self) -> dict[str, str]:
        """{doc_id: source} of every document kept so far (add to it the transcripts kept)."""
        for doc_ids, source in self._tables:
            self._sources.update(dict.fromkeys(doc_ids.tolist(), source))
        self._tables.clear()
        return self._sources


def _new_documents(docs: list[Parsed], spec, wave, issues, seen_docs: _SeenDocs) -> list[Parsed]:
    """The transcript documents whose doc_id was not read before (the others become issues), with the default wave."""
    seen = seen_docs.sources() if docs else {}
    kept = []
    for doc in docs:
        if doc.doc_id in seen:
            line = doc.turns[0].line if doc.turns and spec.id_column else None
            issues.append(Issue(doc.source, line, f"duplicate doc_id {doc.doc_id!r} (already read from {seen[doc.doc_id]}); skipped"))
            continue
        seen[doc.doc_id] = doc.source
        if doc.wave is None:
            doc.wave = wave
        kept.append(doc)
    return kept


def _new_table_rows(table: Frames, source: str, spec, wave, issues, seen_docs: _SeenDocs) -> Frames:
    """The documents and turns rows of one comment table whose doc_id was not read before (the
    others become issues, in row order), with the default ``wave`` where a document has none."""
    documents, turns = table
    seen = seen_docs.sources() if len(documents) else {}
    if seen:
        again = documents["doc_id"].isin(list(seen)).to_numpy(dtype=bool)
        if again.any():
            lines = turns["line"].tolist() if spec.id_column else None
            for i in np.flatnonzero(again):
                doc_id = documents["doc_id"].iat[i]
                issues.append(Issue(source, lines[i] if lines else None, f"duplicate doc_id {doc_id!r} (already read from {seen[doc_id]}); skipped"))
            documents, turns = documents[~again].reset_index(drop=True), turns[~again].reset_index(drop=True)
    seen_docs.add_table(documents["doc_id"], source)
    if wave is not None and documents["wave"].hasnans:
        documents = documents.assign(wave=documents["wave"].fillna(wave))
    return documents, turns


def _ingest_spec(spec, roles, wave, progress, parts, issues, seen) -> None:
    """Read every file of one input, appending its documents (a list of Parsed, or a comment
    table's frames) to ``parts`` and its problems to ``issues``."""
    try:
        files = iter_files(spec, unreadable=issues)
    except IngestError as e:
        issues.append(Issue(e.path, e.line, e.reason, e.kind))
        return
    except OSError as e:  # e.g. a folder that vanished while it was listed
        issues.append(Issue(str(resolve(spec, spec.path)), None, f"cannot list files: {e.strerror or e}", UNREADABLE))
        return
    if spec.metadata:
        try:
            load_metadata(spec)
        except IngestError as e:
            issues.append(Issue(e.path, e.line, f"{e.reason}; transcripts read without metadata", e.kind))
            spec = replace(spec, metadata=None)
    if progress:
        from tqdm.auto import tqdm  # lazy: the progress bar's module loads only when one is asked for

        files = tqdm(files, desc=spec.path, unit="file")
    n_read = 0
    for path in files:
        got = _read_one(path, spec, roles, issues)
        if isinstance(got, tuple):
            got = _new_table_rows(got, str(path), spec, wave, issues, seen)
            n_read += len(got[0])
        else:
            got = _new_documents(got, spec, wave, issues, seen)
            n_read += len(got)
        parts.append(got)
    root = resolve(spec, spec.path)
    if not n_read and (root.is_dir() or _is_glob(spec)):
        n = len(files)
        reason = f"no readable files ({n} file(s) found, none could be read)" if n else "no readable files (the folder is empty once hidden files are skipped)"
        issues.append(Issue(str(root), None, reason))


def _tables(parts: list[list[Parsed] | Frames]) -> Frames:
    """``documents`` and ``turns`` of every part, in reading order."""
    doc_frames, turn_frames, run = [], [], []

    def flush() -> None:
        if run:
            doc_frames.append(_frame([doc.document_row() for doc in run], schemas.DOCUMENTS))
            turn_frames.append(_frame([row for doc in run for row in doc.turn_rows()], schemas.TURNS))
            run.clear()

    for part in parts:
        if isinstance(part, list):
            run.extend(part)
        else:
            flush()
            doc_frames.append(part[0])
            turn_frames.append(part[1])
    flush()
    return _concat(doc_frames, schemas.DOCUMENTS), _concat(turn_frames, schemas.TURNS)


def _concat(frames: list[pd.DataFrame], schema: schemas.Schema) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return schemas.empty(schema)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def ingest(specs: Sequence[InputSpec], *, roles: RoleConfig | None = None, wave: str | None = None,
           progress: bool = False) -> IngestResult:
    """Read every input into documents, turns and rejected tables.

    ``wave`` is the default wave of documents that get none from their input
    or metadata. Bad files, rows, cues and blocks become rows of ``rejected``
    (and logging warnings); this function does not raise for bad input.
    A doc_id already read (from an earlier file or input) is rejected.
    Comment tables are read column by column (``read_comment_frames``), not
    as one ``Parsed`` per row.
    """
    roles = roles or RoleConfig()
    parts: list[list[Parsed] | Frames] = []
    issues: list[Issue] = []
    seen = _SeenDocs()
    for spec in specs:
        start = len(issues)
        _ingest_spec(spec, roles, wave, progress, parts, issues, seen)
        for issue in issues[start:]:
            log.warning("%s", issue.message)
    documents, turns = _tables(parts)
    return IngestResult(documents=documents, turns=turns, rejected=_issue_frame(issues), issues=issues)


make_callable(__name__, "ingest")  # cxaudit.ingest(specs) calls ingest(): cxaudit/_callable.py says why
