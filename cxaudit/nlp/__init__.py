"""cxaudit's spaCy pipeline: a trained pipeline when one is installed and asked for,
otherwise ``spacy.blank("en")`` + sentencizer + lookup lemmatizer (spaCy's, with a
per-word cache: :mod:`cxaudit.nlp.lemmatizer`), and in both cases
cxaudit's own components (:mod:`cxaudit.nlp.components`).

>>> nlp = build_pipeline("blank")
>>> doc = nlp("The food was great but the service was slow.")
>>> [round(s, 2) for s in doc._.sent_sentiment]        # doctest: +SKIP
"""

from __future__ import annotations

import logging
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer

from . import components  # noqa: F401  (registers the factories and extensions)
from . import lemmatizer as _lemmatizer  # noqa: F401  (registers cx_lemmatizer)
from .._models import TRAINED, ModelNotFoundError, resolve_model  # spaCy-free: see cxaudit/_models.py
from .components import COMPONENTS

__all__ = ["build_pipeline", "get_pipeline", "polarity_of", "resolve_model", "reset_tokenizer_cache", "ModelNotFoundError", "TRAINED",
           "COMPONENTS"]

log = logging.getLogger(__name__)

def build_pipeline(model: str = "auto", *, config: dict | None = None) -> Language:
    """A fresh pipeline with cxaudit's components added and initialised.

    ``model``: "auto" (a trained English pipeline if installed, else blank),
    "blank", or an installed pipeline's name or path. ``config`` maps a component
    name (``cx_sentiment`` …) to its config overrides. The base pipeline used is
    recorded in ``nlp.meta["cxaudit"]["base"]``. Nothing is downloaded.
    """
    base = resolve_model(model)
    config = config or {}
    unknown = set(config) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"build_pipeline: config for unknown component(s) {sorted(unknown)}; expected {list(COMPONENTS)}")
    if base == "blank":
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("cx_brackets")  # "Obviously. [laughs] I felt…": the "[" starts the second sentence
        # spaCy's lookup lemmatizer with a per-word cache: identical lemmas, ~15x cheaper
        nlp.add_pipe("cx_lemmatizer", name="lemmatizer", config={"mode": "lookup"})
        for name in COMPONENTS:
            nlp.add_pipe(name, config=config.get(name, {}))
        nlp.initialize()
    else:
        nlp = spacy.load(base)
        if not nlp.has_pipe("parser") and not nlp.has_pipe("senter") and not nlp.has_pipe("sentencizer"):
            nlp.add_pipe("sentencizer", first=True)
            nlp.add_pipe("cx_brackets", after="sentencizer")
        for name in COMPONENTS:
            nlp.add_pipe(name, config=config.get(name, {}))
            nlp.get_pipe(name).initialize(lambda: [], nlp=nlp)
    reset_tokenizer_cache(nlp)
    nlp.meta.setdefault("cxaudit", {})
    nlp.meta["cxaudit"].update({"base": base, "requested": model, "components": list(COMPONENTS)})
    log.info("built spaCy pipeline on %s (requested %r)", base, model)
    return nlp


def reset_tokenizer_cache(nlp: Language) -> None:
    """Empty the tokenizer's cache of chunk tokenizations, once the pipeline's components are built.

    spaCy's tokenizer remembers how it split each of the first ``max_cache_size`` (10,000)
    distinct whitespace-separated chunks it sees, and no more after that. Building cxaudit's
    components tokenizes tens of thousands of pattern phrases (every inflected form of the
    codebooks' lemmas), which filled that cache, so every chunk of the text was split anew:
    the tokenizer ran 4-10x slower in a freshly built pipeline than in the same pipeline
    unpickled (measured in docs/scaling.md). The cache is memoisation only (chunks holding a
    special case are never cached), so tokens are the same; tokenizers other than spaCy's own
    are left alone.
    """
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):
        return
    tokenizer.rules = tokenizer.rules  # spaCy empties the cache when the special cases are set (same cases)


@lru_cache(maxsize=4)
def get_pipeline(model: str = "auto") -> Language:
    """The pipeline for ``model``, built once per process (for API convenience).

    Do not add components to it: call :func:`build_pipeline` for a pipeline of your own.
    """
    return build_pipeline(model)


def polarity_of(text: str, *, nlp=None) -> float:
    """Polarity (-1 … 1) of a plain string: the mean of its sentences' scores.

    Uses the cached default pipeline unless ``nlp`` is given. Convenience only:
    to score many texts, run ``nlp.pipe`` and read ``doc._.sent_sentiment``.
    """
    if nlp is None:
        nlp = get_pipeline()
    if not isinstance(text, str):
        raise TypeError(f"polarity_of: expected a str, found {type(text).__name__}")
    doc = nlp(text)
    scores = [s for s in doc._.sent_sentiment or [] if s]
    return float(sum(scores) / len(scores)) if scores else 0.0
