"""The command line, end to end, as a user runs it (subprocesses of the installed console script)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cxaudit.store import read_table

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


def cxaudit(*args, check=True, **kw):
    cmd = [sys.executable, "-m", "cxaudit", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    if check and proc.returncode not in (0,):
        raise AssertionError(f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_cli_help_on_every_command():
    out = cxaudit("--help").stdout
    for command in ("run", "export", "codebook", "train", "agree", "dashboard", "report", "init", "demo"):
        assert command in out
        assert cxaudit(command, "--help").returncode == 0


@pytest.mark.slow
def test_cli_runs_the_sample_audit(tmp_path):
    out = tmp_path / "res"
    proc = cxaudit("run", "--config", SAMPLE / "audit.yml", "--out", out, check=False)
    # the sample deliberately holds one empty comment (R0073): an answer without a comment, stored with
    # its score (it counts in NPS), summarised, not rejected: exit 0
    assert proc.returncode == 0, proc.stderr
    assert "1 empty answer " in proc.stdout
    assert pd.read_csv(out / "rejected.csv").empty
    docs = read_table(out, "documents")
    r0073 = docs[docs["doc_id"] == "R0073"]
    assert len(r0073) == 1 and r0073["score"].notna().all()
    assert read_table(out, "turns").set_index("doc_id").loc["R0073", "text"] == ""
    assert not (out / "private").exists() and (tmp_path / "res-private" / "redaction-map.csv").is_file()
    interviews = docs[docs["kind"] == "interview"]
    assert len(interviews) >= 12 and (docs["kind"] == "comment").sum() >= 300
    turns = read_table(out, "turns")
    interview_turns = turns[turns["doc_id"].isin(interviews["doc_id"])]
    roles = {doc: set(group["role"]) for doc, group in interview_turns.groupby("doc_id")}
    assert len(roles) >= 12
    assert all(r == {"interviewer", "participant"} for r in roles.values()), roles
    tags = read_table(out, "tags")
    assert {"functional", "mechanic", "humanic"} <= set(tags["clue_type"])
    assert tags.loc[tags["codebook"] == "touchpoints", "code"].nunique() >= 5
    gaps = read_table(out, "gaps")
    assert len(gaps) > 0 and gaps["gap"].notna().any()
    # export works on the real store and is formula-safe
    cxaudit("export", out, "--format", "csv", "--out", tmp_path / "csv")
    exported = {p.stem for p in (tmp_path / "csv").iterdir()}
    assert {"documents", "turns", "sentences", "tags", "gaps", "runs"} <= exported
    assert not {n for n in exported if n.startswith("dash_") or n == "doc_state"}  # internal tables stay in
    comments = pd.read_csv(tmp_path / "csv" / "turns.csv")["text"].dropna()
    assert not comments.str.match(r"^[=+\-@]").any()


def test_cli_usage_errors_exit_1(tmp_path):
    bad = tmp_path / "audit.yml"
    bad.write_text("inputs: [a.txt]\nredact: maybe\n")
    proc = cxaudit("run", "--config", bad, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 1 and "redact" in proc.stderr
    proc = cxaudit("run", "--out", tmp_path / "o", check=False)
    assert proc.returncode == 1 and "no inputs" in proc.stderr


def test_cli_run_files_with_table_options(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("rid;text;score;channel\nr1;The staff were rude;2;phone\nr2;=HYPERLINK(\"x\");;web\n", encoding="utf-8")
    proc = cxaudit("run", csv, "--text-column", "text", "--id-column", "rid", "--score-column", "score",
                   "--meta-column", "channel", "--kind", "comment", "--model", "blank", "--no-redact",
                   "--out", tmp_path / "o", "--quiet", check=False)
    assert proc.returncode == 0, proc.stderr
    docs = read_table(tmp_path / "o", "documents").set_index("doc_id")
    assert docs.loc["r1", "channel"] == "phone" and docs.loc["r1", "score"] == 2


def test_cli_init_then_run_a_new_audit(tmp_path):
    audit_dir = tmp_path / "new-audit"
    cxaudit("init", audit_dir)
    for name in ("audit.yml", "desired.yml", "README.md", "codebooks/carbone-clues.yml"):
        assert (audit_dir / name).is_file(), name
    (audit_dir / "inputs" / "interviews" / "p1.txt").write_text(
        "Interviewer: How was your stay?\nGuest: The room was filthy and the receptionist was rude.\n"
        "Guest: I wish check-in were quicker.\n", encoding="utf-8")
    proc = cxaudit("run", audit_dir / "audit.yml", "--quiet", check=False)
    assert proc.returncode == 0, proc.stderr
    tags = read_table(audit_dir / "results", "tags")
    assert {"mechanic", "humanic"} <= set(tags["clue_type"])
    assert cxaudit("init", audit_dir, check=False).returncode == 1  # never overwrites an audit


def _big_comments(path: Path, n: int) -> None:
    rng = random.Random(7)
    parts = ["the staff were friendly", "I was on hold for an hour", "the app keeps crashing",
             "fees are too high", "the branch was clean", "nobody called me back", "I wish it were faster"]
    rows = [{"id": f"k{i}", "text": ". ".join(rng.sample(parts, 3)) + ".", "nps": rng.randint(0, 10)} for i in range(n)]
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.mark.slow
def test_cli_killed_run_leaves_previous_results_intact(tmp_path):
    data = tmp_path / "c.csv"
    _big_comments(data, 300)
    out = tmp_path / "o"
    args = ["run", data, "--text-column", "text", "--id-column", "id", "--model", "blank", "--no-redact",
            "--out", out, "--quiet"]
    cxaudit(*args)
    before = {t: read_table(out, t) for t in ("documents", "sentences", "tags")}
    _big_comments(data, 20000)  # a much bigger second run, killed part way
    proc = subprocess.Popen([sys.executable, "-m", "cxaudit", *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and not list(out.glob(".cxaudit-*.duckdb.tmp")):
        time.sleep(0.05)
    assert list(out.glob(".cxaudit-*.duckdb.tmp")), "the run never started writing"
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    for name, df in before.items():
        pd.testing.assert_frame_equal(read_table(out, name), df)
    proc = cxaudit(*args, check=False)
    assert proc.returncode == 0, proc.stderr
    assert len(read_table(out, "documents")) == 20000
    assert not list(out.glob(".cxaudit-*.duckdb.tmp*")), "stale temporary store left behind"


@pytest.mark.slow
def test_cli_train_then_run_with_the_learned_tagger(tmp_path):
    staff = ["The agent was friendly and polite.", "Staff were helpful and kind.", "The cashier was rude to me.",
             "The adviser was lovely and welcoming.", "Their team was unfriendly and dismissive.",
             "A courteous, warm employee helped me.", "The clerk ignored me, so rude.", "Kind and patient staff."]
    fees = ["The fees are far too high.", "Hidden charges on my account.", "Fair fees, good value.",
            "They charged a fee for nothing.", "Overpriced account, poor value.", "Reasonable charges overall.",
            "Another fee on my statement.", "The monthly fee is outrageous."]
    rows = [(t, "humanic.staff") for t in staff] + [(t, "functional.fees") for t in fees]
    pd.DataFrame(rows, columns=["text", "code"]).to_csv(tmp_path / "coded.csv", index=False)
    proc = cxaudit("train", tmp_path / "coded.csv", "--out", tmp_path / "tagger", "--codebook", "carbone-clues",
                   check=False)
    assert proc.returncode == 0, proc.stderr
    comments = tmp_path / "c.csv"
    comments.write_text("id,text\na,The agent was rude and unhelpful.\nb,The monthly fees are too high.\n",
                        encoding="utf-8")
    proc = cxaudit("run", comments, "--text-column", "text", "--id-column", "id", "--model", "blank",
                   "--tagger", tmp_path / "tagger", "--threshold", "0.3", "--out", tmp_path / "o", "--quiet",
                   check=False)
    assert proc.returncode == 0, proc.stderr
    tags = read_table(tmp_path / "o", "tags")
    model = tags[tags["method"] == "model"]
    assert set(model["code"]) <= {"humanic.staff", "functional.fees"} and len(model) >= 1
    assert set(tags["method"]) == {"rule", "model"}


@pytest.mark.slow
def test_cli_train_learns_word_clusters_from_uncoded_sentences(tmp_path):
    import itertools

    people = ["agent", "adviser", "cashier", "clerk", "banker"]
    money = ["fee", "charge", "price", "rate", "cost"]
    moods = ["friendly", "rude", "kind", "slow", "helpful"]
    coded = [(f"The {p} was {m}.", "humanic.staff") for p, m in itertools.product(people[:3], moods)]
    coded += [(f"The {w} was {m}.", "functional.fees") for w, m in itertools.product(money[:3], ["high", "fair", "low"])]
    pd.DataFrame(coded, columns=["text", "code"]).to_csv(tmp_path / "coded.csv", index=False)
    uncoded = [f"My {w} was {m} again today." for w, m in itertools.product(people + money, moods + ["high", "low"])]
    (tmp_path / "uncoded.txt").write_text("\n".join(uncoded * 3) + "\n", encoding="utf-8")
    proc = cxaudit("train", tmp_path / "coded.csv", "--out", tmp_path / "tagger", "--unlabelled",
                   tmp_path / "uncoded.txt", check=False)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "tagger" / "cxaudit-tagger.json").is_file()
    proc = cxaudit("train", tmp_path / "coded.csv", "--out", tmp_path / "t2", "--unlabelled",
                   tmp_path / "missing.txt", check=False)
    assert proc.returncode != 0 and "missing.txt" in proc.stderr


@pytest.mark.slow
def test_cli_qdpx_export_validates_against_refi_schema(sample_results, tmp_path):
    import zipfile

    from lxml import etree

    out = tmp_path / "audit.qdpx"
    cxaudit("export", sample_results, "--format", "qdpx", "--out", out)
    schema = etree.XMLSchema(etree.parse(str(ROOT / "cxaudit" / "qdaschema" / "Project.xsd")))
    with zipfile.ZipFile(out) as zf:
        project = etree.fromstring(zf.read("project.qde"))
        assert schema.validate(project), schema.error_log
        sources = [n for n in zf.namelist() if n.startswith("sources/")]
    assert len(sources) == len(read_table(sample_results, "documents"))


@pytest.mark.slow
def test_cli_coding_round_trip_and_agreement(sample_results, tmp_path):
    sheet = tmp_path / "sheet.csv"
    cxaudit("coding", "export", sample_results, "--out", sheet)
    frame = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert {"sentence_id", "text", "codes", "corrected_codes"} <= set(frame.columns)
    coded = frame[frame["codes"].str.contains("humanic.staff", regex=False)].index[:5]
    frame.loc[coded, "corrected_codes"] = "humanic.staff"  # the researcher keeps only the staff code there
    frame.loc[coded, "corrected_polarity"] = ""  # and leaves its polarity open
    frame.to_csv(sheet, index=False)
    manual = tmp_path / "manual.csv"
    proc = cxaudit("coding", "import", sheet, "--out", manual)
    assert "manual tags" in proc.stdout
    tags = pd.read_csv(manual)
    assert set(tags["method"]) == {"manual"}
    assert set(tags.loc[tags["sentence_id"].isin(frame.loc[coded, "sentence_id"]), "code"]) == {"humanic.staff"}
    rules = tmp_path / "rules.csv"
    read_table(sample_results, "tags").query("codebook == 'carbone-clues'")[["sentence_id", "code"]].to_csv(
        rules, index=False)
    proc = cxaudit("agree", rules, manual, "--out", tmp_path / "agree.csv")
    table = pd.read_csv(tmp_path / "agree.csv")
    assert "overall" in set(table.iloc[:, 0].astype(str)) or "overall" in table.to_string()
