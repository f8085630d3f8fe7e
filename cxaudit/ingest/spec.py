"""Options of one input (``InputSpec``) and of speaker-role detection (``RoleConfig``).

These are plain data: no validation happens here. ``cxaudit.config`` builds
them from ``audit.yml``; tests and notebooks build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["InputSpec", "RoleConfig", "DEFAULT_INTERVIEWER_LABELS"]

DEFAULT_INTERVIEWER_LABELS = ("interviewer", "moderator", "facilitator", "researcher", "q", "host")


@dataclass
class InputSpec:
    """One entry of ``inputs:`` in ``audit.yml``.

    ``path`` is a file, a folder (read recursively) or a glob, relative to
    ``base_dir`` unless absolute. Table options (``text_column`` …
    ``sheet``) only matter for CSV, XLSX, JSON and JSONL files.
    """

    path: str
    kind: str = "interview"
    text_column: str | None = None
    id_column: str | None = None
    score_column: str | None = None
    meta_columns: list[str] = field(default_factory=list)
    metadata: str | None = None
    wave: str | None = None
    segment: str | None = None
    channel: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    base_dir: str = "."


@dataclass
class RoleConfig:
    """Speaker labels (case-insensitive) that name interviewers or participants.

    A label matches when it equals one of the names once a trailing number or
    a parenthesised name is removed (``Interviewer 1``, ``Moderator (Anna)``).
    Labels in ``participant`` win over labels in ``interviewer``.
    """

    interviewer: list[str] = field(default_factory=lambda: list(DEFAULT_INTERVIEWER_LABELS))
    participant: list[str] = field(default_factory=list)
