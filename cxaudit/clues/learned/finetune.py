"""Fine-tuning the sentence encoder on the coded sentences (JAX), and the tuned model's heads (NumPy).

``LearnedTagger(LearnedTaggerConfig(fine_tune=True)).fit(coded)`` updates every weight of the
pretrained encoder together with two small heads, on the researcher's coded
sentences:

* codes: the mean of the last layer's token vectors → one logit per code
  (sigmoid, binary cross-entropy, multi-label);
* polarity of each code in its sentence: per code, a learned query attends
  over the sentence's token vectors (the words that matter for that code);
  [that attention-pooled vector, the mean vector] → 4 logits
  (positive/negative/neutral/conflict), cross-entropy on the coded
  (sentence, code) pairs only;
* with ``pairs=True``, also a sentence-pair polarity head: each coded
  (sentence, code) pair is read as the text pair (sentence, the code's name,
  :func:`pair_text`), so every layer can attend to the code, as in Sun et
  al.'s "auxiliary sentence" BERT-pair (NAACL 2019); [first token vector,
  mean vector] → 4 logits (+ a per-code bias), cross-entropy. Pair batches
  and sentence batches alternate in random order in each epoch.

The encoder's forward pass is :func:`cxaudit.nlp.encoder.forward`, the one prediction runs in NumPy,
here in jax.numpy with dropout. Loss = 5 · code BCE + polarity CE on sentence batches, polarity CE on
pair batches. AdamW from ``optax`` (decoupled weight decay 0.01),
learning rate ``lr`` for the encoder and ``head_lr`` for the heads, 10 %
linear warm-up then linear decay, dropout 0.1 after attention and
feed-forward blocks, batches of 16 sentences of similar length (padded to a
multiple of 8 tokens, at most :data:`MAX_TOKENS`). Deterministic for a seed.

JAX and optax are needed only here, to train (``pip install 'cxaudit[finetune]'``;
``make test`` installs them). The tuned encoder is saved as an ordinary encoder
folder and the heads as arrays, and prediction runs in NumPy
(:class:`Tuned`), so a tagger trained this way runs wherever cxaudit runs.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import time

import numpy as np

from cxaudit._extras import MissingExtraError, require
from cxaudit.clues.learned.coded import POLARITIES
from cxaudit.errors import CxauditError
from cxaudit.nlp.encoder import SentenceEncoder, _Layer, forward as encoder_forward

__all__ = ["FineTuneError", "Tuned", "TextMemo", "fine_tune", "require_jax", "pair_text", "converged", "MAX_TOKENS", "HEAD_ARRAYS",
           "PAIR_ARRAYS", "POLARITY_HEADS"]

log = logging.getLogger(__name__)

MAX_TOKENS = 128
HEAD_ARRAYS = ("ft_cat_w", "ft_cat_b", "ft_q", "ft_pol_w", "ft_pol_b")
PAIR_ARRAYS = ("ft_pair_w", "ft_pair_b")
# Which head gives a code's polarity: the per-code attention over the sentence, the sentence-pair head, or
# the mean of their probabilities.
POLARITY_HEADS = ("attention", "pair", "both")
_BATCH = 16
# A fine-tuning run whose last epoch's mean loss is not below this fraction of its first epoch's did not
# learn (healthy runs on the benchmarks end at 0.1–0.3 of it).
CONVERGED_RATIO = 0.8


class FineTuneError(CxauditError, ValueError):
    """Fine-tuning cannot run (JAX missing, or nothing to learn from)."""


def require_jax():
    """The ``jax`` module, or :class:`FineTuneError` saying how to install it."""
    try:
        require("finetune", "fine-tuning (--fine-tune)")
        # lazy: the 'finetune' extra (cxaudit/_extras.py), checked by require_jax()
        import jax
    except MissingExtraError as exc:
        raise FineTuneError(str(exc)) from None
    except ImportError as exc:
        raise FineTuneError(f"fine-tuning (--fine-tune) could not import JAX ({exc}): "
                            "pip install 'cxaudit[finetune]'") from None
    return jax


def converged(epoch_losses: list[float]) -> bool | None:
    """Whether a fine-tuning run learned: its last epoch's mean loss is below :data:`CONVERGED_RATIO` × its
    first's. None with fewer than 2 epochs (nothing to compare). A run that does not learn is a known
    failure of fine-tuning transformers on small data sets (the model collapses to the label priors);
    another seed usually recovers."""
    if len(epoch_losses) < 2:
        return None
    return bool(epoch_losses[-1] < CONVERGED_RATIO * epoch_losses[0])


def _warmup_then_decay(peak: float, warm: int, steps: int):
    """Learning rate per optimiser step (optax counts from 0): rising linearly to ``peak`` over the first
    ``warm`` steps, then falling linearly to 0 at ``steps``."""
    # lazy: the 'finetune' extra (cxaudit/_extras.py), checked by require_jax()
    import jax.numpy as jnp

    def rate(count):
        t = count + 1
        return peak * jnp.where(t <= warm, t / warm, jnp.maximum(0.0, (steps - t) / max(steps - warm, 1)))

    return rate


class TextMemo:
    """Per-text results of the last texts seen (at most ``limit``; emptied when full), so the polarity
    model does not run the encoder again on the sentences the code model just read."""

    def __init__(self, limit: int = 20_000):
        self.limit, self.values = limit, {}

    def fill(self, texts: list[str], compute) -> dict:
        """Compute the texts not seen yet with ``compute(todo) -> values in todo's order``; returns the memo."""
        todo = list(dict.fromkeys(t for t in texts if t not in self.values))
        if todo:
            if len(self.values) + len(todo) > self.limit:
                self.values.clear()
            self.values.update(zip(todo, compute(todo)))
        return self.values


def _softmax(z: np.ndarray) -> np.ndarray:
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _masked_mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(batch, dim) mean of the token vectors where the 0/1 mask is set."""
    m = mask[:, :, None]
    return (hidden * m).sum(1) / np.maximum(m.sum(1), 1.0)


def head_outputs(heads: dict[str, np.ndarray], hidden: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code logits (batch, codes), polarity logits (batch, codes, 4)) from last hidden states and a 0/1 mask."""
    mean = _masked_mean(hidden, mask)
    cat = mean @ heads["ft_cat_w"] + heads["ft_cat_b"]
    att = np.einsum("bnd,kd->bkn", hidden, heads["ft_q"]) + (1.0 - mask[:, None, :]) * np.float32(-1e9)
    pooled = np.einsum("bkn,bnd->bkd", _softmax(att), hidden)
    feat = np.concatenate([pooled, np.broadcast_to(mean[:, None, :], pooled.shape)], axis=-1)
    pol = np.einsum("bkd,kdc->bkc", feat, heads["ft_pol_w"]) + heads["ft_pol_b"]
    return cat, pol


def pair_text(code: str) -> str:
    """The second text of a code's sentence pair: the code id with its separators as spaces
    (``"anecdotes/miscellaneous"`` → ``"anecdotes miscellaneous"``, ``"humanic.courtesy"`` → ``"humanic courtesy"``)."""
    return " ".join(re.split(r"[\s/._:#|-]+", str(code))).strip() or str(code)


def pair_head_outputs(heads: dict[str, np.ndarray], hidden: np.ndarray, mask: np.ndarray,
                      code_index: np.ndarray) -> np.ndarray:
    """Polarity logits (batch, 4) of the sentence-pair head, for pairs whose code is ``code_index``."""
    return np.concatenate([hidden[:, 0], _masked_mean(hidden, mask)], -1) @ heads["ft_pair_w"] + heads["ft_pair_b"][code_index]


class Tuned:
    """A fine-tuned encoder with its heads: code probabilities and per-code polarity probabilities.

    ``codes``: the code ids in head order (needed for the sentence-pair head, whose second text is
    :func:`pair_text` of the code); ``polarity_head``: one of :data:`POLARITY_HEADS` (``"pair"`` and
    ``"both"`` need the pair head's arrays)."""

    def __init__(self, encoder: SentenceEncoder, heads: dict[str, np.ndarray], codes: list[str] | None = None,
                 polarity_head: str = "attention"):
        self.encoder = encoder
        names = HEAD_ARRAYS + (PAIR_ARRAYS if all(k in heads for k in PAIR_ARRAYS) else ())
        self.heads = {k: np.asarray(heads[k], dtype=np.float32) for k in names}
        self.codes = list(codes) if codes is not None else None
        self.polarity_head = "attention"
        self.set_polarity_head(polarity_head)
        self._memo = TextMemo()
        self._pair_memo = TextMemo()
        self.epoch_losses: list[float] = []  # mean training loss per epoch (set by fine_tune; not saved here)

    @property
    def has_pair_head(self) -> bool:
        return "ft_pair_w" in self.heads

    def set_polarity_head(self, name: str) -> None:
        """Choose the polarity head (:data:`POLARITY_HEADS`)."""
        if name not in POLARITY_HEADS:
            raise ValueError(f"polarity head {name!r}: expected one of {', '.join(POLARITY_HEADS)}")
        if name != "attention" and not (self.has_pair_head and self.codes is not None):
            raise ValueError(f"polarity head {name!r} needs a model fine-tuned with sentence pairs")
        self.polarity_head = name

    def _compute(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(code probabilities, per-code polarity probabilities) of each text, in order."""
        out: list = [None] * len(texts)
        for batch, hidden, mask in self.encoder.token_states(texts):
            cat, pol = head_outputs(self.heads, hidden, mask)
            prob, pprob = 1.0 / (1.0 + np.exp(-cat)), _softmax(pol)
            for r, i in enumerate(batch):
                out[i] = (prob[r], pprob[r])
        return out

    def _compute_pairs(self, keys: list[tuple[str, int]]) -> list[np.ndarray]:
        """Sentence-pair polarity probabilities of each (text, code index), in order."""
        ids = self.encoder.pair_ids([t for t, _ in keys], [pair_text(self.codes[j]) for _, j in keys],
                                    max_length=min(self.encoder.max_length, MAX_TOKENS))
        code_index = np.array([j for _, j in keys], dtype=np.int64)
        out: list = [None] * len(keys)
        for batch, hidden, mask in self.encoder.token_states(ids=ids):
            prob = _softmax(pair_head_outputs(self.heads, hidden, mask, code_index[batch]))
            for r, i in enumerate(batch):
                out[i] = prob[r]
        return out

    def code_proba(self, texts: list[str]) -> np.ndarray:
        """(len(texts), codes) probabilities."""
        memo = self._memo.fill(texts, self._compute)
        k = self.heads["ft_cat_b"].shape[0]
        return np.stack([memo[t][0] for t in texts]) if texts else np.zeros((0, k))

    def polarity_proba(self, texts: list[str], code_index: np.ndarray) -> np.ndarray:
        """(len(texts), 4) probabilities in :data:`POLARITIES` order of code ``code_index[i]`` in ``texts[i]``."""
        if not len(texts):
            return np.zeros((0, len(POLARITIES)))
        out = 0.0
        if self.polarity_head != "pair":
            memo = self._memo.fill(texts, self._compute)
            out = np.stack([memo[t][1][j] for t, j in zip(texts, code_index)])
        if self.polarity_head != "attention":
            keys = [(t, int(j)) for t, j in zip(texts, code_index)]
            memo = self._pair_memo.fill(keys, self._compute_pairs)
            pair = np.stack([memo[key] for key in keys])
            out = pair if self.polarity_head == "pair" else 0.5 * (out + pair)
        return out


def fine_tune(encoder: SentenceEncoder, texts: list[str], Y: np.ndarray, P: np.ndarray, *, epochs: int = 4,
              lr: float = 8e-5, head_lr: float = 1e-3, seed: int = 0, dropout: float = 0.1,
              code_weight: float = 5.0, codes: list[str] | None = None, pairs: bool = False) -> Tuned:
    """Fine-tune ``encoder`` and train the heads on ``texts``.

    ``Y``: (texts, codes) 0/1; ``P``: (texts, codes) index into
    :data:`POLARITIES` of the coded polarity, −1 where none (no polarity loss
    there). ``code_weight`` weighs the code loss against the polarity loss.
    ``pairs``: also train the sentence-pair polarity head on every coded
    (sentence, code) pair (needs ``codes``, the code ids in column order;
    about doubles the training time on single-code sentences).
    Returns the tuned encoder (a new object) with its heads; its polarity head
    is ``"pair"`` when trained with pairs, else ``"attention"``.
    """
    jax = require_jax()
    # lazy: the 'finetune' extra (cxaudit/_extras.py), checked by require_jax()
    import jax.numpy as jnp
    if len(texts) < 2 or not Y.any():
        raise FineTuneError("fine-tuning needs at least 2 coded sentences with a code")
    if pairs and (codes is None or len(codes) != Y.shape[1]):
        raise ValueError(f"fine_tune(pairs=True) needs the {Y.shape[1]} code ids in column order, got {codes!r}")
    pairs = bool(pairs) and bool((P >= 0).any())
    jax.config.update("jax_default_matmul_precision", "highest")
    start = time.perf_counter()
    # lazy: the 'finetune' extra (cxaudit/_extras.py), checked by require_jax()
    import optax

    k, d = Y.shape[1], encoder.hidden
    rng = np.random.default_rng(seed)
    off = encoder.pos_offset
    enc = encoder.params()
    enc["pos"] = encoder.pos[:MAX_TOKENS + off]  # longer positions are never seen: kept out of training
    params = {
        "enc": enc,
        "heads": {"ft_cat_w": (rng.standard_normal((d, k)) * 0.02).astype(np.float32),
                  "ft_cat_b": np.zeros(k, np.float32),
                  "ft_q": (rng.standard_normal((k, d)) * 0.02).astype(np.float32),
                  "ft_pol_w": (rng.standard_normal((k, 2 * d, len(POLARITIES))) * 0.02).astype(np.float32),
                  "ft_pol_b": np.zeros((k, len(POLARITIES)), np.float32)},
    }
    if pairs:
        params["heads"].update(ft_pair_w=(rng.standard_normal((2 * d, len(POLARITIES))) * 0.02).astype(np.float32),
                               ft_pair_b=np.zeros((k, len(POLARITIES)), np.float32))
    params = jax.tree_util.tree_map(jnp.asarray, params)
    gelu = functools.partial(jax.nn.gelu, approximate=False)

    def forward(p, ids, mask, key):
        """The encoder's forward pass (cxaudit.nlp.encoder.forward, the one prediction runs), with dropout."""
        def drop(x, i):
            keep = jax.random.bernoulli(jax.random.fold_in(key, i), 1.0 - dropout, x.shape)
            return jnp.where(keep, x / (1.0 - dropout), 0.0)

        return encoder_forward(jnp, p, ids, mask, heads=encoder.heads, eps=encoder.eps, pos_offset=off, gelu=gelu,
                               dropout=drop if dropout > 0 else None)

    def masked_ce(logits, pol):
        """Mean cross-entropy of the logits (…, 4) against polarity indices ``pol``, over pol ≥ 0 only."""
        valid = pol >= 0
        ce = -jnp.take_along_axis(jax.nn.log_softmax(logits, -1), jnp.maximum(pol, 0)[..., None], -1)[..., 0]
        return (ce * valid).sum() / jnp.maximum(valid.sum(), 1)

    def loss_fn(p, ids, mask, y, pol, key):
        h = forward(p["enc"], ids, mask, key)
        hd = p["heads"]
        m = mask[:, :, None]
        mean = (h * m).sum(1) / m.sum(1)
        cat = mean @ hd["ft_cat_w"] + hd["ft_cat_b"]
        att = jax.nn.softmax(jnp.einsum("bnd,kd->bkn", h, hd["ft_q"]) + (1.0 - mask[:, None, :]) * -1e9, axis=-1)
        pooled = jnp.einsum("bkn,bnd->bkd", att, h)
        feat = jnp.concatenate([pooled, jnp.broadcast_to(mean[:, None, :], pooled.shape)], -1)
        logits = jnp.einsum("bkd,kdc->bkc", feat, hd["ft_pol_w"]) + hd["ft_pol_b"]
        rows = mask[:, 1:].sum(1) > 0  # padding rows have only their first position set
        bce = (jnp.maximum(cat, 0) - cat * y + jnp.log1p(jnp.exp(-jnp.abs(cat)))).mean(1)
        bce = (bce * rows).sum() / jnp.maximum(rows.sum(), 1)
        return code_weight * bce + masked_ce(logits, pol)

    def pair_loss_fn(p, ids, mask, code, pol, key):
        h = forward(p["enc"], ids, mask, key)
        hd = p["heads"]
        m = mask[:, :, None]
        mean = (h * m).sum(1) / m.sum(1)
        logits = jnp.concatenate([h[:, 0], mean], -1) @ hd["ft_pair_w"] + hd["ft_pair_b"][code]
        return masked_ce(logits, pol)

    grad_fn = jax.jit(jax.value_and_grad(loss_fn))
    pair_grad_fn = jax.jit(jax.value_and_grad(pair_loss_fn))
    ids = [s[:MAX_TOKENS - 1] + [s[-1]] if len(s) > MAX_TOKENS else s
           for s in encoder.token_ids(texts)]
    order = np.argsort([len(s) for s in ids], kind="stable")
    batches = [("sentences", order[i:i + _BATCH]) for i in range(0, len(order), _BATCH)]
    if pairs:  # one sequence per coded (sentence, code) pair: the sentence, then the code's name
        pr, pc = np.nonzero(P >= 0)
        pair_ids = encoder.pair_ids([texts[i] for i in pr], [pair_text(codes[j]) for j in pc], max_length=MAX_TOKENS)
        porder = np.argsort([len(s) for s in pair_ids], kind="stable")
        batches += [("pairs", porder[i:i + _BATCH]) for i in range(0, len(porder), _BATCH)]
    steps = max(1, epochs * len(batches))
    warm = max(1, steps // 10)  # linear warm-up over 10 % of the steps, then linear decay to 0
    # AdamW (decoupled weight decay 0.01), one learning rate for the encoder and one for the heads, each
    # with a linear warm-up over the first steps and a linear decay to 0
    labels = {part: jax.tree_util.tree_map(lambda _, part=part: part, params[part]) for part in params}
    optimiser = optax.multi_transform(
        {"enc": optax.adamw(_warmup_then_decay(lr, warm, steps), b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01),
         "heads": optax.adamw(_warmup_then_decay(head_lr, warm, steps), b1=0.9, b2=0.999, eps=1e-8,
                              weight_decay=0.01)}, labels)

    @jax.jit
    def update(p, g, state):
        updates, state = optimiser.update(g, state, p)
        return optax.apply_updates(p, updates), state

    state = optimiser.init(params)
    key = jax.random.PRNGKey(seed)
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for c in np.random.default_rng(seed + epoch).permutation(len(batches)):
            kind, chunk = batches[c]
            seqs = ids if kind == "sentences" else pair_ids
            n = int(np.ceil(max(len(seqs[i]) for i in chunk) / 8) * 8)
            I = np.zeros((_BATCH, n), np.int32)
            M = np.zeros((_BATCH, n), np.float32)
            M[len(chunk):, 0] = 1.0  # padding rows: one visible position keeps the softmax finite
            for r, i in enumerate(chunk):
                I[r, :len(seqs[i])] = seqs[i]
                M[r, :len(seqs[i])] = 1.0
            key, sub = jax.random.split(key)
            if kind == "sentences":
                y = np.zeros((_BATCH, k), np.float32)
                pol = np.full((_BATCH, k), -1, np.int32)
                y[:len(chunk)], pol[:len(chunk)] = Y[chunk], P[chunk]
                loss, g = grad_fn(params, I, M, y, pol, sub)
            else:
                code = np.zeros(_BATCH, np.int32)
                pol = np.full(_BATCH, -1, np.int32)
                code[:len(chunk)] = pc[chunk]
                pol[:len(chunk)] = P[pr[chunk], pc[chunk]]
                loss, g = pair_grad_fn(params, I, M, code, pol, sub)
            params, state = update(params, g, state)
            total += float(loss)
        losses.append(total / len(batches))
        log.info("fine-tune epoch %d/%d: loss %.3f (%.0f s)", epoch + 1, epochs, losses[-1],
                 time.perf_counter() - start)
    if converged(losses) is False:
        log.warning("fine-tuning did not learn: mean loss %.3f in the last epoch against %.3f in the first; "
                    "retrain with more epochs or another seed", losses[-1], losses[0])
    p = jax.tree_util.tree_map(lambda a: np.ascontiguousarray(a, dtype=np.float32), params)
    tuned = copy.copy(encoder)
    tuned.sha256 = ""
    tuned.word, tuned.emb_g, tuned.emb_b = p["enc"]["word"], p["enc"]["emb_g"], p["enc"]["emb_b"]
    tuned.pos = np.concatenate([p["enc"]["pos"], encoder.pos[MAX_TOKENS + off:]])
    if encoder.rel is None:
        tuned.types = np.concatenate([p["enc"]["type0"][None, :], encoder.types[1:]])
        tuned.type0 = tuned.types[0]
    else:
        tuned.rel = p["enc"]["rel"]
    tuned.layers = [_Layer(**L) for L in p["enc"]["layers"]]
    tuned.max_length = min(encoder.max_length, MAX_TOKENS)
    out = Tuned(tuned, p["heads"], codes, "pair" if pairs else "attention")
    out.epoch_losses = losses
    return out
