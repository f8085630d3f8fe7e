"""Run every benchmark in turn (`make bench`); each prints its table and writes benchmarks/results/<name>.json.

The quality benchmarks read the labelled data in ../shared/data and skip with a message when it is
absent. The scale and dashboard benchmarks build corpora of a million rows and take tens of minutes
on a 2-core machine. Run one with `.venv/bin/python benchmarks/bench_<name>.py --help` for its options.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "bench_ingest.py",
    "bench_language_quality.py",
    "bench_language_speed.py",
    "bench_workers.py",
    "bench_rule_tagger.py",
    "bench_encoder.py",
    "bench_learned_tagger.py",
    "bench_incremental.py",
    "bench_scale.py",
    "bench_dashboard.py",
]


def main() -> int:
    failed = []
    for name in ORDER:
        print(f"\n=== {name}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / name)])
        print(f"=== {name}: exit {code} in {time.perf_counter() - t0:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
