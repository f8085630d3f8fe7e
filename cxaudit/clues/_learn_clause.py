"""The clause of a sentence that is most about a code, found with the code model's own weights.

A (sentence, code) pair's polarity is usually decided by the clause that
talks about the code ("the food was great **but the service was slow**").
:class:`ClauseScorer` scores every clause (cut at punctuation and contrast
words, :func:`cxaudit.clues._learn_context.clauses`) for the code by
summing the code SVM's weights of the clause's word 1–2-grams (weight ×
IDF, as the TF-IDF featuriser sees them); the best clause is the code's
clause. It is rebuilt from the saved code model, so nothing extra is stored.
"""

from __future__ import annotations

import functools

import numpy as np

from cxaudit.clues._learn_context import clauses, lexicon_scores
from cxaudit.clues._learn_features import Vectorizer, negation_marked, tokens, word_features

__all__ = ["ClauseScorer", "clause_features", "N_CLAUSE_DENSE"]

N_CLAUSE_DENSE = 5


class ClauseScorer:
    """Score clauses for a code with the word-n-gram weights of the code SVM.

    ``vec_w``: the code featuriser's word vectoriser (its vocabulary indexes
    the first columns of the code features); ``W``: codes × features weights.
    """

    def __init__(self, codes: list[str], vec_w: Vectorizer, W: np.ndarray):
        self.codes = {c: j for j, c in enumerate(codes)}
        n = len(vec_w.vocab)
        self._weights = np.asarray(W)[:, :n] * vec_w.idf[None, :] if n else np.zeros((len(codes), 0))
        self._vocab = vec_w.vocab

    def score(self, toks: list[str], code: str) -> float:
        """Sum of the code's weights over the word 1–2-grams of ``toks`` (0 for an unknown code)."""
        j = self.codes.get(code)
        if j is None:
            return 0.0
        cols = [self._vocab[f] for f in word_features(toks) if f in self._vocab]
        return float(self._weights[j, cols].sum()) if cols else 0.0

    def best_clause(self, text: str, code: str) -> list[str]:
        """Tokens of the clause of ``text`` with the highest score for ``code`` (the first on ties)."""
        parts = clauses(tokens(text))
        if len(parts) == 1 or code not in self.codes:
            return parts[0] if len(parts) == 1 else [t for p in parts for t in p]
        return parts[int(np.argmax([self.score(p, code) for p in parts]))]


def clause_features(texts: list[str], codes: list[str], scorer: ClauseScorer) -> tuple[list[list[str]], np.ndarray]:
    """(negation-marked word 1–2-gram features, VADER-lexicon scores) of each pair's best clause.

    The features feed a TF-IDF vectoriser; the scores are
    :func:`cxaudit.clues._learn_context.lexicon_scores` of the clause
    (:data:`N_CLAUSE_DENSE` columns per pair).
    """
    best = [scorer.best_clause(t, c) for t, c in zip(texts, codes)]
    docs = [word_features(negation_marked(b)) for b in best]
    lexicon = _vader_lexicon()
    dense = np.array([lexicon_scores(b, lexicon) for b in best], dtype=float).reshape(len(best), N_CLAUSE_DENSE)
    return docs, dense


@functools.lru_cache(maxsize=1)
def _vader_lexicon() -> dict[str, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer().lexicon
