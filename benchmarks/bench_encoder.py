"""cxaudit's NumPy sentence encoder side by side with sentence-transformers (PyTorch, CPU) on the same model
files and the same sentences: do they compute the same vectors, and how fast is each.

Run: ``.venv/bin/python benchmarks/bench_encoder.py [--models minilm,mpnet] [--sentences 1000]``
(sentence-transformers and a CPU torch: ``make bench-models``; without them only cxaudit's side runs).

For each model: the real weights when they are in the Hugging Face cache (``make bench-models`` puts the
pinned official releases there), otherwise **random weights of the same architecture** (same layers,
widths, heads, positions; a WordPiece tokenizer learned by Hugging Face ``tokenizers`` on the sentences),
written in the Hugging Face layout. Speed does not depend on the weights' values, and agreement between
two implementations of the same function is tested as well on random weights as on real ones; accuracy
is not measured here (``bench_learned_tagger.py`` measures the taggers' accuracy with real weights).

Both implementations read the same folder and the same texts (the bundled sample's comments, all
different, repeated with a number to ``--sentences``): vectors are compared (largest absolute difference,
smallest cosine), and each encodes all texts with its BLAS/intra-op threads set to 1 and to 2, the two
timed in alternation and the best of ``--rounds`` kept, so that the machine's load falls on both. Writes
``benchmarks/results/encoder_compare.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import machine, write_results  # noqa: E402
from cxaudit.nlp.encoder import _ARCH, PINNED, SentenceEncoder, encoder_available, write_weights  # noqa: E402

# The architectures of the pinned releases (their config.json), for random weights of the same shape.
SHAPES = {
    "minilm": {"model_type": "bert", "architectures": ["BertModel"], "hidden_size": 384, "num_hidden_layers": 6,
               "num_attention_heads": 12, "intermediate_size": 1536, "max_position_embeddings": 512,
               "layer_norm_eps": 1e-12, "type_vocab_size": 2, "max_seq_length": 256},
    "mpnet": {"model_type": "mpnet", "architectures": ["MPNetModel"], "hidden_size": 768, "num_hidden_layers": 12,
              "num_attention_heads": 12, "intermediate_size": 3072, "max_position_embeddings": 514,
              "layer_norm_eps": 1e-5, "relative_attention_num_buckets": 32, "pad_token_id": 1, "bos_token_id": 0,
              "eos_token_id": 2, "max_seq_length": 384},
}


def sentences(n: int) -> list[str]:
    """``n`` distinct texts: the sample's comments, numbered once they repeat."""
    base = pd.read_csv(ROOT / "data" / "sample" / "comments.csv")["comment"].dropna().astype(str).tolist()
    return [base[i % len(base)] + ("" if i < len(base) else f" ({i // len(base)})") for i in range(n)]


def random_model(folder: Path, name: str, texts: list[str], seed: int = 0) -> Path:
    """A model with random weights (N(0, 0.02), as BERT is initialised) of ``name``'s architecture, and a
    WordPiece tokenizer learned on ``texts``, in the Hugging Face layout."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from tokenizers.trainers import WordPieceTrainer

    shape = dict(SHAPES[name])
    max_seq = shape.pop("max_seq_length")
    kind = shape["model_type"]
    special = ["<s>", "<pad>", "</s>", "<unk>", "[UNK]"] if kind == "mpnet" else ["[PAD]", "[UNK]", "[CLS]", "[SEP]",
                                                                                  "[MASK]"]
    tok = Tokenizer(WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(texts, WordPieceTrainer(vocab_size=8000, special_tokens=special))
    v = tok.get_vocab()
    arch = _ARCH[kind]
    cls, sep = (arch["cls"], v[arch["cls"]]), (arch["sep"], v[arch["sep"]])
    tok.post_processor = (processors.RobertaProcessing(sep, cls, trim_offsets=False, add_prefix_space=False)
                          if kind == "mpnet" else processors.BertProcessing(sep, cls))
    rng = np.random.default_rng(seed)
    h, inter = shape["hidden_size"], shape["intermediate_size"]

    def r(*dims):
        return (rng.standard_normal(dims) * 0.02).astype(np.float32)

    t = {"embeddings.word_embeddings.weight": r(tok.get_vocab_size(), h),
         "embeddings.position_embeddings.weight": r(shape["max_position_embeddings"], h),
         "embeddings.LayerNorm.weight": np.ones(h, np.float32), "embeddings.LayerNorm.bias": np.zeros(h, np.float32)}
    if kind == "mpnet":
        t["encoder.relative_attention_bias.weight"] = r(32, shape["num_attention_heads"])
    else:
        t["embeddings.token_type_embeddings.weight"] = r(2, h)
    q, k, val, o, ln1, up, down, ln2 = arch["layer"]
    for i in range(shape["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for n, (rows, cols) in ((q, (h, h)), (k, (h, h)), (val, (h, h)), (o, (h, h)), (up, (inter, h)),
                                (down, (h, inter))):
            t[p + n + ".weight"], t[p + n + ".bias"] = r(rows, cols), r(rows)
        for n in (ln1, ln2):
            t[p + n + ".weight"], t[p + n + ".bias"] = np.ones(h, np.float32), np.zeros(h, np.float32)
    folder.mkdir(parents=True, exist_ok=True)
    config = {**shape, "vocab_size": tok.get_vocab_size(), "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
              "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02}
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    write_weights(folder / "model.safetensors", t)
    tok.save(str(folder / "tokenizer.json"))
    names = dict(zip(("cls_token", "sep_token", "pad_token", "unk_token"),
                     (arch["cls"], arch["sep"], arch["pad"], "[UNK]")))
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "MPNetTokenizer" if kind == "mpnet" else "BertTokenizer", "do_lower_case": True,
         "model_max_length": max_seq, **names}))
    (folder / "special_tokens_map.json").write_text(json.dumps(names))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_seq, "do_lower_case": False}))
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": h,
                                                                  "pooling_mode_mean_tokens": True}))
    return folder


def _best_time(fn, threads: int, rounds: int) -> tuple[np.ndarray, float]:
    """The result of ``fn()`` and its best wall time of ``rounds`` runs with ``threads`` BLAS threads."""
    best, out = float("inf"), None
    with threadpool_limits(threads):
        for _ in range(rounds):
            t0 = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t0)
    return out, best


class NumpySide:
    """cxaudit's encoder: tokenizers + safetensors + the NumPy forward pass."""

    def __init__(self, folder: Path):
        t0 = time.perf_counter()
        self.enc = SentenceEncoder.load(folder)
        self.row = {"load_seconds": round(time.perf_counter() - t0, 2)}

    def encode(self, texts: list[str], threads: int) -> np.ndarray:
        return self.enc.encode(texts)

    def describe(self, texts: list[str]) -> None:
        self.row["tokens_per_sentence"] = round(sum(map(len, self.enc.token_ids(texts))) / len(texts), 1)


class TorchSide:
    """sentence-transformers on a CPU torch."""

    def __init__(self, folder: Path):
        import torch
        from sentence_transformers import SentenceTransformer

        self.torch = torch
        t0 = time.perf_counter()
        self.model = SentenceTransformer(str(folder), device="cpu")
        self.row = {"load_seconds": round(time.perf_counter() - t0, 2), "torch": torch.__version__,
                    "sentence_transformers": metadata.version("sentence-transformers")}

    def encode(self, texts: list[str], threads: int) -> np.ndarray:
        self.torch.set_num_threads(threads)
        return self.model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)

    def describe(self, texts: list[str]) -> None:
        pass


def compare(folder: Path, texts: list[str], rounds: int) -> dict:
    """Both implementations on the same folder and texts, timed in alternation (so that a change in the
    machine's load falls on both), best of ``rounds`` for each thread count."""
    sides = {"cxaudit_numpy": NumpySide(folder)}
    try:
        sides["sentence_transformers"] = TorchSide(folder)
    except ImportError as exc:
        print(f"  sentence-transformers side skipped ({exc}): make bench-models installs it")
    vectors = {}
    for threads in (1, 2):
        best = {name: float("inf") for name in sides}
        for _ in range(rounds):
            for name, side in sides.items():
                vectors[name], seconds = _best_time(lambda: side.encode(texts, threads), threads, 1)
                best[name] = min(best[name], seconds)
        for name, side in sides.items():
            side.row[f"sentences_per_second_{threads}_thread"] = round(len(texts) / best[name], 1)
    out = {}
    for name, side in sides.items():
        side.describe(texts)
        out[name] = side.row
    if len(vectors) == 2:
        ours, other = vectors["cxaudit_numpy"], vectors["sentence_transformers"]
        out["max_abs_difference"] = float(np.abs(ours - other).max())
        out["min_cosine"] = float((ours * other).sum(1).min())
        for threads in (1, 2):
            key = f"sentences_per_second_{threads}_thread"
            out[f"speed_ratio_numpy_over_torch_{threads}_thread"] = round(
                out["cxaudit_numpy"][key] / out["sentence_transformers"][key], 2)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="minilm,mpnet", help="comma-separated: minilm, mpnet")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per implementation (best kept)")
    parser.add_argument("--random-weights", action="store_true",
                        help="random weights even when the real ones are in the cache")
    args = parser.parse_args(argv)
    texts = sentences(args.sentences)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [n.strip() for n in args.models.split(",") if n.strip()]:
            real = not args.random_weights and encoder_available(name)
            if real:
                from cxaudit.nlp.encoder import resolve

                folder = resolve(name)
            else:
                folder = random_model(Path(tmp) / name, name, texts)
            row = {"model": name, "about": PINNED[name].about,
                   "weights": f"real ({PINNED[name].hub_id})" if real else "random, same architecture",
                   "sentences": len(texts), "load_average_before": round(os.getloadavg()[0], 2)}
            row.update(compare(folder, texts, args.rounds))
            rows.append(row)
            print(json.dumps(row, indent=1))
    write_results("encoder_compare", {"machine": machine(), "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
