"""Benchmark the zero-training rule tagger (carbone-clues) against human aspect categories.

Data (not in the repository): ``../shared/data`` (or ``$CXAUDIT_DATA``), see its README:
SemEval-2014 restaurants (Restaurants_Train_v2.xml) and MAMS-ACSA (train.xml + val.xml).
Categories map to clue types: service, staff → humanic; ambience, place → mechanic;
food, menu, price → functional; anecdotes/miscellaneous → none. A sentence has a type
when any of its categories maps to it; the tagger predicts a type when any carbone-clues
tag of that clue_type is in the sentence. Sentences are split by a hash of their id into
DEV (80 %, used to improve the patterns) and HELD-OUT (20 %, reported).

Also measures pipeline speed (words/s) with all four bundled codebooks against without.

Run: ``.venv/bin/python benchmarks/bench_rule_tagger.py`` → prints a table and writes
``benchmarks/results/rule_tagger.json`` atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CXAUDIT_DATA", ROOT.parent / "shared" / "data"))
OUT = ROOT / "benchmarks" / "results" / "rule_tagger.json"
TYPES = ("functional", "mechanic", "humanic")
MAPPING = {"service": "humanic", "staff": "humanic", "ambience": "mechanic", "place": "mechanic",
           "food": "functional", "menu": "functional", "price": "functional"}
BOOKS = ["carbone-clues", "touchpoints", "points-of-connection", "disloyalty-basics"]
SOURCES = {"semeval2014": ["semeval2014-restaurants/Restaurants_Train_v2.xml"],
           "mams-acsa": ["mams-acsa/train.xml", "mams-acsa/val.xml"]}


def read_sentences(dataset: str, files: list[str]) -> pd.DataFrame:
    """One row per sentence: sentence_id, doc_id, text, types (frozenset of clue types), split."""
    rows = []
    for rel in files:
        root = ET.parse(DATA / rel).getroot()
        for i, sent in enumerate(root.iter("sentence")):
            sid = f"{dataset}:{Path(rel).stem}:{sent.get('id', i)}"
            cats = [c.get("category") for c in sent.iter("aspectCategory")]
            types = frozenset(MAPPING[c] for c in cats if c in MAPPING)
            bucket = int(hashlib.sha1(sid.encode()).hexdigest(), 16) % 5
            rows.append({"sentence_id": sid, "doc_id": sid, "text": sent.findtext("text") or "",
                         "types": types, "split": "heldout" if bucket == 0 else "dev"})
    return pd.DataFrame(rows)


def predicted_types(sentences: pd.DataFrame, tags: pd.DataFrame) -> pd.Series:
    """Per sentence, the set of clue types of its carbone-clues tags."""
    clue = tags[tags["codebook"] == "carbone-clues"]
    by_sentence = clue.groupby("sentence_id")["clue_type"].agg(lambda s: frozenset(s))
    return sentences["sentence_id"].map(by_sentence).apply(lambda v: v if isinstance(v, frozenset) else frozenset())


def scores(gold: pd.Series, pred: pd.Series) -> dict:
    """Per-type and micro precision, recall, F1 over sentence-level type sets."""
    out, tot = {}, [0, 0, 0]
    for t in TYPES:
        g, p = gold.apply(lambda s: t in s), pred.apply(lambda s: t in s)
        tp, fp, fn = int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum())
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
        out[t] = prf(tp, fp, fn)
    out["micro"] = prf(*tot)
    return out


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def words_per_second(nlp, texts: list[str], *, repeats: int = 2) -> float:
    """Best of ``repeats`` runs of ``nlp.pipe`` over ``texts`` (words = whitespace tokens)."""
    n_words = sum(len(t.split()) for t in texts)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=256):
            pass
        best = min(best, time.perf_counter() - t0)
    return n_words / best




def main() -> int:
    missing = [rel for files in SOURCES.values() for rel in files if not (DATA / rel).exists()]
    if missing:
        print(f"SKIP: benchmark data not found under {DATA} (missing {missing}); set CXAUDIT_DATA or see its README.")
        return 0
    from cxaudit.clues.tagger import add_codebooks, tag
    from cxaudit.nlp import build_pipeline

    plain = build_pipeline("blank")
    nlp = build_pipeline("blank")
    add_codebooks(nlp, BOOKS)
    results: dict = {"data": str(DATA), "mapping": MAPPING, "split": "sha1(sentence id) % 5 == 0 → heldout (20 %)",
                     "datasets": {}}
    table = []
    for name, files in SOURCES.items():
        sents = read_sentences(name, files)
        tags = tag(sents[["sentence_id", "doc_id", "text"]], BOOKS, nlp=nlp)
        sents["pred"] = predicted_types(sents, tags)
        results["datasets"][name] = {}
        for split in ("dev", "heldout"):
            part = sents[sents["split"] == split]
            sc = scores(part["types"], part["pred"])
            results["datasets"][name][split] = {"n_sentences": len(part), **sc}
            for key, v in sc.items():
                table.append((name, split, key, v["precision"], v["recall"], v["f1"], v["support"]))
    texts = read_sentences("semeval2014", SOURCES["semeval2014"])["text"].tolist()
    wps_plain, wps_books = words_per_second(plain, texts), words_per_second(nlp, texts)
    results["speed"] = {"words_per_s_without_codebooks": round(wps_plain), "words_per_s_with_four_codebooks": round(wps_books),
                        "ratio": round(wps_books / wps_plain, 3), "n_texts": len(texts),
                        "note": "one process, best of 2 runs, 2-core machine shared with other jobs"}
    write_json(OUT, results)
    frame = pd.DataFrame(table, columns=["dataset", "split", "type", "precision", "recall", "f1", "support"])
    print(frame.to_string(index=False))
    print(f"\nspeed: {wps_plain:,.0f} words/s without codebooks, {wps_books:,.0f} with all four "
          f"({wps_books / wps_plain:.0%}); wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
