"""How often a tag's feeling is right, by the scope it came from — the figures behind
``cxaudit.clues._rules.SCOPE_CONFIDENCE`` (a rule tag's ``confidence``).

For every labelled category of the **development** splits whose clue can be located in its
sentence (the benchmark's cue lists, else a carbone-clues clue of its type; as
``bench_clue_feelings``), the rule tagger's feeling is computed exactly as for a tag
(``clue_feeling`` with the sentence's other located clues) and compared with the gold label:

* ``semeval_tune``: the SemEval-2014 restaurant training file minus its held-out 20 %
  (``bench_language_quality.held_out``);
* ``mams_train_sample``: 2,000 sentences of MAMS-ACSA ``train.xml`` (shuffled with seed 0; never
  ``val.xml``, which ``bench_clue_feelings`` reports);
* ``cs_dev_half``: the half of the project's customer-service set (``tests/data/clue_feelings_cs.csv``)
  with ``sha1(sentence_id) % 2 == 0`` (the other half is reported, never looked at here);
* ``industries_dev``: the project's development set of sixteen kinds of service
  (``tests/data/clue_feelings_industries.csv``, session 15);
* ``spoken_dev``: 45 interview-style items of nine industries, with fillers and restarts
  (``tests/data/clue_feelings_spoken.csv``, session 16);
* ``followup_dev``: 40 items of clues judged in the next sentence ("I rang the helpline. Absolutely
  useless."), with guards (``tests/data/clue_feelings_followup.csv``, session 17) — the only split with
  the ``follow`` scope, whose figure is therefore this split's share alone;
* ``genres_dev``: 86 targets in 60 sentences of twenty more kinds of service and eight genres (app-store
  reviews, chat lines, complaint letters, forum posts …; ``tests/data/clue_feelings_genres.csv``, session 20);
* ``interviews_dev``: 46 targets in 39 interview answers of fourteen kinds of service, with fillers, restarts
  and left-dislocation (``tests/data/clue_feelings_interviews.csv``, session 20).

A feeling is right when its valence equals the gold polarity; ``mixed`` is right only against
SemEval's ``conflict``. The confidence of a scope is the **mean of the splits' shares**
(each domain counts the same; splits with fewer than 10 items of a scope are left out of its
mean). Held-out checks of the result: ``tag_precision.py`` (calibration table on hand-judged
tags of the sample and SemEval's held-out split) — never used to set the figures.

Run: ``.venv/bin/python benchmarks/calibrate_confidence.py`` → prints the table and writes
``benchmarks/results/confidence_scopes.json``; ``--items FILE`` also writes every judged item, to diff
two versions of the rules item by item.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_json  # noqa: E402
from bench_language_quality import CLUE_BOOK, clue_spans, data_dir, doc_clues, locate, read_xml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "confidence_scopes.json"
MIN_ITEMS = 10
#: Every judged item (split, text, target, gold, predicted, scope) when ``--items FILE`` asks for them.
ITEMS: list | None = None


def _scoped(nlp, text: str, targets: list[tuple[int, int] | None], golds: list[str], counts: Counter, split: str):
    from cxaudit.clues._rules import _Clauses, clue_feeling
    from cxaudit.nlp.lexicon import sentence_bounds
    from cxaudit.nlp.sentiment import valence

    doc = nlp(text)
    spans = []
    for t in targets:
        sp = doc.char_span(t[0], t[1], alignment_mode="expand") if t else None
        spans.append((sp.start, sp.end) if sp is not None and len(sp) else None)
    located = [s for s in spans if s]
    clues = doc_clues(doc, located)
    clauses, bounds, modes = _Clauses(doc), sentence_bounds(doc), doc._.sent_mode or []
    for sp, gold in zip(spans, golds):
        if sp is None:
            continue
        k = next((i for i, (a, b) in enumerate(bounds) if a <= sp[0] < b), 0)
        others = [o for o in located if bounds[k][0] <= o[0] < bounds[k][1]]
        pol, scope = clue_feeling(clauses.scorer, sp[0], sp[1], others if len(others) > 1 else (),
                                  modes[k] if k < len(modes) else "other", clues)
        predicted = "conflict" if scope == "mixed" else valence(pol)
        gold = "conflict" if gold == "mixed" else gold  # the customer-service set says "mixed" for SemEval's "conflict"
        if gold == "conflict" and scope != "mixed":
            continue  # a 4th class the rules give only as "mixed": counted for that scope alone
        counts[(split, scope, predicted == gold)] += 1
        if ITEMS is not None:
            ITEMS.append((split, text, doc[sp[0]:sp[1]].text, gold, predicted, scope))


def own_set(nlp, frame: pd.DataFrame, counts: Counter, split: str) -> None:
    """Count a set written by the project (``tests/data/clue_feelings_*.csv``: one row per sentence and target)."""
    for _, g in frame.groupby("sentence_id", sort=False):
        text = g["text"].iloc[0]
        targets = [(text.find(t), text.find(t) + len(t)) for t in g["target"]]
        _scoped(nlp, text, targets, list(g["polarity"]), counts, split)


def main() -> int:
    global ITEMS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=Path, help="also write every judged item (split, text, target, gold, "
                        "predicted, scope) to this CSV, to diff two versions item by item (keep it outside the repo: "
                        "it holds SemEval and MAMS text)")
    args = parser.parse_args()
    ITEMS = [] if args.items else None
    data = data_dir()
    if data is None:
        print("SKIP: ../shared/data (or $CXAUDIT_DATA) with the SemEval and MAMS files is absent")
        return 0
    from cxaudit.clues.tagger import add_codebooks
    from cxaudit.nlp import build_pipeline

    nlp = build_pipeline("blank")
    add_codebooks(nlp, [CLUE_BOOK, "touchpoints"])  # as bench_clue_feelings
    counts: Counter = Counter()

    def external(items, split):
        for it in items:
            targets = []
            for cat, _ in it["cats"]:
                span = locate(cat, it["text"])
                if not span:
                    found = clue_spans(cat, nlp(it["text"]))
                    span = found[0] if found else None
                targets.append(span)
            _scoped(nlp, it["text"], targets, [g for _, g in it["cats"]], counts, split)

    sem = read_xml(data / "semeval2014-restaurants" / "Restaurants_Train_v2.xml", "semeval")
    external([i for i in sem if not i["held_out"]], "semeval_tune")
    mams = read_xml(data / "mams-acsa" / "train.xml", "mams")
    random.Random(0).shuffle(mams)
    external(mams[:2000], "mams_train_sample")
    cs = pd.read_csv(ROOT / "tests" / "data" / "clue_feelings_cs.csv")
    cs = cs[[int(hashlib.sha1(s.encode()).hexdigest(), 16) % 2 == 0 for s in cs["sentence_id"]]]
    own_set(nlp, cs, counts, "cs_dev_half")
    own_set(nlp, pd.read_csv(ROOT / "tests" / "data" / "clue_feelings_industries.csv"), counts, "industries_dev")
    own_set(nlp, pd.read_csv(ROOT / "tests" / "data" / "clue_feelings_spoken.csv"), counts, "spoken_dev")
    own_set(nlp, pd.read_csv(ROOT / "tests" / "data" / "clue_feelings_followup.csv", keep_default_na=False), counts,
            "followup_dev")
    own_set(nlp, pd.read_csv(ROOT / "tests" / "data" / "clue_feelings_genres.csv"), counts, "genres_dev")
    own_set(nlp, pd.read_csv(ROOT / "tests" / "data" / "clue_feelings_interviews.csv"), counts, "interviews_dev")

    splits = sorted({k[0] for k in counts})
    scopes = sorted({k[1] for k in counts})
    table = {}
    print(f"{'scope':<10}" + "".join(f"{s:>24}" for s in splits) + f"{'confidence':>12}")
    for scope in scopes:
        row, shares = {}, []
        for split in splits:
            right, wrong = counts[(split, scope, True)], counts[(split, scope, False)]
            n = right + wrong
            row[split] = {"n": n, "share_right": round(right / n, 4) if n else None}
            if n >= MIN_ITEMS:
                shares.append(right / n)
        row["confidence"] = round(sum(shares) / len(shares), 2) if shares else None
        table[scope] = row
        print(f"{scope:<10}" + "".join(f"{row[s]['share_right'] if row[s]['n'] else '-'!s:>16} (n={row[s]['n']:>4})"
                                       for s in splits) + f"{row['confidence']!s:>12}")
    write_json(OUT, {"description": "share of right feelings by scope on the development splits "
                                    "(benchmarks/calibrate_confidence.py); the mean is SCOPE_CONFIDENCE",
                     "min_items": MIN_ITEMS, "scopes": table})
    print(f"wrote {OUT.relative_to(ROOT)}")
    if ITEMS is not None:
        pd.DataFrame(ITEMS, columns=["split", "text", "target", "gold", "predicted", "scope"]).to_csv(args.items,
                                                                                                   index=False)
        print(f"wrote {args.items}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
