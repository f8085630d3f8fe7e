"""The bundled sample audit (data/sample/) is what its README promises.

Uses only the standard library, pandas, python-docx and PyYAML, so it does not depend on
any cxaudit module. The small transcript reader below is deliberately simple: it knows the
sample's own layouts and is not the package's ingest.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml
from docx import Document

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
INTERVIEWS = SAMPLE / "interviews"
FORMATS = {".txt": 4, ".vtt": 3, ".srt": 2, ".docx": 3}
PLAIN_INTERVIEWER_LABELS = {"interviewer", "moderator", "q"}
QUARTERS = {"2026-Q2": (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
            "2026-Q3": (dt.date(2026, 7, 1), dt.date(2026, 9, 30))}
LABEL = re.compile(r"^([A-Z][\w .'()-]{0,40}): (.*)$")
TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)[.,](\d{3}) --> (\d\d):(\d\d):(\d\d)[.,](\d{3})$")


def interview_files() -> list[Path]:
    return sorted(p for p in INTERVIEWS.iterdir() if p.suffix in FORMATS)


def _merge(turns: list[list[str]]) -> list[tuple[str, str]]:
    """Join consecutive pieces by the same speaker; normalise whitespace."""
    out: list[tuple[str, str]] = []
    for speaker, text in turns:
        text = " ".join(text.split())
        if out and out[-1][0] == speaker:
            out[-1] = (speaker, f"{out[-1][1]} {text}")
        elif text:
            out.append((speaker, text))
    return out


def _read_txt(path: Path) -> list[list[str]]:
    """Speaker-labelled, Q:/A:, Otter-block and [hh:mm:ss] layouts."""
    turns: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^\[\d\d:\d\d:\d\d\] ([^:]+): (.*)$", line):
            turns.append([m[1], m[2]])
        elif m := re.match(r"^(\S.*?)  +\d\d:\d\d:\d\d$", line):
            turns.append([m[1], ""])
        elif m := LABEL.match(line):
            turns.append([m[1], m[2]])
        elif line.strip():
            assert turns, f"{path.name}: text before the first speaker: {line!r}"
            turns[-1][1] += " " + line
    return turns


def cues(path: Path) -> list[tuple[float, float, str]]:
    """(start_s, end_s, text) of every cue of a .vtt or .srt file, NOTE blocks skipped."""
    out = []
    blocks = re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip())
    for block in blocks:
        lines = block.splitlines()
        if lines[0].startswith(("WEBVTT", "NOTE")):
            continue
        at = next(i for i, ln in enumerate(lines) if "-->" in ln)
        m = TIMING.match(lines[at])
        assert m, f"{path.name}: bad timing line {lines[at]!r}"
        h, mi, s, ms, h2, mi2, s2, ms2 = map(int, m.groups())
        out.append((h * 3600 + mi * 60 + s + ms / 1000, h2 * 3600 + mi2 * 60 + s2 + ms2 / 1000,
                    "\n".join(lines[at + 1:])))
    return out


def _read_cues(path: Path) -> list[list[str]]:
    turns = []
    for _, _, text in cues(path):
        text = " ".join(text.split())
        if m := re.match(r"^<v ([^>]+)>(.*?)(</v>)?$", text):
            turns.append([m[1], m[2]])
        else:
            m = LABEL.match(text)
            assert m, f"{path.name}: cue without a speaker: {text[:60]!r}"
            turns.append([m[1], m[2]])
    return turns


def _read_docx(path: Path) -> list[list[str]]:
    """Table rows (header skipped), bold-name paragraphs or ``Speaker: text`` paragraphs."""
    doc = Document(str(path))
    if doc.tables:
        return [[row.cells[0].text, row.cells[1].text] for row in doc.tables[0].rows[1:]]
    turns: list[list[str]] = []
    for para in doc.paragraphs:
        runs = para.runs
        if runs and runs[0].bold:
            turns.append([runs[0].text.strip(), "".join(r.text for r in runs[1:])])
        elif m := LABEL.match(para.text):
            turns.append([m[1], m[2]])
        elif para.text.strip():
            turns[-1][1] += " " + para.text
    return turns


def read_turns(path: Path) -> list[tuple[str, str]]:
    """(speaker, text) turns of a sample transcript."""
    reader = {".txt": _read_txt, ".vtt": _read_cues, ".srt": _read_cues, ".docx": _read_docx}
    return _merge(reader[path.suffix](path))


def n_words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9£]+(?:['’.,-][A-Za-z0-9]+)*", text))


def load_yaml(name: str) -> dict:
    return yaml.safe_load((SAMPLE / name).read_text(encoding="utf-8"))


def participants() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "participants.csv", dtype=str, keep_default_na=False)


def comments() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "comments.csv", dtype=str, keep_default_na=False)


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, SAMPLE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def speakers(path: Path) -> tuple[str, str]:
    """(interviewer label, participant label) of a transcript, from audit.yml's roles."""
    roles = load_yaml("audit.yml")["roles"]
    asking = {label.lower() for label in roles["interviewer"]}
    labels = {speaker for speaker, _ in read_turns(path)}
    interviewers = [s for s in labels if s.lower() in asking]
    assert len(labels) == 2 and len(interviewers) == 1, f"{path.name}: speakers {labels}"
    return interviewers[0], (labels - set(interviewers)).pop()


# --- interviews --------------------------------------------------------------------------


def test_sample_data_interview_formats_match_readme():
    files = interview_files()
    counts = Counter(p.suffix for p in files)
    assert dict(counts) == FORMATS
    assert not [p.name for p in INTERVIEWS.iterdir() if p.suffix not in FORMATS]
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for path in files:
        assert f"`{path.name}`" in readme, f"README does not describe {path.name}"


@pytest.mark.parametrize("path", interview_files(), ids=lambda p: p.name)
def test_sample_data_interview_length_and_turns(path):
    turns = read_turns(path)
    words = sum(n_words(text) for _, text in turns)
    assert 800 <= words <= 2500, f"{path.name}: {words} words"
    interviewer, _ = speakers(path)
    questions = [text for speaker, text in turns if speaker == interviewer]
    assert len(turns) >= 20
    assert sum("?" in q for q in questions) >= len(questions) * 0.6


@pytest.mark.parametrize("path", interview_files(), ids=lambda p: p.name)
def test_sample_data_interview_participant_matches_metadata(path):
    _, participant = speakers(path)
    row = participants().set_index("file").loc[path.name]
    roles = load_yaml("audit.yml")["roles"]
    assert participant == row["participant"] or participant in roles["participant"]
    first_name = row["participant"].split()[0]
    assert first_name in " ".join(text for _, text in read_turns(path))


def test_sample_data_exactly_one_named_interviewer():
    named = [p.name for p in interview_files() if speakers(p)[0].lower() not in PLAIN_INTERVIEWER_LABELS]
    assert len(named) == 1, named


def test_sample_data_txt_layouts_each_present():
    shapes = {
        "labelled lines": r"^Interviewer: .*\n[a-z]",
        "Q/A": r"^Q: .*\n\nA: ",
        "Otter blocks": r"^[A-Z][a-z]+ [A-Z][a-z]+  \d\d:\d\d:\d\d\n",
        "bracketed timestamps": r"^\[\d\d:\d\d:\d\d\] [A-Z][a-z]+( [A-Z][a-z]+)?: ",
    }
    texts = [p.read_text(encoding="utf-8") for p in interview_files() if p.suffix == ".txt"]
    for shape, pattern in shapes.items():
        hits = [t for t in texts if re.search(pattern, t, flags=re.M)]
        assert len(hits) == 1, f"{shape}: {len(hits)} files"


def test_sample_data_vtt_and_srt_layouts():
    vtt = {p.name: p.read_text(encoding="utf-8") for p in interview_files() if p.suffix == ".vtt"}
    srt = [p.read_text(encoding="utf-8") for p in interview_files() if p.suffix == ".srt"]
    assert any(re.search(r"^\d+\n.*-->.*\n<v [^>]+>.*</v>$", t, re.M) for t in vtt.values())
    assert any(re.search(r"^[0-9a-f-]{36}/\d+-0\n.*-->.*\n[A-Z][a-z]+( [A-Z][a-z]+)?: ", t, re.M)
               for t in vtt.values())
    assert any(re.search(r"^NOTE", t, re.M) and re.search(r"-->.*\n<v [^>]+>.*\n[^\n<]+\n", t)
               for t in vtt.values())
    assert all(t.startswith("WEBVTT") for t in vtt.values())
    assert all(re.search(r"^1\n\d\d:\d\d:\d\d,\d{3} --> .*\n[A-Z][\w ]+: ", t, re.M) for t in srt)


@pytest.mark.parametrize("path", [p for p in interview_files() if p.suffix in {".vtt", ".srt"}],
                         ids=lambda p: p.name)
def test_sample_data_cue_times_are_ordered(path):
    times = cues(path)
    assert times and all(start < end and text.strip() for start, end, text in times)
    starts = [start for start, _, _ in times]
    assert starts == sorted(starts)


def test_sample_data_docx_layouts_each_present():
    docs = {p.name: Document(str(p)) for p in interview_files() if p.suffix == ".docx"}
    tables = [d for d in docs.values() if d.tables and len(d.tables[0].columns) == 2]
    bold = [d for d in docs.values() if sum(bool(p.runs and p.runs[0].bold) for p in d.paragraphs) >= 10]
    colon = [d for d in docs.values() if sum(p.text.startswith("Interviewer: ") for p in d.paragraphs) >= 10]
    assert (len(tables), len(bold), len(colon)) == (1, 1, 1)


def test_sample_data_docx_generator_matches_files():
    script = load_script("_make_docx")
    for name, turns in [("p10.docx", script.TURNS_P10), ("p11.docx", script.TURNS_P11),
                        ("p12.docx", script.TURNS_P12)]:
        assert read_turns(INTERVIEWS / name) == _merge([list(t) for t in turns])


def test_sample_data_interviews_carry_desires_feelings_and_effort():
    desire = re.compile(r"\b(I wish|I'd like|they should|it would be great if|ideally|what I need is|if only)\b", re.I)
    feelings = ["valued", "ignored", "reassured", "anxious", "confused", "confident", "rushed", "respected",
                "patronised", "frustrated", "relieved", "welcome", "helpless", "in control"]
    corpus = ""
    for path in interview_files():
        said = " ".join(text for speaker, text in read_turns(path) if speaker != speakers(path)[0])
        assert desire.search(said), f"{path.name}: no desired statement"
        corpus += said.lower() + " "
    assert [f for f in feelings if f not in corpus] == []
    for effort in ["on hold", "transferred", "explain", "three times", "call back"]:
        assert effort in corpus


def test_sample_data_pii_planted_where_readme_says():
    planted = {"p01.txt": ["07700 900123", "maria.lopez72@example.com"], "p02.txt": ["account 12345678"],
               "p03.txt": ["https://www.harbourbank.example/mortgages/track"],
               "p08.srt": ["4929 1234 5678 9012"]}
    for name, values in planted.items():
        said = " ".join(text for _, text in read_turns(INTERVIEWS / name))
        for value in values:
            assert value in said, f"{name}: {value!r} missing"


# --- metadata ----------------------------------------------------------------------------


def test_sample_data_participants_one_row_per_interview():
    meta = participants()
    assert list(meta.columns) == ["file", "participant", "segment", "date", "wave"]
    assert sorted(meta["file"]) == [p.name for p in interview_files()]
    assert meta["participant"].is_unique and (meta != "").all().all()
    for date, wave in zip(meta["date"], meta["wave"]):
        start, end = QUARTERS[wave]
        assert start <= dt.date.fromisoformat(date) <= end
    assert 3 <= (meta["wave"] == "2026-Q2").sum() <= 4
    assert {"Everyday banking", "Mortgage", "Small business", "Student"} <= set(meta["segment"])


# --- comments ----------------------------------------------------------------------------


def test_sample_data_comments_columns_and_values():
    df = comments()
    assert list(df.columns) == ["response_id", "comment", "nps", "segment", "channel", "date", "wave"]
    assert len(df) >= 300
    assert df["response_id"].str.fullmatch(r"R\d{4}").all() and df["response_id"].is_unique
    nps = pd.to_numeric(df["nps"], errors="raise")
    assert nps.between(0, 10).all() and (nps == nps.round()).all()
    assert set(df["channel"]) == {"app", "web", "branch", "phone", "chat", "email"}
    assert set(df["wave"]) == set(QUARTERS)
    assert 0.15 <= (df["wave"] == "2026-Q2").mean() <= 0.35
    for date, wave in zip(df["date"], df["wave"]):
        start, end = QUARTERS[wave]
        assert start <= dt.date.fromisoformat(date) <= end
    assert df["comment"].nunique() >= 200


def test_sample_data_comments_keep_real_world_junk():
    by_id = comments().set_index("response_id")["comment"]
    assert "<script>alert(1)</script>" in by_id["R0222"]
    assert "<img src=x onerror=alert(1)>" in by_id["R0110"]
    assert by_id["R0301"].startswith("=HYPERLINK(")
    assert by_id["R0328"].startswith("+44")
    texts = list(by_id)
    assert any("\n" in t for t in texts) and any(t.isupper() and len(t) > 20 for t in texts)
    assert any(re.search(r"[\U0001F300-\U0001FAFF]", t) for t in texts)
    assert any("sucursal" in t for t in texts) and any("oddziale" in t for t in texts)
    assert {"n/a", "-"} <= set(texts) and by_id["R0073"] == ""


def test_sample_data_comments_nps_follows_content():
    df = comments()
    nps = pd.to_numeric(df["nps"])
    complaint = df["comment"].str.contains(r"on hold|charged|fee|crash|transferred", case=False)
    praise = df["comment"].str.contains(r"friendly|brilliant|excellent|love|helpful", case=False)
    assert nps[complaint & ~praise].mean() + 2 <= nps[praise & ~complaint].mean()


def test_sample_data_comments_generator_reproduces_csv():
    rows = load_script("_make_comments").build_rows()
    expected = pd.DataFrame(rows).astype(str)
    pd.testing.assert_frame_equal(comments(), expected)


# --- audit.yml and desired.yml -----------------------------------------------------------


def test_sample_data_audit_yml_names_existing_inputs():
    audit = load_yaml("audit.yml")
    assert audit["name"] == "Harbour Bank experience audit" and audit["wave"] == "2026-Q3"
    assert audit["model"] == "auto" and audit["redact"] is True
    assert audit["codebooks"] == ["carbone-clues", "touchpoints", "points-of-connection", "disloyalty-basics"]
    assert (SAMPLE / audit["desired"]).is_file()
    used = {speakers(p)[0] for p in interview_files()}
    assert used == set(audit["roles"]["interviewer"])
    interviews, survey = audit["inputs"]
    assert (SAMPLE / interviews["path"]).is_dir() and interviews["kind"] == "interview"
    assert (SAMPLE / interviews["metadata"]).is_file()
    assert (SAMPLE / survey["path"]).is_file() and survey["kind"] == "comment"
    columns = set(comments().columns)
    named = [survey["text_column"], survey["id_column"], survey["score_column"], *survey["meta_columns"]]
    assert set(named) <= columns and set(survey["meta_columns"]) == {"segment", "channel", "date", "wave"}


def test_sample_data_desired_yml_is_well_formed():
    desired = load_yaml("desired.yml")
    assert desired["motif"] == ["reassured", "valued", "effortless"]
    assert set(desired["lenses"]) <= set(load_yaml("audit.yml")["codebooks"])
    assert -1 <= desired["default_target"] <= 1 and desired["default_target"] == 0.5
    assert len(desired["targets"]) >= 3
    for target in desired["targets"]:
        assert set(target) - {"target"} <= {"clue_type", "code", "touchpoint"} and len(target) >= 2
        assert -1 <= target["target"] <= 1
        assert target.get("clue_type", "functional") in {"functional", "mechanic", "humanic"}
    assert desired["importance"] == "share_of_mentions" and desired["crosshairs"] == "mean"
