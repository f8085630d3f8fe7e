"""The main predicate of a clause whose subject carries a modifier, read without a parser.

"The driver **who dropped off the parcel** was lovely", "the lady **I spoke to on the phone** was
very rude", "the man, **who came to fix the leak**, was polite": the judgement after the main verb is
the subject's (the driver's, the lady's, the man's), not the parcel's or the phone's, which only stand
in the modifier; and a judgement that is a clue of its own ("very rude") is not outweighed by a word of
the modifier ("answered"). :func:`subject_predicate` finds the parts; :class:`~cxaudit.nlp.clue_scope.ClauseScorer`
gives each clue its share (docs/language.md, "The feeling of a clue").

Without a dependency parse the structure is read from the words: a short noun phrase opens the clause,
a relative pronoun ("who", "that", "which", "whose") or a personal pronoun ("I", "we", "they" …) opens
the modifier right after it (a comma between at most), and the main verb is the first form of "be" or
of a linking verb ("seemed", "looked", "felt") after the modifier has a word of its own — "the staff
**who were** on duty **were** great" takes the second "were" — whose subject is not a pronoun of its
own ("staff we spoke to said **it was** fine" is no judgement of the staff). The modifier holds no
punctuation but the comma that closes it before the main verb ("the lady, who answered the phone, was
…"): "the staff makes you feel at home, **the food is great**" is two clauses.
"""

from __future__ import annotations

from spacy.tokens import Doc

from .lexicon import doc_words
from .scope_rules import DETERMINERS

__all__ = ["subject_predicate"]

#: Words that open a modifier right after the subject's noun phrase.
_MODIFIER_OPENERS = frozenset(("who", "that", "which", "whose", "i", "we", "you", "they", "he", "she"))
#: Main verbs whose complement judges the subject.
_MAIN_VERBS = frozenset(("was", "were", "is", "are", "been", "seemed", "seems", "looked", "looks", "felt", "feels",
                         "appeared", "appears", "sounded", "sounds"))
#: Auxiliaries and adverbs: a modifier of nothing else has no verb of its own yet ("who **had been** waiting").
_AUX = frozenset(("has", "have", "had", "been", "be", "being", "was", "were", "is", "are", "am", "'s", "'re", "'ve",
                  "'d", "'ll", "'m", "will", "would", "could", "can", "should", "might", "may", "must", "did", "do",
                  "does", "not", "n't", "never", "just", "always", "also", "really", "actually", "still", "ever",
                  "only", "so", "very"))
#: Words before a main verb that are its own subject ("said **it** was fine").
_OWN_SUBJECT = frozenset(("it", "they", "he", "she", "i", "we", "you", "there", "this", "that", "who", "which",
                          "what", "everything", "nothing", "something", "one"))
#: Words that open a clause or stand for a noun but head no noun phrase ("when we arrived the room was …").
_NO_HEAD = frozenset(("when", "after", "before", "if", "unless", "once", "as", "since", "while", "whilst", "because",
                      "although", "though", "until", "where", "how", "what", "why", "whether", "so", "and", "but",
                      "or", "then", "also", "even", "just", "still", "yet", "i", "we", "you", "they", "he", "she",
                      "it", "there", "everything", "everyone", "everybody", "anything", "anyone", "nothing",
                      "nobody", "something", "someone", "all", "one", "both", "each", "with", "to", "for", "from",
                      "at", "in", "on", "of", "about", "by", "into", "over"))
#: Longest noun phrase read as the subject, and longest modifier, in words.
_MAX_HEAD = 4
_MAX_MODIFIER = 12


def subject_predicate(doc: Doc, s: int, b: int, weak: list[int]) -> tuple[int, int, int, int, int] | None:
    """``(h0, h1, m, v, pe)`` for the clause opening at token ``s`` inside the strong clause ending at
    ``b``: the subject's noun phrase ``[h0, h1)`` (after determiners), the modifier ``[m, v)`` and the
    main predicate ``[v, pe)`` (up to the next weak clause break, given as sorted starts ``weak``);
    ``None`` when the clause does not have that shape."""
    lower, alpha, punct, sent_start = doc_words(doc)  # plain lists: no Token object per look
    j = s
    while j < b and (punct[j] or lower[j] in DETERMINERS):
        j += 1
    h0 = j
    while (j < b and j - h0 < _MAX_HEAD and (alpha[j] or "-" in doc[j].text)
           and lower[j] not in _MODIFIER_OPENERS and lower[j] not in _AUX and lower[j] not in _NO_HEAD):
        j += 1
    if j == h0 or j >= b:
        return None
    h1 = j
    if lower[j] == "," and j + 1 < b:
        j += 1
    if lower[j] not in _MODIFIER_OPENERS:
        return None
    m = j
    content = False
    for v in range(m + 1, min(b, m + 1 + _MAX_MODIFIER)):
        if sent_start[v]:
            return None
        word = lower[v]
        if word in _MAIN_VERBS and content and lower[v - 1] not in _OWN_SUBJECT:
            pe = next((k for k in weak if v < k < b), b)
            return h0, h1, m, v, pe
        if punct[v] and not (word == "," and v + 1 < b and lower[v + 1] in _MAIN_VERBS):
            return None  # a new clause ("the staff makes you feel at home, the food is great"), not a modifier
        if word not in _AUX and not punct[v]:
            content = True
    return None
