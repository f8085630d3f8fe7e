"""Disk size of the core install, as a new user gets it: a fresh clone, a fresh venv, `pip install .`.

    .venv/bin/python benchmarks/bench_install_size.py [--rev REV] [--work DIR] [--no-compile] [--keep]

Clones this checkout (its committed HEAD, or REV) into a throwaway folder, creates a venv there with
``python3 -m venv`` and runs ``pip install -q .`` into it (pip compiles bytecode, as it does for a user;
``--no-compile`` measures without). Reports the venv's size three ways: ``du -sm`` (MiB of disk blocks,
the figure issue 18's goal was tracked in), ``du -sb`` (bytes of files) and ``du -s -B1`` (bytes of disk
blocks); the size of an empty venv of the same Python (pip and setuptools from ensurepip, there before
anything is installed); the number of distributions; and each distribution's files as its RECORD lists
them (pip adds the .pyc it compiles there). Writes ``benchmarks/results/install_size_core.json``;
``install_size.json`` is the curated history of the rounds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import machine, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

#: Run inside the measured venv: (MB of files, MB of them .pyc, name, version) per distribution.
_PER_DIST = r"""
import json, sys, importlib.metadata as md
from pathlib import Path
rows = []
for d in md.distributions(path=[sys.argv[1]]):
    total = pyc = 0
    for f in d.files or []:
        p = Path(d.locate_file(f))
        if p.is_file():
            size = p.stat().st_size
            total += size
            pyc += size if p.suffix == ".pyc" else 0
    rows.append((round(total / 1e6, 1), round(pyc / 1e6, 1), d.metadata["Name"], d.version))
print(json.dumps(sorted(rows, reverse=True)))
"""


def _du(path: Path) -> dict:
    def one(*flags: str) -> int:
        return int(subprocess.run(["du", "-s", *flags, str(path)], capture_output=True, text=True,
                                  check=True).stdout.split()[0])
    return {"MiB": one("-m"), "bytes": one("-b"), "disk_bytes": one("-B1")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rev", default="HEAD", help="commit to measure [default: HEAD]")
    ap.add_argument("--work", default=None, help="folder for the throwaway clone [default: a temporary one]")
    ap.add_argument("--python", default="python3", help="the Python that creates the venv [default: python3]")
    ap.add_argument("--no-compile", action="store_true", help="pip install --no-compile (no bytecode)")
    ap.add_argument("--keep", action="store_true", help="keep the clone and its venv")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cx-install-", dir=args.work))
    try:
        src, venv, empty = work / "src", work / "src" / ".v", work / "empty"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(src)], check=True)
        subprocess.run(["git", "-C", str(src), "checkout", "-q", args.rev], check=True)
        commit = subprocess.run(["git", "-C", str(src), "log", "-1", "--format=%h %s"], capture_output=True,
                                text=True, check=True).stdout.strip()[:100]
        subprocess.run([args.python, "-m", "venv", str(empty)], check=True)
        subprocess.run([args.python, "-m", "venv", str(venv)], check=True)
        load_before = machine()["load_avg_1m"]
        t0 = time.perf_counter()
        pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "."]
        if args.no_compile:
            pip.insert(3, "--no-compile")
        subprocess.run(pip, cwd=src, check=True)
        install_s = round(time.perf_counter() - t0, 1)
        site = next((venv / "lib").glob("python3*/site-packages"))
        dists = json.loads(subprocess.run([str(venv / "bin" / "python"), "-c", _PER_DIST, str(site)],
                                          capture_output=True, text=True, check=True).stdout)
        result = {
            "what": "core install: fresh clone, python3 -m venv, pip install ." + (" --no-compile" if args.no_compile else ""),
            "commit": commit,
            "machine": {**machine(), "load_avg_1m_before_install": load_before},
            "command": " ".join(["benchmarks/bench_install_size.py", *sys.argv[1:]]),
            "venv": _du(venv),
            "empty_venv": _du(empty),
            "distributions": len(dists),
            "install_s": install_s,
            "files_MB_by_distribution": {f"{name} {version}": mb for mb, _, name, version in dists},
            "pyc_MB_by_distribution": {f"{name} {version}": pyc for _, pyc, name, version in dists if pyc},
        }
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    v, e = result["venv"], result["empty_venv"]
    print(f"{commit}\ncore venv: {v['MiB']} MiB (du -sm), {v['bytes'] / 1e6:.1f} MB of files, "
          f"{v['disk_bytes'] / 1e6:.1f} MB of disk blocks; {result['distributions']} distributions; "
          f"install {install_s} s\nempty venv: {e['MiB']} MiB; the install adds {v['MiB'] - e['MiB']} MiB")
    for name, mb in list(result["files_MB_by_distribution"].items())[:12]:
        print(f"  {mb:7.1f} MB  {name}")
    print(f"wrote {write_results('install_size_core' + ('_no_compile' if args.no_compile else ''), result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
