"""Plain-text transcripts: label shapes, timestamps, continuation lines, prose."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxaudit.ingest import InputSpec, RoleConfig, normalize_text, read_path
from cxaudit.ingest.text import parse_text, parse_timestamp, scan_line

from _ingest_helpers import write

ROLES = RoleConfig()


def _pairs(text: str):
    return [(t.speaker, normalize_text(t.text)) for t in parse_text(text, ROLES)]


def _read(tmp_path, text: str, name: str = "t.txt", **spec):
    path = write(tmp_path, name, text)
    return read_path(path, InputSpec(path=name, base_dir=str(tmp_path), **spec))[0]


@pytest.mark.parametrize(
    "ts, seconds",
    [("00:01:23", 83.0), ("1:23", 83.0), ("01:02:03", 3723.0), ("0:05", 5.0), ("00:00:01.5", 1.5), ("00:00:02,250", 2.25)],
)
def test_text_parse_timestamp(ts, seconds):
    assert parse_timestamp(ts) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "interviewer, participant",
    [("Interviewer", "Interviewee"), ("Interviewer 1", "Maria Lopez"), ("Q", "A"), ("Moderator (Anna)", "Respondent")],
)
def test_text_speaker_colon_labels(tmp_path, interviewer, participant):
    text = f"{interviewer}: How was the branch?\n{participant}: Slow.\n{interviewer}: Why?\n{participant}: The queue."
    doc = _read(tmp_path, text)
    assert [(t.speaker, t.role, t.text) for t in doc.turns] == [
        (interviewer, "interviewer", "How was the branch?"),
        (participant, "participant", "Slow."),
        (interviewer, "interviewer", "Why?"),
        (participant, "participant", "The queue."),
    ]
    assert doc.participant == participant


def test_text_continuation_lines_and_blank_lines_join_the_turn():
    text = "Interviewer: Tell me\nmore about it.\n\nMaria: It was\n\n   slow,   really slow.\nInterviewer: Thanks.\nMaria: Bye."
    assert _pairs(text) == [
        ("Interviewer", "Tell me more about it."),
        ("Maria", "It was slow, really slow."),
        ("Interviewer", "Thanks."),
        ("Maria", "Bye."),
    ]


def test_text_note_sentence_is_not_a_speaker_label():
    text = (
        "Interviewer: How was billing?\nMaria: Bad.\nNote: the bill was wrong.\nInterviewer: And then?\n"
        "Maria: They fixed it.\nInterviewer: Good?\nMaria: Yes."
    )
    turns = parse_text(text, ROLES)
    assert [t.speaker for t in turns] == ["Interviewer", "Maria", "Interviewer", "Maria", "Interviewer", "Maria"]
    assert turns[1].text == "Bad. Note: the bill was wrong."


def test_text_label_seen_once_in_long_file_is_text():
    lines = []
    for i in range(4):
        lines += [f"Interviewer: Question {i}?", f"Maria: Answer {i}."]
    lines.insert(2, "Honestly speaking: it was awful.")
    turns = parse_text("\n".join(lines), ROLES)
    assert {t.speaker for t in turns} == {"Interviewer", "Maria"}
    assert "Honestly speaking: it was awful." in turns[1].text


def test_text_label_seen_once_in_short_file_with_known_label_is_a_speaker():
    assert _pairs("Interviewer: How was it?\nMaria Lopez: Fine.") == [("Interviewer", "How was it?"), ("Maria Lopez", "Fine.")]


@pytest.mark.parametrize(
    "line",
    [
        "Visit https://bank.example/help for details",
        "At 10:30 we arrived at the branch",
        "The thing I would say to the bank manager if I met him: fix it",
    ],
)
def test_text_scan_line_rejects_non_label_shapes(line):
    scanned = scan_line(1, line)
    assert scanned.label is None
    assert scanned.plain == line


@pytest.mark.parametrize(
    "text",
    [
        "the problem was: nothing worked\nthe problem was: nobody called",  # lower-case, recurring
        "Update: still broken.\nUpdate: fixed now.",  # a stop word, recurring
        "Service: poor.\nI waited an hour.",  # capitalised but seen once, no other label
    ],
)
def test_text_colon_sentences_without_speakers_stay_prose(text):
    turns = parse_text(text, ROLES)
    assert all(t.speaker is None for t in turns)
    assert " ".join(normalize_text(t.text) for t in turns) == normalize_text(text)


def test_text_unlabelled_prose_is_one_participant_turn_per_paragraph(tmp_path):
    text = "Note: the bill was wrong.\nI called twice.\n\n\nThey never rang back: awful.\n"
    doc = _read(tmp_path, text)
    assert [(t.speaker, t.role, t.text, t.line) for t in doc.turns] == [
        (None, "participant", "Note: the bill was wrong. I called twice.", 1),
        (None, "participant", "They never rang back: awful.", 5),
    ]
    assert doc.participant is None


def test_text_otter_blocks_with_both_timestamp_shapes(tmp_path):
    text = (
        "Anna Smith  00:00:05\nHow did you open the account?\n\n"
        "Bob Jones  0:12\nOn the app.\nIt took ages.\n\n"
        "Anna Smith  1:02:03\nWhy?\n"
    )
    doc = _read(tmp_path, text)
    assert [(t.speaker, t.text, t.start_s, t.end_s, t.line) for t in doc.turns] == [
        ("Anna Smith", "How did you open the account?", 5.0, 12.0, 1),
        ("Bob Jones", "On the app. It took ages.", 12.0, 3723.0, 4),
        ("Anna Smith", "Why?", 3723.0, None, 8),
    ]


@pytest.mark.parametrize("open_, close", [("[", "]"), ("(", ")")])
def test_text_bracketed_timestamps(tmp_path, open_, close):
    text = (
        f"{open_}00:01:23{close} Interviewer: How was it?\n{open_}00:01:30{close} Maria: Fine.\nReally fine.\n"
        f"{open_}00:02:00{close} Interviewer: Thanks?\n{open_}00:02:05{close} Maria: Bye."
    )
    doc = _read(tmp_path, text)
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in doc.turns] == [
        ("Interviewer", "How was it?", 83.0, 90.0),
        ("Maria", "Fine. Really fine.", 90.0, 120.0),
        ("Interviewer", "Thanks?", 120.0, 125.0),
        ("Maria", "Bye.", 125.0, None),
    ]


def test_text_text_before_first_label_is_an_unknown_turn(tmp_path):
    doc = _read(tmp_path, "Interview 3, March\n\nInterviewer: Hi?\nMaria: Hello.\nInterviewer: Bye?\nMaria: Bye.")
    assert (doc.turns[0].speaker, doc.turns[0].role, doc.turns[0].text) == (None, "unknown", "Interview 3, March")
    assert doc.turns[1].line == 3


def test_text_normalises_unicode_and_whitespace_but_keeps_characters(tmp_path):
    decomposed = "Cafe\u0301"  # e + combining acute
    doc = _read(tmp_path, f"Interviewer:   “Was the {decomposed}\tnice?”  \nMaria:  It’s\u00a0fine.")
    assert doc.turns[0].text == "“Was the Café nice?”"
    assert doc.turns[1].text == "It’s fine."


_WORDS = st.lists(st.sampled_from(["the", "bill", "was", "late", "staff", "kind", "app", "slow", "why", "ok"]), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Interviewer", "Maria Lopez", "Tom"]), _WORDS), min_size=2, max_size=12))
def test_text_roundtrip_of_labelled_dialogue(turns):
    # Tom is the only unknown label that may appear once; make every label recur.
    turns = turns + turns
    text = "\n".join(f"{speaker}: {' '.join(words)}" for speaker, words in turns)
    assert _pairs(text) == [(speaker, " ".join(words)) for speaker, words in turns]


def test_text_label_with_timestamp_before_colon_and_timestamp_only_lines(tmp_path):
    text = "Interviewer (00:00:10): Ready?\nMaria [00:00:12]: Yes.\n00:00:20\nInterviewer: Go on?\nMaria: Fine."
    doc = _read(tmp_path, text)
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in doc.turns] == [
        ("Interviewer", "Ready?", 10.0, 12.0),
        ("Maria", "Yes.", 12.0, 20.0),
        ("Interviewer", "Go on?", 20.0, None),
        ("Maria", "Fine.", None, None),
    ]


def test_text_progress_option_reads_the_same(tmp_path):
    from cxaudit.ingest import ingest

    write(tmp_path, "a.txt", "Interviewer: Hi?\nMaria: Hello.")
    spec = InputSpec(path=".", base_dir=str(tmp_path))
    assert ingest([spec], progress=True).turns.equals(ingest([spec]).turns)


def test_text_markdown_bold_labels(tmp_path):
    text = "**Interviewer:** How was it?\n__Maria__: Slow.\n**Interviewer**: Why?\n**Maria:**\nThe queue.\n**Important** detail."
    doc = _read(tmp_path, text, name="t.md")
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("Interviewer", "How was it?"), ("Maria", "Slow."), ("Interviewer", "Why?"), ("Maria", "The queue. **Important** detail."),
    ]
