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
