"""Praise in a wish: the wanted state, not the current one (mode ``desired``).

:func:`wished` discounts the praise of a desired sentence, for a clue (``cxaudit.clues._rules.clue_feeling``)
and for the sentence's own score (``cx_mode``, :mod:`cxaudit.nlp.mode`); :func:`counterfactual` says whether
the wish is against the facts. Kept apart from :mod:`cxaudit.nlp.clue_scope` (where they were until session
17) so that the statement mode does not import the clause scorer. The method: docs/language.md, "The
feeling of a clue" (the statement mode).
"""

from __future__ import annotations

from spacy.tokens import Doc

from . import scope_rules

__all__ = ["wished", "counterfactual", "DESIRED_POSITIVE"]

#: Positive polarity in a wish or suggestion is the wanted state: it becomes this times itself
#: when the wish is against the facts, else 0 (:func:`wished`).
DESIRED_POSITIVE = -0.3
#: Words that make a wish counterfactual (the present lacks what is wished for).
_COUNTERFACTUAL = frozenset(("were", "actually", "properly", "once", "had"))


def counterfactual(doc: Doc, ss: int, se: int) -> bool:
    """True when the sentence ``doc[ss:se]`` states a wish against the facts (see
    :meth:`ClauseScorer.counterfactual`)."""
    return any(t.lower_ in _COUNTERFACTUAL for t in doc[ss:se])


def wished(polarity: float, doc: Doc, ss: int, se: int) -> float:
    """Polarity of praise in a wish or suggestion (mode ``desired``), sentence ``doc[ss:se]``: the
    praise describes the wanted state, not the current one. It counts 0 ("it would be good to get
    a text reminder"); when the wish is against the facts ("I wish the staff were as cheerful as
    last year", "if the timetable were actually up to date") the present lacks it:
    :data:`DESIRED_POSITIVE` times itself. Criticism is left as it is."""
    if polarity <= 0:
        return polarity
    words = " " + " ".join(t.lower_ for t in doc[ss:se]) + " "
    if any(f" {cue} " in words for cue in scope_rules.praise_kept()) or scope_rules.intent_re().search(words):
        return polarity  # "keep up the good work", "you'd love it", "I'd definitely go back"
    return polarity * DESIRED_POSITIVE if counterfactual(doc, ss, se) else 0.0
