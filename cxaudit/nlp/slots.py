"""The ``slot_phrases`` rule of ``cx_sentiment.yml`` read slot by slot, not written out as phrases.

A slot grammar ("only/just" × "one/two/a few" × "desk/till/nurse…" × "was/were/…" × "open/staffed…") is a
product of word lists; written out, the 101 grammars are 71,000 phrases, three quarters of the sentiment
PhraseMatcher's 92,000. spaCy's PhraseMatcher keeps its patterns as a trie that it cannot pickle: every
time the pipeline is unpickled (each rerun's fork server, before its worker can analyse a changed
document) it adds every phrase again, 0.27 s of the 0.75 s a cached pipeline takes to load (session 26).

:class:`SlotRule` matches the big grammars where they start: one set lookup per Doc, and a walk over the
slots from each token that can open one. It gives ``(key, start, end)`` triples like the PhraseMatcher's,
for exactly the phrases it covers: :meth:`SlotRule.build` writes every grammar out once, when the pipeline
is built, and takes over only the phrases whose entry the sentiment matcher would hold as they are (same
phrase, same valence key); a phrase that the lexicon gives another value keeps its own entry and the rule
never reports it. Small grammars and grammars that open with very common words stay phrases: there the
walk would cost the analysis more than the phrases cost the load (:data:`MIN_PHRASES`).
"""

from __future__ import annotations

from itertools import product
from math import prod
from typing import Iterable, Sequence

from spacy.attrs import LOWER
from spacy.tokens import Doc

__all__ = ["MIN_PHRASES", "SlotRule"]

#: A grammar of fewer phrases than this stays written out as phrases in the matcher.
MIN_PHRASES = 1000


class SlotRule:
    """Slot grammars matched slot by slot. Build it with :meth:`build`; call it on a Doc."""

    def __init__(self, grammars: list, first: dict):
        #: per grammar: (key id, slots, phrases it must not report); a slot is
        #: ({first token id: [item as a tuple of token ids, …]}, may be skipped)
        self.grammars = grammars
        #: token id -> the grammars that a phrase can open with it
        self.first = first

    @classmethod
    def build(cls, vocab, tokenize, grammars: Sequence[dict] | None, key_of, entries: Iterable[tuple[str, str]],
              *, min_phrases: int = MIN_PHRASES) -> tuple["SlotRule", frozenset]:
        """The rule for ``grammars`` (``cx_sentiment.yml``'s ``rules.slot_phrases``) with at least ``min_phrases``
        phrases. ``tokenize(phrase)`` gives a phrase's tokens as the matcher's patterns have them;
        ``key_of(valence)`` the matcher key of a valence; ``entries`` the matcher's ``(key, phrase)`` pairs.
        A phrase is reported only where ``entries`` holds it under its grammar's key. Returns the rule and
        the ``(key, phrase)`` entries it reports, for the caller to leave out of its matcher."""
        wanted = set(entries)
        built, first, covered = [], {}, set()
        for g in grammars or []:
            slots = [[" ".join(str(w).lower().split()) for w in slot] for slot in g["slots"]]
            if prod(len(slot) for slot in slots) < min_phrases:
                continue
            key = key_of(float(g["valence"]))
            # a token's id as a Doc's LOWER column has it: its hash, or spaCy's symbol id ("agent" is 401)
            ids = {w: tuple(vocab.strings.add(t.lower()) for t in tokenize(w)) if w else ()
                   for slot in slots for w in slot}
            reported, refused = set(), set()
            for words in product(*slots):
                phrase = " ".join(" ".join(words).split())
                seq = tuple(t for w in words for t in ids[w])
                if not seq:
                    continue
                if (key, phrase) in wanted:
                    covered.add((key, phrase))
                    reported.add(seq)
                else:
                    refused.add(seq)
            index = len(built)
            steps = []
            for slot in slots:
                by_first: dict[int, list[tuple[int, ...]]] = {}
                for w in dict.fromkeys(slot):
                    seq = ids[w]
                    if seq:
                        by_first.setdefault(seq[0], []).append(seq)
                steps.append((by_first, "" in slot))
            for by_first, skippable in steps:
                for h in by_first:
                    first.setdefault(h, [])
                    if index not in first[h]:
                        first[h].append(index)
                if not skippable:
                    break
            built.append((vocab.strings.add(key), steps, frozenset(refused - reported)))
        return cls(built, first), frozenset(covered)

    def __call__(self, doc: Doc, lowers: list[int] | None = None) -> list[tuple[int, int, int]]:
        """Every span a covered phrase matches, as ``(key, start, end)``, in text order (``lowers``: the
        Doc's LOWER column, when the caller has them)."""
        if not self.grammars:
            return []
        if lowers is None:
            lowers = doc.to_array(LOWER).tolist()
        first = self.first
        out: set[tuple[int, int, int]] = set()
        n = len(lowers)
        grammars = self.grammars
        for i in [i for i, h in enumerate(lowers) if h in first]:
            for g in first[lowers[i]]:
                key, steps, refused = grammars[g]
                for end in _ends(steps, i, lowers, n):
                    if end > i and (not refused or tuple(lowers[i:end]) not in refused):
                        out.add((key, i, end))
        return sorted(out, key=lambda m: (m[1], m[2]))


def _ends(steps: list, at: int, lowers: list, n: int) -> set[int]:
    """Where a phrase that fills ``steps`` (the slots of one grammar) from token ``at`` on can end."""
    frontier = {at}
    for by_first, skippable in steps:
        reached = set(frontier) if skippable else set()
        for p in frontier:
            items = by_first.get(lowers[p]) if p < n else None
            if items:
                for item in items:
                    size = len(item)
                    if size == 1 or tuple(lowers[p:p + size]) == item:
                        reached.add(p + size)
        if not reached:
            return reached
        frontier = reached
    return frontier
