"""One spaCy pass per batch of turns: sentences, feelings and clue tags together.

Analysis is a pure function of a batch of turns (:func:`process_batch`), so it
runs the same way in this process, in a local pool of worker processes, or on
a Dask cluster (:func:`process`). Workers build their pipeline once from a
:class:`PipelineSpec` and return compact DataFrames, never ``Doc`` objects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import pandas as pd

from .schemas import FEELINGS, SENTENCES, TAGS, conform

__all__ = ["PipelineSpec", "Tables", "process_batch", "process", "batches", "build"]

log = logging.getLogger(__name__)

_ANALYSED_ROLES = ("participant", "unknown")


@dataclass(frozen=True)
class PipelineSpec:
    """Everything a worker needs to build the same pipeline as the parent."""

    model: str = "auto"
    codebooks: tuple[str, ...] = ("carbone-clues", "touchpoints")


@dataclass
class Tables:
    """The per-sentence outputs of a batch (schemas SENTENCES, FEELINGS, TAGS)."""

    sentences: pd.DataFrame
    feelings: pd.DataFrame
    tags: pd.DataFrame
    n_words: int = 0
    n_turns: int = 0

    @classmethod
    def from_rows(cls, sentences: list[dict], feelings: list[dict], tags: list[dict]) -> "Tables":
        return cls(
            conform(pd.DataFrame(sentences, columns=SENTENCES.names), SENTENCES),
            conform(pd.DataFrame(feelings, columns=FEELINGS.names), FEELINGS),
            conform(pd.DataFrame(tags, columns=TAGS.names), TAGS),
            n_words=sum(int(r["n_words"]) for r in sentences),
        )


_NLP_CACHE: dict[PipelineSpec, object] = {}


def build(spec: PipelineSpec):
    """Build (once per process) the spaCy pipeline described by ``spec``."""
    nlp = _NLP_CACHE.get(spec)
    if nlp is None:
        from .clues.codebook import load_codebook
        from .clues.tagger import add_codebooks
        from .nlp import build_pipeline

        nlp = build_pipeline(spec.model)
        add_codebooks(nlp, [load_codebook(ref) for ref in spec.codebooks])
        _NLP_CACHE[spec] = nlp
    return nlp


def analysed_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """The turns that are analysed as customer experience (participant and unknown roles)."""
    return turns[turns["role"].isin(_ANALYSED_ROLES)]


def process_batch(turns: pd.DataFrame, spec: PipelineSpec) -> Tables:
    """Analyse and tag one batch of turns (columns doc_id, turn_id, text).

    Returns the batch's rows of the sentences, feelings and tags tables.
    Interviewer turns in the batch are skipped.
    """
    from .analyze import sentence_rows
    from .clues.tagger import tag_rows

    nlp = build(spec)
    turns = analysed_turns(turns)
    sents: list[dict] = []
    feels: list[dict] = []
    tags: list[dict] = []
    items = zip(turns["text"].tolist(), zip(turns["doc_id"].tolist(), turns["turn_id"].tolist()))
    for doc, (doc_id, turn_id) in nlp.pipe(items, as_tuples=True, batch_size=256):
        s_rows, f_rows = sentence_rows(doc, doc_id, int(turn_id))
        sents.extend(s_rows)
        feels.extend(f_rows)
        tags.extend(tag_rows(doc, s_rows, doc_id))
    tables = Tables.from_rows(sents, feels, tags)
    tables.n_turns = len(turns)
    return tables


def batches(turns: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    """Split turns into batches of about ``size`` turns, never splitting a document."""
    turns = analysed_turns(turns)
    if turns.empty:
        return
    doc_ids = turns["doc_id"].to_numpy()
    start = 0
    n = len(turns)
    while start < n:
        end = min(start + size, n)
        while end < n and doc_ids[end] == doc_ids[end - 1]:
            end += 1
        yield turns.iloc[start:end][["doc_id", "turn_id", "role", "text"]].reset_index(drop=True)
        start = end


def _init_worker(spec: PipelineSpec) -> None:
    build(spec)


def _work(args: tuple[pd.DataFrame, PipelineSpec]) -> Tables:
    batch, spec = args
    return process_batch(batch, spec)


def process(
    turns: pd.DataFrame,
    spec: PipelineSpec,
    *,
    workers: int = 1,
    batch_size: int = 2000,
    engine: str = "local",
    scheduler: str | None = None,
) -> Iterator[Tables]:
    """Yield :class:`Tables` for successive batches of ``turns``, in input order.

    ``engine="local"`` uses this process (``workers=1``) or a pool of
    ``workers`` processes; ``engine="dask"`` submits the same batch function
    to a Dask cluster (a 2-worker LocalCluster on 127.0.0.1, or ``scheduler``).
    """
    build(spec)  # validate in the parent before any worker starts
    chunks = batches(turns, batch_size)
    if engine == "dask":
        from .dask_engine import process_dask

        yield from process_dask(chunks, spec, workers=workers, scheduler=scheduler)
        return
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r}; expected 'local' or 'dask'")
    if workers <= 1:
        for chunk in chunks:
            yield process_batch(chunk, spec)
        return
    from .parallel import map_batches

    yield from map_batches(_work, ((c, spec) for c in chunks), workers=workers,
                           initializer=_init_worker, initargs=(spec,))
