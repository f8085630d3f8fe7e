"""Which matched clause markers of the sentence scorer (:class:`cxaudit.nlp.sentiment.SentimentScorer`) are
really clause breaks of the kind the lexicon gives them: a "while" that says when is no contrast, a hyphen
inside a word is no dash. Kept apart from :mod:`cxaudit.nlp.sentiment` since session 22 (its size).
"""

from __future__ import annotations

from spacy.tokens import Doc

__all__ = ["temporal_while", "glued_hyphen"]


def temporal_while(doc: Doc, s: int, e: int) -> bool:
    """True when "while"/"whilst" at ``[s, e)`` says when, not a contrast: "while waiting", "while I was
    on the line", "whilst we were there", "while you wait" — a clause of its own (a weak break), not the
    other side of a contrast ("while the food was good, the service was slow")."""
    if e - s != 1 or doc[s].lower_ not in ("while", "whilst") or e >= len(doc):
        return False
    nxt = doc[e].lower_
    if nxt.endswith("ing") and len(nxt) > 4 and doc[e].is_alpha:
        return True
    if e + 1 < len(doc) and nxt in _TEMPORAL_SUBJECTS and doc[e + 1].lower_ in _TEMPORAL_VERBS:
        return True  # "while you wait", "while we queued"
    return (e + 2 < len(doc) and nxt in _TEMPORAL_SUBJECTS and doc[e + 1].lower_ in _TEMPORAL_BE
            and (doc[e + 2].lower_ in _TEMPORAL_PLACES or doc[e + 2].lower_.endswith("ing")))


#: "while I was on the line", "whilst we were waiting": a subject, a form of "be", a place or an -ing form.
_TEMPORAL_SUBJECTS = frozenset(("i", "we", "you", "he", "she", "they"))
_TEMPORAL_BE = frozenset(("was", "were", "am", "is", "are", "'m", "'re", "'s"))
_TEMPORAL_VERBS = frozenset(("wait", "waited", "queue", "queued", "sat", "stood", "slept", "ate", "travelled",
                             "traveled", "shopped", "stayed"))
_TEMPORAL_PLACES = frozenset(("on", "in", "at", "there", "here", "away", "out", "still", "stuck", "sat", "stood"))


def glued_hyphen(doc: Doc, i: int) -> bool:
    """True when token ``i`` is a hyphen inside a word ("not-so-fresh", "well-run"): no clause
    break, unlike a dash between spaces ("the food - awful")."""
    return doc[i].text == "-" and 0 < i < len(doc) - 1 and not doc[i - 1].whitespace_ and not doc[i].whitespace_
