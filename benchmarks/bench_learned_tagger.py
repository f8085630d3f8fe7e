"""Benchmark of the learned tagger on SemEval-2014 restaurants (and MAMS-ACSA).

Run: ``.venv/bin/python benchmarks/bench_learned_tagger.py [--models ...] [--no-mams] [--no-semeval]``

* SemEval-2014 Task 4 restaurant training file, split 80/20 by a hash of the
  sentence id (crc32(id) % 5 == 0 → held-out test). Everything tuned (the
  SVMs' C, probability calibration and per-category thresholds, inside
  :meth:`cxaudit.clues.learned.LearnedTagger.fit`) is tuned by cross-validation on the 80 % only.
* Measured on the held-out 20 %: category-detection micro-F1 over the five
  categories, and 4-way polarity accuracy per (sentence, gold category).
* MAMS-ACSA: train on train.xml, test on val.xml (8 categories, 3 polarities).
* Six models (``--models``): the n-gram SVMs (``plain``), with MiniLM or MPNet
  sentence vectors as features (``encoder``, ``encoder-mpnet``), and with MiniLM or
  MPNet fine-tuned (``fine-tune``, ``fine-tune-mpnet``, and MPNet with the sentence-pair
  polarity head, ``fine-tune-mpnet-pair``; blend weights are the defaults of
  ``cxaudit.clues.learned.BLENDS``, chosen by ``select_blend.py`` on an inner split of
  the 80 %, never on the held-out 20 %).
* The plain model is run without and with ``unlabelled=``: the unlabelled text is every
  sentence text of the SemEval training file and of MAMS train + val, labels
  stripped (it includes the test sentences' texts, never their labels: the
  researcher always has the whole audit uncoded; ``--unlabelled none|all|both``).

Writes ``benchmarks/results/learned_tagger.json`` (atomically) and prints a
table. Skips with a message when ``../shared/data`` is absent. The real data is
read in place, never copied.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import zlib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cxaudit.clues.learned import LearnedTagger, LearnedTaggerConfig  # noqa: E402
from cxaudit.nlp.encoder import PINNED, encoder_available  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_json  # noqa: E402

DATA = Path(os.environ.get("CXAUDIT_DATA", ROOT.parent / "shared" / "data"))
SEMEVAL = DATA / "semeval2014-restaurants" / "Restaurants_Train_v2.xml"
MAMS = DATA / "mams-acsa"
RESULTS = ROOT / "benchmarks" / "results" / "learned_tagger.json"
REFERENCES = {"organisers' baseline": (63.1, 64.7), "NRC-Canada (2014 best)": (88.6, 82.9), "BERT-pair (2019)": (92.2, 85.9)}


def read_xml(path: Path) -> pd.DataFrame:
    """One row per (sentence, category): id, text, code, polarity."""
    rows = []
    for n, s in enumerate(ET.parse(path).getroot().iter("sentence")):
        sid = s.get("id") or str(n)
        text = s.findtext("text")
        for cat in s.iter("aspectCategory"):
            rows.append((sid, text, cat.get("category"), cat.get("polarity")))
    return pd.DataFrame(rows, columns=["id", "text", "code", "polarity"])


def unlabelled_texts() -> list[str]:
    """Every sentence text of the SemEval training file and MAMS train/val (no labels), deduplicated."""
    texts = []
    for path in (SEMEVAL, MAMS / "train.xml", MAMS / "val.xml"):
        if path.exists():
            texts += [s.findtext("text") or "" for s in ET.parse(path).getroot().iter("sentence")]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def split(frame: pd.DataFrame, *, salt: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """80/20 by crc32 of the sentence id: test when crc32 % 5 == 0 (``salt`` prefixes the id: another split)."""
    test = frame["id"].map(lambda s: zlib.crc32((salt + s).encode()) % 5 == 0)
    return frame[~test], frame[test]


def inner_split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training 80 % split again 80/20 (crc32 of ``"inner:" + id``): where options are chosen."""
    return split(split(frame)[0], salt="inner:")


def evaluate(tagger: LearnedTagger, test: pd.DataFrame) -> dict:
    """Micro P/R/F1 of category detection and polarity accuracy per gold (sentence, category)."""
    sents = test.groupby("id", sort=False).agg(text=("text", "first"), codes=("code", set)).reset_index()
    t0, c0 = time.perf_counter(), time.process_time()
    proba = tagger.predict_proba(sents["text"].tolist())
    chosen = tagger.decide(proba)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    codes = tagger.codes_
    tp = fp = fn = 0
    per_code = {c: [0, 0, 0] for c in codes}
    for row, gold in zip(chosen, sents["codes"]):
        pred = {codes[j] for j in np.flatnonzero(row)}
        tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
        for c in codes:
            per_code[c][0] += c in pred and c in gold
            per_code[c][1] += c in pred and c not in gold
            per_code[c][2] += c in gold and c not in pred
    p, r = tp / (tp + fp), tp / (tp + fn)
    f1_by_code = {c: 2 * a / max(2 * a + b + d, 1) for c, (a, b, d) in per_code.items()}
    t0 = time.perf_counter()
    pol = tagger.polarity_proba(test["text"].tolist(), test["code"].tolist())
    polarity_seconds = time.perf_counter() - t0  # the sentences' code pass is memoised: the polarity's own cost
    pred_pol = pol.idxmax(axis=1).to_numpy()
    right = pred_pol == test["polarity"].to_numpy()
    acc = float(right.mean())
    detected_codes = {sid: {codes[j] for j in np.flatnonzero(row)} for sid, row in zip(sents["id"], chosen)}
    detected = np.array([c in detected_codes[i] for i, c in zip(test["id"], test["code"])])
    per_class = {c: float((pred_pol[test["polarity"].to_numpy() == c] == c).mean())
                 for c in sorted(test["polarity"].unique())}
    return {"n_test_sentences": len(sents), "n_test_pairs": len(test), "precision": p, "recall": r,
            "micro_f1": 2 * p * r / (p + r), "f1_by_category": f1_by_code, "polarity_accuracy": acc, "polarity_recall_by_class": per_class,
            "polarity_accuracy_detected": float(right[detected].mean()) if detected.any() else float("nan"),
            "polarity_accuracy_counting_misses": float((right & detected).mean()), "n_detected_pairs": int(detected.sum()),
            "predict_seconds": seconds, "sentences_per_second": len(sents) / seconds,
            "predict_cpu_seconds": cpu_seconds, "sentences_per_cpu_second": len(sents) / max(cpu_seconds, 1e-9),
            "polarity_seconds": polarity_seconds, "pairs_per_second": len(test) / polarity_seconds}


def run(name: str, train_rows: pd.DataFrame, test_rows: pd.DataFrame, *, unlabelled=None, **options) -> dict:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        c0 = time.process_time()
        fitted = LearnedTagger(LearnedTaggerConfig(**options)).fit(
            train_rows[["text", "code", "polarity"]].astype("string"), unlabelled=unlabelled)
        train_cpu = time.process_time() - c0
        report = fitted.report_
        tagger = LearnedTagger.load(fitted.save(Path(tmp) / "model"))  # measured as a run uses it: from its folder
        result = evaluate(tagger, test_rows)
        meta = tagger.meta_["training"]
    result.update(dataset=name, n_train_sentences=report.n_sentences, train_seconds=report.seconds,
                  train_cpu_seconds=train_cpu,
                  load_average_before=[round(x, 2) for x in load_before],
                  load_average_after=[round(x, 2) for x in os.getloadavg()],
                  cross_validated=report.dev, chosen={"C_codes": meta["code_cv"].get("C"),
                                                      "C_polarity": (meta["polarity_cv"] or {}).get("C")},
                  thresholds=report.thresholds, options=options, n_unlabelled=report.n_unlabelled,
                  blend_codes_polarity=[meta.get("blend"), meta.get("polarity_blend")],
                  polarity_head=meta.get("polarity_head"))
    return result


def table(results: list[dict]) -> str:
    lines = [f"{'dataset':<62}{'F1':>7}{'P':>7}{'R':>7}{'pol.acc':>9}{'detect.':>8}{'+miss':>7}{'train s':>9}"
             f"{'sent/s':>9}{'sent/cpu-s':>11}  load avg"]
    for r in results:
        lines.append(f"{r['dataset']:<62}{100 * r['micro_f1']:7.1f}{100 * r['precision']:7.1f}{100 * r['recall']:7.1f}"
                     f"{100 * r['polarity_accuracy']:9.1f}{100 * r['polarity_accuracy_detected']:8.1f}"
                     f"{100 * r['polarity_accuracy_counting_misses']:7.1f}{r['train_seconds']:9.1f}"
                     f"{r['sentences_per_second']:9.0f}{r['sentences_per_cpu_second']:11.0f}"
                     f"  {r['load_average_before'][0]:.1f}")
        lines.append("    F1 by category: " + ", ".join(f"{c} {100 * v:.1f}" for c, v in r["f1_by_category"].items()))
        lines.append("    polarity recall: " + ", ".join(f"{c} {v:.2f}" for c, v in r["polarity_recall_by_class"].items())
                     + f"; polarity of {r['n_test_pairs']} pairs in {r['polarity_seconds']:.1f} s")
    lines.append("references (official SemEval-2014 test set):")
    for name, (f1, acc) in REFERENCES.items():
        lines.append(f"  {name:<60}{f1:7.1f}{'':14}{acc:9.1f}")
    return "\n".join(lines)


MODELS = {"plain": {}, "encoder": {"encoder": "minilm"}, "fine-tune": {"fine_tune": True},
          "encoder-mpnet": {"encoder": "mpnet"}, "fine-tune-mpnet": {"fine_tune": True, "encoder": "mpnet"},
          "fine-tune-mpnet-pair": {"fine_tune": True, "encoder": "mpnet", "polarity_head": "pair"}}
LABELS = {"plain": "", "encoder": " --encoder minilm", "fine-tune": " --fine-tune", "encoder-mpnet": " --encoder mpnet",
          "fine-tune-mpnet": " --fine-tune --encoder mpnet",
          "fine-tune-mpnet-pair": " --fine-tune --encoder mpnet --polarity-head pair"}


def rule_tagger_by_type(test_rows: pd.DataFrame) -> dict:
    """The zero-training rule tagger (carbone-clues) on the same held-out sentences, categories mapped to
    clue types as in ``bench_rule_tagger.py``: per-type precision, recall, F1 and micro."""
    from bench_rule_tagger import MAPPING, predicted_types, scores
    from cxaudit.clues.tagger import tag

    sents = test_rows.groupby("id", sort=False).agg(text=("text", "first"), codes=("code", set)).reset_index()
    sents["sentence_id"] = sents["id"].map(lambda i: f"s{i}#0")
    sents["doc_id"] = sents["sentence_id"].str.split("#").str[0]
    gold = sents["codes"].map(lambda cs: frozenset(MAPPING[c] for c in cs if c in MAPPING))
    tags = tag(sents[["sentence_id", "doc_id", "text"]], ["carbone-clues"])
    return scores(gold, predicted_types(sents, tags))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-mams", action="store_true", help="skip the MAMS-ACSA measurement")
    parser.add_argument("--no-semeval", action="store_true",
                        help="skip training and testing on SemEval (the rule tagger is still measured on it)")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated: plain (n-gram SVMs), encoder (`train --encoder minilm`), "
                             "fine-tune (`train --fine-tune`, MiniLM), encoder-mpnet, fine-tune-mpnet "
                             "(the same with `--encoder mpnet`), fine-tune-mpnet-pair (`--polarity-head pair`); "
                             "default: all six (one whose encoder is not in the Hugging Face cache is skipped with "
                             "a message; make bench-models downloads them)")
    parser.add_argument("--folds", type=int, default=None, help="cross-validation folds inside fit()")
    parser.add_argument("--char-weight", type=float, default=None)
    parser.add_argument("--n-cues", type=int, default=None)
    parser.add_argument("--context-weight", type=float, default=None)
    parser.add_argument("--clause-weight", type=float, default=None)
    parser.add_argument("--unlabelled", choices=("none", "all", "both"), default="both",
                        help="train the plain model without / with the unlabelled sentence texts (default: both)")
    parser.add_argument("--codebook", action="append", default=None,
                        help="codebook whose pattern matches become features (repeatable), as `cxaudit train "
                             "--codebook`; default: none")
    parser.add_argument("--encoder", default=None,
                        help="replace the sentence encoder of the encoder/fine-tune models ('minilm', 'mpnet', "
                             "ORG/NAME@COMMIT or a folder)")
    parser.add_argument("--encoder-weight", type=float, default=None)
    parser.add_argument("--epochs", type=int, default=None, help="fine-tuning epochs (default 4)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="any LearnedTaggerConfig option (repeatable; VALUE read as JSON, else as a string)")
    parser.add_argument("--inner", action="store_true",
                        help="choose options here: train on 80 %% of the training 80 %%, test on the rest "
                             "(SemEval only; the held-out 20 %% is not read)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(message)s", level=logging.WARNING)
    logging.getLogger("cxaudit.clues.learned.finetune").setLevel(logging.INFO)  # fine-tuning epochs as they end
    if not SEMEVAL.exists():
        print(f"SKIP: {SEMEVAL} not found; the benchmark needs the development data in ../shared/data")
        return 0
    options = {k: v for k, v in (("folds", args.folds), ("char_weight", args.char_weight),
                                 ("n_cues", args.n_cues), ("context_weight", args.context_weight),
                                 ("clause_weight", args.clause_weight)) if v is not None}
    if args.codebook:
        options["codebooks"] = tuple(args.codebook)
    for item in args.set:
        name, _, value = item.partition("=")
        try:
            options[name] = json.loads(value)
        except json.JSONDecodeError:
            options[name] = value
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = set(models) - set(MODELS)
    if unknown:
        parser.error(f"unknown --models {sorted(unknown)}; expected some of {list(MODELS)}")
    variants = {"none": [None], "all": ["all"], "both": [None, "all"]}[args.unlabelled]
    unlab = unlabelled_texts() if "all" in variants else None
    train_rows, test_rows = (inner_split if args.inner else split)(read_xml(SEMEVAL))
    datasets = [] if args.no_semeval else [("semeval2014-restaurants " + ("inner 64/16" if args.inner else "80/20"),
                                             train_rows, test_rows)]
    if not args.no_mams and not args.inner and (MAMS / "train.xml").exists():
        datasets.append(("mams-acsa train→val", read_xml(MAMS / "train.xml"), read_xml(MAMS / "val.xml")))
    results = []
    for model in models:
        extra = dict(MODELS[model])
        if "encoder" in extra and not args.encoder and not encoder_available(extra["encoder"]):
            print(f"SKIP {model}: encoder {extra['encoder']!r} ({PINNED[extra['encoder']].hub_id}) is not in the "
                  "Hugging Face cache (make bench-models downloads it)")
            continue
        if model != "plain":
            if args.encoder:
                extra["encoder"] = args.encoder
            if args.encoder_weight is not None and model.startswith("encoder"):
                extra["encoder_weight"] = args.encoder_weight
            if args.epochs and model.startswith("fine-tune"):
                extra["epochs"] = args.epochs
        for v in (variants if model == "plain" else [None]):
            label = LABELS[model] + (" +unlabelled" if v else "")
            for name, tr, te in datasets:
                results.append(run(name + label, tr, te, unlabelled=unlab if v else None, **options, **extra))
    rule = {} if args.inner else rule_tagger_by_type(test_rows)
    payload = {"cpu_count": os.cpu_count(), "note": "2 shared cores; timings are contended", "results": results,
               "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "inner_split": args.inner,
               "rule_tagger_on_the_same_heldout": rule, "references_official_test": REFERENCES}
    write_json(args.out, payload)
    print(table(results))
    print("zero-training rule tagger (carbone-clues), same SemEval held-out sentences, categories → clue types:")
    for key, v in rule.items():
        print(f"  {key:<12} P {100 * v['precision']:5.1f}  R {100 * v['recall']:5.1f}  F1 {100 * v['f1']:5.1f}"
              f"  (support {v['support']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
