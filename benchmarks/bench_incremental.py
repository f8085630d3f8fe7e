"""Incremental reruns: a generated audit of 1,000 transcripts run three times with `cxaudit run audit.yml`.

  1. first run (everything analysed),
  2. rerun with nothing changed (everything reused; results must be identical),
  3. rerun after adding one transcript (one analysed, the rest reused).

    .venv/bin/python benchmarks/bench_incremental.py --transcripts 1000
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _measure import machine, run_measured, write_results  # noqa: E402
from bench_ingest import make_transcripts  # noqa: E402

AUDIT = """name: Generated audit
wave: W1
model: blank
redact: true
codebooks: [carbone-clues, touchpoints, points-of-connection, disloyalty-basics]
inputs:
  - path: interviews
    kind: interview
"""


def table_digest(results: Path) -> dict[str, str]:
    """A content hash of each analysis table, independent of row order."""
    import duckdb

    con = duckdb.connect(str(results / "cxaudit.duckdb"), read_only=True)
    out = {}
    for name in ("documents", "turns", "sentences", "feelings", "tags", "gaps"):
        df = con.execute(f'SELECT * FROM "{name}"').df()
        import pandas as pd

        row_hashes = pd.util.hash_pandas_object(df.astype("string").fillna("<NA>"), index=False)
        out[name] = hashlib.sha256(row_hashes.sort_values().to_numpy().tobytes()).hexdigest()[:16]
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--transcripts", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxaudit-incr-") as tmp:
        root = Path(tmp)
        make_transcripts(root / "interviews", args.transcripts, seed=11)
        (root / "audit.yml").write_text(AUDIT, encoding="utf-8")
        cmd = [sys.executable, "-m", "cxaudit", "run", str(root / "audit.yml"), "--quiet",
               "--workers", str(args.workers)]
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        first = run_measured(cmd, env=env)
        digest_first = table_digest(root / "results")
        second = run_measured(cmd, env=env)
        digest_second = table_digest(root / "results")
        extra = root / "extra"
        make_transcripts(extra, 1, seed=999)
        new_file = next(p for p in sorted(extra.rglob("*")) if p.is_file())
        new_file.rename(root / "interviews" / f"zz-added{new_file.suffix}")
        third = run_measured(cmd, env=env)
        for r in (first, second, third):
            if r["returncode"] not in (0, 2):
                raise SystemExit(r["stderr"])
    rows = {
        "transcripts": args.transcripts,
        "first_run_s": first["seconds"],
        "no_change_rerun_s": second["seconds"],
        "add_one_rerun_s": third["seconds"],
        "no_change_fraction": round(second["seconds"] / first["seconds"], 3),
        "identical_after_no_change_rerun": digest_first == digest_second,
        "peak_rss_mb_first": first["peak_rss_mb"],
    }
    for k, v in rows.items():
        print(f"{k:>32}: {v}")
    print(f"written to {write_results('incremental', {'machine': machine(), **rows})}")


if __name__ == "__main__":
    main()
