"""Misspelt sentiment words read as the word they misspell: "consistant", "magnificant", "impecible",
"freindly", "definately", "delicous", "unporfessional".

Reviews and comments are typed quickly and never proof-read; a judgement whose word is misspelt is lost
to every lexicon ("The atmosphere is unheralded, the service impecible, and the food magnificant": two
clues with no feeling). :meth:`Speller.respell` repairs a word with the kinds of slip people make (a swapped
suffix, a doubled or single consonant, a wrong vowel, two letters swapped, one letter missing or one too
many) when the word is no English word (spaCy's lookup table, 67,000 forms and lemmas, bundled with
cxaudit) and exactly one sentiment word of the lexicon is that near. It is called once per new word of
the vocabulary (:class:`cxaudit.nlp.lexicon.ElongationFolder`, the ``LOWER`` getter), never per token.

Why hand-written: a spelling corrector (SymSpell, pyspellchecker) corrects towards the most frequent
English word, which is the wrong target here — only the sentiment lexicon's words matter, a word that is
English already must stay as it is ("grate", "desert"), and a wrong repair is worse than none, so a
repair must be unique. The rules are a few lines over sets; the measurement is in docs/language.md
("Misspelt judgements").
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["Speller", "MIN_LENGTH", "INDEX_AFTER"]

#: Words looked up by listing their slips before the deletion index is built (:class:`Speller`).
INDEX_AFTER = 1000
#: Words shorter than this are left alone (short words are too near each other: "gret" could be
#: "great" or "greet"), and so are repairs shorter than it.
MIN_LENGTH = 6
#: Edits that add or drop a letter anywhere only for words at least this long.
_MIN_INDEL = 7
#: A wrong vowel only in words at least this long.
_MIN_VOWEL = 8
_VOWELS = "aeiou"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Endings that sound alike and are written for each other.
_SUFFIXES = (("ant", "ent"), ("ance", "ence"), ("ancy", "ency"), ("antly", "ently"), ("able", "ible"),
             ("ably", "ibly"), ("ful", "full"), ("ous", "ious"), ("ally", "aly"), ("ely", "ly"))


def _suffix_swaps(w: str) -> Iterable[str]:
    for a, b in _SUFFIXES:
        for x, y in ((a, b), (b, a)):
            if w.endswith(x) and len(w) > len(x) + 2:
                yield w[: -len(x)] + y


def _doubling(w: str) -> Iterable[str]:
    for i in range(1, len(w)):
        c = w[i]
        if c in _VOWELS:
            continue
        if w[i - 1] == c:
            yield w[:i] + w[i + 1:]  # "unproffesional" -> "unprofesional"
        else:
            yield w[:i] + c + w[i:]  # "recomend" -> "recommend"


def _vowels(w: str) -> Iterable[str]:
    """A wrong vowel, in words of :data:`_MIN_VOWEL` letters or more and never the first vowel (the
    stressed one, which people rarely get wrong; changing it reaches other words: "during" -> "daring",
    "disparate" -> "desperate")."""
    if len(w) < _MIN_VOWEL:
        return
    first = next((i for i, c in enumerate(w) if c in _VOWELS), len(w))
    for i in range(first + 1, len(w)):
        c = w[i]
        if c in _VOWELS:
            for v in _VOWELS:
                if v != c:
                    yield w[:i] + v + w[i + 1:]  # "definately" -> "definitely"


def _swaps(w: str) -> Iterable[str]:
    for i in range(1, len(w) - 1):  # the first letter stays
        if w[i] != w[i + 1]:
            yield w[:i] + w[i + 1] + w[i] + w[i + 2:]  # "freindly" -> "friendly"


def _indels(w: str) -> Iterable[str]:
    if len(w) < _MIN_INDEL:
        return
    for i in range(1, len(w) + 1):
        for c in _LETTERS:
            yield w[:i] + c + w[i:]  # "delicous" -> "delicious"
    for i in range(1, len(w)):
        yield w[:i] + w[i + 1:]  # "attentivve" -> "attentive"


def _near(w: str) -> set[str]:
    """Everything one slip away from ``w`` (the first letter is never changed)."""
    out = set(_suffix_swaps(w))
    out.update(_doubling(w), _vowels(w), _swaps(w), _indels(w))
    out.discard(w)
    return out


#: Endings that make a word of another ("honest" -> "honestly", "greet" -> "greeter", "expanse" ->
#: "expansive"): a word that is such a word plus its ending is English too, though the lookup table,
#: which lists inflections, does not hold it.
_DERIVATIONS = ("ly", "er", "ers", "ive", "ness", "ment", "ments", "ful", "less", "ish", "ist", "ism", "ity")


def _derived(word: str, english: frozenset[str] | set[str]) -> bool:
    for end in _DERIVATIONS:
        if word.endswith(end) and len(word) - len(end) >= 3:
            stem = word[: -len(end)]
            if stem in english or stem + "e" in english or (stem.endswith("i") and stem[:-1] + "y" in english):
                return True
    return False


def _keys(w: str) -> set[str]:
    """``w`` and every form of it with one letter (not the first) left out: two words one slip apart
    (a letter added, dropped, changed or two swapped) share one of them (SymSpell's deletion index)."""
    return {w, *(w[:i] + w[i + 1:] for i in range(1, len(w)))}


class Speller:
    """:meth:`respell` against ``known`` (the sentiment lexicon's single words) and ``english`` (words
    never repaired). The first :data:`INDEX_AFTER` words are looked up by listing their slips (about
    0.15 ms a word); only then is the index of the known words' deletions built (about 0.2 s, then 14 µs
    a word), so that unpickling a pipeline, which meets a few words of its own lexicons, does not pay
    for it. Both ways find the same words (``tests/test_nlp_sentiment.py``)."""

    def __init__(self, known: Iterable[str], english: Iterable[str]):
        known = frozenset(known)
        self.known = frozenset(w for w in known if len(w) >= MIN_LENGTH and w.isalpha() and w.isascii())
        self.english = frozenset(english) | known  # "honest" makes "honestly" English, not "honesty" misspelt
        self._index: dict[str, tuple[str, ...]] | None = None
        self._listed = 0  # words looked up without the index so far

    def _close(self, w: str) -> set[str]:
        """Known words one slip of any kind from ``w`` or ``w`` itself (a superset of what :func:`_near`
        allows)."""
        if self._index is None:
            index: dict[str, list[str]] = {}
            for k in self.known:
                for key in _keys(k):
                    index.setdefault(key, []).append(k)
            self._index = {key: tuple(v) for key, v in index.items()}
        out: set[str] = set()
        for key in _keys(w):
            out.update(self._index.get(key, ()))
        return out

    def respell(self, word: str) -> str | None:
        """The known word that the lower-case ``word`` misspells, or ``None``: ``word`` is alphabetic,
        at least :data:`MIN_LENGTH` letters, neither a known word nor an English one (nor one made of an
        English word and an ending, :func:`_derived`), and exactly one known word is one slip away — or,
        when none is, exactly one is a swapped ending and one more slip of a letter or a vowel away
        ("impecible" -> "impeccable")."""
        known = self.known
        if (len(word) < MIN_LENGTH or not word.isalpha() or not word.isascii() or word in known
                or word in self.english or _derived(word, self.english)):
            return None
        listing = self._index is None and self._listed < INDEX_AFTER
        if listing:
            self._listed += 1
        found = {w for w in _suffix_swaps(word) if w in known}
        if listing:
            found.update(w for w in _near(word) if w in known)
        else:
            close = self._close(word)
            if close:
                near = _near(word)
                found.update(w for w in close if w in near)
        found.discard(word + "s")  # "dominant" is no slip of "dominants"
        if not found:
            for x in _suffix_swaps(word):
                cheap = {*_doubling(x), *_vowels(x)}
                found.update(w for w in (cheap if listing else self._close(x)) if w in known and w in cheap)
        if len(found) == 1:
            return found.pop()
        return None  # none, or "could be either": a wrong repair is worse than none
