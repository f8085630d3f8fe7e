"""One spaCy pass per batch of turns: sentences, feelings and clue tags together.

Analysis is a pure function of a batch of turns (:func:`process_batch`), so it
runs the same way in this process, in a local pool of worker processes, or on
a Dask cluster (:func:`process`). Workers build their pipeline once from a
:class:`PipelineSpec` and return compact DataFrames, never ``Doc`` objects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import platform
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from cxaudit import parallel  # as a module: its map_batches is looked up at each call
from cxaudit._models import resolve_model
from cxaudit._pieces import PIECE_CHARS, text_pieces  # not via cxaudit.ingest: the fork server does not load that stage
from cxaudit.run import codeid, warm
from cxaudit.run.warm import WARMED as _WARMED  # the tests set it
from cxaudit.run.dask_engine import process_dask
from cxaudit.schemas import ANALYSED_ROLES, FEELINGS, SENTENCES, TAGS, Schema, conform, empty

__all__ = ["PipelineSpec", "Tables", "process_batch", "process", "batches", "build", "warm_workers", "warm_up",
           "text_pieces", "PIECE_CHARS"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineSpec:
    """Everything a worker needs to build the same pipeline as the parent."""

    model: str = "auto"
    codebooks: tuple[str, ...] = ("carbone-clues", "touchpoints")
    #: a learned tagger's folder (``cxaudit train``): its tags are added in the batch, like the rules'
    tagger: str | None = None
    #: the learned tagger's probability threshold (None: its tuned per-code thresholds)
    threshold: float | None = None


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
        """Tables from row dicts keyed by the schemas' column names."""
        return cls(
            conform(pd.DataFrame(sentences, columns=SENTENCES.names), SENTENCES),
            conform(pd.DataFrame(feelings, columns=FEELINGS.names), FEELINGS),
            conform(pd.DataFrame(tags, columns=TAGS.names), TAGS),
            n_words=sum(int(r["n_words"]) for r in sentences),
        )

    @classmethod
    def from_tuples(cls, sentences: list[tuple], feelings: list[tuple], tags: list[tuple]) -> "Tables":
        """Tables from row tuples in the schemas' column order (same frames as :meth:`from_rows`)."""
        sent = frame_from_tuples(sentences, SENTENCES)
        return cls(sent, frame_from_tuples(feelings, FEELINGS), frame_from_tuples(tags, TAGS),
                   n_words=int(sent["n_words"].sum()) if len(sent) else 0)


def _column(values: Sequence, dtype: str):
    """One column as a pandas extension array of ``dtype`` ("string", "Int64", "Float64", "boolean")."""
    if dtype == "string":
        try:
            import pyarrow as pa  # lazy: the optional 'arrow' extra
        except ImportError:  # the core install (no 'arrow' extra): pandas' own string array, the same values and dtype
            return pd.array(list(values), dtype="string")
        return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))
    if dtype == "Int64":
        return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.zeros(len(values), dtype=bool))
    if dtype == "Float64":
        arr = np.asarray(values, dtype=np.float64)
        return pd.arrays.FloatingArray(arr, np.isnan(arr))
    if dtype == "boolean":
        return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), np.zeros(len(values), dtype=bool))
    raise ValueError(f"unsupported dtype {dtype!r}")


def frame_from_tuples(rows: list[tuple], schema: Schema) -> pd.DataFrame:
    """A DataFrame of ``schema`` from row tuples in its column order, columns built directly
    with their dtypes (``conform`` of a frame of dicts costs ~5x more at millions of rows).

    Falls back to :func:`cxaudit.schemas.conform` when a column does not convert directly
    (a non-str value in a string column, a null in an integer column …), so the result is
    always what ``conform`` gives.
    """
    if not rows:
        return empty(schema)
    columns = list(zip(*rows))
    try:
        data = {c.name: _column(values, c.dtype) for c, values in zip(schema.columns, columns)}
    except (TypeError, ValueError, ArithmeticError) as err:  # pyarrow and pandas raise subclasses of these
        log.debug("frame_from_tuples(%s): falling back to conform (%s)", schema.name, err)
        return conform(pd.DataFrame(rows, columns=schema.names), schema)
    return pd.DataFrame(data, copy=False)


_NLP_CACHE: dict[PipelineSpec, object] = {}


def build(spec: PipelineSpec):
    """Build (once per process) the spaCy pipeline described by ``spec`` (its model and codebooks).

    A pipeline built before with the same code, data, codebooks and model is loaded from the user's
    cache instead (:func:`_pipeline_cache_path`): a few tenths of a second instead of seconds."""
    spec = PipelineSpec(model=spec.model, codebooks=spec.codebooks)  # the tagger is not part of the pipeline
    nlp = _NLP_CACHE.get(spec)
    if nlp is None:
        # lazy: spaCy and the pipeline's modules load where a batch is analysed (a worker), not in the run
        from .spacy_import import import_spacy

        import_spacy()  # without spacy.cli: 0.3 s of CPU less (cxaudit/run/spacy_import.py)
        # lazy, and after import_spacy(): cxaudit.nlp then finds spaCy loaded without its command line
        from cxaudit.clues.codebook import codebook_file, load_codebook
        from cxaudit.clues.tagger import add_codebooks
        from cxaudit.nlp import build_pipeline

        # the cache is named by the codebooks' files: they are parsed only to build (0.05 s a load less)
        cached = _pipeline_cache_path(spec, [codebook_file(ref) for ref in spec.codebooks])
        nlp = _load_pipeline(cached) if cached is not None else None
        if nlp is None:
            books = [load_codebook(ref) for ref in spec.codebooks]
            nlp = build_pipeline(spec.model)
            # the batch reads the rulers' match tuples only: no Span objects or span groups
            add_codebooks(nlp, books, write_spans=False)
            if cached is not None and _code_unchanged_since_import():
                _save_pipeline(nlp, cached)
        _NLP_CACHE[spec] = nlp
    return nlp


#: Set to 0 to build the pipeline every time; a folder to keep built pipelines there.
PIPELINE_CACHE_ENV = "CXAUDIT_PIPELINE_CACHE"
_CACHE_KEEP = 6


def _pipeline_cache_dir():
    value = os.environ.get(PIPELINE_CACHE_ENV, "")
    if value in ("0", "off", "no", "false"):
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cxaudit" / "pipelines"


# the package's files and their digest (shared with the rerun fingerprints: cxaudit/run/codeid.py)
_package_files = codeid.package_files
_code_digest = codeid.code_digest


def _code_unchanged_since_import() -> bool:
    """True when no file of the package changed since this process imported cxaudit (with a second's
    margin): the modules in memory are then the files the cache key was computed from."""
    return codeid.code_unchanged_since_import()


def _pipeline_cache_path(spec: PipelineSpec, files):
    """Where the pipeline of ``spec`` is cached: a file named by a hash of everything it is built from
    (cxaudit's files, the codebooks' ``files``, the model and the versions of spaCy, its lookups data and
    Python); None when caching is off or the model is a path (its folder could change in place)."""
    folder = _pipeline_cache_dir()
    if folder is None:
        return None

    model = resolve_model(spec.model)

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    if model != "blank" and version(model) is None:
        return None  # a pipeline saved in a folder: not cached
    parts = {"code": _code_digest(), "model": [model, version(model) if model != "blank" else None],
             "codebooks": [hashlib.sha256(Path(file).read_bytes()).hexdigest() for file in files],
             "spacy": version("spacy"), "lookups": version("spacy-lookups-data"), "python": platform.python_version()}
    key = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return folder / f"{key}.pkl"


def _load_pipeline(path):
    """The pipeline pickled at ``path`` by this user's earlier run, or None (missing, unreadable, stale)."""
    try:
        st = path.stat()

        if st.st_uid != os.getuid() or st.st_mode & 0o022:  # only a file this user wrote, nobody else could
            return None
        with open(path, "rb") as fh:
            nlp = pickle.load(fh)
        log.info("loaded the spaCy pipeline built earlier from %s", path)
        return nlp
    except Exception as exc:  # noqa: BLE001 - any failure: build it again
        log.debug("cannot load the cached pipeline %s: %s", path, exc)
        return None


def _save_pipeline(nlp, path) -> None:
    """Pickle ``nlp`` to ``path`` (atomically, readable by this user only); keep the newest few."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".pipeline-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(nlp, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        old = sorted(path.parent.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)[_CACHE_KEEP:]
        for p in old:
            p.unlink(missing_ok=True)
    except Exception as exc:  # noqa: BLE001 - a cache that cannot be written is only slower
        log.debug("cannot cache the pipeline at %s: %s", path, exc)


_TAGGER_CACHE: dict[str, object] = {}


def learned_tagger(path: str):
    """The learned tagger in folder ``path``, loaded once per process."""
    tagger = _TAGGER_CACHE.get(path)
    if tagger is None:
        # lazy: the learned tagger loads only for `run --tagger`
        from cxaudit.clues.learned import LearnedTagger

        tagger = _TAGGER_CACHE[path] = LearnedTagger.load(path)
    return tagger


def analysed_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """The turns that are analysed as customer experience (participant and unknown roles)."""
    return turns[turns["role"].isin(ANALYSED_ROLES)]


_SID = SENTENCES.names.index("sentence_id")
_START, _END = SENTENCES.names.index("start_char"), SENTENCES.names.index("end_char")
_FEELING_SID = FEELINGS.names.index("sentence_id")
_TAG_SID = TAGS.names.index("sentence_id")


def _shifted(rows: list[tuple], feels: list[tuple], tags: list[tuple], prefix: str, first: int, offset: int):
    """A piece's sentence, feeling and tag rows with sentence numbers from ``first`` on and sentence
    offsets moved by ``offset``, so that they index the whole turn's text."""
    ids = {r[_SID]: f"{prefix}{first + n}" for n, r in enumerate(rows)}

    def renamed(row: tuple, k: int) -> tuple:
        return row[:k] + (ids[row[k]],) + row[k + 1:]

    sents = [tuple(ids[v] if k == _SID else v + offset if k in (_START, _END) else v for k, v in enumerate(r))
             for r in rows]
    return sents, [renamed(f, _FEELING_SID) for f in feels], [renamed(t, _TAG_SID) for t in tags]


#: What :func:`warm_up` analyses: a few sentences that reach the sentiment, scope, mode, effort and
#: tagging rules, so that their lexicons are read and their caches filled.
WARM_UP_TEXT = ("The staff were really helpful, but I waited 40 minutes on hold and the app keeps crashing. "
                "I wish they would call back. Thanks for nothing! Never came. Would I go back? If the fees "
                "were lower, maybe.")


def warm_up(spec: PipelineSpec) -> None:
    """Analyse :data:`WARM_UP_TEXT` once and throw the rows away. The first batch a process analyses
    pays for what the pipeline reads on first use (the lexicon's rules, cached word lists: ~0.2 s); the
    fork server calls this before it forks workers (:mod:`cxaudit.run.preload`), so every worker starts
    with it done. The rows do not depend on it: analysing is a pure function of the text."""
    nan = float("nan")
    process_batch(pd.DataFrame({"doc_id": ["warm-up"], "turn_id": [0], "speaker": [None], "role": ["participant"],
                                "start_s": [nan], "end_s": [nan], "line": [1], "text": [WARM_UP_TEXT]}), spec)


def process_batch(turns: pd.DataFrame, spec: PipelineSpec) -> Tables:
    """Analyse and tag one batch of turns (columns doc_id, turn_id, role, text).

    Returns the batch's rows of the sentences, feelings and tags tables: the rule
    tags of the codebooks, then (with ``spec.tagger``) the learned tagger's.
    Interviewer turns in the batch are skipped. A turn longer than the pipeline's
    ``max_length`` is analysed in pieces (:func:`text_pieces`); its rows are the
    pieces' rows with sentence numbers and offsets into the whole turn's text.
    """
    # lazy: spaCy and the pipeline's modules load where a batch is analysed (a worker), not in the run
    from .spacy_import import import_spacy

    import_spacy()  # before cxaudit.nlp imports it whole (cxaudit/run/spacy_import.py)
    # lazy, and after import_spacy(): cxaudit.nlp then finds spaCy loaded without its command line
    from cxaudit.nlp.analyze import turn_tuples
    from cxaudit.clues.tagger import tag_tuples

    nlp = build(spec)
    turns = analysed_turns(turns)
    sents: list[tuple] = []
    feels: list[tuple] = []
    tags: list[tuple] = []
    texts = turns["text"].tolist()
    limit = nlp.max_length

    def items():
        for doc_id, turn_id, text in zip(turns["doc_id"].tolist(), turns["turn_id"].tolist(), texts):
            if len(text) <= limit:
                yield text, (doc_id, turn_id, text, None)
                continue
            log.info("turn %s#%s has %d characters, more than the pipeline's limit of %d: analysed in pieces",
                     doc_id, turn_id, len(text), limit)
            for offset, piece in text_pieces(text, min(limit, PIECE_CHARS)):
                yield piece, (doc_id, turn_id, piece, offset)

    done: dict[tuple, int] = {}  # sentences so far of a turn analysed in pieces
    for doc, (doc_id, turn_id, text, offset) in nlp.pipe(items(), as_tuples=True, batch_size=256):
        if offset is None:
            rows = turn_tuples(doc, doc_id, int(turn_id), feels, text=text)
            sents.extend(rows)
            if rows:
                tags.extend(tag_tuples(doc, rows, doc_id, text=text))
            continue
        piece_feels: list[tuple] = []
        rows = turn_tuples(doc, doc_id, int(turn_id), piece_feels, text=text)
        piece_tags = tag_tuples(doc, rows, doc_id, text=text) if rows else []
        first = done.get((doc_id, turn_id), 0)
        done[(doc_id, turn_id)] = first + len(rows)
        rows, piece_feels, piece_tags = _shifted(rows, piece_feels, piece_tags, f"{doc_id}#{int(turn_id)}.", first, offset)
        sents.extend(rows)
        feels.extend(piece_feels)
        tags.extend(piece_tags)
    tables = Tables.from_tuples(sents, feels, tags)
    if spec.tagger is not None and len(tables.sentences):
        model_tags = learned_tagger(spec.tagger).predict(tables.sentences, threshold=spec.threshold)
        if len(model_tags):
            tables.tags = pd.concat([tables.tags, conform(model_tags, TAGS)], ignore_index=True)
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


def _pipeline_key(spec: PipelineSpec) -> tuple[str, tuple[str, ...]]:
    return warm.pipeline_key(spec.model, spec.codebooks)


def warm_workers(spec: PipelineSpec) -> bool:
    """Start the worker pool's fork server now, building ``spec``'s pipeline in the background while
    this process reads its inputs (:func:`cxaudit.run.warm.start`). Returns False where there is no
    fork server."""
    return warm.start(spec.model, spec.codebooks, spec.tagger)


def _in_warm_worker(spec: PipelineSpec, engine: str, workers: int) -> bool:
    """True when one worker forked from the warmed fork server should analyse (see :func:`warm_workers`):
    the local engine, one worker, the server loading this pipeline, and no copy of it in this process."""
    built = PipelineSpec(model=spec.model, codebooks=spec.codebooks) in _NLP_CACHE
    return engine == "local" and workers <= 1 and _pipeline_key(spec) in _WARMED and not built


def _init_worker(spec: PipelineSpec) -> None:
    # One BLAS thread per worker: the workers already fill the cores, and a learned tagger with a
    # sentence encoder (matrix products in NumPy) would otherwise oversubscribe them.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
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
    while_waiting: Callable[[], None] | None = None,
) -> Iterator[Tables]:
    """Yield :class:`Tables` for successive batches of ``turns``, in input order.

    ``engine="local"`` uses this process (``workers=1``) or a pool of
    ``workers`` processes; ``engine="dask"`` submits the same batch function
    to a Dask cluster (a 2-worker LocalCluster on 127.0.0.1, or ``scheduler``).
    ``while_waiting`` is called once when the batches go to one worker forked from the fork server
    this process started (:func:`warm_workers`), right after the first batch was handed to it: this
    process would only wait for the rows then.
    """
    if _in_warm_worker(spec, engine, workers):
        yield from _process_in_warm_worker(turns, spec, batch_size, while_waiting)
        return
    build(spec)  # validate in the parent before any worker starts
    if spec.tagger is not None:
        learned_tagger(spec.tagger)
    chunks = batches(turns, batch_size)
    if engine == "dask":
        yield from process_dask(process_batch, chunks, spec, workers=workers, scheduler=scheduler)
        return
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r}; expected 'local' or 'dask'")
    if workers <= 1:
        for chunk in chunks:
            yield process_batch(chunk, spec)
        return

    warm.announce(spec.model, spec.codebooks, spec.tagger)
    yield from parallel.map_batches(_work, ((c, spec) for c in chunks), workers=workers,
                                    initializer=_init_worker, initargs=(spec,), preload=warm.WORKER_PRELOAD)


def _handed_over(chunks: Iterator[pd.DataFrame], spec: PipelineSpec,
                 while_waiting: Callable[[], None] | None) -> Iterator[tuple[pd.DataFrame, PipelineSpec]]:
    """The work items of ``chunks``; ``while_waiting()`` runs once the first was taken (the pool asks for
    the next item when it has handed the first to its worker)."""
    for n, chunk in enumerate(chunks):
        yield chunk, spec
        if n == 0 and while_waiting is not None:
            while_waiting()


def _process_in_warm_worker(turns: pd.DataFrame, spec: PipelineSpec, batch_size: int,
                            while_waiting: Callable[[], None] | None = None) -> Iterator[Tables]:
    """:func:`process` in one worker forked from the fork server :func:`warm_workers` started, which
    loaded the pipeline while this process read its inputs. When that worker cannot start or dies
    (the fork server gone, the pipeline not loadable there), the batches not yet yielded are analysed
    in this process instead, which reports a real error the usual way."""
    log.info("analysing in a worker forked from the fork server that loaded the pipeline meanwhile")
    done = 0
    try:
        items = _handed_over(batches(turns, batch_size), spec, while_waiting)
        for tables in parallel.map_batches(_work, items, workers=1, initializer=_init_worker, initargs=(spec,),
                                           preload=warm.WORKER_PRELOAD, in_process=False):
            done += 1
            yield tables
        return
    except (parallel.WorkerError, OSError, EOFError) as exc:
        log.info("the analysis worker failed (%s): analysing in this process", exc)
    _WARMED.clear()
    for n, chunk in enumerate(batches(turns, batch_size)):
        if n >= done:
            yield process_batch(chunk, spec)
