import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxaudit.redact import luhn_ok, redact

DOCS = pd.DataFrame({"doc_id": ["a", "b"], "participant": ["Jane Smith", "Omar Haddad"]})
TURNS = pd.DataFrame({
    "doc_id": ["a", "a", "b", "b"], "turn_id": [0, 1, 0, 1],
    "speaker": ["Interviewer", "Jane Smith", "Q", "Omar"],
    "role": ["interviewer", "participant", "interviewer", "participant"],
    "text": [
        "Thanks Jane, tell me about it.",
        "Email jane.smith@example.co.uk or ring 07700 900123. Card 4111-1111-1111-1111, account no. 12345678.",
        "And you, Omar?",
        "Same phone 07700 900123, see www.example.org/help. US office (555) 123-4567, +44 20 7946 0958. Jane said hi.",
    ],
})


def test_redact_replaces_pii_consistently():
    r = redact(DOCS, TURNS)
    t = list(r.turns["text"])
    assert t[0] == "Thanks P01, tell me about it."
    assert t[1] == "Email [EMAIL_1] or ring [PHONE_1]. Card [CARD_1], account no. [ACCOUNT_1]."
    assert t[3].startswith("Same phone [PHONE_1], see [URL_1]. US office [PHONE_2], [PHONE_3]. P01 said hi.")
    assert list(r.turns["speaker"]) == ["Interviewer", "P01", "Q", "P02"]
    assert list(r.documents["participant"]) == ["P01", "P02"]
    m = r.mapping.set_index("placeholder")
    assert m.loc["[CARD_1]", "value"] == "4111-1111-1111-1111" and m.loc["P02", "value"] == "Omar Haddad"
    assert list(r.mapping.columns) == ["placeholder", "kind", "value"]


def test_redact_leaves_other_text_and_inputs_untouched():
    text = "I waited 40 minutes on 12 May 2025 and paid £12.50; order 1234567890123 arrived."
    turns = pd.DataFrame({"doc_id": ["x"], "turn_id": [0], "speaker": [None], "role": ["unknown"], "text": [text]})
    before = turns.copy()
    r = redact(pd.DataFrame({"doc_id": ["x"]}), turns)
    assert r.turns["text"].iloc[0] == text
    pd.testing.assert_frame_equal(turns, before)


@pytest.mark.parametrize("text,kind", [
    ("IBAN GB82 WEST 1234 5698 7654 32 please", "iban"),
    ("sort code 20-00-00", "sort_code"),
    ("my acct number is 0012 3456", "account"),
    ("call +1 415 555 2671", "phone"),
    ("visit https://bank.example.com/login?x=1.", "url"),
])
def test_redact_kinds(text, kind):
    turns = pd.DataFrame({"doc_id": ["x"], "turn_id": [0], "speaker": [None], "role": ["unknown"], "text": [text]})
    r = redact(pd.DataFrame({"doc_id": ["x"]}), turns)
    assert list(r.mapping["kind"]) == [kind]
    assert r.mapping["value"].iloc[0] not in r.turns["text"].iloc[0]


def test_redact_pseudonyms_and_luhn():
    r = redact(DOCS, TURNS, pseudonyms={"Omar Haddad": "P07"})
    assert list(r.documents["participant"]) == ["P01", "P07"]
    assert luhn_ok("4111 1111 1111 1111") and not luhn_ok("4111 1111 1111 1112") and not luhn_ok("")


def test_redact_bad_input():
    with pytest.raises(TypeError):
        redact("docs", TURNS)
    with pytest.raises(ValueError, match="text"):
        redact(DOCS, TURNS.drop(columns=["text"]))


def test_redact_generic_label_is_not_a_name_and_follows_the_document_participant():
    import pandas as pd

    from cxaudit.redact import redact

    docs = pd.DataFrame({"doc_id": ["d1"], "participant": ["Tom Baker"]})
    turns = pd.DataFrame({"doc_id": ["d1", "d1"], "turn_id": [0, 1], "speaker": ["Q", "A"],
                          "role": ["interviewer", "participant"],
                          "text": ["How was it?", "A friend said Tom should call the Customer line."]})
    red = redact(docs, turns)
    assert red.documents["participant"].tolist() == ["P01"]
    assert red.turns["speaker"].tolist() == ["Q", "P01"]  # the Q/A participant is the document's participant
    assert red.turns["text"].iloc[1] == "A friend said P01 should call the Customer line."  # 'A' is not a name


def test_redact_grouped_card_number_even_when_luhn_fails():
    import pandas as pd

    from cxaudit.redact import luhn_ok, redact

    assert not luhn_ok("4929 1234 5678 9012")
    turns = pd.DataFrame({"doc_id": ["d"], "turn_id": [0], "speaker": [None], "role": ["participant"],
                          "text": ["My card 4929 1234 5678 9012 was blocked; order 1234567890123 was fine."]})
    red = redact(pd.DataFrame({"doc_id": ["d"], "participant": [None]}), turns)
    assert red.turns["text"].iloc[0] == "My card [CARD_1] was blocked; order 1234567890123 was fine."


def test_redact_previous_mapping_keeps_placeholders_stable():
    import pandas as pd

    from cxaudit.redact import redact

    def turns(texts, speakers):
        return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "turn_id": 0, "role": "participant",
                             "speaker": speakers, "text": texts})

    docs1 = pd.DataFrame({"doc_id": ["d0"], "participant": ["Zoe Adams"]})
    first = redact(docs1, turns(["Mail zoe@example.com"], ["Zoe Adams"]))
    assert first.turns["text"].iloc[0] == "Mail [EMAIL_1]"
    # a later run meets a new person first and the old one again: nobody is renumbered
    docs2 = pd.DataFrame({"doc_id": ["d0", "d1"], "participant": ["Amy Brown", "Zoe Adams"]})
    second = redact(docs2, turns(["Mail amy@example.com", "Mail zoe@example.com"], ["Amy Brown", "Zoe Adams"]),
                    previous=first.mapping)
    assert second.documents["participant"].tolist() == ["P02", "P01"]
    assert second.turns["text"].tolist() == ["Mail [EMAIL_2]", "Mail [EMAIL_1]"]
    assert set(first.mapping["placeholder"]) <= set(second.mapping["placeholder"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="ab @.w-0123456789:/htpsAcountIBAN+()", max_size=80))
def test_redact_guards_never_change_the_result(monkeypatch, text):
    """The cheap "can this pattern match?" guards give exactly the result of running every pattern."""
    import cxaudit.redact as r

    docs = pd.DataFrame({"doc_id": ["d"], "source": ["s"], "kind": ["comment"], "content_hash": ["h"]})
    turns = pd.DataFrame({"doc_id": ["d"], "turn_id": [0], "role": ["participant"], "text": [text]})
    guarded = r.redact(docs, turns)
    with monkeypatch.context() as m:
        m.setattr(r, "_may_match", lambda kind, text: True)
        unguarded = r.redact(docs, turns)
    assert guarded.turns["text"].tolist() == unguarded.turns["text"].tolist()
    assert guarded.mapping.values.tolist() == unguarded.mapping.values.tolist()
