"""A rerun after cxaudit's own files changed (same version number) gives the tables of a run from scratch.

The runs use a copy of the package (first on PYTHONPATH, ``python -P`` so that the current folder does
not shadow it), in which a sentiment lexicon entry is added and then changed: a lexicon or code edit
must make the rerun analyse again, not answer "nothing changed" nor keep the rows the old files made.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import cxaudit
from test_rerun import tables  # every table of a store, rows in a fixed order (one helper)

PACKAGE = Path(cxaudit.__file__).resolve().parent
WORD = "zorblax"  # no lexicon knows it: the sentence holding it is neutral until the copy's lexicon says otherwise


def run(pkg: Path, cwd: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pkg), "CXAUDIT_PIPELINE_CACHE": "0"}
    return subprocess.run([sys.executable, "-P", "-m", "cxaudit", *map(str, args)], capture_output=True, text=True,
                          timeout=600, cwd=cwd, env=env)


def audit_run(pkg: Path, tmp: Path, out: str) -> str:
    proc = run(pkg, tmp, "run", tmp / "c.csv", "--text-column", "text", "--id-column", "id", "--model", "blank",
               "--no-redact", "--out", tmp / out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def same_as_from_scratch(pkg: Path, tmp: Path, name: str) -> dict[str, pd.DataFrame]:
    audit_run(pkg, tmp, name)
    rerun, scratch = tables(tmp / "out"), tables(tmp / name)
    assert sorted(rerun) == sorted(scratch)
    for table in rerun:
        if table not in ("runs", "meta"):  # the run's own row and id
            pd.testing.assert_frame_equal(rerun[table], scratch[table], obj=table)
    return rerun


def sentiment_of(frames: dict[str, pd.DataFrame], doc: str) -> float:
    s = frames["sentences"]
    return float(s.loc[s["doc_id"] == doc, "sentiment"].iloc[0])


def set_word(lexicon: Path, value: float | None) -> None:
    """Add ``WORD`` to the copy's sentiment lexicon (``words:`` section) with ``value``, or change it."""
    lines = [ln for ln in lexicon.read_text(encoding="utf-8").splitlines(keepends=True)
             if not ln.startswith(f"  {WORD}:")]
    at = lines.index("words:\n") + 1
    lines.insert(at, f"  {WORD}: {value}\n")
    lexicon.write_text("".join(lines), encoding="utf-8")


@pytest.mark.slow
def test_rerun_after_a_lexicon_edit_of_the_same_version_analyses_again(tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(PACKAGE, pkg / "cxaudit", ignore=shutil.ignore_patterns("__pycache__"))
    probe = subprocess.run([sys.executable, "-P", "-c", "import cxaudit; print(cxaudit.__file__)"], capture_output=True,
                           text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(pkg)})
    assert probe.stdout.strip() == str(pkg / "cxaudit" / "__init__.py"), (probe.stdout, probe.stderr)
    (tmp_path / "c.csv").write_text(f"id,text\nR1,The {WORD} was at the counter.\nR2,The staff were kind.\n",
                                    encoding="utf-8")
    old = time.time() - 5  # the rerun manifest does not trust files changed within a second of its snapshot
    for p in [*pkg.rglob("*"), tmp_path / "c.csv"]:
        os.utime(p, (old, old))
    time.sleep(1.1)  # and by their change times, which utime moves to now
    lexicon = pkg / "cxaudit" / "lexicons" / "cx_sentiment.yml"

    audit_run(pkg, tmp_path, "out")
    before = tables(tmp_path / "out")
    assert sentiment_of(before, "R1") == 0.0

    # 1. only the package changed: the rerun manifest must not say "nothing changed"
    set_word(lexicon, 3.0)
    time.sleep(1.1)
    assert "nothing changed" not in audit_run(pkg, tmp_path, "out")
    after = same_as_from_scratch(pkg, tmp_path, "scratch1")
    assert sentiment_of(after, "R1") > 0

    # 2. the package and an input changed: the document whose text did not change is analysed again
    set_word(lexicon, -3.0)
    with open(tmp_path / "c.csv", "a", encoding="utf-8") as fh:
        fh.write("R3,The queue was long.\n")
    time.sleep(1.1)
    audit_run(pkg, tmp_path, "out")
    again = same_as_from_scratch(pkg, tmp_path, "scratch2")
    assert sentiment_of(again, "R1") < 0
    assert sentiment_of(again, "R2") == sentiment_of(after, "R2")
