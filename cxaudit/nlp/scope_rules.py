"""The rules of ``cx_sentiment.yml`` that :mod:`cxaudit.nlp.clue_scope` reads, loaded once per process.

Wishes that keep their praise (``wish_praise``), the intention to come back (``return_intent``),
absence (``absence``), the nouns that name a person (``people``) and failed actions
(``failed_action``): each as the sets and expressions the clue scorer tests tokens against.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import sentiment_rules

__all__ = ["CONDITION", "DETERMINERS", "LIST_SEPARATORS", "CONTRAST_FIRST", "BACK_REFERENCE", "NEW_SUBJECT", "overall_verdict", "worth_across", "rules", "praise_kept", "wish_comparatives", "intent_re", "absence_rule", "people", "names_person", "person_word",
           "failed_rule", "with_stimulus", "ends_with", "starts_at"]

#: Words that open a condition (``rules.conditional`` in cx_sentiment.yml): a clue there is not yet judged.
CONDITION = frozenset(("if", "unless"))
#: Determiners and possessives before a noun phrase ("our waiter took the order and …", "it's not **the** app").
DETERMINERS = frozenset(("the", "a", "an", "our", "my", "your", "his", "her", "their", "its", "this", "that"))
#: First tokens of the contrast markers (``contrast_after`` and ``contrast_sub`` in cx_sentiment.yml).
CONTRAST_FIRST = frozenset(("but", "however", "yet", "except", "other", "apart", "aside", "although", "though",
                             "even", "despite", "in", "whereas", "while", "whilst"))
#: Pronouns that refer back to the clue ("the car was spacious, although it rattled").
BACK_REFERENCE = frozenset(("it", "they", "he", "she", "'s", "'re"))
#: Words that open a new subject after a contrast marker ("but the phone line is hopeless").
NEW_SUBJECT = frozenset(("the", "a", "an", "my", "our", "your", "his", "her", "their", "its", "this", "that",
                          "these", "those", "everything", "everyone", "everybody", "nothing", "nobody", "no",
                          "someone", "something", "all", "most", "some", "i", "we", "you", "there", "other",
                          "others", "each", "every", "any", "one"))
#: What separates the items of a list ("the food, drinks, and atmosphere").
LIST_SEPARATORS = frozenset((",", "and", "or", "&", "/"))
#: What opens a verdict on the whole experience after a contrast ("the wait was long, **but overall** we had a
#: great night"): that clause judges everything, not the clue before it (session 23).
_OVERALL = (("overall",), ("otherwise",), ("generally",), ("altogether",), ("all", "in", "all"), ("all", "told"),
            ("on", "the", "whole"), ("in", "general"), ("by", "and", "large"), ("on", "balance"))


def overall_verdict(doc, j: int, end: int) -> bool:
    """True when tokens ``[j, end)`` open with a verdict on the whole experience ("overall", "all in all",
    "on the whole", "otherwise" …)."""
    words = [t.lower_ for t in doc[j:min(end, j + 3)]]
    return any(tuple(words[:len(w)]) == w for w in _OVERALL)


#: A verdict on the money's worth ("well worth **the money**", "worth it", "not worth the price").
_WORTH = (("worth", "it"), ("worth", "the", "money"), ("worth", "the", "price"), ("worth", "every", "penny"),
          ("worth", "every", "cent"), ("worth", "the", "cost"), ("worth", "the", "extra"), ("worth", "the", "splurge"),
          ("worth", "the", "expense"), ("value", "for", "money"))


def worth_across(scorer, hits: list, a: int, b: int, ss: int, se: int, others) -> float:
    """The valence of the clause after a contrast that follows ``[a, b)`` when it is a verdict on the money's worth
    about the same thing, else 0: "it is expensive **but well worth the money**" judges the price too — the price
    clue is mixed (session 24; two blind judges, and SemEval's annotators, say "conflict"), while "expensive, but
    worth every **bite**" praises the food, not the price, and "the long wait, but once seated **the food** is well
    worth it" another clue (``others``; one that is the verdict itself, "worth it", does not count)."""
    free = [o for o in others if not any(h[0] <= o[0] and o[1] <= h[1] for h in hits)]
    across = scorer._across_contrast(hits, a, b, ss, se, free_of=free)
    if not across or across[0][0] < b:
        return 0.0
    lo, hi = min(h[0] for h in across), max(h[1] for h in across)
    doc = scorer.doc
    words = [t.lower_ for t in doc[max(ss, lo - 2):min(se, hi + 3)]]
    if not any(tuple(words[i:i + len(w)]) == w for w in _WORTH for i in range(len(words))):
        return 0.0
    return sum(h[2] for h in across)


@lru_cache(maxsize=1)
def rules() -> dict:
    """``rules`` of cx_sentiment.yml, read once per process."""
    return sentiment_rules()


@lru_cache(maxsize=1)
def praise_kept() -> tuple[str, ...]:
    """Cues of a wish that praises the present (``rules.wish_praise`` in cx_sentiment.yml), as
    spaCy tokenises them, lower case."""
    cues = rules().get("wish_praise") or ()
    return tuple(" ".join(str(c).lower().replace("n't", " n't").split()) for c in cues)


@lru_cache(maxsize=1)
def wish_comparatives() -> frozenset[str]:
    """Words of a wish that asks for more or better (``rules.wish_comparatives`` in cx_sentiment.yml)."""
    return frozenset(str(w).lower() for w in rules().get("wish_comparatives") or ())


@lru_cache(maxsize=1)
def intent_re() -> re.Pattern:
    """The positive ``return_intent`` phrases as one expression over space-joined lower-case tokens."""
    spec = rules().get("return_intent") or {}

    def alt(items) -> str:
        return "|".join(re.escape(str(x).lower()) for x in sorted(items, key=lambda x: -len(str(x))))

    adverbs = f"(?: (?:{alt(spec['adverbs'])}))?" if spec.get("adverbs") else ""
    parts = [f" (?:{alt(spec[cues])}){adverbs} (?:{alt(spec[verbs])}) "
             for cues, verbs in (("intent", "verbs"), ("habitual", "habitual_verbs")) if spec.get(cues) and spec.get(verbs)]
    return re.compile("|".join(parts) or r"(?!x)x")


@lru_cache(maxsize=1)
def absence_rule() -> tuple[frozenset, frozenset, float, frozenset, frozenset]:
    """``rules.absence``: its markers ("no"), burdens ("fees"), valence, abundance markers ("plenty of") and
    the nouns those leave alone (``crowds``)."""
    spec = rules().get("absence") or {}

    def words(key: str) -> frozenset:
        return frozenset(str(w).lower() for w in spec.get(key, ()))

    return words("markers"), words("burdens"), float(spec.get("valence", 0.0)), words("abundance"), words("crowds")


@lru_cache(maxsize=1)
def people() -> tuple[frozenset, frozenset]:
    """``rules.people``: the one-word entries, and the multi-word ones as tuples of words."""
    words = [str(w).lower().split() for w in rules().get("people", ())]
    return frozenset(w[0] for w in words if len(w) == 1), frozenset(tuple(w) for w in words if len(w) > 1)


def names_person(doc, i0: int, i1: int) -> bool:
    """True when one of the tokens ``doc[i0:i1]`` (a clue) names a person (:func:`person_word`)."""
    found = people()
    return any(person_word(doc[t], found) for t in range(i0, i1))


def person_word(token, people: tuple[frozenset, frozenset]) -> bool:
    """True when ``token`` names a person, alone or as the first word of a multi-word entry ("call centre")."""
    single, multi = people
    if token.lower_ in single:
        return True
    doc = token.doc
    return any(tuple(t.lower_ for t in doc[token.i:token.i + len(m)]) == m for m in multi if m[0] == token.lower_)


@lru_cache(maxsize=1)
def with_stimulus() -> frozenset:
    """``rules.with_stimulus``: judgements whose object follows "with" ("happy with", "no problem with")."""
    return frozenset(str(w).lower() for w in rules().get("with_stimulus", ()))


@lru_cache(maxsize=1)
def failed_rule() -> dict:
    spec = rules().get("failed_action") or {}
    if not spec:
        return {}
    words = {key: frozenset(str(w).lower() for w in spec.get(key, ()))
             for key in ("relative", "auxiliaries", "be", "negators", "adverbs", "not_failures", "prepositions")}
    phrases = {key: tuple(tuple(str(p).lower().split()) for p in spec.get(key, ()))
               for key in ("inverted", "nobody", "failures")}
    # what may stand between a negator and a clue that is the action ("nobody **ever** calls back")
    words["before_action"] = words["auxiliaries"] | words["adverbs"]
    return {**words, **phrases, "valence": float(spec.get("valence", 0.0))}


def starts_at(doc, j: int, phrases: tuple[tuple[str, ...], ...]) -> bool:
    """True when the lower-case words of ``doc`` from token ``j`` start with one of ``phrases``. Only
    the phrases whose first word is token ``j``'s are compared (slicing the Doc once per phrase made a
    Token per word per phrase: 1.2 s of 4 in a profile of the analysis)."""
    if j >= len(doc):
        return False
    first = doc[j].lower_
    words = None
    for p in phrases:
        if p[0] != first:
            continue
        if len(p) == 1:
            return True
        if words is None:
            words = tuple(t.lower_ for t in doc[j:j + max(len(q) for q in phrases)])
        if words[:len(p)] == p:
            return True
    return False


def ends_with(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    """True when ``words`` end with one of ``phrases`` (each a tuple of lower-case words)."""
    return any(len(p) <= len(words) and tuple(words[len(words) - len(p):]) == p for p in phrases)
