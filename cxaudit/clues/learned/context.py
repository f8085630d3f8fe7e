"""Polarity features scoped to a code's context in its sentence.

For a (sentence, code) pair the polarity model needs to know how the words
*about that code* feel, not only the sentence. The code's **cue words** are
learned from the training pairs themselves (the words most associated with
the code, by smoothed log-odds); the **context** is the clause(s) of the
sentence that contain a cue word (clauses split at punctuation and contrast
words), or the whole sentence when none does. Lexicon scores come from
VADER's lexicon (negation flips, as VADER does) and from cxaudit's own
clause-scoped sentiment (:func:`cxaudit.nlp.sentiment.clause_polarity`, VADER
plus the CX lexicon) around each cue word.

The **code's clause** (:class:`ClauseScorer`): a pair's polarity is usually
decided by the clause that talks about the code ("the food was great **but
the service was slow**"). Every clause is scored for the code by summing the
code SVM's weights of the clause's word 1–2-grams (weight × IDF, as the TF-IDF
featuriser sees them); the best clause is the code's clause. It is rebuilt
from the saved code model, so nothing extra is stored.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from cxaudit.clues.learned.features import Vectorizer, is_negator, negation_marked, tokens, word_features

__all__ = ["cue_words", "clauses", "lexicon_scores", "context_features", "N_CONTEXT_FEATURES",
           "ClauseScorer", "clause_features", "N_CLAUSE_DENSE"]

_CLAUSE_BREAKS = frozenset(".,;:!?") | frozenset("but however although though while whereas yet".split())
_N_SCALAR = -0.74  # VADER's negation factor
N_CONTEXT_FEATURES = 26
N_CLAUSE_DENSE = 5


def cue_words(texts: Sequence[str], codes: Sequence[str], *, k: int = 40, min_count: int = 3) -> dict[str, list[str]]:
    """code → up to ``k`` words most associated with it among the (text, code) pairs.

    Association is the smoothed log-odds ratio of a word's presence in the
    code's pairs versus the other pairs; words seen in fewer than
    ``min_count`` of the code's pairs are ignored. Ties break alphabetically,
    so the result is deterministic.
    """
    # lazy: spaCy loads only for context features, not with the estimator
    from spacy.lang.en.stop_words import STOP_WORDS

    total, per_code, n_code = Counter(), {}, Counter(codes)
    for text, code in zip(texts, codes):
        words = {t for t in tokens(text) if t.isalnum() and t not in STOP_WORDS}
        total.update(words)
        per_code.setdefault(code, Counter()).update(words)
    n = len(texts)
    out = {}
    for code, counts in per_code.items():
        m = n_code[code]
        score = {w: math.log((c + 0.5) / (m - c + 0.5))
                 - math.log((total[w] - c + 0.5) / (n - m - (total[w] - c) + 0.5))
                 for w, c in counts.items() if c >= min_count}
        out[code] = sorted((w for w in score if score[w] > 0), key=lambda w: (-score[w], w))[:k]
    return out


def clauses(toks: list[str]) -> list[list[str]]:
    """Token runs between punctuation and contrast words ("but", "although" …); never empty."""
    out, cur = [], []
    for t in toks:
        if t in _CLAUSE_BREAKS:
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        out.append(cur)
    return out or [[]]


def lexicon_scores(toks: list[str], lexicon: dict[str, float]) -> list[float]:
    """[squashed valence sum, #positive, #negative, max/4, min/4] of ``toks``; negators flip what follows."""
    total, pos, neg, hi, lo, negated = 0.0, 0, 0, 0.0, 0.0, False
    for t in toks:
        v = lexicon.get(t, 0.0)
        if negated:
            v *= _N_SCALAR
        if is_negator(t):
            negated = True
        total, pos, neg, hi, lo = total + v, pos + (v > 0), neg + (v < 0), max(hi, v), min(lo, v)
    return [total / math.sqrt(total * total + 15), float(pos), float(neg), hi / 4, lo / 4]


def context_features(texts: Sequence[str], codes: Sequence[str], cues: dict[str, list[str]]) -> np.ndarray:
    """Dense polarity features, one row per (text, code) pair, :data:`N_CONTEXT_FEATURES` columns.

    Columns: VADER compound/pos/neg/neu of the sentence (4); lexicon scores
    of the sentence (5), of the code's context (5); whether a cue word was
    found and whether the sentence has several clauses (2); lexicon scores of
    the other clauses (5); cxaudit's sentence sentiment and the mean, min and
    max clause polarity around the code's cue words, and whether any was found (5).
    """
    # lazy: VADER's lexicon loads only for polarity features
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    cue_sets = {c: frozenset(ws) for c, ws in cues.items()}
    cx = _cx_scores(texts, codes, cue_sets)
    rows = []
    for text, code, cx_row in zip(texts, codes, cx):
        toks = tokens(text)
        s = vader.polarity_scores(text)
        parts = clauses(toks)
        cue = cue_sets.get(code, frozenset())
        hit = [i for i, p in enumerate(parts) if cue.intersection(p)]
        context = [w for i in (hit or range(len(parts))) for w in parts[i]]
        others = [w for i, p in enumerate(parts) if hit and i not in hit for w in p]
        rows.append([s["compound"], s["pos"], s["neg"], s["neu"]]
                    + lexicon_scores(toks, vader.lexicon) + lexicon_scores(context, vader.lexicon)
                    + [float(bool(hit)), float(len(parts) > 1)]
                    + lexicon_scores(others, vader.lexicon) + cx_row)
    return np.array(rows, dtype=float).reshape(len(rows), N_CONTEXT_FEATURES)


def _cx_scores(texts: Sequence[str], codes: Sequence[str], cue_sets: dict[str, frozenset]) -> list[list[float]]:
    """Per pair: cxaudit sentence sentiment, mean/min/max clause polarity at cue words, cue found (0/1).

    Uses the blank-based cxaudit pipeline (no trained spaCy model, so the
    features do not change with what is installed); each distinct text is
    parsed once.
    """
    # lazy: the spaCy pipeline loads only when context features parse sentences
    from cxaudit.nlp import get_pipeline
    from cxaudit.nlp.clue_scope import clause_polarity

    distinct = list(dict.fromkeys(texts))
    docs = dict(zip(distinct, get_pipeline("blank").pipe(distinct, batch_size=256)))
    out = []
    for text, code in zip(texts, codes):
        doc = docs[text]
        sent = float(np.mean(doc._.sent_sentiment)) if doc._.sent_sentiment else 0.0
        cue = cue_sets.get(code, frozenset())
        near = [clause_polarity(doc, t.idx, t.idx + len(t), fallback="none") for t in doc if t.lower_ in cue]
        out.append([sent, float(np.mean(near)), min(near), max(near), 1.0] if near else [sent, sent, sent, sent, 0.0])
    return out



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
    :func:`lexicon_scores` of the clause
    (:data:`N_CLAUSE_DENSE` columns per pair).
    """
    best = [scorer.best_clause(t, c) for t, c in zip(texts, codes)]
    docs = [word_features(negation_marked(b)) for b in best]
    lexicon = _vader_lexicon()
    dense = np.array([lexicon_scores(b, lexicon) for b in best], dtype=float).reshape(len(best), N_CLAUSE_DENSE)
    return docs, dense


@functools.lru_cache(maxsize=1)
def _vader_lexicon() -> dict[str, float]:
    # lazy: VADER's lexicon loads only for polarity features
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer().lexicon
