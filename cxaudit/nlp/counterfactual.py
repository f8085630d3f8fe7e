"""Counterfactuals read without a parser, for the sentence scorer (:mod:`cxaudit.nlp.sentiment`).

A condition against the facts ("if the air conditioning **had** worked") and a past that did not come
about ("I **would have liked** a refund"): what they praise was missing, so the scorer turns that praise
round (``rules.conditional`` / ``rules.past_counterfactual`` in cx_sentiment.yml; docs/language.md).
"""

from __future__ import annotations

from spacy.tokens import Doc

from .lexicon import doc_words

__all__ = ["COUNTERFACTUAL_MODALS", "counterfactual_if", "participle_after"]

#: First words of the past counterfactuals (``rules.past_counterfactual``): "**would** have liked", "**'d** have".
COUNTERFACTUAL_MODALS = frozenset(("would", "'d"))
#: Irregular past participles (regular ones end in "-ed"/"-en"), and adverbs before one ("would have really liked").
_PARTICIPLES = frozenset(("been", "had", "made", "done", "gone", "got", "given", "taken", "thought", "felt", "found",
                          "paid", "left", "kept", "sent", "spent", "told", "sold", "bought", "brought", "seen", "come",
                          "become", "known", "shown", "heard", "said", "meant", "met", "stood", "won", "chosen",
                          "written", "flown", "put", "let", "set", "run"))
_CF_ADVERBS = frozenset(("really", "much", "definitely", "probably", "certainly", "also", "happily", "gladly",
                         "easily", "actually", "just", "so", "very", "greatly", "all", "even"))


def counterfactual_if(doc: Doc, e: int, se: int) -> bool:
    """True when the conditional clause that starts at token ``e`` is against the facts — "if the
    air conditioning **had** worked", "if the staff **were** friendlier": what it praises was
    missing, so its sentiment is turned round (:data:`cxaudit.nlp.sentiment.COUNTERFACTUAL_WEIGHT`); False for an open
    condition ("if the delivery arrives on Friday")."""
    for j in range(e, min(se, e + 8)):
        t = doc[j]
        if t.is_punct:
            return False
        low = t.lower_
        if low == "had" or low == "were" and not (j + 1 < se and doc[j + 1].lower_.endswith("ing")):
            return True
    return False


def participle_after(doc: Doc, e: int, se: int) -> bool:
    """True when a past participle follows "would have" ending at token ``e`` (adverbs between): "would
    have **liked**", "'d have **been**" — a past counterfactual; not "I'd have **dinner** in the bar"."""
    lower = doc_words(doc)[0]
    j = e
    while j < se and j < e + 3 and lower[j] in _CF_ADVERBS:
        j += 1
    return j < se and (lower[j] in _PARTICIPLES or len(lower[j]) > 3 and lower[j].endswith(("ed", "en")))
