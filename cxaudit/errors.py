"""The one base of every error cxaudit raises on purpose.

``except CxauditError`` catches any of them (a bad audit file, an unreadable input, a codebook
with a mistake, a results folder in use …); each subclass also keeps the built-in base it had
(``ValueError``, ``OSError`` …), so code that caught those still does. Where the error is about
a place in a file, ``path``, ``line`` (1-based) and ``reason`` say where and what, and the CLI
prints them; ``str(error)`` is always the whole message.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CxauditError"]


class CxauditError(Exception):
    """Base of cxaudit's errors; ``path``/``line``/``reason`` when the error has a place."""

    path: str | None = None
    line: int | None = None
    reason: str | None = None

    def __init__(self, *args, path: str | Path | None = None, line: int | None = None,
                 reason: str | None = None):
        super().__init__(*args)
        if path is not None:
            self.path = str(path)
        if line is not None:
            self.line = line
        if reason is not None:
            self.reason = reason

    @property
    def where(self) -> str | None:
        """``path:line`` (or ``path``) when known, else None."""
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line is not None else self.path
