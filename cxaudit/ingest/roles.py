"""Speaker roles: interviewer, participant or unknown.

Rules, in order (see docs/ingest.md):

1. a label in ``RoleConfig.participant`` is a participant;
2. a label in ``RoleConfig.interviewer`` is an interviewer (default: Interviewer,
   Moderator, Facilitator, Researcher, Q, Host);
3. built-in participant labels: Interviewee, Respondent, Participant, Customer,
   Guest, Client, User, Caller, A, R, P (``P1``, ``Participant 2`` …);
4. within one document, when every other speaker is a known interviewer and
   exactly one speaker is left, that speaker is the participant;
5. in a two-speaker document whose labels are unknown, the speaker who asks
   clearly more questions is the interviewer and the other the participant;
6. anything else stays ``unknown``.

Labels match case-insensitively after removing a parenthesised part and a
trailing number: ``Interviewer 1``, ``Moderator (Anna)``, ``P-3``.
"""

from __future__ import annotations

import re
from collections import Counter

from .base import Turn
from .spec import RoleConfig

__all__ = ["label_key", "role_of_label", "assign_roles", "is_question", "BUILTIN_PARTICIPANT_LABELS"]

BUILTIN_PARTICIPANT_LABELS = frozenset(
    {"interviewee", "respondent", "participant", "customer", "guest", "client", "user", "caller", "a", "r", "p"}
)
_GENERIC_SPEAKER = re.compile(r"^(speaker|spk|person|voice)[\s_\-#]*\d+$", re.IGNORECASE)
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_TRAILING_NUMBER = re.compile(r"[\s_\-#.]*\d+$")

MIN_QUESTION_TURNS = 3
MIN_QUESTION_SHARE = 0.3
QUESTION_SHARE_RATIO = 2.0


def label_key(label: str) -> str:
    """The label lower-cased with a parenthesised part and a trailing number removed."""
    base = _PAREN.sub(" ", label)
    base = _TRAILING_NUMBER.sub("", base.strip())
    return " ".join(base.casefold().split())


def role_of_label(label: str | None, roles: RoleConfig) -> str:
    """Role a label names by itself ('interviewer', 'participant' or 'unknown')."""
    if not label:
        return "unknown"
    keys = {label_key(label), " ".join(label.casefold().split())}
    if keys & {p.casefold() for p in roles.participant}:
        return "participant"
    if keys & {i.casefold() for i in roles.interviewer}:
        return "interviewer"
    if keys & BUILTIN_PARTICIPANT_LABELS:
        return "participant"
    return "unknown"


def is_known_label(label: str, roles: RoleConfig) -> bool:
    """True when ``label`` names a role by itself or is a generic 'Speaker 2' label."""
    return role_of_label(label, roles) != "unknown" or bool(_GENERIC_SPEAKER.match(label.strip()))


def is_question(text: str) -> bool:
    """True when the text ends with a question mark (closing quotes and brackets ignored)."""
    return text.rstrip(" \"'”’)]»").endswith(("?", "？"))


def _question_shares(turns: list[Turn]) -> dict[str, tuple[int, float]]:
    """Speaker -> (number of question turns, share of their turns that are questions)."""
    total = Counter(t.speaker for t in turns if t.speaker)
    questions = Counter(t.speaker for t in turns if t.speaker and is_question(t.text))
    return {s: (questions[s], questions[s] / n) for s, n in total.items()}


def _interviewer_by_questions(turns: list[Turn], a: str, b: str) -> str | None:
    """The one of speakers ``a``/``b`` who clearly asks more questions, else None.

    Clear means: at least MIN_QUESTION_TURNS question turns, at least
    MIN_QUESTION_SHARE of their turns are questions, and that share is at
    least QUESTION_SHARE_RATIO times the other speaker's.
    """
    shares = _question_shares(turns)
    for x, y in ((a, b), (b, a)):
        qx, sx = shares.get(x, (0, 0.0))
        _, sy = shares.get(y, (0, 0.0))
        if qx >= MIN_QUESTION_TURNS and sx >= MIN_QUESTION_SHARE and sx >= QUESTION_SHARE_RATIO * sy and sx > sy:
            return x
    return None


def assign_roles(turns: list[Turn], roles: RoleConfig, *, unlabelled_role: str = "participant") -> list[Turn]:
    """Set ``role`` on every turn in place and return the list.

    Turns without a speaker get ``unlabelled_role`` when no turn of the
    document has a speaker, else 'unknown'.
    """
    speakers = list(dict.fromkeys(t.speaker for t in turns if t.speaker))
    if not speakers:
        for t in turns:
            t.role = unlabelled_role
        return turns
    by_label = {s: role_of_label(s, roles) for s in speakers}
    unknown = [s for s in speakers if by_label[s] == "unknown"]
    known_roles = {by_label[s] for s in speakers} - {"unknown"}
    if len(unknown) == 1 and known_roles == {"interviewer"}:
        by_label[unknown[0]] = "participant"
    elif len(speakers) == 2 and unknown:
        a, b = speakers
        asker = _interviewer_by_questions(turns, a, b)
        other = b if asker == a else a
        if asker is not None and by_label[asker] in ("unknown", "interviewer") and by_label[other] in ("unknown", "participant"):
            by_label[asker], by_label[other] = "interviewer", "participant"
    for t in turns:
        t.role = by_label[t.speaker] if t.speaker else "unknown"
    return turns


def participant_label(turns: list[Turn]) -> str | None:
    """The label of the single participant speaker, or None when there are several or none."""
    labels = {t.speaker for t in turns if t.role == "participant" and t.speaker}
    return labels.pop() if len(labels) == 1 else None
