"""Analysis + tagging against the bare spaCy pass, before and after some commits, paired in one run.

Builds the "before" package as ``git archive HEAD`` with the given commits reverted (``--revert``),
then, round after round, runs one child process per tree (before, after) that times on the same
generated comments (``_corpus.make_comments``), in CPU seconds of that process:

* the bare pass: ``spacy.blank("en")`` + sentencizer + spaCy's lookup lemmatizer (``nlp.pipe``),
  and the same with cxaudit's cached lemmatizer (the stricter reference);
* ``cxaudit.run.engine.process_batch`` over the comments in batches of 2,000 turns (what ``cxaudit run``
  does in each worker), with the pipeline freshly built (``--pipeline fresh``: a first run, or the
  pipeline cache off) or unpickled (``--pipeline pickled``: a run that finds its pipeline cached).

Prints and writes ``benchmarks/results/fused_pass.json``: per tree the ratio of the bare pass's
CPU time to the analysis's (the issue's "share of the bare pass per core"), and the after/before
ratio of the analysis's CPU time round by round. The machine's load is recorded: other people's
processes share its cores, which is why only ratios measured side by side are compared.

    .venv/bin/python benchmarks/bench_fused_pass.py --revert COMMIT [COMMIT ...] --comments 20000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def child(n: int, pipeline: str, books: tuple[str, ...]) -> dict:
    sys.path.insert(0, str(HERE))
    import pickle

    import pandas as pd
    import spacy

    import cxaudit
    import cxaudit.run.engine as engine
    from _corpus import make_comments

    texts = make_comments(n, seed=42)["text"].astype(str).tolist()
    turns = pd.DataFrame({"doc_id": [f"c{i}" for i in range(n)], "turn_id": 0, "role": "participant", "text": texts})
    spec = engine.PipelineSpec(model="blank", codebooks=books)
    nlp = engine.build(spec)
    if pipeline == "pickled":
        engine._NLP_CACHE[spec] = pickle.loads(pickle.dumps(nlp))

    def bare(cached: bool):
        b = spacy.blank("en")
        b.add_pipe("sentencizer")
        b.add_pipe("cx_lemmatizer" if cached else "lemmatizer", name="lemmatizer", config={"mode": "lookup"})
        b.initialize()
        return b

    def cpu(fn) -> float:
        start = time.process_time()
        fn()
        return time.process_time() - start

    engine.process_batch(turns.iloc[:300], spec)  # warm
    spacy_bare, cached_bare = bare(False), bare(True)
    for b in (spacy_bare, cached_bare):
        for _ in b.pipe(texts[:300]):
            pass
    out = {"package": str(Path(cxaudit.__file__).parent)}
    out["bare_cpu_s"] = cpu(lambda: [None for _ in spacy_bare.pipe(texts, batch_size=1000)])
    out["bare_cached_lemmatizer_cpu_s"] = cpu(lambda: [None for _ in cached_bare.pipe(texts, batch_size=1000)])
    counts = []
    out["full_cpu_s"] = cpu(lambda: counts.extend((len(t.sentences), len(t.tags)) for t in
                                                  (engine.process_batch(c, spec) for c in engine.batches(turns, 2000))))
    out["sentences"] = sum(c[0] for c in counts)
    out["tags"] = sum(c[1] for c in counts)
    return out


def before_tree(revert: list[str], dest: Path) -> Path:
    """``git archive HEAD`` of the package with ``revert`` commits undone (newest first)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", "cxaudit"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    for commit in revert:
        diff = subprocess.run(["git", "-C", str(ROOT), "show", "--format=", commit, "--", "cxaudit"],
                              check=True, capture_output=True).stdout
        subprocess.run(["git", "apply", "-R", "--directory=", "-"], input=diff, cwd=dest, check=True)
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--revert", nargs="+", default=[], help="commits undone in the 'before' tree (newest first)")
    ap.add_argument("--comments", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pipeline", choices=["fresh", "pickled"], default="pickled")
    ap.add_argument("--codebook", action="append", default=None, help="default: carbone-clues, touchpoints")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    books = tuple(args.codebook or ("carbone-clues", "touchpoints"))
    if args.child:
        print(json.dumps(child(args.comments, args.pipeline, books)))
        return
    sys.path.insert(0, str(HERE))
    from _measure import machine, write_results

    load_before = os.getloadavg()
    rows: dict[str, list[dict]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="cxaudit-before-") as tmp:
        trees = {"before": str(before_tree(args.revert, Path(tmp))), "after": str(ROOT)}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                env = dict(os.environ, PYTHONPATH=tree, CXAUDIT_PIPELINE_CACHE="0", PYTHONWARNINGS="ignore")
                cmd = [sys.executable, __file__, "--child", "1", "--comments", str(args.comments),
                       "--pipeline", args.pipeline] + [a for b in books for a in ("--codebook", b)]
                done = subprocess.run(cmd, env=env, capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(done.stderr)
                rows[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert all(r["tags"] == rows["before"][0]["tags"] for r in rows["before"] + rows["after"]), "tag counts differ"

    def summary(runs: list[dict]) -> dict:
        return {"full_cpu_s": [round(r["full_cpu_s"], 2) for r in runs],
                "ratio_to_bare": round(statistics.median(r["bare_cpu_s"] / r["full_cpu_s"] for r in runs), 3),
                "ratio_to_bare_cached_lemmatizer": round(statistics.median(
                    r["bare_cached_lemmatizer_cpu_s"] / r["full_cpu_s"] for r in runs), 3)}

    paired = [a["full_cpu_s"] / b["full_cpu_s"] for a, b in zip(rows["after"], rows["before"])]
    result = {"command": " ".join([Path(sys.executable).name] + sys.argv), "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                                                                           text=True).stdout.strip(),
              "comments": args.comments, "codebooks": list(books), "pipeline": args.pipeline,
              "sentences": rows["after"][0]["sentences"], "tags": rows["after"][0]["tags"], "reverted": args.revert,
              "before": summary(rows["before"]), "after": summary(rows["after"]),
              "after_over_before_cpu": [round(p, 3) for p in paired],
              "after_over_before_cpu_median": round(statistics.median(paired), 3),
              "load_average_before": [round(x, 2) for x in load_before],
              "load_average_after": [round(x, 2) for x in os.getloadavg()], "machine": machine()}
    for name in ("before", "after"):
        s = result[name]
        print(f"{name:7s} analysis+tagging CPU s {s['full_cpu_s']}  share of the bare pass {s['ratio_to_bare']:.3f} "
              f"(cached-lemmatizer bare: {s['ratio_to_bare_cached_lemmatizer']:.3f})")
    print(f"after/before CPU, round by round: {result['after_over_before_cpu']} (median "
          f"{result['after_over_before_cpu_median']}); load {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}")
    path = write_results(f"fused_pass-{args.pipeline}", result)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
