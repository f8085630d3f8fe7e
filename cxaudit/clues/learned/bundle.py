"""Featurisers and the saved model bundle of the learned tagger.

:class:`Bundle` holds what a model folder holds: the code featuriser and
classifier, and (when polarities were coded) the polarity featuriser and
classifier. ``features.json`` keeps vocabularies, IDF weights, codebook
patterns, cue words and the word space's vocabulary and clusters;
``linear.npz`` keeps the weights and the word vectors. No pickles.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from scipy import sparse

from cxaudit.clues.learned.context import N_CLAUSE_DENSE, N_CONTEXT_FEATURES, ClauseScorer, clause_features, context_features, cue_words
from cxaudit.clues.learned.wordspace import WordSpace
from cxaudit.clues.learned.features import (Vectorizer, char_features, conjoin, match_patterns, negation_marked,
                                           tokens, word_features)
from cxaudit.clues.learned.coded import POLARITIES
from cxaudit.clues.learned.classifiers import CodeClassifier, PolarityClassifier
from cxaudit.clues.learned.finetune import HEAD_ARRAYS, PAIR_ARRAYS, TextMemo, Tuned
from cxaudit.nlp.encoder import EncoderError, SentenceEncoder

__all__ = ["CodeFeaturizer", "PolarityFeaturizer", "Bundle", "Embedder", "FEATURES_FILE", "WEIGHTS_FILE"]

FEATURES_FILE = "features.json"
WEIGHTS_FILE = "linear.npz"
TUNED_DIR = "encoder"


class Embedder:
    """A pretrained sentence encoder as a feature source, remembered in the model folder by reference.

    ``source`` is what :meth:`cxaudit.nlp.encoder.SentenceEncoder.load` takes (a folder,
    ``ORG/NAME@COMMIT``, ``"minilm"`` or ``"mpnet"``); ``sha256`` is the digest of the
    weights the model was trained with: loading refuses other weights, since
    the classifiers' weights only make sense for these vectors. Vectors of the
    last texts seen are kept (the polarity model asks again for the sentences
    the code model just read).
    """

    def __init__(self, encoder: SentenceEncoder, source: str):
        self.encoder, self.source, self.sha256 = encoder, str(source), encoder.sha256
        self._memo = TextMemo()

    @classmethod
    def load(cls, source: str, sha256: str | None = None) -> "Embedder":
        encoder = SentenceEncoder.load(source)
        if sha256 and encoder.sha256 != sha256:
            raise EncoderError(f"sentence encoder {source!r}: its weights (SHA-256 {encoder.sha256[:12]}…) are not the "
                               f"ones this tagger was trained with ({sha256[:12]}…); retrain the tagger")
        return cls(encoder, source)

    def __call__(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) L2-normalised vectors."""
        memo = self._memo.fill(texts, self.encoder.encode)
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([memo[t] for t in texts])

    def state(self) -> dict:
        return {"source": self.source, "sha256": self.sha256, "dim": self.encoder.dim}


class CodeFeaturizer:
    """Sentence → [TF-IDF word 1–2-grams + codebook matches, char_weight · TF-IDF char 2–5-grams] and, with a
    word space learned from unlabelled text, [cluster_weight · TF-IDF word-cluster ids, vector_weight · the
    IDF-weighted mean word vector] (:mod:`cxaudit.clues.learned.wordspace`), and with a pretrained sentence
    encoder, [encoder_weight · the sentence's vector] (:class:`Embedder`)."""

    def __init__(self, patterns: list, vec_w: Vectorizer, vec_c: Vectorizer, char_weight: float,
                 space: WordSpace | None = None, vec_k: Vectorizer | None = None,
                 cluster_weight: float = 0.5, vector_weight: float = 0.5,
                 embedder: Embedder | None = None, encoder_weight: float = 1.0):
        self.patterns = [(f, p) for f, p in patterns]
        self._compiled = [(f, re.compile(p)) for f, p in self.patterns]
        self.vec_w, self.vec_c, self.char_weight = vec_w, vec_c, float(char_weight)
        self.space, self.vec_k = space, vec_k
        self.cluster_weight, self.vector_weight = float(cluster_weight), float(vector_weight)
        self.embedder, self.encoder_weight = embedder, float(encoder_weight)

    @classmethod
    def fit(cls, texts: list[str], patterns: list, *, char_weight: float, space: WordSpace | None = None,
            cluster_weight: float = 0.5, vector_weight: float = 0.5, embedder: Embedder | None = None,
            encoder_weight: float = 1.0) -> "CodeFeaturizer":
        """Learn vocabularies on ``texts`` (features seen in ≥ 2 texts once there are ≥ 500 texts)."""
        min_df = 2 if len(texts) >= 500 else 1
        self = cls(patterns, Vectorizer(), Vectorizer(), char_weight, space,
                   Vectorizer() if space is not None else None, cluster_weight, vector_weight,
                   embedder, encoder_weight)
        toks = [tokens(t) for t in texts]
        self.vec_w.fit([word_features(t, match_patterns(x, self._compiled)) for t, x in zip(toks, texts)], min_df=min_df)
        self.vec_c.fit([char_features(t) for t in toks], min_df=min_df)
        if space is not None:
            self.vec_k.fit([space.cluster_features(t) for t in toks], min_df=min_df)
        return self

    @property
    def n_ngram_columns(self) -> int:
        """How many of the first columns of :meth:`transform` are sparse n-gram features (word n-grams and
        codebook matches, character n-grams, word-cluster ids): the columns the naive-Bayes block scales."""
        return len(self.vec_w.vocab) + len(self.vec_c.vocab) + (len(self.vec_k.vocab) if self.vec_k is not None else 0)

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """One row per text."""
        toks = [tokens(t) for t in texts]
        words = self.vec_w.transform([word_features(t, match_patterns(x, self._compiled)) for t, x in zip(toks, texts)])
        blocks = [words, self.vec_c.transform([char_features(t) for t in toks]) * self.char_weight]
        if self.space is not None:
            blocks.append(self.vec_k.transform([self.space.cluster_features(t) for t in toks]) * self.cluster_weight)
            blocks.append(sparse.csr_matrix(self.space.mean_vectors(toks) * self.vector_weight))
        if self.embedder is not None:
            blocks.append(sparse.csr_matrix(self.embedder(list(texts)) * self.encoder_weight))
        return sparse.hstack(blocks).tocsr()

    def state(self) -> dict:
        """JSON part of the state (the word vectors go to the weights file: :meth:`arrays`)."""
        return {"patterns": self.patterns, "vec_w": self.vec_w.state(), "vec_c": self.vec_c.state(),
                "char_weight": self.char_weight, "cluster_weight": self.cluster_weight,
                "vector_weight": self.vector_weight,
                "space": self.space.state() if self.space is not None else None,
                "vec_k": self.vec_k.state() if self.vec_k is not None else None,
                "encoder": self.embedder.state() if self.embedder is not None else None,
                "encoder_weight": self.encoder_weight}

    def arrays(self) -> dict[str, np.ndarray]:
        """Arrays saved in the weights file: the word vectors, when there is a word space."""
        return {"space_vectors": self.space.vectors} if self.space is not None else {}

    @classmethod
    def from_state(cls, state: dict, arrays: dict[str, np.ndarray], embedder: Embedder | None = None) -> "CodeFeaturizer":
        space = WordSpace.from_state(state["space"], arrays["space_vectors"]) if state["space"] else None
        return cls(state["patterns"], Vectorizer(**state["vec_w"]), Vectorizer(**state["vec_c"]), state["char_weight"],
                   space, Vectorizer(**state["vec_k"]) if state["vec_k"] else None,
                   state["cluster_weight"], state["vector_weight"], embedder, state.get("encoder_weight", 1.0))


class PolarityFeaturizer:
    """(sentence, code) → [negation-marked word 1–2-grams, char 2–5-grams, the word n-grams conjoined
    with the code, the code (one-hot), context_weight · context features of :mod:`cxaudit.clues.learned.context`,
    clause_weight · TF-IDF n-grams of the code's best clause and context_weight · its lexicon scores
    (:mod:`cxaudit.clues.learned.context`), and encoder_weight · the sentence's vector from the pretrained
    sentence encoder when the code model has one (:attr:`embedder`, set by :class:`Bundle`)].

    The context features are counts and scores of order 1–10; ``context_weight``
    scales them down to the TF-IDF rows' range (faster SVM convergence). The
    clause features need :attr:`scorer` (built from the code model, set by
    :class:`Bundle`); with ``clause_weight`` 0 there are none."""

    def __init__(self, codes: list[str], vec_w: Vectorizer, vec_c: Vectorizer, cues: dict[str, list[str]],
                 context_weight: float = 1.0, vec_x: Vectorizer | None = None, clause_weight: float = 0.0,
                 encoder_weight: float = 0.0):
        self.codes, self.vec_w, self.vec_c, self.cues = list(codes), vec_w, vec_c, dict(cues)
        self.context_weight, self.clause_weight = float(context_weight), float(clause_weight)
        self.vec_x = vec_x
        self.scorer: ClauseScorer | None = None
        self.encoder_weight = float(encoder_weight)
        self.embedder: Embedder | None = None  # set by Bundle when encoder_weight > 0

    @classmethod
    def fit(cls, texts: list[str], codes: list[str], all_codes: list[str], *, n_cues: int,
            context_weight: float, scorer: ClauseScorer | None = None, clause_weight: float = 0.0,
            embedder: Embedder | None = None, encoder_weight: float = 0.5) -> "PolarityFeaturizer":
        """Learn vocabularies on the pairs' texts, each code's cue words and the best clauses' vocabulary."""
        distinct = list(dict.fromkeys(texts))
        min_df = 2 if len(distinct) >= 500 else 1
        toks = [tokens(t) for t in distinct]
        vec_w = Vectorizer().fit([word_features(negation_marked(t)) for t in toks], min_df=1)
        vec_c = Vectorizer().fit([char_features(t) for t in toks], min_df=min_df)
        self = cls(all_codes, vec_w, vec_c, cue_words(texts, codes, k=n_cues), context_weight,
                   encoder_weight=encoder_weight if embedder is not None else 0.0)
        self.embedder = embedder if self.encoder_weight > 0 else None
        if scorer is not None and clause_weight > 0:
            self.scorer, self.clause_weight = scorer, float(clause_weight)
            self.vec_x = Vectorizer().fit(clause_features(texts, codes, scorer)[0], min_df=1)
        return self

    def transform(self, texts: list[str], codes: list[str]) -> sparse.csr_matrix:
        """One row per (texts[i], codes[i]) pair; codes unknown to the model get no code features."""
        toks = [tokens(t) for t in texts]
        words = self.vec_w.transform([word_features(negation_marked(t)) for t in toks])
        chars = self.vec_c.transform([char_features(t) for t in toks])
        idx = np.array([self.codes.index(c) if c in self.codes else -1 for c in codes], dtype=np.int64)
        onehot = np.zeros((len(texts), len(self.codes)))
        onehot[np.flatnonzero(idx >= 0), idx[idx >= 0]] = 1.0
        dense = context_features(texts, codes, self.cues) if texts else np.zeros((0, N_CONTEXT_FEATURES))
        blocks = [words, chars, conjoin(words, idx, len(self.codes)), sparse.csr_matrix(onehot),
                  sparse.csr_matrix(dense * self.context_weight)]
        if self.vec_x is not None:
            if self.scorer is None:
                raise RuntimeError("PolarityFeaturizer: clause features need the code model's scorer")
            docs, lex = clause_features(texts, codes, self.scorer) if texts else ([], np.zeros((0, N_CLAUSE_DENSE)))
            blocks += [self.vec_x.transform(docs) * self.clause_weight, sparse.csr_matrix(lex * self.context_weight)]
        if self.encoder_weight > 0:
            if self.embedder is None:
                raise RuntimeError("PolarityFeaturizer: encoder features need the code model's sentence encoder")
            blocks.append(sparse.csr_matrix(self.embedder(list(texts)) * self.encoder_weight))
        return sparse.hstack(blocks).tocsr()

    def state(self) -> dict:
        return {"codes": self.codes, "vec_w": self.vec_w.state(), "vec_c": self.vec_c.state(), "cues": self.cues,
                "context_weight": self.context_weight, "clause_weight": self.clause_weight,
                "vec_x": self.vec_x.state() if self.vec_x is not None else None,
                "encoder_weight": self.encoder_weight}

    @classmethod
    def from_state(cls, state: dict) -> "PolarityFeaturizer":
        return cls(state["codes"], Vectorizer(**state["vec_w"]), Vectorizer(**state["vec_c"]), state["cues"],
                   state["context_weight"], Vectorizer(**state["vec_x"]) if state["vec_x"] else None,
                   state["clause_weight"], state.get("encoder_weight", 0.0))


class Bundle:
    """Everything a model folder holds, with the two prediction functions."""

    def __init__(self, codes: list[str], code_features: CodeFeaturizer, code_model: CodeClassifier,
                 polarity_features: PolarityFeaturizer | None = None, polarity_model: PolarityClassifier | None = None,
                 tuned: Tuned | None = None, blend: float = 0.5, polarity_blend: float | None = None):
        self.codes, self.code_features, self.code_model = list(codes), code_features, code_model
        self.polarity_features, self.polarity_model = polarity_features, polarity_model
        # fine-tuned encoder + heads, averaged in with weight blend (codes) and polarity_blend (polarity)
        self.tuned, self.blend = tuned, float(blend)
        self.polarity_blend = self.blend if polarity_blend is None else float(polarity_blend)
        if polarity_features is not None and polarity_features.vec_x is not None:
            polarity_features.scorer = self.clause_scorer()
        if polarity_features is not None and polarity_features.encoder_weight > 0:
            polarity_features.embedder = code_features.embedder

    def clause_scorer(self) -> ClauseScorer:
        """The code model's word-n-gram weights as a clause scorer (for the polarity clause features)."""
        return ClauseScorer(self.codes, self.code_features.vec_w, self.code_model.W)

    @property
    def has_polarity(self) -> bool:
        return self.polarity_model is not None

    def code_proba(self, texts: list[str]) -> np.ndarray:
        """texts × codes probabilities (in :attr:`codes` order)."""
        if not texts:
            return np.zeros((0, len(self.codes)))
        proba = self.code_model.proba(self.code_features.transform(texts))
        if self.tuned is not None:
            proba = (1.0 - self.blend) * proba + self.blend * self.tuned.code_proba(texts)
        return proba

    def polarity_proba(self, texts: list[str], codes: list[str]) -> np.ndarray:
        """pairs × :data:`POLARITIES` probabilities (0 for a polarity never seen in training)."""
        out = np.zeros((len(texts), len(POLARITIES)))
        if texts:
            p = self.polarity_model.proba(self.polarity_features.transform(texts, codes))
            for j, cls in enumerate(self.polarity_model.classes):
                out[:, POLARITIES.index(cls)] = p[:, j]
            if self.tuned is not None:
                idx = np.array([self.codes.index(c) if c in self.codes else -1 for c in codes])
                known = np.flatnonzero(idx >= 0)
                if len(known):
                    tuned = self.tuned.polarity_proba([texts[i] for i in known], idx[known])
                    out[known] = (1.0 - self.polarity_blend) * out[known] + self.polarity_blend * tuned
        return out

    def to_disk(self, path: Path) -> None:
        """Write ``features.json`` and ``linear.npz`` into the folder ``path``."""
        cm, pm = self.code_model, self.polarity_model
        state = {"codes": self.codes, "code_features": self.code_features.state(),
                 "code_model": {"C": cm.C, "cv": cm.cv},
                 "polarity_features": self.polarity_features.state() if pm else None,
                 "polarity_model": {"C": pm.C, "cv": pm.cv, "classes": pm.classes, "temperature": pm.temperature}
                 if pm else None,
                 "tuned": None}
        arrays = {"W": cm.W, "b": cm.b, "platt": cm.platt, "thresholds": cm.thresholds, **self.code_features.arrays()}
        if cm.nb_num is not None:
            arrays.update(nb_num=cm.nb_num, nb_sq=cm.nb_sq)
        if pm:
            arrays.update(pW=pm.W, pb=pm.b)
        if self.tuned is not None:
            sha = self.tuned.encoder.save(path / TUNED_DIR)
            state["tuned"] = {"blend": self.blend, "polarity_blend": self.polarity_blend, "dir": TUNED_DIR,
                              "sha256": sha, "polarity_head": self.tuned.polarity_head}
            arrays.update(self.tuned.heads)
        (path / FEATURES_FILE).write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
        np.savez_compressed(path / WEIGHTS_FILE, **arrays)

    @classmethod
    def from_disk(cls, path: Path) -> "Bundle":
        """Read a folder written by :meth:`to_disk` (loading its sentence encoder, if it was trained with one)."""
        state = json.loads((path / FEATURES_FILE).read_text(encoding="utf-8"))
        ref = state["code_features"].get("encoder")
        embedder = Embedder.load(ref["source"], ref["sha256"]) if ref else None
        with np.load(path / WEIGHTS_FILE) as arrays:
            a = {k: arrays[k] for k in arrays.files}
        cm = CodeClassifier(a["W"], a["b"], a["platt"], a["thresholds"], state["code_model"]["C"], state["code_model"]["cv"],
                            a.get("nb_num"), a.get("nb_sq"))
        pm = pf = None
        if state["polarity_model"]:
            p = state["polarity_model"]
            pm = PolarityClassifier(a["pW"], a["pb"], p["classes"], p["temperature"], p["C"], p["cv"])
            pf = PolarityFeaturizer.from_state(state["polarity_features"])
        tuned, blends = None, (0.5, None)
        if state.get("tuned"):
            t = state["tuned"]
            encoder = SentenceEncoder.load(path / t["dir"])
            if encoder.sha256 != t["sha256"]:
                raise EncoderError(f"{path / t['dir']}: the fine-tuned weights changed since training "
                                   f"(SHA-256 {encoder.sha256[:12]}…, expected {t['sha256'][:12]}…); retrain the tagger")
            tuned = Tuned(encoder, {k: a[k] for k in HEAD_ARRAYS + PAIR_ARRAYS if k in a}, state["codes"],
                          t.get("polarity_head", "attention"))
            blends = (t["blend"], t.get("polarity_blend"))  # folders before polarity_blend: one blend for both
        return cls(state["codes"], CodeFeaturizer.from_state(state["code_features"], a, embedder), cm, pf, pm,
                   tuned, *blends)
