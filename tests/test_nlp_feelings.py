import pytest

from cxaudit.nlp.feelings import feeling_axis, load_feelings
from _language_helpers import nlp  # noqa: F401


def feelings(nlp, text):
    return [(f[0], f[2], f[3]) for f in nlp(text)._.feelings]


def test_nlp_feelings_lexicon_has_twelve_axes_of_opposites():
    table = load_feelings()
    assert table["axis"].nunique() >= 12
    assert set(table.groupby("axis")["pole"].apply(frozenset)) == {frozenset({1, -1})}
    assert {"valued", "ignored", "reassured", "anxious", "effortless", "effortful"} <= set(table["feeling"])


@pytest.mark.parametrize("word,expected", [
    ("valued", ("valued/ignored", 1)), ("Ignored", ("valued/ignored", -1)), ("effortless", ("effortless/effortful", 1)),
    ("hassle", ("effortless/effortful", -1)), ("worried", ("reassured/anxious", -1)), ("kept in the loop", ("informed/uninformed", 1)),
])
def test_nlp_feelings_feeling_axis(word, expected):
    assert feeling_axis(word) == expected


@pytest.mark.parametrize("word", ["banana", "", None, "the"])
def test_nlp_feelings_feeling_axis_unknown(word):
    assert feeling_axis(word) is None


def test_nlp_feelings_negation_flips_pole(nlp):
    assert feelings(nlp, "I didn't feel valued.") == [("valued", -1, True)]
    assert feelings(nlp, "I felt valued.") == [("valued", 1, False)]


def test_nlp_feelings_mixed_feelings_in_one_sentence(nlp):
    found = feelings(nlp, "I was reassured by the nurse, but the forms were confusing and I felt rushed.")
    assert ("reassured", 1, False) in found and ("confused", -1, False) in found and ("rushed", -1, False) in found


def test_nlp_feelings_inflected_forms_and_phrases(nlp):
    found = feelings(nlp, "It worries me that I was left in the dark.")
    assert ("anxious", -1, False) in found and ("uninformed", -1, False) in found


def test_nlp_feelings_offsets_are_doc_relative(nlp):
    doc = nlp("Honestly, it was seamless.")
    (f,) = doc._.feelings
    assert doc.text[f[4]:f[5]] == "seamless" == f[6]


def test_nlp_feelings_punctuation_stops_negation(nlp):
    assert feelings(nlp, "No, I felt respected.") == [("respected", 1, False)]


@pytest.mark.parametrize("text,expected", [
    # effort described in a complaint is the effortful feeling, with the effort phrase as evidence
    ("Forty-five minutes on hold and then I got cut off.", [("effortful", -1, "on hold")]),
    ("I had to call three times to get it sorted, a nightmare.", [("effortful", -1, "call three times")]),
    # effort phrases in a neutral or positive sentence are no feeling
    ("No wait at all, brilliant.", []),
    ("I followed up by email the next day.", []),
    ("They called back within the hour, lovely.", []),
    # a feeling word of the same axis in the sentence is kept and nothing is added
    ("It was easy but I was on hold for ages.", [("effortless", 1, "easy")]),
])
def test_nlp_feelings_described_effort(nlp, text, expected):  # noqa: F811
    got = [(f[0], f[2], f[6]) for f in nlp(text)._.feelings]
    assert got == expected, (text, got)


def test_nlp_feelings_described_effort_can_be_turned_off():
    from cxaudit.nlp import build_pipeline

    off = build_pipeline("blank", config={"cx_feelings": {"effort_feeling": ""}})
    assert off("Forty-five minutes on hold and then I got cut off.")._.feelings == []
    with pytest.raises(ValueError, match="not a feeling"):
        build_pipeline("blank", config={"cx_feelings": {"effort_feeling": "grumpy"}})
