"""Which clue a judgement belongs to when a strong clause or sentence holds several clues.

:func:`owned` gives the clue at tokens ``[i0, i1)`` the hits nearer to it (or to a clue coordinated with it,
also through a list) than to any other clue, with three exceptions read first: a clause about everything
("everything was excellent") is every clue's, a clause that opens with "he"/"she" is the person's it refers
to, and a subject-less continuation ("… and never came back") is its subject's. Takes a
:class:`cxaudit.nlp.clue_scope.ClauseScorer` (its Doc, hits, sentences and clause breaks), as
:mod:`cxaudit.nlp.shared_judgement` and :mod:`cxaudit.nlp.clause_before` do; moved out of
:mod:`cxaudit.nlp.clue_scope` in session 24 (no change of behaviour). The method: docs/language.md, "The
feeling of a clue" (``strong``).
"""

from __future__ import annotations

from bisect import bisect_right

from . import scope_rules
from .scope_rules import BACK_REFERENCE, CONTRAST_FIRST, DETERMINERS, LIST_SEPARATORS, NEW_SUBJECT

__all__ = ["owned"]

#: Personal pronouns that refer to a person clue ("… and she was wonderful": see ``_person_referent``).
_PERSONAL = frozenset(("he", "she"))
#: The referent of "he"/"she" judged as a person when no clue before it names a person: a span no clue has.
_NOBODY = (-1, -1)
#: Verbs after "he"/"she" that make the clause a judgement of the person ("she was wonderful").
_COPULA = frozenset(("was", "is", "'s", "s", "seemed", "seems", "sounded", "sounds", "looked", "looks", "felt",
                     "became", "got"))
#: Subjects of a judgement of everything (:func:`_universal`); "all" only before a verb.
_UNIVERSAL = frozenset(("everything", "everyone", "everybody"))
_UNIVERSAL_VERBS = frozenset(("is", "was", "were", "are", "'s", "has", "had", "have", "seemed", "seems", "looked",
                              "tasted", "felt", "went", "round"))
#: Words that may open a clause before its subject ("and", "but then", "so").
_CLAUSE_OPENERS = CONTRAST_FIRST | frozenset(("and", "or", "so", "then", "because", "as", "plus", "also", "even"))
#: Adverbs that may open a subject-less continuation ("and then never came back").
_CONTINUATION_ADVERBS = frozenset(("then", "also", "still", "just", "even", "finally", "eventually", "later"))
#: Tokens that may stand between two coordinated clues ("the seats and the food").
_COORD = frozenset((",", "and", "or", "&", "/", "the", "a", "an", "their", "its", "our", "my", "your", "both",
                    "plus", "as", "well", "also", "all", "of"))
#: Words that make a stretch between two clues a clause, not a list item (verbs, pronouns, negators).
_LIST_BREAKERS = frozenset(("is", "are", "was", "were", "be", "been", "being", "am", "'s", "'re", "has", "have", "had",
                            "do", "does", "did", "who", "which", "that", "where", "when", "but", "so", "then", "i",
                            "we", "you", "he", "she", "it", "they", "not", "n't", "never", "no"))


def owned(scorer, hits, i0: int, i1: int, others, weak: tuple[int, int]) -> list:
    """The hits nearer to tokens ``[i0, i1)`` than to any other clue (ties count as this
    clue's; so do a coordinated clue's, also through a list — "the seats and the food were
    awful", "we love the food, drinks, and atmosphere" — when the clue's
    weak clause ``weak`` is nothing but the clue — "we asked for the bill and the food was
    cold" does not share)."""
    if not others:  # a "he"/"she" clause still belongs only to a clue that names a person
        return [h for h in hits if _person_referent(scorer, h[0], [(i0, i1)]) in (None, (i0, i1))]
    doc = scorer.doc
    # the clue's weak clause holds nothing but clues ("wine selection": two), coordination and an opener
    bare = all(doc[j].lower_ in _COORD or doc[j].is_punct or j == weak[0] and doc[j].lower_ in _CLAUSE_OPENERS
               for j in range(weak[0], weak[1]) if not i0 <= j < i1 and not any(o0 <= j < o1 for o0, o1 in others))
    group = [(i0, i1)]  # the clue and the clues coordinated with it, through a list ("the food, drinks, and atmosphere")
    rivals = list(others)
    grown = bare
    while grown:
        grown = False
        for o in rivals:
            if any(_coordinated(scorer, o, g0, g1) for g0, g1 in group):
                group.append(o), rivals.remove(o)
                grown = True
                break
    clues = sorted(group + rivals)
    out = []
    for h in hits:
        if _universal(scorer, h[0], clues):  # "everything was excellent": every clue's
            out.append(h)
            continue
        referent = _person_referent(scorer, h[0], clues)
        if referent is None:
            referent = _continued_subject(scorer, h[0], clues)
        if referent is not None:  # "the waiter brought our food and he was rude": the waiter's
            if referent in group:
                out.append(h)
            continue
        d = min(_distance(h, g0, g1) for g0, g1 in group)
        if all(d <= _distance(h, o[0], o[1]) for o in rivals):
            out.append(h)
    return out

def _clause_of(scorer, j: int) -> tuple[int, int, int]:
    """``(sentence start, clause start, clause end)`` of token ``j``: the clause between the
    clause breaks (strong or weak) around it, within its sentence."""
    breaks = scorer.breaks
    ss, se = scorer.sents[max(0, bisect_right(scorer.starts, j) - 1)]
    k = bisect_right(breaks, j)  # breaks[:k] start at or before j
    lo = max(ss, breaks[k - 1]) if k else ss
    hi = min(se, breaks[k]) if k < len(breaks) else se
    return ss, lo, hi

def _person_referent(scorer, j: int, clues: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The clue a hit at token ``j`` belongs to when its clause opens with "he" or "she" and holds
    no clue: the sentence's first clue before that clause that names a person (``rules.people`` in
    cx_sentiment.yml; the subject is the likeliest referent of a personal pronoun, Hobbs 1978: "the
    waiter brought our food and he was rude"), or, when clues come before it but none names a person,
    :data:`_NOBODY` for a judgement of the person ("I called about my bill and she was wonderful": not
    the bill's) and the first clue for anything else ("… she couldn't find how to pay"); ``None`` when
    the clause does not open so, or no clue comes before it. A clue at the hit itself does not
    count as standing in the clause ("and she's very **helpful**")."""
    ss, lo, hi = _clause_of(scorer, j)
    doc = scorer.doc
    k = lo
    while k < hi and (doc[k].is_punct or doc[k].lower_ in _CLAUSE_OPENERS):
        k += 1
    # a clue that is the judgement itself ("she's **very helpful**": "helpful" may be a clue) is no
    # other referent standing in the clause
    if k >= hi or doc[k].lower_ not in _PERSONAL or any(c0 < hi and c1 > lo and not c0 <= j < c1 for c0, c1 in clues):
        return None
    before = [c for c in clues if ss <= c[0] and c[1] <= lo]
    if not before:
        return None
    person = next((c for c in before if scope_rules.names_person(doc, c[0], c[1])), None)
    if person is not None:
        return person
    # no clue names a person: a judgement of the person ("he was rude", "she seemed lovely") is no
    # clue's ("I rang about my broadband and he was rude": not the broadband's); what the person
    # went through goes to the first clue as before ("my mum, who I set up on the app, … she
    # couldn't find how to pay": the app's)
    return _NOBODY if k + 1 < hi and doc[k + 1].lower_ in _COPULA else before[0]

def _universal(scorer, j: int, clues: list[tuple[int, int]]) -> bool:
    """True when the hit at token ``j`` stands in a clause about everything — its subject is
    "everything", "everyone", "everybody" or "all" + a verb ("everything was excellent, the
    menu is extensive and you eat with a view": the view is praised too) — and no clue stands
    in that clause. "Everything else" is not: it sets the other clues apart."""
    ss, lo, hi = _clause_of(scorer, j)
    doc = scorer.doc
    k = lo
    while k < hi and (doc[k].is_punct or doc[k].lower_ in _CLAUSE_OPENERS):
        k += 1
    if k + 1 >= hi or k > j or any(c0 < hi and c1 > lo and not c0 <= j < c1 for c0, c1 in clues):
        return False
    word, after = doc[k].lower_, doc[k + 1].lower_
    if word == "all":
        return after in _UNIVERSAL_VERBS
    return word in _UNIVERSAL and after not in ("else", "but")

def _continued_subject(scorer, j: int, clues: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The clue a hit at token ``j`` belongs to when its clause is a subject-less continuation
    ("our waiter took the drinks order **and never came back**", "the room was clean and
    spacious"): the clause opens with "and" (or "and then"), its first word starts no new
    subject and no clue stands in it, and the clause before it opens with a clue (its
    subject) — that clue. ``None`` otherwise (the hit then goes to the nearest clue)."""
    ss, lo, hi = _clause_of(scorer, j)
    doc = scorer.doc
    if lo <= ss or doc[lo].lower_ != "and" or any(c0 < hi and c1 > lo and not c0 <= j < c1 for c0, c1 in clues):
        return None  # a clue at the hit itself is the judgement ("and was really **rude**"), not a subject
    first = lo + 1
    while first < hi and doc[first].lower_ in _CONTINUATION_ADVERBS:
        first += 1
    if first >= hi or first > j:
        return None
    word = doc[first]
    if word.is_punct or word.lower_ in NEW_SUBJECT or word.lower_ in BACK_REFERENCE or word.is_title:
        return None
    # the clause before (a lone "," between them is no clause): its first noun phrase must be a clue
    breaks = scorer.breaks
    b = bisect_right(breaks, lo - 1) - 1
    while b >= 0 and breaks[b] >= ss and breaks[b] == lo - 1 and doc[breaks[b]].is_punct:
        lo, b = breaks[b], b - 1
    start = max(ss, breaks[b]) if b >= 0 else ss
    while start < lo and (doc[start].is_punct or doc[start].lower_ in _CLAUSE_OPENERS
                          or doc[start].lower_ in DETERMINERS):
        start += 1
    return next((c for c in clues if c[0] <= start < c[1]), None)  # "the receptionist" may include "the"

def _coordinated(scorer, other: tuple[int, int], i0: int, i1: int) -> bool:
    """True when only coordination and determiners stand between the two clues, or a list goes
    on between them through items that are no clue: "we love the food, **drinks**, and atmosphere",
    "the service, **wine selection**, ambiance are all outstanding" — each item one to three words
    between "," / "and" / "or", with no sentiment, no verb of :data:`_LIST_BREAKERS` and no
    relative pronoun ("the staff were rude, food cold and the room dirty" is no list)."""
    lo, hi = (other[1], i0) if other[1] <= i0 else (i1, other[0])
    doc = scorer.doc
    if hi - lo <= 6 and all(doc[j].lower_ in _COORD for j in range(lo, hi)):
        return True
    if hi - lo > 10:
        return False
    item, separated = 0, False
    for j in range(lo, hi):
        word = doc[j].lower_
        if word in LIST_SEPARATORS:
            item, separated = 0, True
            continue
        if word in DETERMINERS or word in ("both", "all", "also", "plus"):
            continue
        item += 1
        if item > 3 or not doc[j].is_alpha or word in _LIST_BREAKERS or any(h[0] <= j < h[1] for h in scorer.hits):
            return False
    return separated and item == 0


def _distance(hit: tuple, i0: int, i1: int) -> int:
    s, e = hit[0], hit[1]
    if e > i0 and s < i1:
        return 0
    return s - i1 + 1 if s >= i1 else i0 - e + 1
