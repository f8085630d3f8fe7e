"""Shared machinery of cxaudit's spaCy components: lexicon files, inflected
forms, phrase matchers and match filtering.

Every cxaudit component matches its cues with one :class:`spacy.matcher.PhraseMatcher`
on the ``LOWER`` attribute, which is nearly free (NOTES.md: ~18 M words/s), and then
does Python work only for the tokens that matched. "Matched by lemma" is obtained by
expanding each listed word to its inflected forms once, when the component is
initialised (:func:`inflections`), instead of lemmatising every token at run time.
"""

from __future__ import annotations

import gzip
import json
import os
from functools import lru_cache
from importlib import resources
from itertools import product
from typing import Iterable

import yaml
import numpy as np
from spacy.attrs import IS_ALPHA, IS_PUNCT, IS_SPACE, IS_UPPER, SENT_START
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

__all__ = [
    "LexiconError",
    "load_lexicon",
    "inflections",
    "expand_phrase",
    "build_matcher",
    "phrase_tokens",
    "longest_first",
    "sentence_bounds",
    "doc_layout",
    "ext_key",
]

# Irregular forms the lookup table does not give under a shared first letter.
_IRREGULAR = {
    "go": ("went", "gone", "goes", "going"),
    "be": ("is", "are", "am", "was", "were", "been", "being", "'s", "'re", "'m"),
}
_MAX_VARIANTS = 64


class LexiconError(ValueError):
    """A lexicon file is missing or does not have the expected structure."""


def load_lexicon(name: str) -> dict:
    """Read ``cxaudit/lexicons/<name>`` (YAML) and return its mapping.

    Raises :class:`LexiconError` naming the file when it is absent or not a mapping.
    """
    try:
        text = resources.files("cxaudit.lexicons").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise LexiconError(f"lexicon file cxaudit/lexicons/{name} not found") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise LexiconError(f"cxaudit/lexicons/{name}: not valid YAML ({err})") from err
    if not isinstance(data, dict):
        raise LexiconError(f"cxaudit/lexicons/{name}: expected a mapping at top level, found {type(data).__name__}")
    return data


@lru_cache(maxsize=1)
def _inverse_lemma_table() -> dict[str, tuple[str, ...]]:
    """lemma -> surface forms, from spacy-lookups-data's English lookup table."""
    import spacy_lookups_data

    path = os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data", "en_lemma_lookup.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        table = json.load(fh)
    inverse: dict[str, list[str]] = {}
    for form, lemma in table.items():
        if form.isalpha() and form.islower() and form[0] == lemma[:1] and len(form) > 2:
            inverse.setdefault(lemma, []).append(form)
    return {k: tuple(sorted(v)) for k, v in inverse.items()}


def inflections(word: str) -> tuple[str, ...]:
    """``word`` and every lower-case form whose lookup lemma is ``word``.

    >>> inflections("call")
    ('call', 'called', 'calling', 'calls')
    """
    word = word.lower()
    forms = _inverse_lemma_table().get(word, ()) + _IRREGULAR.get(word, ())
    return (word,) + tuple(f for f in forms if f != word)


def expand_phrase(tokens: list[str]) -> list[str]:
    """All variants of a tokenised phrase with each word in each inflected form.

    Takes the lower-cased tokens of one phrase and returns space-joined variants,
    the original first; capped at 64 variants (extra ones are dropped).
    """
    options = [inflections(t) if t.isalpha() else (t,) for t in tokens]
    out = []
    for combo in product(*options):
        out.append(" ".join(combo))
        if len(out) >= _MAX_VARIANTS:
            break
    return out


def phrase_tokens(nlp, phrase: str) -> list[str]:
    """The tokens of a lexicon phrase written "as spaCy tokenises it" (space-separated).

    Each space-separated piece is tokenised again (so "hassle-free" gives three
    tokens, as in running text), except pieces that start with an apostrophe
    ("'ve", "'m"), which spaCy keeps whole after a word but splits when alone.
    """
    words: list[str] = []
    for piece in phrase.split():
        if piece[0] in "'’" and len(piece) > 1:
            words.append(piece)
        else:
            words.extend(t.text for t in nlp.tokenizer(piece))
    return words


def build_matcher(nlp, entries: Iterable[tuple[str, str]], *, inflect: bool = False) -> PhraseMatcher:
    """A LOWER PhraseMatcher from ``(key, phrase)`` pairs.

    Phrases are tokenised with ``nlp``'s tokenizer; with ``inflect=True`` every
    word of a phrase is also matched in its inflected forms (:func:`expand_phrase`).
    """
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    by_key: dict[str, dict[str, None]] = {}
    for key, phrase in entries:
        if not isinstance(phrase, str):
            raise LexiconError(f"lexicon entry {phrase!r} under {key!r} is not text; YAML reads yes/no/on/off/true/false "
                               f"and numbers as other types: quote it")
        phrase = phrase.strip().lower()
        if not phrase:
            continue
        tokens = phrase_tokens(nlp, phrase)
        variants = expand_phrase(tokens) if inflect else [" ".join(tokens)]
        bucket = by_key.setdefault(key, {})
        for v in variants:
            bucket[v] = None
    for key, phrases in by_key.items():
        matcher.add(key, [Doc(nlp.vocab, words=p.split(" ")) for p in phrases])
    return matcher


def longest_first(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Non-overlapping matches, longer ones preferred, returned in text order.

    ``matches`` are ``(match_id, start, end)`` triples as a PhraseMatcher returns them;
    ties in length go to the earlier match.
    """
    if len(matches) < 2:
        return list(matches)
    prev_end = -1
    for m in matches:  # fast path: already in order and disjoint (the common case)
        if m[1] < prev_end:
            break
        prev_end = m[2]
    else:
        return list(matches)
    taken: set[int] = set()
    kept = []
    for m in sorted(matches, key=lambda m: (m[1] - m[2], m[1])):
        rng = range(m[1], m[2])
        if any(i in taken for i in rng):
            continue
        taken.update(rng)
        kept.append(m)
    kept.sort(key=lambda m: m[1])
    return kept


def ext_key(name: str) -> tuple:
    """The ``doc.user_data`` key where spaCy stores the Doc extension ``name``.

    cxaudit's components read and write their Doc extensions through this key
    because ``doc._`` builds an object on every access (measurably slow at
    millions of Docs); ``doc._.name`` still returns the same value.
    """
    return ("._.", name, None, None)


_LAYOUT_KEY = ext_key("cx_sents")


def doc_layout(doc: Doc) -> tuple[list[tuple[int, int]], list[int], list[int], list[int], set[int]]:
    """Sentences of ``doc`` and what cxaudit needs to know about them, computed once per Doc.

    Returns ``(bounds, n_alpha, n_words, n_upper, upper)``: ``bounds`` the token
    ``(start, end)`` of each sentence (one sentence when ``doc`` has no sentence
    boundaries); per sentence, the number of alphabetic tokens, of word tokens
    (neither punctuation nor space) and of upper-case tokens; ``upper`` the indices
    of upper-case tokens.
    """
    user_data = doc.user_data
    cached = user_data.get(_LAYOUT_KEY)
    if cached is not None:
        return cached
    n = len(doc)
    if n == 0:
        cached = ([], [], [], [], set())
    else:
        arr = doc.to_array([SENT_START, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_UPPER])
        starts = np.flatnonzero(arr[:, 0] == 1)
        if len(starts) == 0 or starts[0] != 0:
            starts = np.concatenate(([0], starts))
        sums = np.add.reduceat(arr[:, 1:].astype(np.int64), starts, axis=0)
        starts_l = starts.tolist()
        bounds = list(zip(starts_l, starts_l[1:] + [n]))
        lengths = [e - s for s, e in bounds]
        n_alpha, n_punct, n_space, n_upper = sums.T.tolist()
        n_words = [ln - p - sp for ln, p, sp in zip(lengths, n_punct, n_space)]
        upper = set(np.flatnonzero(arr[:, 4]).tolist()) if any(n_upper) else set()
        cached = (bounds, n_alpha, n_words, n_upper, upper)
    user_data[_LAYOUT_KEY] = cached
    return cached


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Token ``(start, end)`` of each sentence of ``doc`` (see :func:`doc_layout`)."""
    return doc_layout(doc)[0]


if not Doc.has_extension("cx_sents"):
    Doc.set_extension("cx_sents", default=None)


def _check_ext_key() -> None:
    """Fail loudly at import if spaCy ever stores Doc extensions elsewhere."""
    from spacy.vocab import Vocab

    doc = Doc(Vocab(), words=["x"])
    doc._.cx_sents = "probe"
    if doc.user_data.get(_LAYOUT_KEY) != "probe":  # pragma: no cover - spaCy internals changed
        raise ImportError("cxaudit.nlp: spaCy no longer stores Doc extensions in user_data; update lexicon.ext_key")


_check_ext_key()
