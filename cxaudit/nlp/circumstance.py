"""The customer's circumstances, for the sentence scorer (:class:`cxaudit.nlp.sentiment.SentimentScorer`): a
negative word that describes the time the customer was going through judges no service — "the staff were so
kind **during a very difficult time**", "thank you to the team, you made **a horrible week** a bit easier" —
and read as a judgement it made such thanks "mixed" (session 22; bereavement, illness, claims and moves are
where services are thanked most). The method: docs/language.md.
"""

from __future__ import annotations

from spacy.tokens import Doc

from .lexicon import VAL

__all__ = ["circumstances"]

#: Nouns of a stretch of time or a situation the customer was in.
TIME_NOUNS = frozenset(("time", "times", "period", "week", "weeks", "day", "days", "year", "years", "month", "months",
                        "situation", "moment", "moments", "circumstances", "patch", "spell", "stage", "chapter"))
#: Prepositions that place the customer in that time ("during a difficult time", "at such a sad time"); not "in"
#: ("they left us in a horrible situation" blames them).
PLACING = frozenset(("during", "through", "throughout", "at", "over"))
#: Words between the preposition and the negative word.
BETWEEN = frozenset(("a", "an", "the", "this", "that", "such", "what", "was", "were", "is", "been", "very", "really",
                     "incredibly", "extremely", "particularly", "quite", "so", "most", "truly", "awfully",
                     "our", "my", "few"))
#: Making that time lighter: "made a horrible week a bit **easier**".
RELIEF = frozenset(("easier", "better", "bearable", "smoother", "manageable", "lighter", "less"))
MAKING = frozenset(("made", "make", "makes", "making"))
#: How far (tokens) the preposition may stand before the negative word, and the relief after its noun.
REACH = 4


def circumstances(doc: Doc, hits: list) -> list:
    """``hits`` (the scorer's ``(kind, value, start, end)``) without the negative one-word judgements that
    describe the customer's circumstances: a negative word right before a noun of :data:`TIME_NOUNS`,
    placed by a preposition of :data:`PLACING` (through :data:`BETWEEN` words only), or made lighter
    ("made … easier", :data:`MAKING` before and :data:`RELIEF` after, within :data:`REACH` tokens)."""
    drop = []
    n = len(doc)
    for j, (kind, value, s, e) in enumerate(hits):
        if kind != VAL or value >= 0 or e - s != 1 or e >= n:
            continue
        k = e
        if doc[k].lower_ == "few" and k + 1 < n:  # "a difficult few weeks"
            k += 1
        if doc[k].lower_ not in TIME_NOUNS:
            continue
        i = s - 1
        while i >= 0 and s - i <= REACH and doc[i].lower_ in BETWEEN:
            i -= 1
        placed = i >= 0 and s - i <= REACH + 1 and doc[i].lower_ in PLACING
        lighter = (any(t.lower_ in MAKING for t in doc[max(0, s - REACH - 1):s])
                   and any(t.lower_ in RELIEF for t in doc[k + 1:min(n, k + 2 + REACH)]))
        if placed or lighter:
            drop.append(j)
    return [h for j, h in enumerate(hits) if j not in drop] if drop else hits
