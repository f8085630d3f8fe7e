"""A feeling stated in the next sentence: "I rang the helpline. **Absolutely useless.**"

People, speaking above all, often name the clue in one sentence and judge it in the next: a short
verdict ("Never again.", "Lovely bloke.", "Not impressed.") or a sentence that refers back to it
("It took me nearly an hour.", "Which was great.", "They couldn't care less."). Scored sentence by
sentence, the clue has no feeling of its own (scope "none") and the verdict judges nothing.

:func:`follow_up` gives such a clue the next sentence's score when that sentence can only be about
what came before it:

* both sentences state the present (mode ``current``): a closing "Thanks.", a question ("Do you know
  it?") or a wish ("I hope the food is good.") judge nothing;
* the clue's own sentence has no sentiment at all (a sentence that judges something else already
  has its verdict);
* the next sentence names no clue of any codebook (with one, the verdict is that clue's: "I called the
  insurer. **The woman I spoke to** was lovely."), unless that clue is itself a judgement ("We checked in
  at the front desk. So quick and **friendly**.": a codebook clue that a sentiment word overlaps);
* it does not open with a contrast ("But it said in progress for five weeks." sets something against the
  sentence before) and quotes nobody ('It said "I can help with that!"' gives the chatbot's words);
* a verdict that opens with "he" or "she" judges only a clue that names a person ("The waiter brought
  our food. He was really rude." leaves the food alone);
* praise does not follow a report of something missing or not done ("The router arrived with no
  cable. Great start." is sarcastic); criticism may;
* it does not echo: a verdict whose judging words all repeat words of the clue's sentence, which judged
  nothing there, mocks them ("A young man said, you can do all of this on the app, you know, love.
  **Love!**"; "They told me it would be quick. **Quick!**"): echoic irony, not the speaker's verdict;
* it is short (at most :data:`MAX_WORDS` words) or opens with a word that refers back
  (:data:`REFER_BACK`, after openers such as "and", "oh", "honestly").

Used by :func:`cxaudit.clues._rules.clue_feeling` (scope ``"follow"``) for clues whose sentences
stand together in one Doc (the rule tagger tags a turn as one Doc). A one-word praise after a
neutral-sounding report can be sarcastic ("The engineer said he'd come between eight and six.
Great."): nothing here can tell, which the development sets measure (docs/language.md).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import scope_rules

if TYPE_CHECKING:  # pragma: no cover
    from .clue_scope import ClauseScorer

__all__ = ["follow_up", "MAX_WORDS", "REFER_BACK", "WEIGHT"]

#: A verdict in the next sentence counts this share of that sentence's score (as the opposite of a contrast,
#: ``CONTRAST_FLIP``): the feeling is inferred from outside the clue's sentence, and the quote a reader sees
#: (the clue's sentence) does not show it, so it should not rank among the most negative or positive quotes.
WEIGHT = 0.5
#: A sentence of at most this many words (punctuation not counted) after a clue's sentence is a verdict
#: on it ("Absolutely useless.", "Couldn't fault it.", "Best thing I ever did.").
MAX_WORDS = 6
#: Words that open a sentence about the one before it ("It took me nearly an hour to find the right page",
#: "Which was great", "They couldn't care less", "Both were fine").
REFER_BACK = frozenset(("it", "that", "this", "which", "they", "both"))
#: Personal pronouns: a verdict that opens with one judges a clue that names a person ("rules.people" in
#: cx_sentiment.yml), as inside a sentence (``ownership._person_referent``), and no other clue.
_PERSONAL = frozenset(("he", "she"))
#: Words skipped before the referring word ("And it was awful", "Honestly, they were brilliant").
_OPENERS = frozenset(("and", "but", "oh", "so", "honestly", "well", "yeah", "yes", "no", "just", "mind",
                      "um", "uh", "er", "erm", "like", "actually", "to", "be", "fair", "honest", ","))
#: Words that open a sentence set against the one before, not a verdict on it.
_CONTRAST = frozenset(("but", "although", "though", "however", "yet", "whereas", "still", "otherwise"))
#: Quotation marks: a sentence that quotes someone gives their words, not the speaker's verdict.
_QUOTES = frozenset(('"', "“", "”", "‘", "’", "'", "``", "''"))
#: Words that make the clue's sentence report something missing or not done, after which praise may be sarcastic.
_NEGATED = frozenset(("no", "not", "n't", "never", "without", "nobody", "nothing", "none", "nowhere"))


def follow_up(scorer: ClauseScorer, i0: int, i1: int, clues: Sequence[tuple[int, int]]) -> float | None:
    """:data:`WEIGHT` times the score of the sentence after the one of the clue at tokens ``[i0, i1)``
    when that sentence is a verdict on it (see the module), else ``None``. ``clues``: the token spans
    of every clue of the Doc (of every codebook, touchpoints too), so that a next sentence with a clue
    of its own is left to it."""
    doc = scorer.doc
    k = max(0, bisect_right(scorer.starts, i0) - 1)
    modes = doc._.sent_mode or []
    if k + 1 >= min(len(scorer.sents), len(modes), len(scorer.scores)):
        return None
    if modes[k] != "current" or modes[k + 1] != "current" or scorer.scores[k]:
        return None
    score = scorer.scores[k + 1]
    if not score:
        return None
    ns, ne = scorer.sents[k + 1]
    hits = [h for h in scorer.hits if h[1] > ns and h[0] < ne]
    if any((ns <= s < ne or s < ns < e) and not any(h[1] > s and h[0] < e for h in hits) for s, e in clues):
        return None  # a clue of its own that is not itself the verdict ("So quick and **friendly**" is)
    if score > 0 and any(t.lower_ in _NEGATED for t in doc[slice(*scorer.sents[k])]):
        return None  # praise after a report of something missing or not done: "… with no cable. Great start."
    opener = next((t for t in doc[ns:ne] if not (t.is_punct or t.is_space)), None)
    if opener is None or opener.lower_ in _CONTRAST:
        return None  # "You log in and it shows you stages. **But** it said in progress for five weeks."
    if any(t.text in _QUOTES for t in doc[ns:ne]):
        return None  # reported words are not the speaker's verdict: 'It said "I can help with that!"'
    said = [doc[i].lower_ for h in hits for i in range(max(h[0], ns), min(h[1], ne)) if doc[i].is_alpha]
    if said and set(said) <= {t.lower_ for t in doc[slice(*scorer.sents[k])]}:
        return None  # an echo of words the clue's sentence said without judging: "… you know, love. **Love!**"
    first = next((t for t in doc[ns:ne] if t.lower_ not in _OPENERS and not t.is_space), None)
    if first is not None and first.lower_ in _PERSONAL and not scope_rules.names_person(doc, i0, i1):
        return None  # "The waiter brought our food. **He** was really rude.": the waiter's, not the food's
    words = [t for t in doc[ns:ne] if not (t.is_punct or t.is_space)]
    if len(words) > MAX_WORDS and (first is None or first.lower_ not in REFER_BACK | _PERSONAL):
        return None
    return WEIGHT * float(score)
