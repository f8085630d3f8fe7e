"""Word representations learned from the researcher's own text (coded and uncoded).

A researcher always has many more uncoded sentences than coded ones (the
whole audit). :class:`WordSpace` learns from all of them, without labels:

* **word vectors**: positive pointwise mutual information (PPMI, context
  counts smoothed with exponent 0.75) of each word with the words in a
  symmetric window around it, reduced by truncated SVD (seeded randomized
  SVD, so deterministic) to ``dim`` dimensions, rows L2-normalised;
* **word clusters**: spherical k-means over those vectors at several
  granularities (e.g. 50, 200, 800 clusters, like prefixes of Brown
  clusters), started from words spread over the frequency ranking, so
  deterministic without a random state.

The tagger uses them as features: cluster ids of the words (``k200:17``)
next to the words' n-grams, and the IDF-weighted mean word vector of the
sentence. Vectors are saved as NumPy arrays; the vocabulary and cluster
ids in JSON. Nothing is downloaded; only NumPy and SciPy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from cxaudit.clues.learned.features import tokens
from cxaudit.errors import CxauditError

__all__ = ["WordSpace", "read_unlabelled", "UnlabelledFileError"]

_PUNCT = frozenset(".,;:!?")


class UnlabelledFileError(CxauditError, ValueError):
    """Unlabelled text could not be read; the message names the file and the reason."""


class WordSpace:
    """PPMI + SVD word vectors and multi-granularity word clusters (see the module docstring)."""

    def __init__(self, words: list[str], vectors: np.ndarray, clusters: dict[str, list[int]], idf: np.ndarray):
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        self.vectors = np.asarray(vectors, dtype=np.float32).reshape(len(self.words), -1)
        self.clusters = {k: list(map(int, v)) for k, v in clusters.items()}
        self.idf = np.asarray(idf, dtype=float)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def fit(cls, texts: Sequence[str], *, dim: int = 100, window: int = 4, min_count: int = 2,
            ks: Sequence[int] = (50, 200, 800), max_words: int = 20_000, seed: int = 0) -> "WordSpace":
        """Learn vectors and clusters from ``texts`` (plain sentences, no labels).

        Keeps the ``max_words`` most frequent words seen at least ``min_count``
        times. Raises ValueError when fewer than 20 words are frequent enough.
        """
        docs = [[t for t in tokens(x) if t not in _PUNCT] for x in texts]
        counts = Counter(t for d in docs for t in d)
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))[:max_words]
        if len(words) < 20:
            raise ValueError(f"unlabelled text: only {len(words)} distinct words seen ≥ {min_count} times; "
                             "expected at least 20 (pass more sentences)")
        index = {w: i for i, w in enumerate(words)}
        ppmi = _ppmi(_cooccurrence(docs, index, window))
        dim = max(2, min(dim, len(words) - 1))
        # lazy: SciPy's linear algebra only for fitting
        from cxaudit.clues.learned.solvers import randomized_svd

        U, S, _ = randomized_svd(ppmi, dim, n_iter=5, seed=seed)
        vectors = _normalise(U * np.sqrt(S))
        doc_freq = Counter(w for d in docs for w in set(d) if w in index)
        idf = np.log((1 + len(docs)) / (1 + np.array([doc_freq[w] for w in words], dtype=float))) + 1
        clusters = {str(k): _kmeans(vectors, k).tolist() for k in ks if k < len(words)}
        return cls(words, vectors, clusters, idf)

    def cluster_features(self, toks: list[str]) -> list[str]:
        """``k<K>:<id>`` for every known word of ``toks`` and granularity K (``_NEG`` kept when marked)."""
        out = []
        for t in toks:
            word, neg = (t[:-4], "_NEG") if t.endswith("_NEG") else (t, "")
            i = self.index.get(word)
            if i is not None:
                out.extend(f"k{k}:{ids[i]}{neg}" for k, ids in self.clusters.items())
        return out

    def mean_vectors(self, docs: list[list[str]]) -> np.ndarray:
        """IDF-weighted mean vector of each token list's known words, L2-normalised (zeros when none)."""
        rows, cols, vals = [], [], []
        for r, toks in enumerate(docs):
            for t in toks:
                i = self.index.get(t)
                if i is not None:
                    rows.append(r)
                    cols.append(i)
                    vals.append(self.idf[i])
        weights = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(self.words)))
        return _normalise(np.asarray(weights @ self.vectors, dtype=float))

    def state(self) -> dict:
        """JSON-serialisable part (the vectors are saved separately as an array)."""
        return {"words": self.words, "clusters": self.clusters, "idf": self.idf.tolist()}

    @classmethod
    def from_state(cls, state: dict, vectors: np.ndarray) -> "WordSpace":
        return cls(state["words"], vectors, state["clusters"], state["idf"])


def read_unlabelled(source) -> list[str]:
    """Unlabelled sentences from a list of strings, a text file (one per line), a CSV/JSONL/XLSX with a
    ``text`` column, or a cxaudit results folder (its ``sentences`` table).

    Raises :class:`UnlabelledFileError` naming the file when it is missing,
    unreadable, has no ``text`` column or holds no text.
    """
    if source is None:
        return []
    if not isinstance(source, (str, bytes)) and hasattr(source, "__iter__") and not hasattr(source, "is_dir"):
        texts = [str(t) for t in source if isinstance(t, str) and t.strip()]
        if not texts:
            raise UnlabelledFileError("unlabelled text: no non-empty strings given")
        return texts
    path = Path(source)
    if not path.exists():
        reason = "unlabelled text not found"
        raise UnlabelledFileError(f"{path}: {reason}", path=path, reason=reason)
    try:
        texts = _read_path(path)
    except UnlabelledFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader error becomes a clear message
        reason = f"cannot read unlabelled text ({type(exc).__name__}: {exc})"
        raise UnlabelledFileError(f"{path}: {reason}", path=path, reason=reason) from exc
    texts = [t for t in texts if t.strip()]
    if not texts:
        reason = "no unlabelled text found (expected sentences)"
        raise UnlabelledFileError(f"{path}: {reason}", path=path, reason=reason)
    return texts


def _results_sentences(folder):
    """The ``text`` column of a results folder's ``sentences`` table. Read here with DuckDB (read-only), not
    through :mod:`cxaudit.store`: the tag stage sits below the store (pyproject.toml's layers contract),
    and only this one column of one table is needed. The file name is the store's ``STORE_FILE``
    (tests/test_learn.py writes a store with cxaudit.store and reads it back through this)."""
    # lazy: DuckDB only when the unlabelled text is a results folder
    import duckdb

    path = folder / "cxaudit.duckdb"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found")  # read_unlabelled: "cannot read unlabelled text (…)"
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "sentences" not in tables:
            raise KeyError(f"table 'sentences' is not in {path}")
        return con.execute('SELECT "text" FROM sentences').df()


def _read_path(path) -> list[str]:
    """Texts of a results folder, a .txt file or a table file with a ``text`` column."""
    if path.is_dir():
        frame = _results_sentences(path)
    elif path.suffix.lower() in (".txt", ".text", ""):
        return path.read_text(encoding="utf-8").splitlines()
    elif path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif path.suffix.lower() == ".jsonl":
        frame = pd.read_json(path, lines=True, dtype=False)
    elif path.suffix.lower() == ".xlsx":
        frame = pd.read_excel(path, dtype=str)
    else:
        reason = "expected a .txt, .csv, .jsonl or .xlsx file or a results folder"
        raise UnlabelledFileError(f"{path}: {reason}", path=path, reason=reason)
    if "text" not in frame.columns:
        reason = f"missing column 'text'; found {list(frame.columns)}"
        raise UnlabelledFileError(f"{path}: {reason}", path=path, reason=reason)
    return [str(t) for t in frame["text"].dropna()]


def _cooccurrence(docs: list[list[str]], index: dict[str, int], window: int) -> sparse.csr_matrix:
    """Symmetric word × word counts of known words at most ``window`` tokens apart."""
    rows, cols = [], []
    for d in docs:
        ids = [index.get(t, -1) for t in d]
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for b in ids[i + 1:i + 1 + window]:
                if b >= 0:
                    rows += (a, b)
                    cols += (b, a)
    n = len(index)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _ppmi(counts: sparse.csr_matrix, alpha: float = 0.75) -> sparse.csr_matrix:
    """Positive PMI with context-distribution smoothing (Levy et al. 2015)."""
    counts = counts.tocoo()
    total = counts.sum()
    row = np.asarray(counts.sum(axis=1)).ravel()
    ctx = np.asarray(counts.sum(axis=0)).ravel() ** alpha
    pmi = np.log(counts.data / total) - np.log(row[counts.row] / total) - np.log(ctx[counts.col] / ctx.sum())
    keep = pmi > 0
    return sparse.csr_matrix((pmi[keep], (counts.row[keep], counts.col[keep])), shape=counts.shape)


def _kmeans(X: np.ndarray, k: int, iters: int = 15) -> np.ndarray:
    """Spherical k-means on unit rows of ``X``; centres start at rows spread evenly over the (frequency) order."""
    centres = X[np.linspace(0, len(X) - 1, k).astype(int)].copy()
    labels = np.zeros(len(X), dtype=int)
    for _ in range(iters):
        labels = (X @ centres.T).argmax(axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, X)
        empty = ~sums.any(axis=1)
        sums[empty] = centres[empty]
        centres = _normalise(sums)
    return labels


def _normalise(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)
