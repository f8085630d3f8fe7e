import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxaudit.nlp.analyze import sentence_rows
from cxaudit.run.analysis import analyze
from cxaudit.schemas import FEELINGS, SENTENCES, TAGS, SchemaError, validate
from _language_helpers import nlp  # noqa: F401


def turns_frame(rows):
    return pd.DataFrame(rows, columns=["doc_id", "turn_id", "speaker", "role", "text"])


TURNS = turns_frame([
    ("int1", 0, "Interviewer", "interviewer", "How was the call? Did they help?"),
    ("int1", 1, "Ann", "participant", "I was on hold for 40 minutes. I didn't feel valued! ... Ideally they'd call back."),
    ("c7", 0, None, "unknown", "Great app, but the fees are hidden."),
])


def test_analyze_sentence_rows_offsets_and_ids(nlp):
    text = "Okay. The food was great but the service was slow. 123 !!"
    sents, feels = sentence_rows(nlp(text), "d1", 4)
    assert [s["sentence_id"] for s in sents] == ["d1#4.0", "d1#4.1"]
    for s in sents:
        assert text[s["start_char"]:s["end_char"]] == s["text"]
    assert sents[0]["mode"] == "other" and sents[1]["mode"] == "current"
    assert sents[1]["n_words"] == 9 and sents[1]["valence"] == "negative"
    assert feels == []
    validate(pd.DataFrame(sents), SENTENCES)


def test_analyze_sentence_rows_feelings_offsets_in_sentence(nlp):
    text = "Fine. I felt rushed and ignored."
    sents, feels = sentence_rows(nlp(text), "d", 0)
    by_id = {s["sentence_id"]: s["text"] for s in sents}
    assert [f["feeling"] for f in feels] == ["rushed", "ignored"]
    for f in feels:
        assert by_id[f["sentence_id"]][f["start_char"]:f["end_char"]] == f["evidence"]
    validate(pd.DataFrame(feels), FEELINGS)


def test_analyze_skips_interviewer_turns_and_validates():
    result = analyze(TURNS, model="blank")
    assert set(result.sentences["doc_id"]) == {"int1", "c7"}
    assert (result.sentences["turn_id"] != 0).sum() == 3  # the three sentences of the participant turn
    row = result.sentences.set_index("sentence_id").loc["int1#1.0"]
    assert bool(row["effort"]) and row["effort_phrase"] == "on hold" and row["valence"] == "negative"
    assert result.sentences.set_index("sentence_id").loc["int1#1.2", "mode"] == "desired"
    # the negative "on hold" sentence is effortful (described effort), the other says "not valued"
    feel = result.feelings.set_index("feeling")
    assert list(result.feelings["feeling"]) == ["effortful", "valued"]
    assert feel.loc["effortful", "sentence_id"] == "int1#1.0" and feel.loc["effortful", "evidence"] == "on hold"
    assert int(feel.loc["valued", "pole"]) == -1
    assert result.base_model == "blank"
    validate(result.sentences, SENTENCES)


def test_analyze_empty_and_bad_input():
    empty = analyze(TURNS.iloc[:0], model="blank")
    assert len(empty.sentences) == 0 and list(empty.sentences.columns) == SENTENCES.names
    with pytest.raises(SchemaError, match="missing column"):
        analyze(TURNS.drop(columns=["role"]), model="blank")
    with pytest.raises(TypeError):
        analyze("not a frame")
    bad = TURNS.copy()
    bad.loc[1, "text"] = None
    with pytest.raises(SchemaError, match="null"):
        analyze(bad, model="blank")


def test_analyze_unknown_model_fails_before_work():
    from cxaudit.nlp import ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        analyze(TURNS, model="en_core_web_missing", workers=2)


@pytest.mark.slow
def test_analyze_two_workers_match_one_process():
    many = pd.concat([TURNS.assign(doc_id=TURNS["doc_id"] + f"-{i}") for i in range(30)], ignore_index=True)
    one = analyze(many, model="blank")
    two = analyze(many, model="blank", workers=2, batch_size=7)
    pd.testing.assert_frame_equal(one.sentences, two.sentences)
    pd.testing.assert_frame_equal(one.feelings, two.feelings)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_analyze_property_rows_are_consistent(nlp, text):
    sents, feels = sentence_rows(nlp(text), "d", 0)
    last_end = 0
    for n, s in enumerate(sents):
        assert s["sentence_id"] == f"d#0.{n}"
        assert last_end <= s["start_char"] < s["end_char"] <= len(text)
        assert text[s["start_char"]:s["end_char"]] == s["text"]
        assert -1.0 <= s["sentiment"] <= 1.0
        assert any(c.isalpha() for c in s["text"])
        last_end = s["end_char"]
    texts = {s["sentence_id"]: s["text"] for s in sents}
    for f in feels:
        assert texts[f["sentence_id"]][f["start_char"]:f["end_char"]] == f["evidence"]


@pytest.mark.slow
def test_analyze_gives_the_tables_a_run_stores(sample_results):
    """One path (issue 19): ``cxaudit.analyze`` of the turns a run stored gives, row for row, the
    sentences, feelings and tags the run stored (the same batch function, in notebooks and runs)."""
    import cxaudit
    from cxaudit.config import load_audit
    from cxaudit.schemas import conform
    from conftest import SAMPLE

    config = load_audit(SAMPLE / "audit.yml")
    turns = cxaudit.read_results(sample_results, "turns")
    got = cxaudit.analyze(turns, config.codebooks, model=config.model)
    assert got.base_model == "blank"
    for name, schema in (("sentences", SENTENCES), ("feelings", FEELINGS), ("tags", TAGS)):
        stored = conform(cxaudit.read_results(sample_results, name), schema)
        mine = getattr(got, name)
        assert len(mine) > 0, name
        key = ["sentence_id"] + (["codebook", "code", "start_char"] if name == "tags" else
                                 ["start_char"] if name == "feelings" else [])
        pd.testing.assert_frame_equal(mine.sort_values(key).reset_index(drop=True),
                                      stored.sort_values(key).reset_index(drop=True), check_exact=False, rtol=1e-9)


def test_analyze_tags_with_the_codebooks_named_and_none():
    only_touchpoints = analyze(TURNS, ["touchpoints"], model="blank")
    assert set(only_touchpoints.tags["codebook"]) == {"touchpoints"}
    assert "phone" in set(only_touchpoints.tags["code"])  # "on hold"
    nothing = analyze(TURNS, (), model="blank")
    assert len(nothing.tags) == 0 and list(nothing.tags.columns) == TAGS.names
    pd.testing.assert_frame_equal(nothing.sentences, only_touchpoints.sentences)
    from cxaudit.clues.codebook import CodebookError

    with pytest.raises(CodebookError):
        analyze(TURNS, ["no-such-codebook"], model="blank")


def test_analyze_a_turn_longer_than_the_pipeline_limit_is_analysed_in_pieces():
    """The old notebook path failed on a turn over spaCy's max_length; the run's batch function cuts it."""
    from cxaudit.run.engine import PipelineSpec, build

    limit = build(PipelineSpec(model="blank", codebooks=("touchpoints",))).max_length
    sentence = "The app crashed again and the phone line kept me on hold. "
    text = sentence * (limit // len(sentence) + 50)
    turns = turns_frame([("long", 0, None, "participant", text)])
    got = analyze(turns, ["touchpoints"], model="blank")
    assert got.sentences["end_char"].max() > limit
    for row in got.sentences.itertuples():
        assert text[row.start_char:row.end_char] == row.text
    assert got.sentences["sentence_id"].is_unique and len(got.tags) >= len(got.sentences)
