"""Speaker roles from labels, configuration and the question heuristic."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxaudit.ingest import RoleConfig, Turn
from cxaudit.ingest.roles import assign_roles, is_question, label_key, participant_label, role_of_label

ROLES = RoleConfig()


@pytest.mark.parametrize(
    "label, role",
    [
        ("Interviewer", "interviewer"),
        ("INTERVIEWER", "interviewer"),
        ("Interviewer 1", "interviewer"),
        ("Moderator (Anna)", "interviewer"),
        ("facilitator", "interviewer"),
        ("Researcher 2", "interviewer"),
        ("Q", "interviewer"),
        ("Host", "interviewer"),
        ("A", "participant"),
        ("Interviewee", "participant"),
        ("Respondent", "participant"),
        ("Participant 3", "participant"),
        ("Customer", "participant"),
        ("Guest", "participant"),
        ("Client", "participant"),
        ("P1", "participant"),
        ("Maria Lopez", "unknown"),
        ("Speaker 1", "unknown"),
        (None, "unknown"),
    ],
)
def test_roles_role_of_label_defaults(label, role):
    assert role_of_label(label, ROLES) == role


def test_roles_label_key_strips_numbers_and_parentheses():
    assert label_key("Moderator (Anna) ") == "moderator"
    assert label_key("Interviewer-2") == "interviewer"
    assert label_key("Maria Lopez") == "maria lopez"


def test_roles_configured_labels_win_and_participant_beats_interviewer():
    roles = RoleConfig(interviewer=["Anna", "Host"], participant=["Host", "Agent Smith"])
    assert role_of_label("anna", roles) == "interviewer"
    assert role_of_label("Host", roles) == "participant"
    assert role_of_label("Agent Smith", roles) == "participant"
    assert role_of_label("Interviewer", roles) == "unknown"  # the user's list replaces the default


def _turns(*pairs):
    return [Turn(speaker, text) for speaker, text in pairs]


def _roles(turns):
    return {t.speaker: t.role for t in assign_roles(turns, ROLES)}


def test_roles_other_speaker_of_known_interviewer_is_participant():
    turns = _turns(("Interviewer", "Hi."), ("Maria Lopez", "Hello."), ("Interviewer", "Bye."))
    assert _roles(turns) == {"Interviewer": "interviewer", "Maria Lopez": "participant"}
    assert participant_label(turns) == "Maria Lopez"


def test_roles_question_heuristic_when_evidence_is_clear():
    turns = _turns(
        ("Anna", "How did it go?"), ("Bob", "Badly."), ("Anna", "Why?"), ("Bob", "The app crashed."),
        ("Anna", "And then?"), ("Bob", "I called them. Would you believe it?"), ("Anna", "Thanks."), ("Bob", "Bye."),
    )
    assert _roles(turns) == {"Anna": "interviewer", "Bob": "participant"}


@pytest.mark.parametrize(
    "pairs",
    [
        # only two question turns: not enough evidence
        [("Anna", "How did it go?"), ("Bob", "Badly."), ("Anna", "Why?"), ("Bob", "It crashed.")],
        # both ask many questions: no clear asker
        [("Anna", "Why?"), ("Bob", "Who knows?"), ("Anna", "Really?"), ("Bob", "Would you?"), ("Anna", "When?"), ("Bob", "How?")],
    ],
)
def test_roles_question_heuristic_stays_unknown_without_clear_evidence(pairs):
    assert set(_roles(_turns(*pairs)).values()) == {"unknown"}


def test_roles_three_unknown_speakers_stay_unknown():
    turns = _turns(("Anna", "Why?"), ("Bob", "No."), ("Anna", "How?"), ("Cy", "Yes."), ("Anna", "When?"), ("Bob", "Now."))
    assert set(_roles(turns).values()) == {"unknown"}
    assert participant_label(turns) is None


def test_roles_unlabelled_turns():
    only_unlabelled = _turns((None, "Text one."), (None, "Text two."))
    assert {t.role for t in assign_roles(only_unlabelled, ROLES)} == {"participant"}
    mixed = _turns(("Interviewer", "Hi?"), (None, "Stray text."), ("Maria", "Hello."))
    assert [t.role for t in assign_roles(mixed, ROLES)] == ["interviewer", "unknown", "participant"]


@pytest.mark.parametrize("text, expected", [("Why?", True), ("Why? ”", True), ("(really?)", True), ("Fine.", False), ("? no", False)])
def test_roles_is_question(text, expected):
    assert is_question(text) is expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["X", "Y"]), st.sampled_from(["Yes.", "No!", "Why?", "Hmm"])), min_size=1, max_size=20))
def test_roles_heuristic_never_names_two_interviewers(pairs):
    roles = _roles(_turns(*pairs))
    assert list(roles.values()).count("interviewer") <= 1
    assert set(roles.values()) in ({"unknown"}, {"interviewer", "participant"})
