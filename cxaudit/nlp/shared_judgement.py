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

__all__ = ["partner_hits", "continued_predicate"]

#: Words between ", which" and the judgement of a comment on the clause before ("which I thought was very …").
_COMMENT_WORDS = frozenset(("i", "we", "thought", "think", "found", "find", "felt", "was", "is", "'s", "seemed", "seems",
                            "very", "really", "so", "quite", "pretty", "just", "a", "bit", "extremely", "incredibly",
                            "frankly", "honestly", "totally", "completely", "utterly", "rather", "personally"))


#: What may stand before a clue that opens its clause as its subject ("**the** food", "**our** room").
_DETERMINERS = frozenset(("the", "a", "an", "our", "my", "their", "your", "his", "her", "this", "that", "these", "those"))
#: Linking verbs right after such a subject ("the food **is** …", "the room **looked** …").
_COPULAS = frozenset(("is", "was", "are", "were", "'s", "’s", "seems", "seemed", "looks", "looked", "feels", "felt",
                      "tastes", "tasted", "smells", "smelled", "smelt"))
#: Degree words that may open the list's next item before its judgement (", **always** fresh").
_DEGREE = frozenset(("very", "so", "really", "always", "quite", "super", "extremely", "incredibly", "also", "pretty",
                     "consistently", "perfectly", "beautifully", "nicely", "absolutely", "totally", "truly"))


def continued_predicate(scorer, i0: int, i1: int, wa: int, wb: int, b: int, others: Sequence[tuple[int, int]]) -> list:
    """The hits of the next item of a predicate list about the clue at ``[i0, i1)``: the clue opens its clause
    as a subject with a linking verb after it, that clause ``[wa, wb)`` judges nothing and ends at a comma, and the
    next item starts with a judgement and no subject of its own: "**the food** is mostly made from scratch,
    **fresh** and well prepared" (session 24, found on the sixth blind sample, where the food had no feeling).
    An item that names another clue is about that clue ("the room is on the top floor, amazing **views**"),
    unless that clue is the judgement word itself ("fresh")."""
    doc = scorer.doc
    hits = scorer.hits
    if not (wb < b and doc[wb].text == "," and i1 < wb and doc[i1].lower_ in _COPULAS
            and all(doc[x].lower_ in _DETERMINERS for x in range(wa, i0))):
        return []
    if any(h[1] > wa and h[0] < wb for h in hits):
        return []
    j = wb + 1
    while j < b and doc[j].lower_ in _DEGREE:
        j += 1
    end = next((w for w in scorer.weak if w > j), b)
    end = min(end, b)
    item = [h for h in hits if j <= h[0] < end]
    if not item or item[0][0] != j:
        return []
    if any(o[0] < end and o[1] > j and not any(h[0] <= o[0] and o[1] <= h[1] for h in item) for o in others):
        return []
    return item


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
