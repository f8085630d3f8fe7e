"""Does an incremental rerun give the same tables as a run from scratch on the same (edited) inputs?

Each *pair* works on its own copy of ``data/sample``: ``cxaudit run`` from scratch into ``results``,
one edit of the inputs, ``cxaudit run`` again into ``results`` (the *rerun*: only what changed is
read and analysed), ``cxaudit run`` from scratch on the edited inputs into ``scratch``, and every table
of the two stores compared with ``benchmarks/compare_stores.py`` (exactly: same columns, same rows,
floats to the bit; ``runs``' clock columns and ``meta``'s run id left out).

Edit kinds (``--edits``): ``word`` (one word added to a participant line of ``p01.txt``), ``toggle6``
(the sequence of ``bench_rerun_paired.py``: that word added and removed six times, a rerun after each
and a no-change rerun between, so ``p01.txt`` ends as the first run read it), ``turn`` (a participant
turn appended to ``p03.txt``), ``remove`` (``p04.txt`` deleted), ``add`` (a new transcript ``p13.txt``).

Pipeline cache conditions (``--caches``), each pair with a cache folder of its own
(``CXAUDIT_PIPELINE_CACHE``): ``warm`` (every run loads the pipeline the first run pickled),
``evict-rerun`` / ``evict-scratch`` (the cache emptied just before the rerun / the run from scratch, so
that run builds the pipeline anew and the other side unpickles it, as when other people's runs
evicted the shared cache's entries), ``off-rerun`` / ``off-scratch`` (``CXAUDIT_PIPELINE_CACHE=0`` on that
side only).

Every pair runs on a ``git archive`` export of the package (``--tree``, put first on PYTHONPATH), so
that other people's edits of the working tree neither mix into a pair nor change the cache key. The
runs start with ``python -P`` (else ``python -m`` puts the current folder, a checkout, before PYTHONPATH:
that is how the anomaly this script was written for came about) and the package imported is checked::

    git archive HEAD cxaudit | tar -x -C /tmp/tree
    .venv/bin/python benchmarks/check_rerun_equivalence.py --tree /tmp/tree --repeat 1
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _measure import machine, write_results  # noqa: E402
from bench_rerun_paired import toggle  # noqa: E402  (the paired benchmark's one-word edit)
from compare_stores import compare_stores  # noqa: E402

EDITS = ("word", "toggle6", "turn", "remove", "add")
CACHES = ("warm", "evict-rerun", "evict-scratch", "off-rerun", "off-scratch")


def edit(kind: str, audit: Path) -> None:
    interviews = audit / "interviews"
    if kind == "word":
        toggle(interviews / "p01.txt")
    elif kind == "turn":
        with open(interviews / "p03.txt", "a", encoding="utf-8") as fh:
            fh.write("\nInterviewer: Anything else?\nParticipant: The new app is slow and the queue at the branch "
                     "was awful, but the staff were really kind.\n")
    elif kind == "remove":
        (interviews / "p04.txt").unlink()
    elif kind == "add":
        (interviews / "p13.txt").write_text(
            "Interviewer: How was opening the account?\nParticipant: Honestly it was painless. The website was "
            "clear, the card came in two days and nobody tried to sell me anything.\n", encoding="utf-8")
    else:
        raise ValueError(kind)


def cxaudit(tree: Path, audit: Path, out: Path, cache: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONWARNINGS="ignore", CXAUDIT_PIPELINE_CACHE=cache)
    proc = subprocess.run([sys.executable, "-P", "-m", "cxaudit", "run", str(audit / "audit.yml"), "--out", str(out)],
                          env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"cxaudit run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def evict(cache: Path) -> None:
    for p in cache.glob("*.pkl"):
        p.unlink()


def one_pair(tree: Path, kind: str, condition: str, tmp: Path) -> dict:
    audit, results, scratch, cache = tmp / "audit", tmp / "results", tmp / "scratch", tmp / "pipelines"
    shutil.copytree(ROOT / "data" / "sample", audit)
    cache.mkdir()
    side = {"rerun": str(cache), "scratch": str(cache)}
    if condition.startswith("off-"):
        side[condition[4:]] = "0"
    cxaudit(tree, audit, results, str(cache))  # the first run (and the pipeline cache)
    time.sleep(1.1)  # the rerun manifest does not trust a file changed within a second of its snapshot
    if condition == "evict-rerun":
        evict(cache)
    if kind == "toggle6":
        for _ in range(6):
            toggle(audit / "interviews" / "p01.txt")
            time.sleep(0.05)
            cxaudit(tree, audit, results, side["rerun"])
            time.sleep(1.1)
            if "nothing changed" not in cxaudit(tree, audit, results, side["rerun"]):
                raise SystemExit("the no-change rerun ran")
    else:
        edit(kind, audit)
        time.sleep(0.05)
        cxaudit(tree, audit, results, side["rerun"])
    if condition == "evict-scratch":
        evict(cache)
    cxaudit(tree, audit, scratch, side["scratch"])
    problems = compare_stores(results, scratch)
    # the runs table of the rerun holds more rows (one per run) than the run from scratch's
    problems = [p for p in problems if not p.startswith("table runs")]
    return {"edit": kind, "cache": condition, "equal": not problems, "differences": problems}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", required=True, help="a folder holding a cxaudit package (a git archive export)")
    ap.add_argument("--edits", default=",".join(EDITS))
    ap.add_argument("--caches", default=",".join(CACHES))
    ap.add_argument("--repeat", type=int, default=1, help="times each edit × cache condition is run")
    ap.add_argument("--tag", default="rerun-equivalence")
    ap.add_argument("--note", default="")
    args = ap.parse_args()
    tree = Path(args.tree).resolve()
    where = subprocess.run([sys.executable, "-P", "-c", "import cxaudit; print(cxaudit.__file__)"], capture_output=True,
                           text=True, env=dict(os.environ, PYTHONPATH=str(tree))).stdout.strip()
    if not Path(where).resolve().is_relative_to(tree):
        raise SystemExit(f"cxaudit is imported from {where}, not from {tree}")
    load = machine()
    pairs = []
    for _, kind, condition in itertools.product(range(args.repeat), args.edits.split(","), args.caches.split(",")):
        with tempfile.TemporaryDirectory(prefix="cxaudit-equiv-") as tmp:
            t0 = time.perf_counter()
            pair = one_pair(tree, kind, condition, Path(tmp))
            pair["seconds"] = round(time.perf_counter() - t0, 1)
        pairs.append(pair)
        print(f"{kind:8s} {condition:13s} {'equal' if pair['equal'] else 'DIFFERENT'} ({pair['seconds']} s)"
              + "".join(f"\n    {p}" for p in pair["differences"]), flush=True)
    out = {"what": __doc__.split("\n\n")[0],
           "benchmark": " ".join(["python", "benchmarks/check_rerun_equivalence.py", *sys.argv[1:]]),
           "tree": str(tree), "imported_from": where, "machine": load,
           "load_avg_1m_after": machine()["load_avg_1m"], "note": args.note,
           "pairs": len(pairs), "pairs_differing": sum(not p["equal"] for p in pairs), "results": pairs}
    print(f"{out['pairs_differing']} of {out['pairs']} pairs differ; written to {write_results(args.tag, out)}")


if __name__ == "__main__":
    main()
