"""The learned tagger as an estimator: ``LearnedTagger(config).fit(coded).predict(sentences)``.

:meth:`LearnedTagger.fit` learns, from coded sentences (the long table of
:func:`cxaudit.clues.learned.coded.load_coded`),

* which codes apply to a sentence (multi-label): one linear SVM per code on
  TF-IDF word 1–2-grams, character 2–5-grams and codebook-match features
  (:mod:`.features`; given uncoded sentences, also word clusters and mean word
  vectors learned from them, :mod:`.wordspace`), plus the same n-grams scaled
  by their naive-Bayes log-count ratio for the code (NBSVM), with C, Platt scaling and
  per-code thresholds chosen by k-fold cross-validation on the training
  sentences (:mod:`.classifiers`);
* when polarities are given, the polarity of each code in its sentence
  (positive/negative/neutral/conflict): a linear SVM over (sentence, code)
  pairs on negation-marked n-grams, n-grams conjoined with the code, and
  lexicon scores scoped to the code's context and clause (:mod:`.context`);
* optionally with a pretrained sentence encoder's vectors as features, or a
  fine-tuned encoder blended in (:mod:`.finetune`).

Its options are one :class:`~cxaudit.clues.learned.config.LearnedTaggerConfig`.
:meth:`LearnedTagger.save` writes a self-contained model folder (JSON + NumPy,
no pickles; :mod:`.bundle`) that :meth:`LearnedTagger.load` reads.
The model is documented in ``docs/clues-learned.md``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from cxaudit.clues.codebook import load_codebook
from cxaudit.clues.learned.bundle import Bundle, CodeFeaturizer, Embedder, PolarityFeaturizer
from cxaudit.clues.learned.classifiers import fit_codes, fit_polarity
from cxaudit.clues.learned.coded import POLARITIES, group_coded, load_coded
from cxaudit.clues.learned.config import LearnedTaggerConfig
from cxaudit.clues.learned.features import codebook_patterns
from cxaudit.clues.learned.finetune import converged, fine_tune as _fine_tune, require_jax
from cxaudit.clues.learned.wordspace import WordSpace, read_unlabelled
from cxaudit.errors import CxauditError
from cxaudit.nlp.encoder import parse_hub_id
from cxaudit.schemas import TAGS, validate

__all__ = ["LearnedTagger", "TrainReport", "NotFittedError", "META_FILE", "FORMAT_VERSION"]

META_FILE = "cxaudit-tagger.json"
FORMAT_VERSION = 3
_VALENCE = {"positive": "positive", "negative": "negative", "neutral": "neutral", "conflict": "mixed"}


class NotFittedError(CxauditError, ValueError, AttributeError):
    """The tagger was asked to predict or save before :meth:`LearnedTagger.fit` or :meth:`LearnedTagger.load`."""


@dataclass
class TrainReport:
    """What :meth:`LearnedTagger.fit` did: data sizes, labels, thresholds, cross-validated scores, time."""

    n_sentences: int
    n_pairs: int
    codes: list[str]
    label_counts: dict[str, int]
    polarity_model: bool
    thresholds: dict[str, float]
    dev: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    n_unlabelled: int = 0
    model: str = "n-gram SVMs"
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A readable account of the training, for the command line."""
        width = max((len(c) for c in self.codes), default=4)
        lines = [f"trained {self.model} on {self.n_sentences:,} sentences ({self.n_pairs:,} sentence–code pairs"
                 + (f", {self.n_unlabelled:,} uncoded sentences" if self.n_unlabelled else "") + f") in {self.seconds:.1f} s",
                 f"  {'code':<{width}}  sentences  threshold"]
        lines += [f"  {c:<{width}}  {self.label_counts.get(c, 0):>9,}  {self.thresholds.get(c, float('nan')):>9.3f}"
                  for c in self.codes]
        if self.dev:
            cv = [f"code micro-F1 {self.dev['micro_f1']:.3f}" if "micro_f1" in self.dev else "",
                  f"polarity accuracy {self.dev['polarity_accuracy']:.3f}" if "polarity_accuracy" in self.dev else ""]
            note = " (of the SVMs; the fine-tuned part is not cross-validated)" if "fine-tuned" in self.model else ""
            lines.append("  cross-validated on the training sentences: " + ", ".join(x for x in cv if x) + note)
        else:
            lines.append("  too few sentences to cross-validate (20 needed): thresholds are the default")
        if not self.polarity_model:
            lines.append("  no polarity model (fewer than 2 polarity values coded): tags take the sentence's sentiment")
        lines += [f"  WARNING: {w}" for w in self.warnings]
        return "\n".join(lines)



class LearnedTagger:
    """A clue tagger learned from coded sentences, with scikit-learn's estimator conventions.

    ``LearnedTagger(config).fit(coded)`` learns codes (and their polarity) from
    coded sentences; :meth:`predict` turns a ``sentences`` table into ``tags``
    rows; :meth:`save` writes a model folder and :meth:`load` reads one back.
    ``config`` (a :class:`LearnedTaggerConfig`; None: the defaults) is stored
    as given. Learned attributes, set by :meth:`fit` or :meth:`load`:
    ``codes_`` (the codes, in probability-column order), ``bundle_`` (the
    featurisers and classifiers, :class:`~cxaudit.clues.learned.bundle.Bundle`),
    ``meta_`` (what the model folder's ``cxaudit-tagger.json`` holds: thresholds,
    code → codebook/clue type/touchpoint, training statistics); after
    :meth:`fit` also ``report_`` (a :class:`TrainReport`).
    """

    def __init__(self, config: LearnedTaggerConfig | None = None):
        self.config = config

    def __repr__(self) -> str:
        return f"LearnedTagger(config={self.config!r})"

    def get_params(self, deep: bool = True) -> dict:
        """``{"config": config}``; with ``deep``, also each option as ``config__<name>``."""
        params = {"config": self.config}
        if deep:
            config = self.config if self.config is not None else LearnedTaggerConfig()
            params.update({f"config__{f.name}": getattr(config, f.name) for f in fields(config)})
        return params

    # ------------------------------------------------------------------ learning

    def fit(self, coded: pd.DataFrame | str | Path, *, unlabelled=None) -> "LearnedTagger":
        """Learn codes (and polarity) from ``coded``; returns ``self``.

        ``coded``: the long table of :func:`~cxaudit.clues.learned.coded.load_coded`
        (``text``, ``code``, ``polarity``), or a path it reads. ``unlabelled``:
        uncoded sentences (a list of strings, a .txt file with one per line, a
        CSV/JSONL/XLSX with a ``text`` column, or a cxaudit results folder):
        word vectors and clusters are learned from them plus the coded texts and
        become code features. Raises :class:`UnlabelledFileError` or
        :class:`CodedFileError` naming the file that cannot be read,
        :class:`EncoderError` when the encoder cannot be loaded,
        :class:`FineTuneError` when fine-tuning needs JAX, and ``ValueError``
        when no sentence has a code. Deterministic for a given ``config.seed``.
        """
        config = self.config if self.config is not None else LearnedTaggerConfig()
        start = time.perf_counter()
        extra = read_unlabelled(unlabelled)
        encoder = config.encoder_source
        if encoder is not None and parse_hub_id(str(encoder)) is None:
            encoder = Path(encoder).resolve()  # the model folder refers to it: make the reference cwd-independent
        if config.fine_tune:
            require_jax()  # before loading the encoder and minutes of other training
        embedder = Embedder.load(str(encoder)) if encoder is not None else None
        data = group_coded(load_coded(coded))
        if data.empty or not data["codes"].map(len).any():
            raise ValueError("fit: no coded sentences with a code; expected rows with text and code")
        cbs = _load_codebooks(config.codebooks)
        codes = sorted({c for cs in data["codes"] for c in cs})
        space = WordSpace.fit(list(dict.fromkeys(data["text"].tolist() + extra)), seed=config.seed) if extra else None
        bundle = _fit_bundle(data, codes, cbs, config, space, None if config.fine_tune else embedder)
        if config.fine_tune:
            _fine_tune_bundle(bundle, data, codes, config, embedder)
        self.bundle_, self.codes_ = bundle, list(codes)
        self.meta_ = _meta(bundle, data, codes, cbs, config, n_unlabelled=len(extra), word_space=space is not None,
                           embedder=embedder, seconds=time.perf_counter() - start)
        self.report_ = _report(self.meta_, bundle, embedder, config)
        return self

    # ------------------------------------------------------------------ the model folder

    def save(self, path: str | Path) -> Path:
        """Write the model folder ``path`` (replaced atomically if it exists); returns it."""
        self._check_fitted("save")
        path = Path(path)
        _save_atomically(self.bundle_, self.meta_, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "LearnedTagger":
        """A fitted tagger from a model folder written by :meth:`save` (format 3, the format since
        cxaudit's learned tagger of session 4; older folders are refused with what to do)."""
        path = Path(path)
        meta_path = path / META_FILE
        if not meta_path.exists():
            raise FileNotFoundError(f"{path}: not a cxaudit tagger folder (no {META_FILE})")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{meta_path}: format_version {meta.get('format_version')!r}, expected {FORMAT_VERSION}; "
                             "retrain the tagger with this version of cxaudit (`cxaudit train`)")
        tagger = cls(_config_of(meta))
        tagger.bundle_, tagger.meta_, tagger.codes_ = Bundle.from_disk(path), meta, list(meta["codes"])
        return tagger

    # ------------------------------------------------------------------ prediction

    def predict_proba(self, texts: Sequence[str]) -> pd.DataFrame:
        """Probability of each code (columns, in :attr:`codes_` order) for each text (rows)."""
        self._check_fitted("predict_proba")
        return pd.DataFrame(self.bundle_.code_proba(list(texts)), columns=self.codes_)

    def polarity_proba(self, texts: Sequence[str], codes: Sequence[str]) -> pd.DataFrame | None:
        """P(positive/negative/neutral/conflict) of ``codes[i]`` in ``texts[i]``; None without a polarity model."""
        self._check_fitted("polarity_proba")
        if not self.bundle_.has_polarity:
            return None
        return pd.DataFrame(self.bundle_.polarity_proba(list(texts), list(codes)), columns=list(POLARITIES))

    def decide(self, proba: pd.DataFrame, *, threshold: float | None = None, at_least_one: bool | None = None) -> np.ndarray:
        """Boolean matrix of the codes that apply, from :meth:`predict_proba` output.

        ``threshold`` overrides the per-code tuned thresholds for every code;
        ``at_least_one`` (default: True when every training sentence had a
        code) gives a sentence with no code its most probable one.
        """
        self._check_fitted("decide")
        th = (np.full(len(self.codes_), float(threshold)) if threshold is not None
              else np.array([self.meta_["thresholds"][c] for c in self.codes_]))
        values = proba.to_numpy()
        chosen = values >= th
        if self.meta_["at_least_one"] if at_least_one is None else at_least_one:
            empty = ~chosen.any(axis=1) & (len(self.codes_) > 0)
            chosen[np.flatnonzero(empty), values[empty].argmax(axis=1)] = True
        return chosen

    def predict(self, sentences: pd.DataFrame, *, threshold: float | None = None,
                at_least_one: bool | None = None) -> pd.DataFrame:
        """Tag sentences; returns rows of the ``tags`` table (method ``model``).

        ``sentences`` needs ``sentence_id`` and ``text``; ``doc_id``,
        ``sentiment``, ``valence`` and ``mode`` are used when present. One row
        per (sentence, code) chosen by :meth:`decide`: sentence level
        (start/end null, evidence = the sentence), confidence = the
        probability, polarity = P(positive) − P(negative) from the polarity
        model (else the sentence sentiment), valence from the most probable
        polarity (conflict → mixed).
        """
        self._check_fitted("predict")
        for col in ("sentence_id", "text"):
            if col not in sentences.columns:
                raise ValueError(f"predict: sentences lack column {col!r}; found {list(sentences.columns)}")
        if sentences.empty:
            return validate(pd.DataFrame(columns=TAGS.names), TAGS)
        proba = self.predict_proba(sentences["text"].astype(str).tolist())
        rows_i, codes_j = np.nonzero(self.decide(proba, threshold=threshold, at_least_one=at_least_one))
        codes = [self.codes_[j] for j in codes_j]
        sub = sentences.iloc[rows_i].reset_index(drop=True)
        info = self.meta_["code_info"]
        out = pd.DataFrame({
            "sentence_id": sub["sentence_id"], "doc_id": sub.get("doc_id", sub["sentence_id"].str.split("#").str[0]),
            "codebook": [info[c]["codebook"] for c in codes], "code": codes,
            "clue_type": [info[c]["clue_type"] for c in codes], "touchpoint": [info[c]["touchpoint"] for c in codes],
            "start_char": pd.NA, "end_char": pd.NA, "evidence": sub["text"],
            "mode": sub["mode"] if "mode" in sub else "current", "method": "model",
            "confidence": proba.to_numpy()[rows_i, codes_j], "feeling_from": "model",
        })
        out["polarity"], out["valence"] = self._polarity(sub, codes)
        return validate(out, TAGS)

    def _polarity(self, sub: pd.DataFrame, codes: list[str]) -> tuple[list, list]:
        """(polarity, valence) per chosen (sentence, code): from the polarity model, else the sentence's."""
        pol = self.polarity_proba(sub["text"].astype(str).tolist(), codes) if codes else None
        if pol is not None:
            valence = [_VALENCE[p] for p in pol.idxmax(axis=1)]
            return (pol["positive"] - pol["negative"]).round(4).tolist(), valence
        sentiment = sub["sentiment"].astype(float) if "sentiment" in sub else pd.Series(0.0, index=sub.index)
        valence = sub["valence"] if "valence" in sub else sentiment.map(
            lambda s: "positive" if s >= 0.05 else "negative" if s <= -0.05 else "neutral")
        return sentiment.tolist(), list(valence)

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "bundle_"):
            raise NotFittedError(f"LearnedTagger.{method}: this tagger is not fitted yet; call fit(coded) first, "
                                 "or LearnedTagger.load(model_folder)")


def _meta(bundle: Bundle, data: pd.DataFrame, codes: list[str], cbs: list, config: LearnedTaggerConfig, *,
          n_unlabelled: int, word_space: bool, embedder: Embedder | None, seconds: float) -> dict:
    """What the model folder's ``cxaudit-tagger.json`` holds."""
    tuned = bundle.tuned
    dev = {k: v for k, v in (("micro_f1", bundle.code_model.cv.get("micro_f1")),
                             ("polarity_accuracy", bundle.polarity_model.cv.get("accuracy") if bundle.has_polarity else None))
           if v is not None}
    ft = config.fine_tune
    options = dict(seed=config.seed, folds=config.folds, c_grid=list(config.c_grid),
                   polarity_c_grid=list(config.polarity_c_grid), char_weight=config.char_weight,
                   nb_weight=config.nb_weight, n_cues=config.n_cues,
                   context_weight=config.context_weight, clause_weight=config.clause_weight,
                   n_unlabelled=n_unlabelled, word_space=word_space, cluster_weight=config.cluster_weight,
                   vector_weight=config.vector_weight, encoder=embedder.state() if embedder else None,
                   encoder_weight=config.encoder_weight, polarity_encoder_weight=config.polarity_encoder_weight,
                   fine_tune=ft, epochs=config.epochs if ft else None, blend=bundle.blend if ft else None,
                   polarity_blend=bundle.polarity_blend if ft else None,
                   code_weight=config.code_weight if ft else None,
                   polarity_head=tuned.polarity_head if ft else None,
                   fine_tune_losses=[round(x, 4) for x in tuned.epoch_losses] if ft else None,
                   fine_tune_converged=converged(tuned.epoch_losses) if ft else None)
    return {
        "format_version": FORMAT_VERSION, "kind": "cxaudit-learned-tagger", "codebook": config.codebook_name,
        "codes": codes, "thresholds": dict(zip(codes, map(float, bundle.code_model.thresholds))),
        "default_threshold": float(config.threshold), "at_least_one": bool(data["codes"].map(len).gt(0).all()),
        "code_info": _code_info(codes, cbs, config.codebook_name), "polarity_model": bundle.has_polarity,
        "config": config.to_dict(),
        "training": {"n_sentences": int(len(data)), "n_pairs": int(data["codes"].map(len).sum()),
                     "label_counts": {c: int(sum(c in cs for cs in data["codes"])) for c in codes},
                     "dev": dev, "code_cv": bundle.code_model.cv,
                     "polarity_cv": bundle.polarity_model.cv if bundle.has_polarity else None,
                     **options, "seconds": round(seconds, 2)},
    }


def _report(meta: dict, bundle: Bundle, embedder: Embedder | None, config: LearnedTaggerConfig) -> TrainReport:
    """The :class:`TrainReport` of a fit, from its ``meta``."""
    t = meta["training"]
    kind = (f"a fine-tuned {embedder.source} encoder + n-gram SVMs (fine-tuned model's weight: {bundle.blend:g} for "
            f"codes, {bundle.polarity_blend:g} for polarity)" if config.fine_tune
            else f"n-gram SVMs + {embedder.source} encoder vectors" if embedder is not None else "n-gram SVMs")
    warnings = []
    if t["fine_tune_converged"] is False:
        losses = t["fine_tune_losses"]
        warnings.append(f"the fine-tuning did not learn (mean loss {losses[0]:.3f} in the first epoch, "
                        f"{losses[-1]:.3f} in the last): too few sentences or epochs to learn from, or a run "
                        "that collapsed to the label frequencies; retrain with more --epochs or another --seed")
    return TrainReport(t["n_sentences"], t["n_pairs"], list(meta["codes"]), t["label_counts"], bundle.has_polarity,
                       dict(meta["thresholds"]), t["dev"], t["seconds"], t["n_unlabelled"], kind, warnings)


def _config_of(meta: dict) -> LearnedTaggerConfig:
    """The config a model folder was trained with: its ``config``, or (folders written before the
    estimator) the options its ``training`` record kept; codebooks are not recorded there."""
    if "config" in meta:
        return LearnedTaggerConfig.from_dict({"nb_weight": 0.0, **meta["config"]})  # nb_weight: none before it existed
    t = dict(meta.get("training", {}))
    ft = bool(t.get("fine_tune"))
    options = {k: t[k] for k in ("seed", "folds", "c_grid", "polarity_c_grid", "char_weight", "nb_weight", "n_cues",
                                 "context_weight", "clause_weight", "cluster_weight", "vector_weight",
                                 "encoder_weight", "polarity_encoder_weight") if t.get(k) is not None}
    if t.get("encoder"):
        options["encoder"] = t["encoder"]["source"]
    if ft:
        options.update({k: t[k] for k in ("epochs", "blend", "polarity_blend", "code_weight", "polarity_head")
                        if t.get(k) is not None}, fine_tune=True)
    options.setdefault("nb_weight", 0.0)
    return LearnedTaggerConfig(threshold=meta.get("default_threshold", 0.5),
                               codebook_name=meta.get("codebook", "learned"), **options)

def _fit_bundle(data: pd.DataFrame, codes: list[str], cbs: list, config: LearnedTaggerConfig,
                space: WordSpace | None, embedder: Embedder | None) -> Bundle:
    """Fit the code model and, when ≥ 2 polarity values were coded, the polarity model.

    ``data``: one row per text with ``codes`` (tuple) and ``polarity`` (dict code → polarity);
    ``space``: a :class:`WordSpace` or None; ``embedder``: an :class:`Embedder` whose vectors become
    features, or None.
    """
    texts = data["text"].tolist()
    features = CodeFeaturizer.fit(texts, codebook_patterns(cbs), char_weight=config.char_weight, space=space,
                                  cluster_weight=config.cluster_weight, vector_weight=config.vector_weight,
                                  embedder=embedder, encoder_weight=config.encoder_weight)
    Y = np.array([[c in cs for c in codes] for cs in data["codes"]], dtype=int).reshape(len(texts), len(codes))
    code_model = fit_codes(features.transform(texts), Y, c_grid=config.c_grid, folds=config.folds, seed=config.seed,
                           tune=config.tune_thresholds, default_threshold=config.threshold,
                           nb_columns=features.n_ngram_columns, nb_weight=config.nb_weight)
    bundle = Bundle(codes, features, code_model)
    pairs = [(t, c, p) for t, pols in zip(texts, data["polarity"]) for c, p in pols.items()]
    if len({p for _, _, p in pairs}) >= 2:
        ptexts, pcodes, labels = map(list, zip(*pairs))
        bundle.polarity_features = PolarityFeaturizer.fit(ptexts, pcodes, codes, n_cues=config.n_cues,
                                                          context_weight=config.context_weight,
                                                          scorer=bundle.clause_scorer(),
                                                          clause_weight=config.clause_weight, embedder=embedder,
                                                          encoder_weight=config.polarity_encoder_weight)
        bundle.polarity_model = fit_polarity(bundle.polarity_features.transform(ptexts, pcodes), labels, ptexts,
                                             c_grid=config.polarity_c_grid, folds=config.folds)
    return bundle


def _fine_tune_bundle(bundle: Bundle, data: pd.DataFrame, codes: list[str], config: LearnedTaggerConfig,
                      embedder: Embedder) -> None:
    """Fine-tune the encoder on the coded sentences and blend it into ``bundle`` (thresholds included)."""
    Y = np.array([[c in cs for c in codes] for cs in data["codes"]], dtype=np.float32).reshape(len(data), len(codes))
    P = np.array([[POLARITIES.index(pols[c]) if c in pols else -1 for c in codes] for pols in data["polarity"]],
                 dtype=np.int32).reshape(len(data), len(codes))
    bundle.tuned = _fine_tune(embedder.encoder, data["text"].tolist(), Y, P, epochs=config.epochs, seed=config.seed,
                              code_weight=config.code_weight, codes=codes, pairs=config.head != "attention")
    if bundle.tuned.has_pair_head:
        bundle.tuned.set_polarity_head(config.head)
    bundle.blend, bundle.polarity_blend = config.blends
    # the SVMs' tuned thresholds, averaged with 0.5 for the fine-tuned model's probabilities
    bundle.code_model.thresholds = bundle.blend * 0.5 + (1.0 - bundle.blend) * bundle.code_model.thresholds


def _load_codebooks(codebooks) -> list:
    if not codebooks:
        return []
    return [load_codebook(cb) for cb in codebooks]


def _code_info(codes: list[str], cbs: list, default_codebook: str) -> dict[str, dict]:
    """code → {codebook, clue_type, touchpoint}: from the first codebook that has it, else learned/none."""
    info = {}
    for code in codes:
        info[code] = {"codebook": default_codebook, "clue_type": "none", "touchpoint": None}
        for cb in cbs:
            if code in cb.ids():
                c = cb.code(code)
                info[code] = {"codebook": cb.name, "clue_type": c.clue_type, "touchpoint": c.touchpoint}
                break
    return info


def _save_atomically(bundle: Bundle, meta: dict, out_dir: Path) -> None:
    """Write the model to a temporary sibling folder, then swap it into place."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        bundle.to_disk(tmp)
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
