"""A pretrained sentence encoder: BERT-family weights run in NumPy, no PyTorch, nothing downloaded.

``SentenceEncoder.load(source)`` reads a model in the standard Hugging Face layout: ``config.json`` (BERT
or MPNet architecture), ``model.safetensors`` (read by ``safetensors``; never a pickle), ``tokenizer.json``
or ``vocab.txt`` (tokenised by Hugging Face ``tokenizers``, the model's own tokenizer definition), and
optionally sentence-transformers' ``sentence_bert_config.json`` and ``1_Pooling/config.json``.
``encode(texts)`` returns one L2-normalised vector per text (mean of the last layer's token vectors,
as sentence-transformers' mean pooling does).

``source`` is a local folder, a hub model id pinned to a commit (``ORG/NAME@COMMIT``, read from
``huggingface_hub``'s cache), or ``"minilm"`` / ``"mpnet"``, the official all-MiniLM-L6-v2 and
all-mpnet-base-v2 at pinned commits with their published weight digests (:mod:`._encoder_io`,
:data:`PINNED`). Nothing is fetched at run time: a model that is not there raises
:class:`EncoderError` saying how to get it. ``tokenizers``, ``safetensors`` and ``huggingface_hub``
come with the ``encoder`` extra (``pip install 'cxaudit[encoder]'``).

The forward pass is float32 BERT or MPNet (post-layer-norm, exact GELU; MPNet adds a relative-position
attention bias and numbers positions from 2), batched by length; it matches a loop-by-loop float64
implementation to ~1e-5 (``tests/test_encoder.py``, on small random models of both kinds that the tests
write in the Hugging Face layout).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from cxaudit.nlp._encoder_io import (  # noqa: F401  (re-exported: the encoder's public file API)
    FILES, PINNED, EncoderError, Pinned, download, encoder_available, file_sha256, parse_hub_id, read_weights,
    require_encoder_extra, resolve, write_weights)


# --------------------------------------------------------------------------- tokenizer


class Tokens:
    """A model's tokenizer (a Hugging Face ``tokenizers.Tokenizer``) with the ids of its special tokens.

    ``encode`` and ``encode_pairs`` add the special tokens as the model's tokenizer defines them (BERT
    ``[CLS] a [SEP] b [SEP]``, MPNet ``<s> a </s></s> b </s>``) and cut texts to a length."""

    def __init__(self, tokenizer, *, cls: str, sep: str, pad: str):
        self.hf = tokenizer
        tokenizer.no_padding()
        tokenizer.no_truncation()
        vocab = tokenizer.get_vocab()
        for tok in (cls, sep):
            if tok not in vocab:
                raise EncoderError(f"the tokenizer lacks the special token {tok!r}")
        self.cls_id, self.sep_id, self.pad_id = vocab[cls], vocab[sep], vocab.get(pad, 0)

    @property
    def vocab(self) -> dict[str, int]:
        return self.hf.get_vocab()

    @property
    def size(self) -> int:
        return self.hf.get_vocab_size()

    def encode(self, text: str, max_length: int) -> list[int]:
        """Token ids of one text with the special tokens, at most ``max_length`` of them."""
        return self.encode_batch([text], max_length)[0]

    def encode_batch(self, texts: list[str], max_length: int) -> list[list[int]]:
        """Token ids of each text with the special tokens, at most ``max_length`` each (one text at a time:
        no Rust thread pool, so nothing to disable in worker processes forked later)."""
        self.hf.enable_truncation(max_length)
        try:
            return [self.hf.encode(t).ids for t in texts]
        finally:
            self.hf.no_truncation()

    def encode_pairs(self, firsts: list[str], seconds: list[str], limit: int) -> list[list[int]]:
        """Token ids of text pairs, at most ``limit`` each: the first text is cut so that the second stays
        whole; a second text too long by itself is cut too."""
        room = max(limit - self.hf.num_special_tokens_to_add(True), 0)
        out = []
        for a, b in zip(firsts, seconds):
            ea, eb = self.hf.encode(a, add_special_tokens=False), self.hf.encode(b, add_special_tokens=False)
            nb = min(len(eb.ids), room)
            ea.truncate(min(len(ea.ids), room - nb))
            eb.truncate(nb)
            out.append(self.hf.post_process(ea, eb, add_special_tokens=True).ids)
        return out


def _tokenizer(folder: Path, *, kind: str, arch: dict):
    """The folder's tokenizer: ``tokenizer.json`` as it is, or a WordPiece tokenizer over ``vocab.txt``
    (BERT's normalisation, lower-cased unless ``tokenizer_config.json`` says ``do_lower_case: false``)."""
    # the encoder extra (tokenizers)
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    if (folder / "tokenizer.json").is_file():
        try:
            return Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001 - the Rust library's errors become one message
            raise EncoderError(f"{folder}/tokenizer.json: not a tokenizer file ({exc})") from None
    if not (folder / "vocab.txt").is_file():
        raise EncoderError(f"{folder}: missing tokenizer.json or vocab.txt")
    lines = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    vocab = {tok: i for i, tok in enumerate(lines)}
    lowercase = True
    if (folder / "tokenizer_config.json").is_file():
        lowercase = bool(json.loads((folder / "tokenizer_config.json").read_text()).get("do_lower_case", True))
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]" if "[UNK]" in vocab else "<unk>", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    for name in (arch["cls"], arch["sep"]):
        if name not in vocab:
            raise EncoderError(f"{folder}/vocab.txt lacks the special token {name!r}")
    cls, sep = (arch["cls"], vocab[arch["cls"]]), (arch["sep"], vocab[arch["sep"]])
    tok.post_processor = (processors.RobertaProcessing(sep, cls, trim_offsets=False, add_prefix_space=False)
                          if kind == "mpnet" else processors.BertProcessing(sep, cls))
    tok.add_special_tokens([t for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<s>", "<pad>", "</s>",
                                        "<unk>", "<mask>") if t in vocab])
    return tok


# --------------------------------------------------------------------------- model


def _layer_norm(x, g, b, eps: float):
    """Layer normalisation over the last axis (NumPy or jax.numpy arrays alike)."""
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / (var + eps) ** 0.5 * g + b


def _softmax(xp, s):
    """Softmax over the last axis, in the array module ``xp`` (numpy or jax.numpy); in NumPy, in place
    (``s`` is a temporary: a quarter of the forward pass's time was its copies)."""
    if xp is np:
        s -= s.max(-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(-1, keepdims=True)
        return s
    e = xp.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# float32 rational approximation of erf on [-4, 4] (the one of Eigen/XLA): |error| < 5e-7 against
# float64 erf (tested), 2.5× faster than scipy.special.erf, which was a third of the forward pass.
_ERF_P = tuple(np.float32(c) for c in (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
                                       -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
                                       -1.60960333262415e-02))
_ERF_Q = tuple(np.float32(c) for c in (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
                                       -7.37332916720468e-03, -1.42647390514189e-02))


def erf32(x: np.ndarray) -> np.ndarray:
    """erf of a float32 array, to float32 precision."""
    x = np.clip(x, np.float32(-4.0), np.float32(4.0))
    x2 = x * x
    p = _ERF_P[0] * x2 + _ERF_P[1]
    for c in _ERF_P[2:]:
        p *= x2
        p += c
    p *= x
    q = _ERF_Q[0] * x2 + _ERF_Q[1]
    for c in _ERF_Q[2:]:
        q *= x2
        q += c
    p /= q
    return p


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x · Φ(x) = 0.5 · x · (1 + erf(x / √2)), in float32."""
    e = erf32(x * np.float32(1.0 / np.sqrt(2.0)))
    e += np.float32(1.0)
    e *= x
    e *= np.float32(0.5)
    return e


@dataclass
class _Layer:
    qkv_w: np.ndarray  # (hidden, 3 * hidden), input-major
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


# Per architecture: special tokens, the offset of the first position id (MPNet numbers positions from
# padding_idx + 1 = 2, as RoBERTa does), and each layer's weight names (q, k, v, attention output, its
# layer norm, feed-forward up, down, its layer norm).
_ARCH = {
    "bert": {"cls": "[CLS]", "sep": "[SEP]", "pad": "[PAD]", "pos_offset": 0,
             "layer": ("attention.self.query", "attention.self.key", "attention.self.value",
                       "attention.output.dense", "attention.output.LayerNorm",
                       "intermediate.dense", "output.dense", "output.LayerNorm")},
    "mpnet": {"cls": "<s>", "sep": "</s>", "pad": "<pad>", "pos_offset": 2,
              "layer": ("attention.attn.q", "attention.attn.k", "attention.attn.v",
                        "attention.attn.o", "attention.LayerNorm",
                        "intermediate.dense", "output.dense", "output.LayerNorm")},
}


def relative_buckets(n: int, num_buckets: int = 32, max_distance: int = 128) -> np.ndarray:
    """MPNet's (T5's) bidirectional relative-position bucket of each (query, key) pair, (n, n) int64:
    exact buckets for distances below ``num_buckets / 4``, logarithmic ones up to ``max_distance``,
    keys before and after the query in separate halves. Computed in float32 as the reference does
    (float32 and float64 give the same buckets for every distance below 2,000; tested)."""
    pos = np.arange(n)
    m = pos[:, None] - pos[None, :]  # query position - key position
    half = num_buckets // 2
    ret = (m < 0).astype(np.int64) * half
    m = np.abs(m)
    exact = half // 2
    scaled = (np.log(np.maximum(m, 1).astype(np.float32) / np.float32(exact))
              / np.float32(np.log(max_distance / exact)) * np.float32(half - exact))
    large = np.minimum(exact + scaled.astype(np.int64), half - 1)
    return ret + np.where(m < exact, m, large)


def forward(xp, p: dict, ids, mask, *, heads: int, eps: float, pos_offset: int, gelu, dropout=None):
    """Last hidden states (batch, length, hidden) of a BERT or MPNet encoder: the one forward pass of
    prediction (``xp`` = numpy) and of fine-tuning (``xp`` = jax.numpy, differentiated by JAX).

    ``p``: :meth:`SentenceEncoder.params` (or the same pytree of JAX arrays); ``ids``/``mask``: padded token
    ids and a 0/1 float mask (batch, length); ``gelu``: exact GELU of the array module; ``dropout``: None,
    or ``dropout(x, i)`` applied to the ``i``-th residual branch (two per layer: attention, feed-forward).
    Post-layer-norm; MPNet adds the relative-position bias (``p["rel"]``) to every layer's attention scores,
    BERT the segment-A embedding (``p["type0"]``). The dense layers run as 2-D matrix products."""
    b, n = ids.shape
    hidden = p["word"].shape[1]
    d = hidden // heads
    x = p["word"][ids] + p["pos"][pos_offset:pos_offset + n]
    if "type0" in p:
        x = x + p["type0"]
    x = _layer_norm(x, p["emb_g"], p["emb_b"], eps)
    bias = (1.0 - mask[:, None, None, :]) * np.float32(-1e9)
    if "rel" in p:
        bias = bias + p["rel"][relative_buckets(n, p["rel"].shape[0])].transpose(2, 0, 1)[None]
    scale = np.float32(1.0 / np.sqrt(d))
    x = x.reshape(b * n, hidden)
    for i, L in enumerate(p["layers"]):
        qkv = (x @ L["qkv_w"] + L["qkv_b"]).reshape(b, n, 3, heads, d).transpose(2, 0, 3, 1, 4)
        s = _softmax(xp, (qkv[0] @ qkv[1].transpose(0, 1, 3, 2)) * scale + bias)
        a = (s @ qkv[2]).transpose(0, 2, 1, 3).reshape(b * n, hidden) @ L["out_w"] + L["out_b"]
        if dropout is not None:
            a = dropout(a, 2 * i)
        x = _layer_norm(a + x, L["ln1_g"], L["ln1_b"], eps)
        u = gelu(x @ L["up_w"] + L["up_b"]) @ L["down_w"] + L["down_b"]
        if dropout is not None:
            u = dropout(u, 2 * i + 1)
        x = _layer_norm(u + x, L["ln2_g"], L["ln2_b"], eps)
    return x.reshape(b, n, hidden)


class SentenceEncoder:
    """A BERT or MPNet sentence encoder with mean pooling; see the module docstring."""

    def __init__(self, *, config: dict, tensors: dict[str, np.ndarray], tokenizer, name: str, sha256: str,
                 max_length: int = 256):
        self.name = name
        self.sha256 = sha256
        self.config = config
        self.kind = str(config.get("model_type", "bert"))
        if self.kind not in _ARCH or config.get("hidden_act", "gelu") != "gelu":
            raise EncoderError(f"{name}: only BERT and MPNet models with GELU are supported "
                               f"(model_type={config.get('model_type')!r}, hidden_act={config.get('hidden_act')!r})")
        arch = _ARCH[self.kind]
        self.pos_offset = int(arch["pos_offset"])
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = min(int(max_length), int(config.get("max_position_embeddings", 512)) - self.pos_offset)
        self.tokenizer = Tokens(tokenizer, cls=arch["cls"], sep=arch["sep"], pad=arch["pad"])
        t = {k.split(".", 1)[1] if k.startswith((self.kind + ".", "bert.")) else k: v for k, v in tensors.items()}

        def get(key: str) -> np.ndarray:
            if key not in t:
                raise EncoderError(f"{name}: weights lack {key!r}")
            return np.ascontiguousarray(t[key], dtype=np.float32)

        self.word = get("embeddings.word_embeddings.weight")
        if self.word.shape[0] < self.tokenizer.size:
            raise EncoderError(f"{name}: {self.tokenizer.size} tokens in the vocabulary but {self.word.shape[0]} "
                               "embeddings")
        self.pos = get("embeddings.position_embeddings.weight")
        if self.kind == "bert":
            self.types = get("embeddings.token_type_embeddings.weight")
            self.rel = None
        else:  # MPNet: no segment embeddings; one relative-position bias table shared by all layers
            self.types = np.zeros((1, self.hidden), np.float32)
            self.rel = get("encoder.relative_attention_bias.weight")
            if self.rel.shape[1] != self.heads:
                raise EncoderError(f"{name}: relative_attention_bias has {self.rel.shape[1]} heads, "
                                   f"expected {self.heads}")
        self.type0 = self.types[0]
        self.emb_g, self.emb_b = get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias")
        self.layers = []
        q, k, v, o, ln1, up, down, ln2 = arch["layer"]
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate([get(p + f"{n}.weight") for n in (q, k, v)]).T
            qkv_b = np.concatenate([get(p + f"{n}.bias") for n in (q, k, v)])
            self.layers.append(_Layer(
                np.ascontiguousarray(qkv_w), qkv_b,
                np.ascontiguousarray(get(p + o + ".weight").T), get(p + o + ".bias"),
                get(p + ln1 + ".weight"), get(p + ln1 + ".bias"),
                np.ascontiguousarray(get(p + up + ".weight").T), get(p + up + ".bias"),
                np.ascontiguousarray(get(p + down + ".weight").T), get(p + down + ".bias"),
                get(p + ln2 + ".weight"), get(p + ln2 + ".bias")))

    def position_bias(self, n: int) -> np.ndarray | None:
        """The additive attention bias (heads, n, n) from relative positions (MPNet), or None (BERT)."""
        if self.rel is None:
            return None
        return np.ascontiguousarray(self.rel[relative_buckets(n, self.rel.shape[0])].transpose(2, 0, 1))

    @property
    def dim(self) -> int:
        return self.hidden

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, source: str | Path, *, max_length: int = 256) -> "SentenceEncoder":
        """Load ``source``: a folder in the Hugging Face layout, ``ORG/NAME@COMMIT`` from the hub's cache, or a
        :data:`PINNED` name (whose weights must have the published SHA-256). Raises :class:`EncoderError`."""
        require_encoder_extra("a sentence encoder (--encoder)")
        folder = resolve(source)
        pinned = PINNED.get(str(source))
        return cls._load_folder(folder, name=str(source), max_length=max_length,
                                expect_sha256=pinned.sha256 if pinned else None)

    @classmethod
    def _load_folder(cls, folder: Path, *, name: str, max_length: int, expect_sha256: str | None = None):
        def read_json(rel: str, default=None):
            if not (folder / rel).is_file():
                if default is None:
                    raise EncoderError(f"{folder}: missing {rel}")
                return default
            try:
                return json.loads((folder / rel).read_text(encoding="utf-8"))
            except ValueError as exc:
                raise EncoderError(f"{folder}/{rel} is not JSON ({exc})") from None

        config = read_json("config.json")
        weights = folder / "model.safetensors"
        if not weights.is_file():
            raise EncoderError(f"{folder}: missing model.safetensors (cxaudit reads no other weights format)")
        digest = file_sha256(weights)
        if expect_sha256 and digest != expect_sha256:
            raise EncoderError(f"{weights}: SHA-256 {digest}, but the release publishes {expect_sha256}; "
                               "cxaudit refuses these weights")
        tensors = read_weights(weights)
        max_length = min(max_length, int(read_json("sentence_bert_config.json", {}).get("max_seq_length", max_length)))
        pooling = read_json("1_Pooling/config.json", {})
        if not pooling.get("pooling_mode_mean_tokens", True) or pooling.get("pooling_mode_cls_token"):
            raise EncoderError(f"{folder}: only mean pooling is supported")
        kind = str(config.get("model_type", "bert"))
        tokenizer = _tokenizer(folder, kind=kind, arch=_ARCH.get(kind, _ARCH["bert"]))
        return cls(config=config, tensors=tensors, tokenizer=tokenizer, name=name, sha256=digest,
                   max_length=max_length)

    # ------------------------------------------------------------------ encoding

    def tensors(self) -> dict[str, np.ndarray]:
        """The weights under their BERT or MPNet names (what :meth:`save` writes)."""
        t = {"embeddings.word_embeddings.weight": self.word, "embeddings.position_embeddings.weight": self.pos,
             "embeddings.LayerNorm.weight": self.emb_g, "embeddings.LayerNorm.bias": self.emb_b}
        if self.rel is None:
            t["embeddings.token_type_embeddings.weight"] = self.types
        else:
            t["encoder.relative_attention_bias.weight"] = self.rel
        h = self.hidden
        q, k, v, o, ln1, up, down, ln2 = _ARCH[self.kind]["layer"]
        for i, L in enumerate(self.layers):
            p = f"encoder.layer.{i}."
            for j, n in enumerate((q, k, v)):
                t[p + f"{n}.weight"] = L.qkv_w[:, j * h:(j + 1) * h].T
                t[p + f"{n}.bias"] = L.qkv_b[j * h:(j + 1) * h]
            t.update({p + o + ".weight": L.out_w.T, p + o + ".bias": L.out_b,
                      p + ln1 + ".weight": L.ln1_g, p + ln1 + ".bias": L.ln1_b,
                      p + up + ".weight": L.up_w.T, p + up + ".bias": L.up_b,
                      p + down + ".weight": L.down_w.T, p + down + ".bias": L.down_b,
                      p + ln2 + ".weight": L.ln2_g, p + ln2 + ".bias": L.ln2_b})
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in t.items()}

    def save(self, folder: Path) -> str:
        """Write the model in the Hugging Face layout that :meth:`load` reads (``config.json``,
        ``model.safetensors``, ``tokenizer.json``, sentence-transformers' ``sentence_bert_config.json`` and
        ``1_Pooling/config.json``); returns the weights' SHA-256."""
        folder = Path(folder)
        (folder / "1_Pooling").mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(self.config, indent=1, sort_keys=True), encoding="utf-8")
        write_weights(folder / "model.safetensors", self.tensors())
        self.tokenizer.hf.save(str(folder / "tokenizer.json"))
        (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": self.max_length}),
                                                          encoding="utf-8")
        (folder / "1_Pooling" / "config.json").write_text(json.dumps(
            {"word_embedding_dimension": self.hidden, "pooling_mode_mean_tokens": True}), encoding="utf-8")
        return file_sha256(folder / "model.safetensors")

    def token_ids(self, texts: Iterable[str]) -> list[list[int]]:
        return self.tokenizer.encode_batch([t if isinstance(t, str) else "" for t in texts], self.max_length)

    def pair_ids(self, firsts: Iterable[str], seconds: Iterable[str], *, max_length: int | None = None) -> list[list[int]]:
        """Token ids of text pairs, as the model's tokenizer joins them: BERT ``[CLS] a [SEP] b [SEP]``, MPNet
        (RoBERTa-style) ``<s> a </s></s> b </s>``. At most ``max_length`` (default :attr:`max_length`) ids:
        the first text is cut so that the second one stays whole."""
        limit = self.max_length if max_length is None else int(max_length)
        clean = [[t if isinstance(t, str) else "" for t in texts] for texts in (firsts, seconds)]
        return self.tokenizer.encode_pairs(clean[0], clean[1], limit)

    def params(self) -> dict:
        """The weights as :func:`forward` takes them (the arrays themselves, not copies)."""
        p = {"word": self.word, "pos": self.pos, "emb_g": self.emb_g, "emb_b": self.emb_b,
             "layers": [{f: getattr(L, f) for f in L.__dataclass_fields__} for L in self.layers]}
        if self.rel is None:
            p["type0"] = self.type0  # BERT: the segment-A embedding
        else:
            p["rel"] = self.rel  # MPNet: the relative-position bias table
        return p

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states (batch, length, hidden) for padded ids and a 0/1 mask."""
        return forward(np, self.params(), ids, mask, heads=self.heads, eps=self.eps, pos_offset=self.pos_offset,
                       gelu=_gelu)

    def token_states(self, texts: Iterable[str] = (), *, batch_tokens: int = 4096, ids: list[list[int]] | None = None):
        """Yield (indices into ``texts``, last hidden states (batch, length, dim), 0/1 mask (batch, length)),
        batches of texts of similar length with at most ``batch_tokens`` padded tokens each. ``ids``: token
        ids given instead of texts (e.g. :meth:`pair_ids`); indices are then into ``ids``."""
        all_ids = self.token_ids(texts) if ids is None else ids
        order = sorted(range(len(all_ids)), key=lambda i: len(all_ids[i]))
        i = 0
        while i < len(order):
            j = i
            while j < len(order) and (j - i + 1) * len(all_ids[order[j]]) <= max(batch_tokens, len(all_ids[order[j]])):
                j += 1
            batch = order[i:j]
            longest = len(all_ids[batch[-1]])
            ids = np.full((len(batch), longest), self.tokenizer.pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=np.float32)
            for r, k in enumerate(batch):
                seq = all_ids[k]
                ids[r, : len(seq)] = seq
                mask[r, : len(seq)] = 1.0
            yield np.array(batch, dtype=np.int64), self._forward(ids, mask), mask
            i = j

    def encode(self, texts: Iterable[str], *, batch_tokens: int = 4096, normalize: bool = True) -> np.ndarray:
        """One vector per text, (len(texts), dim) float32: mean of token vectors, L2-normalised."""
        texts = list(texts)
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for batch, hidden, mask in self.token_states(texts, batch_tokens=batch_tokens):
            out[batch] = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        if normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.maximum(norms, 1e-12)
        return out
