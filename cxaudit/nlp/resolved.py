"""A problem put right, for the sentence scorer (:class:`cxaudit.nlp.sentiment.SentimentScorer`): the negative
word that names the problem a provider put right is no complaint ("sorted **the missing** item"), and one
whose putting right is negated stays one ("they didn't fix **the problem**"). The rule's words are
``rules.resolved_object`` of cx_sentiment.yml; the method: docs/language.md (session 20).
"""

from __future__ import annotations

from functools import lru_cache

from spacy.tokens import Doc

from .lexicon import VAL, sentiment_rules

__all__ = ["NEGATOR_WORDS", "STOP", "resolved_objects", "resolved_rule"]

#: A hit the scorer gets on a negated verb of putting right (:func:`resolved_objects`): the negators before
#: it (a word's, or a clause's: "nobody could fix the error") reach no further ("the error" stays a complaint).
STOP = -1
#: Negator words: a sentiment phrase ending in one also negates the next sentiment word ("still **not**
#: ready"), and one before a verb of putting right says it was not put right ("never fixed").
NEGATOR_WORDS = frozenset(("not", "n't", "never", "nt"))


@lru_cache(maxsize=1)
def resolved_rule() -> tuple[int, dict, dict, frozenset, frozenset]:
    """``rules.resolved_object``: the reach, the verbs of putting right done (``verbs``) and those whose
    negation leaves the problem standing (``negated_verbs``), each by its last word (as word tuples), the
    stop words and the subjects that make the customer the one who put it right (as word tuples)."""
    spec = sentiment_rules().get("resolved_object") or {}

    def by_last(key: str) -> dict[str, list[tuple[str, ...]]]:
        out: dict[str, list[tuple[str, ...]]] = {}
        for v in spec.get(key, ()):
            words = tuple(str(v).lower().split())
            out.setdefault(words[-1], []).append(words)
        return out

    return (int(spec.get("reach", 0)), by_last("verbs"), by_last("negated_verbs"),
            frozenset(str(w).lower() for w in spec.get("stops", ())),
            frozenset(tuple(str(w).lower().split()) for w in spec.get("subjects", ())))


def resolved_objects(doc: Doc, hits: list) -> list:
    """``hits`` with the negative words that name a problem put right by the provider taken out ("sorted
    **the missing** item", "replaced the **broken** screen", "tracked down my **lost** bag";
    ``rules.resolved_object`` in cx_sentiment.yml): a verb of putting right at most ``reach`` tokens before
    the word, only words of the object between; not after "I"/"we" (the customer did it). When the verb is
    negated ("didn't **fix** the problem", "nobody could sort the error") the problem stands: a stop
    (:data:`STOP` on the verb) keeps the negator from turning the problem into praise, as VADER's
    negation window did ("they didn't fix the problem" scored +1.26)."""
    reach, verbs, negated_verbs, stops, subjects = resolved_rule()
    if not reach:
        return hits
    out = []
    starts = None
    for hit in hits:
        kind, value, s, e = hit
        if kind == VAL and value < 0 and e - s == 1:
            found = _resolving_verb(doc, s, reach, verbs, negated_verbs, stops, subjects)
            if found == "done":
                continue
            if found is not None:  # (start, end) of a negated verb of putting right
                starts = {h[2] for h in hits} if starts is None else starts
                if found[0] not in starts:  # a verb with a valence of its own takes the negator itself
                    out.append((STOP, 0.0, found[0], found[1]))
                    starts.add(found[0])
        out.append(hit)
    if starts is not None:
        out.sort(key=lambda h: h[2])
    return out


def _resolving_verb(doc: Doc, s: int, reach: int, verbs: dict, negated_verbs: dict, stops: frozenset,
                    subjects: frozenset):
    """"done" when a verb of putting right (done, not negated, not by "I"/"we") stands before the negative
    word at ``s`` with only its object between; ``(start, end)`` of a negated verb of putting right there;
    None otherwise."""
    for i in range(s - 1, max(-1, s - reach - 1), -1):
        tok = doc[i]
        lower = tok.lower_
        if lower in verbs or lower in negated_verbs:
            for words in verbs.get(lower, []) + negated_verbs.get(lower, []):
                a = i + 1 - len(words)
                if a >= 0 and tuple(t.lower_ for t in doc[a:i + 1]) == words:
                    before = [t.lower_ for t in doc[max(0, a - 3):a]]
                    if any(w in NEGATOR_WORDS or w in ("nobody", "no") for w in before):
                        # "never fixed the broken lock", "didn't fix the problem": the problem stands
                        return (a, i + 1) if words in negated_verbs.get(lower, []) else None
                    if words not in verbs.get(lower, []):
                        return None  # "they need to fix the problem": not done yet
                    return None if any(tuple(before[k:]) in subjects for k in range(len(before))) else "done"
            return None
        if tok.is_punct or tok.is_sent_start or lower in stops:
            return None
    return None
