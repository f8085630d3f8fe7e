"""Codebook loading, validation errors (with lines), safe YAML, helpers and bundled codebooks."""

from __future__ import annotations

import textwrap
import warnings

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cxaudit.clues.cli_helpers import check_codebook, codebook_report
from cxaudit.clues.codebook import (
    CodebookError,
    bundled_names,
    list_codebooks,
    load_codebook,
)

HEADER = "name: test-book\nversion: '1'\ndescription: a test codebook\ncodes:\n"


def write(tmp_path, body: str, name: str = "book.yml"):
    """Write HEADER + the dedented code entries; line 5 is the first line of ``body``."""
    path = tmp_path / name
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return path


GOOD_ROOT = """\
  - id: functional
    label: Functional
    clue_type: functional
"""


@pytest.mark.parametrize(
    "body, line, fragment",
    [
        (GOOD_ROOT + "  - id: x\n    label: X\n    clue_type: emotional\n", 8, "unknown clue_type 'emotional'"),
        (GOOD_ROOT + "  - id: functional\n    label: Again\n", 8, "duplicate id (first defined on line 5)"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: nowhere\n", 8, "unknown parent 'nowhere'"),
        (GOOD_ROOT + "  - id: x\n    parent: functional\n", 8, "missing required field 'label'"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    colour: red\n", 8, "unknown field 'colour'"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    unjudged: positive\n", 8,
         "unjudged must be one of ['neutral', 'negative'], not 'positive'"),
        (GOOD_ROOT + "  - id: bad id\n    label: X\n", 8, "id must use letters"),
        (GOOD_ROOT + "  - id: x\n    label: X\n", 8, "missing clue_type"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      phrases: []\n", 12,
         "phrases is empty"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      phrases: [ok, '']\n", 12,
         "empty or non-text entry"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      phrases: [yes]\n", 12,
         "quote words YAML reads as booleans"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      lemmas: [two words]\n", 12,
         "put it in phrases"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      tokens:\n"
         "        - [{LOWER: fast}, {POS: NOUN}]\n", 13, "uses POS, which only a trained spaCy pipeline sets"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      tokens:\n"
         "        - [{LOWER: fast, OP: '!!'}]\n", 13, "not a valid spaCy token pattern"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      tokens:\n"
         "        - fast\n", 13, "token pattern 1 must be a non-empty list of token dicts"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      regex: [a]\n", 12,
         "unknown patterns key 'regex'"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      exclude: []\n", 12,
         "exclude must be a non-empty list"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      exclude: [ok, no]\n", 12,
         "quote words YAML reads as booleans"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      exclude:\n"
         "        - [{LOWER: one}, {DEP: nsubj}]\n", 13, "exclude token pattern 1 uses DEP"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      phrases: ['{a|b} {c'] \n", 12,
         "braces that do not pair"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      exclude: ['{a|{b}|c}']\n", 12,
         "braces that do not pair (or nest)"),
        (GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n      phrases: ['"
         + "{a|b|c|d|e|f|g|h|i|j} " * 4 + "']\n", 12, "stands for 10,000 phrases, more than 5,000"),
    ],
)
def test_codebook_validation_error_names_file_and_line(tmp_path, body, line, fragment):
    path = write(tmp_path, body)
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    message = str(err.value)
    assert str(path) in message
    assert f"line {line}: " in message and fragment in message, message


def test_codebook_cycle_is_reported(tmp_path):
    path = write(tmp_path, "  - id: a\n    label: A\n    parent: b\n  - id: b\n    label: B\n    parent: a\n")
    with pytest.raises(CodebookError, match=r"line 5: code 'a': parent cycle a -> b -> a"):
        load_codebook(path)


def test_codebook_collects_all_problems_in_one_error(tmp_path):
    body = GOOD_ROOT + (
        "  - id: x\n    label: X\n    clue_type: weird\n"
        "  - id: x\n    label: Y\n    parent: functional\n"
        "  - id: z\n    label: Z\n    parent: ghost\n"
    )
    with pytest.raises(CodebookError) as err:
        load_codebook(write(tmp_path, body))
    message = str(err.value)
    assert "3 problem(s)" in message
    assert "line 8: code 'x': unknown clue_type 'weird'" in message
    assert "line 11: code 'x': duplicate id" in message
    assert "line 14: code 'z': unknown parent 'ghost'" in message


def test_codebook_rejects_python_tags(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yml"
    path.write_text(f"name: evil\ncodes: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"line 2: not valid safe YAML"):
        load_codebook(path)
    assert not marker.exists()


def test_codebook_yaml_syntax_error_names_line(tmp_path):
    path = write(tmp_path, GOOD_ROOT + "  - id: x\n    label: [unclosed\n")
    with pytest.raises(CodebookError, match=r"evil|book\.yml: line \d+: not valid safe YAML"):
        load_codebook(path)


def test_codebook_duplicate_key_names_both_lines(tmp_path):
    # a second `patterns:` in one code would silently replace the first (PyYAML keeps the last value)
    path = write(tmp_path, GOOD_ROOT + "  - id: functional.x\n    parent: functional\n    label: X\n"
                 "    patterns:\n      phrases: [slow]\n    patterns:\n      phrases: [late]\n")
    with pytest.raises(CodebookError, match=r"line 13: not valid safe YAML: duplicate key 'patterns' \(first written on line 11\)"):
        load_codebook(path)


def test_codebook_top_level_must_be_mapping(tmp_path):
    path = tmp_path / "list.yml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="line 1: a codebook must be a mapping"):
        load_codebook(path)


def test_codebook_children_inherit_clue_type_and_helpers_work(tmp_path):
    body = GOOD_ROOT + (
        "  - id: functional.billing\n    parent: functional\n    label: Billing\n    description: Bills.\n"
        "    patterns:\n      phrases: [overcharged, direct debit]\n      lemmas: [invoice]\n"
        "      tokens:\n        - [{lower: charged}, {LOWER: twice}]\n"
        "    examples: [They overcharged me.]\n"
        "  - id: functional.billing.refunds\n    parent: functional.billing\n    label: Refunds\n"
    )
    cb = load_codebook(write(tmp_path, body))
    assert cb.name == "test-book" and cb.version == "1"
    assert [c.clue_type for c in cb.codes] == ["functional"] * 3
    billing = cb.code("functional.billing")
    assert billing.phrases == ("overcharged", "direct debit") and billing.lemmas == ("invoice",)
    assert billing.tokens == (({"LOWER": "charged"}, {"LOWER": "twice"}),)
    assert billing.line == 8 and billing.n_patterns == 4
    assert [c.id for c in cb.children("functional")] == ["functional.billing"]
    assert [c.id for c in cb.children(None)] == ["functional"]
    with pytest.raises(KeyError, match="no code 'nope'"):
        cb.code("nope")
    frame = cb.to_frame()
    assert list(frame.columns) == ["id", "label", "parent", "clue_type", "touchpoint", "description", "n_patterns", "examples"]
    assert frame.set_index("id").loc["functional.billing", "n_patterns"] == 4
    assert frame.set_index("id").loc["functional.billing", "examples"] == "They overcharged me."
    report = codebook_report(cb)
    assert "functional.billing [functional] Billing" in report and "~invoice" in report


def test_codebook_unknown_touchpoint_warns(tmp_path):
    body = "  - id: a\n    label: A\n    clue_type: humanic\n    touchpoint: the-moon\n"
    with pytest.warns(UserWarning, match=r"line 5: code 'a': touchpoint 'the-moon' is not a code"):
        load_codebook(write(tmp_path, body, name="warned.yml"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_codebook(write(tmp_path, body.replace("the-moon", "get-help"), name="fine.yml"))


def test_codebook_check_codebook_lists_problems_or_nothing(tmp_path):
    bad = write(tmp_path, GOOD_ROOT + "  - id: x\n    label: X\n    clue_type: weird\n  - id: y\n")
    problems = check_codebook(bad)
    assert len(problems) == 3  # unknown clue_type; y: missing label; y: missing clue_type
    assert all(p.startswith(f"{bad}: line ") for p in problems)
    assert check_codebook(load_codebook("carbone-clues").path) == []
    assert check_codebook(tmp_path / "missing.yml")[0].endswith("cannot read codebook file (No such file or directory)")


def test_codebook_unknown_name_lists_bundled():
    with pytest.raises(CodebookError, match="not a bundled codebook.*carbone-clues"):
        load_codebook("no-such-book")


def test_codebook_bundled_are_listed_and_valid():
    frame = list_codebooks()
    assert set(frame["name"]) == {"carbone-clues", "touchpoints", "points-of-connection", "disloyalty-basics"}
    for name in frame["name"]:
        cb = load_codebook(name)
        assert cb.description and all(c.description for c in cb.codes)
        assert all(2 <= len(c.examples) <= 3 for c in cb.codes if c.n_patterns)


def test_codebook_carbone_has_30_subcodes_across_three_types():
    cb = load_codebook("carbone-clues")
    subcodes = [c for c in cb.codes if c.parent is not None]
    assert len(subcodes) >= 30
    by_type = {t: sum(c.clue_type == t for c in subcodes) for t in ("functional", "mechanic", "humanic")}
    assert min(by_type.values()) >= 8, by_type
    assert all(c.n_patterns >= 20 for c in subcodes), [c.id for c in subcodes if c.n_patterns < 20]


def test_codebook_touchpoints_cover_stages_and_channels():
    cb = load_codebook("touchpoints")
    assert {c.id for c in cb.children("stage")} == {"discover", "buy", "onboard", "use", "pay", "get-help", "leave"}
    assert {c.id for c in cb.children("channel")} == {"phone", "chat", "email", "web", "app", "in-person", "mail"}
    assert {c.clue_type for c in cb.codes} == {"none"}


@st.composite
def code_trees(draw):
    """A random acyclic code tree: each code's parent is an earlier code (or none)."""
    n = draw(st.integers(1, 12))
    codes = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        clue = draw(st.sampled_from(["functional", "mechanic", "humanic", "none"])) if parent is None else None
        code = {"id": f"c{i}", "label": f"Code {i}"}
        if parent is not None:
            code["parent"] = f"c{parent}"
        if clue is not None:
            code["clue_type"] = clue
        codes.append(code)
    return codes


@settings(max_examples=40, deadline=None)
@given(codes=code_trees())
def test_codebook_property_tree_roundtrip_inherits_root_type(tmp_path_factory, codes):
    path = tmp_path_factory.mktemp("prop") / "tree.yml"
    path.write_text(yaml.safe_dump({"name": "tree", "version": "1", "description": "d", "codes": codes}), encoding="utf-8")
    cb = load_codebook(path)
    assert cb.ids() == tuple(c["id"] for c in codes)
    by_id = {c["id"]: c for c in codes}
    for code in cb.codes:
        root = by_id[code.id]
        while "parent" in root:
            root = by_id[root["parent"]]
        assert code.clue_type == root["clue_type"]


def test_codebook_exclude_holds_phrases_and_token_patterns(tmp_path):
    """``exclude`` (word-sense guards) accepts phrases and token patterns; they are not patterns."""
    path = write(tmp_path, GOOD_ROOT + (
        "  - id: functional.clean\n    label: Clean\n    parent: functional\n    patterns:\n"
        "      phrases: [flies]\n      exclude: ['time flies', [{lower: {IN: [one, he]}}, {LOWER: flies}]]\n"))
    code = load_codebook(path).code("functional.clean")
    assert code.exclude == ("time flies", ({"LOWER": {"IN": ["one", "he"]}}, {"LOWER": "flies"}))
    assert code.n_patterns == 1


def test_codebook_bundled_guards_are_valid_and_belong_to_codes_with_patterns():
    for name in bundled_names():
        for code in load_codebook(name).codes:
            assert not code.exclude or code.n_patterns, (name, code.id)


def test_codebook_alternatives_stand_for_every_phrase(tmp_path):
    """"{a|b}" in a phrase or a guard is each alternative; an empty one leaves the word out; spaces collapse."""
    from cxaudit.clues.codebook import expand_alternatives

    assert expand_alternatives("{during|after} {the |our |}meal") == [
        "during the meal", "during our meal", "during meal", "after the meal", "after our meal", "after meal"]
    assert expand_alternatives("no braces") == ["no braces"]
    path = write(tmp_path, GOOD_ROOT + "  - id: x\n    label: X\n    parent: functional\n    patterns:\n"
                 "      phrases: ['{slow|late} {delivery|parcel}', refund]\n      exclude: ['{too|very} late parcel']\n")
    code = load_codebook(path).code("x")
    assert code.phrases == ("slow delivery", "slow parcel", "late delivery", "late parcel", "refund")
    assert code.exclude == ("too late parcel", "very late parcel")
    assert code.n_patterns == 5


def test_codebook_meal_as_time_or_occasion_is_no_food_clue():
    """carbone-clues (session 25): a meal as the time or occasion of the visit, or naming something else, is not
    the food; a meal that is judged, ordered or eaten as food still is."""
    import pandas as pd

    from cxaudit.run.analysis import analyze

    texts = ["The waiter rushed us through our meal.", "We had dinner there last night and the waiter was great.",
             "The dinner menu is short.", "During the meal the manager came over.",
             "The meal was excellent.", "We went there for a good meal.", "They brought us the wrong dinner."]
    turns = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "turn_id": 0, "role": "participant",
                          "text": texts})
    tags = analyze(turns, ["carbone-clues"], model="blank").tags
    meals = tags[(tags["code"] == "functional.quality")
                 & tags["evidence"].str.lower().isin(["meal", "the meal", "dinner", "the wrong dinner"])]
    assert sorted(meals["doc_id"]) == ["d4", "d5", "d6"], tags[["doc_id", "evidence", "code"]]
