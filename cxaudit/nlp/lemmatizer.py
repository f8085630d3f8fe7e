"""spaCy's lookup lemmatizer with a per-word cache: the same lemmas, a fraction of the cost.

spaCy's ``Lemmatizer`` in ``mode="lookup"`` looks every token's text up in the
``lemma_lookup`` table and sets ``token.lemma_`` one token at a time (about 40 % of a
blank tokenize + sentencize + lemmatize pass). :class:`CachedLookupLemmatizer` is that
component with a different ``__call__`` for lookup mode: it reads the tokens' ``ORTH``
ids with one ``Doc.to_array`` call, maps each id to its lemma id through a dict filled
from the same table (``table.get(text, text)``, exactly as spaCy), and writes all
lemmas back with one ``Doc.from_array``. Other modes run spaCy's code unchanged.

``build_pipeline("blank")`` adds it under the usual name ``lemmatizer``.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from spacy.attrs import LEMMA, ORTH
from spacy.errors import Errors
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

from .._lookups import register as _register_english_lookups

# spaCy finds the bundled English table (cxaudit/lookups/) when spacy-lookups-data is not installed
_register_english_lookups()

__all__ = ["CachedLookupLemmatizer", "make_cached_lemmatizer"]

#: Distinct words remembered before the cache is emptied (bounds memory on huge corpora).
CACHE_LIMIT = 500_000


@Language.factory(
    "cx_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": False,
                    "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"}},
    default_score_weights={"lemma_acc": 1.0},
)
def make_cached_lemmatizer(nlp: Language, model, name: str, mode: str, overwrite: bool,
                           scorer: Optional[Callable]) -> "CachedLookupLemmatizer":
    """Factory: spaCy's lemmatizer (same config) with a cached lookup mode."""
    return CachedLookupLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)


class CachedLookupLemmatizer(Lemmatizer):
    """spaCy's :class:`~spacy.pipeline.Lemmatizer`; lookup mode maps ORTH ids to lemma ids
    through a cache and writes them with one array call (see the module docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cache: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if self.mode != "lookup":
            return super().__call__(doc)
        if not self._validated:
            self._validate_tables(Errors.E1004)
        n = len(doc)
        if n == 0:
            return doc
        arr = doc.to_array([ORTH, LEMMA])
        cache = self._cache
        orths = arr[:, 0].tolist()
        try:
            lemmas = [cache[o] for o in orths]
        except KeyError:
            lemmas = [cache[o] if o in cache else self._learn(o) for o in orths]
        new = np.asarray(lemmas, dtype=arr.dtype)
        if not self.overwrite:
            new = np.where(arr[:, 1] == 0, new, arr[:, 1])
        doc.from_array([LEMMA], new.reshape(n, 1))
        return doc

    def _learn(self, orth: int) -> int:
        """The lemma id of the word with id ``orth`` (spaCy's lookup rule), remembered."""
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        strings = self.vocab.strings
        text = strings[orth]
        lemma = self.lookups.get_table("lemma_lookup", {}).get(text, text)
        if not isinstance(lemma, str):  # a table may map to a list of lemmas: spaCy takes the first
            lemma = lemma[0]
        lemma_id = strings.add(lemma)
        self._cache[orth] = lemma_id
        return lemma_id
