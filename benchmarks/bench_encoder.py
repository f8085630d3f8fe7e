"""Speed of the NumPy sentence encoders (`cxaudit.nlp.encoder`) on this machine.

Run: ``.venv/bin/python benchmarks/bench_encoder.py [--encoders minilm,mpnet] [--sentences 1000]``

For each packaged encoder that is installed: the load time (reading and checking the weights), and
sentences per second encoding the bundled sample's comments (fictional, 345 sentences of 6–30
words, repeated to ``--sentences``) with NumPy's BLAS limited to 1 thread and to 2 threads. The
comments are all different texts, so no cache helps. Writes ``benchmarks/results/encoder_speed.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import machine, write_results  # noqa: E402
from cxaudit.nlp.encoder import PACKAGED, SentenceEncoder, encoder_available  # noqa: E402


def sentences(n: int) -> list[str]:
    """``n`` distinct texts: the sample's comments, numbered once they repeat."""
    base = pd.read_csv(ROOT / "data" / "sample" / "comments.csv")["comment"].dropna().astype(str).tolist()
    return [base[i % len(base)] + ("" if i < len(base) else f" ({i // len(base)})") for i in range(n)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", default=",".join(PACKAGED), help="comma-separated packaged encoder names")
    parser.add_argument("--sentences", type=int, default=1000)
    args = parser.parse_args(argv)
    texts = sentences(args.sentences)
    rows = []
    for name in [n.strip() for n in args.encoders.split(",") if n.strip()]:
        if not encoder_available(name):
            print(f"SKIP {name}: not installed ({PACKAGED[name].install})")
            continue
        t0 = time.perf_counter()
        enc = SentenceEncoder.load(name)
        load = time.perf_counter() - t0
        tokens = sum(len(ids) for ids in enc.token_ids(texts))
        row = {"encoder": name, "about": PACKAGED[name].about, "load_seconds": round(load, 2),
               "sentences": len(texts), "tokens": tokens, "load_average_before": os.getloadavg()[0]}
        for threads in (1, 2):
            with threadpool_limits(threads):
                t0 = time.perf_counter()
                enc.encode(texts)
                seconds = time.perf_counter() - t0
            row[f"seconds_{threads}_thread"] = round(seconds, 2)
            row[f"sentences_per_second_{threads}_thread"] = round(len(texts) / seconds, 1)
        rows.append(row)
        print(f"{name:<8} load {load:5.1f} s   {len(texts)} sentences ({tokens / len(texts):.1f} tokens each): "
              f"{row['sentences_per_second_1_thread']:7.1f} sentences/s on 1 thread, "
              f"{row['sentences_per_second_2_thread']:7.1f} on 2")
    write_results("encoder_speed", {"machine": machine(), "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
