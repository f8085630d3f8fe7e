"""A clue tagger learned from the researcher's own coded sentences.

:func:`load_coded` reads coded sentences (CSV/JSONL/XLSX: ``text``, ``code``,
optional ``polarity``), :func:`train` learns

* which codes apply to a sentence (multi-label): an ensemble of a spaCy
  ``textcat_multilabel`` (bag-of-n-grams, trained from scratch) and a
  logistic regression on word and character n-grams plus codebook-match
  features, with one threshold per code tuned on an inner dev split;
* when polarities are given, the polarity of each code in its sentence
  (positive/negative/neutral/conflict): a multinomial logistic regression on
  n-grams, negation-scoped n-grams, the same n-grams conjoined with the code
  (so "cold" can be bad for food and fine for drinks) and VADER scores,

and saves a self-contained model folder that :class:`LearnedTagger` loads.
The model itself is documented in ``docs/clues-learned.md``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import re
import shutil
import tempfile
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxaudit.schemas import TAGS, validate

__all__ = ["CodedFileError", "TrainReport", "LearnedTagger", "load_coded", "train", "POLARITIES", "META_FILE"]

log = logging.getLogger(__name__)

POLARITIES = ("positive", "negative", "neutral", "conflict")
META_FILE = "cxaudit-tagger.json"
FORMAT_VERSION = 1
_VALENCE = {"positive": "positive", "negative": "negative", "neutral": "neutral", "conflict": "mixed"}


class CodedFileError(ValueError):
    """A coded-sentences file is malformed; the message names the file, the row and the reason."""


# --------------------------------------------------------------------------- reading coded files


def load_coded(path: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read coded sentences and return them in long form.

    Input: a ``.csv``, ``.jsonl`` or ``.xlsx`` file (or a DataFrame) with
    columns ``text``, ``code`` and optionally ``polarity``. A cell of ``code``
    may hold several codes separated by ``;``; ``polarity`` then holds one
    value for all of them or ``;``-separated values aligned with the codes.
    An empty ``code`` marks a sentence that has none of the codes.

    Returns columns ``text``, ``code`` (null for code-less sentences),
    ``polarity`` (one of :data:`POLARITIES` or null), one row per text–code
    pair. Raises :class:`CodedFileError` naming the file and row.
    """
    source, rows = _read_rows(path)
    out = []
    for line, rec in rows:
        text = _cell(rec.get("text"))
        if not text:
            raise CodedFileError(f"{source}, row {line}: empty text")
        codes = [c.strip() for c in _cell(rec.get("code")).split(";") if c.strip()]
        pols = [p.strip().lower() for p in _cell(rec.get("polarity")).split(";")]
        pols = [p for p in pols if p] or [None]
        for p in pols:
            if p is not None and p not in POLARITIES:
                raise CodedFileError(f"{source}, row {line}: unknown polarity {p!r}; expected one of {list(POLARITIES)}")
        if len(pols) == 1:
            pols = pols * max(len(codes), 1)
        elif len(pols) != len(codes):
            raise CodedFileError(f"{source}, row {line}: {len(codes)} code(s) but {len(pols)} polarities; "
                                 "give one polarity or one per code")
        if not codes:
            out.append((text, None, None))
        out.extend((text, c, p) for c, p in zip(codes, pols))
    return pd.DataFrame(out, columns=["text", "code", "polarity"]).astype("string")


def _read_rows(path) -> tuple[str, list[tuple[int, dict]]]:
    """(source name, [(row number as a researcher sees it, record)]) of a coded file."""
    if isinstance(path, pd.DataFrame):
        frame, source, first = path, "<DataFrame>", 0
    else:
        path = Path(path)
        suffix = path.suffix.lower()
        if not path.exists():
            raise CodedFileError(f"{path}: no such file")
        if suffix in (".jsonl", ".ndjson"):
            return str(path), _read_jsonl(path)
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str).fillna("")
        else:
            raise CodedFileError(f"{path}: expected a .csv, .jsonl or .xlsx file, found {suffix!r}")
        source, first = str(path), 2  # row 1 is the header
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    for col in ("text", "code"):
        if col not in frame.columns:
            raise CodedFileError(f"{source}: missing column {col!r}; expected text, code[, polarity], "
                                 f"found {list(frame.columns)}")
    return source, [(i + first, rec) for i, rec in enumerate(frame.to_dict("records"))]


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise CodedFileError(f"{path}, row {n}: not valid JSON ({err.msg})") from None
            if not isinstance(rec, dict) or "text" not in rec or "code" not in rec:
                raise CodedFileError(f"{path}, row {n}: expected an object with 'text' and 'code', found {line.strip()[:60]!r}")
            if isinstance(rec.get("code"), list):
                rec["code"] = ";".join(map(str, rec["code"]))
            if isinstance(rec.get("polarity"), list):
                rec["polarity"] = ";".join(map(str, rec["polarity"]))
            rows.append((n, rec))
    return rows


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


# --------------------------------------------------------------------------- training


@dataclass
class TrainReport:
    """What :func:`train` did: data sizes, labels, thresholds, inner-dev scores, time."""

    out_dir: str
    n_sentences: int
    n_pairs: int
    codes: list[str]
    label_counts: dict[str, int]
    polarity_model: bool
    thresholds: dict[str, float]
    dev: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def train(
    coded: pd.DataFrame | str | Path,
    out_dir: str | Path,
    *,
    epochs: int = 12,
    seed: int = 0,
    threshold: float = 0.5,
    codebooks: Sequence = (),
    codebook_name: str = "learned",
    tune_thresholds: bool = True,
    dev_share: float = 0.2,
    spacy_weight: float = 0.2,
    l2_codes: float = 0.1,
    l2_polarity: float = 0.2,
) -> TrainReport:
    """Learn codes (and polarity) from coded sentences and save the model to ``out_dir``.

    ``coded``: the long table of :func:`load_coded` (or a path to read).
    ``codebooks``: Codebook objects or names; their patterns become features
    and give each learned code its ``clue_type``/``touchpoint`` when it is one
    of theirs. ``threshold``: default decision threshold; with
    ``tune_thresholds`` and at least 100 sentences, a per-code threshold is
    tuned for F1 on an inner dev split (``dev_share`` of the sentences, by a
    hash of the text), then the final model is refitted on all sentences.
    ``spacy_weight``: weight of the spaCy textcat in the code ensemble (0 = the
    linear model only). Deterministic for a given ``seed``.
    """
    start = time.perf_counter()
    data = _group(load_coded(coded) if not isinstance(coded, pd.DataFrame) or "polarity" not in coded else coded)
    if data.empty or not data["codes"].map(len).any():
        raise ValueError("train: no coded sentences with a code; expected rows with text and code")
    cbs = _load_codebooks(codebooks)
    codes = sorted({c for cs in data["codes"] for c in cs})
    opts = dict(epochs=epochs, seed=seed, spacy_weight=spacy_weight, l2_codes=l2_codes, l2_polarity=l2_polarity)
    thresholds = {c: float(threshold) for c in codes}
    dev_scores: dict[str, float] = {}
    if tune_thresholds and len(data) >= 100:
        is_dev = data["text"].map(lambda t: zlib.crc32(f"{seed}:{t}".encode()) % 1000 < dev_share * 1000)
        inner = _fit_models(data[~is_dev], codes, cbs, **opts)
        probs = inner.code_proba(data.loc[is_dev, "text"].tolist())
        gold = _label_matrix(data.loc[is_dev, "codes"], codes)
        thresholds = _tune_thresholds(probs, gold, codes, default=threshold)
        dev_scores = _dev_scores(inner, data[is_dev], codes, thresholds)
    models = _fit_models(data, codes, cbs, **opts)
    meta = {
        "format_version": FORMAT_VERSION, "kind": "cxaudit-learned-tagger", "codebook": codebook_name,
        "codes": codes, "thresholds": thresholds, "default_threshold": float(threshold),
        "at_least_one": bool(data["codes"].map(len).gt(0).all()),
        "code_info": _code_info(codes, cbs, codebook_name),
        "polarity_model": models.polarity is not None,
        "training": {"n_sentences": int(len(data)), "n_pairs": int(data["codes"].map(len).sum()),
                     "label_counts": {c: int(sum(c in cs for cs in data["codes"])) for c in codes},
                     "dev": dev_scores, **opts, "seconds": round(time.perf_counter() - start, 2)},
    }
    _save_atomically(models, meta, Path(out_dir))
    t = meta["training"]
    return TrainReport(str(out_dir), t["n_sentences"], t["n_pairs"], codes, t["label_counts"],
                       meta["polarity_model"], thresholds, dev_scores, t["seconds"])


def _group(coded: pd.DataFrame) -> pd.DataFrame:
    """Long (text, code, polarity) → one row per text: codes (tuple), polarity {code: polarity}."""
    rows: dict[str, tuple[list, dict]] = {}
    for text, code, pol in coded[["text", "code", "polarity"]].itertuples(index=False):
        codes, pols = rows.setdefault(str(text), ([], {}))
        if code is None or code is pd.NA or not str(code):
            continue
        if code not in codes:
            codes.append(str(code))
        if pol is not None and pol is not pd.NA:
            pols[str(code)] = str(pol)
    return pd.DataFrame([{"text": t, "codes": tuple(c), "polarity": p} for t, (c, p) in rows.items()],
                        columns=["text", "codes", "polarity"])


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


def _save_atomically(models, meta: dict, out_dir: Path) -> None:
    """Write the model to a temporary sibling folder, then swap it into place."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        models.to_disk(tmp)
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


# --------------------------------------------------------------------------- prediction


class LearnedTagger:
    """A trained tagger: ``LearnedTagger.load(dir).predict(sentences)`` → ``tags`` rows."""

    def __init__(self, models, meta: dict, path: Path | None = None):
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
            raise ValueError(f"{meta_path}: format_version {meta.get('format_version')!r}, expected {FORMAT_VERSION}")
        return cls(_Models.from_disk(path, meta), meta, path)

    @property
    def codes(self) -> list[str]:
        return list(self.meta["codes"])

    def predict_proba(self, texts: Sequence[str]) -> pd.DataFrame:
        """Probability of each code (columns, in :attr:`codes` order) for each text (rows)."""
        return pd.DataFrame(self.models.code_proba(list(texts)), columns=self.codes)

    def polarity_proba(self, texts: Sequence[str], codes: Sequence[str]) -> pd.DataFrame:
        """P(positive/negative/neutral/conflict) of ``codes[i]`` in ``texts[i]``; None without a polarity model."""
        if self.models.polarity is None:
            return None
        return pd.DataFrame(self.models.polarity_proba(list(texts), list(codes)), columns=list(POLARITIES))

    def decide(self, proba: pd.DataFrame, *, threshold: float | None = None, at_least_one: bool | None = None) -> np.ndarray:
        """Boolean matrix of the codes that apply, from :meth:`predict_proba` output."""
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
        per (sentence, code) whose probability reaches the threshold (the
        per-code tuned thresholds, or ``threshold`` for all codes): sentence
        level (start/end null, evidence = the sentence), confidence = the
        probability, polarity = P(positive) − P(negative) from the polarity
        model (else the sentence sentiment), valence from the most probable
        polarity (conflict → mixed).
        """
        for col in ("sentence_id", "text"):
            if col not in sentences.columns:
                raise ValueError(f"predict: sentences lack column {col!r}; found {list(sentences.columns)}")
        if sentences.empty:
            return validate(pd.DataFrame(columns=TAGS.names), TAGS)
        texts = sentences["text"].astype(str).tolist()
        proba = self.predict_proba(texts)
        rows_i, codes_j = np.nonzero(self.decide(proba, threshold=threshold, at_least_one=at_least_one))
        codes = [self.codes[j] for j in codes_j]
        sub = sentences.iloc[rows_i].reset_index(drop=True)
        out = pd.DataFrame({
            "sentence_id": sub["sentence_id"], "doc_id": sub.get("doc_id", sub["sentence_id"].str.split("#").str[0]),
            "codebook": [self.meta["code_info"][c]["codebook"] for c in codes], "code": codes,
            "clue_type": [self.meta["code_info"][c]["clue_type"] for c in codes],
            "touchpoint": [self.meta["code_info"][c]["touchpoint"] for c in codes],
            "start_char": pd.NA, "end_char": pd.NA, "evidence": sub["text"],
            "mode": sub["mode"] if "mode" in sub else "current", "method": "model",
            "confidence": proba.to_numpy()[rows_i, codes_j],
        })
        out["polarity"], out["valence"] = self._polarity(sub, codes)
        return validate(out, TAGS)

    def _polarity(self, sub: pd.DataFrame, codes: list[str]) -> tuple[list, list]:
        pol = self.polarity_proba(sub["text"].astype(str).tolist(), codes) if codes else None
        if pol is not None:
            valence = [_VALENCE[p] for p in pol.idxmax(axis=1)]
            return (pol["positive"] - pol["negative"]).round(4).tolist(), valence
        sentiment = sub["sentiment"].astype(float) if "sentiment" in sub else pd.Series(0.0, index=sub.index)
        valence = sub["valence"] if "valence" in sub else sentiment.map(
            lambda s: "positive" if s >= 0.05 else "negative" if s <= -0.05 else "neutral")
        return sentiment.tolist(), list(valence)


# --------------------------------------------------------------------------- features

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)*|[.,;:!?]")
_NEGATORS = frozenset("not no never nothing nobody none neither nor without hardly barely cannot cant "
                      "dont didnt doesnt isnt wasnt wont wouldnt couldnt shouldnt arent werent".split())
_SCOPE_END = frozenset(".,;:!? but however although though".split())


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _word_features(tokens: list[str], extra: Iterable[str] = ()) -> list[str]:
    """Unigrams (w:), bigrams (b:) and extra features (codebook matches)."""
    words = [t for t in tokens if t not in ",;:"]
    return ([f"w:{t}" for t in words] + [f"b:{a} {b}" for a, b in zip(words, words[1:])] + list(extra))


def _char_features(tokens: list[str]) -> list[str]:
    """Character 2- to 5-grams inside each padded word (c:)."""
    out = []
    for t in tokens:
        if t.isalnum() or "'" in t:
            w = f" {t} "
            out.extend(f"c:{w[i:i + n]}" for n in (2, 3, 4, 5) for i in range(len(w) - n + 1))
    return out


def _negation_features(tokens: list[str]) -> list[str]:
    """Words inside a negation's scope (after not/no/n't … up to punctuation or 'but'), marked n:."""
    out, negated = [], False
    for t in tokens:
        if t in _SCOPE_END:
            negated = False
        elif negated:
            out.append(f"n:{t}")
        if t in _NEGATORS or t.endswith("n't") or t.endswith("n’t"):
            negated = True
    return out


class _Vectorizer:
    """TF-IDF over feature strings: sublinear tf, smoothed idf, L2-normalised rows."""

    def __init__(self, vocab: list[str] | None = None, idf: np.ndarray | None = None):
        self.vocab = {f: i for i, f in enumerate(vocab or [])}
        self.idf = idf

    def fit(self, docs: list[list[str]], *, min_df: int = 1) -> "_Vectorizer":
        df: dict[str, int] = {}
        for d in docs:
            for f in set(d):
                df[f] = df.get(f, 0) + 1
        kept = sorted(f for f, n in df.items() if n >= min_df)
        self.vocab = {f: i for i, f in enumerate(kept)}
        self.idf = np.log((1 + len(docs)) / (1 + np.array([df[f] for f in kept], dtype=float))) + 1
        return self

    def transform(self, docs: list[list[str]]):
        from scipy import sparse

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
        return {"vocab": list(self.vocab), "idf": self.idf.tolist()}


def _codebook_patterns(cbs: list) -> list[tuple[str, str]]:
    """(feature, regex) per code with phrases or lemmas: a codebook match becomes a feature."""
    out = []
    for cb in cbs:
        for code in cb.codes:
            alts = [re.escape(p.lower()) for p in code.phrases] + [re.escape(lm.lower()) + r"\w*" for lm in code.lemmas]
            if alts:
                out.append((f"cb:{cb.name}:{code.id}", r"\b(?:" + "|".join(alts) + r")\b"))
    return out


# --------------------------------------------------------------------------- linear models


def _fit_logistic(X, Y: np.ndarray, *, l2: float, multinomial: bool, max_iter: int = 400):
    """Logistic regression by L-BFGS: sigmoid per column (multi-label) or softmax (one class per row).

    Minimises Σ log-loss + l2/2·‖W‖² (bias unpenalised). Returns (W d×k, b k).
    """
    from scipy.optimize import minimize

    n, d = X.shape
    k = Y.shape[1]

    def loss_grad(theta):
        W, b = theta[: d * k].reshape(d, k), theta[d * k:]
        Z = X @ W + b
        if multinomial:
            Z = Z - Z.max(axis=1, keepdims=True)
            logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
            loss, G = -(Y * logp).sum(), np.exp(logp) - Y
        else:
            loss, G = (np.logaddexp(0, Z) - Y * Z).sum(), 1 / (1 + np.exp(-Z)) - Y
        loss += 0.5 * l2 * float((W * W).sum())
        grad = np.concatenate([(X.T @ G + l2 * W).ravel(), G.sum(axis=0)])
        return loss, grad

    res = minimize(loss_grad, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return res.x[: d * k].reshape(d, k), res.x[d * k:]


def _logistic_proba(X, W, b, *, multinomial: bool) -> np.ndarray:
    Z = X @ W + b
    if multinomial:
        Z = np.exp(Z - Z.max(axis=1, keepdims=True))
        return Z / Z.sum(axis=1, keepdims=True)
    return 1 / (1 + np.exp(-Z))


def _label_matrix(code_lists: Iterable, codes: list[str]) -> np.ndarray:
    return np.array([[c in cs for c in codes] for cs in code_lists], dtype=float).reshape(-1, len(codes))


def _fit_spacy(texts: list[str], Y: np.ndarray, codes: list[str], *, epochs: int, seed: int):
    """A spaCy textcat_multilabel (bag of 1–2-grams) trained from scratch on lower-cased texts."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "ngram_size": 2,
        "no_output_layer": False, "length": 262144}})
    for code in codes:
        textcat.add_label(code)
    examples = [Example.from_dict(nlp.make_doc(t.lower()), {"cats": dict(zip(codes, map(float, row)))})
                for t, row in zip(texts, Y)]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=16):
            nlp.update(batch, sgd=optimizer)
    return nlp


class _Models:
    """The fitted models and everything needed to featurise new text."""

    def __init__(self, codes, patterns, vec_w, vec_c, W, b, nlp=None, spacy_weight=0.0, polarity=None):
        self.codes, self.patterns = list(codes), [(f, re.compile(p)) for f, p in patterns]
        self.vec_w, self.vec_c, self.W, self.b = vec_w, vec_c, W, b
        self.nlp, self.spacy_weight, self.polarity = nlp, spacy_weight if nlp is not None else 0.0, polarity

    def features(self, texts: list[str]):
        from scipy import sparse

        toks = [_tokens(t) for t in texts]
        extra = [[f for f, rx in self.patterns if rx.search(t.lower())] for t in texts]
        return toks, sparse.hstack([self.vec_w.transform([_word_features(t, e) for t, e in zip(toks, extra)]),
                                    self.vec_c.transform([_char_features(t) for t in toks])]).tocsr()

    def code_proba(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.codes)))
        p = _logistic_proba(self.features(texts)[1], self.W, self.b, multinomial=False)
        if self.spacy_weight > 0:
            docs = self.nlp.pipe(t.lower() for t in texts)
            ps = np.array([[d.cats[c] for c in self.codes] for d in docs])
            p = (1 - self.spacy_weight) * p + self.spacy_weight * ps
        return p

    def polarity_matrix(self, texts: list[str], codes: list[str]):
        """Rows (text, code): [word n-grams, negation n-grams, word n-grams in the code's block, VADER, code]."""
        from scipy import sparse
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        toks, base = self.features(texts)
        vec_n = self.polarity["vec_n"]
        neg = vec_n.transform([_negation_features(t) for t in toks])
        words = base[:, : len(self.vec_w.vocab)].tocoo()
        k, dw = len(self.codes), len(self.vec_w.vocab)
        idx = np.array([self.codes.index(c) if c in self.codes else -1 for c in codes])
        keep = idx[words.row] >= 0
        block = sparse.csr_matrix((words.data[keep], (words.row[keep], words.col[keep] + dw * idx[words.row[keep]])),
                                  shape=(len(texts), dw * k))
        vader = SentimentIntensityAnalyzer()
        lex = np.array([[s[key] for key in ("compound", "pos", "neg", "neu")]
                        for s in map(vader.polarity_scores, texts)]).reshape(-1, 4)
        onehot = np.zeros((len(texts), k))
        onehot[np.flatnonzero(idx >= 0), idx[idx >= 0]] = 1
        return sparse.hstack([base, neg, block, sparse.csr_matrix(lex), sparse.csr_matrix(onehot)]).tocsr()

    def polarity_proba(self, texts: list[str], codes: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(POLARITIES)))
        X = self.polarity_matrix(texts, codes)
        return _logistic_proba(X, self.polarity["W"], self.polarity["b"], multinomial=True)

    def to_disk(self, path: Path) -> None:
        state = {"codes": self.codes, "patterns": [(f, rx.pattern) for f, rx in self.patterns],
                 "vec_w": self.vec_w.state(), "vec_c": self.vec_c.state(), "spacy_weight": self.spacy_weight,
                 "vec_n": self.polarity["vec_n"].state() if self.polarity else None}
        (path / "features.json").write_text(json.dumps(state), encoding="utf-8")
        arrays = {"W": self.W, "b": self.b}
        if self.polarity:
            arrays.update(pW=self.polarity["W"], pb=self.polarity["b"])
        np.savez_compressed(path / "linear.npz", **arrays)
        if self.nlp is not None:
            self.nlp.to_disk(path / "textcat")

    @classmethod
    def from_disk(cls, path: Path, meta: dict) -> "_Models":
        import spacy

        state = json.loads((path / "features.json").read_text(encoding="utf-8"))
        arrays = np.load(path / "linear.npz")
        vec = {k: _Vectorizer(state[k]["vocab"], np.array(state[k]["idf"])) for k in ("vec_w", "vec_c", "vec_n") if state[k]}
        nlp = spacy.load(path / "textcat") if (path / "textcat").exists() else None
        polarity = {"vec_n": vec["vec_n"], "W": arrays["pW"], "b": arrays["pb"]} if "pW" in arrays else None
        return cls(state["codes"], state["patterns"], vec["vec_w"], vec["vec_c"], arrays["W"], arrays["b"],
                   nlp, state["spacy_weight"], polarity)


def _fit_models(data: pd.DataFrame, codes: list[str], cbs: list, *, epochs: int, seed: int,
                spacy_weight: float, l2_codes: float, l2_polarity: float) -> _Models:
    """Fit the code models (and the polarity model when polarities are given) on grouped data."""
    texts = data["text"].tolist()
    toks = [_tokens(t) for t in texts]
    patterns = _codebook_patterns(cbs)
    compiled = [(f, re.compile(p)) for f, p in patterns]
    extra = [[f for f, rx in compiled if rx.search(t.lower())] for t in texts]
    min_df = 2 if len(texts) >= 500 else 1
    vec_w = _Vectorizer().fit([_word_features(t, e) for t, e in zip(toks, extra)], min_df=min_df)
    vec_c = _Vectorizer().fit([_char_features(t) for t in toks], min_df=min_df)
    models = _Models(codes, patterns, vec_w, vec_c, None, None)
    Y = _label_matrix(data["codes"], codes)
    models.W, models.b = _fit_logistic(models.features(texts)[1], Y, l2=l2_codes, multinomial=False)
    if spacy_weight > 0:
        models.nlp, models.spacy_weight = _fit_spacy(texts, Y, codes, epochs=epochs, seed=seed), spacy_weight
    pairs = [(t, c, p) for t, pols in zip(texts, data["polarity"]) for c, p in pols.items()]
    if len({p for _, _, p in pairs}) >= 2:
        ptexts, pcodes, plabels = map(list, zip(*pairs))
        vec_n = _Vectorizer().fit([_negation_features(_tokens(t)) for t in ptexts], min_df=1)
        models.polarity = {"vec_n": vec_n}
        Yp = np.array([[p == q for q in POLARITIES] for p in plabels], dtype=float)
        W, b = _fit_logistic(models.polarity_matrix(ptexts, pcodes), Yp, l2=l2_polarity, multinomial=True)
        models.polarity.update(W=W, b=b)
    return models


def _tune_thresholds(probs: np.ndarray, gold: np.ndarray, codes: list[str], *, default: float) -> dict[str, float]:
    """Per-code threshold maximising F1 on dev; ``default`` when a code has < 3 dev positives."""
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
    out = {}
    for j, code in enumerate(codes):
        y = gold[:, j] > 0
        if y.sum() < 3:
            out[code] = float(default)
            continue
        f1 = [2 * (y & (probs[:, j] >= t)).sum() / max(y.sum() + (probs[:, j] >= t).sum(), 1) for t in grid]
        out[code] = float(grid[int(np.argmax(f1))])
    return out


def _dev_scores(models: _Models, dev: pd.DataFrame, codes: list[str], thresholds: dict[str, float]) -> dict[str, float]:
    """Inner-dev micro-F1 of codes (thresholds tuned on the same split: optimistic) and polarity accuracy."""
    probs = models.code_proba(dev["text"].tolist())
    pred = probs >= np.array([thresholds[c] for c in codes])
    gold = _label_matrix(dev["codes"], codes) > 0
    tp = int((pred & gold).sum())
    scores = {"micro_f1": 2 * tp / max(int(pred.sum() + gold.sum()), 1)}
    pairs = [(t, c, p) for t, pols in zip(dev["text"], dev["polarity"]) for c, p in pols.items()]
    if models.polarity is not None and pairs:
        texts, pc, gold_p = map(list, zip(*pairs))
        best = models.polarity_proba(texts, pc).argmax(axis=1)
        scores["polarity_accuracy"] = float(np.mean([POLARITIES[i] == g for i, g in zip(best, gold_p)]))
    return scores
