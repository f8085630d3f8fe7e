import pytest
import spacy

from cxaudit.nlp import COMPONENTS, ModelNotFoundError, build_pipeline, get_pipeline, resolve_model
from _language_helpers import nlp  # noqa: F401


def test_nlp_pipeline_blank_has_components(nlp):
    assert nlp.pipe_names == ["sentencizer", "cx_brackets", "lemmatizer", *COMPONENTS]
    assert nlp.meta["cxaudit"]["base"] == "blank"


def test_nlp_pipeline_lemmas_work_offline(nlp):
    doc = nlp("The calls were transferred.")
    assert [t.lemma_ for t in doc][:3] == ["The", "call", "be"]  # lookup lemmas are case-sensitive (NOTES.md)


def test_nlp_pipeline_auto_falls_back_to_blank_without_trained_models():
    installed = [m for m in ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf") if spacy.util.is_package(m)]
    assert resolve_model("auto") == (installed[0] if installed else "blank")


@pytest.mark.parametrize("name", ["en_core_web_xx_not_installed", "/no/such/pipeline"])
def test_nlp_pipeline_missing_model_is_clear_error(name):
    with pytest.raises(ModelNotFoundError, match="not installed|no spaCy pipeline|download"):
        build_pipeline(name)
    assert issubclass(ModelNotFoundError, ValueError)


def test_nlp_pipeline_path_without_config_is_rejected(tmp_path):
    with pytest.raises(ModelNotFoundError, match="config.cfg"):
        resolve_model(str(tmp_path))


def test_nlp_pipeline_bad_component_config_rejected():
    with pytest.raises(ValueError, match="unknown component"):
        build_pipeline("blank", config={"cx_nothing": {}})


def test_nlp_pipeline_cached_per_model():
    assert get_pipeline("blank") is get_pipeline("blank")


def test_nlp_pipeline_component_config_is_used():
    nlp = build_pipeline("blank", config={"cx_sentiment": {"extra_words": {"zorbly": 3.0}}})
    assert nlp("It was zorbly.")._.sent_sentiment[0] > 0.3


def test_nlp_pipeline_span_extensions(nlp):
    doc = nlp("I was on hold for an hour. I wish they would call me.")
    first, second = list(doc.sents)
    assert first._.effort is True and first._.effort_phrase == "on hold"
    assert first._.sentiment < 0 and first._.mode == "current"
    assert second._.mode == "desired" and second._.effort is False


def test_an_opening_bracket_starts_the_next_sentence():
    """spaCy's sentencizer keeps "[" with the sentence before it ("Obviously. [" / "laughs] I felt…");
    cx_brackets gives it to the sentence it opens."""
    from cxaudit.nlp import build_pipeline

    nlp = build_pipeline("blank")
    doc = nlp("They blocked me. Obviously. [laughs] I felt so stupid. It was fine (mostly). (sighs) Fine. [")
    assert [s.text for s in doc.sents] == ["They blocked me.", "Obviously.", "[laughs] I felt so stupid.",
                                           "It was fine (mostly).", "(sighs) Fine. ["]
    assert [s.text for s in nlp("[laughs]").sents] == ["[laughs]"]


def test_an_opening_quote_starts_the_next_sentence():
    """The same for an opening quotation mark: a curly one, or a straight one with a space before it and
    none after (the sample's "…what I say. "Did you say card problem?"" showed a stray quote on the
    dashboard); a closing straight quote stays where it is."""
    from cxaudit.nlp import build_pipeline

    nlp = build_pipeline("blank")
    text = 'The voice recognition never understands what I say. "Did you say card problem?" No. I said cash.'
    assert [s.text for s in nlp(text).sents] == ["The voice recognition never understands what I say.",
                                                 '"Did you say card problem?"', "No.", "I said cash."]
    assert [s.text for s in nlp('He said "no." Then he left.').sents] == ['He said "no."', "Then he left."]
    assert [s.text for s in nlp("It was fine. \u201cReally?\u201d she asked.").sents][0] == "It was fine."
    assert [s.text for s in nlp('"').sents] == ['"']
    assert [s.text for s in nlp('Fine. "').sents] == ['Fine. "']
