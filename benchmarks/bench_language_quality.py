"""Quality of cxaudit's language signals on text labelled by others (and on our mode/effort set).

Data (never copied into the repository): ``../shared/data`` relative to the project, or
``$CXAUDIT_DATA``: SemEval-2014 restaurants (Restaurants_Train_v2.xml) and MAMS-ACSA
(train.xml + val.xml). Every sentence goes to the *tune* or the *held-out* split by a
hash of its id (SemEval) or text (MAMS): 20 % held out. Figures are reported on the
held-out split; ``--grid`` prints the tuning grid on the tune split.

1. Sentence valence: sentences whose aspect labels all share one polarity (positive,
   negative or neutral; "conflict" dropped) — cxaudit's sentence score (the mean of
   the text's sentence scores) vs VADER's compound on the whole text, both ±0.05.
2. Clause-scoped polarity: per aspect term (SemEval, with character offsets) and per
   aspect category (SemEval and MAMS): cxaudit ``clause_polarity`` vs VADER on the whole
   text. A category is located two ways, both reported: (a) the first of the cue words
   below, else the whole text (``category_polarity``); (b) as the product does it, at the
   spans the rule tagger (``carbone-clues``) finds for the clue type the category maps to
   (service/staff → humanic, ambience/place → mechanic, food/menu/price → functional;
   the mean of ``clause_polarity`` over those spans), else the cue word, else the whole
   text (``category_polarity_by_clue``).
3. Mode and effort on ``tests/data/mode_effort.csv`` (the set used while tuning) and
   ``tests/data/mode_effort_holdout.csv`` (not looked at while tuning).

Writes ``benchmarks/results/language_quality.json`` and prints tables. Run:
``.venv/bin/python benchmarks/bench_language_quality.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_json  # noqa: E402

LABELS = ("negative", "neutral", "positive")
#: Cue words that locate a category in a sentence (first match wins; none → whole text).
CATEGORY_CUES = {
    "food": r"food|dish(?:es)?|meals?|pizzas?|sushi|desserts?|tastes?|flavou?rs?|portions?|appetizers?|entrees?|"
            r"pasta|steak|burgers?|chicken|fish|soup|salad|bread|sauce|cooked|delicious|tasty|fresh|drinks?|wine|cocktails?|coffee",
    "service": r"service|staff|waiters?|waitress(?:es)?|servers?|host(?:ess)?|manager|bartenders?|owners?|waitstaff|"
               r"attentive|rude|friendly|served|seated|people",
    "staff": r"staff|waiters?|waitress(?:es)?|servers?|host(?:ess)?|manager|bartenders?|owners?|waitstaff|chefs?|"
             r"attentive|rude|friendly|people",
    "price": r"prices?|priced|pricey|expensive|cheap|costs?|value|overpriced|bill|affordable|worth|\$\d+|dollars?|money",
    "ambience": r"ambi[ae]nce|atmosphere|decor|music|setting|interior|noisy|noise|loud|cozy|romantic|vibe|"
                r"lighting|room|space|seating|tables?|view|outdoor",
    "menu": r"menu|selection|options?|choices?|variety|specials?|wine list",
    "place": r"place|location|neighbou?rhood|area|street|parking|spot|restaurant|bar|room|seating|view|outside|inside",
}


def data_dir() -> Path | None:
    """The shared data folder, or None when it is absent."""
    for cand in (os.environ.get("CXAUDIT_DATA"), ROOT.parent / "shared" / "data", Path("/work/shared/data")):
        if cand and (Path(cand) / "semeval2014-restaurants").is_dir():
            return Path(cand)
    return None


def held_out(key: str) -> bool:
    """True for the 20 % held-out split (stable hash of the sentence id or text)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 5 == 0


def read_xml(path: Path, dataset: str) -> list[dict]:
    """Sentences with their aspect terms and categories from a SemEval/MAMS XML file."""
    out = []
    for i, s in enumerate(ET.parse(path).getroot().iter("sentence")):
        text = s.findtext("text") or ""
        sid = s.get("id") or hashlib.sha1(text.encode()).hexdigest()[:12]
        terms = [(t.get("term"), t.get("polarity"), int(t.get("from")), int(t.get("to")))
                 for t in s.iter("aspectTerm")]
        cats = [(c.get("category"), c.get("polarity")) for c in s.iter("aspectCategory")]
        out.append({"dataset": dataset, "id": sid, "text": text, "terms": terms, "cats": cats,
                    "held_out": held_out(f"{dataset}:{sid}")})
    return out


def scores(gold: list[str], pred: list[str]) -> dict:
    """Accuracy, macro-F1 over the three labels, and per-label precision/recall."""
    n = len(gold)
    acc = sum(g == p for g, p in zip(gold, pred)) / n if n else float("nan")
    per = {}
    f1s = []
    for lab in LABELS:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": round(prec, 3), "recall": round(rec, 3), "n": tp + fn}
        f1s.append(f1)
    return {"n": n, "accuracy": round(acc, 4), "macro_f1": round(sum(f1s) / 3, 4), "per_label": per}


def to_label(x: float, band: float) -> str:
    return "neutral" if abs(x) < band else ("positive" if x > 0 else "negative")


#: Category → Carbone clue type (shared/data/README.md); anecdotes/miscellaneous has none.
CLUE_TYPE = {"service": "humanic", "staff": "humanic", "ambience": "mechanic", "place": "mechanic",
             "food": "functional", "menu": "functional", "price": "functional"}
CLUE_BOOK = "carbone-clues"


def clue_spans(category: str, doc) -> list[tuple[int, int]]:
    """Character spans of the rule tagger's clues of the category's clue type in ``doc``."""
    ctype = CLUE_TYPE.get(category.split("/")[0])
    info = (doc._.cx_codebooks or {}).get(CLUE_BOOK) if doc.has_extension("cx_codebooks") else None
    if not ctype or not info:
        return []
    return [(sp.start_char, sp.end_char) for sp in doc.spans.get(f"cx_{CLUE_BOOK}", [])
            if info[sp.label_][0] == ctype]


def doc_clues(doc, located: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token spans of every clue of ``doc`` as the rule tagger sees them: the located targets and the
    matches of every codebook compiled into the pipeline (for ``clue_feeling``'s verdict in the next
    sentence, which a next sentence with a clue of its own does not give)."""
    from cxaudit.clues._rules import matches_of

    books = (doc._.cx_codebooks or {}) if doc.has_extension("cx_codebooks") else {}
    return list(located) + [(m[0], m[1]) for b in books for m in matches_of(doc, f"cx_{b}")]


def locate(category: str, text: str) -> tuple[int, int] | None:
    """Character span of the first cue word of ``category`` in ``text``, if any."""
    cue = CATEGORY_CUES.get(category.split("/")[0])
    if not cue:
        return None
    m = re.search(rf"\b(?:{cue})\b", text, flags=re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def evaluate(items: list[dict], nlp, vader, *, band: float = 0.05, fallback: str = "sentence",
             min_words: int | None = None) -> dict:
    """All sentiment figures for ``items`` (cxaudit and VADER side by side)."""
    from cxaudit.nlp.clue_scope import clause_polarity

    texts = [it["text"] for it in items]
    docs = list(nlp.pipe(texts, batch_size=500))
    sent_gold, sent_cx, sent_vd = [], [], []
    term_gold, term_cx, term_vd = [], [], []
    cat_gold, cat_cx, cat_vd, cat_located = [], [], [], 0
    cat_clue, clue_located = [], 0
    for it, doc in zip(items, docs):
        vd = vader.polarity_scores(it["text"])["compound"]
        ss = [s for s in doc._.sent_sentiment]
        cx_sent = sum(ss) / len(ss) if ss else 0.0
        pols = {p for _, p in it["cats"]} | {p for _, p, _, _ in it["terms"]}
        if len(pols) == 1 and next(iter(pols)) in LABELS:
            sent_gold.append(next(iter(pols)))
            sent_cx.append(to_label(cx_sent, band))
            sent_vd.append(to_label(vd, 0.05))
        for term, pol, a, b in it["terms"]:
            if pol in LABELS:
                term_gold.append(pol)
                term_cx.append(to_label(clause_polarity(doc, a, b, fallback=fallback, min_words=min_words), band))
                term_vd.append(to_label(vd, 0.05))
        for cat, pol in it["cats"]:
            if pol not in LABELS:
                continue
            span = locate(cat, it["text"])
            if span:
                cat_located += 1
                x = clause_polarity(doc, span[0], span[1], fallback=fallback, min_words=min_words)
            else:
                x = cx_sent
            spans = clue_spans(cat, doc)
            if spans:
                clue_located += 1
                xc = sum(clause_polarity(doc, a, b, fallback=fallback, min_words=min_words) for a, b in spans) / len(spans)
            else:
                xc = x
            cat_clue.append(to_label(xc, band))
            cat_gold.append(pol)
            cat_cx.append(to_label(x, band))
            cat_vd.append(to_label(vd, 0.05))
    return {
        "sentence_valence": {"cxaudit": scores(sent_gold, sent_cx), "vader": scores(sent_gold, sent_vd)},
        "aspect_term_polarity": {"cxaudit": scores(term_gold, term_cx), "vader": scores(term_gold, term_vd)},
        "category_polarity": {"cxaudit": scores(cat_gold, cat_cx), "vader": scores(cat_gold, cat_vd),
                              "share_located_by_cue": round(cat_located / max(1, len(cat_gold)), 3)},
        "category_polarity_by_clue": {"cxaudit": scores(cat_gold, cat_clue), "vader": scores(cat_gold, cat_vd),
                                      "share_located_by_clue": round(clue_located / max(1, len(cat_gold)), 3)},
    }


def mode_effort(nlp, path: Path) -> dict:
    """Per-class precision/recall of mode, and of the effort flag, on a labelled CSV."""
    data = pd.read_csv(path)
    docs = list(nlp.pipe(data["text"].astype(str), batch_size=256))
    pred_mode, pred_effort = [], []
    for doc in docs:
        modes = [m for m in doc._.sent_mode]
        # one labelled item may be split in two sentences: desired/question win over current/other
        rank = {"desired": 0, "question": 1, "current": 2, "other": 3}
        pred_mode.append(min(modes, key=rank.get) if modes else "other")
        pred_effort.append(any(p is not None for p in doc._.sent_effort))
    out = {"n": len(data), "mode": {}, "effort": {}}
    gold = list(data["mode"])
    for lab in ("current", "desired", "question", "other"):
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred_mode))
        npred = sum(p == lab for p in pred_mode)
        ngold = sum(g == lab for g in gold)
        out["mode"][lab] = {"precision": round(tp / npred, 3) if npred else 0.0,
                            "recall": round(tp / ngold, 3) if ngold else 0.0, "n": ngold}
    out["mode_accuracy"] = round(sum(g == p for g, p in zip(gold, pred_mode)) / len(gold), 3)
    eg = [bool(x) for x in data["effort"]]
    tp = sum(g and p for g, p in zip(eg, pred_effort))
    out["effort"] = {"precision": round(tp / max(1, sum(pred_effort)), 3), "recall": round(tp / max(1, sum(eg)), 3),
                     "n": sum(eg)}
    out["errors"] = [{"text": t, "gold": g, "pred": p} for t, g, p in zip(data["text"], gold, pred_mode) if g != p]
    return out




def print_table(title: str, res: dict) -> None:
    print(f"\n{title}")
    print(f"  {'task':<27}{'n':>6}  {'cxaudit acc':>11} {'macro-F1':>9}   {'VADER acc':>9} {'macro-F1':>9}")
    for task, r in res.items():
        cx, vd = r["cxaudit"], r["vader"]
        if not cx["n"]:
            continue
        print(f"  {task:<27}{cx['n']:>6}  {cx['accuracy']:>11.3f} {cx['macro_f1']:>9.3f}   {vd['accuracy']:>9.3f} {vd['macro_f1']:>9.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grid", action="store_true", help="print the tuning grid on the tune split")
    args = parser.parse_args(argv)
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from cxaudit.clues.tagger import add_codebooks
    from cxaudit.nlp import build_pipeline
    from cxaudit.nlp.sentiment import NEUTRAL_BAND

    nlp = build_pipeline("blank")
    add_codebooks(nlp, [CLUE_BOOK])  # only adds span rulers: the sentiment is the same
    vader = SentimentIntensityAnalyzer()
    result: dict = {"generated": time.strftime("%Y-%m-%d %H:%M:%S"), "base_model": nlp.meta["cxaudit"]["base"],
                    "neutral_band": NEUTRAL_BAND}
    data = data_dir()
    if data is None:
        print("SKIP sentiment benchmarks: ../shared/data (or $CXAUDIT_DATA) with semeval2014-restaurants/ "
              "and mams-acsa/ is absent")
        result["sentiment"] = "skipped: data absent"
    else:
        sets = {
            "semeval2014": read_xml(data / "semeval2014-restaurants" / "Restaurants_Train_v2.xml", "semeval"),
            "mams_acsa": read_xml(data / "mams-acsa" / "train.xml", "mams") + read_xml(data / "mams-acsa" / "val.xml", "mams"),
        }
        if args.grid:
            for band, fb, mw in [(0.05, "sentence", mw) for mw in (0, 3, 4, 5, 6)] + [(b, "none", 4) for b in (0.05, 0.1)]:
                    for name, items in sets.items():
                        r = evaluate([i for i in items if not i["held_out"]], nlp, vader, band=band, fallback=fb, min_words=mw)
                        print(f"grid tune {name:<12} band={band:<5} fallback={fb:<9} min_words={mw}",
                              {k: (v["cxaudit"]["accuracy"], v["cxaudit"]["macro_f1"]) for k, v in r.items()})
        result["sentiment"] = {}
        for name, items in sets.items():
            for split in ("held_out", "tune"):
                part = [i for i in items if i["held_out"] == (split == "held_out")]
                res = evaluate(part, nlp, vader, band=NEUTRAL_BAND)
                result["sentiment"][f"{name}/{split}"] = res
                print_table(f"{name} — {split} split ({len(part)} sentences)", res)
    result["mode_effort"] = {}
    for label, fname in (("tuning set", "mode_effort.csv"), ("held-out set", "mode_effort_holdout.csv")):
        r = mode_effort(nlp, ROOT / "tests" / "data" / fname)
        result["mode_effort"][fname] = r
        print(f"\nmode/effort — {label} ({fname}, n={r['n']}), mode accuracy {r['mode_accuracy']:.3f}")
        for lab, v in r["mode"].items():
            print(f"  {lab:<9} precision {v['precision']:.3f}  recall {v['recall']:.3f}  (n={v['n']})")
        e = r["effort"]
        print(f"  effort    precision {e['precision']:.3f}  recall {e['recall']:.3f}  (n={e['n']})")
    out = ROOT / "benchmarks" / "results" / "language_quality.json"
    write_json(out, result)
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
