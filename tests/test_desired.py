"""Tests of cxaudit.compare.desired: loading and validating desired.yml."""

import pytest

from cxaudit.compare.desired import Desired, DesiredError, Target, load_desired
from _compare_helpers import LEXICON

GOOD = """\
motif: [reassured, valued, effortless]
lenses: [carbone-clues, touchpoints]
default_target: 0.5
targets:
  - {clue_type: humanic, target: 0.7}
  - {code: functional.billing, target: 0.6}
  - {touchpoint: get-help, target: 0.6}
  - {clue_type: mechanic, touchpoint: web, target: 0.5}
importance: share_of_mentions
weights: {functional.billing: 2.0}
crosshairs: mean
"""


def _write(tmp_path, text):
    path = tmp_path / "desired.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_desired_loads_the_documented_example(tmp_path):
    d = load_desired(_write(tmp_path, GOOD), lexicon=LEXICON)
    assert d.motif == ("reassured", "valued", "effortless")
    assert d.motif_axes["valued"] == ("valued/ignored", 1)
    assert d.lenses == ("carbone-clues", "touchpoints")
    assert d.targets[1] == Target(0.6, code="functional.billing")
    assert d.weights == {"functional.billing": 2.0} and d.crosshairs == "mean"
    assert d.target_for(code="functional.billing", clue_type="functional") == 0.6
    assert d.target_for(clue_type="humanic", code="humanic.staff") == 0.7
    assert d.target_for(clue_type="mechanic", touchpoint="web") == 0.5
    assert d.target_for(clue_type="functional") == 0.5


def test_desired_motif_forms_resolve_to_their_feeling(tmp_path):
    d = load_desired(_write(tmp_path, "motif: reassuring, valued, easy\n"), lexicon=LEXICON)
    assert d.motif_axes["easy"] == ("effortless/frustrated", 1)


def test_desired_default_and_empty_file(tmp_path):
    assert Desired.default().default_target == 0.5 and Desired.default().importance == "share_of_mentions"
    d = load_desired(_write(tmp_path, ""), lexicon=LEXICON)
    assert d.motif == Desired.default().motif and d.targets == ()


def test_desired_unknown_motif_word_lists_close_matches_with_line(tmp_path):
    text = "lenses: [carbone-clues]\nmotif: [reasured, valued, effortless]\n"
    with pytest.raises(DesiredError) as exc:
        load_desired(_write(tmp_path, text), lexicon=LEXICON)
    msg = str(exc.value)
    assert "desired.yml:2:" in msg and "'reasured'" in msg and "close matches: reassured" in msg


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("motif: [reassured, valued, effortless]\ntargets:\n  - {code: a, target: 1.5}\n", 3, "target must be a number in [-1, 1]"),
        ("default_target: 2\n", 1, "default_target must be a number in [-1, 1]"),
        ("motif: [reassured, valued, effortless]\nimportnce: driver\n", 2, "unknown key 'importnce' (did you mean 'importance'?)"),
        ("targets:\n  - {code: a, target: 0.1, colour: red}\n", 2, "unknown key(s) ['colour']"),
        ("targets:\n  - {target: 0.1}\n", 2, "needs at least one of clue_type, code, touchpoint"),
        ("targets:\n  - {clue_type: visual, target: 0.1}\n", 2, "clue_type must be one of"),
        ("importance: loudness\n", 1, "importance must be one of"),
        ("motif: [valued, reassured]\n", 1, "motif must be 3–6 feeling words"),
        ("crosshairs: {importance: 0.1}\n", 1, "crosshairs must be 'mean'"),
        ("weights: {functional.billing: -1}\n", 1, "weights must map dimensions to numbers >= 0"),
        ("\n\ntargets:\n  - {code: a, target: 0.1}\n  - {code: a, target: 0.2}\n", 5, "duplicate target"),
    ],
)
def test_desired_rejects_bad_values_with_file_and_line(tmp_path, text, line, fragment):
    with pytest.raises(DesiredError) as exc:
        load_desired(_write(tmp_path, text), lexicon=LEXICON)
    assert f"desired.yml:{line}:" in str(exc.value)
    assert fragment in str(exc.value)


def test_desired_reports_every_problem_at_once(tmp_path):
    with pytest.raises(DesiredError, match="3 problem"):
        load_desired(_write(tmp_path, "default_target: 9\nimportance: x\nfoo: 1\n"), lexicon=LEXICON)


def test_desired_yaml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(DesiredError, match=r"desired.yml:2:"):
        load_desired(_write(tmp_path, "motif: [a, b\nlenses: x: y\n"), lexicon=LEXICON)


def test_desired_not_a_mapping(tmp_path):
    with pytest.raises(DesiredError, match="expected a mapping"):
        load_desired(_write(tmp_path, "- a\n- b\n"), lexicon=LEXICON)


def test_desired_user_crosshairs(tmp_path):
    d = load_desired(_write(tmp_path, "crosshairs: {importance: 0.1, performance: 0.0}\n"), lexicon=LEXICON)
    assert d.crosshairs == {"importance": 0.1, "performance": 0.0}
