"""Experience feelings: the words an experience motif is written in.

``lexicons/feelings.yml`` organises feelings as pairs of opposites (axes such as
valued/ignored). The ``cx_feelings`` component matches every form (and, for single
words, their inflected forms) with one PhraseMatcher pass; a negator up to three
tokens before a form, without a punctuation mark in between, flips its pole.

Customers rarely name effort with a feeling word; they describe it ("45 minutes on hold",
"had to call three times"). A sentence that ``cx_effort`` flags with an effort phrase and
that ``cx_sentiment`` scores negative, and that holds no feeling word of that axis, gets the
feeling ``effort_feeling`` ("effortful", the opposite pole of "effortless") with the effort
phrase as its evidence — so that a motif of "effortless" is not read as met because the few
customers who say "easy" outnumber those who only describe the hold music. An effort phrase
in a neutral or positive sentence ("they rang me back the next day as promised", "no wait
at all") is not a feeling.

Result: ``doc._.feelings``, a list of
``(feeling, axis, pole, negated, start_char, end_char, evidence)`` with doc-relative
character offsets.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from spacy.tokens import Doc

from .._feelings import FeelingsLexiconError, feelings_table
from .lexicon import (LexiconError, _inverse_lemma_table, build_matcher, expand_phrase, ext_key, longest_first,
                      phrase_tokens, sentence_bounds)
from .sentiment import NEUTRAL_BAND

__all__ = ["load_feelings", "feeling_axis", "FeelingsMatcher"]

_K_FEELINGS, _K_EFFORT, _K_SCORES = ext_key("feelings"), ext_key("sent_effort"), ext_key("sent_sentiment")
_NEGATORS = ("not", "n't", "nt", "n’t", "never", "no", "nobody", "no one", "hardly", "barely",
             "without", "no longer", "cannot", "neither", "nor", "lack", "lacked")
_PUNCT = (",", ";", ":", ".", "!", "?", "(", ")", "-", "–", "—", "but")


@lru_cache(maxsize=4)
def _feelings_table(name: str = "feelings.yml") -> pd.DataFrame:
    """The table, read once by :mod:`cxaudit._feelings` (spaCy-free, so a run's process can check a
    desired file's motif words without loading the language stage); its errors as :class:`LexiconError`."""
    try:
        return feelings_table(name)
    except FeelingsLexiconError as err:
        raise LexiconError(str(err)) from err


def load_feelings() -> pd.DataFrame:
    """The feelings lexicon, one row per pole: columns feeling, axis, pole (+1/-1), forms (list of str)."""
    return _feelings_table().copy()


@lru_cache(maxsize=1)
def _form_index() -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    table = _feelings_table()
    for row in table.itertuples():
        index.setdefault(row.feeling.lower(), (row.axis, row.pole))
    for row in table.itertuples():
        for form in row.forms:
            index.setdefault(form, (row.axis, row.pole))
    return index


def feeling_axis(word: str) -> tuple[str, int] | None:
    """``(axis, pole)`` of a feeling name or form ("valued" → ("valued/ignored", 1)), else None.

    Case and surrounding spaces are ignored; single words are also looked up by
    their lookup lemma ("worried" → the lemma "worry"'s axis).
    """
    if not isinstance(word, str):
        return None
    key = " ".join(word.lower().split())
    index = _form_index()
    if key in index:
        return index[key]
    if " " not in key:
        for lemma, forms in _inverse_lemma_table().items():
            if key in forms and lemma in index:
                return index[lemma]
    return None


class FeelingsMatcher:
    """The ``cx_feelings`` pipeline component (see the module docstring)."""

    def __init__(self, nlp, name: str = "cx_feelings", *, lexicon: str = "feelings.yml", window: int = 3,
                 effort_feeling: str = "effortful"):
        self.name = name
        self.lexicon = lexicon
        self.window = int(window)
        self.effort_feeling = effort_feeling
        self._effort: tuple[str, str, int] | None = None
        self.matcher = None
        self._meta: dict[int, tuple[str, str, int] | None] = {}

    def initialize(self, get_examples=None, *, nlp=None) -> None:
        """Build the phrase matcher: every form, inflected, keyed by its feeling."""
        table = _feelings_table(self.lexicon)
        explicit = {f for forms in table["forms"] for f in forms}
        entries = []
        for row in table.itertuples():
            key = f"cx_feel:{row.feeling}"
            for form in row.forms:
                variants = expand_phrase(phrase_tokens(nlp, form))
                # an explicitly listed form wins over another feeling's inflected form
                entries += [(key, v) for v in variants if v == form or v not in explicit]
            self._meta[nlp.vocab.strings[key]] = (row.feeling, row.axis, int(row.pole))
        matcher = build_matcher(nlp, entries)  # variants are already space-joined tokens
        matcher.add("cx_feel:NEG", list(nlp.tokenizer.pipe(_NEGATORS)))
        matcher.add("cx_feel:BRK", list(nlp.tokenizer.pipe(_PUNCT)))
        self._meta[nlp.vocab.strings["cx_feel:NEG"]] = None
        self._brk = nlp.vocab.strings["cx_feel:BRK"]
        self.matcher = matcher
        if self.effort_feeling:
            row = table[table["feeling"] == self.effort_feeling]
            if row.empty:
                raise LexiconError(f"cx_feelings: effort_feeling {self.effort_feeling!r} is not a feeling of "
                                   f"cxaudit/lexicons/{self.lexicon}")
            self._effort = (self.effort_feeling, str(row["axis"].iloc[0]), int(row["pole"].iloc[0]))

    def __call__(self, doc: Doc) -> Doc:
        if self.matcher is None:
            raise RuntimeError("cx_feelings is not initialised: call nlp.initialize() (build_pipeline does)")
        found = []
        last_neg = -99
        for m, s, e in longest_first(self.matcher(doc)):
            if m == self._brk:
                last_neg = -99
                continue
            meta = self._meta[m]
            if meta is None:
                last_neg = e
                continue
            feeling, axis, pole = meta
            negated = 0 <= s - last_neg < self.window
            span = doc[s:e]
            found.append((feeling, axis, -pole if negated else pole, negated,
                          span.start_char, span.end_char, span.text))
        if self._effort is not None:
            found = self._described_effort(doc, found)
        doc.user_data[_K_FEELINGS] = found
        return doc

    def _described_effort(self, doc: Doc, found: list) -> list:
        """``found`` plus the effort feeling of each negative sentence with an effort phrase and
        no feeling word on the effort axis (see the module docstring), in offset order."""
        efforts = doc.user_data.get(_K_EFFORT)
        scores = doc.user_data.get(_K_SCORES)
        if not efforts or scores is None or not any(efforts):
            return found
        feeling, axis, pole = self._effort
        added = []
        for (ss, se), phrase, score in zip(sentence_bounds(doc), efforts, scores):
            if phrase is None or score > -NEUTRAL_BAND:
                continue
            sent = doc[ss:se]
            a = sent.start_char
            if any(f[1] == axis and a <= f[4] < sent.end_char for f in found):
                continue
            at = sent.text.find(phrase)
            if at >= 0:
                added.append((feeling, axis, pole, False, a + at, a + at + len(phrase), phrase))
        return sorted(found + added, key=lambda f: f[4]) if added else found
