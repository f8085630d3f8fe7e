"""The rule tagger: span groups, overlaps, lemma and case matching, offsets, touchpoints, tag()."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from cxaudit.clues._rules import QUESTION_FACTOR, SCOPE_CONFIDENCE
from cxaudit.clues.codebook import bundled_names, load_codebook
from cxaudit.clues.tagger import add_codebooks, spans_key, tag, tag_rows
from cxaudit.nlp import build_pipeline
from cxaudit.schemas import TAGS, validate

BOOK = """\
name: mini
version: "1"
description: a small codebook for tests
codes:
  - id: phone
    label: Phone menus
    clue_type: mechanic
    touchpoint: phone
    patterns:
      phrases: [hold music, on hold]
    examples: [The hold music was awful.]
  - id: noise
    label: Noise
    clue_type: mechanic
    patterns:
      phrases: [music, loud]
    examples: [The music was loud.]
  - id: ivr-all
    label: Anything about hold music
    clue_type: mechanic
    patterns:
      phrases: [hold music]
    examples: [Hold music again.]
  - id: speed
    label: Speed
    clue_type: functional
    touchpoint: use
    patterns:
      lemmas: [wait]
      phrases: [took ages]
    examples: [We waited.]
  - id: fees
    label: Fees
    clue_type: functional
    patterns:
      lemmas: [charge]
      phrases: [hidden fees, charged twice]
      tokens:
        - [{LOWER: {IN: [admin, booking]}}, {LOWER: fee}]
    examples: [Hidden fees everywhere.]
  - id: rude
    label: Rudeness
    clue_type: humanic
    patterns:
      phrases: [rude]
    examples: [She was rude.]
"""


def blank_nlp():
    """The blank pipeline cxaudit builds when no trained pipeline is installed."""
    return build_pipeline("blank")


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    path = tmp_path_factory.mktemp("books") / "mini.yml"
    path.write_text(BOOK, encoding="utf-8")
    return load_codebook(path)


@pytest.fixture(scope="module")
def nlp(mini):
    nlp = blank_nlp()
    add_codebooks(nlp, [mini, "touchpoints"])
    return nlp


def turn_rows(doc, doc_id="d", mode="current"):
    """Sentence rows of a turn Doc, one per sentence the sentencizer found."""
    return [{"sentence_id": f"{doc_id}#0.{i}", "start_char": s.start_char, "end_char": s.end_char, "mode": mode}
            for i, s in enumerate(doc.sents)]


def tags_of(nlp, text, **kwargs):
    doc = nlp(text)
    return doc, pd.DataFrame(tag_rows(doc, turn_rows(doc, **kwargs), "d"), columns=TAGS.names)


def test_tagger_pipeline_has_one_ruler_and_span_group_per_codebook(nlp):
    assert nlp.pipe_names[-3:] == ["cx_ruler_mini", "cx_ruler_touchpoints", "cx_codebook_info"]
    doc = nlp("I was on hold for ages.")
    assert {"cx_mini", "cx_touchpoints"} <= set(doc.spans)
    assert all(span.id_ == "mini" for span in doc.spans[spans_key("mini")])


def test_tagger_add_codebooks_twice_replaces_rulers(mini):
    nlp = blank_nlp()
    add_codebooks(nlp, [mini])
    add_codebooks(nlp, [mini, "touchpoints"])
    assert nlp.pipe_names.count("cx_ruler_mini") == 1 and nlp.pipe_names[-1] == "cx_codebook_info"
    assert set(nlp("hi")._.cx_codebooks) == {"mini", "touchpoints"}


def test_tagger_overlapping_spans_are_all_kept(nlp):
    doc, tags = tags_of(nlp, "The hold music was terrible.")
    spans = {(s.label_, s.text) for s in doc.spans["cx_mini"]}
    assert {("phone", "hold music"), ("noise", "music"), ("ivr-all", "hold music")} <= spans
    got = set(zip(tags.code, tags.evidence))
    assert {("phone", "hold music"), ("noise", "music"), ("ivr-all", "hold music")} <= got


def test_tagger_same_code_overlap_keeps_longest_but_distinct_mentions_stay(nlp):
    text = "They charged twice, and the agent was rude, so rude."
    doc, tags = tags_of(nlp, text)
    assert {s.text for s in doc.spans["cx_mini"] if s.label_ == "fees"} == {"charged", "charged twice"}
    fees = tags[tags.code == "fees"]
    assert fees.evidence.tolist() == ["charged twice"]
    first = text.index("rude")
    assert tags[tags.code == "rude"].start_char.tolist() == [first, text.index("rude", first + 1)]


@pytest.mark.parametrize("text, evidence", [("We waited an hour.", "waited"), ("Waiting again!", "Waiting"),
                                            ("WAITS are long.", "WAITS"), ("The charges doubled.", "charges"),
                                            ("Charging me more.", "Charging")])
def test_tagger_lemmas_match_inflected_forms_in_any_case(nlp, text, evidence):
    _, tags = tags_of(nlp, text)
    assert evidence in tags.evidence.tolist()


@pytest.mark.parametrize("text", ["HIDDEN FEES again", "Hidden Fees again", "hidden fees again"])
def test_tagger_phrases_are_case_insensitive(nlp, text):
    _, tags = tags_of(nlp, text)
    assert tags[tags.code == "fees"].evidence.str.lower().tolist() == ["hidden fees"]


def test_tagger_token_patterns_match(nlp):
    _, tags = tags_of(nlp, "A Booking fee and an admin fee.")
    assert tags[tags.code == "fees"].evidence.tolist() == ["Booking fee", "admin fee"]


def test_tagger_offsets_index_the_sentence_not_the_turn(nlp):
    text = "Hello. It took ages. Then the music got loud and she was rude."
    doc, tags = tags_of(nlp, text)
    sents = {r["sentence_id"]: text[r["start_char"]:r["end_char"]] for r in turn_rows(doc)}
    assert set(tags.sentence_id) == {"d#0.1", "d#0.2"}
    for row in tags.itertuples():
        assert sents[row.sentence_id][row.start_char:row.end_char] == row.evidence
    assert tags[tags.code == "rude"].start_char.tolist() == [sents["d#0.2"].index("rude")]


@settings(max_examples=30, deadline=None)
@given(prefix=st.lists(st.sampled_from(["Fine.", "Okay then!", "We called.", "Nothing else?", "It was  fine ."]),
                       max_size=5),
       filler=st.text(alphabet="abcdefg ", max_size=15))
def test_tagger_property_evidence_is_sentence_slice(nlp, prefix, filler):
    text = " ".join([*prefix, f"The staff were rude {filler.strip()} and it took ages."])
    doc, tags = tags_of(nlp, text)
    sents = {r["sentence_id"]: text[r["start_char"]:r["end_char"]] for r in turn_rows(doc)}
    assert {"rude", "took ages"} <= set(tags.evidence)
    for row in tags.itertuples():
        assert sents[row.sentence_id][row.start_char:row.end_char] == row.evidence


def test_tagger_touchpoint_same_sentence_beats_same_turn(nlp):
    _, tags = tags_of(nlp, "I went into the branch. On the phone later they were rude.")
    assert tags[tags.code == "rude"].touchpoint.tolist() == ["phone"]
    _, tags = tags_of(nlp, "I went into the branch. Later they were rude.")
    assert tags[tags.code == "rude"].touchpoint.tolist() == ["in-person"]


def test_tagger_touchpoint_defaults_to_code_then_null(nlp, mini):
    _, tags = tags_of(nlp, "We waited. She was rude.")
    assert tags.set_index("code").loc["speed", "touchpoint"] == "use"
    assert pd.isna(tags.set_index("code").loc["rude", "touchpoint"])
    only_mini = blank_nlp()
    add_codebooks(only_mini, [mini])
    doc = only_mini("I emailed them. The hold music was bad.")
    rows = {r["code"]: r["touchpoint"] for r in tag_rows(doc, turn_rows(doc), "d")}
    assert rows["phone"] == "phone" and rows["noise"] is None


def test_tagger_touchpoint_tags_point_at_themselves(nlp):
    _, tags = tags_of(nlp, "I emailed them twice.")
    tp = tags[tags.codebook == "touchpoints"]
    assert tp.code.tolist() == ["email"] and tp.touchpoint.tolist() == ["email"] and tp.clue_type.tolist() == ["none"]


def test_tagger_confidence_valence_mode_and_method(nlp):
    _, tags = tags_of(nlp, "It took ages and she was rude.", mode="current")
    conf = tags.set_index("code").confidence
    # both feelings come from the clue's own clause: the share measured right for that scope
    assert conf["speed"] == pytest.approx(SCOPE_CONFIDENCE["clause"]) == conf["rude"]
    assert set(tags["method"]) == {"rule"} and set(tags["mode"]) == {"current"}
    assert tags.set_index("code").loc["rude", "valence"] == "negative"
    assert tags.set_index("code").loc["rude", "polarity"] < 0
    _, question = tags_of(nlp, "Was she rude?", mode="question")
    assert question.confidence.tolist() == [pytest.approx(SCOPE_CONFIDENCE["clause"] * QUESTION_FACTOR)]


def test_tagger_mixed_valence_when_clause_has_strong_words_both_ways(nlp):
    _, tags = tags_of(nlp, "The music was loud and wonderful and horrible.")
    assert tags.set_index("code").loc["noise", "valence"].tolist() == ["mixed", "mixed"]


def test_tagger_tag_rows_rejects_docs_without_codebooks_or_sentiment(mini):
    row = [{"sentence_id": "x", "start_char": 0, "end_char": 4, "mode": "other"}]
    with pytest.raises(ValueError, match="add_codebooks"):
        tag_rows(blank_nlp()("rude"), row, "d")
    bare = spacy.blank("en")
    add_codebooks(bare, [mini])
    with pytest.raises(ValueError, match="no sentiment annotations"):
        tag_rows(bare("rude"), row, "d")


def test_tagger_tag_api_on_a_small_table(mini):
    sentences = pd.DataFrame({
        "sentence_id": ["a#0.0", "a#0.1", "b#0.0", "c#0.0"], "doc_id": ["a", "a", "b", "c"],
        "turn_id": [0, 0, 0, 0], "text": ["I rang them.", "The hold music was loud.", "Nothing here.", "We waited."],
        "start_char": [0, 13, 0, 0], "end_char": [12, 37, 13, 10], "mode": ["current", "current", "other", "desired"],
    })
    tags = tag(sentences, [mini, "touchpoints"], nlp=blank_nlp())
    assert list(tags.columns) == TAGS.names
    validate(tags, TAGS)
    clue = tags[tags.codebook == "mini"].set_index(["sentence_id", "code"])
    assert set(clue.index) == {("a#0.1", "phone"), ("a#0.1", "noise"), ("a#0.1", "ivr-all"), ("c#0.0", "speed")}
    assert clue.loc[("a#0.1", "noise"), "touchpoint"].tolist() == ["phone", "phone"]  # from the turn
    assert clue.loc[("c#0.0", "speed"), "mode"] == "desired"
    for row in tags.itertuples():
        text = sentences.set_index("sentence_id").loc[row.sentence_id, "text"]
        assert text[row.start_char:row.end_char] == row.evidence
    only = tag(sentences[["sentence_id", "doc_id", "text"]], [mini], nlp=blank_nlp())
    assert set(only.codebook) == {"mini"} and set(only["mode"]) == {"other"}
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['text'\]"):
        tag(sentences.drop(columns=["text"]), [mini])


@pytest.mark.parametrize("name", bundled_names())
def test_tagger_every_bundled_example_is_tagged_with_its_code(name):
    cb = load_codebook(name)
    rows = [{"sentence_id": f"{code.id}|{i}", "doc_id": code.id, "text": text, "mode": "current", "want": code.id}
            for code in cb.codes for i, text in enumerate(code.examples)]
    frame = pd.DataFrame(rows)
    tags = tag(frame.drop(columns="want"), [cb], nlp=blank_nlp())
    got = set(zip(tags.sentence_id, tags.code))
    missing = [(r["want"], r["text"]) for r in rows if (r["sentence_id"], r["want"]) not in got]
    assert not missing, textwrap.shorten(str(missing), 2000)


def test_tagger_without_span_groups_gives_the_same_tags(mini):
    """write_spans=False (the batch engine's setting) keeps only the match tuples: same tags, no spans."""
    with_spans, tuples_only = blank_nlp(), blank_nlp()
    add_codebooks(with_spans, [mini, "touchpoints"])
    add_codebooks(tuples_only, [mini, "touchpoints"], write_spans=False)
    text = "The staff were rude on the phone. The app crashed twice, and the branch was filthy!"
    a, b = with_spans(text), tuples_only(text)
    assert len(a.spans[spans_key("touchpoints")]) > 0 and len(b.spans) == 0
    rows_a = tag_rows(a, turn_rows(a), "d")
    rows_b = tag_rows(b, turn_rows(b), "d")
    assert rows_a == rows_b and len(rows_a) >= 3
    starts = {r["sentence_id"]: r["start_char"] for r in turn_rows(b)}
    for row in rows_b:  # offsets computed from token arrays point at the evidence in the turn text
        s0 = starts[row["sentence_id"]]
        assert text[s0 + row["start_char"]:s0 + row["end_char"]] == row["evidence"]


GUARDED = """\
name: guarded
version: "1"
description: word-sense guards
codes:
  - id: clean
    label: Cleanliness
    clue_type: mechanic
    patterns:
      phrases: [flies, dirty]
      exclude: ["time flies", [{LOWER: {IN: [one, he, she]}}, {LOWER: flies}]]
    examples: [There were flies everywhere.]
  - id: other
    label: Also flies
    clue_type: mechanic
    patterns:
      phrases: [flies]
    examples: [Flies.]
"""


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    path = tmp_path_factory.mktemp("books") / "guarded.yml"
    path.write_text(GUARDED, encoding="utf-8")
    return load_codebook(path)


@pytest.mark.parametrize("write_spans", [True, False])
def test_tagger_exclude_drops_overlapping_matches_of_its_code_only(guarded, write_spans):
    nlp = blank_nlp()
    add_codebooks(nlp, [guarded], write_spans=write_spans)
    text = "Time flies when one flies Emirates, but flies everywhere and a dirty floor."
    doc = nlp(text)
    rows = tag_rows(doc, turn_rows(doc), "d")
    got = sorted((r["code"], r["start_char"]) for r in rows)
    flies = [i for i in range(len(text)) if text.startswith("flies", i)]
    # clean: the first two "flies" are guarded (a phrase and a token pattern); the third is kept
    assert got == sorted([("clean", flies[2]), ("clean", text.index("dirty")),
                          ("other", flies[0]), ("other", flies[1]), ("other", flies[2])])


# --------------------------------------------------------------------------- carbone-clues coverage and guards
# Hand-made sentences with known answers (issue 15, items 4 and 5): (text, code, evidence, expected).
# ``expected`` True: a tag of that code whose evidence contains that text (any case); False: no such tag.
COVERAGE = [
    ("Helpful people in branch but nobody ever calls back.", "humanic.responsiveness", "calls back", True),
    ("The solicitor never returned my calls.", "humanic.responsiveness", "returned my calls", True),
    ("I can't say enough good things about the support team.", "humanic.staff", "the support team", True),
    ("My claim was settled within a week, no fuss.", "functional.resolution", "claim was settled", True),
    ("The chat bot was useless, I just wanted a human.", "mechanic.website", "chat bot", True),
    ("The instructions were clear and easy to follow.", "mechanic.forms", "The instructions", True),
    ("The seatback screen froze and the film selection was poor.", "mechanic.entertainment", "seatback screen", True),
    ("The TV in the room only had four channels.", "mechanic.entertainment", "TV in the room", True),
    ("The waiting room screens just play adverts on a loop.", "mechanic.app", "screens", False),
    ("No power socket by the bed and the USB port was broken.", "mechanic.power", "power socket", True),
    ("No power socket by the bed and the USB port was broken.", "mechanic.power", "USB port", True),
    ("Plenty of plug sockets in the waiting area to charge my phone.", "mechanic.power", "plug sockets", True),
    ("The EV chargers in the car park were all out of order.", "mechanic.power", "EV chargers", True),
    ("The EV chargers in the car park were all out of order.", "mechanic.access", "car park", True),
    ("The seat barely reclines and the legroom is tiny.", "mechanic.comfort", "reclines", True),
    ("Narrow seats and no armrest to myself.", "mechanic.comfort", "armrest", True),
    ("I paid extra for seat selection.", "mechanic.comfort", "seat", False),
    ("The business lounge had hot food and showers.", "mechanic.facilities", "business lounge", True),
    ("The lounge was quiet and the showers were clean.", "mechanic.facilities", "lounge", True),
    ("They lost my suitcase and it took four days to come back.", "functional.baggage", "suitcase", True),
    ("Our bags were first off the carousel.", "functional.baggage", "the carousel", True),
    ("The porter kept our bags until the room was ready.", "functional.baggage", "kept our bags", True),
    ("Boarding was chaotic, nobody called the groups.", "mechanic.check-in", "Boarding", True),
    ("Check-in took forty minutes because only two desks were open.", "mechanic.check-in", "Check-in", True),
    ("We checked in at the hotel at noon.", "mechanic.check-in", "checked in", True),
    ("The clinic's registration desk was unstaffed.", "mechanic.check-in", "registration desk", True),
    ("The security queue took an hour.", "mechanic.queues", "security queue", True),
    ("The security queue took an hour.", "mechanic.check-in", "security queue", True),
    ("The multi-storey car park was full.", "mechanic.access", "multi-storey", True),
    ("The waiting room at the surgery was freezing.", "mechanic.queues", "waiting room", True),
]

GUARDS = [
    # session 27, the blind sample s27: jargon someone avoids when they explain is no document; a numbered option or
    # a named menu is a phone or app menu, no range; a sum that takes someone into an overdraft, comes back, or
    # buys a quantity of something is no price
    ("Priya explained everything clearly, no jargon.", "mechanic.forms", "jargon", False),
    ("Priya explained everything clearly, no jargon.", "humanic.communication", "jargon", True),
    ("The letter was full of jargon.", "mechanic.forms", "jargon", True),
    ("By the time you get to option 6 you've forgotten option 1.", "functional.range", "option", False),
    ("There's one big menu called Move money.", "functional.range", "menu", False),
    ("They even have a section in the menu called American Chinese food!", "functional.range", "the menu", True),
    ("They have a great vegetarian option.", "functional.range", "option", True),
    ("I went about forty pounds into my overdraft for one night.", "functional.price", "pounds", False),
    ("It took six weeks to get my forty pounds back.", "functional.price", "pounds", False),
    ("Someone bought six hundred pounds of electronics with my card.", "functional.price", "pounds", False),
    ("They charged me forty pounds for a two minute call.", "functional.price", "pounds", True),
    # session 27, the blind sample s27b: the customer's own forgetting is no error; a plumbing and heating firm is no
    # room heating; coat check staff are no amenity; a place to be avoided is a verdict on it all, no atmosphere; a dish sent
    # to all tables is no seating
    ("By the time you get to option 6 you've forgotten option 1.", "functional.accuracy", "forgotten", False),
    ("I forgot my password and had to reset it.", "functional.accuracy", "forgot my", False),
    ("They forgot my order twice.", "functional.accuracy", "forgot my", True),
    ("I run a plumbing and heating firm.", "mechanic.temperature", "heating", False),
    ("The heating was broken all night.", "mechanic.temperature", "heating", True),
    ("The coat check girls were rude.", "mechanic.facilities", "coat check", False),
    ("The coat check was quick and free.", "mechanic.facilities", "coat check", True),
    ("This place is to be avoided.", "mechanic.atmosphere", "place is", False),
    ("The place is beautiful and cosy.", "mechanic.atmosphere", "The place", True),
    ("They sent complimentary amuse bouche to all tables.", "mechanic.comfort", "tables", False),
    ("The tables are too close together.", "mechanic.comfort", "tables are too close", True),
    # the customer's own manners are no courtesy clue (the Evidence tab's "most typical" first page, session 27)
    ("I wasn't rude to anyone, but nobody took ownership of it.", "humanic.courtesy", "rude", False),
    ("I was polite the whole time and the agent was rude.", "humanic.courtesy", "polite", False),
    ("I was polite the whole time and the agent was rude.", "humanic.courtesy", "rude", True),
    # session 26, the blind sample s26c: an account or a complaint that was closed says nothing of opening hours;
    # food heated up is no room heating; a delivery service is no staff
    ("Got an email saying my complaint was closed.", "functional.availability", "was closed", False),
    ("My account was closed without warning.", "functional.availability", "was closed", False),
    ("The branch was closed on Saturday.", "functional.availability", "was closed", True),
    ("We saw them heating up a frozen dish.", "mechanic.temperature", "heating", False),
    ("The heating was off and it was freezing.", "mechanic.temperature", "heating", True),
    ("Delivery service is great too.", "humanic.staff", "service is", False),
    ("The service is great.", "humanic.staff", "The service is", True),
    # lounges are amenities, not queues or waiting areas
    ("We relaxed in the lounge before the flight.", "mechanic.queues", "lounge", False),
    ("We relaxed in the lounge before the flight.", "mechanic.facilities", "lounge", True),
    ("The departure lounge was packed.", "mechanic.facilities", "lounge", False),
    ("The departure lounge was packed.", "mechanic.queues", "departure lounge", True),
    # "flies" the verb is not insects
    ("When one flies Emirates, the crew are lovely.", "mechanic.cleanliness", "flies", False),
    ("There were flies everywhere in the kitchen.", "mechanic.cleanliness", "flies", True),
    # parked aircraft are not car parking
    ("We watched the parked aircraft from the window.", "mechanic.access", "parked", False),
    ("The planes were parked at a remote stand.", "mechanic.access", "parked", False),
    ("I parked the car right outside.", "mechanic.access", "parked the car", True),
    ("Your app is buggy and keeps crashing.", "mechanic.access", "buggy", False),
    # session 15, from the sample's tags: a metaphor and a wait by the phone are no equipment or seating
    ("It felt like a machine.", "mechanic.equipment", "machine", False),
    ("The ticket machine was broken.", "mechanic.equipment", "ticket machine", True),
    ("I sat by the phone for forty-five minutes.", "mechanic.comfort", "sat by the", False),
    # discourse markers and verbs read as clues
    ("To be honest, the branch is fine.", "humanic.honesty", "honest", False),
    ("They were honest about the fees.", "humanic.honesty", "honest", True),
    ("I have never experienced such poor service.", "humanic.knowledge", "experienced", False),
    ("Very experienced staff.", "humanic.knowledge", "experienced", True),
    ("To my surprise the bill was correct.", "humanic.personalisation", "surprise", False),
    ("My patience ran out after the third call.", "humanic.empathy", "patience", False),
    ("Please help me, my card is blocked.", "humanic.ownership", "help me", False),
    ("We had a quiet conversation despite the full room.", "humanic.communication", "conversation", False),
    ("I had a long conversation with the manager.", "humanic.communication", "conversation", True),
    ("A lightly dressed salad with mint.", "humanic.appearance", "dressed", False),
    # speed words that are not about time taken
    ("Best meal I've had in a long time.", "functional.speed", "long time", False),
    ("The wait staff were lovely.", "functional.speed", "wait", False),
    ("I can't wait to go back.", "functional.speed", "wait", False),
    ("The nearest branch is an hour away.", "functional.speed", "an hour", False),
    ("It is an alternative to fast food.", "functional.speed", "fast", False),
    ("We waited an hour for the engineer.", "functional.speed", "an hour", True),
    # travel senses
    ("After paying for first class you pay for drinks?", "functional.quality", "first class", False),
    ("I missed my connection in Dubai.", "functional.connectivity", "connection", False),
    ("The wifi connection kept dropping.", "functional.connectivity", "connection", True),
    ("We flew Air China to Beijing.", "mechanic.presentation", "China", False),
    ("The airport terminal was packed.", "mechanic.equipment", "terminal", False),
    ("The card terminal was broken.", "mechanic.equipment", "card terminal", True),
    # banking, telecoms and hospitality senses
    # session 20, from the sample's Summary: a fraudster's "suspicious payments" are a scam, not billing
    ("They said there were suspicious payments on my account.", "functional.billing", "payments", False),
    ("They said there were suspicious payments on my account.", "functional.security", "suspicious payments", True),
    ("The payment went through twice.", "functional.billing", "payment went through", True),
    ("They put my account on hold for a week.", "mechanic.phone-system", "on hold", False),
    ("I was on hold for an hour.", "mechanic.phone-system", "hold", True),
    ("Setting up the online account took ten minutes.", "mechanic.atmosphere", "Setting", False),
    ("I opened an account with the building society.", "mechanic.atmosphere", "building", False),
    ("I can view my statements online.", "mechanic.atmosphere", "view", False),
    ("The view from the terrace is stunning.", "mechanic.atmosphere", "view", True),
    ("The signature dish was superb.", "mechanic.forms", "signature", False),
    ("The coffee machine in reception was broken.", "functional.quality", "coffee", False),
    ("The coffee machine in reception was broken.", "mechanic.equipment", "coffee machine", True),
    ("There is a service charge of 12 percent.", "humanic.staff", "service", False),
    ("There is a service charge of 12 percent.", "functional.fees", "service charge", True),
    ("The app shows a breakdown of my spending.", "functional.reliability", "breakdown", False),
    ("The car had a breakdown on the motorway.", "functional.reliability", "breakdown", True),
    ("The steep stairs down to the toilets are dangerous.", "functional.price", "steep", False),
    ("The nurse checked in on me every hour.", "mechanic.check-in", "checked in", False),
    ("He went to boarding school with the manager.", "mechanic.check-in", "boarding", False),
    ("The fees are in excess of what was quoted.", "functional.fees", "excess", False),
    ("There were signs of wear on every chair.", "mechanic.layout", "signs", False),
    ("They could not process my application for a month.", "functional.policies", "process", False),
    ("The process that the bank uses for probate is slow.", "functional.policies", "process", True),
    # the customer describing themselves (phrase guards), and staff of other industries
    ("I'm an engineer myself and the technician knew his stuff.", "humanic.staff", "engineer", False),
    ("I'm an engineer myself and the technician knew his stuff.", "humanic.staff", "technician", True),
    ("I work as a nurse myself, so I know the pressure.", "humanic.staff", "nurse", False),
    ("I am a teacher and the teachers here are great.", "humanic.staff", "teachers", True),
    ("I was a bit shocked when the waiter shouted.", "humanic.staff", "waiter", True),
    ("The claims handler never returned my calls.", "humanic.staff", "claims handler", True),
    ("The midwife was amazing.", "humanic.staff", "midwife", True),
    ("The self-service tills kept breaking.", "humanic.staff", "service", False),
    # session 21, the second blind tag sample: meals and chats are no speed, the customer's own work no
    # reliability, a phone's face login the app; and "id" is split by the tokenizer only in lower case
    ("We went in for a quick bite.", "functional.speed", "quick", False),
    ("The service was quick.", "functional.speed", "quick", True),
    ("Every hour on hold is an hour I'm not working.", "functional.reliability", "not working", False),
    ("The app is not working.", "functional.reliability", "not working", True),
    ("Face ID login is quick.", "mechanic.website", "login", False),
    ("Face ID login is quick.", "mechanic.app", "Face ID", True),
    ("I like the face id login.", "mechanic.app", "face id", True),
    # session 23, the fifth blind tag sample: other people's work, a size and a department are no clue
    ("All my co-workers were amazed at how small the dish was.", "humanic.staff", "workers", False),
    ("The workers at the depot were helpful.", "humanic.staff", "workers", True),
    ("It's only $1.95 for a regular slice.", "humanic.personalisation", "a regular", False),
    ("I'm a regular and they know my order.", "humanic.personalisation", "a regular", True),
    ("Then the fees team said it was an overdraft issue.", "functional.fees", "fees", False),
    # session 28: "fees" as the department one is put through to (the cost prior made it a complaint on the
    # dashboard's first page: "… put me through to fees.")
    ("The first person said it's a billing issue and put me through to fees.", "functional.fees", "fees", False),
    ("They transferred me to fees and fees told me to call back.", "functional.fees", "fees", False),
    ("The fees were taken straight out of my account.", "functional.fees", "fees", True),
    # session 28, the blind sample s28: a wine list or a drinks menu is the choice offered, not the drink's quality
    ("They have a wonderful wine list.", "functional.quality", "wine", False),
    ("They have a wonderful wine list.", "functional.range", "wine list", True),
    ("Check out the drink menu.", "functional.quality", "drink", False),
    ("The wine was corked.", "functional.quality", "wine", True),
    # a meal named by its occasion is the visit, not the food
    ("Threw my fiance's surprise birthday dinner here.", "functional.quality", "dinner", False),
    ("Went there for an office lunch.", "functional.quality", "lunch", False),
    ("The dinner was cold.", "functional.quality", "dinner", True),
    # the customer's own staff and other customers are not the provider's staff
    ("The staff wages go out through the website.", "humanic.staff", "staff", False),
    ("My office manager does most of it.", "humanic.staff", "manager", False),
    ("You are sitting on top of the people next to you.", "humanic.staff", "the people", False),
    ("The manager was very helpful.", "humanic.staff", "manager", True),
    # "payments" as a part of the app one navigates is no bill
    ("Payments are hidden under Move money.", "functional.billing", "payments", False),
    ("I'd put payments back on the home screen.", "functional.billing", "payments", False),
    ("The payment was taken twice.", "functional.billing", "payment", True),
    ("The fees were never explained.", "functional.fees", "fees", True),
    # session 24, the sixth blind tag sample: a figure of speech, a form, the customer's own reply, hold music,
    # food eaten fast, a plate licked clean
    ("Now we're just a number in a queue.", "mechanic.queues", "queue", False),
    ("The queue was out of the door.", "mechanic.queues", "queue", True),
    ("When he died I filled in your bereavement form online.", "humanic.empathy", "bereavement", False),
    ("So I replied Y. And it was still declined.", "humanic.responsiveness", "replied", False),
    ("They replied within the hour.", "humanic.responsiveness", "replied", True),
    ("The hold music is the same 30 seconds on a loop.", "mechanic.atmosphere", "music", False),
    ("The hold music is the same 30 seconds on a loop.", "mechanic.phone-system", "hold music", True),
    ("The music was lovely.", "mechanic.atmosphere", "music", True),
    ("All of it will be devoured in no time.", "functional.speed", "in no time", False),
    ("Our food arrived in no time.", "functional.speed", "in no time", True),
    ("If I could have licked the plate clean I would have.", "mechanic.cleanliness", "clean", False),
    ("The room was clean.", "mechanic.cleanliness", "clean", True),
    # session 24, the judged tags' code errors: the date of a double charge, the restaurant as a whole, the
    # customers' own conversation
    ("Charged an overdraft fee twice on the same day.", "functional.speed", "same day", False),
    ("They replied the same day.", "functional.speed", "same day", True),
    ("If you want a burger, this is the place to go.", "mechanic.atmosphere", "the place", False),
    ("First it took us a long time to find the place.", "mechanic.atmosphere", "the place", False),
    ("The place was dark and cosy.", "mechanic.atmosphere", "the place", True),
    ("It was annoying to scream across the table for conversation.", "humanic.communication", "conversation", False),
    # the meal as an occasion, with the blind sample s24b's words for it
    ("We made early dinner reservations and were impressed.", "functional.quality", "dinner", False),
    ("A perfect spot for a romantic dinner.", "functional.quality", "dinner", False),
    ("Our annual Christmas dinner was here.", "functional.quality", "dinner", False),
    ("The dinner was delicious.", "functional.quality", "dinner", True),
]


@pytest.fixture(scope="module")
def carbone_nlp():
    nlp = blank_nlp()
    add_codebooks(nlp, ["carbone-clues"])
    return nlp


@pytest.mark.parametrize("text, code, evidence, expected", COVERAGE + GUARDS)
def test_tagger_carbone_coverage_and_word_sense_guards(carbone_nlp, text, code, evidence, expected):
    _, tags = tags_of(carbone_nlp, text)
    found = sorted(zip(tags.code, tags.evidence))
    hit = any(c == code and evidence.lower() in e.lower() for c, e in found)
    assert hit == expected, found


@pytest.mark.parametrize("text, code, expected", [
    ("Boarding was quick and the gate staff were lovely.", "onboard", True),
    ("We checked in at the hotel at noon.", "onboard", True),
    ("The nurse checked in on me every hour.", "onboard", False),
    ("My international payment hasn't arrived.", "onboard", False),
    ("The letter only arrived a week after it was dated.", "onboard", False),
    ("When we arrived the room was not ready.", "onboard", True),
    ("He went to boarding school with the manager.", "onboard", False),
    ("The waiting room at the surgery was freezing.", "in-person", True),
    ("We relaxed in the lounge before the flight.", "in-person", True),
])
def test_tagger_touchpoints_for_travel_and_waiting_places(text, code, expected):
    nlp = blank_nlp()
    add_codebooks(nlp, ["touchpoints"])
    _, tags = tags_of(nlp, text)
    assert (code in set(tags.code)) == expected, sorted(zip(tags.code, tags.evidence))


@pytest.mark.parametrize("text, code, evidence, expected", [
    ("I contacted them through all channels and nobody replied.", "mechanic.entertainment", "channels", False),
    ("The hotel TV had no sports channels.", "mechanic.entertainment", "sports channels", True),
    ("The carousel on the home screen hides my balance.", "functional.baggage", "carousel", False),
    ("We waited an hour at the luggage carousel.", "functional.baggage", "luggage carousel", True),
])
def test_tagger_carbone_new_codes_hold_across_domains(carbone_nlp, text, code, evidence, expected):
    _, tags = tags_of(carbone_nlp, text)
    found = sorted(zip(tags.code, tags.evidence))
    assert any(c == code and evidence.lower() in e.lower() for c, e in found) == expected, found


@pytest.mark.parametrize("book, text, code, expected", [
    ("disloyalty-basics", "My late husband had an account there.", "late", False),
    ("disloyalty-basics", "We asked for a late check-out.", "late", False),
    ("disloyalty-basics", "The engineer was late again.", "late", True),
    ("disloyalty-basics", "I lost my husband last year and they kept writing to him.", "failure-to-execute", False),
    ("disloyalty-basics", "They lost my paperwork twice.", "failure-to-execute", True),
    ("points-of-connection", "To be honest, the staff were fine.", "honesty", False),
    ("points-of-connection", "He was honest about the exit fee.", "honesty", True),
    ("points-of-connection", "Authentic Italian food and a lovely view.", "authenticity", False),
    ("points-of-connection", "She seemed genuinely interested, not reading from a script.", "authenticity", True),
    ("points-of-connection", "Priority boarding was a mess.", "importance", False),
    ("points-of-connection", "I asked about a missing international payment.", "listening", False),
    ("points-of-connection", "She asked about our plans before suggesting anything.", "listening", True),
])
def test_tagger_guards_in_the_other_bundled_codebooks(book, text, code, expected):
    nlp = blank_nlp()
    add_codebooks(nlp, [book])
    _, tags = tags_of(nlp, text)
    assert (code in set(tags.code)) == expected, sorted(zip(tags.code, tags.evidence))


def _tokenize_seconds(tokenizer, texts: list[str]) -> float:
    import time

    for text in texts:  # warm: every chunk seen once
        tokenizer(text)
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for text in texts:
            tokenizer(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.slow
def test_tagger_compiled_codebooks_leave_the_tokenizer_cache_empty():
    """Compiling a codebook tokenizes every inflected form of its lemmas; spaCy's tokenizer caches the
    first 10,000 chunks it sees and no more, so without emptying the cache afterwards every chunk of the
    text was split anew (4-10x slower than a blank tokenizer). Tokens stay those of a blank tokenizer."""
    nlp = blank_nlp()
    add_codebooks(nlp, ["carbone-clues", "touchpoints"], write_spans=False)
    blank = spacy.blank("en")
    words = ["staff", "queue", "app", "refund", "branch", "fee", "rude", "slow", "helpful", "login"]
    texts = [f"The {a} and {b}'s {c}, don't we? {d} {e}-{f} (U.S.) {g}. :) {h}!"
             for a, b, c, d, e, f, g, h in zip(*[words[i:] + words[:i] for i in range(8)])] * 40
    texts += [f"word{i} at {i}:{i % 60:02d}, e-mail me at x{i}@example.org." for i in range(400)]
    assert [[t.text for t in nlp.tokenizer(x)] for x in texts] == [[t.text for t in blank.tokenizer(x)] for x in texts]
    ratio = min(_tokenize_seconds(nlp.tokenizer, texts) / _tokenize_seconds(blank.tokenizer, texts) for _ in range(3))
    assert ratio < 2.0, f"the compiled pipeline's tokenizer is {ratio:.1f}x slower than a blank one (3x before the fix)"


def test_tagger_fused_rulers_match_the_separate_rulers_and_survive_recompiling(mini, guarded):
    """write_spans=False compiles every codebook into one component (one phrase matching pass): the
    same tags as one ruler per codebook; recompiling one codebook keeps the others; it pickles."""
    import pickle

    separate, fused = blank_nlp(), blank_nlp()
    add_codebooks(separate, [mini, guarded, "touchpoints"])
    add_codebooks(fused, [mini, "touchpoints"], write_spans=False)
    add_codebooks(fused, [guarded, mini], write_spans=False)  # mini replaced, touchpoints kept
    assert [p for p in fused.pipe_names if "rul" in p] == ["cx_codebook_rulers"]
    assert fused.get_pipe("cx_codebook_rulers").codebooks == ["touchpoints", guarded.name, "mini"]
    fused = pickle.loads(pickle.dumps(fused))
    texts = ["The hold music was loud and I was on hold for ages at the branch.",
             "The staff were rude on the phone. The app crashed twice, and the branch was filthy!",
             "Nothing to say.", ""]
    n = 0
    for text in texts:
        a, b = separate(text), fused(text)
        rows_a, rows_b = tag_rows(a, turn_rows(a), "d"), tag_rows(b, turn_rows(b), "d")
        assert rows_a == rows_b
        n += len(rows_a)
    assert n >= 5


def test_pattern_docs_add_the_upper_case_reading_of_words_split_as_contractions():
    from cxaudit.nlp.lexicon import pattern_docs
    nlp = blank_nlp()
    docs = pattern_docs(nlp, ["face id login", "the app", "wed night"])
    assert [[t.lower_ for t in d] for d in docs] == [["face", "i", "d", "login"], ["the", "app"], ["we", "d", "night"],
                                                      ["face", "id", "login"], ["wed", "night"]]
    assert pattern_docs(nlp, []) == []
