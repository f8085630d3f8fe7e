"""A clue whose clause judges nothing takes the judgement of the weak clause before it, in two shapes.

* An **instance** of what that clause judged: "I found the food outstanding, **particularly the salmon
  dish**", "the staff were lovely, especially the nurse on nights" (:func:`instance`).
* The judgement **left out and negated**: "the food was great, **the service wasn't**" (:func:`elided_negation`;
  the caller turns it by :data:`ELLIPSIS_NEGATION`).

Both take a :class:`cxaudit.nlp.clue_scope.ClauseScorer` (its Doc, hits and clauses), as the rules of
:mod:`cxaudit.nlp.failed_actions` do, and stay inside the clue's strong clause (across "but" the contrast
rule reads the clause before already). Kept apart from :mod:`cxaudit.nlp.clue_scope` since session 21, when
they were written. The method and its measurements: docs/language.md, "The feeling of a clue" (`strong`).
"""

from __future__ import annotations

__all__ = ["instance", "elided_negation", "ELLIPSIS_NEGATION"]

#: VADER's negation factor, for a judgement left out and negated (:func:`elided_negation`).
ELLIPSIS_NEGATION = -0.74
#: Markers of a clause that names an instance of what the clause before it judged (:func:`instance`).
_INSTANCE = frozenset(("especially", "particularly", "notably", "specifically", "mainly", "mostly"))
_INSTANCE_PAIRS = frozenset((("in", "particular"), ("above", "all"), ("most", "of"), ("not", "least")))
#: After the marker: a measure or a condition, not an instance ("especially **for** the price").
_NOT_AN_INSTANCE = frozenset(("for", "given", "when", "if", "since", "as", "with", "at", "considering", "because",
                              "compared", "after", "before", "during", "on", "in", "to"))
_BE = frozenset(("is", "was", "are", "were", "'s", "'re", "be", "been"))


def _clause_before(scorer, wa: int, a: int) -> list:
    """The hits of the weak clause that ends where the clue's weak clause starts (``wa``), inside the
    strong clause that starts at ``a``; none when the clue's clause opens the strong clause."""
    if wa <= a:
        return []
    pa, pb = scorer.weak_clause(wa - 1, wa)
    return [h for h in scorer.hits if h[1] > pa and h[0] < min(pb, wa) and h[0] >= a]


def instance(scorer, wa: int, i0: int, a: int) -> list:
    """The hits of the weak clause before the clue's, when the clue's clause (``wa`` to the clue at
    ``i0``, no judgement of its own) opens with "especially", "particularly", "in particular", "notably"
    or "above all": it names an instance of what that clause judged."""
    doc = scorer.doc
    j = wa
    while j < i0 and (doc[j].is_punct or doc[j].lower_ in ("and", "but")):
        j += 1
    words = [t.lower_ for t in doc[j:min(i0 + 1, j + 3)]]
    n = 1 if words and words[0] in _INSTANCE else 2 if tuple(words[:2]) in _INSTANCE_PAIRS else 0
    if not n or (len(words) > n and words[n] in _NOT_AN_INSTANCE):
        return []  # "especially **for** the price": a measure, not an instance
    return _clause_before(scorer, wa, a)


def elided_negation(scorer, wa: int, i1: int, wb: int, a: int) -> list:
    """The hits of the weak clause before the clue's when the clue's clause (to ``wb``) is only the clue
    (ending at ``i1``) and a negated "be" — "the food was great, **the service wasn't**", "consistently
    good - the service is not -", "the bathroom was not at all": the judgement is left out and negated."""
    doc = scorer.doc
    j = i1
    if j + 1 >= len(doc) or doc[j].lower_ not in _BE or doc[j + 1].lower_ not in ("not", "n't"):
        return []
    k = j + 2
    if k < wb and not doc[k].is_punct and doc[k].lower_ not in ("though", "either", "really", "at", "all"):
        return []
    return _clause_before(scorer, wa, a)
