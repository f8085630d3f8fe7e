"""Clues said to be missing or not to act: absence ("no wifi") and failed actions ("the waitress
didn't know anything about the menu", "nobody ever calls back"), for the clue scorer.

Each function takes a :class:`cxaudit.nlp.clue_scope.ClauseScorer` (its Doc and its clauses) and the
clue's tokens ``[i0, i1)`` and returns a polarity, 0.0 (or ``None`` for the helpers) when the rule
does not apply. The rules' words are ``rules.absence`` and ``rules.failed_action`` of
cx_sentiment.yml (:mod:`cxaudit.nlp.scope_rules`). The method: docs/language.md, "The feeling of a clue".
"""

from __future__ import annotations

from . import scope_rules
from .lexicon import doc_words
from .scope_rules import CONDITION, DETERMINERS

__all__ = ["absence", "failed"]


def absence(scorer, i0: int, i1: int) -> float:
    """Polarity of a clue at tokens ``[i0, i1)`` that is said to be missing: right after an
    absence marker ("no wifi", "zero legroom", "a lack of communication") a missing amenity
    is a complaint, a missing burden ("no fees", "no queue") praise (``rules.absence`` in
    cx_sentiment.yml), and so is anything said not to be needed ("no phone call **needed**", "no
    paperwork required"); right after an abundance marker (``rules.absence.abundance``) it is the
    other way round ("plenty of parking" praise, "plenty of hidden fees" a complaint; not for other
    people, ``crowds``); a marker that opens the clue itself ("**no** signal", "**no** fees") counts the same;
    0.0 when no marker stands right before the clue or opens it."""
    markers, burdens, value, plenty, crowds = scope_rules.absence_rule()
    doc = scorer.doc
    lower = doc_words(doc)[0]
    last = lower[i1 - 1]
    for n in (4, 3, 2, 1):
        # the marker may open the clue itself: a codebook phrase "no signal", "no fees", "no one came over",
        # "not enough space" (session 25: such clues were judged nowhere)
        if i1 - i0 > n and " ".join(lower[i0:i0 + n]) in markers:
            return -value if last in burdens else value
    for n in (4, 3, 2, 1):
        if i0 - n < 0:
            continue
        before = " ".join(lower[i0 - n:i0])
        if before in markers:
            unneeded = i1 < len(doc) and lower[i1] in _NOT_NEEDED
            return -value if last in burdens or unneeded else value
        if before in plenty and last not in crowds:
            return value if last in burdens else -value  # "plenty of parking": the other way round
    return 0.0


#: Words after an absent clue that make it a burden spared ("no phone call needed").
_NOT_NEEDED = frozenset(("needed", "required", "necessary", "involved", "asked"))


def failed(scorer, i0: int, i1: int) -> float:
    """Polarity of a clue at tokens ``[i0, i1)`` that is said not to do something: the clue,
    then (after "who"/"that", auxiliaries and adverbs only) a negated action — "the waitress
    didn't know anything about the menu", "staff would not change a meal", "the crew didn't once
    come round", "the parcel wasn't delivered". A service that does not act is a failed
    expectation, a complaint (``rules.failed_action`` in cx_sentiment.yml); verbs whose negation
    is no complaint ("didn't mind", "didn't charge us") and "be" before a word that is not a
    participle ("wasn't far") are left alone. A negated failure (``failures``: "the broadband hasn't
    dropped out", "the site never went down") is praise, the rule's valence with its sign turned. The
    negation may also stand before the clue (:func:`_negated_subject`, :func:`_negated_action`).
    0.0 otherwise. Called only for a clue whose clause has no sentiment of its own (a negated
    judgement, "wasn't helpful", is VADER's negation)."""
    rule = scope_rules.failed_rule()
    if not rule:
        return 0.0
    doc, n = scorer.doc, len(scorer.doc)
    _, se, _, _, wa, _ = scorer.around(i0, i1)
    if any(w in CONDITION for w in doc_words(doc)[0][wa:i0]):
        return 0.0  # "if an adviser can't make an appointment, …": a condition, not a failure
    before = _negated_subject(scorer, i0, i1, wa, rule)
    if before is None:  # "nobody ever **calls back**": the clue is the action that did not happen
        before = _negated_action(scorer, i0, i1, wa, rule)
    if before is not None:  # "not once did the claims handler answer", "nobody at the council could tell me"
        return before
    j = _back_reference(doc, i1, se)  # "many thanks for your reply, **but it** doesn't answer my question"
    if j == i1:
        j = _past_place(doc, j, se, rule)  # "the self-checkouts **at this branch** never work"
    if j < se and doc[j].lower_ in rule["relative"]:
        j += 1
    be = False
    a = j
    while j < se and doc[j].lower_ in rule["auxiliaries"]:
        be = be or doc[j].lower_ in rule["be"]
        j += 1
    if j >= se:
        return 0.0
    unable = doc[j].lower_ == "unable" and j + 1 < se and doc[j + 1].lower_ == "to"
    if unable:
        be = False  # "was unable to help": an action that did not happen, not a state ("wasn't far")
    elif doc[j].lower_ not in rule["negators"]:
        return _should_have(doc, a, j, rule)
    j += 1
    while j < se and doc[j].lower_ in rule["adverbs"]:
        j += 1
    if j + 1 < se and doc[j].lower_ == "able" and doc[j + 1].lower_ == "to":
        be, j = False, j + 2  # "weren't able to help", like "unable to"
    if j >= min(se, n) or not doc[j].is_alpha:
        return 0.0
    word = doc[j].lower_
    if scope_rules.starts_at(doc, j, rule["failures"]):
        return -rule["valence"]  # "the broadband hasn't dropped out": a failure that did not happen is praise
    if word in rule["not_failures"] or word in rule["auxiliaries"] or doc[j].lemma_.lower() in rule["not_failures"]:
        return 0.0  # "didn't mind", "never is"
    if be and not word.endswith(("ed", "en", "wn")):
        return 0.0  # "the hotel wasn't far", "the flight wasn't full": a state, not a failed action
    return rule["valence"]


#: What should have happened and did not: "the engineer **should have** called", "ought to have".
_SHOULD = frozenset(("should", "ought"))


def _should_have(doc, a: int, j: int, rule: dict) -> float:
    """A clue whose auxiliaries ``doc[a:j]`` are "should have" (or "ought to have", "should've") and
    then an action: what it should have done it did not — "**the engineer should have called** before
    coming", "the bill should have been corrected" (a complaint, the failed action's valence); 0.0
    otherwise, and for verbs whose negation is no complaint ("should have minded")."""
    words = [t.lower_ for t in doc[a:j]]
    if not words and j + 3 < len(doc) and doc[j].lower_ == "ought" and doc[j + 1].lower_ == "to":
        words, j = ["ought", doc[j + 2].lower_], j + 3  # "ought to have": neither word is an auxiliary
    if not words or words[0] not in _SHOULD or not any(w in ("have", "'ve") for w in words[1:]):
        return 0.0
    word = doc[j].lower_
    if not doc[j].is_alpha or word in rule["not_failures"] or doc[j].lemma_.lower() in rule["not_failures"]:
        return 0.0
    return rule["valence"]


def _past_place(doc, j: int, se: int, rule: dict) -> int:
    """After a short phrase of place that follows the clue ("the staff **at the branch** didn't know",
    "the man **on the phone** couldn't help": a preposition of ``rules.failed_action.prepositions`` and
    at most four words, none of them an auxiliary, a negator or punctuation), where the words about the
    clue go on — ``j`` when none follows or what follows it is no auxiliary or negator."""
    if j >= se or doc[j].lower_ not in rule["prepositions"]:
        return j
    k = j + 1
    while k < se and k - j <= _PLACE_WORDS and doc[k].is_alpha and doc[k].lower_ not in rule["auxiliaries"] \
            and doc[k].lower_ not in rule["negators"]:
        k += 1
    if k == j + 1 or k >= se or not (doc[k].lower_ in rule["auxiliaries"] or doc[k].lower_ in rule["negators"]):
        return j
    return k


#: Longest phrase of place between a clue and its negated action, in words after the preposition.
_PLACE_WORDS = 4


def _back_reference(doc, i1: int, se: int) -> int:
    """Where the words about a clue ending at token ``i1`` go on: after ", but it" / "but they" (a
    contrast that refers back to the clue), else ``i1``."""
    j = i1 + (i1 < se and doc[i1].lower_ == ",")
    if j + 1 < se and doc[j].lower_ == "but" and doc[j + 1].lower_ in ("it", "they"):
        return j + 2
    return i1


def _negated_subject(scorer, i0: int, i1: int, wa: int, rule: dict) -> float | None:
    """The failed action of a clue at ``[i0, i1)`` negated before it (``rules.failed_action``'s
    ``inverted`` and ``nobody``): "**not once did** the claims handler answer an email", "**nobody
    at** the council could tell me", "**none of** the staff knew"; the clue must be followed (after
    auxiliaries) by a word that may be an action, not by "be", a negator or a verb whose negation is
    no complaint. None when the clue is not negated so."""
    doc, n = scorer.doc, len(scorer.doc)
    words = _words_before(doc, wa, i0, DETERMINERS)
    if not words:
        return None
    verb_at = i1
    if words[-1] in rule["auxiliaries"] and scope_rules.ends_with(words[:-1], rule["inverted"]):
        pass  # "did the claims handler | answer"
    elif words[-1] in rule["prepositions"] and scope_rules.ends_with(words[:-1], rule["nobody"]):
        while verb_at < n and doc[verb_at].lower_ in rule["auxiliaries"]:
            verb_at += 1
    else:
        return None
    if verb_at >= n or not doc[verb_at].is_alpha:
        return None
    if scope_rules.starts_at(doc, verb_at, rule["failures"]):
        return -rule["valence"]  # "none of the staff forgot a thing": praise
    word = doc[verb_at].lower_
    if word in rule["not_failures"] or doc[verb_at].lemma_.lower() in rule["not_failures"] \
            or word in rule["be"] or word in rule["negators"]:
        return None
    return rule["valence"]


def _negated_action(scorer, i0: int, i1: int, wa: int, rule: dict) -> float | None:
    """The failed action of a clue that is itself the action, negated right before it (after
    auxiliaries and adverbs only): "nobody ever **calls back**", "the consultant never **returned my
    calls**", "no one **apologised**", "they didn't even **follow up**". The clue must start with a
    word that may be an action: not a determiner ("it's not **the app**"), not "be", not a verb
    whose negation is no complaint ("never **rushed us**"), not a failure whose negation is praise
    ("hasn't **dropped out**": :func:`failed` reads it). None when no negator stands so."""
    doc = scorer.doc
    first = doc[i0].lower_
    if first in DETERMINERS or first in rule["be"] or first in rule["not_failures"] \
            or doc[i0].lemma_.lower() in rule["not_failures"] or scope_rules.starts_at(doc, i0, rule["failures"]):
        return None
    words = _words_before(doc, wa, i0, rule["before_action"])
    if not words:
        return None
    if words[-1] in rule["negators"] or scope_rules.ends_with(words, rule["nobody"]):
        return rule["valence"]
    return None


def _words_before(doc, wa: int, i0: int, skip: frozenset) -> list[str]:
    """The lower-case words of ``doc[wa:i0]`` (the clue's weak clause before it) without the run of
    ``skip`` words right before the clue (its determiners, or the auxiliaries and adverbs after a negator)."""
    lower = doc_words(doc)[0]
    j = i0
    while j > wa and lower[j - 1] in skip:
        j -= 1
    return lower[wa:j]
