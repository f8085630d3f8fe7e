"""Long texts in pieces: a turn longer than spaCy's ``max_length`` is analysed (and redacted) piece by piece.

A module of its own, below every stage, so that the analysis workers' fork server reads it without importing the
ingest stage (``cxaudit.ingest`` compiles its transcript parsers' expressions on import: 0.045 s of the server's
start, on the critical path of an edited transcript's rerun; docs/workflow.md).
"""

from __future__ import annotations

__all__ = ["PIECE_CHARS", "text_pieces"]

#: A turn longer than the pipeline's ``max_length`` (spaCy's limit, 1,000,000 characters) is analysed
#: in pieces of at most this many characters, cut at sentence ends (else at a space).
PIECE_CHARS = 100_000
_SENTENCE_ENDS = (". ", "! ", "? ", "… ", '." ', '!" ', '?" ')


def text_pieces(text: str, limit: int) -> list[tuple[int, str]]:
    """``text`` as (offset, piece) pairs of at most ``limit`` characters whose concatenation is ``text``:
    one piece when it fits, else cut after the last sentence end (". ", "! ", "? " …) in the second
    half of each window, else after its last space, else at ``limit`` exactly."""
    if len(text) <= limit:
        return [(0, text)]
    pieces = []
    start = 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = max(window.rfind(end, limit // 2) + len(end) for end in _SENTENCE_ENDS)
        if cut < limit // 2:
            cut = window.rfind(" ", limit // 2) + 1 or limit
        pieces.append((start, window[:cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces
