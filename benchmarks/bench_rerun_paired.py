"""One edited transcript against no change, for two cxaudit trees in turn (paired), as whole processes.

Each tree is a copy of the ``cxaudit`` package (``git archive COMMIT cxaudit | tar -x -C DIR``, or a
folder holding one) put first on PYTHONPATH, so that other people's edits to a working tree neither
mix into a measurement nor invalidate the pipeline cache. The runs start with ``python -P``: without it
``python -m`` puts the current folder first on ``sys.path``, and run from a checkout it imported the
checkout's package, not the tree's (the paired runs recorded in results/ until 2026-12-03 were started
from the checkout: both "trees" were the working tree, edited meanwhile by other people). Each tree's
package is checked to be the one imported. For each round, for each tree in turn:

  1. one word of ``interviews/p01.txt`` of a copy of the sample audit is added or removed, and
     ``cxaudit run audit.yml --out results --quiet`` runs (the *edit rerun*: one document analysed);
  2. the same command runs again with nothing changed (the *no-change rerun*).

Figures per run: wall seconds, and the CPU seconds (user + system) of the whole process tree, the
fork server and its worker included: this process is made the *subreaper* of its descendants
(Linux ``PR_SET_CHILD_SUBREAPER``), so a fork server that outlives the run is still waited for and
counted (``RUSAGE_CHILDREN``); ``run_process_cpu_s`` is the run's own process alone (``wait4``), without
the fork server and its worker. Every tree has its own copy of the audit and results folder; at the end
each tree runs from scratch into another folder, and every stored table of its reruns (but ``runs``
and ``meta``) must equal that run's.

    .venv/bin/python benchmarks/bench_rerun_paired.py --tree before=/tmp/base --tree after=/tmp/mine --rounds 5
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
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

from _measure import machine, write_results  # noqa: E402
from bench_incremental import results_only, table_digest  # noqa: E402

MARK = " really"


def become_subreaper() -> bool:
    """Orphaned descendants (a fork server left by a finished run) are re-parented to this process."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except OSError:
        return False


def reap(deadline: float = 60.0) -> None:
    """Wait for every descendant left (the runs' fork servers exit once their run has), so that their CPU
    is counted with the run that started them."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], env: dict) -> dict:
    reap(0.5)
    load = os.getloadavg()[0]  # other people's work on the machine just before this run
    cpu0 = children_cpu()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # the run's own process (and what it waited for)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    reap()
    if proc.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return {"wall_s": round(wall, 3), "cpu_s": round(children_cpu() - cpu0, 3),
            "run_process_cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "load_1m": round(load, 2),
            "stdout": stdout}


def toggle(path: Path) -> None:
    """Add or remove one word in the first participant line of ``path``."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines[1:], 1):
        if len(line.split()) > 6:
            words = line.split()
            lines[i] = (line.replace(MARK + " ", " ", 1) if MARK + " " in line
                        else line.replace(" " + words[-2] + " ", " " + words[-2] + MARK + " ", 1))
            break
    path.write_text("".join(lines), encoding="utf-8")


def last_analysed(results: Path, n: int) -> list[int]:
    """``n_analysed`` of the last ``n`` runs recorded in the store (no-change reruns record none)."""
    import duckdb

    con = duckdb.connect(str(results / "cxaudit.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT n_analysed FROM runs ORDER BY finished_at DESC, started_at DESC LIMIT ?",
                           [n]).fetchall()
        return [int(r[0]) for r in rows]
    finally:
        con.close()


def summary(values: list[float]) -> list[float]:
    return [round(statistics.median(values), 3), round(min(values), 3), round(max(values), 3)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", required=True, help="NAME=DIR (DIR holds a cxaudit package)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tag", default="sample-edit-paired")
    args = ap.parse_args()
    trees = dict(t.split("=", 1) for t in args.tree)
    subreaper = become_subreaper()
    load_before = machine()
    runs: dict[str, dict[str, list[dict]]] = {name: {"edit": [], "no_change": []} for name in trees}
    with tempfile.TemporaryDirectory(prefix="cxaudit-paired-") as tmp:
        folders = {}
        for name, tree in trees.items():
            root = Path(tmp) / name
            shutil.copytree(ROOT / "data" / "sample", root / "audit")
            env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()), PYTHONWARNINGS="ignore")
            where = subprocess.run([sys.executable, "-P", "-c", "import cxaudit; print(cxaudit.__file__)"], env=env,
                                   capture_output=True, text=True).stdout.strip()
            if not Path(where).resolve().is_relative_to(Path(tree).resolve()):
                raise SystemExit(f"{name}: cxaudit is imported from {where}, not from {tree}")
            cmd = [sys.executable, "-P", "-m", "cxaudit", "run", str(root / "audit" / "audit.yml"), "--out",
                   str(root / "results"), "--quiet"]
            folders[name] = (root, env, cmd)
            run(cmd, env)  # first run (and the pipeline cache of this tree)
            toggle(root / "audit" / "interviews" / "p01.txt")
            run(cmd, env)  # warm-up edit rerun
            time.sleep(1.1)
        for _ in range(args.rounds):
            for name, (root, env, cmd) in folders.items():
                toggle(root / "audit" / "interviews" / "p01.txt")
                # a run that snapshots its inputs within a second of a change does not trust its manifest
                # (cxaudit.run.rerun.RACY_NS), and its no-change rerun would run: wait that second here
                time.sleep(1.1)
                runs[name]["edit"].append(run(cmd, env))
            time.sleep(1.1)  # a snapshot newer than a second before a file's change is not trusted
            for name, (root, env, cmd) in folders.items():
                same = run(cmd[:-1], env)
                if "nothing changed" not in same["stdout"]:
                    raise SystemExit(f"{name}: the no-change rerun ran:\n{same['stdout']}")
                runs[name]["no_change"].append(same)
        differing = {}
        for name, (root, env, cmd) in folders.items():  # each tree's reruns against its own run from scratch
            # cmd[:-3]: python -P -m cxaudit run audit.yml
            run([*cmd[:-3], "--out", str(root / "scratch"), "--quiet"], env)
            inc, fresh = (results_only(table_digest(root / d)) for d in ("results", "scratch"))
            differing[name] = sorted(k for k in inc.keys() | fresh.keys() if inc.get(k) != fresh.get(k))
        analysed = {name: last_analysed(root / "results", args.rounds) for name, (root, _, _) in folders.items()}
        if any(n != [1] * args.rounds for n in analysed.values()):
            raise SystemExit(f"an edit rerun analysed other than one document: {analysed}")
    names = list(trees)
    out = {"what": __doc__.split("\n\n")[0], "benchmark": " ".join(["python", "benchmarks/bench_rerun_paired.py",
                                                                       *sys.argv[1:]]),
           "machine": load_before, "load_avg_1m_after": machine()["load_avg_1m"], "subreaper": subreaper,
           "rounds": args.rounds, "value_order": "[median, min, max]",
           "tables_differing_from_a_run_from_scratch": differing}
    for name in names:
        edit, same = runs[name]["edit"], runs[name]["no_change"]
        out[name] = {
            "edit": {"wall_s": summary([r["wall_s"] for r in edit]), "cpu_s": summary([r["cpu_s"] for r in edit]),
                     "run_process_cpu_s": summary([r["run_process_cpu_s"] for r in edit])},
            "no_change": {"wall_s": summary([r["wall_s"] for r in same]), "cpu_s": summary([r["cpu_s"] for r in same])},
            "edit_minus_no_change_medians": {
                "wall_s": round(statistics.median(r["wall_s"] for r in edit)
                                - statistics.median(r["wall_s"] for r in same), 3),
                "cpu_s": round(statistics.median(r["cpu_s"] for r in edit)
                               - statistics.median(r["cpu_s"] for r in same), 3)},
            "edit_runs": [{k: r[k] for k in ("wall_s", "cpu_s", "run_process_cpu_s", "load_1m")} for r in edit],
        }
    if len(names) == 2:
        a, b = (runs[n]["edit"] for n in names)
        out[f"edit_{names[1]}_over_{names[0]}_pairwise"] = {
            "wall": summary([y["wall_s"] / x["wall_s"] for x, y in zip(a, b)]),
            "cpu": summary([y["cpu_s"] / x["cpu_s"] for x, y in zip(a, b)])}
        # edit − no change of each round, tree by tree (the goal of issue 20 is < 2 s on the sample)
        for name in names:
            same = statistics.median(r["wall_s"] for r in runs[name]["no_change"])
            out[name]["edit_minus_no_change_by_round_wall_s"] = [round(r["wall_s"] - same, 3)
                                                                 for r in runs[name]["edit"]]
    for k, v in out.items():
        print(f"{k}: {v}")
    print(f"written to {write_results('incremental-' + args.tag, out)}")


if __name__ == "__main__":
    main()
