"""A clue tagger learned from the researcher's own coded sentences.

:func:`load_coded` reads coded sentences (CSV/JSONL/XLSX: ``text``, ``code``,
optional ``polarity``); :func:`train` learns

* which codes apply to a sentence (multi-label): one linear SVM per code on
  TF-IDF word 1–2-grams, character 2–5-grams and codebook-match features
  (and, given uncoded sentences, word clusters and mean word vectors learned
  from them, :mod:`._learn_embed`), with C, Platt scaling and per-code
  thresholds chosen by k-fold cross-validation on the training sentences
  (:mod:`._learn_model`);
* when polarities are given, the polarity of each code in its sentence
  (positive/negative/neutral/conflict): a linear SVM over (sentence, code)
  pairs on negation-marked n-grams, n-grams conjoined with the code, and
  lexicon scores scoped to the code's context in the sentence
  (:mod:`._learn_context`) and to the clause the code model finds most
  about the code (:mod:`._learn_clause`);

and saves a self-contained model folder that :class:`LearnedTagger` loads.
The model is documented in ``docs/clues-learned.md``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxaudit.clues.learned.bundle import Bundle, CodeFeaturizer, Embedder, PolarityFeaturizer
from cxaudit.clues.learned.wordspace import UnlabelledFileError, WordSpace, read_unlabelled
from cxaudit.clues.learned.features import codebook_patterns
from cxaudit.clues.learned.finetune import POLARITY_HEADS, FineTuneError, converged, fine_tune as _fine_tune, require_jax
from cxaudit.clues.learned.coded import POLARITIES, CodedFileError, group_coded, load_coded
from cxaudit.clues.learned.classifiers import fit_codes, fit_polarity
from cxaudit.nlp.encoder import EncoderError, parse_hub_id
from cxaudit.schemas import TAGS, validate

__all__ = ["CodedFileError", "UnlabelledFileError", "EncoderError", "FineTuneError", "TrainReport", "LearnedTagger", "load_coded", "train", "POLARITIES", "META_FILE"]

META_FILE = "cxaudit-tagger.json"
FORMAT_VERSION = 3
# Default weights of a fine-tuned pinned encoder (cxaudit.nlp.encoder.PINNED) against the SVMs, per (encoder, polarity head):
# (codes, polarity). Each is the best of 0 / 0.25 / 0.5 / 0.65 / 0.8 / 1 on an inner 80/20 split of the
# benchmark's training sentences (benchmarks/select_blend.py [--pairs]; the benchmark's held-out sentences
# were not used). Other heads take their encoder's attention weights.
BLENDS = {("minilm", "attention"): (0.8, 0.25), ("mpnet", "attention"): (1.0, 0.65), ("mpnet", "pair"): (0.65, 0.5)}
# Default polarity head (cxaudit.clues._learn_finetune.POLARITY_HEADS). MPNet's pair head was the most
# accurate on SemEval (inner split and held-out) but one of its three runs, on MAMS, did not learn,
# against none of four with the attention head: it is opt-in (docs/clues-learned.md).
HEADS = {"minilm": "attention", "mpnet": "attention"}
_VALENCE = {"positive": "positive", "negative": "negative", "neutral": "neutral", "conflict": "mixed"}


@dataclass
class TrainReport:
    """What :func:`train` did: data sizes, labels, thresholds, cross-validated scores, time."""

    out_dir: str
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


def train(
    coded: pd.DataFrame | str | Path,
    out_dir: str | Path,
    *,
    seed: int = 0,
    threshold: float = 0.5,
    codebooks: Sequence = (),
    codebook_name: str = "learned",
    tune_thresholds: bool = True,
    folds: int = 5,
    c_grid: Sequence[float] = (0.1, 0.2, 0.5),
    polarity_c_grid: Sequence[float] = (0.1, 0.2, 0.3),
    char_weight: float = 1.4,
    n_cues: int = 40,
    context_weight: float = 0.25,
    clause_weight: float = 0.5,
    unlabelled=None,
    cluster_weight: float = 0.5,
    vector_weight: float = 0.5,
    encoder: str | Path | None = None,
    encoder_weight: float = 1.0,
    polarity_encoder_weight: float = 0.5,
    fine_tune: bool = False,
    epochs: int = 4,
    blend: float | None = None,
    polarity_blend: float | None = None,
    code_weight: float = 5.0,
    polarity_head: str | None = None,
) -> TrainReport:
    """Learn codes (and polarity) from coded sentences and save the model to ``out_dir``.

    ``coded``: the long table of :func:`load_coded` (or a path to read).
    ``codebooks``: Codebook objects or names; their patterns become features
    and give each learned code its ``clue_type``/``touchpoint`` when it is one
    of theirs. ``folds``-fold cross-validation on the training sentences picks
    the SVMs' C from ``c_grid`` (codes) and ``polarity_c_grid`` (polarity),
    calibrates probabilities and, with ``tune_thresholds`` and ≥ 100
    sentences, tunes one F1-best threshold per code (codes with < 3 positives
    keep ``threshold``). ``char_weight`` scales the character n-grams;
    ``n_cues`` is the number of cue words learned per code for polarity and
    ``context_weight`` the scale of the polarity model's lexicon/context features;
    ``clause_weight`` scales the n-grams of the clause the code model finds
    most about the code (0: no clause features).
    ``unlabelled``: uncoded sentences (a list of strings, a .txt file with one
    per line, a CSV/JSONL/XLSX with a ``text`` column, or a cxaudit results
    folder): word vectors and clusters are learned from them plus the coded
    texts and become code features, scaled by ``cluster_weight`` and
    ``vector_weight``. Raises :class:`UnlabelledFileError` naming the file
    when it cannot be read.
    ``encoder``: a pretrained sentence encoder (a folder in the Hugging Face layout, a hub id pinned to a
    commit ``ORG/NAME@COMMIT`` read from the hub's cache, or ``"minilm"``/``"mpnet"``, the official
    releases at pinned commits; :mod:`cxaudit.nlp.encoder`, needs the ``encoder`` extra) whose
    sentence vectors become code features (× ``encoder_weight``) and polarity
    features (× ``polarity_encoder_weight``; 0 turns them off). The model
    folder records the encoder by reference and SHA-256, so the same encoder
    must be installed where the tagger is used. Raises :class:`EncoderError`
    when it cannot be loaded.
    ``fine_tune``: instead of using the encoder's vectors as features, fine-tune
    the encoder (``encoder``, default ``"minilm"``) on the coded sentences for
    ``epochs`` epochs with a code head and a per-code polarity head
    (:mod:`._learn_finetune`, needs the ``finetune`` extra: JAX); its probabilities are averaged with
    the SVMs' (weight ``blend`` for codes, ``polarity_blend`` for polarity;
    by default those of :data:`BLENDS` for a pinned encoder and head, chosen on an
    inner validation split by ``benchmarks/select_blend.py``, else 0.5 and
    0.5); ``code_weight`` weighs the code loss against the polarity loss in
    fine-tuning. ``polarity_head``: where the fine-tuned model's polarity of a
    code comes from (:data:`POLARITY_HEADS`): ``"attention"`` (a per-code
    attention over the sentence, read once), ``"pair"`` (the sentence read
    again as a text pair with the code's name: about twice the training and
    prediction time; with MPNet the most accurate) or ``"both"`` (their
    mean); by default :data:`HEADS` for a pinned encoder, else ``"attention"``.
    The blends and the head are fine-tuning options: given without
    ``fine_tune`` they raise ``ValueError``. The tuned encoder is saved in the model
    folder (``encoder/``, ~90 MB for MiniLM, ~440 MB for MPNet). Raises :class:`FineTuneError`
    when JAX is missing.
    Deterministic for a given ``seed``; the folder is replaced atomically.
    """
    start = time.perf_counter()
    extra = read_unlabelled(unlabelled)
    if fine_tune and encoder is None:
        encoder = "minilm"
    if not fine_tune and (blend, polarity_blend, polarity_head) != (None, None, None):
        raise ValueError("train: blend, polarity_blend and polarity_head are options of fine-tuning "
                         "(fine_tune=True, `--fine-tune`)")
    polarity_head = HEADS.get(str(encoder), "attention") if polarity_head is None else polarity_head
    if polarity_head not in POLARITY_HEADS:
        raise ValueError(f"train: polarity_head {polarity_head!r}: expected one of {', '.join(POLARITY_HEADS)}")
    default = BLENDS.get((str(encoder), polarity_head), BLENDS.get((str(encoder), "attention"), (0.5, 0.5)))
    blend = default[0] if blend is None else float(blend)
    polarity_blend = default[1] if polarity_blend is None else float(polarity_blend)
    if not (0.0 <= blend <= 1.0 and 0.0 <= polarity_blend <= 1.0):
        raise ValueError(f"train: blend {blend} and polarity_blend {polarity_blend} must be between 0 and 1")
    if encoder is not None and parse_hub_id(str(encoder)) is None:
        encoder = Path(encoder).resolve()  # the model folder refers to it: make the reference cwd-independent
    if fine_tune:
        require_jax()  # before loading the encoder and minutes of other training
    embedder = Embedder.load(str(encoder)) if encoder is not None else None
    data = group_coded(load_coded(coded))
    if data.empty or not data["codes"].map(len).any():
        raise ValueError("train: no coded sentences with a code; expected rows with text and code")
    cbs = _load_codebooks(codebooks)
    codes = sorted({c for cs in data["codes"] for c in cs})
    space = WordSpace.fit(list(dict.fromkeys(data["text"].tolist() + extra)), seed=seed) if extra else None
    bundle = _fit(data, codes, cbs, seed=seed, threshold=threshold, tune=tune_thresholds, folds=folds,
                  c_grid=c_grid, polarity_c_grid=polarity_c_grid, char_weight=char_weight, n_cues=n_cues,
                  context_weight=context_weight, clause_weight=clause_weight, space=space,
                  cluster_weight=cluster_weight, vector_weight=vector_weight,
                  embedder=None if fine_tune else embedder,
                  encoder_weight=encoder_weight, polarity_encoder_weight=polarity_encoder_weight)
    if fine_tune:
        Y = np.array([[c in cs for c in codes] for cs in data["codes"]], dtype=np.float32).reshape(len(data), len(codes))
        P = np.array([[POLARITIES.index(pols[c]) if c in pols else -1 for c in codes] for pols in data["polarity"]],
                     dtype=np.int32).reshape(len(data), len(codes))
        bundle.tuned = _fine_tune(embedder.encoder, data["text"].tolist(), Y, P, epochs=epochs, seed=seed,
                                  code_weight=code_weight, codes=codes, pairs=polarity_head != "attention")
        if bundle.tuned.has_pair_head:
            bundle.tuned.set_polarity_head(polarity_head)
        bundle.blend, bundle.polarity_blend = blend, polarity_blend
        # the SVMs' tuned thresholds, averaged with 0.5 for the fine-tuned model's probabilities
        bundle.code_model.thresholds = blend * 0.5 + (1.0 - blend) * bundle.code_model.thresholds
    thresholds = dict(zip(codes, map(float, bundle.code_model.thresholds)))
    dev = {k: v for k, v in (("micro_f1", bundle.code_model.cv.get("micro_f1")),
                             ("polarity_accuracy", bundle.polarity_model.cv.get("accuracy") if bundle.has_polarity else None))
           if v is not None}
    options = dict(seed=seed, folds=folds, c_grid=list(c_grid), polarity_c_grid=list(polarity_c_grid),
                   char_weight=char_weight, n_cues=n_cues, context_weight=context_weight, clause_weight=clause_weight,
                   n_unlabelled=len(extra), word_space=space is not None, cluster_weight=cluster_weight,
                   vector_weight=vector_weight, encoder=embedder.state() if embedder else None,
                   encoder_weight=encoder_weight, polarity_encoder_weight=polarity_encoder_weight,
                   fine_tune=bool(fine_tune), epochs=epochs if fine_tune else None, blend=blend if fine_tune else None,
                   polarity_blend=polarity_blend if fine_tune else None,
                   code_weight=code_weight if fine_tune else None,
                   polarity_head=bundle.tuned.polarity_head if fine_tune else None,
                   fine_tune_losses=[round(x, 4) for x in bundle.tuned.epoch_losses] if fine_tune else None,
                   fine_tune_converged=converged(bundle.tuned.epoch_losses) if fine_tune else None)
    meta = {
        "format_version": FORMAT_VERSION, "kind": "cxaudit-learned-tagger", "codebook": codebook_name,
        "codes": codes, "thresholds": thresholds, "default_threshold": float(threshold),
        "at_least_one": bool(data["codes"].map(len).gt(0).all()),
        "code_info": _code_info(codes, cbs, codebook_name), "polarity_model": bundle.has_polarity,
        "training": {"n_sentences": int(len(data)), "n_pairs": int(data["codes"].map(len).sum()),
                     "label_counts": {c: int(sum(c in cs for cs in data["codes"])) for c in codes},
                     "dev": dev, "code_cv": bundle.code_model.cv,
                     "polarity_cv": bundle.polarity_model.cv if bundle.has_polarity else None,
                     **options, "seconds": round(time.perf_counter() - start, 2)},
    }
    _save_atomically(bundle, meta, Path(out_dir))
    t = meta["training"]
    kind = (f"a fine-tuned {embedder.source} encoder + n-gram SVMs (fine-tuned model's weight: {blend:g} for codes, "
            f"{polarity_blend:g} for polarity)" if fine_tune
            else f"n-gram SVMs + {embedder.source} encoder vectors" if embedder is not None else "n-gram SVMs")
    warnings = []
    if t["fine_tune_converged"] is False:
        losses = t["fine_tune_losses"]
        warnings.append(f"the fine-tuning did not learn (mean loss {losses[0]:.3f} in the first epoch, "
                        f"{losses[-1]:.3f} in the last): too few sentences or epochs to learn from, or a run "
                        "that collapsed to the label frequencies; retrain with more --epochs or another --seed")
    return TrainReport(str(out_dir), t["n_sentences"], t["n_pairs"], codes, t["label_counts"],
                       bundle.has_polarity, thresholds, dev, t["seconds"], len(extra), kind, warnings)


def _fit(data: pd.DataFrame, codes: list[str], cbs: list, *, seed, threshold, tune, folds, c_grid,
         polarity_c_grid, char_weight, n_cues, context_weight, clause_weight, space, cluster_weight,
         vector_weight, embedder=None, encoder_weight=1.0, polarity_encoder_weight=0.5) -> Bundle:
    """Fit the code model and, when ≥ 2 polarity values were coded, the polarity model.

    ``data``: one row per text with ``codes`` (tuple) and ``polarity`` (dict code → polarity);
    ``space``: a :class:`WordSpace` or None; ``embedder``: an :class:`Embedder` or None.
    """
    texts = data["text"].tolist()
    features = CodeFeaturizer.fit(texts, codebook_patterns(cbs), char_weight=char_weight, space=space,
                                  cluster_weight=cluster_weight, vector_weight=vector_weight,
                                  embedder=embedder, encoder_weight=encoder_weight)
    Y = np.array([[c in cs for c in codes] for cs in data["codes"]], dtype=int).reshape(len(texts), len(codes))
    code_model = fit_codes(features.transform(texts), Y, c_grid=c_grid, folds=folds, seed=seed,
                           tune=tune, default_threshold=threshold)
    bundle = Bundle(codes, features, code_model)
    pairs = [(t, c, p) for t, pols in zip(texts, data["polarity"]) for c, p in pols.items()]
    if len({p for _, _, p in pairs}) >= 2:
        ptexts, pcodes, labels = map(list, zip(*pairs))
        bundle.polarity_features = PolarityFeaturizer.fit(ptexts, pcodes, codes, n_cues=n_cues,
                                                             context_weight=context_weight,
                                                             scorer=bundle.clause_scorer(), clause_weight=clause_weight,
                                                             embedder=embedder, encoder_weight=polarity_encoder_weight)
        bundle.polarity_model = fit_polarity(bundle.polarity_features.transform(ptexts, pcodes), labels, ptexts,
                                             c_grid=polarity_c_grid, folds=folds, seed=seed)
    return bundle


def _load_codebooks(codebooks) -> list:
    if not codebooks:
        return []
    from cxaudit.clues.codebook import load_codebook

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


class LearnedTagger:
    """A trained tagger: ``LearnedTagger.load(dir).predict(sentences)`` → ``tags`` rows."""

    def __init__(self, models: Bundle, meta: dict, path: Path | None = None):
        self.models = models
        self.meta = meta
        self.path = path

    @classmethod
    def load(cls, path: str | Path) -> "LearnedTagger":
        """Load a model folder written by :func:`train`."""
        path = Path(path)
        meta_path = path / META_FILE
        if not meta_path.exists():
            raise FileNotFoundError(f"{path}: not a cxaudit tagger folder (no {META_FILE})")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{meta_path}: format_version {meta.get('format_version')!r}, expected {FORMAT_VERSION}; "
                             "retrain the tagger with this version of cxaudit")
        return cls(Bundle.from_disk(path), meta, path)

    @property
    def codes(self) -> list[str]:
        return list(self.meta["codes"])

    def predict_proba(self, texts: Sequence[str]) -> pd.DataFrame:
        """Probability of each code (columns, in :attr:`codes` order) for each text (rows)."""
        return pd.DataFrame(self.models.code_proba(list(texts)), columns=self.codes)

    def polarity_proba(self, texts: Sequence[str], codes: Sequence[str]) -> pd.DataFrame | None:
        """P(positive/negative/neutral/conflict) of ``codes[i]`` in ``texts[i]``; None without a polarity model."""
        if not self.models.has_polarity:
            return None
        return pd.DataFrame(self.models.polarity_proba(list(texts), list(codes)), columns=list(POLARITIES))

    def decide(self, proba: pd.DataFrame, *, threshold: float | None = None, at_least_one: bool | None = None) -> np.ndarray:
        """Boolean matrix of the codes that apply, from :meth:`predict_proba` output.

        ``threshold`` overrides the per-code tuned thresholds for every code;
        ``at_least_one`` (default: True when every training sentence had a
        code) gives a sentence with no code its most probable one.
        """
        th = (np.full(len(self.codes), float(threshold)) if threshold is not None
              else np.array([self.meta["thresholds"][c] for c in self.codes]))
        values = proba.to_numpy()
        chosen = values >= th
        if self.meta["at_least_one"] if at_least_one is None else at_least_one:
            empty = ~chosen.any(axis=1) & (len(self.codes) > 0)
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
        for col in ("sentence_id", "text"):
            if col not in sentences.columns:
                raise ValueError(f"predict: sentences lack column {col!r}; found {list(sentences.columns)}")
        if sentences.empty:
            return validate(pd.DataFrame(columns=TAGS.names), TAGS)
        proba = self.predict_proba(sentences["text"].astype(str).tolist())
        rows_i, codes_j = np.nonzero(self.decide(proba, threshold=threshold, at_least_one=at_least_one))
        codes = [self.codes[j] for j in codes_j]
        sub = sentences.iloc[rows_i].reset_index(drop=True)
        info = self.meta["code_info"]
        out = pd.DataFrame({
            "sentence_id": sub["sentence_id"], "doc_id": sub.get("doc_id", sub["sentence_id"].str.split("#").str[0]),
            "codebook": [info[c]["codebook"] for c in codes], "code": codes,
            "clue_type": [info[c]["clue_type"] for c in codes], "touchpoint": [info[c]["touchpoint"] for c in codes],
            "start_char": pd.NA, "end_char": pd.NA, "evidence": sub["text"],
            "mode": sub["mode"] if "mode" in sub else "current", "method": "model",
            "confidence": proba.to_numpy()[rows_i, codes_j],
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
