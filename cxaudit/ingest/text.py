"""Plain-text transcripts: ``Speaker: text`` lines, Otter/Zoom blocks, timestamps, prose.

Reading happens in two passes. :func:`scan_line` looks at one line alone and
records a *candidate* speaker label and timestamp. :func:`accept_labels` then
decides, over the whole file, which candidates really are speaker labels (a
label must be short, start with a capital letter or name a known role, and
recur: "Note: the bill was wrong" seen once is text, not a speaker).
:func:`assemble` builds the turns. The DOCX reader feeds its paragraphs
through the same passes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .base import Turn
from .roles import is_known_label
from .spec import RoleConfig

__all__ = ["Line", "scan_line", "accept_labels", "assemble", "parse_text", "parse_timestamp", "split_lines", "fill_end_times"]

TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_LABEL = r"[^\W\d_][\w .'’&()/#\-]{0,45}?"
_LABEL_COLON = re.compile(rf"^(?P<label>{_LABEL})\s*(?:[\[(](?P<ts>{TS})[\])])?\s*:(?=\s|$)\s*(?P<rest>.*)$")
_BRACKET_TS = re.compile(rf"^[\[(](?P<ts>{TS})[\])]\s*(?:[-–—|]\s*)?(?P<rest>.*)$")
_BARE_TS = re.compile(rf"^(?P<ts>{TS})\s+(?:[-–—|]\s*)?(?P<rest>.*)$")
_MD_BOLD = re.compile(r"^(?P<mark>\*\*|__)(?P<label>[^*_\n]{1,45}?)\s*(?P<colon>:?)\s*(?P=mark)\s*(?P<colon2>:?)(?:\s+(?P<rest>.*)|$)")
_LABEL_ONLY = re.compile(rf"^{_LABEL}$")
_BARE_TS_ONLY = re.compile(rf"^{TS}$")
_HEADER = re.compile(rf"^(?P<label>{_LABEL})\s+(?P<ts>{TS})$")

_NEWLINE = re.compile(r"\r\n|\r|\n")

MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 4
MAX_SINGLE_LABEL_LINES = 4
STOP_LABELS = frozenset(
    "note notes nb n.b ps p.s edit update warning tip example examples summary subject re fyi important "
    "caveat disclaimer answer question reason result problem issue because also so but and then and so "
    "however firstly secondly finally conclusion".split()
)


def parse_timestamp(ts: str) -> float:
    """Seconds in a 'h:mm:ss', 'mm:ss' or 'm:ss' timestamp (optional '.mmm' or ',mmm')."""
    ts = ts.replace(",", ".")
    parts = ts.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return hours * 3600 + minutes * 60 + seconds


@dataclass
class Line:
    """One source line (or DOCX paragraph) with its candidate label.

    ``plain`` is the text to use when the candidate is not accepted as a
    label; ``rest`` the text after the label when it is; ``header`` marks a
    label-only line whose text follows on the next lines.
    """

    number: int
    plain: str
    label: str | None = None
    rest: str = ""
    start_s: float | None = None
    header: bool = False
    stamped: bool = False
    explicit: bool = False  # label given by the format itself (a table column): always accepted

    @property
    def blank(self) -> bool:
        return not self.plain and self.label is None and not self.stamped


def _label_ok(label: str) -> bool:
    """Shape check: at most MAX_LABEL_CHARS characters and MAX_LABEL_WORDS words."""
    return len(label) <= MAX_LABEL_CHARS and len(label.split()) <= MAX_LABEL_WORDS


def scan_line(number: int, raw: str) -> Line:
    """Look at one line alone: its timestamp and candidate speaker label, if any."""
    s = raw.strip()
    if not s:
        return Line(number, "")
    start_s, stamped, body = None, False, s
    m = _BRACKET_TS.match(s)
    if m:
        start_s, stamped, body = parse_timestamp(m["ts"]), True, m["rest"].strip()
    elif _BARE_TS_ONLY.match(s):
        return Line(number, "", start_s=parse_timestamp(s), stamped=True)
    else:
        m = _BARE_TS.match(s)
        if m and _LABEL_COLON.match(m["rest"]):
            start_s, stamped, body = parse_timestamp(m["ts"]), True, m["rest"].strip()
    m = _MD_BOLD.match(body)
    if m and _label_ok(m["label"].strip()) and _LABEL_ONLY.match(m["label"].strip()) and (m["colon"] or m["colon2"]):
        rest = (m["rest"] or "").strip()
        return Line(number, body, m["label"].strip(), rest, start_s, header=not rest, stamped=stamped)
    m = _LABEL_COLON.match(body)
    if m and _label_ok(m["label"].strip()):
        ts = parse_timestamp(m["ts"]) if m["ts"] else start_s
        rest = m["rest"].strip()
        return Line(number, body, m["label"].strip(), rest, ts, header=not rest, stamped=stamped)
    if not stamped:
        m = _HEADER.match(s)
        if m and _label_ok(m["label"].strip()):
            return Line(number, s, m["label"].strip(), "", parse_timestamp(m["ts"]), header=True)
    return Line(number, body, start_s=start_s, stamped=stamped)


def _key(label: str) -> str:
    return " ".join(label.casefold().split())


def accept_labels(labels: list[str], roles: RoleConfig) -> set[str]:
    """The candidate labels (as casefolded keys) accepted as speaker labels.

    Accepted: labels naming a known role (``Interviewer 1``, ``Q``, ``Speaker 2``)
    and capitalised labels that occur at least twice. A capitalised label seen
    once is accepted only in a short file (at most MAX_SINGLE_LABEL_LINES
    labelled lines) that has another accepted label. Words such as "Note" or
    "Update" are never labels.
    """
    counts = Counter(_key(label) for label in labels)
    first_form = {}
    for label in labels:
        first_form.setdefault(_key(label), label)

    def plausible(key: str) -> bool:
        label = first_form[key]
        return key not in STOP_LABELS and label[:1].isupper()

    accepted = {k for k in counts if is_known_label(first_form[k], roles)}
    accepted |= {k for k, n in counts.items() if n >= 2 and plausible(k)}
    if accepted and sum(counts.values()) <= MAX_SINGLE_LABEL_LINES:
        accepted |= {k for k, n in counts.items() if n == 1 and plausible(k)}
    return accepted


def _paragraphs(lines: list[Line]) -> list[Turn]:
    """Unlabelled prose: one turn per paragraph (blank-line separated)."""
    turns: list[Turn] = []
    current: list[str] = []
    first = None
    for line in lines + [Line(-1, "")]:
        text = line.plain
        if text:
            if not current:
                first = line.number
            current.append(text)
        elif current:
            turns.append(Turn(None, " ".join(current), line=first))
            current = []
    return turns


def assemble(lines: list[Line], roles: RoleConfig) -> list[Turn]:
    """Turn scanned lines into turns (speakers as written; roles not yet set).

    A line with an accepted label or a timestamp starts a turn; other lines
    continue the current turn (text before the first label becomes a turn
    without speaker). With no accepted label and no timestamp at all, each
    paragraph is one turn. ``end_s`` is the next turn's ``start_s`` when known.
    """
    accepted = accept_labels([ln.label for ln in lines if ln.label and not ln.explicit], roles)
    accepted |= {_key(ln.label) for ln in lines if ln.label and ln.explicit}
    if not accepted and not any(ln.stamped for ln in lines):
        return _paragraphs(lines)
    turns: list[Turn] = []
    pending_ts = None
    for line in lines:
        if line.blank:
            continue
        if line.label and _key(line.label) in accepted:
            ts = line.start_s if line.start_s is not None else pending_ts
            turns.append(Turn(line.label, line.rest, start_s=ts, line=line.number))
            pending_ts = None
        elif line.stamped and not line.plain:
            pending_ts = line.start_s
        elif line.stamped:
            turns.append(Turn(None, line.plain, start_s=line.start_s, line=line.number))
            pending_ts = None
        elif turns:
            turns[-1].text = f"{turns[-1].text} {line.plain}" if turns[-1].text else line.plain
        else:
            turns.append(Turn(None, line.plain, line=line.number))
    fill_end_times(turns)
    return turns


def fill_end_times(turns: list[Turn]) -> None:
    """Set each turn's missing ``end_s`` to the next turn's ``start_s`` (in place)."""
    for turn, nxt in zip(turns, turns[1:]):
        if turn.end_s is None and turn.start_s is not None and nxt.start_s is not None:
            turn.end_s = nxt.start_s


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` split on \\n, \\r\\n or \\r only, so numbers match what editors show."""
    return _NEWLINE.split(text)


def parse_text(text: str, roles: RoleConfig) -> list[Turn]:
    """Turns of a plain-text transcript (speakers as written; roles not yet set)."""
    lines = [scan_line(i, raw) for i, raw in enumerate(split_lines(text), start=1)]
    return assemble(lines, roles)
