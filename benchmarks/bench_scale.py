"""Scale: end-to-end `cxaudit run` on generated comment tables of 100,000 and 1,000,000 comments.

For each size it measures, in one run on the same corpus:
  * a bare spaCy pass (blank("en") + sentencizer + lookup lemmatizer) in one process: words/s;
  * the full `cxaudit run` (ingest, analyse, tag with carbone-clues + touchpoints, compare, store)
    as a subprocess with --workers N: wall time, peak memory of the whole process tree, words/s;
  * the ratio of the full run's words/s per core to the bare pass's.
Goals (issue 8): 1M comments in < 240 s, peak < 4 GB, >= 40 % of the bare pass's throughput per core.

    .venv/bin/python benchmarks/bench_scale.py --sizes 100000 1000000 --workers 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _corpus import make_comments  # noqa: E402
from _measure import machine, run_measured, write_results  # noqa: E402


def bare_pass(texts: list[str]) -> tuple[float, int]:
    """Seconds and word count of the bare blank + sentencizer + lookup-lemmatizer pass."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    words = 0
    t0 = time.perf_counter()
    for doc in nlp.pipe(texts, batch_size=1000):
        words += sum(1 for t in doc if not t.is_punct and not t.is_space)
    return time.perf_counter() - t0, words


def bench_size(n: int, workers: int, engine: str, bare_sample: int) -> dict:
    df = make_comments(n, seed=42)
    texts = df["text"].tolist()
    with tempfile.TemporaryDirectory(prefix="cxaudit-scale-") as tmp:
        csv = Path(tmp) / "comments.csv"
        df.to_csv(csv, index=False)
        size_mb = csv.stat().st_size / 2**20
        sample = texts[: min(len(texts), bare_sample)]
        bare_s, bare_words = bare_pass(sample)
        bare_wps = bare_words / bare_s
        words_total = int(round(bare_words * len(texts) / len(sample)))
        cmd = [sys.executable, "-m", "cxaudit", "run", str(csv), "--text-column", "text",
               "--id-column", "comment_id", "--score-column", "score",
               "--meta-column", "segment", "--meta-column", "channel", "--meta-column", "wave",
               "--kind", "comment", "--model", "blank", "--no-redact", "--workers", str(workers),
               "--engine", engine, "--out", str(Path(tmp) / "out"), "--quiet"]
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        run = run_measured(cmd, env=env)
        if run["returncode"] not in (0, 2):
            raise SystemExit(f"cxaudit run failed:\n{run['stderr']}")
        full_wps = words_total / run["seconds"]
    return {
        "comments": n,
        "csv_mb": round(size_mb, 1),
        "words": words_total,
        "workers": workers,
        "engine": engine,
        "bare_words_per_s_1proc": round(bare_wps),
        "run_seconds": run["seconds"],
        "run_peak_rss_mb": run["peak_rss_mb"],
        "run_words_per_s": round(full_wps),
        "run_words_per_s_per_core": round(full_wps / workers),
        "ratio_per_core_vs_bare": round(full_wps / workers / bare_wps, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--engine", default="local", choices=["local", "dask"])
    ap.add_argument("--bare-sample", type=int, default=200_000, help="comments timed for the bare pass")
    args = ap.parse_args()
    rows = [bench_size(n, args.workers, args.engine, args.bare_sample) for n in args.sizes]
    header = f"{'comments':>9} {'words':>10} {'run s':>7} {'peak MB':>8} {'full w/s':>9} {'bare w/s':>9} {'ratio/core':>10}"
    print(header)
    for r in rows:
        print(f"{r['comments']:>9} {r['words']:>10} {r['run_seconds']:>7} {r['run_peak_rss_mb']:>8} "
              f"{r['run_words_per_s']:>9} {r['bare_words_per_s_1proc']:>9} {r['ratio_per_core_vs_bare']:>10}")
    path = write_results(f"scale-{args.engine}", {"machine": machine(), "rows": rows})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
