"""Scale: end-to-end `cxaudit run` on generated comment tables of 100,000 and 1,000,000 comments.

For each size it measures, in one run on the same corpus:
  * a bare spaCy pass (blank("en") + sentencizer + spaCy's lookup lemmatizer) in one process:
    words/s (only the pass is timed; words are counted in a separate untimed pass), and the same
    with cxaudit's cached lookup lemmatizer (identical lemmas, cheaper: the stricter reference);
  * the full `cxaudit run` (ingest, analyse, tag with carbone-clues + touchpoints, compare, store)
    as a subprocess with --workers N: wall time, peak memory of the whole process tree, words/s;
  * the ratio of the full run's words/s per core to the bare pass's.
Goals (issue 8): 1M comments in < 240 s, peak < 4 GB, >= 40 % of the bare pass's throughput per core.
``--corpus sample`` repeats the sample audit's 341 real-looking comments (about 1.3 tags per
sentence) instead of the generated corpus (dense in clue words: about 1.7 tags per sentence).

    .venv/bin/python benchmarks/bench_scale.py --sizes 100000 1000000 --workers 2
    .venv/bin/python benchmarks/bench_scale.py --sizes 100000 --workers 2 --corpus sample
    .venv/bin/python benchmarks/bench_scale.py --sizes 100000 --workers 2 --redact

Each row also records the run's seconds per stage (``runs.stage_seconds``: read, fingerprint,
analyse, store, compare, dashboard, commit).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _corpus import make_comments  # noqa: E402
from _measure import machine, run_measured, write_results  # noqa: E402


def bare_pass(texts: list[str], *, cached: bool = False) -> tuple[float, int]:
    """Seconds of the bare blank + sentencizer + lookup-lemmatizer pass, and its word count
    (tokens that are neither punctuation nor space, counted outside the timed pass).

    ``cached`` uses cxaudit's cached lookup lemmatizer (same lemmas) instead of spaCy's."""
    import spacy
    from spacy.attrs import IS_PUNCT, IS_SPACE

    import cxaudit.nlp  # noqa: F401  (registers cx_lemmatizer)

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("cx_lemmatizer" if cached else "lemmatizer", name="lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    for _ in nlp.pipe(texts[:500]):  # warm up
        pass
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=1000):
        pass
    seconds = time.perf_counter() - t0
    words = 0
    for doc in nlp.tokenizer.pipe(texts, batch_size=1000):
        flags = doc.to_array([IS_PUNCT, IS_SPACE])
        words += len(doc) - int(flags.any(axis=1).sum()) if len(doc) else 0
    return seconds, words


def make_corpus(n: int, corpus: str):
    """The comment table: generated (``make_comments``) or the sample audit's comments repeated."""
    if corpus == "generated":
        return make_comments(n, seed=42)
    import pandas as pd

    path = HERE.parent / "data" / "sample" / "comments.csv"
    if not path.exists():
        raise SystemExit(f"skipped: {path} is absent (needed by --corpus sample)")
    base = pd.read_csv(path).dropna(subset=["comment"])
    reps = -(-n // len(base))
    df = pd.concat([base] * reps, ignore_index=True).iloc[:n]
    return pd.DataFrame({"comment_id": [f"s{i:07d}" for i in range(n)], "text": df["comment"].to_numpy(),
                         "score": df["nps"].to_numpy(), "segment": df["segment"].to_numpy(),
                         "channel": df["channel"].to_numpy(), "wave": df["wave"].to_numpy()})


def bench_size(n: int, workers: int, engine: str, bare_sample: int, corpus: str, redact: bool = False) -> dict:
    df = make_corpus(n, corpus)
    texts = df["text"].tolist()
    with tempfile.TemporaryDirectory(prefix="cxaudit-scale-") as tmp:
        csv = Path(tmp) / "comments.csv"
        df.to_csv(csv, index=False)
        size_mb = csv.stat().st_size / 2**20
        sample = texts[: min(len(texts), bare_sample)]
        bare_s, bare_words = bare_pass(sample)
        cached_s, _ = bare_pass(sample, cached=True)
        bare_wps, cached_wps = bare_words / bare_s, bare_words / cached_s
        words_total = int(round(bare_words * len(texts) / len(sample)))
        del df, texts, sample
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "cxaudit", "run", str(csv), "--text-column", "text",
               "--id-column", "comment_id", "--score-column", "score",
               "--meta-column", "segment", "--meta-column", "channel", "--meta-column", "wave",
               "--kind", "comment", "--model", "blank", "--redact" if redact else "--no-redact", "--workers", str(workers),
               "--engine", engine, "--out", str(out), "--quiet"]
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        load = os.getloadavg()[0]
        run = run_measured(cmd, env=env)
        if run["returncode"] not in (0, 2):
            raise SystemExit(f"cxaudit run failed:\n{run['stderr']}")
        counts = _counts(out)
        full_wps = words_total / run["seconds"]
    return {
        "comments": n,
        "corpus": corpus,
        "csv_mb": round(size_mb, 1),
        "words": words_total,
        **counts,
        "workers": workers,
        "engine": engine,
        "redact": redact,
        "load_avg_1m_before_run": round(load, 2),
        "bare_words_per_s_1proc": round(bare_wps),
        "bare_cached_lemmatizer_words_per_s_1proc": round(cached_wps),
        "run_seconds": run["seconds"],
        "run_peak_rss_mb": run["peak_rss_mb"],
        "run_words_per_s": round(full_wps),
        "run_words_per_s_per_core": round(full_wps / workers),
        "ratio_per_core_vs_bare": round(full_wps / workers / bare_wps, 3),
        "ratio_per_core_vs_bare_cached_lemmatizer": round(full_wps / workers / cached_wps, 3),
        "goal_1m_under_240s_and_4gb": (run["seconds"] < 240 and run["peak_rss_mb"] < 4096) if n >= 1_000_000 else None,
    }


def _counts(out: Path) -> dict:
    """Rows stored by the run (sentences, tags) and the per-stage seconds it recorded, if any."""
    import duckdb

    con = duckdb.connect(str(out / "cxaudit.duckdb"), read_only=True)
    try:
        n_sent = con.execute("SELECT count(*) FROM sentences").fetchone()[0]
        n_tags = con.execute("SELECT count(*) FROM tags").fetchone()[0]
        seconds, stages = con.execute(
            "SELECT seconds, stage_seconds FROM runs ORDER BY finished_at DESC LIMIT 1").fetchall()[0]
    finally:
        con.close()
    return {"sentences": int(n_sent), "tags": int(n_tags), "tags_per_sentence": round(n_tags / max(1, n_sent), 2),
            "run_seconds_inside_cxaudit": float(seconds), "stage_seconds": json.loads(stages) if stages else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--engine", default="local", choices=["local", "dask"])
    ap.add_argument("--bare-sample", type=int, default=100_000, help="comments timed for the bare pass")
    ap.add_argument("--corpus", default="generated", choices=["generated", "sample"])
    ap.add_argument("--redact", action="store_true", help="run with redaction on (the default of new audits)")
    args = ap.parse_args()
    rows = [bench_size(n, args.workers, args.engine, args.bare_sample, args.corpus, args.redact) for n in args.sizes]
    header = (f"{'comments':>9} {'words':>10} {'tags/sent':>9} {'run s':>7} {'peak MB':>8} {'full w/s':>9} "
              f"{'bare w/s':>9} {'ratio/core':>10} {'vs cached':>9}")
    print(header)
    for r in rows:
        print(f"{r['comments']:>9} {r['words']:>10} {r['tags_per_sentence']:>9} {r['run_seconds']:>7} "
              f"{r['run_peak_rss_mb']:>8} {r['run_words_per_s']:>9} {r['bare_words_per_s_1proc']:>9} "
              f"{r['ratio_per_core_vs_bare']:>10} {r['ratio_per_core_vs_bare_cached_lemmatizer']:>9}")
    for r in rows:
        if r.get("stage_seconds"):
            print(f"{r['comments']:>9} stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in r["stage_seconds"].items()))
    name = (f"scale-{args.engine}" + ("" if args.corpus == "generated" else f"-{args.corpus}")
            + ("-redact" if args.redact else ""))
    path = write_results(name, {"machine": machine(), "rows": rows})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
