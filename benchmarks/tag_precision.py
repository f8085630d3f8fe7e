"""Precision of the rule tagger's ``carbone-clues`` tags, judged by hand: is the code a right
reading of the evidence in its sentence, and is the feeling attached to it the customer's
feeling toward that clue?

Population (default path: the blank English pipeline with cxaudit's components):

* ``sample``: the carbone-clues tags of the bundled sample audit (``cxaudit run
  data/sample/audit.yml`` into a temporary folder); key = the sample's ``sentence_id``;
* ``semeval-heldout``: the carbone-clues tags of the held-out 20 % of the SemEval-2014
  restaurant training file as ``bench_language_quality.held_out()`` defines it
  (``sha1("semeval:<sentence id>") % 5 == 0``), each sentence analysed as a one-turn comment;
  key = the sentence's ``id`` attribute, offsets index the sentence's text in the XML file.

Sample: per source, the ``K`` tags with the smallest ``sha1(SEED|source|key|start|end|code)``
("bottom-k"): a uniform random sample without replacement that is reproducible and stable —
a tag that survives a codebook change keeps its rank, so the before- and after-samples share
every tag that did not change and only the new or re-coded tags need judging.

Judgements: ``benchmarks/judgements/tag_precision.csv`` (source, sentence_key, start_char,
end_char, code, code_ok, gold_feeling, added_after, evidence, note). Only our own sample's
evidence is stored; SemEval text never is (ids and character offsets only). A tag is
*right* when ``code_ok == 1`` and the system's ``valence`` equals ``gold_feeling``
(``mixed`` is right only when the gold feeling is mixed).

Run: ``.venv/bin/python benchmarks/tag_precision.py --label before`` (or ``after``) →
prints the figures with 95 % Wilson intervals and writes them under ``measurements.<label>``
of ``benchmarks/results/tag_precision.json``; sampled tags without a judgement are listed
(``--show-unjudged`` prints their sentences to judge them) and left out of the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import write_json  # noqa: E402
from bench_language_quality import data_dir, held_out  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
JUDGEMENTS = ROOT / "benchmarks" / "judgements" / "tag_precision.csv"
OUT = ROOT / "benchmarks" / "results" / "tag_precision.json"
BOOK = "carbone-clues"
SEED = "cxaudit-tag-precision-2026-12"
K = 60  # tags per source
FEELINGS = ("negative", "neutral", "positive", "mixed")
KEY = ["source", "sentence_key", "start_char", "end_char", "code"]
COLUMNS = KEY + ["code_ok", "gold_feeling", "added_after", "evidence", "note"]


def sample_tags(tmp: Path, codebook: str = BOOK) -> pd.DataFrame:
    """carbone-clues tags of the bundled sample audit, run with the CLI into ``tmp``; with another
    ``codebook`` file (named carbone-clues) the audit is copied and pointed at it."""
    import shutil

    import duckdb

    audit = ROOT / "data" / "sample" / "audit.yml"
    if codebook != BOOK:
        copy = tmp / "sample-copy"
        shutil.copytree(ROOT / "data" / "sample", copy)
        text = (copy / "audit.yml").read_text(encoding="utf-8")
        (copy / "audit.yml").write_text(text.replace(f"codebooks: [{BOOK},", f"codebooks: [{Path(codebook).resolve()},"),
                                        encoding="utf-8")
        audit = copy / "audit.yml"
    out = tmp / f"sample-run-{hashlib.sha1(str(codebook).encode()).hexdigest()[:8]}"
    cmd = [sys.executable, "-m", "cxaudit", "run", str(audit), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if not (out / "cxaudit.duckdb").exists():  # exit code 2 only means some input rows were rejected
        raise SystemExit(f"sample audit run failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    con = duckdb.connect(str(out / "cxaudit.duckdb"), read_only=True)
    try:
        frame = con.sql(
            "select t.sentence_id as sentence_key, t.start_char, t.end_char, t.code, t.evidence, t.valence, t.confidence, "
            "s.text as text from tags t join sentences s using (sentence_id) where t.codebook = ?",
            params=[BOOK]).df()
    finally:
        con.close()
    frame.insert(0, "source", "sample")
    return frame


def semeval_tags(data: Path, codebook: str = BOOK) -> pd.DataFrame:
    """carbone-clues tags of the held-out SemEval-2014 sentences (offsets into the XML text)."""
    from cxaudit.clues.codebook import load_codebook
    from cxaudit.run.analysis import analyze

    root = ET.parse(data / "semeval2014-restaurants" / "Restaurants_Train_v2.xml").getroot()
    turns = []
    for s in root.iter("sentence"):
        sid = s.get("id")
        if sid and held_out(f"semeval:{sid}"):
            turns.append({"doc_id": sid, "turn_id": 0, "speaker": None, "role": "participant",
                          "text": s.findtext("text") or ""})
    turns = pd.DataFrame(turns)
    analysis = analyze(turns, [codebook, "touchpoints"], model="blank")
    sentences, tags = analysis.sentences, analysis.tags[analysis.tags["codebook"] == load_codebook(codebook).name]
    s0 = sentences.set_index("sentence_id")["start_char"]
    doc_of = sentences.set_index("sentence_id")["doc_id"]
    text_of = turns.set_index("doc_id")["text"]
    frame = pd.DataFrame({
        "source": "semeval-heldout",
        "sentence_key": tags["sentence_id"].map(doc_of).astype(str),
        "start_char": (tags["start_char"] + tags["sentence_id"].map(s0)).astype(int),
        "end_char": (tags["end_char"] + tags["sentence_id"].map(s0)).astype(int),
        "code": tags["code"], "evidence": tags["evidence"], "valence": tags["valence"], "confidence": tags["confidence"],
    })
    frame["text"] = frame["sentence_key"].map(text_of)
    ok = [t[a:b] == e for t, a, b, e in zip(frame["text"], frame["start_char"], frame["end_char"], frame["evidence"])]
    assert all(ok), "SemEval offsets do not index the sentence text"
    return frame


def rank(row, seed: str = SEED) -> str:
    return hashlib.sha1(f"{seed}|{row.source}|{row.sentence_key}|{row.start_char}|{row.end_char}|{row.code}"
                        .encode("utf-8")).hexdigest()


def draw(tags: pd.DataFrame, k: int = K, seed: str = SEED) -> pd.DataFrame:
    """Per source, the ``k`` tags of smallest rank (see the module docstring)."""
    tags = tags.copy()
    tags["rank"] = [rank(r, seed) for r in tags.itertuples()]
    return (tags.sort_values("rank").groupby("source", sort=True, group_keys=False).head(k)
            .sort_values(["source", "rank"]).reset_index(drop=True))


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k/n."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (round(mid - half, 4), round(mid + half, 4))


def share(k: int, n: int) -> dict:
    return {"k": int(k), "n": int(n), "value": round(k / n, 4) if n else None, "ci95_wilson": wilson(int(k), int(n))}


def read_judgements() -> pd.DataFrame:
    if not JUDGEMENTS.exists():
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.read_csv(JUDGEMENTS, dtype={"sentence_key": str, "note": str, "evidence": str}, keep_default_na=False)
    bad = sorted(set(frame["gold_feeling"]) - set(FEELINGS))
    if bad:
        raise SystemExit(f"{JUDGEMENTS}: unknown gold_feeling value(s) {bad}")
    dup = frame.duplicated(KEY)
    if dup.any():
        raise SystemExit(f"{JUDGEMENTS}: duplicate judgement(s) for {frame[dup][KEY].values.tolist()}")
    return frame


def figures(judged: pd.DataFrame) -> dict:
    code_ok = judged["code_ok"].astype(int) == 1
    feel_ok = judged["valence"] == judged["gold_feeling"]
    both = code_ok & feel_ok
    return {
        "n": int(len(judged)),
        "precision_code_and_feeling": share(both.sum(), len(judged)),
        "precision_code": share(code_ok.sum(), len(judged)),
        "feeling_accuracy_on_code_ok": share((feel_ok & code_ok).sum(), code_ok.sum()),
        "feeling_accuracy_all": share(feel_ok.sum(), len(judged)),
        "calibration": calibration(judged["confidence"].astype(float), both) if "confidence" in judged else None,
    }


#: Confidence bins of the calibration table (a tag's confidence estimates the chance that its code
#: and its feeling are both right).
BINS = (0.0, 0.45, 0.6, 0.75, 1.0001)


def calibration(confidence: pd.Series, right: pd.Series) -> dict:
    """Mean confidence against the share right, overall and per confidence bin."""
    out = {"mean_confidence": round(float(confidence.mean()), 4), "share_right": round(float(right.mean()), 4),
           "brier": round(float(((confidence - right.astype(float)) ** 2).mean()), 4), "bins": []}
    for lo, hi in zip(BINS, BINS[1:]):
        inside = (confidence >= lo) & (confidence < hi)
        if inside.any():
            out["bins"].append({"from": lo, "to": min(hi, 1.0), "n": int(inside.sum()),
                                "mean_confidence": round(float(confidence[inside].mean()), 4),
                                "share_right": round(float(right[inside].mean()), 4)})
    return out


def change_report(reference: pd.DataFrame, current: pd.DataFrame, judgements: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """The exact change between two codebooks' populations: the tags only one of them gives,
    judged one by one, and the earlier population's sampled code precision projected onto the
    current one (unchanged tags keep their precision; removed and added tags count as judged)."""
    keys_ref = reference.set_index(KEY).index
    keys_cur = current.set_index(KEY).index
    removed = reference[~keys_ref.isin(keys_cur)]
    added = current[~keys_cur.isin(keys_ref)]
    changed = pd.concat([removed.assign(change="removed"), added.assign(change="added")], ignore_index=True)
    merged = changed.merge(judgements.drop(columns=["evidence"]), on=KEY, how="left", indicator=True)
    unjudged = merged[merged["_merge"] == "left_only"]
    ok = merged["code_ok"].astype(str) == "1"
    n_ok_removed = int((ok & (merged["change"] == "removed")).sum())
    n_ok_added = int((ok & (merged["change"] == "added")).sum())
    ref_sample = draw(reference).merge(judgements.drop(columns=["evidence"]), on=KEY, how="inner")
    ref_ok = int((ref_sample["code_ok"].astype(str) == "1").sum())
    ref_p = ref_ok / len(ref_sample) if len(ref_sample) else float("nan")
    projected = (ref_p * len(reference) - n_ok_removed + n_ok_added) / len(current)
    report = {
        "n_reference": int(len(reference)), "n_current": int(len(current)),
        "n_removed": int(len(removed)), "n_added": int(len(added)), "n_changed_unjudged": int(len(unjudged)),
        "removed_code_ok": n_ok_removed, "added_code_ok": n_ok_added,
        "removed_by_code": {k: int(v) for k, v in removed["code"].value_counts().items()},
        "added_by_code": {k: int(v) for k, v in added["code"].value_counts().items()},
        "reference_sample": share(ref_ok, len(ref_sample)),
        "projected_code_precision": round(projected, 4) if not unjudged.size else None,
        "note": "projected = (earlier sampled precision x earlier tags - right removed + right added) / current tags",
    }
    return report, unjudged.drop(columns=["_merge", "change"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="current", help="name of this measurement in the result file (before/after)")
    parser.add_argument("--show-unjudged", action="store_true", help="print the sentences of unjudged sampled tags")
    parser.add_argument("--dump", type=Path, help="write the drawn sample (with text) to this CSV, outside the repo")
    parser.add_argument("--diff", metavar="CODEBOOK.yml",
                        help="an earlier carbone-clues file: also tag with it and judge the change exactly — every tag "
                             "it gives that the current codebook does not (removed) and the other way round (added)")
    parser.add_argument("--seed", default=SEED, help=f"the sample's seed [default: {SEED}]; another seed draws a "
                        "fresh sample from the same population (judged tags keep their judgements)")
    parser.add_argument("--k", type=int, default=K, help=f"tags per source [default: {K}]")
    args = parser.parse_args()
    data = data_dir()
    if data is None:
        print("SKIP: ../shared/data (or $CXAUDIT_DATA) with semeval2014-restaurants/ is absent")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        population = pd.concat([sample_tags(Path(tmp)), semeval_tags(data)], ignore_index=True)
        reference = (pd.concat([sample_tags(Path(tmp), args.diff), semeval_tags(data, args.diff)], ignore_index=True)
                     if args.diff else None)
    drawn = draw(population, args.k, args.seed)
    if args.dump:
        drawn.to_csv(args.dump, index=False)
    judgements = read_judgements()
    merged = drawn.merge(judgements.drop(columns=["evidence"]), on=KEY, how="left", indicator=True)
    unjudged = merged[merged["_merge"] == "left_only"]
    judged = merged[merged["_merge"] == "both"]
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    feel_paths = ["cxaudit/nlp", "cxaudit/lexicons", "cxaudit/clues/_rules.py", "cxaudit/clues/tagger.py"]
    feel_commit = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %ad", "--date=iso", "--", *feel_paths],
                                 capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--short", "--", *feel_paths, "cxaudit/codebooks"],
                           capture_output=True, text=True).stdout.split("\n")
    result = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "commit": commit,
        "polarity_code_commit": feel_commit, "uncommitted_in_tagging_paths": [d.strip() for d in dirty if d.strip()],
        "codebook": BOOK, "pipeline": "blank", "seed": args.seed, "k_per_source": args.k,
        "population": {s: int(n) for s, n in population["source"].value_counts().sort_index().items()},
        "n_sampled": int(len(drawn)), "n_unjudged": int(len(unjudged)),
        "n_judged_after_change": int((judged["added_after"].astype(str) == "1").sum()),
        "all": figures(judged),
        "by_source": {s: figures(g) for s, g in judged.groupby("source")},
        "wrong_codes": sorted(judged.loc[judged["code_ok"].astype(int) == 0, "code"].value_counts().items()),
    }
    if reference is not None:
        result["change"], changed_unjudged = change_report(reference, population, judgements)
        unjudged = pd.concat([unjudged, changed_unjudged], ignore_index=True).drop_duplicates(KEY)
        result["n_unjudged"] = int(len(unjudged))
    previous = json.loads(OUT.read_text()) if OUT.exists() else {}
    measurements = previous.get("measurements", {})
    measurements[args.label] = result
    write_json(OUT, {"description": "hand-judged precision of carbone-clues tags (benchmarks/tag_precision.py)",
                     "measurements": measurements})
    print(f"population: {result['population']}; sampled {len(drawn)}, judged {len(judged)}, unjudged {len(unjudged)}")
    for name, block in [("all", result["all"]), *result["by_source"].items()]:
        print(f"\n{name} (n={block['n']})")
        for key in ("precision_code_and_feeling", "precision_code", "feeling_accuracy_on_code_ok", "feeling_accuracy_all"):
            v = block[key]
            print(f"  {key:<30} {v['value']}  ({v['k']}/{v['n']}, 95% CI {v['ci95_wilson'][0]}–{v['ci95_wilson'][1]})")
        cal = block.get("calibration")
        if cal:
            print(f"  confidence: mean {cal['mean_confidence']} against {cal['share_right']} right (Brier {cal['brier']}); "
                  + ", ".join(f"[{b['from']:.2f}, {b['to']:.2f}) n={b['n']} conf {b['mean_confidence']:.2f} "
                              f"right {b['share_right']:.2f}" for b in cal["bins"]))
    if "change" in result:
        c = result["change"]
        print(f"\nchange against {args.diff}: {c['n_removed']} tags removed ({c['removed_code_ok']} of them right), "
              f"{c['n_added']} added ({c['added_code_ok']} right), {c['n_changed_unjudged']} unjudged")
        print(f"  code precision of the earlier population (its own sample of {c['reference_sample']['n']}): "
              f"{c['reference_sample']['value']}; projected onto the current population: "
              f"{c['projected_code_precision']}")
    if len(unjudged):
        print(f"\n{len(unjudged)} sampled tag(s) have no judgement in {JUDGEMENTS.relative_to(ROOT)}:")
        for r in unjudged.itertuples():
            line = f"  {r.source},{r.sentence_key},{r.start_char},{r.end_char},{r.code}  valence={r.valence}"
            if args.show_unjudged:
                line += f"\n      [{r.evidence}] {r.text}"
            print(line)
    print(f"\nwrote {OUT.relative_to(ROOT)} (measurements.{args.label})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
