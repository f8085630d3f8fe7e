"""The ingest stage: transcripts and comment tables in, ``documents``/``turns``/``rejected`` out.

``ingest(specs)`` never raises for a bad file: each unreadable file, row, cue
or block becomes a row of ``rejected`` (path, line, reason) and a logging
warning, and everything readable is kept. See docs/ingest.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Sequence

import pandas as pd

from .. import schemas
from .base import IngestError, Issue, Parsed, Turn, normalize_text
from .files import iter_files, load_metadata, resolve
from .read import SUPPORTED_EXTENSIONS, read_path
from .spec import InputSpec, RoleConfig

__all__ = ["ingest", "read_path", "iter_files", "InputSpec", "RoleConfig", "IngestResult", "Parsed", "Turn",
           "IngestError", "Issue", "normalize_text", "SUPPORTED_EXTENSIONS", "frames"]

log = logging.getLogger("cxaudit.ingest")


@dataclass
class IngestResult:
    """The three tables ``ingest`` returns (schemas.DOCUMENTS, TURNS and REJECTED)."""

    documents: pd.DataFrame
    turns: pd.DataFrame
    rejected: pd.DataFrame


def _frame(rows: list[dict], schema: schemas.Schema) -> pd.DataFrame:
    return schemas.validate(pd.DataFrame(rows), schema) if rows else schemas.empty(schema)


def frames(docs: Sequence[Parsed], issues: Sequence[Issue] = ()) -> IngestResult:
    """Validated tables from Parsed documents and issues."""
    turn_rows = [row for doc in docs for row in doc.turn_rows()]
    return IngestResult(
        documents=_frame([doc.document_row() for doc in docs], schemas.DOCUMENTS),
        turns=_frame(turn_rows, schemas.TURNS),
        rejected=_frame([{"path": i.path, "line": i.line, "reason": i.reason} for i in issues], schemas.REJECTED),
    )


def _read_one(path, spec, roles, issues) -> list[Parsed]:
    """read_path that turns every failure into an issue."""
    try:
        return read_path(path, spec, roles=roles, issues=issues)
    except IngestError as e:
        issues.append(Issue(e.path, e.line, e.reason))
    except Exception as e:  # a reader bug must not lose the other files
        log.debug("unexpected error reading %s", path, exc_info=True)
        issues.append(Issue(str(path), None, f"unexpected error while reading: {type(e).__name__}: {e}"))
    return []


def _ingest_spec(spec, roles, wave, progress, docs, issues, seen) -> None:
    """Read every file of one input, appending documents and issues."""
    try:
        files = iter_files(spec)
    except IngestError as e:
        issues.append(Issue(e.path, e.line, e.reason))
        return
    except OSError as e:  # e.g. a folder without read permission
        issues.append(Issue(str(resolve(spec, spec.path)), None, f"cannot list files: {e.strerror or e}"))
        return
    if spec.metadata:
        try:
            load_metadata(spec)
        except IngestError as e:
            issues.append(Issue(e.path, e.line, f"{e.reason}; transcripts read without metadata"))
            spec = replace(spec, metadata=None)
    if progress:
        from tqdm.auto import tqdm

        files = tqdm(files, desc=spec.path, unit="file")
    n_before = len(docs)
    for path in files:
        for doc in _read_one(path, spec, roles, issues):
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


def ingest(specs: Sequence[InputSpec], *, roles: RoleConfig | None = None, wave: str | None = None,
           progress: bool = False) -> IngestResult:
    """Read every input into documents, turns and rejected tables.

    ``wave`` is the default wave of documents that get none from their input
    or metadata. Bad files, rows, cues and blocks become rows of ``rejected``
    (and logging warnings); this function does not raise for bad input.
    A doc_id already read (from an earlier file or input) is rejected.
    """
    roles = roles or RoleConfig()
    docs: list[Parsed] = []
    issues: list[Issue] = []
    seen: dict[str, str] = {}
    for spec in specs:
        start = len(issues)
        _ingest_spec(spec, roles, wave, progress, docs, issues, seen)
        for issue in issues[start:]:
            log.warning("%s", issue.message)
    return frames(docs, issues)


def _make_module_callable() -> None:
    from cxaudit._callable import make_callable

    make_callable(__name__, "ingest")


_make_module_callable()
