"""The clue a sentence is about: a clue that opens its sentence takes the sentence's feeling when its own clause
has none.

"**The bot** asked a couple of questions and then put me straight through to a fraud person.", "**The place's
decor** and hidden bathrooms made for a good laugh.", "**The fee** went out of the business account, and when I
looked at the statement there was no explanation at all, just a code.": the sentence judges what its subject
did or what happened to it, but in a clause of its own, or through words the clause rules give to no clue, so
the clue had no feeling (scope ``"none"``). A clue that stands first in its sentence (at most one word before it
besides determiners, possessives and openers such as "also", "so") is the sentence's topic: it takes the
sentence's score (scope ``"sentence"``, the lowest confidence), in a report of the present only (a wish, a
question or a condition judges nothing yet), and not when a clue of the same codebook in the sentence has the
judgement in its own clause ("the food is served at the bar, **great wifi**"). A clue in a subordinate clause
("**when** the manager came over, I complained about the cold") is not the sentence's subject. Praise is not passed
on from a sentence that also negates something (:func:`praise_in_doubt`): "**our server** didn't have the sommelier
stop by …, never brought the bread we requested and didn't crack a smile …" scores praise. Not when a contrast
follows the clue ("the place is hip and the decorations funky, **but** the food is lacking"): the sentence's score
then leans on the other side of the contrast, which is about something else.

A clue further into its sentence keeps "none": a sentence about the waiter that mentions the food ("the waiter
was rude and slowed down our food") judges the waiter, not the food — MAMS-ACSA's annotators mark such a
mention neutral, and taking the sentence's feeling for every clue was measured to cost 39 of MAMS val's 888
items (docs/language.md, "The sentence's topic").
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc

from .scope_rules import CONDITION, DETERMINERS

__all__ = ["OPENERS", "CONTRAST_AFTER", "SUBORDINATE", "NEGATED", "MAX_BEFORE", "opens_clause", "opens_sentence",
           "praise_in_doubt"]

#: Words before the clue that do not make it less the sentence's first: determiners, possessives and openers.
OPENERS = DETERMINERS | frozenset(("so", "and", "but", "also", "then", "well", "oh"))
#: A clue with this many words before it (besides :data:`OPENERS`) is no longer the sentence's opening.
MAX_BEFORE = 2
#: Contrast markers after the clue that put the sentence's weight on something else.
CONTRAST_AFTER = frozenset(("but", "however", "although", "though", "whereas", "yet"))
#: Words before the clue that make its clause a subordinate one, a time or a concession, not the sentence's
#: subject: "**when** the manager came to our table …, I complained to him about the cold", "**after** the main
#: course the waitress …", "**while** the place is not a hotspot hangout, the drinks are unique".
SUBORDINATE = CONDITION | CONTRAST_AFTER | frozenset(("while", "whilst", "when", "whenever", "after", "before",
                                                      "during", "since", "until", "once", "because", "as"))

#: Words that make a sentence's praise unsafe to pass on: the sentence scorer's praise of a sentence that also says
#: what was not done ("the waitress was no where to be found …, did not refill a single drink nor did she bother to
#: inquire about my satisfaction") is too often the praise of a negated word. "No" is left out: it is praise
#: as often as not ("no extra charge", "no other steakhouse can beat it").
NEGATED = frozenset(("not", "n't", "nt", "never", "nor", "nobody", "nowhere"))


def praise_in_doubt(doc: Doc, ss: int, se: int, score: float) -> bool:
    """The sentence ``[ss, se)`` scores praise (``score`` > 0) but says that something was not or never so
    (a verb negated, :data:`NEGATED`)."""
    return score > 0 and any(t.lower_ in NEGATED for t in doc[ss:se])


def opens_sentence(doc: Doc, ss: int, se: int, s: int, e: int) -> bool:
    """The clue at tokens ``[s, e)`` opens the sentence ``[ss, se)`` (fewer than :data:`MAX_BEFORE` words before
    it that are not :data:`OPENERS`, none of them :data:`SUBORDINATE`: a condition's "if", a "when", an
    "although") and no contrast marker follows it in the sentence."""
    if any(t.lower_ in SUBORDINATE for t in doc[ss:s]):  # "if the delivery arrives on Friday, I will be happy"
        return False
    return opens_clause(doc, ss, s) and not any(t.lower_ in CONTRAST_AFTER for t in doc[e:se])


def opens_clause(doc: Doc, a: int, s: int, hits: Sequence[tuple] | None = None) -> bool:
    """The clue at ``s`` opens the clause or sentence that starts at ``a``: fewer than :data:`MAX_BEFORE` words that
    are not :data:`OPENERS` stand between them ("also, **the hostess** …", "for **$600** …"); with ``hits`` (the
    sentiment hits, ``(start, end, value)`` token spans), none but judging words ("and **the food** magnificant",
    "great **wifi**"; not "and then sorted **the refund**")."""
    limit = 1 if hits is not None else MAX_BEFORE
    judged = {i for h in hits or () if h[1] > a and h[0] < s for i in range(h[0], h[1])}
    before = 0
    for t in doc[a:s]:
        if t.is_alpha and t.lower_ not in OPENERS and t.i not in judged:
            before += 1
            if before >= limit:
                return False
    return True
