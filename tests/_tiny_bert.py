"""A tiny random BERT sentence encoder written to disk, and a slow reference forward pass.

Used by the encoder tests: the reference computes every token, head and
layer with explicit loops in float64, so it shares no code with
:mod:`cxaudit.nlp.encoder` beyond the file format.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from cxaudit.nlp.encoder import write_safetensors

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "food", "was", "great", "service", "slow", "staff",
         "rude", "room", "clean", "un", "##aff", "##able", "aff", "##s", ",", ".", "!", "'", "t", "cafe", "a", "b",
         "is", "not", "good", "bad", "very", "noisy", "price", "high", "我", "喜"]
HIDDEN, HEADS, LAYERS, INTER, MAX_POS = 8, 2, 2, 16, 32


def random_weights(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def r(*shape, scale=0.5):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    t = {"embeddings.word_embeddings.weight": r(len(VOCAB), HIDDEN),
         "embeddings.position_embeddings.weight": r(MAX_POS, HIDDEN),
         "embeddings.token_type_embeddings.weight": r(2, HIDDEN),
         "embeddings.LayerNorm.weight": 1 + r(HIDDEN, scale=0.1), "embeddings.LayerNorm.bias": r(HIDDEN, scale=0.1),
         "embeddings.position_ids": np.arange(MAX_POS, dtype=np.int64)[None, :]}
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for n in ("query", "key", "value"):
            t[p + f"attention.self.{n}.weight"] = r(HIDDEN, HIDDEN)
            t[p + f"attention.self.{n}.bias"] = r(HIDDEN, scale=0.1)
        t[p + "attention.output.dense.weight"] = r(HIDDEN, HIDDEN)
        t[p + "attention.output.dense.bias"] = r(HIDDEN, scale=0.1)
        t[p + "attention.output.LayerNorm.weight"] = 1 + r(HIDDEN, scale=0.1)
        t[p + "attention.output.LayerNorm.bias"] = r(HIDDEN, scale=0.1)
        t[p + "intermediate.dense.weight"] = r(INTER, HIDDEN)
        t[p + "intermediate.dense.bias"] = r(INTER, scale=0.1)
        t[p + "output.dense.weight"] = r(HIDDEN, INTER)
        t[p + "output.dense.bias"] = r(HIDDEN, scale=0.1)
        t[p + "output.LayerNorm.weight"] = 1 + r(HIDDEN, scale=0.1)
        t[p + "output.LayerNorm.bias"] = r(HIDDEN, scale=0.1)
    return t


def config() -> dict:
    return {"architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu", "hidden_size": HIDDEN,
            "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "intermediate_size": INTER,
            "max_position_embeddings": MAX_POS, "layer_norm_eps": 1e-12, "type_vocab_size": 2,
            "vocab_size": len(VOCAB)}


def write_model(folder: Path, *, seed: int = 0, tokenizer: str = "json") -> dict[str, np.ndarray]:
    """Write a sentence-transformers-style folder; returns the weights."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = random_weights(seed)
    (folder / "config.json").write_text(json.dumps(config()))
    write_safetensors(folder / "model.safetensors", weights)
    if tokenizer == "json":
        (folder / "tokenizer.json").write_text(json.dumps(
            {"model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                       "vocab": {w: i for i, w in enumerate(VOCAB)}}}))
    else:
        (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True}))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_mean_tokens": True}))
    return weights


def reference_encode(weights: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """Mean-pooled, L2-normalised last layer for one sequence, computed token by token in float64."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    d = HIDDEN // HEADS

    def ln(v, g, b):
        mu = sum(v) / len(v)
        var = sum((x - mu) ** 2 for x in v) / len(v)
        return np.array([(x - mu) / math.sqrt(var + 1e-12) for x in v]) * g + b

    def lin(v, name):
        return w[name + ".weight"] @ v + w[name + ".bias"]

    xs = [ln(w["embeddings.word_embeddings.weight"][t] + w["embeddings.position_embeddings.weight"][i]
             + w["embeddings.token_type_embeddings.weight"][0], w["embeddings.LayerNorm.weight"],
             w["embeddings.LayerNorm.bias"]) for i, t in enumerate(ids)]
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        q = [lin(x, p + "attention.self.query") for x in xs]
        k = [lin(x, p + "attention.self.key") for x in xs]
        v = [lin(x, p + "attention.self.value") for x in xs]
        new = []
        for i in range(len(xs)):
            heads = []
            for h in range(HEADS):
                sl = slice(h * d, (h + 1) * d)
                scores = [float(q[i][sl] @ k[j][sl]) / math.sqrt(d) for j in range(len(xs))]
                top = max(scores)
                e = [math.exp(s - top) for s in scores]
                heads.append(sum(e[j] / sum(e) * v[j][sl] for j in range(len(xs))))
            a = ln(lin(np.concatenate(heads), p + "attention.output.dense") + xs[i],
                   w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            u = lin(a, p + "intermediate.dense")
            u = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in u])
            new.append(ln(lin(u, p + "output.dense") + a, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]))
        xs = new
    mean = sum(xs) / len(xs)
    return mean / np.linalg.norm(mean)
