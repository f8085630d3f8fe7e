"""WebVTT and SRT subtitle transcripts (Zoom, Teams, Google Meet exports).

A hand parser rather than webvtt-py: real exports break the standard in
small ways (no header, ',' decimal marks, stray blocks), and a hand parser
can skip one bad cue, report its line, and keep the others.

Speakers come from ``<v Name>`` voice tags (``<v.loud Name>`` too) or a
``Name:`` prefix in the cue text (accepted with the same rules as plain-text
transcripts). Consecutive cues of the same speaker merge into one turn
(start of the first cue, end of the last). Unlabelled consecutive cues merge
too, unless a pause of at least ``UNLABELLED_PAUSE_S`` seconds separates
them; their speaker is null and their role ``unknown`` (a subtitle file
records a conversation, so an unlabelled cue may be anyone).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .base import IngestError, Issue, Turn, report_issue
from .spec import RoleConfig
from .text import _LABEL_COLON, _label_ok, _key, accept_labels, split_lines

__all__ = ["parse_vtt", "parse_srt", "parse_timing", "UNLABELLED_PAUSE_S"]

UNLABELLED_PAUSE_S = 1.0
_CUE_TS = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*(?P<a>{_CUE_TS})\s*-->\s*(?P<b>{_CUE_TS})(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)*(?:\s+(?P<name>[^>]*))?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_DASH = re.compile(r"^[-–—]\s+")


@dataclass
class _Segment:
    line: int
    start: float
    end: float
    speaker: str | None
    text: str
    candidate: str | None = None  # a 'Name:' prefix not yet accepted as a label
    plain: str = ""  # the text including that prefix, used when it is not accepted


def _cue_seconds(ts: str) -> float:
    """Seconds of a cue timestamp; ValueError when minutes or seconds are out of range."""
    parts = ts.replace(",", ".").split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[-3]) if len(parts) == 3 else 0
    if minutes >= 60 and len(parts) == 3 or seconds >= 60:
        raise ValueError(ts)
    return hours * 3600 + minutes * 60 + seconds


def parse_timing(line: str) -> tuple[float, float] | None:
    """(start, end) seconds of a ``start --> end`` cue timing line, or None when malformed."""
    m = _TIMING.match(line)
    if not m:
        return None
    try:
        start, end = _cue_seconds(m["a"]), _cue_seconds(m["b"])
    except ValueError:
        return None
    return (start, end) if end >= start else None


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks as (1-based line of the block's first line, lines)."""
    blocks, current, first = [], [], 0
    for number, raw in enumerate(split_lines(text), start=1):
        if raw.strip():
            if not current:
                first = number
            current.append(raw.rstrip())
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _clean(text: str) -> str:
    """Cue text without markup tags, entities decoded."""
    return html.unescape(_TAG.sub("", text)).strip()


def _payload_segments(lines: list[str], first_line: int, start: float, end: float) -> list[_Segment]:
    """Split a cue's text lines into speaker segments (voice tags, dialogue dashes, 'Name:' prefixes)."""
    joined = "\n".join(lines)
    segments: list[_Segment] = []
    if _VOICE.search(joined):
        pieces = _VOICE.split(joined)  # text, name, text, name, text …
        lead = _clean(pieces[0])
        if lead:
            segments.append(_Segment(first_line, start, end, None, lead, plain=lead))
        for name, body in zip(pieces[1::2], pieces[2::2]):
            body = _clean(body)
            if body:
                speaker = (name or "").strip() or None
                segments.append(_Segment(first_line, start, end, speaker, body, plain=body))
        return segments
    dialogue = len(lines) > 1 and all(_DASH.match(_clean(ln)) for ln in lines)
    chunks = [(_DASH.sub("", _clean(ln)), i) for i, ln in enumerate(lines)] if dialogue else [(_clean(joined).replace("\n", " "), 0)]
    for chunk, offset in chunks:
        if not chunk:
            continue
        seg = _Segment(first_line + offset, start, end, None, chunk, plain=chunk)
        m = _LABEL_COLON.match(chunk)
        if m and _label_ok(m["label"].strip()) and m["rest"].strip():
            seg.candidate, seg.text = m["label"].strip(), m["rest"].strip()
        segments.append(seg)
    return segments


def _merge(segments: list[_Segment], roles: RoleConfig) -> list[Turn]:
    """Resolve 'Name:' candidates, then merge consecutive segments of one speaker into turns."""
    accepted = accept_labels([s.candidate for s in segments if s.candidate], roles)
    turns: list[Turn] = []
    for seg in segments:
        if seg.candidate:
            if _key(seg.candidate) in accepted:
                seg.speaker = seg.candidate
            else:
                seg.text = seg.plain
        last = turns[-1] if turns else None
        same = (
            last is not None
            and (last.speaker is None) == (seg.speaker is None)
            and (seg.speaker is None or _key(last.speaker) == _key(seg.speaker))
        )
        if same and seg.speaker is None and last.end_s is not None and seg.start - last.end_s >= UNLABELLED_PAUSE_S:
            same = False
        if same:
            last.text = f"{last.text} {seg.text}"
            last.end_s = max(last.end_s, seg.end)
        else:
            turns.append(Turn(seg.speaker, seg.text, start_s=seg.start, end_s=seg.end, line=seg.line))
    return turns


def _skip_block(lines: list[str]) -> bool:
    head = lines[0].lstrip()
    return any(head == w or head.startswith(w + " ") or head.startswith(w + "\t") for w in ("NOTE", "STYLE", "REGION"))


def _cues(blocks, path, issues, *, kind: str) -> list[_Segment]:
    """Segments of every well-formed cue; malformed blocks are reported and skipped."""
    example = "00:00:01.000 --> 00:00:04.000" if kind == "WebVTT" else "00:00:01,000 --> 00:00:04,000"
    segments: list[_Segment] = []
    for first, lines in blocks:
        timing_at = next((i for i, ln in enumerate(lines[:2]) if "-->" in ln), None)
        if timing_at is None:
            found = " / ".join(ln.strip()[:40] for ln in lines[:2])
            report_issue(issues, path, first, f"malformed {kind} block: no timing line like '{example}' (found {found!r}); block skipped")
            continue
        timing = parse_timing(lines[timing_at])
        if timing is None:
            report_issue(issues, path, first + timing_at, f"malformed {kind} cue timing {lines[timing_at].strip()[:60]!r} (expected '{example}'); cue skipped")
            continue
        payload = lines[timing_at + 1:]
        if payload:
            segments += _payload_segments(payload, first + timing_at + 1, *timing)
    return segments


def parse_vtt(text: str, path: str, roles: RoleConfig, *, issues: list[Issue] | None = None) -> list[Turn]:
    """Turns of a WebVTT file (speakers as written; roles not yet set).

    A missing ``WEBVTT`` header is reported as an issue on line 1 and the
    cues are read anyway; a cue with a broken timing line is reported and
    skipped. Raises IngestError when no cue can be read.
    """
    blocks = _blocks(text)
    if not blocks:
        raise IngestError(path, None, "no WebVTT cues found")
    first_line, first_lines = blocks[0]
    if first_lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        blocks = blocks[1:]
    else:
        report_issue(issues, path, first_line, f"no 'WEBVTT' header (found {first_lines[0][:40]!r}); cues read anyway")
    blocks = [b for b in blocks if not _skip_block(b[1])]
    segments = _cues(blocks, path, issues, kind="WebVTT")
    if not segments:
        raise IngestError(path, None, "no readable WebVTT cues (expected blocks with a 'start --> end' timing line and text)")
    return _merge(segments, roles)


def parse_srt(text: str, path: str, roles: RoleConfig, *, issues: list[Issue] | None = None) -> list[Turn]:
    """Turns of an SRT file (speakers as written; roles not yet set).

    A block with a missing or broken timing line is reported and skipped.
    Raises IngestError when no block can be read.
    """
    blocks = _blocks(text)
    segments = _cues(blocks, path, issues, kind="SRT")
    if not segments:
        raise IngestError(path, None, "no readable SRT subtitle blocks (expected a number, a 'start --> end' line and text)")
    return _merge(segments, roles)
