"""The learned tagger as an estimator: LearnedTagger(config).fit(coded).predict(sentences), save/load, config."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cxaudit.clues.learned import (META_FILE, LearnedTagger, LearnedTaggerConfig, NotFittedError, TaggerConfigError,
                                   TrainReport)
from cxaudit.schemas import TAGS

DATA = Path(__file__).parent / "data"
STAFF, PRICE = "staff", "price"

# a hand-made coding: two codes, each in positive and negative sentences
CODED = pd.DataFrame([
    ("The waiter was friendly.", STAFF, "positive"), ("Our server was kind and polite.", STAFF, "positive"),
    ("The staff were helpful.", STAFF, "positive"), ("A warm and friendly waiter.", STAFF, "positive"),
    ("The waiter was rude.", STAFF, "negative"), ("Our server was rude and impolite.", STAFF, "negative"),
    ("The staff were unhelpful.", STAFF, "negative"), ("A rude, arrogant waiter.", STAFF, "negative"),
    ("The prices were cheap.", PRICE, "positive"), ("A cheap bill, good value.", PRICE, "positive"),
    ("Fair prices and good value.", PRICE, "positive"), ("The bill was cheap and fair.", PRICE, "positive"),
    ("The prices were expensive.", PRICE, "negative"), ("An expensive bill, poor value.", PRICE, "negative"),
    ("Overpriced and expensive prices.", PRICE, "negative"), ("The bill was far too expensive.", PRICE, "negative"),
], columns=["text", "code", "polarity"])
# held-out sentences and what a tagger that learned the coding must say about them
KNOWN = {"The waiter was very rude.": (STAFF, "negative"), "Our server was friendly.": (STAFF, "positive"),
         "The bill was expensive.": (PRICE, "negative"), "Cheap prices.": (PRICE, "positive")}


def _sentences(texts) -> pd.DataFrame:
    texts = list(texts)
    return pd.DataFrame({"sentence_id": [f"d{i}#0.0" for i in range(len(texts))], "doc_id": [f"d{i}" for i in range(len(texts))],
                         "text": texts, "sentiment": 0.0, "valence": "neutral", "mode": "current"})


@pytest.fixture(scope="module")
def fitted() -> LearnedTagger:
    return LearnedTagger(LearnedTaggerConfig(seed=0)).fit(CODED)


def test_estimator_init_stores_the_config_and_fit_returns_self():
    config = LearnedTaggerConfig(seed=3)
    tagger = LearnedTagger(config)
    assert tagger.config is config and not hasattr(tagger, "bundle_")
    assert tagger.get_params(deep=False) == {"config": config}
    params = tagger.get_params()
    assert params["config__seed"] == 3 and params["config__folds"] == 5
    assert tagger.fit(CODED) is tagger
    copy = clone(tagger)  # scikit-learn's clone: the parameters, not what was learned
    assert copy.config == config and not hasattr(copy, "bundle_")
    assert tagger.codes_ == [PRICE, STAFF] and isinstance(tagger.report_, TrainReport)
    assert tagger.report_.n_sentences == len(CODED) and tagger.report_.polarity_model


def test_estimator_fit_predict_gives_the_known_codes_and_polarities(fitted):
    tags = fitted.predict(_sentences(KNOWN))
    assert list(tags.columns) == TAGS.names and set(tags["method"]) == {"model"}
    got = {text: set(zip(group["code"], group["valence"])) for text, group in tags.groupby("evidence")}
    assert got == {text: {answer} for text, answer in KNOWN.items()}
    assert ((tags["polarity"] > 0) == (tags["valence"] == "positive")).all()


def test_estimator_save_load_round_trip_gives_identical_predictions(fitted, tmp_path):
    assert fitted.save(tmp_path / "m") == tmp_path / "m"
    loaded = LearnedTagger.load(tmp_path / "m")
    sents = _sentences(list(KNOWN) + ["Nothing about either.", "The waiter was kind but the bill was expensive."])
    pd.testing.assert_frame_equal(loaded.predict(sents), fitted.predict(sents))
    pd.testing.assert_frame_equal(loaded.predict_proba(sents["text"]), fitted.predict_proba(sents["text"]))
    assert loaded.config == fitted.config and loaded.codes_ == fitted.codes_
    assert json.loads((tmp_path / "m" / META_FILE).read_text())["config"] == fitted.config.to_dict()


def test_estimator_without_config_uses_the_defaults(tmp_path):
    tagger = LearnedTagger().fit(CODED)
    default = LearnedTagger(LearnedTaggerConfig()).fit(CODED)
    texts = list(KNOWN)
    np.testing.assert_array_equal(tagger.predict_proba(texts).to_numpy(), default.predict_proba(texts).to_numpy())


@pytest.mark.parametrize("method, args", [("predict", (_sentences(["x"]),)), ("predict_proba", (["x"],)),
                                          ("polarity_proba", (["x"], [STAFF])), ("save", ("unused",))])
def test_estimator_before_fit_raises_not_fitted(method, args, tmp_path):
    with pytest.raises(NotFittedError, match=rf"LearnedTagger\.{method}: this tagger is not fitted yet; call fit"):
        getattr(LearnedTagger(), method)(*args)
    assert not (tmp_path / "unused").exists() and not Path("unused").exists()


def test_config_defaults_are_the_documented_training_defaults():
    assert dataclasses.asdict(LearnedTaggerConfig()) == dict(
        seed=0, threshold=0.5, codebooks=(), codebook_name="learned", tune_thresholds=True, folds=5,
        c_grid=(0.1, 0.2, 0.5), polarity_c_grid=(0.1, 0.2, 0.3), char_weight=1.4, nb_weight=1.5, n_cues=40, context_weight=0.25,
        clause_weight=0.5, cluster_weight=0.5, vector_weight=0.5, encoder=None, encoder_weight=1.0,
        polarity_encoder_weight=0.5, fine_tune=False, epochs=4, blend=None, polarity_blend=None, code_weight=5.0,
        polarity_head=None)


def test_config_is_frozen_and_normalises_sequences():
    config = LearnedTaggerConfig(c_grid=[0.2, 0.4], codebooks=["carbone-clues"], encoder=Path("enc"))
    assert config.c_grid == (0.2, 0.4) and config.codebooks == ("carbone-clues",) and config.encoder == "enc"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 1
    assert LearnedTaggerConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("options, message", [
    ({"folds": 0}, r"folds must be an integer ≥ 1; found 0"),
    ({"seed": -1}, r"seed must be an integer ≥ 0; found -1"),
    ({"seed": 1.5}, r"seed must be an integer ≥ 0; found 1.5"),
    ({"epochs": 0}, r"epochs must be an integer ≥ 1"),
    ({"threshold": 1.5}, r"threshold must be a number between 0 and 1; found 1.5"),
    ({"char_weight": -1.0}, r"char_weight must be a number ≥ 0; found -1.0"),
    ({"context_weight": float("nan")}, r"context_weight must be a number ≥ 0; found nan"),
    ({"clause_weight": "0.5"}, r"clause_weight must be a number ≥ 0; found '0.5'"),
    ({"c_grid": ()}, r"c_grid must be a non-empty sequence of numbers > 0; found \(\)"),
    ({"polarity_c_grid": (0.1, 0)}, r"polarity_c_grid must be a non-empty sequence of numbers > 0"),
    ({"c_grid": 0.1}, r"c_grid must be a sequence; found 0.1"),
    ({"codebooks": "carbone-clues"}, r"codebooks must be a sequence; found 'carbone-clues'"),
    ({"fine_tune": "yes"}, r"fine_tune must be True or False; found 'yes'"),
    ({"tune_thresholds": 1}, r"tune_thresholds must be True or False; found 1"),
    ({"codebook_name": ""}, r"codebook_name must be a non-empty string"),
    ({"encoder": ""}, r"encoder must be None, a folder"),
    ({"blend": 0.5}, r"blend: blend, polarity_blend and polarity_head are options of fine-tuning"),
    ({"fine_tune": True, "polarity_blend": 1.5}, r"polarity_blend must be between 0 and 1; found 1.5"),
    ({"fine_tune": True, "polarity_head": "mean"}, r"polarity_head 'mean': expected one of attention, pair, both"),
])
def test_config_bad_values_raise_one_clear_error(options, message):
    with pytest.raises(TaggerConfigError, match=message) as err:
        LearnedTaggerConfig(**options)
    assert isinstance(err.value, ValueError) and str(err.value).startswith("LearnedTaggerConfig: ")


def test_config_derived_fine_tuning_values():
    assert LearnedTaggerConfig().encoder_source is None
    tuned = LearnedTaggerConfig(fine_tune=True)
    assert (tuned.encoder_source, tuned.head, tuned.blends) == ("minilm", "attention", (0.8, 0.25))
    pair = LearnedTaggerConfig(fine_tune=True, encoder="mpnet", polarity_head="pair", blend=0.3)
    assert (pair.head, pair.blends) == ("pair", (0.3, 0.5))
    assert LearnedTaggerConfig(fine_tune=True, encoder="some/folder").blends == (0.5, 0.5)


def test_estimator_loads_a_folder_saved_before_the_estimator():
    """tests/data/learned_tagger_format3 was written by cxaudit.clues.learn.train (before this package):
    test_learn.py's coding with its codebook and uncoded sentences. It loads and predicts what it did then."""
    expected = pd.read_csv(DATA / "learned_tagger_format3.expected.csv")
    tagger = LearnedTagger.load(DATA / "learned_tagger_format3")
    assert "config" not in json.loads((DATA / "learned_tagger_format3" / META_FILE).read_text())
    assert tagger.config.seed == 0 and tagger.config.c_grid == (0.1, 0.2, 0.5) and not tagger.config.fine_tune
    assert tagger.config.nb_weight == 0.0 and tagger.bundle_.code_model.nb_num is None  # trained before NBSVM
    sents = expected.drop_duplicates("sentence_id")[["sentence_id", "evidence"]].rename(columns={"evidence": "text"})
    tags = tagger.predict(sents.assign(doc_id=sents["sentence_id"].str.split("#").str[0]))
    assert tags[["sentence_id", "code"]].values.tolist() == expected[["sentence_id", "code"]].values.tolist()
    np.testing.assert_allclose(tags["confidence"].astype(float), expected["confidence"], rtol=1e-9)
    clear = expected["polarity"].abs() > 0.5  # the polarity features read cxaudit's sentiment, which may evolve
    assert tags["valence"][clear].tolist() == expected["valence"][clear].tolist()


def test_estimator_refuses_an_older_format_naming_the_file_and_what_to_do(tmp_path):
    old = tmp_path / "old"
    shutil.copytree(DATA / "learned_tagger_format3", old)
    meta = json.loads((old / META_FILE).read_text())
    (old / META_FILE).write_text(json.dumps({**meta, "format_version": 2}))
    with pytest.raises(ValueError) as err:
        LearnedTagger.load(old)
    assert str(old / META_FILE) in str(err.value) and "format_version 2, expected 3" in str(err.value)
    assert "retrain the tagger" in str(err.value) and "cxaudit train" in str(err.value)
