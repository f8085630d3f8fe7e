"""A rerun analyses what changed in a worker that loaded spaCy while the run read its inputs (issue 20).

The run's own process never imports spaCy on that path; the results are those of a run from scratch;
a worker that fails leaves the batches to the run's process; spaCy imported without its command line
analyses exactly as spaCy imported whole; the motif words are checked against the same feelings table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from test_rerun import assert_same_tables, tables

AUDIT = """name: Worker rerun
wave: W1
model: blank
redact: false
codebooks: [carbone-clues, touchpoints]
desired: desired.yml
inputs:
  - path: interviews
    kind: interview
"""
DESIRED = "motif: [reassured, valued, effortless]\n"
TRANSCRIPTS = {
    "p01.txt": "Interviewer: How was the branch?\nAna: The staff were rude and the queue was far too long.\n"
               "Ana: The app is easy to use though, I like it.\n",
    "p02.txt": "Interviewer: And the bill?\nBen: They charged me twice and nobody called me back.\n",
    "p03.txt": "Interviewer: Anything else?\nCai: The website kept crashing when I paid my bill.\n",
    "p04.txt": "Interviewer: And the adviser?\nDee: She listened and explained everything clearly, I felt valued.\n",
}

#: runs the command line in this interpreter and says afterwards whether spaCy was imported here, and for
#: each start of the fork server, whether pandas was imported by then (the stages import it)
IN_PROCESS = textwrap.dedent("""
    import json, runpy, sys
    from cxaudit.run import warm
    if __name__ == "__main__":
        sys.argv = ["cxaudit", *sys.argv[1:]]
        starts, start = [], warm.start
        def counted(*args, **kwargs):
            starts.append({"pandas": "pandas" in sys.modules, "pipeline": [args[0], list(args[1])]})
            return start(*args, **kwargs)
        warm.start = counted
        code = 0
        try:
            runpy.run_module("cxaudit", run_name="__main__")
        except SystemExit as exc:
            code = exc.code or 0
        print(json.dumps({"code": code, "spacy": "spacy" in sys.modules, "starts": starts}))
""")


def write_audit(folder: Path) -> Path:
    (folder / "interviews").mkdir(parents=True)
    for name, text in TRANSCRIPTS.items():
        (folder / "interviews" / name).write_text(text, encoding="utf-8")
    (folder / "desired.yml").write_text(DESIRED, encoding="utf-8")
    (folder / "audit.yml").write_text(AUDIT, encoding="utf-8")
    old = time.time() - 5  # a rerun does not trust files changed within a second of its snapshot
    for p in folder.rglob("*"):
        os.utime(p, (old, old))
    return folder / "audit.yml"


def run_cli(*args, script: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(script)] if script else [sys.executable, "-m", "cxaudit"]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_rerun_worker_edit_is_analysed_in_a_worker_and_equals_a_run_from_scratch(tmp_path):
    audit = write_audit(tmp_path / "audit")
    out, scratch = tmp_path / "results", tmp_path / "scratch"
    first = run_cli("run", audit, "--out", out, "--quiet")
    assert first.returncode == 0, first.stderr
    p02 = tmp_path / "audit" / "interviews" / "p02.txt"
    p02.write_text(p02.read_text(encoding="utf-8").replace("called me back", "called me back, twice"),
                   encoding="utf-8")
    script = tmp_path / "in_process.py"
    script.write_text(IN_PROCESS, encoding="utf-8")
    rerun = run_cli("run", audit, "--out", out, "--verbose", script=script)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and report["spacy"] is False, rerun.stderr  # analysed, but not in this process
    # the fork server was started with the previous run's pipeline before any stage (and pandas) was imported
    assert report["starts"][0] == {"pandas": False, "pipeline": ["blank", ["carbone-clues", "touchpoints"]]}
    assert "(1 analysed, 3 unchanged, 0 removed)" in rerun.stdout
    assert "compare helper" in rerun.stderr  # forked for the compare stage (used, or not ready and stopped)
    assert run_cli("run", audit, "--out", scratch, "--quiet").returncode == 0
    incremental = tables(out)
    assert_same_tables(incremental, tables(scratch), skip={"runs", "meta", "file_state"})
    assert "twice" in " ".join(incremental["sentences"]["text"])
    runs = incremental["runs"]
    assert sorted(runs["n_analysed"]) == ["1", "4"] and sorted(runs["store_written"]) == ["changed rows", "whole"]


def test_rerun_worker_failure_leaves_the_batches_to_this_process(monkeypatch):
    """The worker dies after its first batch: the other batches are analysed here, none twice."""
    from cxaudit.parallel import WorkerError
    from cxaudit.run import engine

    spec = engine.PipelineSpec(model="blank", codebooks=("carbone-clues",))
    turns = pd.DataFrame({"doc_id": ["a", "b", "c"], "turn_id": [0, 0, 0], "role": ["participant"] * 3,
                          "text": ["The staff were rude.", "The app is easy to use.", "They charged me twice."]})

    def worker_dies_after_one(func, items, **kwargs):
        assert kwargs["workers"] == 1 and kwargs["in_process"] is False
        yield func(next(iter(items)))  # the first batch, really analysed (here)
        raise WorkerError("a worker process died")

    monkeypatch.setattr("cxaudit.parallel.map_batches", worker_dies_after_one)
    monkeypatch.setattr(engine, "_WARMED", [engine._pipeline_key(spec)])
    monkeypatch.setattr(engine, "_NLP_CACHE", {})  # the pipeline is not in this process
    out = list(engine.process(turns, spec, workers=1, batch_size=1))
    assert engine._WARMED == []  # later runs of this process analyse here
    expected = [engine.process_batch(turns.iloc[[i]].reset_index(drop=True), spec) for i in range(3)]
    assert len(out) == 3
    for got, want in zip(out, expected):
        pd.testing.assert_frame_equal(got.sentences, want.sentences)
        pd.testing.assert_frame_equal(got.tags, want.tags)


def test_rerun_worker_only_when_this_run_started_the_fork_server(monkeypatch):
    from cxaudit.run import engine

    spec = engine.PipelineSpec(model="blank", codebooks=("touchpoints",))
    key = engine._pipeline_key(spec)
    monkeypatch.setattr(engine, "_WARMED", [])
    monkeypatch.setattr(engine, "_NLP_CACHE", {})
    assert not engine._in_warm_worker(spec, "local", 1)  # no fork server of this run: analysed here
    monkeypatch.setattr(engine, "_WARMED", [key])
    assert engine._in_warm_worker(spec, "local", 1)
    assert engine._in_warm_worker(engine.PipelineSpec(model="blank", codebooks=("touchpoints",), tagger="t"),
                                  "local", 1)  # the tagger is loaded by the worker too
    assert not engine._in_warm_worker(spec, "dask", 1)
    assert not engine._in_warm_worker(spec, "local", 2)  # a pool of workers: the usual path
    monkeypatch.setattr(engine, "_NLP_CACHE", {spec: object()})
    assert not engine._in_warm_worker(spec, "local", 1)  # the pipeline is here already


LEAN_OR_WHOLE = textwrap.dedent("""
    import json, sys
    if sys.argv[1] == "whole":
        import spacy  # with spacy.cli, as any program would
    import pandas as pd
    from cxaudit.run import engine
    turns = pd.DataFrame({"doc_id": ["a", "b"], "turn_id": [0, 0], "role": ["participant"] * 2,
                          "text": ["The staff were rude but the app is easy to use, I love it.",
                                   "They charged me twice and nobody called me back!"]})
    t = engine.process_batch(turns, engine.PipelineSpec(model="blank", codebooks=("carbone-clues", "touchpoints")))
    print(json.dumps({"cli": "spacy.cli" in sys.modules,
                      "tables": [t.sentences.astype(str).values.tolist(), t.feelings.astype(str).values.tolist(),
                                 t.tags.astype(str).values.tolist()]}))
""")


@pytest.mark.slow
def test_rerun_worker_spacy_without_its_command_line_analyses_the_same(tmp_path):
    script = tmp_path / "lean_or_whole.py"
    script.write_text(LEAN_OR_WHOLE, encoding="utf-8")
    env = {**os.environ, "CXAUDIT_PIPELINE_CACHE": "0"}  # both build the pipeline, nothing unpickled
    got = {}
    for how in ("lean", "whole"):
        proc = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True, env=env,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr
        got[how] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["lean"]["cli"] is False and got["whole"]["cli"] is True
    assert got["lean"]["tables"] == got["whole"]["tables"] and got["lean"]["tables"][2]  # tags found


def test_rerun_worker_spacy_import_leaves_nothing_missing():
    code = textwrap.dedent("""
        import sys
        from cxaudit.run.spacy_import import import_spacy
        spacy = import_spacy()
        assert "spacy.cli" not in sys.modules and "spacy.cli.info" not in sys.modules
        assert [t.text for t in spacy.blank("en")("Hello there!")] == ["Hello", "there", "!"]
        assert "spaCy version" in spacy.info(markdown=True)
        from spacy.cli import download
        assert spacy.cli.download is download and callable(download)
        assert import_spacy() is spacy
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_rerun_worker_fork_server_does_not_load_the_ingest_stage():
    """The worker's fork server imports the analysis, not the ingest stage (its transcript parsers'
    expressions cost 0.045 s on the critical path of an edited transcript's rerun); long texts are cut
    by ``cxaudit._pieces``, which both stages share."""
    code = textwrap.dedent("""
        import importlib, sys
        from cxaudit.run.warm import WORKER_PRELOAD
        for name in WORKER_PRELOAD:
            importlib.import_module(name)
        assert "cxaudit.ingest" not in sys.modules, sorted(m for m in sys.modules if m.startswith("cxaudit.ingest"))
        from cxaudit.run.engine import text_pieces
        from cxaudit.ingest.base import text_pieces as ingest_pieces
        assert text_pieces is ingest_pieces
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "CXAUDIT_PRELOAD_PIPELINE"})
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_rerun_worker_feelings_table_is_the_lexicon_of_the_language_stage():
    from cxaudit._feelings import feelings_table
    from cxaudit.nlp.feelings import load_feelings

    table = feelings_table()
    pd.testing.assert_frame_equal(table, load_feelings())
    assert {"feeling", "axis", "pole", "forms"} <= set(table.columns) and len(table) >= 2


WARM_UP = textwrap.dedent("""
    import json, sys
    import cxaudit.nlp.lexicon as lx
    calls = []
    load = lx.load_lexicon
    def counting(name):
        calls.append(name)
        return load(name)
    lx.load_lexicon = counting
    from cxaudit.run import engine
    import pandas as pd
    spec = engine.PipelineSpec(model="blank", codebooks=("carbone-clues",))
    engine.build(spec)
    built = calls.count("cx_sentiment.yml")
    engine.warm_up(spec)
    warmed = calls.count("cx_sentiment.yml")
    turns = pd.DataFrame({"doc_id": ["d"], "turn_id": [0], "speaker": [None], "role": ["participant"],
                          "start_s": [None], "end_s": [None], "line": [1],
                          "text": ["The staff were rude but the app is great. I waited 40 minutes."]})
    t = engine.process_batch(turns, spec)
    print(json.dumps({"built": built, "warm_up": warmed - built, "after": calls.count("cx_sentiment.yml") - warmed,
                      "tags": t.tags.astype(str).values.tolist(), "sentences": t.sentences.astype(str).values.tolist()}))
""")


@pytest.mark.slow
def test_rerun_worker_warm_up_reads_the_rules_once_and_changes_no_row(tmp_path):
    """The fork server's warm-up (engine.warm_up) reads cx_sentiment.yml's rules once, for every rule that
    uses them (each rule read the file on its first call before: four reads in each analysing process),
    and a batch analysed after it reads nothing more and gives the rows of a process that analyses it first.
    The pipeline comes from the cache, as in a rerun: unpickling it reads no lexicon."""
    script = tmp_path / "warm.py"
    script.write_text(WARM_UP, encoding="utf-8")
    env = {**os.environ, "CXAUDIT_PIPELINE_CACHE": str(tmp_path / "cache")}

    def run(source: str) -> dict:
        script.write_text(source, encoding="utf-8")
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    run(WARM_UP)  # builds the pipeline and caches it
    assert list((tmp_path / "cache").glob("*.pkl"))
    got = run(WARM_UP)
    assert (got["built"], got["warm_up"], got["after"]) == (0, 1, 0)
    first = run(WARM_UP.replace("engine.warm_up(spec)", "pass"))
    assert (first["built"], first["after"]) == (0, 1)  # without the warm-up the first batch reads them, once
    assert got["tags"] == first["tags"] and got["sentences"] == first["sentences"] and got["tags"]



def _compare_frames(folder: Path):
    """The compare stage's frames of a small generated store (as a run reads them)."""
    from _compare_helpers import store_audit
    from cxaudit.compare.store import read_compare_frames
    from cxaudit.store import connect, write_tables

    docs, sents, tags_, feelings_ = store_audit(seed=4)
    write_tables(folder, {"documents": docs, "sentences": sents, "tags": tags_, "feelings": feelings_})
    with connect(folder) as con:
        return read_compare_frames(con)


@pytest.mark.slow
def test_rerun_worker_compare_helper_computes_the_tables_of_this_process(tmp_path):
    """The helper forked from the fork server computes its compare tables from the frames it is sent, the
    same as this process computes them, to the bit; a helper still loading is not used, and stopped."""
    import warnings

    from cxaudit.compare import compare
    from cxaudit.compare.desired import Desired
    from cxaudit.run.compare_helper import HELPER_TABLES, CompareHelper

    frames = _compare_frames(tmp_path)
    desired = Desired(lenses=("carbone-clues", "touchpoints"), default_target=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = compare(*frames, desired, tables=HELPER_TABLES)
    helper = CompareHelper.start()
    assert helper is not None
    try:
        helper._loaded.result(timeout=120)  # loaded (a run does not wait: see below)
        got = CompareHelper.result(helper.submit(frames, desired, {}))
    finally:
        helper.close()
    assert got is not None and list(got) == list(HELPER_TABLES)
    for name in HELPER_TABLES:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)

    helper = CompareHelper.start()
    assert helper is not None
    helper._loaded = __import__("concurrent.futures").futures.Future()  # as if still loading
    assert helper.submit(frames, desired, {}) is None  # the run computes every table itself
    assert helper._closed
    assert CompareHelper.result(None) is None


def test_rerun_worker_while_waiting_runs_once_the_first_batch_is_handed_over(monkeypatch):
    """The compare helper is forked when the analysis has gone to the warm worker, not before."""
    from cxaudit.run import engine

    spec = engine.PipelineSpec(model="blank", codebooks=("carbone-clues",))
    turns = pd.DataFrame({"doc_id": ["a", "b"], "turn_id": [0, 0], "role": ["participant"] * 2,
                          "text": ["The staff were rude.", "They charged me twice."]})
    events = []

    def pool(func, items, **kwargs):
        for item in items:
            events.append(("submitted", item[0]["doc_id"].iloc[0]))
            yield engine.Tables.from_tuples([], [], [])

    monkeypatch.setattr("cxaudit.parallel.map_batches", pool)
    monkeypatch.setattr(engine, "_WARMED", [engine._pipeline_key(spec)])
    monkeypatch.setattr(engine, "_NLP_CACHE", {})
    list(engine.process(turns, spec, workers=1, batch_size=1, while_waiting=lambda: events.append("waiting")))
    assert events == [("submitted", "a"), "waiting", ("submitted", "b")]
