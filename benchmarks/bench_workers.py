"""Two worker processes against one, as ``cxaudit run`` uses them, each measured from a cold process.

Each configuration runs in a fresh Python process (so nothing is warm): build the pipeline,
then analyse and tag the corpus through ``cxaudit.run.engine.process`` (carbone-clues +
touchpoints, batches of 2,000 turns). With 2 workers the process first calls
``engine.warm_workers`` as ``cxaudit run`` does (the fork server starts and builds the
pipeline while this process builds its own). Reported: wall seconds from the start of the
build to the last batch, the analysis part alone, and the speed-ups; each configuration is
run ``--repeat`` times, alternating, and the best time counts.

    .venv/bin/python benchmarks/bench_workers.py            # 100,000 generated comments, ~2 M words
    .venv/bin/python benchmarks/bench_workers.py --comments 20000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _corpus import make_comments, word_count  # noqa: E402
from _measure import machine, write_results  # noqa: E402

_CHILD = r"""
import json, sys, time
import pandas as pd
from cxaudit.run.engine import PipelineSpec, build, process, warm_workers
if __name__ == "__main__":
    path, workers = sys.argv[1], int(sys.argv[2])
    texts = pd.read_parquet(path)["text"]
    turns = pd.DataFrame({"doc_id": [f"c{i}" for i in range(len(texts))], "turn_id": 0,
                          "role": "participant", "text": texts.astype("string")})
    spec = PipelineSpec(model="blank", codebooks=("carbone-clues", "touchpoints"))
    t0 = time.perf_counter()
    if workers > 1:
        warm_workers(spec)
    build(spec)
    t1 = time.perf_counter()
    tags = sum(len(t.tags) for t in process(turns, spec, workers=workers, batch_size=2000))
    t2 = time.perf_counter()
    print(json.dumps({"total_s": t2 - t0, "analysis_s": t2 - t1, "tags": tags}))
"""


def run_child(path: Path, workers: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(workers)], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"), cwd=HERE.parent)
    if proc.returncode != 0:
        raise SystemExit(f"child with {workers} worker(s) failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--comments", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    df = make_comments(args.comments, seed=42)
    words = word_count(df["text"])
    load = os.getloadavg()[0]
    best: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="cxaudit-workers-") as tmp:
        path = Path(tmp) / "comments.parquet"
        df[["text"]].to_parquet(path)
        for _ in range(args.repeat):
            for w in (1, args.workers):
                r = run_child(path, w)
                if w not in best or r["total_s"] < best[w]["total_s"]:
                    best[w] = r
    one, many = best[1], best[args.workers]
    if one["tags"] != many["tags"]:
        raise SystemExit(f"different tag counts: {one['tags']} vs {many['tags']}")
    row = {
        "comments": args.comments, "words": words, "workers": args.workers, "repeat": args.repeat,
        "load_avg_1m_before": round(load, 2), "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "one_total_s": round(one["total_s"], 2), "one_analysis_s": round(one["analysis_s"], 2),
        "many_total_s": round(many["total_s"], 2), "many_analysis_s": round(many["analysis_s"], 2),
        "speedup_including_startup": round(one["total_s"] / many["total_s"], 3),
        "speedup_analysis_only": round(one["analysis_s"] / many["analysis_s"], 3),
        "words_per_s_one": round(words / one["total_s"]), "words_per_s_many": round(words / many["total_s"]),
    }
    print(f"{args.comments:,} comments, {words:,} words; load average {load:.2f}")
    print(f"1 process : {row['one_total_s']:.2f} s ({row['one_analysis_s']:.2f} s after the build)")
    print(f"{args.workers} workers : {row['many_total_s']:.2f} s ({row['many_analysis_s']:.2f} s after the build)")
    print(f"speed-up  : {row['speedup_including_startup']:.2f}x including start-up, "
          f"{row['speedup_analysis_only']:.2f}x after the build  [goal >= 1.7]")
    path = write_results("workers", {"machine": machine(), "rows": [row]})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
