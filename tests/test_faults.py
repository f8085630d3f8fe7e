"""Faults, as a careful user and an unlucky machine meet them (issue 17): every case runs the real command
line in a subprocess on real files, and checks the exit status, the message, the store, and that no
process and no half-written file is left behind.

Permission cases run the command as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (``setpriv
--bounding-set``), so that a folder with mode 000 is really unreadable; full-disk cases mount a small
tmpfs. Both are skipped, with the reason, where the machine does not allow them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cxaudit.store import read_table

INTERVIEW = "Interviewer: How was the branch?\n{name}: The staff were rude and the queue was long.\n"
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
QUICK = ["--model", "blank", "--no-redact", "--quiet"]


def cxaudit(*args, prefix=(), cwd=None, timeout=600):
    """Run the command line in a subprocess; returns the CompletedProcess (never raises on exit status)."""
    cmd = [*prefix, sys.executable, "-m", "cxaudit", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def start(*args, prefix=()):
    """Start the command line in its own session (its PID is the session id of every process it starts)."""
    cmd = [*prefix, sys.executable, "-m", "cxaudit", *map(str, args)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def session(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``."""
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(d.name))
    return pids


def wait_until(predicate, timeout=300.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def debris(folder: Path) -> list[str]:
    """Half-written files in a results folder: temporary stores and atomic writes' temporary files."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".duckdb.tmp" in p.name)


def comments(path: Path, n: int, *, extra: list[dict] = ()) -> Path:
    parts = ["the staff were friendly", "I was on hold for an hour", "the app keeps crashing",
             "fees are too high", "the branch was clean", "nobody called me back"]
    rows = [{"id": f"k{i}", "text": f"{parts[i % 6]}. {parts[(i * 5 + 1) % 6]}.", "nps": i % 11} for i in range(n)]
    pd.DataFrame([*rows, *extra]).to_csv(path, index=False)
    return path


def table_args(csv: Path, out: Path) -> list:
    return ["run", csv, "--text-column", "text", "--id-column", "id", "--score-column", "nps", *QUICK, "--out", out]


@pytest.fixture(scope="module")
def no_dac():
    """The command prefix that makes permissions apply to root; skips where that is impossible."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed: cannot drop CAP_DAC_OVERRIDE to test unreadable folders")
    probe = Path(f"/tmp/cxaudit-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        probe.chmod(0)
        proc = subprocess.run([*NO_DAC, "ls", str(probe)], capture_output=True)
    finally:
        probe.chmod(0o755)
        probe.rmdir()
    if proc.returncode == 0:
        pytest.skip("permissions are not enforced even without CAP_DAC_OVERRIDE here")
    if b"Operation not permitted" in proc.stderr and b"cannot open" not in proc.stderr:
        pytest.skip(f"cannot drop capabilities here: {proc.stderr.decode().strip()}")
    return NO_DAC


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) → a fresh tmpfs of that size (unmounted afterwards); skips where mounting is not allowed."""
    mounted = []

    def mount(size: str) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs to fill a disk here: {proc.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


# -- 1. unreadable folders and files ---------------------------------------------------------------

def test_faults_unreadable_subfolder_keeps_its_documents_until_the_file_is_really_gone(tmp_path, no_dac):
    inputs = tmp_path / "interviews"
    (inputs / "locked").mkdir(parents=True)
    (inputs / "p1.txt").write_text(INTERVIEW.format(name="Maria"), encoding="utf-8")
    (inputs / "locked" / "p2.txt").write_text(INTERVIEW.format(name="Tom"), encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", inputs, "--model", "blank", "--no-redact", "--out", out]
    assert cxaudit(*args, prefix=no_dac).returncode == 0
    (inputs / "locked").chmod(0)
    try:
        proc = cxaudit(*args, prefix=no_dac)
    finally:
        (inputs / "locked").chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert f"{inputs / 'locked'}: cannot read folder: Permission denied" in proc.stderr
    assert "1 document(s) kept from the previous run" in proc.stderr
    rejected = pd.read_csv(out / "rejected.csv")
    assert rejected["path"].tolist() == [str(inputs / "locked")]
    assert "1 document(s) read from it before are kept (stale)" in rejected.loc[0, "reason"]
    docs = set(read_table(out, "documents")["doc_id"])
    assert len(docs) == 2 and any(d.endswith("locked/p2") for d in docs)
    assert any(d.endswith("locked/p2") for d in read_table(out, "sentences")["doc_id"])
    runs = read_table(out, "runs")
    assert runs["n_removed"].tolist() == [0, 0] and runs["n_stale"].tolist() == [0, 1]
    assert json.loads(runs["stale"].iloc[-1])[0].endswith("locked/p2")
    # readable again (same size and time): read again, nothing stale, exit 0
    proc = cxaudit(*args, prefix=no_dac)
    assert proc.returncode == 0, proc.stderr
    assert read_table(out, "runs")["n_stale"].tolist()[-1] == 0
    # only a file that is really gone is removed, and the summary says so
    (inputs / "locked" / "p2.txt").unlink()
    proc = cxaudit(*args, prefix=no_dac)
    assert proc.returncode == 0, proc.stderr
    assert "1 removed" in proc.stdout
    assert len(read_table(out, "documents")) == 1 and read_table(out, "runs")["n_removed"].tolist()[-1] == 1


def test_faults_unreadable_input_folder_and_file_are_reported(tmp_path, no_dac):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "p1.txt").write_text(INTERVIEW.format(name="Maria"), encoding="utf-8")
    (inputs / "p2.txt").write_text(INTERVIEW.format(name="Tom"), encoding="utf-8")
    inputs.chmod(0)
    try:
        proc = cxaudit("run", inputs, *QUICK, "--out", tmp_path / "a", prefix=no_dac)
    finally:
        inputs.chmod(0o755)
    assert proc.returncode == 2 and f"{inputs}: cannot read folder: Permission denied" in proc.stderr
    assert pd.read_csv(tmp_path / "a" / "rejected.csv")["path"].tolist() == [str(inputs)]
    (inputs / "p2.txt").chmod(0)
    try:
        proc = cxaudit("run", inputs, *QUICK, "--out", tmp_path / "b", prefix=no_dac)
    finally:
        (inputs / "p2.txt").chmod(0o644)
    assert proc.returncode == 2 and f"{inputs / 'p2.txt'}: cannot read file: Permission denied" in proc.stderr
    assert [d.rsplit("/", 1)[-1] for d in read_table(tmp_path / "b", "documents")["doc_id"]] == ["p1"]


# -- 2. a text over spaCy's limit -------------------------------------------------------------------

@pytest.mark.slow
def test_faults_text_over_a_million_characters_is_analysed_in_pieces(tmp_path):
    filler = "Zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz. "  # cheap tokens
    long_text = ("The staff were rude. " + filler * (1_100_000 // len(filler)) + "The app keeps crashing.").strip()
    assert len(long_text) > 1_000_000
    csv = comments(tmp_path / "c.csv", 3, extra=[{"id": "long", "text": long_text, "nps": 2}])
    out = tmp_path / "out"
    proc = cxaudit(*table_args(csv, out))
    assert proc.returncode == 0, proc.stderr
    assert "E088" not in proc.stderr
    assert set(read_table(out, "documents")["doc_id"]) == {"k0", "k1", "k2", "long"}
    turn = read_table(out, "turns").set_index("doc_id").loc["long", "text"]
    sents = read_table(out, "sentences").query("doc_id == 'long'")
    assert sents["sentence_id"].is_unique
    assert sents["end_char"].max() == len(turn) > 1_000_000  # offsets index the whole turn
    for row in sents.iloc[[0, len(sents) // 2, -1]].itertuples():
        assert turn[row.start_char:row.end_char] == row.text
    tags = read_table(out, "tags").merge(sents[["sentence_id", "text"]], on="sentence_id")
    assert {"The staff were rude.", "The app keeps crashing."} <= set(tags["text"])  # first and last piece
    for row in tags.dropna(subset=["start_char"]).itertuples():
        assert row.text[row.start_char:row.end_char] == row.evidence


# -- 3. two runs on one results folder ----------------------------------------------------------------

@pytest.mark.slow
def test_faults_second_run_on_the_same_folder_is_refused_then_waits(tmp_path):
    csv = comments(tmp_path / "c.csv", 6000)
    out = tmp_path / "out"
    first = start(*table_args(csv, out))
    stopped = False
    try:
        assert wait_until(lambda: (out / ".cxaudit.lock.json").is_file(), 120)
        # freeze the first run while it holds the lock (a real SIGSTOP): the second run cannot arrive
        # after the first has finished, however fast the first run is on this machine
        os.kill(first.pid, signal.SIGSTOP)
        stopped = True
        assert first.poll() is None, "the first run finished before it could be stopped"
        holder = json.loads((out / ".cxaudit.lock.json").read_text())
        second = cxaudit(*table_args(csv, out))
        assert second.returncode == 3, second.stderr
        assert f"in use by another cxaudit run (PID {first.pid} " in second.stderr
        assert f"started {holder['started']}" in second.stderr
        waiting = start(*table_args(csv, out), "--wait", "600")
        time.sleep(1.0)  # the waiting run starts while the first is still frozen with the lock
        os.kill(first.pid, signal.SIGCONT)
        stopped = False
        waiting_err = waiting.communicate(timeout=600)[1]
    finally:
        if stopped:
            os.kill(first.pid, signal.SIGCONT)
        first.communicate(timeout=600)
    assert first.returncode == 0, first.stderr
    assert waiting.returncode == 0, waiting_err
    runs = read_table(out, "runs")
    assert len(runs) == 2  # the refused run wrote nothing; the waiting one ran after the first
    assert not (out / ".cxaudit.lock.json").exists() and debris(out) == []


# -- 4. file names with glob characters -------------------------------------------------------------

def test_faults_file_names_with_glob_characters_are_read_as_written(tmp_path):
    folder = tmp_path / "round [1]"
    folder.mkdir()
    (folder / "Interview [p01].txt").write_text(INTERVIEW.format(name="Maria"), encoding="utf-8")
    for n, path in enumerate([folder / "Interview [p01].txt", folder, folder / "*.txt"]):
        out = tmp_path / f"out{n}"
        proc = cxaudit("run", path, *QUICK, "--out", out)
        assert proc.returncode == 0, (path, proc.stderr)
        assert [d.rsplit("/", 1)[-1] for d in read_table(out, "documents")["doc_id"]] == ["Interview [p01]"]


# -- 5. usage errors ------------------------------------------------------------------------------------

def test_faults_usage_errors_exit_1_and_write_nothing(tmp_path):
    (tmp_path / "-leading-dash.txt").write_text(INTERVIEW.format(name="Maria"), encoding="utf-8")
    proc = cxaudit("run", "--bogus-option", tmp_path, "--out", tmp_path / "o1")
    assert proc.returncode == 1 and "No such option: --bogus-option" in proc.stderr
    proc = cxaudit("run", "-leading-dash.txt", "--out", "o2", cwd=tmp_path)
    assert proc.returncode == 1
    assert "write it as ./-leading-dash.txt, or put -- before the file names" in proc.stderr
    assert cxaudit("nosuchcommand").returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["-leading-dash.txt"]
    proc = cxaudit("run", *QUICK, "--out", "o3", "--", "-leading-dash.txt", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


# -- 6./7. signals ---------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "Ctrl-C"])
def test_faults_signal_stops_the_run_and_its_workers(tmp_path, how):
    csv = comments(tmp_path / "c.csv", 200)
    out = tmp_path / "out"
    assert cxaudit(*table_args(csv, out)).returncode == 0
    before = md5(out / "cxaudit.duckdb")
    comments(csv, 30000)
    run = start(*table_args(csv, out), "--workers", "2", "--full")
    # main process, resource tracker, fork server and two workers, and the new store being written
    assert wait_until(lambda: len(session(run.pid)) >= 5 and list(out.glob(".cxaudit-*.duckdb.tmp")), 300), \
        session(run.pid)
    time.sleep(1.0)
    if how == "SIGKILL":
        os.kill(run.pid, signal.SIGKILL)
    elif how == "SIGTERM":  # what timeout, systemd and docker stop send, to the main process only
        os.kill(run.pid, signal.SIGTERM)
    else:  # a terminal sends SIGINT to the whole foreground process group
        os.killpg(run.pid, signal.SIGINT)
    try:
        _, stderr = run.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # say where it is stuck: SIGUSR2 prints every thread's stack (cxaudit run)
        os.kill(run.pid, signal.SIGUSR2)
        time.sleep(3)
        os.killpg(run.pid, signal.SIGKILL)
        _, stderr = run.communicate(timeout=30)
        pytest.fail(f"the run did not stop within 120 s of {how}; its threads then:\n{stderr[-6000:]}")
    assert wait_until(lambda: not session(run.pid), 30), f"left running: {session(run.pid)}"
    assert md5(out / "cxaudit.duckdb") == before
    if how == "SIGKILL":
        assert run.returncode == -signal.SIGKILL
        assert debris(out)  # nothing can clean up at that moment; the next run does
        proc = cxaudit(*[a for a in table_args(comments(csv, 300), out) if a != "--quiet"])
        assert proc.returncode == 0, proc.stderr
        assert f"taking over the lock of another cxaudit run (PID {run.pid} " in proc.stderr
    else:
        assert run.returncode == 130, stderr
        assert f"interrupted; the previous results in {out} are kept" in stderr
        assert "Traceback" not in stderr
    assert debris(out) == [] and not (out / ".cxaudit.lock.json").exists()


@pytest.mark.slow
def test_faults_sigusr2_prints_the_run_s_threads_and_the_run_goes_on(tmp_path):
    """``kill -USR2 PID`` on a run prints every thread's stack to stderr (where a run that seems stuck is)
    and the run finishes as usual."""
    csv = comments(tmp_path / "c.csv", 20000)
    out = tmp_path / "out"
    run = start(*table_args(csv, out), "--workers", "2")
    assert wait_until(lambda: list(out.glob(".cxaudit-*.duckdb.tmp")) or run.poll() is not None, 300)
    assert run.poll() is None, "the run ended before the signal could be sent"
    os.kill(run.pid, signal.SIGUSR2)
    _, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr
    assert "Current thread" in stderr and "File " in stderr, stderr[-2000:]
    assert (out / "cxaudit.duckdb").is_file()


# -- 7a. SIGKILL while the fork server is still starting ------------------------------------------------

RUN_A_POOL = """
import sys
from cxaudit.parallel import map_batches

if __name__ == "__main__":
    print("asking for workers", flush=True)
    for value in map_batches(abs, range(-8, 0), workers=2, preload=sys.argv[1].split(",")):
        print(value, flush=True)
"""


STOP_A_BUSY_POOL = """
import os, signal, sys
from cxaudit.parallel import map_batches
from big_result import big

if __name__ == "__main__":
    for trial in range(3):  # the consumer stops while workers send results (a generator closed early)
        results = map_batches(big, range(50), workers=2)
        next(results)
        results.close()
        print("closed", trial, flush=True)
    try:  # Ctrl-C, as a terminal sends it to the whole process group, while results are being sent
        for n, _ in enumerate(map_batches(big, range(10**6), workers=2)):
            if n == 1:
                os.killpg(0, signal.SIGINT)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
"""


def test_faults_pool_stopped_while_workers_send_results_does_not_hang(tmp_path):
    """A worker stopped in the middle of sending a result left half a message in the result pipe; the pool's
    manager thread waited for the rest for ever, and so did the run (CI, Ctrl-C of ``cxaudit run``: stuck in
    ``ProcessPoolExecutor.shutdown``). Results of 100 MB make the moment of stopping fall inside a send."""
    (tmp_path / "big_result.py").write_text("def big(i):\n    return b'x' * 100_000_000\n")
    (tmp_path / "stop_a_busy_pool.py").write_text(STOP_A_BUSY_POOL)
    run = subprocess.Popen([sys.executable, "stop_a_busy_pool.py"], cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = run.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        out, err = "", ""
    finally:
        for pid in session(run.pid):
            os.kill(pid, signal.SIGKILL)
    assert out == "closed 0\nclosed 1\nclosed 2\ninterrupted\n", (out, err[-3000:])
    assert run.returncode == 130, err[-3000:]
    assert wait_until(lambda: not session(run.pid), 30), f"left running: {session(run.pid)}"


@pytest.mark.parametrize("preload", ["cxaudit.run.die_with_run,slow_import", "slow_import,cxaudit.run.die_with_run"])
def test_faults_sigkill_while_the_fork_server_imports_leaves_no_process(tmp_path, preload):
    """The run's request for a worker, in flight on the fork server's socket while the server still imports,
    kept the server's "parent alive" pipe open: killed then, a run left its server and a worker behind, holding
    its stdout open (communicate() never returned). The server now dies with the run, or exits if the run is
    gone by the time it can ask (the second order: the guard after a slow import)."""
    (tmp_path / "slow_import.py").write_text("import time\ntime.sleep(4)\n")  # beside the script: on its path
    (tmp_path / "run_a_pool.py").write_text(RUN_A_POOL)
    run = subprocess.Popen([sys.executable, "run_a_pool.py", preload], cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert run.stdout.readline() == "asking for workers\n"
        assert wait_until(lambda: len(session(run.pid)) >= 3, 30), session(run.pid)  # run, resource tracker, server
        time.sleep(1.0)  # the server is importing slow_import; the run waits for its first worker's PID
        assert run.poll() is None
        os.kill(run.pid, signal.SIGKILL)
        out, _ = run.communicate(timeout=30)  # returns only when nothing holds the run's stdout and stderr
        assert run.returncode == -signal.SIGKILL and out == ""
        assert wait_until(lambda: not session(run.pid), 30), f"left running: {session(run.pid)}"
    finally:  # a failure leaves nothing running either
        for pid in session(run.pid):
            os.kill(pid, signal.SIGKILL)


def test_faults_fork_server_guard_does_nothing_outside_a_fork_server(tmp_path):
    """The guard acts only in a fork server: the run (its own PID in ``CXAUDIT_RUN_PID``) or any process that
    imports every module (a test, a documentation build) goes on, whatever PID the environment names."""
    code = "import cxaudit.run.die_with_run, os; print('alive', os.getpid())"
    for env_pid in ("self", "1", str(os.getpid()), "999999999"):
        env = {**os.environ}
        script = code if env_pid != "self" else f"import os; os.environ['CXAUDIT_RUN_PID'] = str(os.getpid()); {code}"
        if env_pid != "self":
            env["CXAUDIT_RUN_PID"] = env_pid
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout.startswith("alive"), (env_pid, proc.returncode, proc.stderr)


# -- 7b. SIGKILL while a rerun writes the changed rows ------------------------------------------------

def store_tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every table of the store (it must open), rows in a fixed order, as strings."""
    import duckdb

    con = duckdb.connect(str(out / "cxaudit.duckdb"), read_only=True)
    try:
        frames = {}
        for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            df = con.execute(f'SELECT * FROM "{name}"').df().astype("string").fillna("<NA>")
            frames[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
        return frames
    finally:
        con.close()


def same_tables(a: dict, b: dict, skip=()) -> bool:
    return sorted(a) == sorted(b) and all(a[k].equals(b[k]) for k in a if k not in skip)


@pytest.mark.slow
def test_faults_sigkill_during_a_rerun_that_writes_changed_rows_leaves_the_old_or_the_new_store(tmp_path):
    csv = comments(tmp_path / "c.csv", 3000)
    out = tmp_path / "out"
    assert cxaudit(*table_args(csv, out)).returncode == 0
    old, old_md5 = store_tables(out), md5(out / "cxaudit.duckdb")
    frame = pd.read_csv(csv)
    frame.loc[7, "text"] = "the staff were rude. the app keeps crashing."  # one comment edited
    frame.to_csv(csv, index=False)
    states = []
    for delay in (0.0, 0.5, 1.5, 3.0, 6.0):  # from the copy's creation on: analysis, rows, compare, commit
        run = start(*table_args(csv, out))
        assert wait_until(lambda: list(out.glob(".cxaudit-*.duckdb.tmp")) or run.poll() is not None, 300)
        time.sleep(delay)
        if run.poll() is None:
            os.kill(run.pid, signal.SIGKILL)
        run.communicate(timeout=120)
        states.append((delay, run.returncode, md5(out / "cxaudit.duckdb"), store_tables(out)))
        if run.returncode == 0:
            break  # finished before the kill: the store is the new one
    done = cxaudit(*table_args(csv, out), "--verbose")
    assert done.returncode == 0, done.stderr
    new = store_tables(out)
    assert not same_tables(old, new, skip=("runs", "meta"))
    for delay, code, digest, tables in states:
        if same_tables(tables, old):  # the old store, byte for byte: the live file was never written
            assert digest == old_md5, delay
        else:  # else the new store, every table (but its own run's row and id)
            assert same_tables(tables, new, skip=("runs", "meta")), f"a mixed store after SIGKILL at +{delay} s"
    # the path under test: every killed run started from the old store, with one comment changed, so it
    # wrote only the changed rows; the one that got as far as the rename says so in its row of runs
    renamed = [tables for _, _, _, tables in states if not same_tables(tables, old)]
    if renamed:
        assert renamed[0]["runs"].sort_values("started_at")["store_written"].tolist()[-1] == "changed rows"
    else:
        assert new["runs"].sort_values("started_at")["store_written"].tolist()[-1] == "changed rows"
    assert any(code == -signal.SIGKILL for _, code, _, _ in states)
    assert debris(out) == [] and not (out / ".cxaudit.lock.json").exists()


# -- 8. full disk ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_faults_full_disk_keeps_previous_results_and_removes_debris(tmp_path, tmpfs):
    disk = tmpfs("12m")
    out = disk / "out"
    assert cxaudit(*table_args(comments(tmp_path / "small.csv", 2000), out)).returncode == 0
    before = md5(out / "cxaudit.duckdb")
    proc = cxaudit(*table_args(comments(tmp_path / "big.csv", 20000), out))
    assert proc.returncode == 4, proc.stderr
    assert f"error: the disk holding {out} is full: this run needs more than the " in proc.stderr
    assert "The previous results are unchanged" in proc.stderr and "Traceback" not in proc.stderr
    assert md5(out / "cxaudit.duckdb") == before and debris(out) == []
    assert sorted(p.name for p in out.iterdir()) == [".cxaudit-rerun.json", ".cxaudit.lock", "cxaudit.duckdb", "rejected.csv"]


@pytest.mark.slow
def test_faults_full_disk_without_previous_results_leaves_nothing(tmp_path, tmpfs):
    disk = tmpfs("3m")
    free = shutil.disk_usage(disk).free
    out = disk / "out"
    proc = cxaudit(*table_args(comments(tmp_path / "c.csv", 3000), out))
    assert proc.returncode == 4, proc.stderr
    assert f"the disk holding {out} is full" in proc.stderr and "Traceback" not in proc.stderr
    assert list(disk.iterdir()) == [] and shutil.disk_usage(disk).free == free
    # the next run fails the same clear way, not with another traceback
    proc = cxaudit(*table_args(tmp_path / "c.csv", out))
    assert proc.returncode == 4 and "is full" in proc.stderr and "Traceback" not in proc.stderr


# -- 9. XLSX formulas without saved values ----------------------------------------------------------------

def test_faults_xlsx_formula_without_saved_value_has_its_reason(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "text", "nps"])
    ws.append(["a", "The staff were rude.", 3])
    ws.append(["b", '=CONCATENATE("The app ", "crashed.")', 5])  # openpyxl saves no computed value
    ws.append(["c", None, 9])
    wb.save(tmp_path / "survey.xlsx")
    out = tmp_path / "out"
    proc = cxaudit(*table_args(tmp_path / "survey.xlsx", out))
    assert proc.returncode == 2
    reason = ("formula without a saved value in column 'text': open and save the file in Excel, or export "
              "the sheet as CSV; row skipped")
    assert f"{tmp_path / 'survey.xlsx'}:3: {reason}" in proc.stderr
    assert pd.read_csv(out / "rejected.csv")[["line", "reason"]].values.tolist() == [[3, reason]]
    assert sorted(read_table(out, "documents")["doc_id"]) == ["a", "c"]  # c: an answer without a comment


# -- 10. configuration mistakes ----------------------------------------------------------------------------

def test_faults_configuration_errors_exit_1_and_change_nothing(tmp_path):
    csv = comments(tmp_path / "c.csv", 20)
    out = tmp_path / "out"
    assert cxaudit(*table_args(csv, out)).returncode == 0
    listing = sorted(p.name for p in out.iterdir())
    before = md5(out / "cxaudit.duckdb")
    cases = [
        (["run", csv, "--text-column", "comment", *QUICK, "--out", out], "missing text column 'comment'; columns are: id, text, nps"),
        (["run", tmp_path / "missing.csv", "--text-column", "text", *QUICK, "--out", out], "missing.csv: no such file or folder"),
        (["run", csv, *QUICK, "--out", out], "no text_column set for this table input"),
        (["run", csv, "--text-column", "text", "--model", "no_such_model", "--no-redact", "--out", out],
         "spaCy pipeline 'no_such_model' is not installed"),
    ]
    for args, message in cases:
        proc = cxaudit(*args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert message in proc.stderr and "Nothing was written" in proc.stderr
        assert f"The previous results in {out} are untouched" in proc.stderr
        assert md5(out / "cxaudit.duckdb") == before and sorted(p.name for p in out.iterdir()) == listing
    assert len(read_table(out, "runs")) == 1
    proc = cxaudit("run", csv, "--text-column", "comment", *QUICK, "--out", tmp_path / "new")
    assert proc.returncode == 1 and not (tmp_path / "new").exists() and not (tmp_path / "new-private").exists()


# -- empty answers -----------------------------------------------------------------------------------------

def test_faults_empty_answers_are_documents_whose_scores_count(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("id,text,nps,segment\na,The staff were rude.,2,Retail\nb,,10,Retail\nc,,9,Business\n"
                   "d,Lovely branch.,7,Business\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = cxaudit("run", csv, "--text-column", "text", "--id-column", "id", "--score-column", "nps",
                   "--meta-column", "segment", "--model", "blank", "--no-redact", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "2 empty answers (a score or metadata without a comment): stored, their scores count" in proc.stdout
    assert pd.read_csv(out / "rejected.csv").empty
    docs = read_table(out, "documents").set_index("doc_id")
    assert docs.loc[["b", "c"], "score"].tolist() == [10.0, 9.0]
    assert read_table(out, "turns").set_index("doc_id").loc[["b", "c"], "text"].tolist() == ["", ""]
    nps = read_table(out, "nps")
    overall = nps[nps["n"] == 4]
    assert len(overall) >= 1 and overall["nps"].iloc[0] == pytest.approx(25.0)  # 2 promoters, 1 detractor of 4
    assert read_table(out, "runs")["n_empty"].tolist() == [2]


# -- the redaction map stays out of the shareable results folder ---------------------------------------------

@pytest.mark.slow
def test_faults_redaction_map_is_kept_beside_the_results_never_inside(tmp_path):
    inputs = tmp_path / "interviews"
    inputs.mkdir()
    secret = "maria.lopez@example.com"
    (inputs / "maria.txt").write_text(INTERVIEW.format(name="Maria Lopez") + f"Maria Lopez: Write to {secret}.\n",
                                      encoding="utf-8")
    out = tmp_path / "results"
    proc = cxaudit("run", inputs, "--model", "blank", "--out", out)
    assert proc.returncode == 0, proc.stderr
    private = tmp_path / "results-private"
    assert f"redaction map (keep it private, do not share): {private / 'redaction-map.csv'}" in proc.stdout
    assert secret in (private / "redaction-map.csv").read_text()
    assert not (out / "private").exists()
    for path in [p for p in out.rglob("*") if p.is_file()]:
        assert secret.encode() not in path.read_bytes(), path
    assert cxaudit("export", out, "--format", "csv", "--out", tmp_path / "csv").returncode == 0
    assert cxaudit("report", out, "--out", tmp_path / "report.html").returncode == 0
    for path in [*(tmp_path / "csv").iterdir(), tmp_path / "report.html"]:
        assert secret.encode() not in path.read_bytes() and b"Maria Lopez" not in path.read_bytes(), path
    # a results folder from an older version (map inside it): moved out on the next run, pseudonyms kept
    (out / "private").mkdir()
    shutil.move(private / "redaction-map.csv", out / "private" / "redaction-map.csv")
    shutil.rmtree(private)
    speakers = set(read_table(out, "turns")["speaker"].dropna())
    (inputs / "tom.txt").write_text(INTERVIEW.format(name="Tom"), encoding="utf-8")
    assert cxaudit("run", inputs, "--model", "blank", "--out", out).returncode == 0
    assert not (out / "private").exists() and secret in (private / "redaction-map.csv").read_text()
    assert speakers <= set(read_table(out, "turns")["speaker"].dropna())
