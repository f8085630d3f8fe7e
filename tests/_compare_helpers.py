"""Small synthetic audits for the compare, stats, desired and plots tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxaudit.schemas import DOCUMENTS, FEELINGS, SENTENCES, TAGS, conform

#: A hand-made feelings lexicon (feeling, axis, pole, forms).
LEXICON = pd.DataFrame(
    {
        "feeling": ["reassured", "anxious", "valued", "ignored", "effortless", "frustrated"],
        "axis": ["reassured/anxious", "reassured/anxious", "valued/ignored", "valued/ignored", "effortless/frustrated", "effortless/frustrated"],
        "pole": [1, -1, 1, -1, 1, -1],
        "forms": [["reassured", "reassuring"], ["anxious", "worried"], ["valued"], ["ignored"], ["effortless", "easy"], ["frustrated"]],
    }
)


def valence_of(p: float) -> str:
    return "negative" if p < -0.05 else "positive" if p > 0.05 else "neutral"


def documents(doc_ids, *, participant=None, segment=None, wave=None, score=None, kind="interview") -> pd.DataFrame:
    """A DOCUMENTS table; each keyword may be a list parallel to doc_ids or None."""
    n = len(doc_ids)
    col = lambda v: [None] * n if v is None else list(v)  # noqa: E731
    return conform(
        pd.DataFrame(
            {
                "doc_id": list(doc_ids),
                "source": [f"{d}.txt" for d in doc_ids],
                "kind": kind,
                "participant": col(participant),
                "segment": col(segment),
                "wave": col(wave),
                "score": pd.array(col(score), dtype="Float64"),
                "content_hash": "x",
            }
        ),
        DOCUMENTS,
    )


def tags(rows) -> pd.DataFrame:
    """A TAGS table from dicts with doc_id, code, polarity and optional clue_type, touchpoint,
    mode, codebook, sentence_id (default: one sentence per row)."""
    out = []
    for i, r in enumerate(rows):
        p = float(r["polarity"])
        out.append(
            {
                "sentence_id": r.get("sentence_id", f"{r['doc_id']}#0.{i}"),
                "doc_id": r["doc_id"],
                "codebook": r.get("codebook", "carbone-clues"),
                "code": r["code"],
                "clue_type": r.get("clue_type", r["code"].split(".")[0]),
                "touchpoint": r.get("touchpoint"),
                "start_char": 0,
                "end_char": 4,
                "evidence": "text",
                "polarity": p,
                "valence": r.get("valence", valence_of(p)),
                "mode": r.get("mode", "current"),
                "method": "rule",
                "confidence": 1.0,
            }
        )
    return conform(pd.DataFrame(out, columns=TAGS.names), TAGS)


def sentences_for(tag_df: pd.DataFrame) -> pd.DataFrame:
    """A SENTENCES table with one row per distinct sentence of ``tag_df`` (mode from the tags)."""
    s = tag_df.drop_duplicates("sentence_id")
    return conform(
        pd.DataFrame(
            {
                "sentence_id": s["sentence_id"],
                "doc_id": s["doc_id"],
                "turn_id": 0,
                "text": "text",
                "start_char": 0,
                "end_char": 4,
                "sentiment": s["polarity"],
                "valence": s["valence"],
                "mode": s["mode"],
                "effort": False,
                "n_words": 1,
            }
        ),
        SENTENCES,
    )


def feelings(rows) -> pd.DataFrame:
    """A FEELINGS table from dicts with sentence_id, doc_id, feeling, pole (axis from LEXICON)."""
    axis = dict(zip(LEXICON["feeling"], LEXICON["axis"]))
    out = [
        {
            "sentence_id": r["sentence_id"],
            "doc_id": r["doc_id"],
            "feeling": r["feeling"],
            "axis": axis[r["feeling"]],
            "pole": r["pole"],
            "negated": r.get("negated", False),
            "start_char": 0,
            "end_char": 4,
            "evidence": r["feeling"],
        }
        for r in rows
    ]
    return conform(pd.DataFrame(out, columns=FEELINGS.names), FEELINGS)


def simulate_audit(truth: dict[str, float], *, n_participants: int = 40, rate: float = 3.0, spread: float = 0.3,
                   noise: float = 0.3, seed: int = 0, wave: str | None = None, prefix: str = "p"):
    """A synthetic interview audit whose true mean polarity per code is ``truth[code]``.

    Each participant has a random effect u ~ U(-spread, spread) shared by all of
    their mentions (so mentions within a participant are correlated), and
    mentions 1 + Poisson(rate - 1) times each code; each mention's polarity is
    truth + u + U(-noise, noise), which never leaves [-1, 1] when
    |truth| + spread + noise <= 1, so the population mean is exactly ``truth``.
    Returns (documents, tags).
    """
    rng = np.random.default_rng(seed)
    rows, ids = [], []
    for p in range(n_participants):
        doc = f"{prefix}{p}"
        ids.append(doc)
        u = rng.uniform(-spread, spread)
        for code, mu in truth.items():
            for _ in range(1 + rng.poisson(rate - 1)):
                rows.append({"doc_id": doc, "code": code, "polarity": mu + u + rng.uniform(-noise, noise)})
    docs = documents(ids, participant=ids, wave=[wave] * len(ids) if wave else None)
    return docs, tags(rows)


def store_audit(seed: int = 0, n_docs: int = 30):
    """A small audit with every feature the comparison reads: waves, segments, scores, documents
    with and without a participant (two documents share one), a tag of a document missing from
    DOCUMENTS, touchpoint-lens tags, every sentence mode and motif feelings.
    Returns (documents, sentences, tags, feelings) as conformed string frames."""
    rng = np.random.default_rng(seed)
    ids = [f"d{i:02d}" for i in range(n_docs)]
    who = [None if i % 3 else f"p{i // 6}" for i in range(n_docs)]  # d00 and d03 are both p0
    docs = documents(ids, participant=who, segment=[["a", "b", None][i % 3] for i in range(n_docs)],
                     wave=[["w1", "w2", "w3"][i % 3] if i % 7 else None for i in range(n_docs)],
                     score=[float(rng.integers(0, 11)) if i % 5 else None for i in range(n_docs)])
    codes = ["functional.billing", "humanic.staff", "mechanic.app", "none.other"]
    rows = []
    for d in ids + ["ghost"]:
        for k in range(int(rng.integers(1, 6))):
            code = codes[int(rng.integers(0, len(codes)))]
            sid = f"{d}#0.{k}"
            mode = ["current", "current", "other", "desired", "question"][int(rng.integers(0, 5))]
            p = float(np.round(rng.uniform(-1, 1), 3))
            rows.append({"doc_id": d, "sentence_id": sid, "code": code, "polarity": p, "mode": mode,
                         "touchpoint": [None, "billing", "branch"][int(rng.integers(0, 3))]})
            if rng.random() < 0.4:
                rows.append({"doc_id": d, "sentence_id": sid, "code": ["billing", "branch"][int(rng.integers(0, 2))],
                             "codebook": "touchpoints", "clue_type": "none", "polarity": p, "mode": mode})
    t = tags(rows)
    sents = sentences_for(t)
    felt = [{"sentence_id": s, "doc_id": d, "feeling": f, "pole": LEXICON.set_index("feeling").loc[f, "pole"] * (-1 if neg else 1),
             "negated": neg}
            for s, d in zip(sents["sentence_id"], sents["doc_id"]) if rng.random() < 0.5
            for f, neg in [(["valued", "ignored", "reassured", "anxious", "frustrated"][int(rng.integers(0, 5))], bool(rng.random() < 0.2))]]
    return docs, sents, t, feelings(felt)


def integer_ids(*frames):
    """``frames`` with doc_id, sentence_id and participant replaced by integer codes that sort and
    compare as the strings do (one code space for doc ids and participants)."""
    pools = {"doc": ("doc_id", "participant"), "sentence": ("sentence_id",)}
    out = [f.copy() for f in frames]
    for cols in pools.values():
        values = sorted({v for f in frames for c in cols if c in f for v in f[c].dropna()})
        code = {v: i for i, v in enumerate(values)}
        for f in out:
            for c in cols:
                if c in f:
                    f[c] = pd.array([code.get(v) if isinstance(v, str) else None for v in f[c]], dtype="Int64" if f[c].isna().any() else "int64")
    return tuple(out)
