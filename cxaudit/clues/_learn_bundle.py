"""Featurisers and the saved model bundle of the learned tagger.

:class:`Bundle` holds what a model folder holds: the code featuriser and
classifier, and (when polarities were coded) the polarity featuriser and
classifier. ``features.json`` keeps vocabularies, IDF weights, codebook
patterns and cue words; ``linear.npz`` keeps the weights. No pickles.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from scipy import sparse

from cxaudit.clues._learn_context import N_CONTEXT_FEATURES, context_features, cue_words
from cxaudit.clues._learn_features import (Vectorizer, char_features, conjoin, match_patterns, negation_marked,
                                           tokens, word_features)
from cxaudit.clues._learn_io import POLARITIES
from cxaudit.clues._learn_model import CodeClassifier, PolarityClassifier

__all__ = ["CodeFeaturizer", "PolarityFeaturizer", "Bundle", "FEATURES_FILE", "WEIGHTS_FILE"]

FEATURES_FILE = "features.json"
WEIGHTS_FILE = "linear.npz"


class CodeFeaturizer:
    """Sentence → [TF-IDF word 1–2-grams + codebook matches, char_weight · TF-IDF char 2–5-grams]."""

    def __init__(self, patterns: list, vec_w: Vectorizer, vec_c: Vectorizer, char_weight: float):
        self.patterns = [(f, p) for f, p in patterns]
        self._compiled = [(f, re.compile(p)) for f, p in self.patterns]
        self.vec_w, self.vec_c, self.char_weight = vec_w, vec_c, float(char_weight)

    @classmethod
    def fit(cls, texts: list[str], patterns: list, *, char_weight: float) -> "CodeFeaturizer":
        """Learn vocabularies on ``texts`` (features seen in ≥ 2 texts once there are ≥ 500 texts)."""
        min_df = 2 if len(texts) >= 500 else 1
        self = cls(patterns, Vectorizer(), Vectorizer(), char_weight)
        toks = [tokens(t) for t in texts]
        self.vec_w.fit([word_features(t, match_patterns(x, self._compiled)) for t, x in zip(toks, texts)], min_df=min_df)
        self.vec_c.fit([char_features(t) for t in toks], min_df=min_df)
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """One row per text."""
        toks = [tokens(t) for t in texts]
        words = self.vec_w.transform([word_features(t, match_patterns(x, self._compiled)) for t, x in zip(toks, texts)])
        chars = self.vec_c.transform([char_features(t) for t in toks]) * self.char_weight
        return sparse.hstack([words, chars]).tocsr()

    def state(self) -> dict:
        return {"patterns": self.patterns, "vec_w": self.vec_w.state(), "vec_c": self.vec_c.state(),
                "char_weight": self.char_weight}

    @classmethod
    def from_state(cls, state: dict) -> "CodeFeaturizer":
        return cls(state["patterns"], Vectorizer(**state["vec_w"]), Vectorizer(**state["vec_c"]), state["char_weight"])


class PolarityFeaturizer:
    """(sentence, code) → [negation-marked word 1–2-grams, char 2–5-grams, the word n-grams conjoined
    with the code, the code (one-hot), context_weight · context features of :mod:`cxaudit.clues._learn_context`].

    The context features are counts and scores of order 1–10; ``context_weight``
    scales them down to the TF-IDF rows' range (faster SVM convergence)."""

    def __init__(self, codes: list[str], vec_w: Vectorizer, vec_c: Vectorizer, cues: dict[str, list[str]],
                 context_weight: float = 1.0):
        self.codes, self.vec_w, self.vec_c, self.cues = list(codes), vec_w, vec_c, dict(cues)
        self.context_weight = float(context_weight)

    @classmethod
    def fit(cls, texts: list[str], codes: list[str], all_codes: list[str], *, n_cues: int,
            context_weight: float) -> "PolarityFeaturizer":
        """Learn vocabularies on the pairs' texts and each code's cue words from the pairs."""
        distinct = list(dict.fromkeys(texts))
        min_df = 2 if len(distinct) >= 500 else 1
        toks = [tokens(t) for t in distinct]
        vec_w = Vectorizer().fit([word_features(negation_marked(t)) for t in toks], min_df=1)
        vec_c = Vectorizer().fit([char_features(t) for t in toks], min_df=min_df)
        return cls(all_codes, vec_w, vec_c, cue_words(texts, codes, k=n_cues), context_weight)

    def transform(self, texts: list[str], codes: list[str]) -> sparse.csr_matrix:
        """One row per (texts[i], codes[i]) pair; codes unknown to the model get no code features."""
        toks = [tokens(t) for t in texts]
        words = self.vec_w.transform([word_features(negation_marked(t)) for t in toks])
        chars = self.vec_c.transform([char_features(t) for t in toks])
        idx = np.array([self.codes.index(c) if c in self.codes else -1 for c in codes], dtype=np.int64)
        onehot = np.zeros((len(texts), len(self.codes)))
        onehot[np.flatnonzero(idx >= 0), idx[idx >= 0]] = 1.0
        dense = context_features(texts, codes, self.cues) if texts else np.zeros((0, N_CONTEXT_FEATURES))
        return sparse.hstack([words, chars, conjoin(words, idx, len(self.codes)),
                              sparse.csr_matrix(onehot), sparse.csr_matrix(dense * self.context_weight)]).tocsr()

    def state(self) -> dict:
        return {"codes": self.codes, "vec_w": self.vec_w.state(), "vec_c": self.vec_c.state(), "cues": self.cues,
                "context_weight": self.context_weight}

    @classmethod
    def from_state(cls, state: dict) -> "PolarityFeaturizer":
        return cls(state["codes"], Vectorizer(**state["vec_w"]), Vectorizer(**state["vec_c"]), state["cues"],
                   state["context_weight"])


class Bundle:
    """Everything a model folder holds, with the two prediction functions."""

    def __init__(self, codes: list[str], code_features: CodeFeaturizer, code_model: CodeClassifier,
                 polarity_features: PolarityFeaturizer | None = None, polarity_model: PolarityClassifier | None = None):
        self.codes, self.code_features, self.code_model = list(codes), code_features, code_model
        self.polarity_features, self.polarity_model = polarity_features, polarity_model

    @property
    def has_polarity(self) -> bool:
        return self.polarity_model is not None

    def code_proba(self, texts: list[str]) -> np.ndarray:
        """texts × codes probabilities (in :attr:`codes` order)."""
        if not texts:
            return np.zeros((0, len(self.codes)))
        return self.code_model.proba(self.code_features.transform(texts))

    def polarity_proba(self, texts: list[str], codes: list[str]) -> np.ndarray:
        """pairs × :data:`POLARITIES` probabilities (0 for a polarity never seen in training)."""
        out = np.zeros((len(texts), len(POLARITIES)))
        if texts:
            p = self.polarity_model.proba(self.polarity_features.transform(texts, codes))
            for j, cls in enumerate(self.polarity_model.classes):
                out[:, POLARITIES.index(cls)] = p[:, j]
        return out

    def to_disk(self, path: Path) -> None:
        """Write ``features.json`` and ``linear.npz`` into the folder ``path``."""
        cm, pm = self.code_model, self.polarity_model
        state = {"codes": self.codes, "code_features": self.code_features.state(),
                 "code_model": {"C": cm.C, "cv": cm.cv},
                 "polarity_features": self.polarity_features.state() if pm else None,
                 "polarity_model": {"C": pm.C, "cv": pm.cv, "classes": pm.classes, "temperature": pm.temperature}
                 if pm else None}
        (path / FEATURES_FILE).write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
        arrays = {"W": cm.W, "b": cm.b, "platt": cm.platt, "thresholds": cm.thresholds}
        if pm:
            arrays.update(pW=pm.W, pb=pm.b)
        np.savez_compressed(path / WEIGHTS_FILE, **arrays)

    @classmethod
    def from_disk(cls, path: Path) -> "Bundle":
        """Read a folder written by :meth:`to_disk`."""
        state = json.loads((path / FEATURES_FILE).read_text(encoding="utf-8"))
        with np.load(path / WEIGHTS_FILE) as arrays:
            a = {k: arrays[k] for k in arrays.files}
        cm = CodeClassifier(a["W"], a["b"], a["platt"], a["thresholds"], state["code_model"]["C"], state["code_model"]["cv"])
        pm = pf = None
        if state["polarity_model"]:
            p = state["polarity_model"]
            pm = PolarityClassifier(a["pW"], a["pb"], p["classes"], p["temperature"], p["C"], p["cv"])
            pf = PolarityFeaturizer.from_state(state["polarity_features"])
        return cls(state["codes"], CodeFeaturizer.from_state(state["code_features"]), cm, pf, pm)
