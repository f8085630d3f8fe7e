"""The learned tagger's options, in one frozen, validated dataclass.

:class:`LearnedTaggerConfig` holds every option of
:class:`cxaudit.clues.learned.LearnedTagger`; its defaults are the tagger's
defaults (the benchmarked ones, ``docs/clues-learned.md``). A value of the
wrong type or outside its range raises :class:`TaggerConfigError` when the
config is made, naming the field, what was expected and what was found.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from cxaudit.clues.learned.finetune import POLARITY_HEADS
from cxaudit.errors import CxauditError

__all__ = ["LearnedTaggerConfig", "TaggerConfigError", "BLENDS", "HEADS"]

# Default weights of a fine-tuned pinned encoder (cxaudit.nlp.encoder.PINNED) against the SVMs, per (encoder, polarity head):
# (codes, polarity). Each is the best of 0 / 0.25 / 0.5 / 0.65 / 0.8 / 1 on an inner 80/20 split of the
# benchmark's training sentences (benchmarks/select_blend.py [--pairs]; the benchmark's held-out sentences
# were not used). Other heads take their encoder's attention weights.
BLENDS = {("minilm", "attention"): (0.8, 0.25), ("mpnet", "attention"): (1.0, 0.65), ("mpnet", "pair"): (0.65, 0.5)}
# Default polarity head (cxaudit.clues.learned.finetune.POLARITY_HEADS). MPNet's pair head was the most
# accurate on SemEval (inner split and held-out) but one of its three runs, on MAMS, did not learn,
# against none of four with the attention head: it is opt-in (docs/clues-learned.md).
HEADS = {"minilm": "attention", "mpnet": "attention"}


class TaggerConfigError(CxauditError, ValueError):
    """An option of :class:`LearnedTaggerConfig` has the wrong type or is out of range."""


@dataclass(frozen=True)
class LearnedTaggerConfig:
    """Every option of the learned tagger (``docs/clues-learned.md``, "Options").

    Codes: ``c_grid`` (C values of the code SVMs, chosen by ``folds``-fold
    cross-validation; ``folds=1``: no cross-validation), ``tune_thresholds``
    (one F1-best threshold per code with ≥ 100 sentences), ``threshold`` (the
    threshold of codes that are not tuned), ``char_weight`` (character
    n-grams), ``nb_weight`` (each code's n-gram features, binary, scaled by their
    naive-Bayes log-count ratios for the code, NBSVM; 0: none), ``codebooks`` (Codebook objects, names or paths whose patterns
    become features and whose codes give clue type and touchpoint),
    ``codebook_name`` (the ``codebook`` of codes in none of them).
    Word space (used when ``fit`` gets uncoded sentences): ``cluster_weight``,
    ``vector_weight``.
    Polarity: ``polarity_c_grid``, ``n_cues`` (cue words per code),
    ``context_weight`` (lexicon/context features), ``clause_weight`` (n-grams of
    the code's clause; 0: none).
    Sentence encoder: ``encoder`` (a Hugging Face folder, ``ORG/NAME@COMMIT``,
    ``"minilm"`` or ``"mpnet"``; None: none), ``encoder_weight`` (code
    features), ``polarity_encoder_weight`` (polarity features; 0: none).
    Fine-tuning (``fine_tune=True``, encoder ``"minilm"`` unless given):
    ``epochs``, ``code_weight`` (code loss against polarity loss),
    ``blend``/``polarity_blend`` (the fine-tuned model's weight against the
    SVMs; None: :data:`BLENDS`, else 0.5), ``polarity_head`` (one of
    ``POLARITY_HEADS``; None: :data:`HEADS`, else ``"attention"``); these four
    are refused without ``fine_tune``.
    ``seed`` makes training deterministic.
    """

    seed: int = 0
    threshold: float = 0.5
    codebooks: tuple = ()
    codebook_name: str = "learned"
    tune_thresholds: bool = True
    folds: int = 5
    c_grid: tuple[float, ...] = (0.1, 0.2, 0.5)
    polarity_c_grid: tuple[float, ...] = (0.1, 0.2, 0.3)
    char_weight: float = 1.4
    nb_weight: float = 1.5
    n_cues: int = 40
    context_weight: float = 0.25
    clause_weight: float = 0.5
    cluster_weight: float = 0.5
    vector_weight: float = 0.5
    encoder: str | None = None
    encoder_weight: float = 1.0
    polarity_encoder_weight: float = 0.5
    fine_tune: bool = False
    epochs: int = 4
    blend: float | None = None
    polarity_blend: float | None = None
    code_weight: float = 5.0
    polarity_head: str | None = None

    def __post_init__(self):
        for name in ("codebooks", "c_grid", "polarity_c_grid"):
            value = getattr(self, name)
            if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                _fail(name, "a sequence", value)
            object.__setattr__(self, name, tuple(value))
        if isinstance(self.encoder, Path):
            object.__setattr__(self, "encoder", str(self.encoder))
        self._check()

    def _check(self) -> None:
        for name in ("seed", "folds", "n_cues", "epochs"):
            _integer(name, getattr(self, name), low={"folds": 1, "epochs": 1}.get(name, 0))
        for name in ("tune_thresholds", "fine_tune"):
            if not isinstance(getattr(self, name), bool):
                _fail(name, "True or False", getattr(self, name))
        _number("threshold", self.threshold, high=1.0)
        for name in ("char_weight", "nb_weight", "context_weight", "clause_weight", "cluster_weight", "vector_weight",
                     "encoder_weight", "polarity_encoder_weight", "code_weight"):
            _number(name, getattr(self, name))
        for name in ("c_grid", "polarity_c_grid"):
            grid = getattr(self, name)
            if not grid or not all(_is_number(c) and c > 0 for c in grid):
                _fail(name, "a non-empty sequence of numbers > 0", grid)
        if not isinstance(self.codebook_name, str) or not self.codebook_name:
            _fail("codebook_name", "a non-empty string", self.codebook_name)
        if self.encoder is not None and (not isinstance(self.encoder, str) or not self.encoder):
            _fail("encoder", "None, a folder, ORG/NAME@COMMIT, 'minilm' or 'mpnet'", self.encoder)
        given = [n for n in ("blend", "polarity_blend", "polarity_head") if getattr(self, n) is not None]
        if given and not self.fine_tune:
            raise TaggerConfigError(f"LearnedTaggerConfig: {', '.join(given)}: blend, polarity_blend and polarity_head "
                                    "are options of fine-tuning (fine_tune=True, `--fine-tune`)")
        for name in ("blend", "polarity_blend"):
            if getattr(self, name) is not None:
                _number(name, getattr(self, name), high=1.0, what="between 0 and 1")
        if self.polarity_head is not None and self.polarity_head not in POLARITY_HEADS:
            raise TaggerConfigError(f"LearnedTaggerConfig: polarity_head {self.polarity_head!r}: expected one of "
                                    f"{', '.join(POLARITY_HEADS)}")

    # ------------------------------------------------------------------ values derived from the options

    @property
    def encoder_source(self) -> str | None:
        """The encoder used: :attr:`encoder`, or ``"minilm"`` when fine-tuning without one."""
        return "minilm" if self.fine_tune and self.encoder is None else self.encoder

    @property
    def head(self) -> str:
        """The fine-tuned model's polarity head: :attr:`polarity_head`, else the encoder's default."""
        return HEADS.get(str(self.encoder_source), "attention") if self.polarity_head is None else self.polarity_head

    @property
    def blends(self) -> tuple[float, float]:
        """(codes, polarity) weights of the fine-tuned model: the given ones, else the encoder's defaults."""
        source = str(self.encoder_source)
        default = BLENDS.get((source, self.head), BLENDS.get((source, "attention"), (0.5, 0.5)))
        return (default[0] if self.blend is None else float(self.blend),
                default[1] if self.polarity_blend is None else float(self.polarity_blend))

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict:
        """JSON-ready options (codebooks by name or path)."""
        out = asdict(self)
        out["codebooks"] = [getattr(cb, "name", None) or str(cb) for cb in self.codebooks]
        out["c_grid"], out["polarity_c_grid"] = list(self.c_grid), list(self.polarity_c_grid)
        return out

    @classmethod
    def from_dict(cls, options: dict) -> "LearnedTaggerConfig":
        """The config of :meth:`to_dict` output (keys that are not options are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in options.items() if k in names})


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _fail(name: str, expected: str, found) -> None:
    raise TaggerConfigError(f"LearnedTaggerConfig: {name} must be {expected}; found {found!r}")


def _integer(name: str, value, *, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        _fail(name, f"an integer ≥ {low}", value)


def _number(name: str, value, *, high: float = math.inf, what: str | None = None) -> None:
    if not _is_number(value) or not 0.0 <= value <= high:
        _fail(name, what or (f"a number between 0 and {high:g}" if high < math.inf else "a number ≥ 0"), value)
