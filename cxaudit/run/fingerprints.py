"""What changed since the last run: the settings' and each document's fingerprints.

A document is analysed again only when its fingerprint changed (:func:`doc_fingerprints`: its
redacted turns and :func:`analysis_fingerprint`, every setting that changes analysis results); the
compare tables are rebuilt only when :func:`compare_settings_hash` or a document changed; and when few
documents changed, the new store starts as a copy of the previous one (:func:`few_changed`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from cxaudit import __version__
from cxaudit.clues.codebook import load_codebook
from cxaudit.config import AuditConfig

from .codeid import code_digest

__all__ = ["FROM_PREVIOUS_MAX_SHARE", "file_digest", "analysis_fingerprint", "doc_fingerprints",
           "compare_settings_hash", "few_changed"]

#: A rerun whose analysed and removed documents are at most this share of the previous run's starts the
#: new store from a copy of the previous one and writes only what changed (else it writes every row anew,
#: which also compacts the space of deleted rows).
FROM_PREVIOUS_MAX_SHARE = 0.25


def file_digest(path: str | Path) -> str:
    p = Path(path)
    h = hashlib.sha256()
    if p.is_dir():
        for f in sorted(q for q in p.rglob("*") if q.is_file()):
            h.update(str(f.relative_to(p)).encode())
            h.update(f.read_bytes())
    elif p.is_file():
        h.update(p.read_bytes())
    return h.hexdigest()


def analysis_fingerprint(config: AuditConfig, base_model: str) -> str:
    """Hash of every setting that changes per-document analysis results, the code that analyses
    included (:func:`~cxaudit.run.codeid.code_digest`: an edited package, same version or not,
    analyses every document again instead of keeping rows the old code made)."""
    parts = {
        "version": __version__,
        "code": code_digest(),
        "model": base_model,
        "redact": config.redact,
        "codebooks": [(ref, file_digest(load_codebook(ref).path)) for ref in config.codebooks],
        "tagger": file_digest(config.tagger) if config.tagger else None,
        "threshold": config.threshold,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def doc_fingerprints(turns: pd.DataFrame, settings_hash: str) -> pd.DataFrame:
    """One fingerprint per document (in first-appearance order) from its stored turns (after
    redaction) and the settings: SHA-256 of the settings hash and the document's turns in row
    order, each ``turn_id \x1f speaker \x1f role \x1f text``, joined by ``\x1e``."""
    if turns.empty:
        return pd.DataFrame({"doc_id": pd.Series([], dtype="string"), "fingerprint": pd.Series([], dtype="string")})
    key = (turns["turn_id"].astype(str) + "\x1f" + turns["speaker"].fillna("").astype(str) + "\x1f"
           + turns["role"].astype(str) + "\x1f" + turns["text"].astype(str)).tolist()
    codes, uniques = pd.factorize(turns["doc_id"], sort=False)
    prefix = settings_hash.encode()
    sha = hashlib.sha256
    if len(uniques) == len(codes):  # one turn per document (comment tables): no grouping needed
        ordered = [key[i] for i in np.argsort(codes, kind="stable")]
        fp = [sha(prefix + k.encode()).hexdigest() for k in ordered]
    else:
        order = np.argsort(codes, kind="stable")
        bounds = np.flatnonzero(np.diff(codes[order])) + 1
        fp = [sha(prefix + "\x1e".join([key[i] for i in part]).encode()).hexdigest()
              for part in np.split(order, bounds)]
    return pd.DataFrame({"doc_id": pd.array(np.asarray(uniques, dtype=object), dtype="string"),
                         "fingerprint": pd.array(fp, dtype="string")})


def compare_settings_hash(config: AuditConfig) -> str:
    """Hash of what the compare stage reads besides the tables: desired.yml, codebooks, version, and the
    code (:func:`~cxaudit.run.codeid.code_digest`)."""
    parts = {"version": __version__, "code": code_digest(),
             "desired": file_digest(config.desired) if config.desired else None,
             "codebooks": [file_digest(load_codebook(ref).path) for ref in config.codebooks]}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def few_changed(previous: pd.DataFrame | None, fingerprints: pd.DataFrame, full: bool) -> bool:
    """True when the documents to analyse (new or changed fingerprint) and to remove are at most
    :data:`FROM_PREVIOUS_MAX_SHARE` of the previous run's ``doc_state`` rows (not with ``full``)."""
    if full or previous is None or previous.empty:
        return False
    before = dict(zip(previous["doc_id"].astype(str), previous["fingerprint"].astype(str)))
    now = dict(zip(fingerprints["doc_id"].astype(str), fingerprints["fingerprint"].astype(str)))
    changed = sum(before.get(doc) != fp for doc, fp in now.items()) + len(before.keys() - now.keys())
    return changed <= FROM_PREVIOUS_MAX_SHARE * len(before)
