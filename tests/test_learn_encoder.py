"""The learned tagger with a pretrained sentence encoder (``fit_and_save(..., encoder=...)``, ``cxaudit train --encoder``)."""

from __future__ import annotations

import copy
import importlib.util
import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from _tiny_bert import write_hub_cache, write_model
from cxaudit.clues.learned import EncoderError, LearnedTagger, LearnedTaggerConfig
from cxaudit.nlp import encoder as encoder_module

HAS_MINILM = encoder_module.encoder_available("minilm")
STAFF, FOOD = "humanic.staff", "functional.food"


def fit_and_save(coded, out, *, unlabelled=None, **options):
    """Fit a tagger with these options (a LearnedTaggerConfig), save it to ``out``, return its report."""
    tagger = LearnedTagger(LearnedTaggerConfig(**options)).fit(coded, unlabelled=unlabelled)
    tagger.save(out)
    return tagger.report_


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


@pytest.fixture(params=["bert", "mpnet"])
def tiny_any(tmp_path, request):
    """A tiny random encoder of each architecture."""
    folder = tmp_path / f"encoder-{request.param}"
    write_model(folder, kind=request.param)
    return folder


def test_encoder_vectors_are_features_and_the_folder_records_them(tmp_path, tiny_encoder):
    report = fit_and_save(CODED, tmp_path / "with", encoder=str(tiny_encoder), seed=0)
    fit_and_save(CODED, tmp_path / "without", seed=0)
    features = json.loads((tmp_path / "with" / "features.json").read_text())
    ref = features["code_features"]["encoder"]
    assert ref["source"] == str(tiny_encoder) and len(ref["sha256"]) == 64 and ref["dim"] == 8
    assert features["polarity_features"]["encoder_weight"] == 0.5
    with_, without = LearnedTagger.load(tmp_path / "with"), LearnedTagger.load(tmp_path / "without")
    # 8 more weights per code: the encoder's dimensions
    assert with_.bundle_.code_model.W.shape[1] == without.bundle_.code_model.W.shape[1] + 8
    assert with_.bundle_.polarity_model.W.shape[1] == without.bundle_.polarity_model.W.shape[1] + 8
    assert json.loads((tmp_path / "with" / "cxaudit-tagger.json").read_text())["training"]["encoder"]["sha256"] == ref["sha256"]
    assert report.polarity_model
    p1 = with_.predict_proba(TEXTS)
    assert not np.allclose(p1.to_numpy(), without.predict_proba(TEXTS).to_numpy())
    # reloading gives the same probabilities and polarities
    again = LearnedTagger.load(tmp_path / "with")
    pd.testing.assert_frame_equal(p1, again.predict_proba(TEXTS))
    pd.testing.assert_frame_equal(with_.polarity_proba(TEXTS, [STAFF] * 8), again.polarity_proba(TEXTS, [STAFF] * 8))


def test_polarity_encoder_weight_zero_keeps_polarity_free_of_the_encoder(tmp_path, tiny_encoder):
    fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder), polarity_encoder_weight=0.0)
    fit_and_save(CODED, tmp_path / "plain")
    m, plain = LearnedTagger.load(tmp_path / "m"), LearnedTagger.load(tmp_path / "plain")
    assert m.bundle_.polarity_model.W.shape == plain.bundle_.polarity_model.W.shape


def test_training_is_deterministic_with_an_encoder(tmp_path, tiny_encoder):
    fit_and_save(CODED, tmp_path / "a", encoder=str(tiny_encoder), seed=3)
    fit_and_save(CODED, tmp_path / "b", encoder=str(tiny_encoder), seed=3)
    a, b = LearnedTagger.load(tmp_path / "a"), LearnedTagger.load(tmp_path / "b")
    pd.testing.assert_frame_equal(a.predict_proba(TEXTS), b.predict_proba(TEXTS))


def test_other_weights_or_a_missing_encoder_are_refused_at_load(tmp_path, tiny_encoder):
    fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder))
    write_model(tiny_encoder, seed=1)  # same place, different weights
    with pytest.raises(EncoderError, match="retrain the tagger"):
        LearnedTagger.load(tmp_path / "m")
    shutil.rmtree(tiny_encoder)
    with pytest.raises(EncoderError, match="no such sentence-encoder"):
        LearnedTagger.load(tmp_path / "m")


def test_a_tagger_trained_on_a_pinned_hub_model_refers_to_it_and_reloads_from_the_cache(tmp_path, monkeypatch):
    import huggingface_hub.constants as hf

    monkeypatch.setattr(hf, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(hf, "HF_HUB_OFFLINE", True)
    source = "acme/tiny-bert@" + "ab" * 20
    write_hub_cache(tmp_path / "hub", "acme/tiny-bert", "ab" * 20)
    fit_and_save(CODED, tmp_path / "m", encoder=source)
    ref = json.loads((tmp_path / "m" / "features.json").read_text())["code_features"]["encoder"]
    assert ref["source"] == source  # a reference others can verify, not a path on this machine
    first = LearnedTagger.load(tmp_path / "m").predict_proba(TEXTS)
    pd.testing.assert_frame_equal(LearnedTagger.load(tmp_path / "m").predict_proba(TEXTS), first)
    shutil.rmtree(tmp_path / "hub")
    with pytest.raises(EncoderError, match="not in the Hugging Face cache"):
        LearnedTagger.load(tmp_path / "m")


def test_a_bad_encoder_fails_before_training(tmp_path):
    with pytest.raises(EncoderError, match="nowhere"):
        fit_and_save(CODED, tmp_path / "m", encoder=str(tmp_path / "nowhere"))
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
    from cxaudit.run.engine import PipelineSpec, process

    fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder))
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
@pytest.mark.skipif(not HAS_MINILM, reason="all-MiniLM-L6-v2 is not in the Hugging Face cache (make bench-models)")
def test_minilm_places_sentences_with_unseen_words(tmp_path):
    coded = pd.DataFrame(TRAIN_REAL, columns=["text", "code"])
    fit_and_save(coded, tmp_path / "enc", encoder="minilm", encoder_weight=2.0)
    fit_and_save(coded, tmp_path / "plain")
    texts = [t for t, _ in HELD_OUT_REAL]
    gold = [c for _, c in HELD_OUT_REAL]

    def hits(path):
        tagger = LearnedTagger.load(path)
        best = tagger.predict_proba(texts).idxmax(axis=1).tolist()
        return sum(b == g for b, g in zip(best, gold))

    enc, plain = hits(tmp_path / "enc"), hits(tmp_path / "plain")
    assert enc >= 5, enc
    assert enc > plain, (enc, plain)


# --------------------------------------------------------------------------- fine-tuning (JAX)

HAS_JAX = importlib.util.find_spec("jax") is not None
needs_jax = pytest.mark.skipif(not HAS_JAX, reason="JAX is not installed (make test installs it: cxaudit[finetune])")


@needs_jax
def test_fine_tuning_learns_and_numpy_inference_matches_training(tiny_any):
    """A tiny random encoder knows nothing; after fine-tuning, the tuned model (inference in NumPy) must
    separate the training sentences and their polarities, which it can only do if the NumPy forward pass
    and heads compute what the JAX training optimised."""
    from cxaudit.clues.learned.finetune import fine_tune
    from cxaudit.nlp.encoder import SentenceEncoder

    gold = [STAFF, STAFF, FOOD, FOOD, STAFF, STAFF, FOOD, FOOD]
    codes = [FOOD, STAFF]
    Y = np.array([[c == g for c in codes] for g in gold], dtype=np.float32)
    pols = ["negative", "positive", "positive", "negative", "negative", "negative", "positive", "negative"]
    P = np.full((8, 2), -1, dtype=np.int32)
    for i, (g, p) in enumerate(zip(gold, pols)):
        P[i, codes.index(g)] = ["positive", "negative", "neutral", "conflict"].index(p)
    encoder = SentenceEncoder.load(tiny_any)
    before = encoder.encode(TEXTS)
    tuned = fine_tune(encoder, TEXTS, Y, P, epochs=150, lr=5e-3, head_lr=3e-2, seed=0, dropout=0.0)
    np.testing.assert_array_equal(encoder.encode(TEXTS), before)   # the pretrained encoder is left as it was
    proba = tuned.code_proba(TEXTS)
    assert [codes[j] for j in proba.argmax(axis=1)] == gold
    pol = tuned.polarity_proba(TEXTS, np.array([codes.index(g) for g in gold]))
    assert [["positive", "negative", "neutral", "conflict"][j] for j in pol.argmax(axis=1)] == pols
    assert len(tuned.epoch_losses) == 150 and tuned.epoch_losses[-1] < 0.1 * tuned.epoch_losses[0]


@needs_jax
def test_pair_head_learns_the_polarity_of_each_code_in_a_mixed_sentence(tiny_any):
    """One sentence, two codes, opposite polarities: the sentence-pair head reads the code's name with the
    sentence, so after fine-tuning (JAX) its NumPy inference must tell the codes apart in the same sentence."""
    from cxaudit.clues.learned.finetune import fine_tune
    from cxaudit.nlp.encoder import SentenceEncoder

    texts = ["the staff was great , the food was bad", "the food was great , the staff was rude",
             "the staff was rude", "the food is very good"]
    codes = [FOOD, STAFF]
    Y = np.array([[1, 1], [1, 1], [0, 1], [1, 0]], dtype=np.float32)
    pos, neg = 0, 1
    P = np.array([[neg, pos], [pos, neg], [-1, neg], [pos, -1]], dtype=np.int32)
    tuned = fine_tune(SentenceEncoder.load(tiny_any), texts, Y, P, epochs=120, lr=5e-3, head_lr=3e-2, seed=0,
                      dropout=0.0, codes=codes, pairs=True)
    assert tuned.has_pair_head and tuned.polarity_head == "pair"
    rows, cols = np.nonzero(P >= 0)
    pol = tuned.polarity_proba([texts[i] for i in rows], cols)
    assert pol.argmax(axis=1).tolist() == P[rows, cols].tolist()
    tuned.set_polarity_head("both")  # the mean of the two heads' probabilities
    attention = copy.copy(tuned)
    attention.set_polarity_head("attention")
    tuned.set_polarity_head("pair")
    pair = tuned.polarity_proba([texts[i] for i in rows], cols)
    tuned.set_polarity_head("both")
    np.testing.assert_allclose(tuned.polarity_proba([texts[i] for i in rows], cols),
                               0.5 * (pair + attention.polarity_proba([texts[i] for i in rows], cols)), atol=1e-6)
    with pytest.raises(ValueError, match="expected one of"):
        tuned.set_polarity_head("cls")


@needs_jax
def test_polarity_head_is_saved_and_a_folder_without_one_reads_as_attention(tmp_path, tiny_encoder):
    fit_and_save(CODED, tmp_path / "pair", encoder=str(tiny_encoder), fine_tune=True, epochs=2, seed=1, polarity_head="pair")
    m = LearnedTagger.load(tmp_path / "pair")
    assert m.bundle_.tuned.polarity_head == "pair" and m.meta_["training"]["polarity_head"] == "pair"
    codes = [STAFF] * 4 + [FOOD] * 4
    first = m.polarity_proba(TEXTS, codes)
    pd.testing.assert_frame_equal(LearnedTagger.load(tmp_path / "pair").polarity_proba(TEXTS, codes), first)
    with np.load(tmp_path / "pair" / "linear.npz") as arrays:
        assert {"ft_pair_w", "ft_pair_b"} <= set(arrays.files)
    # tagging: each tag's polarity is P(positive) − P(negative) of its (sentence, code) pair
    tags = m.predict(pd.DataFrame({"sentence_id": [f"d{i}#0" for i in range(len(TEXTS))], "text": TEXTS}))
    assert len(tags) >= len(TEXTS)
    pol = m.polarity_proba(tags["evidence"].tolist(), tags["code"].tolist())
    np.testing.assert_allclose(tags["polarity"].astype(float), (pol["positive"] - pol["negative"]).round(4), atol=1e-9)
    # without pairs: no pair head, and asking for one is refused
    fit_and_save(CODED, tmp_path / "att", encoder=str(tiny_encoder), fine_tune=True, epochs=2, seed=1)
    att = LearnedTagger.load(tmp_path / "att")
    assert att.bundle_.tuned.polarity_head == "attention" and not att.bundle_.tuned.has_pair_head
    with pytest.raises(ValueError, match="fine-tuned with sentence pairs"):
        att.bundle_.tuned.set_polarity_head("pair")
    # a folder written before polarity heads existed
    features = tmp_path / "att" / "features.json"
    state = json.loads(features.read_text())
    del state["tuned"]["polarity_head"]
    features.write_text(json.dumps(state))
    assert LearnedTagger.load(tmp_path / "att").bundle_.tuned.polarity_head == "attention"
    with pytest.raises(ValueError, match="polarity_head 'mean'"):
        fit_and_save(CODED, tmp_path / "bad", encoder=str(tiny_encoder), fine_tune=True, polarity_head="mean")
    assert not (tmp_path / "bad").exists()


def test_pair_text_names_the_code_in_words():
    from cxaudit.clues.learned.finetune import pair_text

    assert pair_text("anecdotes/miscellaneous") == "anecdotes miscellaneous"
    assert pair_text("humanic.courtesy") == "humanic courtesy"
    assert pair_text("wait_time") == "wait time"
    assert pair_text("---") == "---"


@needs_jax
def test_fine_tuned_folder_is_self_contained(tmp_path, tiny_any):
    fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_any), fine_tune=True, epochs=2)
    first = LearnedTagger.load(tmp_path / "m").predict_proba(TEXTS)
    shutil.rmtree(tiny_any)  # the tuned encoder was copied into the model folder
    assert (tmp_path / "m" / "encoder" / "model.safetensors").is_file()
    pd.testing.assert_frame_equal(LearnedTagger.load(tmp_path / "m").predict_proba(TEXTS), first)
    meta = json.loads((tmp_path / "m" / "cxaudit-tagger.json").read_text())["training"]
    assert meta["fine_tune"] is True and meta["epochs"] == 2 and meta["blend"] == 0.5


@needs_jax
def test_fine_tuning_is_deterministic_and_blends_with_the_svms(tmp_path, tiny_encoder):
    fit_and_save(CODED, tmp_path / "a", encoder=str(tiny_encoder), fine_tune=True, epochs=2, seed=1)
    fit_and_save(CODED, tmp_path / "b", encoder=str(tiny_encoder), fine_tune=True, epochs=2, seed=1)
    fit_and_save(CODED, tmp_path / "svm", seed=1)
    a, b, svm = (LearnedTagger.load(tmp_path / n) for n in ("a", "b", "svm"))
    pd.testing.assert_frame_equal(a.predict_proba(TEXTS), b.predict_proba(TEXTS))
    tuned = a.bundle_.tuned.code_proba(TEXTS)
    np.testing.assert_allclose(a.predict_proba(TEXTS).to_numpy(),
                               0.5 * svm.predict_proba(TEXTS).to_numpy() + 0.5 * tuned, atol=1e-6)
    # thresholds: the SVMs' averaged with 0.5
    for code in a.codes_:
        assert a.meta_["thresholds"][code] == pytest.approx(0.5 * 0.5 + 0.5 * svm.meta_["thresholds"][code])


@needs_jax
def test_code_and_polarity_blends_are_separate_and_saved(tmp_path, tiny_encoder):
    fit_and_save(CODED, tmp_path / "a", encoder=str(tiny_encoder), fine_tune=True, epochs=2, seed=1, blend=0.8,
          polarity_blend=0.3)
    fit_and_save(CODED, tmp_path / "svm", seed=1)
    a, svm = LearnedTagger.load(tmp_path / "a"), LearnedTagger.load(tmp_path / "svm")
    assert (a.bundle_.blend, a.bundle_.polarity_blend) == (0.8, 0.3)
    meta = a.meta_["training"]
    assert (meta["blend"], meta["polarity_blend"]) == (0.8, 0.3)
    np.testing.assert_allclose(a.predict_proba(TEXTS).to_numpy(),
                               0.2 * svm.predict_proba(TEXTS).to_numpy() + 0.8 * a.bundle_.tuned.code_proba(TEXTS),
                               atol=1e-6)
    codes = [STAFF] * 4 + [FOOD] * 4
    tuned = a.bundle_.tuned.polarity_proba(TEXTS, np.array([a.codes_.index(c) for c in codes]))
    np.testing.assert_allclose(a.polarity_proba(TEXTS, codes).to_numpy(),
                               0.7 * svm.polarity_proba(TEXTS, codes).to_numpy() + 0.3 * tuned, atol=1e-6)
    for code in a.codes_:
        assert a.meta_["thresholds"][code] == pytest.approx(0.8 * 0.5 + 0.2 * svm.meta_["thresholds"][code])
    # a folder written before polarity_blend existed uses its one blend for both
    features = tmp_path / "a" / "features.json"
    state = json.loads(features.read_text())
    del state["tuned"]["polarity_blend"]
    features.write_text(json.dumps(state))
    old = LearnedTagger.load(tmp_path / "a")
    assert (old.bundle_.blend, old.bundle_.polarity_blend) == (0.8, 0.8)


def test_blend_defaults_and_bad_blends(tmp_path, tiny_encoder):
    from cxaudit.clues.learned import BLENDS

    from cxaudit.clues.learned.finetune import POLARITY_HEADS as HEAD_NAMES

    assert {e for e, _ in BLENDS} <= set(encoder_module.PINNED) and {h for _, h in BLENDS} <= set(HEAD_NAMES)
    assert all(0.0 <= w <= 1.0 for pair in BLENDS.values() for w in pair)
    from cxaudit.clues.learned import HEADS, POLARITY_HEADS

    assert set(HEADS) <= set(encoder_module.PINNED) and set(HEADS.values()) <= set(POLARITY_HEADS)
    with pytest.raises(ValueError, match="between 0 and 1"):
        fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder), fine_tune=True, polarity_blend=1.5)
    assert not (tmp_path / "m").exists()


@needs_jax
def test_tampered_fine_tuned_weights_are_refused(tmp_path, tiny_encoder):
    fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder), fine_tune=True, epochs=1)
    weights = tmp_path / "m" / "encoder" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(EncoderError, match="fine-tuned weights changed"):
        LearnedTagger.load(tmp_path / "m")


def test_fine_tuning_without_jax_says_what_to_install(tmp_path, tiny_encoder, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_jax(name, *args, **kwargs):
        if name == "jax" or name.startswith("jax."):
            raise ImportError("no jax")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jax)
    from cxaudit.clues.learned import FineTuneError

    with pytest.raises(FineTuneError, match=r"cxaudit\[finetune\]"):
        fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder), fine_tune=True)
    assert not (tmp_path / "m").exists()


def test_fine_tuning_without_the_finetune_extra_names_it(tmp_path, tiny_encoder, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr("cxaudit._extras.importlib.util.find_spec", lambda name: None if name == "jax" else real(name))
    from cxaudit.clues.learned import FineTuneError

    with pytest.raises(FineTuneError, match=r"fine-tuning \(--fine-tune\) needs cxaudit's 'finetune' extra "
                                            r"\(missing: jax\): pip install 'cxaudit\[finetune\]'"):
        fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder), fine_tune=True)
    assert not (tmp_path / "m").exists()


def test_train_report_summary_reads_like_a_report(tmp_path, tiny_encoder):
    plain = fit_and_save(CODED, tmp_path / "p").summary()
    assert plain.startswith("trained n-gram SVMs on 8 sentences (8 sentence–code pairs)")
    assert "too few sentences to cross-validate" in plain     # 8 distinct sentences < 20
    for code in (STAFF, FOOD):
        assert any(line.split()[0] == code for line in plain.splitlines()[2:4])
    big = pd.DataFrame({"text": [f"{t} number {i}" for i in range(4) for t in TEXTS],
                        "code": CODED["code"], "polarity": CODED["polarity"]})
    enc = fit_and_save(big, tmp_path / "e", encoder=str(tiny_encoder)).summary()
    assert "encoder vectors on 32 sentences" in enc and "cross-validated on the training sentences: code micro-F1" in enc


@needs_jax
def test_cli_fine_tune_shows_each_epoch_and_the_report(tmp_path, tiny_encoder):
    CODED.to_csv(tmp_path / "coded.csv", index=False)
    proc = subprocess.run([sys.executable, "-m", "cxaudit.cli", "train", str(tmp_path / "coded.csv"), "--out",
                           str(tmp_path / "m"), "--encoder", str(tiny_encoder), "--fine-tune", "--epochs", "2",
                           "--blend", "0.7", "--polarity-blend", "0.2"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "fine-tune epoch 1/2" in proc.stderr and "fine-tune epoch 2/2" in proc.stderr
    assert "trained a fine-tuned" in proc.stdout and (tmp_path / "m" / "encoder").is_dir()
    assert "weight: 0.7 for codes, 0.2 for polarity" in proc.stdout
    meta = json.loads((tmp_path / "m" / "cxaudit-tagger.json").read_text())["training"]
    assert (meta["blend"], meta["polarity_blend"]) == (0.7, 0.2)


def test_fine_tuning_options_without_fine_tuning_are_refused(tmp_path, tiny_encoder):
    for option in ({"blend": 0.5}, {"polarity_blend": 0.2}, {"polarity_head": "pair"}):
        with pytest.raises(ValueError, match="options of fine-tuning"):
            fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder), **option)
    assert not (tmp_path / "m").exists()


@needs_jax
def test_cli_polarity_head_option(tmp_path, tiny_encoder):
    CODED.to_csv(tmp_path / "coded.csv", index=False)
    base = [sys.executable, "-m", "cxaudit.cli", "train", str(tmp_path / "coded.csv"), "--encoder", str(tiny_encoder),
            "--fine-tune", "--epochs", "1"]
    proc = subprocess.run(base + ["--out", str(tmp_path / "m"), "--polarity-head", "both"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert LearnedTagger.load(tmp_path / "m").bundle_.tuned.polarity_head == "both"
    bad = subprocess.run(base + ["--out", str(tmp_path / "bad"), "--polarity-head", "cls"], capture_output=True, text=True)
    assert bad.returncode != 0 and "expected one of attention, pair, both" in bad.stderr + bad.stdout
    assert "Traceback" not in bad.stderr and not (tmp_path / "bad").exists()


def test_converged_compares_the_last_epoch_with_the_first():
    from cxaudit.clues.learned.finetune import converged

    assert converged([]) is None and converged([1.2]) is None
    assert converged([1.574, 0.704, 0.345, 0.171]) is True      # SemEval, MPNet
    assert converged([1.739, 1.744]) is False                   # a run that did not learn
    assert converged([1.0, 0.8]) is False and converged([1.0, 0.79]) is True


@needs_jax
def test_a_fine_tuning_that_does_not_learn_is_reported(tmp_path, tiny_encoder, monkeypatch):
    """With learning rates of 0 the loss cannot fall: the report, the CLI summary and the model folder say so."""
    import cxaudit.clues.learned.estimator as learn_module

    real = learn_module._fine_tune
    monkeypatch.setattr(learn_module, "_fine_tune", lambda *a, **k: real(*a, **k, lr=0.0, head_lr=0.0))
    report = fit_and_save(CODED, tmp_path / "m", encoder=str(tiny_encoder), fine_tune=True, epochs=3)
    assert len(report.warnings) == 1 and "did not learn" in report.warnings[0] and "--seed" in report.warnings[0]
    assert "--epochs" in report.warnings[0]
    assert "WARNING: the fine-tuning did not learn" in report.summary()
    meta = json.loads((tmp_path / "m" / "cxaudit-tagger.json").read_text())["training"]
    assert meta["fine_tune_converged"] is False and len(meta["fine_tune_losses"]) == 3
    # the tiny random encoder learns at the learning rates of the test above
    monkeypatch.setattr(learn_module, "_fine_tune", lambda *a, **k: real(*a, **k, lr=5e-3, head_lr=3e-2))
    healthy = fit_and_save(CODED, tmp_path / "ok", encoder=str(tiny_encoder), fine_tune=True, epochs=80)
    assert healthy.warnings == [] and "WARNING" not in healthy.summary()
    assert json.loads((tmp_path / "ok" / "cxaudit-tagger.json").read_text())["training"]["fine_tune_converged"] is True
