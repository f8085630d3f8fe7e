"""The whole run: ingest → analyse → tag → compare → store, incremental reruns, and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from cxaudit.config import load_audit
from cxaudit.run.pipeline import run_audit
from cxaudit.store import list_tables, read_table

INTERVIEW = """Interviewer: Can you tell me about the last time you called the bank?
Maria: I was on hold for forty minutes and then they transferred me twice. The agent was rude.
Interviewer: And the branch?
Maria: The branch staff were lovely and really friendly. But the queue was out the door.
Maria: I wish they would answer the phone faster.
"""

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
<v Moderator>How was the app?</v>

2
00:00:05.000 --> 00:00:09.000
<v Tom>The app keeps crashing when I try to pay a bill.</v>

3
00:00:09.500 --> 00:00:12.000
<v Tom>They charged me twice and nobody got back to me.</v>
"""

COMMENTS = """id,comment,nps,segment
c1,"Great staff, very helpful and kind.",10,Retail
c2,The fees are far too high for what you get.,3,Retail
c3,,5,Business
c4,App is easy to use.,9,Business
"""


def make_audit(root, *, extra=""):
    (root / "interviews").mkdir(parents=True, exist_ok=True)
    (root / "interviews" / "maria.txt").write_text(INTERVIEW, encoding="utf-8")
    (root / "interviews" / "tom.vtt").write_text(VTT, encoding="utf-8")
    (root / "comments.csv").write_text(COMMENTS, encoding="utf-8")
    (root / "audit.yml").write_text(f"""
name: Tiny audit
wave: W1
model: blank
redact: false
inputs:
  - path: interviews
    kind: interview
  - path: comments.csv
    kind: comment
    text_column: comment
    id_column: id
    score_column: nps
    meta_columns: [segment]
{extra}""", encoding="utf-8")
    return root / "audit.yml"


@pytest.fixture
def tiny(tmp_path):
    audit = make_audit(tmp_path / "audit")
    out = tmp_path / "out"
    result = run_audit(load_audit(audit), out)
    return audit, out, result


def tables(out):
    return {name: read_table(out, name) for name in ("documents", "turns", "sentences", "feelings", "tags")}


def test_pipeline_fills_every_table(tiny):
    audit, out, result = tiny
    assert {"documents", "turns", "sentences", "feelings", "tags", "gaps", "rejected", "runs"} <= set(list_tables(out))
    t = tables(out)
    # c3 has a score but no comment: a document without text, counted as an empty answer, not rejected
    assert set(t["documents"]["doc_id"]) == {"interviews/maria", "interviews/tom", "c1", "c2", "c3", "c4"}
    assert t["turns"].set_index("doc_id").loc["c3", "text"] == "" and "c3" not in set(t["sentences"]["doc_id"])
    roles = t["turns"].groupby("speaker")["role"].first().to_dict()
    assert roles["Interviewer"] == "interviewer" and roles["Maria"] == "participant" and roles["Tom"] == "participant"
    # interviewer turns are kept as context but never analysed
    interviewer_turns = t["turns"].loc[t["turns"]["role"] == "interviewer", ["doc_id", "turn_id"]]
    analysed = t["sentences"][["doc_id", "turn_id"]].drop_duplicates()
    assert interviewer_turns.merge(analysed).empty
    assert set(t["tags"]["clue_type"]) >= {"functional", "mechanic", "humanic"}
    # evidence offsets point into the sentence text
    merged = t["tags"].dropna(subset=["start_char"]).merge(t["sentences"][["sentence_id", "text"]], on="sentence_id")
    for row in merged.itertuples():
        assert row.text[row.start_char:row.end_char] == row.evidence
    assert result.n_rejected == 0 and result.exit_code == 0 and result.n_empty == 1
    assert pd.read_csv(out / "rejected.csv").empty
    runs = read_table(out, "runs")
    assert len(runs) == 1 and runs["n_empty"].tolist() == [1]
    nps = read_table(out, "nps")
    assert (nps["n"] == 4).any(), nps  # c3's score counts: four respondents
    assert {"dash_mentions", "dash_cube", "dash_info"} <= set(list_tables(out))  # the dashboard opens fast


def test_pipeline_rerun_without_changes_reuses_everything(tiny):
    audit, out, first = tiny
    before = tables(out)
    before_compare = {name: read_table(out, name) for name in ("gaps", "motif", "nps", "drivers", "clue_map")}
    second = run_audit(load_audit(audit), out)
    assert second.n_analysed == 0 and second.n_reused == first.n_documents
    after = tables(out)
    for name in before:
        key = [c for c in before[name].columns if c.endswith("_id")] or list(before[name].columns)
        pd.testing.assert_frame_equal(
            before[name].sort_values(list(before[name].columns)).reset_index(drop=True),
            after[name].sort_values(list(after[name].columns)).reset_index(drop=True),
        )
    for name, df in before_compare.items():  # bootstrap intervals included: same rows, same order
        pd.testing.assert_frame_equal(read_table(out, name), df)
    assert len(read_table(out, "runs")) == 2


def test_pipeline_rerun_analyses_only_changed_and_drops_removed(tiny):
    audit, out, first = tiny
    root = audit.parent
    (root / "interviews" / "maria.txt").write_text(INTERVIEW.replace("lovely", "awful"), encoding="utf-8")
    (root / "interviews" / "tom.vtt").unlink()
    result = run_audit(load_audit(audit), out)
    assert result.n_analysed == 1 and result.n_removed == 1
    t = tables(out)
    assert "interviews/tom" not in set(t["sentences"]["doc_id"]) | set(t["tags"]["doc_id"])
    maria = " ".join(t["sentences"].loc[t["sentences"]["doc_id"] == "interviews/maria", "text"])
    assert "awful" in maria and "lovely" not in maria


def test_pipeline_full_reanalyses_everything(tiny):
    audit, out, first = tiny
    result = run_audit(load_audit(audit), out, full=True)
    assert result.n_reused == 0 and result.n_analysed == first.n_documents


def test_pipeline_bad_file_does_not_stop_the_run(tmp_path):
    audit = make_audit(tmp_path / "a")
    (tmp_path / "a" / "interviews" / "broken.docx").write_bytes(b"this is not a zip file")
    (tmp_path / "a" / "interviews" / "empty.txt").write_text("", encoding="utf-8")
    result = run_audit(load_audit(audit), tmp_path / "out")
    reasons = read_table(tmp_path / "out", "rejected")
    assert {p.rsplit("/", 1)[-1] for p in reasons["path"]} >= {"broken.docx", "empty.txt"}
    assert "interviews/maria" in set(read_table(tmp_path / "out", "documents")["doc_id"])
    assert result.exit_code == 2


def test_pipeline_redaction_keeps_map_private(tmp_path):
    audit = make_audit(tmp_path / "a")
    text = audit.read_text().replace("redact: false", "redact: true")
    audit.write_text(text)
    (tmp_path / "a" / "interviews" / "maria.txt").write_text(
        INTERVIEW + "Maria: Email me at maria.lopez@example.com or call 07700 900123.\n", encoding="utf-8")
    out = tmp_path / "out"
    run_audit(load_audit(audit), out)
    turns = read_table(out, "turns")
    joined = " ".join(turns["text"])
    assert "maria.lopez@example.com" not in joined and "07700 900123" not in joined
    assert "Maria" not in set(turns["speaker"].dropna())
    assert not (out / "private").exists()  # the shareable results folder holds no real names
    mapping = pd.read_csv(tmp_path / "out-private" / "redaction-map.csv")
    assert "maria.lopez@example.com" in set(mapping["value"])


@pytest.mark.slow
def test_pipeline_dask_engine_gives_identical_tables(tmp_path):
    pytest.importorskip("distributed")
    audit = make_audit(tmp_path / "a")
    run_audit(load_audit(audit), tmp_path / "local")
    run_audit(load_audit(audit), tmp_path / "dask", engine="dask", workers=2)
    for name in ("sentences", "feelings", "tags", "gaps"):
        local, dask = read_table(tmp_path / "local", name), read_table(tmp_path / "dask", name)
        pd.testing.assert_frame_equal(local.sort_values(list(local.columns)).reset_index(drop=True),
                                      dask.sort_values(list(dask.columns)).reset_index(drop=True))
    assert read_table(tmp_path / "dask", "runs")["engine"].tolist() == ["dask"]


def test_pipeline_waves_accumulate_in_one_store(tmp_path):
    """Each quarter's new transcripts run with their wave label; earlier waves stay in the store."""
    root = tmp_path / "a"
    make_audit(root)
    out = tmp_path / "out"
    q3 = load_audit(root / "audit.yml", wave="2026-Q3")
    q3.inputs = q3.inputs[:1]  # the interviews only
    run_audit(q3, out)
    (root / "q4").mkdir()
    (root / "q4" / "ana.txt").write_text(
        "Interviewer: How was the branch?\nAna: The staff were rude and the queue was long.\n", encoding="utf-8")
    q4 = load_audit(root / "audit.yml", wave="2026-Q4")
    q4.inputs = q4.inputs[:1]
    q4.inputs[0].path = str(root / "q4")
    result = run_audit(q4, out)
    docs = read_table(out, "documents")
    assert dict(zip(docs["doc_id"], docs["wave"])) == {
        "interviews/maria": "2026-Q3", "interviews/tom": "2026-Q3", "q4/ana": "2026-Q4"}
    assert result.kept_waves == ["2026-Q3"] and result.n_reused == 2 and result.n_analysed == 1
    assert set(read_table(out, "sentences")["doc_id"]) == set(docs["doc_id"])
    waves = read_table(out, "waves")
    assert len(waves) > 0
    # rerunning Q4 after deleting its transcript drops Q4 only
    (root / "q4" / "ana.txt").unlink()
    (root / "q4" / "ben.txt").write_text("Interviewer: And?\nBen: Fine.\n", encoding="utf-8")
    run_audit(q4, out)
    assert set(read_table(out, "documents")["doc_id"]) == {"interviews/maria", "interviews/tom", "q4/ben"}


def test_pipeline_incremental_results_equal_a_fresh_run(tiny, tmp_path):
    """Reused rows and new rows interleave in the store; every table, bootstrap intervals included,
    must be what a fresh run on the same inputs gives."""
    audit, out, first = tiny
    (audit.parent / "interviews" / "maria.txt").write_text(INTERVIEW.replace("rude", "patient"), encoding="utf-8")
    incremental = run_audit(load_audit(audit), out)
    assert incremental.n_reused > 0
    fresh_dir = tmp_path / "fresh"
    run_audit(load_audit(audit), fresh_dir)
    for name in ("sentences", "feelings", "tags", "gaps", "motif", "scorecards", "nps", "drivers", "clue_map"):
        a, b = read_table(out, name), read_table(fresh_dir, name)
        cols = list(a.columns)
        pd.testing.assert_frame_equal(a.sort_values(cols).reset_index(drop=True),
                                      b.sort_values(cols).reset_index(drop=True), obj=name, check_exact=True)


def test_pipeline_rerun_skips_unchanged_files_but_keeps_their_problems(tmp_path):
    audit = make_audit(tmp_path / "a")
    (tmp_path / "a" / "interviews" / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    first = run_audit(load_audit(audit), out)
    again = run_audit(load_audit(audit), out)
    assert first.n_files_reused == 0 and again.n_files_reused == 4  # maria, tom, empty, comments.csv
    assert again.n_rejected == first.n_rejected == 1  # still reported: the empty file
    assert again.exit_code == 2
    pd.testing.assert_frame_equal(read_table(out, "rejected").sort_values(["path", "line"]).reset_index(drop=True),
                                  pd.read_csv(out / "rejected.csv").astype({"line": "Int64", "path": "string",
                                              "reason": "string"}).sort_values(["path", "line"]).reset_index(drop=True))


def test_pipeline_rerun_rereads_files_whose_metadata_changed(tmp_path):
    root = tmp_path / "a"
    make_audit(root)
    (root / "people.csv").write_text("file,segment\nmaria.txt,Retail\ntom.vtt,Retail\n", encoding="utf-8")
    text = (root / "audit.yml").read_text().replace("    kind: interview\n", "    kind: interview\n    metadata: people.csv\n", 1)
    (root / "audit.yml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    run_audit(load_audit(root / "audit.yml"), out)
    (root / "people.csv").write_text("file,segment\nmaria.txt,Business\ntom.vtt,Retail\n", encoding="utf-8")
    (root / "interviews" / "tom.vtt").touch()  # a new mtime, same content
    result = run_audit(load_audit(root / "audit.yml"), out)
    docs = read_table(out, "documents").set_index("doc_id")
    assert docs.loc["interviews/maria", "segment"] == "Business"
    assert result.n_files_reused == 1  # only comments.csv; the interviews were read again …
    assert result.n_analysed == 0       # … but their text did not change, so nothing was re-analysed


def test_pipeline_compare_reused_only_when_nothing_it_reads_changed(tmp_path):
    root = tmp_path / "a"
    make_audit(root, extra="desired: desired.yml\n")
    (root / "desired.yml").write_text("motif: [valued, reassured, effortless]\ndefault_target: 0.5\n", encoding="utf-8")
    out = tmp_path / "out"
    first = run_audit(load_audit(root / "audit.yml"), out)
    gaps = read_table(out, "gaps")
    again = run_audit(load_audit(root / "audit.yml"), out)
    assert not first.compare_reused and again.compare_reused
    pd.testing.assert_frame_equal(read_table(out, "gaps"), gaps)
    assert {"dash_mentions", "dash_cube", "dash_info"} <= set(list_tables(out))
    (root / "desired.yml").write_text("motif: [valued, reassured, effortless]\ndefault_target: 0.9\n", encoding="utf-8")
    changed = run_audit(load_audit(root / "audit.yml"), out)
    assert not changed.compare_reused and changed.n_analysed == 0
    assert (read_table(out, "gaps")["desired"] == 0.9).all()


def test_pipeline_workers_default_to_one_for_small_runs(tiny):
    audit, out, result = tiny
    assert read_table(out, "runs")["workers"].tolist() == [1]


@pytest.mark.slow
def test_pipeline_workers_default_to_every_core_for_big_runs(tmp_path, monkeypatch):
    import os

    import cxaudit.run.analyse as analyse

    monkeypatch.setattr(analyse, "AUTO_PARALLEL_TURNS", 1)
    audit = make_audit(tmp_path / "a")
    run_audit(load_audit(audit), tmp_path / "out")
    assert read_table(tmp_path / "out", "runs")["workers"].tolist() == [os.cpu_count()]


def test_pipeline_doc_fingerprints_follow_the_documented_formula():
    import hashlib

    from cxaudit.run.fingerprints import doc_fingerprints
    from cxaudit.schemas import TURNS, conform

    turns = conform(pd.DataFrame({
        "doc_id": ["b", "a", "b", "c"], "turn_id": [0, 0, 1, 0], "speaker": ["Ann", None, "Bo", None],
        "role": ["participant", "participant", "interviewer", "unknown"], "text": ["hi", "x", "why?", "ok"]}), TURNS)
    fp = doc_fingerprints(turns, "S")
    sha = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    assert fp["doc_id"].tolist() == ["b", "a", "c"]  # first-appearance order
    assert fp["fingerprint"].tolist() == [
        sha("S" + "0\x1fAnn\x1fparticipant\x1fhi" + "\x1e" + "1\x1fBo\x1finterviewer\x1fwhy?"),
        sha("S0\x1f\x1fparticipant\x1fx"), sha("S0\x1f\x1funknown\x1fok")]
    one_turn_each = turns[turns["doc_id"] != "b"]
    assert doc_fingerprints(one_turn_each, "S")["fingerprint"].tolist() == fp["fingerprint"].tolist()[1:]


def test_pipeline_records_seconds_per_stage(tiny):
    import json

    _, out, result = tiny
    assert {"read", "fingerprint", "analyse", "store", "compare", "dashboard", "commit"} <= set(result.stage_seconds)
    assert all(v >= 0 for v in result.stage_seconds.values())
    stored = json.loads(read_table(out, "runs")["stage_seconds"].iloc[-1])
    assert stored["analyse"] == result.stage_seconds["analyse"]


def test_pipeline_progress_starts_at_zero_and_ends_at_the_total(tmp_path):
    audit = make_audit(tmp_path)
    calls = []
    result = run_audit(load_audit(audit), tmp_path / "results", progress=lambda done, total: calls.append((done, total)))
    total = calls[0][1]
    assert calls[0] == (0, total) and calls[-1] == (total, total) and total > 0  # the bar opens before the analysis
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert result.n_reused == 0
    again = []
    run_audit(load_audit(audit), tmp_path / "results", progress=lambda done, total: again.append((done, total)))
    assert again == []  # nothing to analyse: no bar
