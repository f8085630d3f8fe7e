"""The batch engine's fast path gives exactly what the straightforward code gives.

Covers: the codebook ruler against spaCy's span_ruler, the tuple tagger against the reference
(span-by-span) tagger and against ``tag_rows``, the cached lookup lemmatizer against spaCy's,
``frame_from_tuples`` and the fast ``conform`` against the per-value conversion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _scale_helpers import reference_ruler, reference_tag_rows
from cxaudit.nlp.analyze import sentence_rows, turn_tuples
from cxaudit.clues.codebook import load_codebook
from cxaudit.clues.tagger import add_codebooks, spans_key, tag_rows, tag_tuples
from cxaudit.run.engine import frame_from_tuples
from cxaudit.nlp import build_pipeline
from cxaudit.schemas import DOCUMENTS, FEELINGS, SENTENCES, TAGS, conform

MINI = """\
name: mini
version: "1"
description: a small codebook with a token pattern
codes:
  - id: fees
    label: Fees
    clue_type: functional
    patterns:
      lemmas: [charge]
      phrases: [hidden fees, charged twice]
      tokens:
        - [{LOWER: {IN: [admin, booking]}}, {LOWER: fee}]
    examples: [Hidden fees everywhere.]
  - id: music
    label: Music
    clue_type: mechanic
    patterns:
      phrases: [music, hold music, loud]
    examples: [The music was loud.]
"""

BOOKS = ("carbone-clues", "touchpoints", "points-of-connection", "disloyalty-basics")
PIECES = [
    "The app kept crashing", "but the staff were lovely", "I waited forty minutes on hold", "and nobody called back",
    "the hold music was loud and wonderful and horrible", "They charged me twice", "an admin fee appeared",
    "Why does the refund take so long?", "I wish the branch opened at weekends", "The website is confusing,",
    "the nurse was kind; the receptionist was rude", "Um, okay.", "It was  fine .", "GREAT service!!", "no",
    "I emailed them three times", "the booking fee was hidden", "Honestly, brilliant", "though slow",
]


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    path = tmp_path_factory.mktemp("books") / "mini.yml"
    path.write_text(MINI, encoding="utf-8")
    return load_codebook(path)


@pytest.fixture(scope="module")
def nlp(mini):
    nlp = build_pipeline("blank")
    add_codebooks(nlp, [mini, *BOOKS])
    reference_ruler(nlp, [mini, *map(load_codebook, BOOKS)])
    return nlp


texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map(
    lambda parts: " ".join(p if p[-1] in ".?!," else p + "." for p in parts))


def _spans(doc, key):
    return [(s.start, s.end, s.label_, s.id_) for s in doc.spans[key]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_tagger_codebook_ruler_spans_equal_spacy_span_ruler(nlp, mini, text):
    doc = nlp(text)
    for name in (mini.name, *BOOKS):
        assert _spans(doc, spans_key(name)) == _spans(doc, f"ref_{name}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_tagger_fast_rows_equal_reference_rows(nlp, text):
    doc = nlp(text)
    rows, _ = sentence_rows(doc, "d", 0)
    expected = reference_tag_rows(doc, rows, "d")
    assert tag_rows(doc, rows, "d") == expected
    tuples = turn_tuples(doc, "d", 0, [])
    assert [dict(zip(TAGS.names, t)) for t in tag_tuples(doc, tuples, "d")] == expected


def test_tagger_fast_rows_handle_rows_not_from_the_doc(nlp):
    """Sentence rows that are not the Doc's own sentences (as ``tag()`` may pass) still work."""
    text = "The staff were rude. It took ages, but the app was great."
    doc = nlp(text)
    rows = [{"sentence_id": "x#0.0", "start_char": 0, "end_char": len(text), "mode": "current"}]
    assert tag_rows(doc, rows, "x") == reference_tag_rows(doc, rows, "x")
    shuffled = [{"sentence_id": "y#0.1", "start_char": 21, "end_char": len(text), "mode": "question"},
                {"sentence_id": "y#0.0", "start_char": 0, "end_char": 20, "mode": None}]
    got = tag_rows(doc, shuffled, "y")
    assert got == reference_tag_rows(doc, shuffled, "y") and {r["mode"] for r in got} == {"question", "other"}


def test_tagger_cached_matches_ignored_when_span_group_changed(nlp, mini):
    doc = nlp("The hold music was loud.")
    key = spans_key(mini.name)
    doc.spans[key] = [s for s in doc.spans[key] if s.text != "loud"]
    rows, _ = sentence_rows(doc, "d", 0)
    got = tag_rows(doc, rows, "d")
    assert "loud" not in {r["evidence"] for r in got if r["codebook"] == "mini"}
    assert got == reference_tag_rows(doc, rows, "d")


def test_tagger_spans_filter_is_applied(mini):
    nlp = build_pipeline("blank")
    add_codebooks(nlp, [mini], spans_filter={"@misc": "spacy.first_longest_spans_filter.v1"})
    doc = nlp("The hold music was loud.")
    assert [s.text for s in doc.spans["cx_mini"]] == ["hold music", "loud"]


@settings(max_examples=80, deadline=None)
@given(words=st.lists(st.sampled_from(["Waited", "waited", "WAITING", "data", "Data", "worse", "went", "was",
                                       "are", "n't", "I", "e-mail", "🙂", "queues", "better", "Charges",
                                       "zzyzx", "  ", ",", "."]), max_size=25))
def test_nlp_lemmatizer_cached_lemmas_equal_spacy_lookup(words):
    text = " ".join(words)
    ref, ours = _lemmatizers()
    assert [t.lemma_ for t in ours(text)] == [t.lemma_ for t in ref(text)]


_LEMMATIZERS = []


def _lemmatizers():
    if not _LEMMATIZERS:
        ref = spacy.blank("en")
        ref.add_pipe("lemmatizer", config={"mode": "lookup"})
        ref.initialize()
        ours = build_pipeline("blank")
        _LEMMATIZERS.extend([ref, ours])
    return _LEMMATIZERS


def test_nlp_lemmatizer_keeps_existing_lemmas_unless_overwrite():
    nlp = spacy.blank("en")
    nlp.add_pipe("cx_lemmatizer", name="lemmatizer")
    nlp.initialize()
    doc = nlp.make_doc("They waited")
    doc[1].lemma_ = "custom"
    nlp.get_pipe("lemmatizer")(doc)
    assert [t.lemma_ for t in doc] == ["They", "custom"]


def test_engine_frame_from_tuples_equals_conform_of_dicts():
    sents = [("d#0.0", "d", 0, "Hi.", 0, 3, 0.0, "neutral", "other", False, None, 1),
             ("d#0.1", "d", 0, "Bad!", 4, 8, -0.6, "negative", "current", True, "on hold", 1)]
    feels = [("d#0.1", "d", "ignored", "valued/ignored", -1, True, 0, 3, "Bad")]
    tags = [("d#0.1", "d", "b", "c", "none", None, 0, 3, "Bad", -0.5, "negative", "current", "rule", 0.7, "clause")]
    for rows, schema in ((sents, SENTENCES), (feels, FEELINGS), (tags, TAGS), ([], TAGS)):
        expected = conform(pd.DataFrame(rows, columns=schema.names), schema)
        pd.testing.assert_frame_equal(frame_from_tuples(rows, schema), expected, check_exact=True)


def test_engine_frame_from_tuples_falls_back_on_values_needing_conversion():
    rows = [(7, "d", 0, "Hi.", 0, 3, float("nan"), "neutral", "other", False, None, 1)]  # int id, NaN score
    expected = conform(pd.DataFrame(rows, columns=SENTENCES.names), SENTENCES)
    got = frame_from_tuples(rows, SENTENCES)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.loc[0, "sentence_id"] == "7" and pd.isna(got.loc[0, "sentiment"])


def _per_value_conform(df, schema):
    out = {}
    for c in schema.columns:
        if c.name in df.columns:
            s = df[c.name]
            if c.dtype == "string":
                s = s.astype("object").where(s.notna(), None)
                s = s.map(lambda v: v if v is None or isinstance(v, str) else str(v))
            out[c.name] = s.astype(c.dtype).reset_index(drop=True)
        else:
            out[c.name] = pd.Series([pd.NA] * len(df), dtype=c.dtype)
    return pd.DataFrame(out)


@pytest.mark.parametrize("values", [
    ["a", None, "b"], ["a", np.nan, "b"], [1, "a", None], [1.5, 2.0, np.nan], [None, None], [],
    pd.array(["x", pd.NA], dtype="string"), ["a", b"b"], [True, "x"]])
def test_schemas_conform_fast_path_equals_per_value_conversion(values):
    col = pd.Series(values, dtype=None if len(values) else object)
    df = pd.DataFrame({"doc_id": col, "source": col, "kind": col, "content_hash": col})
    pd.testing.assert_frame_equal(conform(df, DOCUMENTS), _per_value_conform(df, DOCUMENTS), check_exact=True)
