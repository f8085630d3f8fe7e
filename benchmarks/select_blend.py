"""Choose the fine-tuned tagger's blend weights without looking at the held-out sentences.

Run: ``.venv/bin/python benchmarks/select_blend.py [--encoder mpnet] [--epochs 4]``

The held-out 20 % of ``bench_learned_tagger.py`` is never read here. The other 80 % (its training
part) is split again, 80/20 by crc32 of "inner:" + the sentence id; the tagger is fine-tuned on the
inner 80 % once (with ``blend=0``, so its thresholds are the SVMs' own), then on the inner 20 % the
code micro-F1 and the 4-way polarity accuracy are measured for each blend weight: the final
probabilities are ``w`` × the fine-tuned model's + (1 − ``w``) × the SVMs', and each code's threshold is
the same mix of 0.5 and the SVM's threshold, as ``LearnedTaggerConfig(blend=w)`` does. Writes
``benchmarks/results/blend_selection_<encoder>.json`` and prints the table and the best weight for
each measure (ties: the smaller weight).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_learned_tagger import SEMEVAL, read_xml, split  # noqa: E402
from _measure import machine, write_results  # noqa: E402
from cxaudit.clues.learned import BLENDS, HEADS, LearnedTagger, LearnedTaggerConfig  # noqa: E402

WEIGHTS = (0.0, 0.25, 0.5, 0.65, 0.8, 1.0)


def inner_split(frame):
    test = frame["id"].map(lambda s: zlib.crc32(("inner:" + s).encode()) % 5 == 0)
    return frame[~test], frame[test]


def scores(tagger: LearnedTagger, rows, svm_thresholds: dict, w: float, head: str = "attention") -> dict:
    tagger.bundle_.blend = tagger.bundle_.polarity_blend = w
    tagger.bundle_.tuned.set_polarity_head(head)
    tagger.meta_["thresholds"] = {c: w * 0.5 + (1 - w) * t for c, t in svm_thresholds.items()}
    sents = rows.groupby("id", sort=False).agg(text=("text", "first"), codes=("code", set)).reset_index()
    chosen = tagger.decide(tagger.predict_proba(sents["text"].tolist()))
    tp = fp = fn = 0
    for row, gold in zip(chosen, sents["codes"]):
        pred = {tagger.codes_[j] for j in np.flatnonzero(row)}
        tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
    pol = tagger.polarity_proba(rows["text"].tolist(), rows["code"].tolist()).idxmax(axis=1).to_numpy()
    return {"blend": w, "polarity_head": head, "micro_f1": 2 * tp / (2 * tp + fp + fn),
            "polarity_accuracy": float((pol == rows["polarity"].to_numpy()).mean())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="mpnet")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--code-weight", type=float, default=5.0, help="fine-tuning's code-loss weight")
    parser.add_argument("--pairs", action="store_true",
                        help="fine-tune with the sentence-pair polarity head too, and compare the polarity heads")
    args = parser.parse_args(argv)
    if not SEMEVAL.exists():
        print(f"SKIP: {SEMEVAL} not found; this needs the development data in ../shared/data")
        return 0
    outer_train, _ = split(read_xml(SEMEVAL))   # the held-out part is dropped here, unread
    fit_rows, val_rows = inner_split(outer_train)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        config = LearnedTaggerConfig(encoder=args.encoder, fine_tune=True, epochs=args.epochs, blend=0.0,
                                     polarity_blend=0.0, code_weight=args.code_weight,
                                     polarity_head="both" if args.pairs else "attention")
        fitted = LearnedTagger(config).fit(fit_rows[["text", "code", "polarity"]].astype("string"))
        tagger = LearnedTagger.load(fitted.save(Path(tmp) / "m"))
    seconds = time.perf_counter() - t0
    svm_thresholds = dict(tagger.meta_["thresholds"])
    heads = ("attention", "pair", "both") if args.pairs else ("attention",)
    rows = [scores(tagger, val_rows, svm_thresholds, w, h) for h in heads for w in WEIGHTS]
    print(f"inner split: {fit_rows['id'].nunique()} training / {val_rows['id'].nunique()} validation sentences "
          f"({len(val_rows)} pairs), encoder {args.encoder}, {args.epochs} epochs, code weight {args.code_weight:g}, "
          f"{seconds:.0f} s")
    print(f"{'head':>10}{'blend':>6}{'F1':>8}{'pol.acc':>9}")
    for r in rows:
        print(f"{r['polarity_head']:>10}{r['blend']:6.2f}{100 * r['micro_f1']:8.1f}{100 * r['polarity_accuracy']:9.1f}")
    # ties: the first in the table, so the simpler head and the smaller weight
    best_pol = max(rows, key=lambda r: r["polarity_accuracy"])
    best = (max(rows, key=lambda r: r["micro_f1"])["blend"], best_pol["blend"])
    print(f"best: codes {best[0]}, polarity {best[1]} with the {best_pol['polarity_head']} head "
          f"(cxaudit.clues.learned.config.BLENDS[({args.encoder!r}, {best_pol['polarity_head']!r})] = "
          f"{BLENDS.get((args.encoder, best_pol['polarity_head']))}, "
          f"HEADS[{args.encoder!r}] = {HEADS.get(args.encoder)!r})")
    suffix = ("" if args.code_weight == 5.0 else f"_cw{args.code_weight:g}") + ("_pairs" if args.pairs else "")
    write_results(f"blend_selection_{args.encoder}{suffix}", {"best_blend_codes_polarity": best,
                                                              "best_polarity_head": best_pol["polarity_head"],
                                                              "code_weight": args.code_weight,"machine": machine(), "encoder": args.encoder, "epochs": args.epochs,
                                      "n_fit_sentences": int(fit_rows["id"].nunique()),
                                      "n_validation_sentences": int(val_rows["id"].nunique()),
                                      "n_validation_pairs": int(len(val_rows)), "train_seconds": round(seconds, 1),
                                      "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
