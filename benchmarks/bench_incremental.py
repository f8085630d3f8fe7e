"""Reruns that cost what changed: `cxaudit run` as a subprocess, on the same inputs, one change at a time.

Corpora (one per call):
  --sample            the bundled sample audit (data/sample: 12 transcripts, 342 survey comments), default
  --transcripts N     a generated audit of N transcripts (txt, vtt, srt)
  --comments N        a generated survey table of N comments (one CSV)

Steps, each a whole `cxaudit run audit.yml` process:
  1. first run, from scratch (a warm-up run into another folder first, so both see warm file caches),
  2. rerun with nothing changed (--repeat times; the median is quoted): every table must be identical,
  3. rerun after editing one document (a transcript, or one comment of the table), --repeat times with the
     edit undone in between, then a no-change rerun after it,
  4. a run from scratch on the final inputs: every table must equal the incremental results.

    .venv/bin/python benchmarks/bench_incremental.py --sample --repeat 3
    .venv/bin/python benchmarks/bench_incremental.py --comments 100000 --repeat 1 --no-warmup

Figures in benchmarks/results/incremental[-NAME][-TAG].json (``--tag TAG`` keeps earlier files), with the
machine's load before and after, the commit measured and how each edit rerun wrote the store.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _measure import machine, run_measured, write_results  # noqa: E402
from bench_ingest import make_comments, make_transcripts  # noqa: E402

AUDIT_TRANSCRIPTS = """name: Generated audit
wave: W1
model: blank
redact: true
codebooks: [carbone-clues, touchpoints, points-of-connection, disloyalty-basics]
inputs:
  - path: interviews
    kind: interview
"""

AUDIT_COMMENTS = """name: Generated survey
wave: W1
model: blank
redact: true
codebooks: [carbone-clues, touchpoints, points-of-connection, disloyalty-basics]
inputs:
  - path: comments.csv
    kind: comment
    text_column: comment
    id_column: response_id
    score_column: nps
    meta_columns: [segment, channel]
"""

#: tables that record the run itself (its id, times), not results
RUN_TABLES = ("runs", "meta")


def table_digest(results: Path, *, decimals: int | None = None) -> dict[str, str]:
    """A content hash of every table of the store, independent of row order (floats rounded to
    ``decimals`` when given: a sum over rows stored in another order differs in its last bits)."""
    import duckdb
    import pandas as pd

    con = duckdb.connect(str(results / "cxaudit.duckdb"), read_only=True)
    try:
        out = {}
        names = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
        for name in names:
            df = con.execute(f'SELECT * FROM "{name}"').df()
            if decimals is not None:
                floats = df.select_dtypes("floating").columns
                df[floats] = df[floats].round(decimals)
            row_hashes = pd.util.hash_pandas_object(df.astype("string").fillna("<NA>"), index=False)
            out[name] = hashlib.sha256(row_hashes.sort_values().to_numpy().tobytes()).hexdigest()[:16]
        return out
    finally:
        con.close()


def results_only(digest: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in digest.items() if k not in RUN_TABLES}


def commit() -> str | None:
    """The commit of the cxaudit that is measured: ``git rev-parse HEAD`` of its checkout, or
    CXAUDIT_BENCH_COMMIT (an exported tree, e.g. ``git archive``, has no git folder)."""
    import cxaudit

    tree = Path(cxaudit.__file__).resolve().parent.parent
    proc = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else os.environ.get("CXAUDIT_BENCH_COMMIT")


def store_written(results: Path) -> str | None:
    """How the last run wrote the store (``runs.store_written``: "changed rows" or "whole")."""
    import duckdb

    con = duckdb.connect(str(results / "cxaudit.duckdb"), read_only=True)
    try:
        cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'runs'").fetchall()}
        if "store_written" not in cols:
            return None
        row = con.execute("SELECT store_written FROM runs ORDER BY finished_at DESC LIMIT 1").fetchone()
        return row[0] if row else None
    finally:
        con.close()


def make_inputs(root: Path, args) -> tuple[Path, Path, str, str]:
    """The audit file, the file the edit step changes, the text to replace and its replacement."""
    if args.transcripts:
        make_transcripts(root / "interviews", args.transcripts, seed=11)
        (root / "audit.yml").write_text(AUDIT_TRANSCRIPTS, encoding="utf-8")
        edited = next(p for p in sorted((root / "interviews").rglob("*.txt")))
    elif args.comments:
        make_comments(root / "comments.csv", args.comments, seed=11)
        (root / "audit.yml").write_text(AUDIT_COMMENTS, encoding="utf-8")
        edited = root / "comments.csv"
    else:
        shutil.copytree(ROOT / "data" / "sample", root, dirs_exist_ok=True)
        edited = root / "interviews" / "p01.txt"
    text = edited.read_text(encoding="utf-8")
    # one word of one document: the first line with a participant's words
    line = next(ln for ln in text.splitlines()[1:] if len(ln.split()) > 6)
    words = line.split()
    changed = line.replace(words[-2], words[-2] + " really", 1)
    return root / "audit.yml", edited, line, changed


def rewrite(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--sample", action="store_true", help="the bundled sample audit (default)")
    what.add_argument("--transcripts", type=int, default=0)
    what.add_argument("--comments", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="no-change and edit reruns measured (median quoted)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--keep", help="copy the incremental and the from-scratch results folders here")
    ap.add_argument("--no-warmup", action="store_true", help="no warm-up run before the first (big corpora)")
    ap.add_argument("--tag", help="suffix of the results file (keeps the files of earlier measurements)")
    args = ap.parse_args()
    name = (f"transcripts-{args.transcripts}" if args.transcripts else f"comments-{args.comments}"
            if args.comments else "sample")
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    load_before = machine()
    with tempfile.TemporaryDirectory(prefix="cxaudit-incr-") as tmp:
        root = Path(tmp) / "audit"
        root.mkdir()
        audit, edited, old, new = make_inputs(root, args)
        time.sleep(1.1)  # a rerun does not trust a snapshot taken within a second of a file's change

        def cmd(out: Path, *extra: str) -> list[str]:
            workers = ["--workers", str(args.workers)] if args.workers else []
            # -P: the current folder (a checkout) would otherwise come before a tree given on PYTHONPATH
            return [sys.executable, "-P", "-m", "cxaudit", "run", str(audit), "--out", str(out), *workers, *extra]

        def measured(out: Path, *extra: str, expect: str | None = None) -> dict:
            r = run_measured(cmd(out, *extra), env=env)
            if r["returncode"] not in (0, 2):
                raise SystemExit(r["stderr"])
            if expect is not None and expect not in r["stdout"]:
                raise SystemExit(f"expected {expect!r} in the output of {' '.join(cmd(out, *extra))}:\n{r['stdout']}")
            return r

        results, warm = Path(tmp) / "results", Path(tmp) / "warm"
        if not args.no_warmup:
            measured(warm, "--quiet")  # warm-up: file caches, bytecode, the pipeline cache
        first = measured(results, "--quiet")
        digest_first = table_digest(results)
        same = measured(results, expect="nothing changed since the last run")
        no_change = [same] + [measured(results, expect="nothing changed") for _ in range(args.repeat - 1)]
        identical = table_digest(results) == digest_first  # every table, runs included
        edits, written = [], []
        for i in range(args.repeat):
            if i:  # undo the previous edit: another change of the same size
                rewrite(edited, new, old)
                measured(results, "--quiet")
            rewrite(edited, old, new)
            time.sleep(1.1)  # the edit rerun's own manifest must be trusted by the no-change rerun after it
            edits.append(measured(results, "--verbose"))
            written.append(store_written(results))
            if "1 analysed" not in edits[-1]["stdout"]:
                raise SystemExit(f"the edit rerun analysed more than one document:\n{edits[-1]['stdout']}")
        time.sleep(1.1)
        after_edit = measured(results, expect="nothing changed")
        scratch = Path(tmp) / "scratch"
        from_scratch = measured(scratch, "--quiet")
        inc, fresh = results_only(table_digest(results)), results_only(table_digest(scratch))
        identical_to_scratch = inc == fresh
        differing = sorted(k for k in inc.keys() | fresh.keys() if inc.get(k) != fresh.get(k))
        rounded = (results_only(table_digest(results, decimals=9))
                   == results_only(table_digest(scratch, decimals=9)))
        if args.keep:
            shutil.copytree(results, Path(args.keep) / "incremental", dirs_exist_ok=True)
            shutil.copytree(scratch, Path(args.keep) / "scratch", dirs_exist_ok=True)
    med = lambda rs: round(statistics.median(r["seconds"] for r in rs), 2)  # noqa: E731
    first_s = statistics.median([first["seconds"], from_scratch["seconds"]])
    stage_lines = [ln for ln in edits[-1]["stderr"].splitlines() if "stage " in ln]
    rows = {
        "corpus": name,
        "first_run_s": first["seconds"],
        "from_scratch_run_s": from_scratch["seconds"],
        "no_change_rerun_s": [r["seconds"] for r in no_change],
        "no_change_rerun_median_s": med(no_change),
        "no_change_fraction": round(med(no_change) / first_s, 3),
        "edit_one_document_rerun_s": [r["seconds"] for r in edits],
        "edit_one_document_rerun_median_s": med(edits),
        "edit_minus_no_change_s": round(med(edits) - med(no_change), 2),
        "edit_fraction": round(med(edits) / first_s, 3),
        "no_change_after_edit_s": after_edit["seconds"],
        "identical_after_no_change_rerun": identical,
        "identical_to_a_run_from_scratch": identical_to_scratch,
        "tables_differing_from_scratch": differing,
        "equal_to_scratch_with_floats_rounded_to_1e-9": rounded,
        "edit_rerun_stages": [ln.split("INFO: ", 1)[-1] for ln in stage_lines],
        "edit_rerun_store_written": written,
        "peak_rss_mb_first": first["peak_rss_mb"],
        "peak_rss_mb_no_change": max(r["peak_rss_mb"] for r in no_change),
        "command": " ".join(["python", "-m", "cxaudit", "run", "audit.yml", "--out", "results"]),
        "benchmark": " ".join(["python", "benchmarks/bench_incremental.py", *sys.argv[1:]]),
        "commit": commit(),
    }
    for k, v in rows.items():
        print(f"{k:>34}: {v}")
    stem = "incremental" if name == "sample" else f"incremental-{name}"
    if args.tag:
        stem += f"-{args.tag}"
    payload = {"machine": load_before, "load_avg_1m_after": machine()["load_avg_1m"], **rows}
    print(f"written to {write_results(stem, payload)}")


if __name__ == "__main__":
    main()
