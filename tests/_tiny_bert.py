"""Tiny random BERT and MPNet sentence encoders written to disk, and a slow reference forward pass.

Used by the encoder tests. The models are written in the standard Hugging Face layout (``config.json``,
``tokenizer.json`` made by Hugging Face ``tokenizers`` or a ``vocab.txt``, ``model.safetensors`` written by
``safetensors``, sentence-transformers' ``1_Pooling/config.json``), so they load through the same code as a
real model. The reference computes every token, head and layer with explicit loops in float64 (and
MPNet's relative-position buckets from their definition, in float64 scalar arithmetic), so it shares no
code with :mod:`cxaudit.nlp.encoder` beyond the file format.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from safetensors.numpy import save_file
from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordPiece


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    save_file(tensors, str(path), metadata={"format": "pt"})

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "food", "was", "great", "service", "slow", "staff",
         "rude", "room", "clean", "un", "##aff", "##able", "aff", "##s", ",", ".", "!", "'", "t", "cafe", "a", "b",
         "is", "not", "good", "bad", "very", "noisy", "price", "high", "我", "喜"]
# MPNet's vocabulary starts with its own special tokens, then BERT's (as all-mpnet-base-v2's does)
MPNET_VOCAB = ["<s>", "<pad>", "</s>", "<unk>"] + VOCAB
HIDDEN, HEADS, LAYERS, INTER, MAX_POS, BUCKETS = 8, 2, 2, 16, 32, 32
# per architecture: q, k, v, attention output, its layer norm (the feed-forward names are shared)
NAMES = {"bert": ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                  "attention.output.LayerNorm"),
         "mpnet": ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o",
                   "attention.LayerNorm")}


def vocab(kind: str = "bert") -> list[str]:
    return MPNET_VOCAB if kind == "mpnet" else VOCAB


def random_weights(seed: int = 0, kind: str = "bert") -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def r(*shape, scale=0.5):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    q, k, v, o, ln1 = NAMES[kind]
    t = {"embeddings.word_embeddings.weight": r(len(vocab(kind)), HIDDEN),
         "embeddings.position_embeddings.weight": r(MAX_POS + (2 if kind == "mpnet" else 0), HIDDEN),
         "embeddings.LayerNorm.weight": 1 + r(HIDDEN, scale=0.1), "embeddings.LayerNorm.bias": r(HIDDEN, scale=0.1),
         "embeddings.position_ids": np.arange(MAX_POS, dtype=np.int64)[None, :]}
    if kind == "mpnet":
        t["encoder.relative_attention_bias.weight"] = r(BUCKETS, HEADS, scale=1.0)
    else:
        t["embeddings.token_type_embeddings.weight"] = r(2, HIDDEN)
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for n in (q, k, v):
            t[p + f"{n}.weight"] = r(HIDDEN, HIDDEN)
            t[p + f"{n}.bias"] = r(HIDDEN, scale=0.1)
        t[p + o + ".weight"] = r(HIDDEN, HIDDEN)
        t[p + o + ".bias"] = r(HIDDEN, scale=0.1)
        t[p + ln1 + ".weight"] = 1 + r(HIDDEN, scale=0.1)
        t[p + ln1 + ".bias"] = r(HIDDEN, scale=0.1)
        t[p + "intermediate.dense.weight"] = r(INTER, HIDDEN)
        t[p + "intermediate.dense.bias"] = r(INTER, scale=0.1)
        t[p + "output.dense.weight"] = r(HIDDEN, INTER)
        t[p + "output.dense.bias"] = r(HIDDEN, scale=0.1)
        t[p + "output.LayerNorm.weight"] = 1 + r(HIDDEN, scale=0.1)
        t[p + "output.LayerNorm.bias"] = r(HIDDEN, scale=0.1)
    return t


def config(kind: str = "bert") -> dict:
    if kind == "mpnet":
        return {"architectures": ["MPNetModel"], "model_type": "mpnet", "hidden_act": "gelu", "hidden_size": HIDDEN,
                "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "intermediate_size": INTER,
                "max_position_embeddings": MAX_POS + 2, "layer_norm_eps": 1e-5, "pad_token_id": 1,
                "relative_attention_num_buckets": BUCKETS, "vocab_size": len(MPNET_VOCAB)}
    return {"architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu", "hidden_size": HIDDEN,
            "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "intermediate_size": INTER,
            "max_position_embeddings": MAX_POS, "layer_norm_eps": 1e-12, "type_vocab_size": 2,
            "vocab_size": len(VOCAB)}


def write_model(folder: Path, *, seed: int = 0, tokenizer: str = "json", kind: str = "bert") -> dict[str, np.ndarray]:
    """Write a BERT or an MPNet model in the Hugging Face layout (sentence-transformers' pooling config
    included); ``tokenizer``: ``"json"`` (tokenizer.json) or ``"txt"`` (vocab.txt). Returns the weights."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = random_weights(seed, kind)
    words = vocab(kind)
    (folder / "config.json").write_text(json.dumps(config(kind)))
    write_safetensors(folder / "model.safetensors", weights)
    if tokenizer == "json":
        hf_tokenizer(kind).save(str(folder / "tokenizer.json"))
    else:
        (folder / "vocab.txt").write_text("\n".join(words) + "\n")
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_mean_tokens": True}))
    return weights


def hf_tokenizer(kind: str = "bert") -> Tokenizer:
    """The tokenizer of a tiny model, as Hugging Face builds BERT's and MPNet's: WordPiece, BERT's
    normalisation and pre-tokenisation, [CLS] … [SEP] (BERT) or <s> … </s></s> … </s> (MPNet)."""
    words = vocab(kind)
    ids = {w: i for i, w in enumerate(words)}
    tok = Tokenizer(WordPiece(ids, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    if kind == "mpnet":
        tok.post_processor = processors.RobertaProcessing(("</s>", ids["</s>"]), ("<s>", ids["<s>"]),
                                                          trim_offsets=False, add_prefix_space=False)
        special = ["<s>", "<pad>", "</s>", "<unk>", "[UNK]"]
    else:
        tok.post_processor = processors.BertProcessing(("[SEP]", ids["[SEP]"]), ("[CLS]", ids["[CLS]"]))
        special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.add_special_tokens(special)
    return tok


def reference_bucket(query: int, key: int) -> int:
    """MPNet's relative-position bucket, from its definition: 16 buckets for keys at or before the query and
    16 for keys after it; distances 0–7 exact, 8–127 on a log scale (8 + ⌊8 · log(d/8) / log(16)⌋), ≥ 128 last."""
    d = query - key
    base = 16 if d < 0 else 0
    d = abs(d)
    if d < 8:
        return base + d
    return base + min(8 + int(math.log(d / 8) / math.log(128 / 8) * 8), 15)


def reference_encode(weights: dict[str, np.ndarray], ids: list[int], kind: str = "bert") -> np.ndarray:
    """Mean-pooled, L2-normalised last layer for one sequence, computed token by token in float64."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    d = HIDDEN // HEADS
    eps = config(kind)["layer_norm_eps"]
    q_name, k_name, v_name, o_name, ln1_name = NAMES[kind]
    offset = 2 if kind == "mpnet" else 0
    segment = 0.0 if kind == "mpnet" else w["embeddings.token_type_embeddings.weight"][0]

    def ln(v, g, b):
        mu = sum(v) / len(v)
        var = sum((x - mu) ** 2 for x in v) / len(v)
        return np.array([(x - mu) / math.sqrt(var + eps) for x in v]) * g + b

    def lin(v, name):
        return w[name + ".weight"] @ v + w[name + ".bias"]

    def rel(h, i, j):
        if kind != "mpnet":
            return 0.0
        return float(w["encoder.relative_attention_bias.weight"][reference_bucket(i, j), h])

    xs = [ln(w["embeddings.word_embeddings.weight"][t] + w["embeddings.position_embeddings.weight"][i + offset]
             + segment, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]) for i, t in enumerate(ids)]
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        q = [lin(x, p + q_name) for x in xs]
        k = [lin(x, p + k_name) for x in xs]
        v = [lin(x, p + v_name) for x in xs]
        new = []
        for i in range(len(xs)):
            heads = []
            for h in range(HEADS):
                sl = slice(h * d, (h + 1) * d)
                scores = [float(q[i][sl] @ k[j][sl]) / math.sqrt(d) + rel(h, i, j) for j in range(len(xs))]
                top = max(scores)
                e = [math.exp(s - top) for s in scores]
                heads.append(sum(e[j] / sum(e) * v[j][sl] for j in range(len(xs))))
            a = ln(lin(np.concatenate(heads), p + o_name) + xs[i], w[p + ln1_name + ".weight"], w[p + ln1_name + ".bias"])
            u = lin(a, p + "intermediate.dense")
            u = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in u])
            new.append(ln(lin(u, p + "output.dense") + a, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]))
        xs = new
    mean = sum(xs) / len(xs)
    return mean / np.linalg.norm(mean)


def write_hub_cache(cache: Path, repo: str, revision: str, *, kind: str = "bert", seed: int = 0) -> Path:
    """A tiny model as huggingface_hub's cache holds a downloaded commit
    (``models--ORG--NAME/snapshots/COMMIT/``); returns the snapshot folder."""
    snapshot = cache / ("models--" + repo.replace("/", "--")) / "snapshots" / revision
    write_model(snapshot, kind=kind, seed=seed)
    return snapshot
