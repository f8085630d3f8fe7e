"""``cxaudit.analyze``: a turns table analysed and tagged by the batch function ``cxaudit run`` uses.

A notebook's analysis and a run's are one path: :func:`analyze` hands the turns to
:func:`cxaudit.run.engine.process` (this process, a local pool of ``workers`` processes or Dask),
whose batch function (:func:`cxaudit.run.engine.process_batch`) gives each batch's sentence,
feeling and tag rows in one spaCy pass per turn, cuts turns longer than the pipeline's limit into
pieces and adds a learned tagger's tags. The tables are those a run stores for the same turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from cxaudit.clues.codebook import codebook_ref
from cxaudit.schemas import ANALYSED_ROLES, FEELINGS, SENTENCES, TAGS, SchemaError, empty, validate

from .engine import PipelineSpec, build, learned_tagger, process

__all__ = ["Analysis", "analyze", "checked_turns", "DEFAULT_CODEBOOKS"]

#: The codebooks a run tags with when audit.yml names none.
DEFAULT_CODEBOOKS = PipelineSpec().codebooks
_TURN_COLUMNS = ["doc_id", "turn_id", "role", "text"]


@dataclass
class Analysis:
    """Result of :func:`analyze`: validated ``sentences``, ``feelings`` and ``tags`` tables."""

    sentences: pd.DataFrame
    feelings: pd.DataFrame
    tags: pd.DataFrame
    #: the base spaCy pipeline used: "blank", a package name or a folder
    base_model: str = "blank"


def checked_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """The analysed turns (participant and unknown roles) of a TURNS table, with the columns the
    batch function reads; raises :class:`SchemaError` naming what is missing or null."""
    if not isinstance(turns, pd.DataFrame):
        raise TypeError(f"analyze: expected a turns DataFrame, found {type(turns).__name__}")
    missing = [c for c in _TURN_COLUMNS if c not in turns.columns]
    if missing:
        raise SchemaError(f"turns: missing column(s) {missing} needed by analyze; found {list(turns.columns)}")
    keep = turns.loc[turns["role"].isin(ANALYSED_ROLES), _TURN_COLUMNS]
    bad = keep["text"].isna() | keep["doc_id"].isna() | keep["turn_id"].isna()
    if bad.any():
        raise SchemaError(f"turns: {int(bad.sum())} analysed turn(s) with null doc_id, turn_id or text")
    return keep.astype({"doc_id": str, "text": str}).astype({"turn_id": "int64"}).reset_index(drop=True)


def analyze(turns: pd.DataFrame, codebooks: Iterable = DEFAULT_CODEBOOKS, *, model: str = "auto",
            tagger: str | None = None, threshold: float | None = None, workers: int = 1,
            batch_size: int = 2000, engine: str = "local", scheduler: str | None = None) -> Analysis:
    """The ``sentences``, ``feelings`` and ``tags`` tables of the participant and unknown-role turns.

    ``turns`` has the TURNS columns (at least doc_id, turn_id, role, text); interviewer turns are
    context and are not analysed. ``codebooks`` are bundled names, paths or loaded codebooks (none:
    no rule tags); ``model`` is "auto", "blank", an installed spaCy pipeline or its folder;
    ``tagger`` a learned tagger's folder (``cxaudit train``), whose tags follow the rules' (with
    ``threshold`` instead of its tuned ones). ``workers``, ``batch_size``, ``engine`` and
    ``scheduler`` are ``cxaudit run``'s. Fails on an unknown model, codebook or tagger before any
    worker starts.
    """
    todo = checked_turns(turns)
    spec = PipelineSpec(model=model, codebooks=tuple(codebook_ref(c) for c in codebooks), tagger=tagger,
                        threshold=threshold)
    base = build(spec).meta.get("cxaudit", {}).get("base", model)
    if tagger is not None:
        learned_tagger(tagger)  # a wrong folder fails here even when no turn is left to tag
    parts = list(process(todo, spec, workers=workers, batch_size=batch_size, engine=engine,
                         scheduler=scheduler)) if len(todo) else []

    def joined(name: str, schema) -> pd.DataFrame:
        frames = [getattr(p, name) for p in parts if len(getattr(p, name))]
        if not frames:
            return empty(schema)
        return validate(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0], schema)

    return Analysis(sentences=joined("sentences", SENTENCES), feelings=joined("feelings", FEELINGS),
                    tags=joined("tags", TAGS), base_model=base)
