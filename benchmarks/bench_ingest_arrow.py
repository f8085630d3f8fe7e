"""Comment-table ingest with and without pyarrow (the 'arrow' extra), in one run, alternated.

The core install has no pyarrow: ``cxaudit/ingest/columns.py`` then builds its string columns as
Python lists and pandas' own ``string`` arrays. This measures what that costs on a synthetic comment
table (``_corpus.make_comments``): wall time and peak memory of ``ingest()`` in a fresh process, with
pyarrow importable and with it hidden (``sys.modules["pyarrow"] = None``, as on a core install), and
checks that both give the same documents and turns.

    .venv/bin/python benchmarks/bench_ingest_arrow.py [--rows 200000] [--repeats 2]

Writes ``benchmarks/results/ingest_arrow.json``. Compare the ratio, not the absolute times: the
machine is shared.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import make_comments  # noqa: E402
from _measure import machine, run_measured, write_results  # noqa: E402

_CHILD = """
import hashlib, sys, time
if sys.argv[2] == "core":
    sys.modules["pyarrow"] = None  # as on a core install: pandas and cxaudit see no pyarrow
from cxaudit.ingest import InputSpec, ingest
spec = InputSpec(path=sys.argv[1], kind="comment", text_column="text", id_column="comment_id",
                 score_column="score", meta_columns=["segment", "channel", "wave"])
t0 = time.perf_counter()
result = ingest([spec])
seconds = time.perf_counter() - t0
digest = hashlib.sha256()
for frame in (result.documents, result.turns):
    digest.update(frame.astype(object).where(frame.notna(), None).to_csv(index=False).encode())
print(seconds, len(result.documents), digest.hexdigest(), str(result.documents["doc_id"].dtype.storage))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    load_before = machine()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "comments.csv"
        make_comments(args.rows).to_csv(path, index=False)
        runs = []
        for i in range(args.repeats):
            for setup in (("arrow", "core") if i % 2 == 0 else ("core", "arrow")):
                m = run_measured([sys.executable, "-c", _CHILD, str(path), setup])
                if m["returncode"] != 0:
                    raise SystemExit(f"{setup}: {m['stderr']}")
                seconds, n, digest, storage = m["stdout"].split()
                runs.append({"setup": setup, "ingest_s": round(float(seconds), 2), "process_s": m["seconds"],
                             "peak_rss_mb": m["peak_rss_mb"], "documents": int(n), "sha256": digest,
                             "string_storage": storage})
    same = len({r["sha256"] for r in runs}) == 1
    times = {s: [r["ingest_s"] for r in runs if r["setup"] == s] for s in ("arrow", "core")}
    mean = {s: round(sum(v) / len(v), 2) for s, v in times.items()}
    rss = {s: max(r["peak_rss_mb"] for r in runs if r["setup"] == s) for s in ("arrow", "core")}
    payload = {
        "what": "comment-table ingest() with pyarrow (the 'arrow' extra) and without it (the core install)",
        "command": f"{Path(sys.executable).name} benchmarks/bench_ingest_arrow.py --rows {args.rows} "
                   f"--repeats {args.repeats}",
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                 cwd=Path(__file__).parent).stdout.strip(),
        "machine_before": load_before, "machine_after": machine(),
        "rows": args.rows, "runs": runs, "same_tables": same,
        "ingest_s_mean": mean, "core_over_arrow": round(mean["core"] / mean["arrow"], 2), "peak_rss_mb_max": rss,
    }
    print(json.dumps({k: payload[k] for k in ("ingest_s_mean", "core_over_arrow", "peak_rss_mb_max", "same_tables")}))
    write_results("ingest_arrow", payload)


if __name__ == "__main__":
    main()
