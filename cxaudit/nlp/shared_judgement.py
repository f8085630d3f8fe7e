"""A clue with no judgement of its own said together with a clue that holds one shares that judgement:
"the food was **spicy** and delicious" (one breath), "they took **the chairs** away last year, which I thought
was very thoughtless" (a comment on its clause). Both words are clues of ``carbone-clues``; only the second
judges, and the first was neutral.

Takes a :class:`cxaudit.nlp.clue_scope.ClauseScorer` (its Doc and hits), as :mod:`cxaudit.nlp.clause_before`
does; kept apart from :mod:`cxaudit.nlp.clue_scope` since session 22, when it was written. The method and its
measurements: docs/language.md, "The feeling of a clue" (`strong`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .scope_rules import LIST_SEPARATORS

__all__ = ["partner_hits"]

#: Words between ", which" and the judgement of a comment on the clause before ("which I thought was very …").
_COMMENT_WORDS = frozenset(("i", "we", "thought", "think", "found", "find", "felt", "was", "is", "'s", "seemed", "seems",
                            "very", "really", "so", "quite", "pretty", "just", "a", "bit", "extremely", "incredibly",
                            "frankly", "honestly", "totally", "completely", "utterly", "rather", "personally"))


def partner_hits(scorer, i0: int, i1: int, others: Sequence[tuple[int, int]]) -> list:
    """The hits inside the clues of ``others`` that are self-judging partners of the clue at ``[i0, i1)``."""
    return [h for o in others if _self_judging_partner(scorer, o, i0, i1) for h in scorer.hits
            if o[0] <= h[0] and h[1] <= o[1]]


def _self_judging_partner(scorer, other: tuple[int, int], i0: int, i1: int) -> bool:
    """True when ``other`` is a clue that holds its own judgement ("delicious", "rude") joined to the clue
    at ``[i0, i1)`` by coordination only, with the clue itself no judgement: "the food was **spicy and
    delicious**", "**quick and friendly**" — the two describe one thing in one breath (session 22)."""
    lo, hi = (other[1], i0) if other[1] <= i0 else (i1, other[0])
    if not (hi - lo <= 3 and all(scorer.doc[j].lower_ in LIST_SEPARATORS for j in range(lo, hi))
            or _comment_on(scorer, i1, other[0])):
        return False
    hits = scorer.hits
    return (any(other[0] <= h[0] and h[1] <= other[1] for h in hits)
            and not any(h[1] > i0 and h[0] < i1 for h in hits))


def _comment_on(scorer, i1: int, j: int) -> bool:
    """True when the clue ending at ``i1`` is followed, within its sentence and with no other clue or
    judgement between, by ", which" and a comment on what was just said whose judgement starts at ``j``:
    "they took **the chairs** away last year, which I thought was very thoughtless" (a sentential
    relative clause judges the clause before it, not the last noun)."""
    doc = scorer.doc
    k = next((x for x in range(i1, min(j, len(doc))) if doc[x].lower_ == "which"), None)
    if k is None or k == 0 or doc[k - 1].text != "," or j - k > 8:
        return False
    if any(h[1] > i1 and h[0] < k for h in scorer.hits) or any(t.is_sent_start for t in doc[i1 + 1:j]):
        return False
    return all(doc[x].lower_ in _COMMENT_WORDS for x in range(k + 1, j))
