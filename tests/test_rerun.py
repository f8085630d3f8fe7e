"""Reruns that cost what changed (issue 20): the real command line in subprocesses on real files.

A rerun with nothing changed stops before spaCy, pandas or DuckDB load and leaves every table as it was;
an edited transcript changes only its own rows; the result of reruns is the result of a run from scratch.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
MESSAGE = "nothing changed since the last run"
#: tables a run writes anew each time: its own row in runs, its id in meta
RUN_TABLES = {"runs", "meta"}


def cxaudit(*args, cwd=None, env=None, timeout=600):
    cmd = [sys.executable, "-m", "cxaudit", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every table of a results store, rows in a fixed order, as strings (so frames compare exactly)."""
    con = duckdb.connect(str(out / "cxaudit.duckdb"), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        frames = {}
        for name in names:
            df = con.execute(f'SELECT * FROM "{name}"').df().astype("string").fillna("<NA>")
            frames[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
        return frames
    finally:
        con.close()


def assert_same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], *, skip=()):
    assert sorted(a) == sorted(b)
    for name in a:
        if name in skip:
            continue
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def touch_later(path: Path, text: str) -> None:
    """Rewrite ``path`` with ``text`` (a later modification time than the run that read it)."""
    time.sleep(0.05)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def audit(tmp_path):
    """A copy of the bundled sample audit (transcripts in four formats, metadata, survey, redaction)."""
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    # the snapshot of a run does not trust files changed less than a second before it (RACY_NS), by their
    # modification or change time: utime sets the first back but moves the second to now, so wait a second
    old = time.time() - 5
    for p in folder.rglob("*"):
        os.utime(p, (old, old))
    time.sleep(1.1)
    return folder / "audit.yml"


@pytest.mark.slow
def test_rerun_sample_no_change_edit_and_from_scratch(audit, tmp_path):
    out = tmp_path / "results"
    first = cxaudit("run", audit, "--out", out, "--quiet")
    assert first.returncode == 0, first.stderr
    before, store_md5 = tables(out), md5(out / "cxaudit.duckdb")

    # nothing changed: said at once, nothing heavy imported, not a byte of the store written
    again = cxaudit("run", audit, "--out", out, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert again.returncode == 0, again.stderr
    assert MESSAGE in again.stdout and "0 analysed, 354 unchanged, 0 removed" in again.stdout
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in again.stderr.splitlines()
                if line.startswith("import time:")}
    assert imported and not imported & {"spacy", "pandas", "duckdb", "numpy", "scipy", "pyarrow"}
    assert md5(out / "cxaudit.duckdb") == store_md5
    assert_same_tables(before, tables(out))  # every table, runs included: this rerun added no row

    # one transcript edited: only its rows change
    p01 = audit.parent / "interviews" / "p01.txt"
    text = p01.read_text(encoding="utf-8")
    assert "queue" in text
    touch_later(p01, text.replace("queue", "line"))
    time.sleep(1.1)  # the edit rerun's manifest must be trusted by the no-change rerun at the end (RACY_NS)
    edited = cxaudit("run", audit, "--out", out, "--quiet", "--verbose")
    assert edited.returncode == 0, edited.stderr
    after = tables(out)
    runs = read_runs(out)
    assert runs["n_analysed"].tolist() == ["354", "1"] and runs["n_reused"].tolist()[-1] == "353"
    # the first run wrote the whole store; the edit started from a copy of it and wrote the changed rows
    assert runs["store_written"].tolist() == ["whole", "changed rows"]
    doc = "interviews/p01"
    for name in ("documents", "turns", "sentences", "feelings", "tags", "doc_state"):
        old, new = before[name], after[name]
        pd.testing.assert_frame_equal(old[old["doc_id"] != doc].reset_index(drop=True),
                                      new[new["doc_id"] != doc].reset_index(drop=True), obj=name)
    assert not before["turns"][before["turns"]["doc_id"] == doc].equals(after["turns"][after["turns"]["doc_id"] == doc])
    assert (after["turns"][after["turns"]["doc_id"] == doc]["text"].str.contains(" line ")).any()

    # the same results as a run from scratch on the edited inputs: every table
    scratch = tmp_path / "scratch"
    fresh = cxaudit("run", audit, "--out", scratch, "--quiet")
    assert fresh.returncode == 0, fresh.stderr
    same = tables(scratch)
    assert_same_tables(after, same, skip=RUN_TABLES | {"file_state"})
    # file_state: the same files, sizes and times
    pd.testing.assert_frame_equal(after["file_state"], same["file_state"])
    # and the no-change rerun after the edit is quick again
    assert MESSAGE in cxaudit("run", audit, "--out", out).stdout


def read_runs(out: Path) -> pd.DataFrame:
    return tables(out)["runs"].sort_values("started_at", kind="stable").reset_index(drop=True)


INTERVIEW = "Interviewer: How was the branch?\n{name}: The staff were rude and the queue was long.\n"


def small_audit(folder: Path) -> Path:
    (folder / "interviews").mkdir(parents=True)
    for n, name in enumerate(["Maria", "Tom", "Ana"]):
        (folder / "interviews" / f"p{n}.txt").write_text(INTERVIEW.format(name=name), encoding="utf-8")
    pd.DataFrame({"id": ["a", "b", "c", "d"], "text": ["The app keeps crashing.", "Lovely branch.",
                                                       "Fees are too high.", "Nobody called me back."],
                  "nps": [3, 9, 5, 1]}).to_csv(folder / "comments.csv", index=False)
    (folder / "audit.yml").write_text(
        "name: small\nmodel: blank\nredact: false\ncodebooks: [carbone-clues, touchpoints]\ninputs:\n"
        "  - path: interviews\n    kind: interview\n  - path: comments.csv\n    kind: comment\n"
        "    text_column: text\n    id_column: id\n    score_column: nps\n", encoding="utf-8")
    old = time.time() - 5
    for p in [folder, *folder.rglob("*")]:
        os.utime(p, (old, old))
    time.sleep(1.1)  # utime sets the change time to now (nothing sets it back): see the audit fixture
    return folder / "audit.yml"


def replace_by_copy(path: Path) -> None:
    shutil.copy2(path, path.with_name("copy"))  # same bytes, same modification time
    os.replace(path.with_name("copy"), path)


def test_rerun_anything_changed_means_a_real_run(tmp_path):
    audit = small_audit(tmp_path / "a")
    out = tmp_path / "out"
    assert cxaudit("run", audit, "--out", out, "-q").returncode == 0
    assert MESSAGE in cxaudit("run", audit, "--out", out).stdout

    def runs() -> int:
        return len(tables(out)["runs"])

    n = runs()
    cases = [
        ("a transcript added", lambda: (audit.parent / "interviews" / "p9.txt").write_text(
            INTERVIEW.format(name="Lee"), encoding="utf-8")),
        ("a transcript removed", lambda: (audit.parent / "interviews" / "p9.txt").unlink()),
        ("a transcript's permissions", lambda: (audit.parent / "interviews" / "p0.txt").chmod(0o600)),
        ("the comment table", lambda: touch_later(audit.parent / "comments.csv",
                                                   (audit.parent / "comments.csv").read_text() + "e,Rude staff.,2\n")),
        ("audit.yml", lambda: touch_later(audit, audit.read_text().replace("name: small", "name: smaller"))),
        ("the manifest removed", lambda: (out / ".cxaudit-rerun.json").unlink()),
        ("the store replaced by a copy of itself", lambda: replace_by_copy(out / "cxaudit.duckdb")),
    ]
    for what, change in cases:
        change()
        time.sleep(1.1)  # a snapshot taken within a second of a change is not trusted
        proc = cxaudit("run", audit, "--out", out)
        assert proc.returncode == 0, (what, proc.stderr)
        assert MESSAGE not in proc.stdout, what
        assert runs() == n + 1, what
        n += 1
        assert MESSAGE in cxaudit("run", audit, "--out", out).stdout, what
    # other options, and --full, run
    for extra in (["--wave", "W2"], ["--full"]):
        proc = cxaudit("run", audit, "--out", out, *extra)
        assert proc.returncode == 0 and MESSAGE not in proc.stdout, (extra, proc.stderr)


def test_rerun_no_change_keeps_the_exit_status_and_the_problems(tmp_path):
    audit = small_audit(tmp_path / "a")
    (audit.parent / "interviews" / "broken.docx").write_bytes(b"this is not a zip file")
    (audit.parent / "interviews" / "empty.txt").write_text("", encoding="utf-8")
    old = time.time() - 5
    for p in [audit.parent / "interviews", *(audit.parent / "interviews").iterdir()]:
        os.utime(p, (old, old))
    time.sleep(1.1)  # the change times utime moved to now
    out = tmp_path / "out"
    args = ["run", audit, "--out", out]
    first = cxaudit(*args)
    assert first.returncode == 2, first.stderr
    problems = [line for line in first.stderr.splitlines() if line.startswith("  /")]
    assert problems
    again = cxaudit(*args)
    assert again.returncode == 2 and MESSAGE in again.stdout
    assert [line for line in again.stderr.splitlines() if line.startswith("  /")] == problems


def test_rerun_no_change_waits_for_or_refuses_a_run_holding_the_folder(tmp_path):
    from filelock import FileLock

    audit = small_audit(tmp_path / "a")
    out = tmp_path / "out"
    assert cxaudit("run", audit, "--out", out, "-q").returncode == 0
    lock = FileLock(str(out / ".cxaudit.lock"))
    with lock:
        proc = cxaudit("run", audit, "--out", out)
    assert proc.returncode == 3 and "is in use by another cxaudit run" in proc.stderr
    assert MESSAGE in cxaudit("run", audit, "--out", out).stdout


def test_rerun_version_and_help_import_nothing_heavy():
    for args in (["--version"], ["--help"], ["run", "--help"]):
        proc = cxaudit(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
        assert proc.returncode == 0, proc.stderr
        imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                    if line.startswith("import time:")}
        assert not imported & {"spacy", "pandas", "duckdb", "numpy", "scipy"}, (args, imported)


def test_rerun_demo_finds_the_sample_or_says_how(tmp_path):
    env = {"CXAUDIT_NO_SERVE": "1"}
    # an installed copy without the sample: the message names --data
    code = ("import sys, cxaudit.cli as c, cxaudit.cli.starting as s; from pathlib import Path; "
            "s.SAMPLE_DIR = Path(sys.argv[1]); "
            "sys.argv = ['cxaudit', 'demo', '--no-serve', '--out', sys.argv[2]]; c.app(prog_name='cxaudit')")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "nowhere"), str(tmp_path / "r0")],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **env})
    assert proc.returncode == 1 and "cxaudit demo --data PATH/TO/data/sample" in proc.stderr
    assert not (tmp_path / "r0").exists()
    proc = cxaudit("demo", "--no-serve", "--data", tmp_path / "nowhere", "--out", tmp_path / "r1", env=env)
    assert proc.returncode == 1 and "no audit.yml there" in proc.stderr
    audit = small_audit(tmp_path / "a")
    proc = cxaudit("demo", "--no-serve", "--data", audit.parent, "--out", tmp_path / "r2", env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r2" / "report.html").is_file()


def test_rerun_that_reuses_compare_prepares_dashboard_tables_of_an_older_version(tmp_path):
    """A rerun that analyses nothing copies the compare tables, but dashboard tables an older
    cxaudit prepared are prepared anew (copied, the dashboard would ignore them and rebuild them
    on every open); current ones are copied."""
    from cxaudit.publish.dashboard.prepared import VERSION

    audit = small_audit(tmp_path / "a")
    out = tmp_path / "out"
    assert cxaudit("run", audit, "--out", out, "-q").returncode == 0
    store = out / "cxaudit.duckdb"

    def info() -> int:
        con = duckdb.connect(str(store), read_only=True)
        try:
            return int(con.execute("SELECT version FROM dash_info").fetchone()[0])
        finally:
            con.close()

    con = duckdb.connect(str(store))
    con.execute("UPDATE dash_info SET version = ?", [VERSION - 1])  # as an older cxaudit left it
    con.close()
    (out / ".cxaudit-rerun.json").unlink()  # no quick no-change exit: a real run that analyses nothing
    time.sleep(1.1)
    proc = cxaudit("run", audit, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "0 analysed" in proc.stdout and info() == VERSION
    runs = tables(out)["runs"]
    assert len(runs) == 2
    (out / ".cxaudit-rerun.json").unlink()
    time.sleep(1.1)
    assert cxaudit("run", audit, "--out", out).returncode == 0
    assert info() == VERSION


def test_previous_pipeline_is_read_from_a_manifest_of_the_same_command_only(tmp_path):
    import json

    from cxaudit.run.rerun import MANIFEST, previous_pipeline, write_manifest

    pipeline = {"model": "blank", "codebooks": ["carbone-clues", "touchpoints"], "tagger": None}
    write_manifest(tmp_path, "key-1", {"taken_ns": 0, "entries": {}}, [], {"exit_code": 0, "pipeline": pipeline})
    assert previous_pipeline(tmp_path, "key-1") == pipeline
    assert previous_pipeline(tmp_path, "key-2") is None  # another command: another pipeline, maybe
    assert previous_pipeline(tmp_path / "missing", "key-1") is None
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    for bad in (None, "blank", {"model": "blank"}, {**pipeline, "codebooks": "carbone-clues"},
                {**pipeline, "codebooks": [1]}, {**pipeline, "tagger": 3}, {**pipeline, "model": None}):
        manifest["summary"]["pipeline"] = bad
        (tmp_path / MANIFEST).write_text(json.dumps(manifest))
        assert previous_pipeline(tmp_path, "key-1") is None, bad
    del manifest["summary"]["pipeline"]  # a manifest written before the pipeline was recorded
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    assert previous_pipeline(tmp_path, "key-1") is None
    (tmp_path / MANIFEST).write_text("{not json")
    assert previous_pipeline(tmp_path, "key-1") is None
