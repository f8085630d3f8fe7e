"""cxaudit's spaCy components, registered as factories, and the extensions they write.

=================  ==========================================================
factory            writes
=================  ==========================================================
``cx_sentiment``   ``Doc._.valence`` (token-level valence hits), ``Doc._.clause_breaks``,
                   ``Doc._.sent_sentiment``; read through ``Span._.sentiment``
``cx_mode``        ``Doc._.sent_mode``; read through ``Span._.mode``
``cx_effort``      ``Doc._.sent_effort``; read through ``Span._.effort`` / ``Span._.effort_phrase``
``cx_feelings``    ``Doc._.feelings``
``cx_brackets``    sentence starts: an opening bracket the sentencizer left at a sentence's
                   end goes to the next sentence ("Obviously. [laughs] I felt…")
=================  ==========================================================

The ``Doc._.sent_*`` lists have one value per sentence, in the order of
:func:`cxaudit.nlp.lexicon.sentence_bounds`. The ``Span`` getters return the value of
the sentence a span starts in (``Span._.sentiment`` of a span that is not a whole
sentence is the polarity of the valence hits inside it).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import List, Optional

from spacy.attrs import ORTH
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Span

from .effort import EffortDetector
from .feelings import FeelingsMatcher
from .lexicon import sentence_bounds
from .mode import ModeClassifier
from .sentiment import SentimentScorer, span_polarity

__all__ = ["COMPONENTS", "make_sentiment", "make_mode", "make_effort", "make_feelings", "bracket_sentences"]

COMPONENTS = ("cx_sentiment", "cx_mode", "cx_effort", "cx_feelings")


def _sentence_index(span: Span) -> int | None:
    bounds = sentence_bounds(span.doc)
    k = bisect_right([s for s, _ in bounds], span.start) - 1
    return k if 0 <= k < len(bounds) else None


def _per_sentence(attr: str):
    def getter(span: Span):
        values = getattr(span.doc._, attr)
        if values is None:
            return None
        k = _sentence_index(span)
        return None if k is None else values[k]

    return getter


def _span_sentiment(span: Span) -> float | None:
    doc = span.doc
    if doc._.sent_sentiment is None:
        return None
    k = _sentence_index(span)
    if k is not None and sentence_bounds(doc)[k] == (span.start, span.end):
        return doc._.sent_sentiment[k]
    return span_polarity(doc, span.start, span.end)


def _span_effort(span: Span) -> bool | None:
    phrase = _per_sentence("sent_effort")(span)
    return None if span.doc._.sent_effort is None else phrase is not None


for _name in ("valence", "clause_breaks", "sent_sentiment", "sent_mode", "sent_effort", "feelings"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)
Span.set_extension("sentiment", getter=_span_sentiment, force=True)
Span.set_extension("mode", getter=_per_sentence("sent_mode"), force=True)
Span.set_extension("effort", getter=_span_effort, force=True)
Span.set_extension("effort_phrase", getter=_per_sentence("sent_effort"), force=True)


@Language.factory(
    "cx_sentiment",
    assigns=["doc._.valence", "doc._.clause_breaks", "doc._.sent_sentiment"],
    default_config={"extra_words": {}, "contrast_weights": [0.5, 1.5], "window": 3, "weak_breaks": None,
                    "inflect": False},
)
def make_sentiment(nlp: Language, name: str, extra_words: dict, contrast_weights: list, window: int,
                   weak_breaks: Optional[List[str]], inflect: bool):
    """Clause-aware VADER sentiment; ``extra_words`` adds or overrides lexicon valences (-4 … 4);
    ``weak_breaks`` replaces the lexicon's list of weak clause breaks; ``inflect`` also matches
    inflected forms of single lexicon words (off: it did not help on the tune split)."""
    return SentimentScorer(nlp, name, extra_words=extra_words, contrast_weights=tuple(contrast_weights),
                           window=window, weak_breaks=weak_breaks, inflect=inflect)


@Language.factory(
    "cx_mode",
    assigns=["doc._.sent_mode"],
    default_config={"lexicon": "mode.yml", "would_window": 3, "max_filler_tokens": 12},
)
def make_mode(nlp: Language, name: str, lexicon: str, would_window: int, max_filler_tokens: int):
    """Statement mode per sentence (current/desired/question/other)."""
    return ModeClassifier(nlp, name, lexicon=lexicon, would_window=would_window,
                          max_filler_tokens=max_filler_tokens)


@Language.factory("cx_effort", assigns=["doc._.sent_effort"],
                  default_config={"lexicon": "effort.yml", "repeat_window": 6})
def make_effort(nlp: Language, name: str, lexicon: str, repeat_window: int):
    """Customer-effort flag and phrase per sentence."""
    return EffortDetector(nlp, name, lexicon=lexicon, repeat_window=repeat_window)


@Language.factory("cx_feelings", assigns=["doc._.feelings"],
                  default_config={"lexicon": "feelings.yml", "window": 3, "effort_feeling": "effortful"})
def make_feelings(nlp: Language, name: str, lexicon: str, window: int, effort_feeling: str):
    """Experience-feeling words with negation-aware poles; an effort phrase in a negative sentence
    counts as ``effort_feeling`` ("" to turn that off)."""
    return FeelingsMatcher(nlp, name, lexicon=lexicon, window=window, effort_feeling=effort_feeling)


_OPENING_MARKS = frozenset(hash_string(c) for c in ("[", "(", "{", "\u201c", "\u2018", '"'))
#: Straight double quotes open or close: one opens when a space comes before it and none after.
_STRAIGHT_QUOTE = hash_string('"')


@Language.component("cx_brackets")
def bracket_sentences(doc: Doc) -> Doc:
    """Give an opening bracket that the sentencizer left at a sentence's end to the next sentence.

    spaCy's sentencizer keeps punctuation after a full stop with the sentence it ends, so in
    "Obviously. [laughs] I felt so stupid." the "[" ended the first sentence and the second began
    "laughs]" — a quote a reader sees on the dashboard. The same for an opening quotation mark ("what
    I say. "Did you say card problem?"": the first sentence ended with a stray '"'): a curly one, or a
    straight one with a space before it and none after. Runs after the sentencizer (blank pipeline);
    one ORTH-column check per Doc, nothing more when there is no bracket or quote.
    """
    if len(doc) < 2:
        return doc
    orths = doc.to_array(ORTH).tolist()
    if _OPENING_MARKS.isdisjoint(orths):  # most Docs: a set check, not numpy's isin (50 µs on a short array)
        return doc
    for i in [i for i, o in enumerate(orths) if o in _OPENING_MARKS]:
        if not 0 < i < len(doc) - 1:
            continue
        if doc[i].orth == _STRAIGHT_QUOTE and (doc[i].whitespace_ or not doc[i - 1].whitespace_):
            continue  # a closing quote ("… said "no." Then"), or one inside a word
        if doc[i + 1].is_sent_start and not doc[i].is_sent_start:
            doc[i].is_sent_start = True
            doc[i + 1].is_sent_start = False
    return doc
