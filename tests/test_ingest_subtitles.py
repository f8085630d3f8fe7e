"""WebVTT and SRT transcripts: voice tags, prefixes, merging, bad cues and blocks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxaudit.ingest import IngestError, InputSpec, RoleConfig, read_path
from cxaudit.ingest.subtitles import parse_srt, parse_timing, parse_vtt

from _ingest_helpers import ingest_one, reasons, write

ROLES = RoleConfig()

TEAMS_VTT = """WEBVTT
Kind: captions

NOTE exported by Teams
over two lines

STYLE
::cue { color: white }

REGION
id:bill width:40%

1
00:00:01.000 --> 00:00:03.000
<v Anna Smith>Hi Maria, how was</v>

2
00:00:03.500 --> 00:00:05.000 align:start
<v Anna Smith>the branch visit?</v>

3f2a9c1e-7d4b-4a8e-9d6b-2c1f0e5a7b3d/12-0
00:00:06.000 --> 00:01:08.250
<v.loud Maria Lopez>It was slow &amp; the queue
was long.</v>

00:01:09.000 --> 00:01:10.000
<v Anna Smith>Why?
"""


def test_subtitles_vtt_voice_tags_merge_and_times():
    turns = parse_vtt(TEAMS_VTT, "x.vtt", ROLES)
    assert [(t.speaker, " ".join(t.text.split()), t.start_s, t.end_s) for t in turns] == [
        ("Anna Smith", "Hi Maria, how was the branch visit?", 1.0, 5.0),
        ("Maria Lopez", "It was slow & the queue was long.", 6.0, 68.25),
        ("Anna Smith", "Why?", 69.0, 70.0),
    ]
    assert (turns[0].line, turns[1].line) == (15, 23)


def test_subtitles_vtt_speaker_prefix_cues_zoom_style(tmp_path):
    text = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nInterviewer: How are you?\n\n2\n00:00:02.000 --> 00:00:04.000\nGrace Chen: Fine,\n\n3\n00:00:04.000 --> 00:00:05.000\nGrace Chen: thanks.\n\n4\n00:00:06.000 --> 00:00:07.000\nInterviewer: Good.\n"
    doc = read_path(write(tmp_path, "z.vtt", text), InputSpec(path="z.vtt", base_dir=str(tmp_path)))[0]
    assert [(t.speaker, t.role, t.text, t.start_s, t.end_s) for t in doc.turns] == [
        ("Interviewer", "interviewer", "How are you?", 1.0, 2.0),
        ("Grace Chen", "participant", "Fine, thanks.", 2.0, 5.0),
        ("Interviewer", "interviewer", "Good.", 6.0, 7.0),
    ]
    assert doc.participant == "Grace Chen"


def test_subtitles_vtt_several_voices_in_one_cue():
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Bob>Hi.</v>\n<v Alice>Hello there.</v>\n"
    assert [(t.speaker, t.text) for t in parse_vtt(text, "x.vtt", ROLES)] == [("Bob", "Hi."), ("Alice", "Hello there.")]


def test_subtitles_vtt_broken_timestamp_skips_only_that_cue():
    text = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v A>One.\n\n2\n00:00:0x.000 --> 00:00:03.000\n<v A>Broken.\n\n3\n00:00:04.000 --> 00:00:05.000\n<v A>Three.\n"
    issues = []
    turns = parse_vtt(text, "x.vtt", ROLES, issues=issues)
    assert [t.text for t in turns] == ["One. Three."]
    assert [(i.line, "timing" in i.reason) for i in issues] == [(8, True)]


def test_subtitles_vtt_without_header_is_read_and_reported(tmp_path):
    path = write(tmp_path, "noheader.vtt", "00:00:01.000 --> 00:00:02.000\n<v Ann>Hello.\n")
    result = ingest_one(path)
    assert list(result.turns["text"]) == ["Hello."]
    assert list(result.rejected["line"]) == [1]
    assert "WEBVTT" in reasons(result)[0]


def test_subtitles_vtt_with_no_cues_is_rejected(tmp_path):
    path = write(tmp_path, "empty.vtt", "WEBVTT\n\nNOTE nothing here\n")
    result = ingest_one(path)
    assert result.documents.empty
    assert "no readable WebVTT cues" in reasons(result)[0]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("00:00:01.000 --> 00:00:02.500", (1.0, 2.5)),
        ("01:00.000 --> 01:02.000 position:10%", (60.0, 62.0)),
        ("00:00:01,000 --> 00:00:02,000", (1.0, 2.0)),
        ("00:00:05.000 --> 00:00:02.000", None),
        ("00:00:61.000 --> 00:01:02.000", None),
        ("00:00:01.000 -> 00:00:02.000", None),
    ],
)
def test_subtitles_parse_timing(line, expected):
    assert parse_timing(line) == expected


def test_subtitles_unlabelled_cues_merge_until_a_pause():
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nThe app\n\n00:00:02.100 --> 00:00:03.000\ncrashed.\n\n00:00:05.000 --> 00:00:06.000\nWhy?\n"
    turns = parse_vtt(text, "x.vtt", ROLES)
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in turns] == [
        (None, "The app crashed.", 1.0, 3.0),
        (None, "Why?", 5.0, 6.0),
    ]


SRT = """1
00:00:01,000 --> 00:00:02,000
Interviewer: How was the
<i>branch</i>?

2
00:00:02,500 --> 00:00:04,000
Guest: Slow.

3
00:00:05,000 --> 00:00:06,000
Interviewer: Why?
"""


def test_subtitles_srt_with_speaker_prefixes(tmp_path):
    doc = read_path(write(tmp_path, "s.srt", SRT), InputSpec(path="s.srt", base_dir=str(tmp_path)))[0]
    assert [(t.speaker, t.role, t.text, t.start_s, t.end_s, t.line) for t in doc.turns] == [
        ("Interviewer", "interviewer", "How was the branch?", 1.0, 2.0, 3),
        ("Guest", "participant", "Slow.", 2.5, 4.0, 8),
        ("Interviewer", "interviewer", "Why?", 5.0, 6.0, 12),
    ]


def test_subtitles_srt_without_speakers_has_null_speaker_and_unknown_role(tmp_path):
    text = "1\n00:00:01,000 --> 00:00:02,000\nIt was slow.\n\n2\n00:00:09,000 --> 00:00:10,000\nVery slow.\n"
    doc = read_path(write(tmp_path, "u.srt", text), InputSpec(path="u.srt", base_dir=str(tmp_path)))[0]
    assert [(t.speaker, t.role, t.text) for t in doc.turns] == [(None, "unknown", "It was slow."), (None, "unknown", "Very slow.")]


def test_subtitles_srt_malformed_block_is_reported_and_others_kept(tmp_path):
    text = SRT.replace("2\n00:00:02,500 --> 00:00:04,000\n", "2\nno timing here\n")
    result = ingest_one(write(tmp_path, "m.srt", text))
    # the Guest cue is gone, so the two Interviewer cues are now consecutive and merge
    assert result.turns[["text", "start_s", "end_s"]].values.tolist() == [["How was the branch? Why?", 1.0, 6.0]]
    assert list(result.rejected["line"]) == [6]
    assert "malformed SRT block" in reasons(result)[0]


def test_subtitles_srt_with_no_valid_block_raises(tmp_path):
    with pytest.raises(IngestError, match="no readable SRT"):
        parse_srt("hello\nworld\n", "bad.srt", ROLES)


_TEXT = st.text(alphabet="abcdefghij klmnop.,!", min_size=1, max_size=30).filter(lambda s: s.strip())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Ann", "Bo Li"]), _TEXT), min_size=1, max_size=10))
def test_subtitles_vtt_roundtrip_merges_same_speaker_runs(cues):
    blocks = [f"{i}\n00:00:{i:02d}.000 --> 00:00:{i:02d}.500\n<v {spk}>{txt}</v>" for i, (spk, txt) in enumerate(cues)]
    turns = parse_vtt("WEBVTT\n\n" + "\n\n".join(blocks) + "\n", "p.vtt", ROLES)
    expected = []
    for spk, txt in cues:
        if expected and expected[-1][0] == spk:
            expected[-1][1].append(txt.strip())
        else:
            expected.append((spk, [txt.strip()]))
    assert [(t.speaker, " ".join(t.text.split())) for t in turns] == [(s, " ".join(" ".join(x).split())) for s, x in expected]
