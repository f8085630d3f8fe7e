"""Sparse text features of the learned tagger: n-grams, negation marking, TF-IDF.

Everything here is learned from the training input only and is saved as
plain JSON (vocabularies and IDF weights), so a model folder is
self-contained and loads without pickles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np
from scipy import sparse

__all__ = ["tokens", "is_negator", "negation_marked", "word_features", "char_features", "Vectorizer",
           "codebook_patterns", "match_patterns", "conjoin", "NEGATORS"]

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)*|[.,;:!?]")
NEGATORS = frozenset("not no never nothing nobody none neither nor without hardly barely cannot cant "
                     "dont didnt doesnt isnt wasnt wont wouldnt couldnt shouldnt arent werent".split())
_SCOPE_END = frozenset(".,;:!?")


def tokens(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens of ``text``."""
    return _TOKEN.findall(text.lower())


def is_negator(token: str) -> bool:
    """True for "not", "never", "n't" forms and the other negators."""
    return token in NEGATORS or token.endswith("n't") or token.endswith("n’t")


def negation_marked(toks: list[str]) -> list[str]:
    """NRC-Canada-style negation: tokens after a negator get ``_NEG`` until punctuation.

    ``["not", "good", ",", "fine"]`` → ``["not", "good_NEG", ",", "fine"]``.
    """
    out, negated = [], False
    for t in toks:
        if t in _SCOPE_END:
            negated = False
            out.append(t)
            continue
        out.append(f"{t}_NEG" if negated else t)
        if is_negator(t):
            negated = True
    return out


def word_features(toks: list[str], extra: Iterable[str] = ()) -> list[str]:
    """Unigrams (``w:``), bigrams (``b:``) of the non-punctuation tokens, then ``extra`` as given."""
    words = [t for t in toks if t not in _SCOPE_END]
    return [f"w:{t}" for t in words] + [f"b:{a} {b}" for a, b in zip(words, words[1:])] + list(extra)


def char_features(toks: list[str]) -> list[str]:
    """Character 2- to 5-grams inside each space-padded word (``c:``)."""
    out = []
    for t in toks:
        if t not in _SCOPE_END:
            w = f" {t} "
            out.extend(f"c:{w[i:i + n]}" for n in (2, 3, 4, 5) for i in range(len(w) - n + 1))
    return out


class Vectorizer:
    """TF-IDF over lists of feature strings: sublinear tf, smoothed idf, L2-normalised rows."""

    def __init__(self, vocab: list[str] | None = None, idf: Iterable[float] | None = None):
        self.vocab = {f: i for i, f in enumerate(vocab or [])}
        self.idf = np.asarray(idf if idf is not None else [], dtype=float)

    def fit(self, docs: list[list[str]], *, min_df: int = 1) -> "Vectorizer":
        """Learn the vocabulary (features in ≥ ``min_df`` docs) and IDF weights; returns self."""
        df: dict[str, int] = {}
        for d in docs:
            for f in set(d):
                df[f] = df.get(f, 0) + 1
        kept = sorted(f for f, n in df.items() if n >= min_df)
        self.vocab = {f: i for i, f in enumerate(kept)}
        self.idf = np.log((1 + len(docs)) / (1 + np.array([df[f] for f in kept], dtype=float))) + 1
        return self

    def transform(self, docs: list[list[str]]) -> sparse.csr_matrix:
        """One L2-normalised TF-IDF row per doc; unknown features are ignored."""
        indptr, indices, values = [0], [], []
        for d in docs:
            counts: dict[int, int] = {}
            for f in d:
                j = self.vocab.get(f)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            val = (1 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * self.idf[idx]
            norm = math.sqrt(float(val @ val)) or 1.0
            indices.extend(idx.tolist())
            values.extend((val / norm).tolist())
            indptr.append(len(indices))
        return sparse.csr_matrix((values, indices, indptr), shape=(len(docs), len(self.vocab)))

    def state(self) -> dict:
        """JSON-serialisable state; ``Vectorizer(**state)`` rebuilds it."""
        return {"vocab": list(self.vocab), "idf": self.idf.tolist()}


def codebook_patterns(codebooks: list) -> list[tuple[str, str]]:
    """(feature name, regex) per codebook code with phrases or lemmas: a match becomes a feature."""
    out = []
    for cb in codebooks:
        for code in cb.codes:
            alts = [re.escape(p.lower()) for p in code.phrases] + [re.escape(lm.lower()) + r"\w*" for lm in code.lemmas]
            if alts:
                out.append((f"cb:{cb.name}:{code.id}", r"\b(?:" + "|".join(alts) + r")\b"))
    return out


def match_patterns(text: str, compiled: list[tuple[str, re.Pattern]]) -> list[str]:
    """Names of the compiled codebook patterns that match the lower-cased ``text``."""
    low = text.lower()
    return [f for f, rx in compiled if rx.search(low)]


def conjoin(X: sparse.csr_matrix, block: np.ndarray, n_blocks: int) -> sparse.csr_matrix:
    """Copy row i of ``X`` into column block ``block[i]`` of ``n_blocks`` (a feature × code interaction).

    Rows with ``block[i] < 0`` stay empty. Shape: rows × (columns · n_blocks).
    """
    coo = X.tocoo()
    keep = block[coo.row] >= 0
    cols = coo.col[keep] + X.shape[1] * block[coo.row[keep]]
    return sparse.csr_matrix((coo.data[keep], (coo.row[keep], cols)), shape=(X.shape[0], X.shape[1] * n_blocks))
