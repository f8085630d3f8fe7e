"""Is the feeling attached to each clue the clue's own? Per-category polarity on text labelled by others.

One run prints and writes ``benchmarks/results/clue_feelings.json``:

1. **Per-category polarity** — 3-class (negative/neutral/positive) and, on SemEval, 4-class
   (``conflict`` = cxaudit's ``mixed``) — on MAMS-ACSA ``val.xml`` (never trained or tuned on)
   and on the held-out 20 % of the SemEval-2014 restaurant training file (the split of
   ``bench_language_quality.held_out``), for cxaudit's default path and for VADER on the
   whole sentence. The default path is what a tag gets: ``clue_feeling`` (the clue's clause,
   ownership of the sentence's sentiment among the sentence's clues, contrast, statement mode)
   at the category's location: its first cue word, else the rule tagger's clue span of the
   mapped clue type, else (not located) the sentence's own score.
2. **The opposite-feelings test**: on sentences whose gold labels give one category a
   positive and another a negative feeling, the share where every such category gets the
   right sign (a whole-sentence score gets at most 50 % of the pairs right by construction,
   and 0 % of the sentences).
3. The same on ``tests/data/clue_feelings_cs.csv`` (customer-service sentences written and
   labelled by the project before the system was run on them; its targets are given): all
   rows, and per phenomenon; and the accuracy on ``tests/data/clue_feelings_industries_heldout.csv``
   (twenty other kinds of service, session 15; held out: its errors are not read), and on
   ``tests/data/clue_feelings_spoken_heldout.csv`` (45 interview-style items with fillers and restarts,
   session 16, written before any run; held out the same way), and on
   ``tests/data/clue_feelings_followup_heldout.csv`` (36 items of clues judged in the next sentence, with
   guards, session 17, written before any run; held out the same way), and on
   ``tests/data/clue_feelings_genres_heldout.csv`` (75 targets in 60 sentences of thirty more kinds of
   service and seven genres, session 20, written after that session's rule changes and before any run;
   held out the same way).
4. **Speed**: analysis + tagging against the bare spaCy pass on generated comments
   (``bench_language_speed.tagging_figures``; ``--words``).

Data: ``../shared/data`` or ``$CXAUDIT_DATA`` (skipped with a message when absent).
Run: ``.venv/bin/python benchmarks/bench_clue_feelings.py [--words 200000]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from _measure import write_json  # noqa: E402
from bench_language_quality import CLUE_BOOK, clue_spans, data_dir, doc_clues, locate, read_xml  # noqa: E402

LABELS = ("negative", "neutral", "positive")
CS_SET = ROOT / "tests" / "data" / "clue_feelings_cs.csv"
#: Held out (session 15): written before cxaudit was run on it; only its accuracy is ever printed.
INDUSTRIES_HELDOUT = ROOT / "tests" / "data" / "clue_feelings_industries_heldout.csv"
#: Held out (session 16): interview-style speech, written before cxaudit was run on it; only its accuracy is printed.
SPOKEN_HELDOUT = ROOT / "tests" / "data" / "clue_feelings_spoken_heldout.csv"
GENRES_HELDOUT = ROOT / "tests" / "data" / "clue_feelings_genres_heldout.csv"
FOLLOWUP_HELDOUT = ROOT / "tests" / "data" / "clue_feelings_followup_heldout.csv"


def accuracy(gold: list[str], pred: list[str]) -> dict:
    n = len(gold)
    ok = sum(g == p for g, p in zip(gold, pred))
    per = {lab: {"n": sum(g == lab for g in gold),
                 "recall": round(sum(g == lab and p == lab for g, p in zip(gold, pred)) / max(1, sum(g == lab for g in gold)), 3)}
           for lab in sorted(set(gold))}
    return {"n": n, "accuracy": round(ok / n, 4) if n else None, "per_label": per}


def opposite(sentences: dict[str, list[tuple[str, str]]]) -> dict:
    """Share of sentences with a positive and a negative gold target where every such target
    gets the right sign; ``sentences``: id -> [(gold, predicted)]."""
    n = ok = 0
    for pairs in sentences.values():
        gold = {g for g, _ in pairs}
        if "positive" in gold and "negative" in gold:
            n += 1
            ok += all(p == g for g, p in pairs if g in ("positive", "negative"))
    return {"n_sentences": n, "share_right": round(ok / n, 4) if n else None}


def feelings_at(doc, targets: list[tuple[int, int] | None]) -> list[str]:
    """cxaudit's valence (negative/neutral/positive/mixed) for each target span of one Doc, as the
    rule tagger computes a tag's; ``None`` (not located): the sentence's score."""
    from cxaudit.clues._rules import _Clauses
    try:
        from cxaudit.clues._rules import clue_feeling
    except ImportError:  # a checkout before clue_feeling (to measure "before"): the clause's polarity
        def clue_feeling(scorer, s, e, others, mode, clues=None):
            return scorer.polarity(s, e), "clause"
    from cxaudit.nlp.lexicon import sentence_bounds
    from cxaudit.nlp.sentiment import valence

    clauses = _Clauses(doc)
    spans = []
    for t in targets:
        sp = doc.char_span(t[0], t[1], alignment_mode="expand") if t else None
        spans.append((sp.start, sp.end) if sp is not None and len(sp) else None)
    located = [s for s in spans if s is not None]
    clues = doc_clues(doc, located)
    modes = doc._.sent_mode or []
    bounds = sentence_bounds(doc)
    out = []
    for sp in spans:
        if sp is None:
            scores = [x for x in doc._.sent_sentiment or []]
            out.append(valence(sum(scores) / len(scores) if scores else 0.0))
            continue
        k = next((i for i, (a, b) in enumerate(bounds) if a <= sp[0] < b), 0)
        mode = modes[k] if k < len(modes) else "other"
        others = [o for o in located if bounds[k][0] <= o[0] < bounds[k][1]]
        pol, scope = clue_feeling(clauses.scorer, sp[0], sp[1], others if len(others) > 1 else (), mode, clues)
        mixed = scope == "mixed" or len(others) <= 1 and clauses.mixed(sp[0], sp[1], bounds[k])
        out.append("mixed" if mixed else valence(pol))
    return out


def external(items: list[dict], nlp, vader) -> dict:
    """Per-category figures for cxaudit and VADER on one labelled XML set."""
    docs = list(nlp.pipe([it["text"] for it in items], batch_size=500))
    g3, cx3, vd3, g4, cx4, vd4 = [], [], [], [], [], []
    by_sent: dict[str, list] = defaultdict(list)
    by_sent_vd: dict[str, list] = defaultdict(list)
    located = Counter()
    for it, doc in zip(items, docs):
        targets = []
        for cat, _ in it["cats"]:
            span = locate(cat, it["text"])
            how = "cue"
            if not span:
                cs = clue_spans(cat, doc)
                span, how = (cs[0], "clue") if cs else (None, "sentence")
            located[how] += 1
            targets.append(span)
        preds = feelings_at(doc, targets)
        vd = vader.polarity_scores(it["text"])["compound"]
        vlab = "neutral" if abs(vd) < 0.05 else ("positive" if vd > 0 else "negative")
        for (cat, gold), pred in zip(it["cats"], preds):
            g = "mixed" if gold == "conflict" else gold
            g4.append(g), cx4.append(pred), vd4.append(vlab)
            if gold in LABELS:
                p3 = pred if pred != "mixed" else "neutral"
                g3.append(gold), cx3.append(p3), vd3.append(vlab)
                by_sent[it["id"]].append((gold, p3))
                by_sent_vd[it["id"]].append((gold, vlab))
    total = sum(located.values())
    return {
        "per_category_3class": {"cxaudit": accuracy(g3, cx3), "vader_sentence": accuracy(g3, vd3)},
        "per_category_4class": {"cxaudit": accuracy(g4, cx4), "vader_sentence": accuracy(g4, vd4)},
        "opposite_feelings": {"cxaudit": opposite(by_sent), "vader_sentence": opposite(by_sent_vd)},
        "located": {k: round(v / total, 3) for k, v in located.items()},
    }


def own_set(nlp, vader, path: Path = CS_SET, *, bias: bool = True) -> dict:
    """Figures on a set the project labelled by hand (targets given): the customer-service set, or
    the held-out set of other industries (``bias=False``: no sentence-bias figures)."""
    data = pd.read_csv(path, keep_default_na=False)
    rows = []
    for sid, group in data.groupby("sentence_id", sort=False):
        text = group["text"].iloc[0]
        doc = nlp(text)
        targets = []
        for t in group["target"]:
            a = text.find(t)
            targets.append((a, a + len(t)))
        preds = feelings_at(doc, targets)
        vd = vader.polarity_scores(text)["compound"]
        vlab = "neutral" if abs(vd) < 0.05 else ("positive" if vd > 0 else "negative")
        for (_, r), p in zip(group.iterrows(), preds):
            rows.append((sid, r["phenomenon"], r["polarity"], p, vlab))
    three = [r for r in rows if r[2] in LABELS]
    out = {
        "n_rows": len(rows), "n_sentences": data["sentence_id"].nunique(),
        "3class": {"cxaudit": accuracy([r[2] for r in three], [r[3] if r[3] != "mixed" else "neutral" for r in three]),
                   "vader_sentence": accuracy([r[2] for r in three], [r[4] for r in three])},
        "4class": {"cxaudit": accuracy([r[2] for r in rows], [r[3] for r in rows]),
                   "vader_sentence": accuracy([r[2] for r in rows], [r[4] for r in rows])},
    }
    by_sent, by_sent_vd = defaultdict(list), defaultdict(list)
    for sid, _, g, p, v in rows:
        by_sent[sid].append((g, p)), by_sent_vd[sid].append((g, v))
    out["opposite_feelings"] = {"cxaudit": opposite(by_sent), "vader_sentence": opposite(by_sent_vd)}
    if bias:
        out["sentence_bias"] = sentence_bias(data, nlp, vader)
    out["per_phenomenon"] = {}
    for ph in sorted({r[1] for r in rows}):
        part = [r for r in rows if r[1] == ph]
        out["per_phenomenon"][ph] = {"n": len(part), "cxaudit": round(sum(r[2] == r[3] for r in part) / len(part), 3),
                                     "vader_sentence": round(sum(r[2] == r[4] for r in part) / len(part), 3)}
    return out


def sentence_bias(data: pd.DataFrame, nlp, vader) -> dict:
    """The politeness/sarcasm bias of the *sentence* score on the customer-service set: of the
    sentences whose every labelled target is negative, the share the sentence score calls
    positive (cxaudit's sentence sentiment and VADER's compound, both with the ±0.05 band), overall
    and for the sentences with politeness or sarcasm."""
    from cxaudit.nlp.sentiment import valence

    rows = []
    for _, group in data.groupby("sentence_id", sort=False):
        if set(group["polarity"]) != {"negative"}:
            continue
        text = group["text"].iloc[0]
        scores = nlp(text)._.sent_sentiment or [0.0]
        cx = valence(sum(scores) / len(scores))
        vd = vader.polarity_scores(text)["compound"]
        vlab = "neutral" if abs(vd) < 0.05 else ("positive" if vd > 0 else "negative")
        rows.append((set(group["phenomenon"]) & {"politeness", "sarcasm"}, cx, vlab))

    def share(part: list) -> dict:
        n = len(part)
        return {"n": n, "cxaudit_positive": round(sum(r[1] == "positive" for r in part) / n, 3) if n else None,
                "vader_positive": round(sum(r[2] == "positive" for r in part) / n, 3) if n else None}

    return {"all_negative_sentences": share(rows), "with_politeness_or_sarcasm": share([r for r in rows if r[0]])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=300_000, help="generated words for the speed figures (0: skip)")
    args = parser.parse_args(argv)
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from cxaudit.clues.tagger import add_codebooks
    from cxaudit.nlp import build_pipeline

    nlp = build_pipeline("blank")
    add_codebooks(nlp, [CLUE_BOOK, "touchpoints"])  # every clue of a next sentence stops a verdict (doc_clues)
    vader = SentimentIntensityAnalyzer()
    result: dict = {"generated": time.strftime("%Y-%m-%d %H:%M:%S")}
    data = data_dir()
    if data is None:
        print("SKIP external sets: ../shared/data (or $CXAUDIT_DATA) is absent")
        result["external"] = "skipped: data absent"
    else:
        sem = [i for i in read_xml(data / "semeval2014-restaurants" / "Restaurants_Train_v2.xml", "semeval") if i["held_out"]]
        sets = {"mams_val": read_xml(data / "mams-acsa" / "val.xml", "mams"), "semeval_heldout": sem}
        result["external"] = {}
        for name, items in sets.items():
            r = result["external"][name] = external(items, nlp, vader)
            c3, v3 = r["per_category_3class"]["cxaudit"], r["per_category_3class"]["vader_sentence"]
            c4, v4 = r["per_category_4class"]["cxaudit"], r["per_category_4class"]["vader_sentence"]
            oc, ov = r["opposite_feelings"]["cxaudit"], r["opposite_feelings"]["vader_sentence"]
            print(f"{name:<16} 3-class n={c3['n']:<5} cxaudit {c3['accuracy']:.3f}  VADER {v3['accuracy']:.3f} | "
                  f"4-class cxaudit {c4['accuracy']:.3f} VADER {v4['accuracy']:.3f} | opposite feelings "
                  f"n={oc['n_sentences']} cxaudit {oc['share_right']} VADER {ov['share_right']} | located {r['located']}")
    r = result["industries_heldout"] = own_set(nlp, vader, INDUSTRIES_HELDOUT, bias=False)
    print(f"industries held-out 3-class n={r['3class']['cxaudit']['n']:<5} cxaudit {r['3class']['cxaudit']['accuracy']:.3f}  "
          f"VADER {r['3class']['vader_sentence']['accuracy']:.3f} | 4-class cxaudit {r['4class']['cxaudit']['accuracy']:.3f} "
          f"VADER {r['4class']['vader_sentence']['accuracy']:.3f}")
    r = result["spoken_heldout"] = own_set(nlp, vader, SPOKEN_HELDOUT, bias=False)
    print(f"spoken held-out 3-class n={r['3class']['cxaudit']['n']:<5} cxaudit {r['3class']['cxaudit']['accuracy']:.3f}  "
          f"VADER {r['3class']['vader_sentence']['accuracy']:.3f} | 4-class cxaudit {r['4class']['cxaudit']['accuracy']:.3f} "
          f"VADER {r['4class']['vader_sentence']['accuracy']:.3f}")
    r = result["followup_heldout"] = own_set(nlp, vader, FOLLOWUP_HELDOUT, bias=False)
    print(f"follow-up held-out 3-class n={r['3class']['cxaudit']['n']:<3} cxaudit {r['3class']['cxaudit']['accuracy']:.3f}  "
          f"VADER {r['3class']['vader_sentence']['accuracy']:.3f}")
    r = result["genres_heldout"] = own_set(nlp, vader, GENRES_HELDOUT, bias=False)
    print(f"genres held-out 3-class n={r['3class']['cxaudit']['n']:<5} cxaudit {r['3class']['cxaudit']['accuracy']:.3f}  "
          f"VADER {r['3class']['vader_sentence']['accuracy']:.3f} | 4-class cxaudit {r['4class']['cxaudit']['accuracy']:.3f} "
          f"VADER {r['4class']['vader_sentence']['accuracy']:.3f}")
    r = result["cs_set"] = own_set(nlp, vader)
    print(f"cs set           3-class n={r['3class']['cxaudit']['n']:<5} cxaudit {r['3class']['cxaudit']['accuracy']:.3f}  "
          f"VADER {r['3class']['vader_sentence']['accuracy']:.3f} | 4-class cxaudit {r['4class']['cxaudit']['accuracy']:.3f} "
          f"VADER {r['4class']['vader_sentence']['accuracy']:.3f} | opposite feelings n={r['opposite_feelings']['cxaudit']['n_sentences']} "
          f"cxaudit {r['opposite_feelings']['cxaudit']['share_right']} VADER {r['opposite_feelings']['vader_sentence']['share_right']}")
    for name, v in r["sentence_bias"].items():
        print(f"  sentence score positive on negative sentences, {name:<26} n={v['n']:<4} "
              f"cxaudit {v['cxaudit_positive']}  VADER {v['vader_positive']}")
    for ph, v in r["per_phenomenon"].items():
        print(f"  {ph:<20} n={v['n']:<4} cxaudit {v['cxaudit']:.3f}  VADER {v['vader_sentence']:.3f}")
    if args.words:
        from bench_language_speed import corpus, tagging_figures

        texts = corpus(args.words)
        words = sum(len(t.split()) for t in texts)
        result["speed"] = tagging_figures(texts, words, 1000, 1, "generated")
        print(f"speed: analysis + tagging / bare pass (CPU) = {result['speed']['generated_ratio_full_tagging_to_bare_cpu']}"
              f" ({result['speed']['generated_full_tagging_1proc_words_per_cpu_s']:,} words/CPU-s, {words:,} words)")
    out = ROOT / "benchmarks" / "results" / "clue_feelings.json"
    write_json(out, result)
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
