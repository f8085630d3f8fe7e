"""The ``analyze`` stage: participant turns → the ``sentences`` and ``feelings`` tables.

Every participant or unknown-role turn goes through the spaCy pipeline of
:mod:`cxaudit.nlp` (``nlp.pipe`` in batches, never ``nlp(text)`` in a loop);
:func:`sentence_rows` turns each processed Doc into table rows. Interviewer turns
stay in ``turns`` as context and are not analysed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import islice
from typing import Iterable, Iterator

import pandas as pd
from spacy.tokens import Doc

from cxaudit import parallel
from cxaudit.nlp import build_pipeline, get_pipeline, resolve_model
from cxaudit.nlp.lexicon import doc_layout, ext_key
from cxaudit.nlp.sentiment import valence
from cxaudit.schemas import FEELINGS, SENTENCES, SchemaError, validate

__all__ = ["Analysis", "analyze", "sentence_rows", "turn_tuples", "ANALYSED_ROLES"]

log = logging.getLogger(__name__)

#: Roles whose turns are analysed.
ANALYSED_ROLES = ("participant", "unknown")
_K_SCORES, _K_MODE = ext_key("sent_sentiment"), ext_key("sent_mode")
_K_EFFORT, _K_FEELINGS = ext_key("sent_effort"), ext_key("feelings")
_SENT_COLS = SENTENCES.names
_FEEL_COLS = FEELINGS.names


@dataclass
class Analysis:
    """Result of :func:`analyze`: validated ``sentences`` and ``feelings`` tables."""

    sentences: pd.DataFrame
    feelings: pd.DataFrame
    base_model: str = "blank"


def sentence_rows(doc: Doc, doc_id: str, turn_id: int, *, text: str | None = None) -> tuple[list[dict], list[dict]]:
    """Rows of the ``sentences`` and ``feelings`` tables for one analysed turn.

    ``doc`` is the turn's text after the cxaudit pipeline. Sentence rows have the
    SENTENCES columns (offsets into the turn text; ``n`` in ``sentence_id`` counts
    the kept sentences from 0); feelings rows have the FEELINGS columns (offsets
    into the sentence text). Sentences without an alphabetic token are skipped.
    Passing the turn's ``text`` (identical to ``doc.text``) saves rebuilding it.
    """
    feels: list[tuple] = []
    sents = [dict(zip(_SENT_COLS, row)) for row in _iter_rows(doc, doc_id, turn_id, feels, text)]
    return sents, [dict(zip(_FEEL_COLS, f)) for f in feels]


def turn_tuples(doc: Doc, doc_id: str, turn_id: int, feelings: list, *, text: str | None = None) -> list[tuple]:
    """Sentence rows of one analysed turn as tuples in SENTENCES column order (as
    :func:`sentence_rows`); the turn's feelings rows are appended to ``feelings`` as
    tuples in FEELINGS column order. For the batch engine: no dicts are built."""
    return list(_iter_rows(doc, doc_id, turn_id, feelings, text))


def _iter_rows(doc: Doc, doc_id: str, turn_id: int, feels: list, text: str | None = None) -> Iterator[tuple]:
    """Sentence rows as tuples in SENTENCES column order; appends feelings tuples to ``feels``."""
    bounds, n_alpha, n_words, _, _ = doc_layout(doc)
    if not bounds:
        return
    user_data = doc.user_data
    scores = user_data.get(_K_SCORES)
    modes = user_data.get(_K_MODE)
    efforts = user_data.get(_K_EFFORT)
    feelings = user_data.get(_K_FEELINGS) or ()
    if text is None:
        text = doc.text
    fi, nf = 0, len(feelings)
    n = 0
    for k, (ss, se) in enumerate(bounds):
        if not n_alpha[k]:
            continue
        start = doc[ss].idx
        last = doc[se - 1]
        end = last.idx + len(last.text)
        sid = f"{doc_id}#{turn_id}.{n}"
        n += 1
        score = float(scores[k]) if scores is not None else 0.0
        phrase = efforts[k] if efforts is not None else None
        yield (sid, doc_id, turn_id, text[start:end], start, end, score, valence(score),
               modes[k] if modes is not None else "current", phrase is not None, phrase,
               n_words[k])
        while fi < nf and feelings[fi][4] < start:
            fi += 1
        while fi < nf and feelings[fi][4] < end:
            f = feelings[fi]
            feels.append((sid, doc_id, f[0], f[1], f[2], f[3], f[4] - start, f[5] - start, f[6]))
            fi += 1


def _rows_for(docs_with_ids: Iterable[tuple[Doc, tuple[str, int, str]]]) -> tuple[list[tuple], list[tuple]]:
    """Sentence and feelings tuples for ``(doc, (doc_id, turn_id, text))`` pairs from ``nlp.pipe``."""
    sents: list[tuple] = []
    feels: list[tuple] = []
    for doc, (doc_id, turn_id, text) in docs_with_ids:
        sents.extend(_iter_rows(doc, doc_id, turn_id, feels, text))
    return sents, feels


# -- worker side -------------------------------------------------------------------------

_WORKER_NLP = None
_WORKER_BATCH = 1000


def _init_worker(model: str, batch_size: int) -> None:
    """Pool initializer: build the pipeline once per worker process."""
    global _WORKER_NLP, _WORKER_BATCH
    _WORKER_NLP = build_pipeline(model)
    _WORKER_BATCH = batch_size


def _analyze_batch(items: list[tuple[str, str, int]]) -> tuple[list[tuple], list[tuple]]:
    """Worker task: ``[(text, doc_id, turn_id), …]`` → (sentence tuples, feelings tuples)."""
    pairs = ((text, (doc_id, turn_id, text)) for text, doc_id, turn_id in items)
    return _rows_for(_WORKER_NLP.pipe(pairs, as_tuples=True, batch_size=_WORKER_BATCH))


def _chunks(items: list, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


# -- the stage ---------------------------------------------------------------------------

def _select_turns(turns: pd.DataFrame) -> list[tuple[str, str, int]]:
    """``(text, doc_id, turn_id)`` of the participant and unknown-role turns, in table order."""
    if not isinstance(turns, pd.DataFrame):
        raise TypeError(f"analyze: expected a turns DataFrame, found {type(turns).__name__}")
    missing = [c for c in ("doc_id", "turn_id", "role", "text") if c not in turns.columns]
    if missing:
        raise SchemaError(f"turns: missing column(s) {missing} needed by analyze; found {list(turns.columns)}")
    keep = turns[turns["role"].isin(ANALYSED_ROLES)]
    bad = keep["text"].isna() | keep["doc_id"].isna() | keep["turn_id"].isna()
    if bad.any():
        raise SchemaError(f"turns: {int(bad.sum())} analysed turn(s) with null doc_id, turn_id or text")
    return list(zip(keep["text"].astype(str), keep["doc_id"].astype(str), keep["turn_id"].astype(int)))


def analyze(turns: pd.DataFrame, *, nlp=None, model: str = "auto", workers: int = 1,
            batch_size: int = 1000) -> Analysis:
    """The ``sentences`` and ``feelings`` tables of the participant and unknown-role turns.

    ``turns`` has the TURNS columns (at least doc_id, turn_id, role, text). With
    ``nlp`` given it is used as is (one process); otherwise the pipeline for
    ``model`` is built (cached per process). ``workers > 1`` runs batches of
    ``batch_size`` turns in that many processes, each building its own pipeline for
    ``model`` (or for the base model of ``nlp``). Returns validated tables.
    """
    items = _select_turns(turns)
    if nlp is not None:
        base = nlp.meta.get("cxaudit", {}).get("base", "custom")
    else:
        base = resolve_model(model)  # fails here, before any worker starts
    if workers > 1 and items:
        if nlp is not None:
            log.warning("analyze: workers=%d build their own %r pipeline; the nlp object passed is not shipped", workers, base)
            spec = base if base != "custom" else model
        else:
            spec = base
        results = parallel.map_batches(_analyze_batch, _chunks(items, batch_size), workers=workers,
                                       initializer=_init_worker, initargs=(spec, batch_size))
        sents, feels = [], []
        for s, f in results:
            sents.extend(s)
            feels.extend(f)
    else:
        nlp = nlp if nlp is not None else get_pipeline(base)
        pairs = ((text, (doc_id, turn_id, text)) for text, doc_id, turn_id in items)
        sents, feels = _rows_for(nlp.pipe(pairs, as_tuples=True, batch_size=batch_size))
    sentences = validate(pd.DataFrame(sents, columns=_SENT_COLS), SENTENCES)
    feelings = validate(pd.DataFrame(feels, columns=_FEEL_COLS), FEELINGS)
    log.info("analyze: %d turns → %d sentences, %d feelings (%s)", len(items), len(sentences), len(feelings), base)
    return Analysis(sentences=sentences, feelings=feelings, base_model=base)
