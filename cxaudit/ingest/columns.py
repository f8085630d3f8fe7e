"""Comment-table rows to columns: the row checks, ids, scores and metadata of ``tables.py``, in batches.

A comment table becomes ``documents``/``turns`` frames built column by column
(pyarrow strings, numpy numbers) with the values, dtypes and rejections that
one ``Parsed`` per row through ``ingest.frames`` would give, at a fraction of
the time and memory (issue 8: 1M comments). Table cells are read as text with
:func:`cell_text`; dates with :func:`iso_date`; scores with :func:`parse_score`.

pyarrow is optional (``pip install 'cxaudit[arrow]'``, 176 MB): with it, string
columns are pyarrow arrays and distinct values are found by Arrow; without it
(the core install) they are Python lists and pandas' own ``string`` arrays. The
values, rejections and the ``string`` dtype are the same either way (pandas
picks the storage: pyarrow when it is installed, else Python).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import math
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

try:  # optional: the 'arrow' extra; see the module doc
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:
    pa = pc = None

from ..schemas import DOCUMENTS, TURNS, empty
from .base import normalize_text
from .spec import InputSpec

__all__ = ["DOC_FIELDS", "Layout", "cell_text", "iso_date", "parse_score", "column_batches", "comment_hashes",
           "comment_frames"]

DOC_FIELDS = ("segment", "channel", "date", "wave", "participant")
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%Y/%m/%d")
_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def cell_text(value: Any) -> str | None:
    """A cell value as text: None for empty, integers without '.0', dates in ISO 8601, objects as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def iso_date(value: str) -> str:
    """``value`` as an ISO 8601 date(-time) when it is unambiguous, else unchanged."""
    try:
        return dt.datetime.fromisoformat(value).isoformat().removesuffix("T00:00:00")
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return value


def parse_score(value: Any) -> tuple[float | None, str | None]:
    """(score, problem): a number from 0 to 10, or None with what is wrong ('' / None is no score)."""
    text = cell_text(value)
    if text is None or not text.strip():
        return None, None
    try:
        score = float(text.strip().replace(",", "."))
    except ValueError:
        return None, f"score {text.strip()[:30]!r} is not a number"
    if not math.isfinite(score) or not 0 <= score <= 10:
        return None, f"score {text.strip()[:30]!r} is outside 0–10"
    return score, None


@dataclass(frozen=True)
class Layout:
    """Where a table's cells are: the columns holding the text, id, score and metadata (None: the
    input names none); ``header``, the column names, when records are lists in its order (CSV,
    XLSX; a short list lacks the last cells), None when records are dicts (JSON); ``delimiter``
    for CSV (its cells are all str; rows wider than the header are rejected)."""

    text: str
    id: str | None
    score: str | None
    meta: list[str]
    header: list[str] | None = None
    delimiter: str | None = None


class _Seen:
    """The ids kept so far in one table. Their rows (for the message about a duplicate) are read
    back from the finished ``batches`` when a batch first rejects a row, then kept up to date."""

    def __init__(self, batches: list[dict[str, Any]]):
        self.ids: set[str] = set()
        self.batches = batches
        self.rows: dict[str, int] | None = None

    def add_new(self, ids: list[str], numbers: list[int]) -> bool:
        """True (and the ids kept) when every id is non-empty, unique and new."""
        distinct = set(ids)
        if not (all(ids) and len(distinct) == len(ids) and self.ids.isdisjoint(distinct)):
            return False
        self.ids |= distinct
        if self.rows is not None:
            self.rows.update(zip(ids, numbers))
        return True

    def first_rows(self) -> dict[str, int]:
        """{id: the row it was kept on}; ids added to it are kept."""
        if self.rows is None:
            self.rows = {}
            for batch in self.batches:
                self.rows.update(zip(_pylist(batch["doc_id"]), batch["line"].tolist()))
        return self.rows


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: reading makes millions of short-lived, acyclic lists,
    and the collections their count triggers cost about a third of the reading time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cells(records: list, header: list[str] | None, names: list[str]) -> dict[str, Sequence]:
    """{column: its values in ``records``} for the columns in ``names`` (None where a row lacks the cell)."""
    names = list(dict.fromkeys(names))
    if header is None:
        return {name: [r.get(name) for r in records] for name in names}
    index = [header.index(name) for name in names]
    if not records:
        return {name: [] for name in names}
    if min(map(len, records)) <= max(index):  # some rows lack cells
        return {name: [r[k] if k < len(r) else None for r in records] for name, k in zip(names, index)}
    if len(index) == 1:
        return {names[0]: [r[index[0]] for r in records]}
    return dict(zip(names, zip(*map(itemgetter(*index), records))))  # one pass over the records


def _texts(values: Sequence) -> list[str | None]:
    """:func:`cell_text` of each value (str values are kept as they are)."""
    return [v if v.__class__ is str else cell_text(v) for v in values]


def _encoded(fn, values: Sequence) -> tuple[list, np.ndarray]:
    """(results, codes): ``fn`` of each distinct value and, per value, the position of its result.

    When every value is a str or None, the distinct values are found (by
    pyarrow when installed, else a dict) and ``fn`` is called once for each
    (and once for None); else once per value.
    """
    if pa is None:
        if all(v is None or v.__class__ is str for v in values):
            index: dict = {}
            codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))
            return [fn(v) for v in index], codes
        return [fn(v) for v in values], np.arange(len(values))
    try:
        encoded = pa.array(values, type=pa.large_string()).dictionary_encode()
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers, dates, objects (XLSX, JSON)
        return [fn(v) for v in values], np.arange(len(values))
    results = [fn(v) for v in encoded.dictionary.to_pylist()] + [fn(None)]
    return results, pc.fill_null(encoded.indices, len(results) - 1).to_numpy()


def _meta_value(value: Any) -> str | None:
    """A metadata cell as stripped text, None when blank."""
    text = cell_text(value)
    return text.strip() if text is not None and text.strip() else None


def _date_value(value: str | None) -> str | None:
    """A metadata date in ISO 8601 when :func:`iso_date` can read it; None stays None."""
    return iso_date(value) if value else value


def _drop_wide_rows(numbers: list[int], records: list, width: int, delimiter: str, pending: list) -> tuple[list[int], list]:
    """``numbers`` and ``records`` without the CSV rows that have non-blank cells beyond the header's ``width``."""
    if max(map(len, records), default=0) <= width:
        return numbers, records
    wide = [len(r) > width and bool("".join(r[width:]).strip()) for r in records]
    pending.extend((n, f"row has {len(r)} fields but the header has {width} (delimiter {delimiter!r}); row skipped")
                   for n, r, w in zip(numbers, records, wide) if w)
    keep = [not w for w in wide]
    return list(compress(numbers, keep)), list(compress(records, keep))


def _kept_rows(numbers: list[int], ids: list[str] | None, layout: Layout, seen: _Seen,
               pending: list) -> list[int] | None:
    """Positions of the rows kept: (when the table has ids) those with a new, non-empty id; None when all
    are. A row with an empty text is kept: it is a survey answer without a comment, whose score counts."""
    if ids is None or seen.add_new(ids, numbers):
        return None
    rows = seen.first_rows()
    keep = []
    for i, number in enumerate(numbers):
        doc_id = ids[i]
        if not doc_id:
            pending.append((number, f"empty id in column {layout.id!r}; row skipped"))
            continue
        first = rows.setdefault(doc_id, number)
        if first != number:
            pending.append((number, f"duplicate id {doc_id!r} in column {layout.id!r} (first on row {first}); row skipped"))
            continue
        seen.ids.add(doc_id)
        keep.append(i)
    return keep


def column_batches(batches: Iterable[tuple[list[int], list]], layout: Layout, spec: InputSpec, *, doc_stem: str,
                   pending: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The columns (see :func:`_batch_columns`) of each batch of (row numbers, records) of one table.

    Rows are rejected (with (line, reason) appended to ``pending``) as one
    ``Parsed`` per row would: an empty id, an id already kept, a CSV row wider
    than the header; a bad score is reported and left empty. A row with an
    empty text is kept (an answer without a comment; its turn's text is "").
    doc_ids are the id column's values, else ``f"{doc_stem}:{row}"``.
    """
    out: list[dict[str, Any]] = []
    seen = _Seen(out)
    with _gc_paused():
        for numbers, records in batches:
            out.append(_batch_columns(numbers, records, layout, spec, doc_stem=doc_stem, seen=seen, pending=pending))
    return out


def _batch_columns(numbers: list[int], records: list, layout: Layout, spec: InputSpec, *, doc_stem: str,
                   seen: _Seen, pending: list) -> dict[str, Any]:
    """Columns of the kept rows of one batch: pyarrow doc_id, participant, segment, channel, wave,
    date, meta, content_hash and text; numpy score (NaN = none) and line.
    Row problems are appended to ``pending`` as (line, reason)."""
    if layout.delimiter is not None:
        numbers, records = _drop_wide_rows(numbers, records, len(layout.header), layout.delimiter, pending)
    cells = _cells(records, layout.header, [c for c in (layout.text, layout.id, layout.score, *layout.meta) if c is not None])
    del records
    as_text = (lambda values: values) if layout.delimiter is not None else _texts  # CSV cells are str already
    texts = list(map(normalize_text, as_text(cells[layout.text])))
    ids = [(t or "").strip() for t in as_text(cells[layout.id])] if layout.id is not None else None
    keep = _kept_rows(numbers, ids, layout, seen, pending)
    if keep is not None:
        numbers, texts = [numbers[i] for i in keep], [texts[i] for i in keep]
        ids = [ids[i] for i in keep] if ids is not None else None
        cells = {name: [values[i] for i in keep] for name, values in cells.items()}
    n = len(numbers)
    fields, extra = _meta_fields(cells, layout)

    def field(name: str, default: str | None = None):
        values = fields[name] if name in fields else _nulls(n)
        return values if default is None else _fill_null(values, default)

    strings = {"doc_id": ids if ids is not None else [f"{doc_stem}:{number}" for number in numbers],
               "meta": _meta_json(extra, n), "text": texts}
    out: dict[str, Any] = {name: _strings(values) for name, values in strings.items()}
    out.update({"content_hash": comment_hashes(texts), "participant": field("participant"),
                "segment": field("segment", spec.segment), "channel": field("channel", spec.channel),
                "wave": field("wave", spec.wave), "date": field("date"),
                "score": _scores(cells, numbers, layout, pending), "line": np.array(numbers, dtype=np.int64)})
    return out


def _scores(cells: dict[str, Sequence], numbers: list[int], layout: Layout, pending: list) -> np.ndarray:
    """The score of each row (NaN when none or not a number from 0 to 10, reported to ``pending``)."""
    if layout.score is None:
        return np.full(len(numbers), np.nan)
    results, codes = _encoded(parse_score, cells[layout.score])
    scores = np.array([np.nan if score is None else score for score, _ in results], dtype=np.float64)[codes]
    bad = [i for i, (_, problem) in enumerate(results) if problem]
    for i in np.flatnonzero(np.isin(codes, bad)).tolist() if bad else ():
        pending.append((numbers[i], f"{results[codes[i]][1]} in column {layout.score!r}; score left empty, comment kept"))
    return scores


def _meta_fields(cells: dict[str, Sequence], layout: Layout) -> tuple[dict[str, Any], list[tuple[str, list]]]:
    """Metadata columns as document fields ({segment|channel|date|wave|participant: string column},
    the last column of a name winning) and the other columns as (column, values) for the ``meta`` JSON."""
    fields, extra = {}, []
    for col in layout.meta:
        results, codes = _encoded(_meta_value, cells[col])
        name = col.strip().casefold()
        if name == "date":
            results = [_date_value(v) for v in results]
        if name in DOC_FIELDS:
            fields[name] = _take(results, codes)
        else:
            extra.append((col, [results[c] for c in codes.tolist()]))
    return fields, extra


def _meta_json(extra: list[tuple[str, list]], n: int) -> list[str | None]:
    """Per row, the JSON object of the non-empty ``extra`` metadata values (None when there are none)."""
    if not extra:
        return [None] * n
    out = []
    for i in range(n):
        meta = {col: values[i] for col, values in extra if values[i] is not None}
        out.append(json.dumps(meta, ensure_ascii=False, default=str) if meta else None)
    return out


def comment_hashes(texts: list[str]):
    """``content_hash`` of one-turn comments: for each normalised text, the same hex digest as
    ``Parsed(..., turns=[Turn(None, text, role="participant")]).content_hash``, as a pyarrow
    large_string array (hex-encoded with numpy, not one Python str per digest); a list of str without pyarrow."""
    sha256 = hashlib.sha256
    if pa is None:
        return [sha256(f"\x1fparticipant\x1f{t if t.isascii() else normalize_text(t)}\x1e".encode("utf-8")).hexdigest()
                for t in texts]
    digests = b"".join([sha256(f"\x1fparticipant\x1f{t if t.isascii() else normalize_text(t)}\x1e".encode("utf-8")).digest()
                        for t in texts])
    raw = np.frombuffer(digests, dtype=np.uint8)
    hexed = np.empty(2 * raw.size, dtype=np.uint8)
    hexed[0::2], hexed[1::2] = _HEX_DIGITS[raw >> 4], _HEX_DIGITS[raw & 15]
    offsets = np.arange(0, len(hexed) + 1, 64, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(len(texts), pa.py_buffer(offsets), pa.py_buffer(hexed))


def comment_frames(batches: list[dict[str, Any]], *, source: str, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``documents`` and ``turns`` frames (schemas.DOCUMENTS and TURNS dtypes, one participant turn
    per document) of one comment table, from column batches: string columns (pyarrow large_string
    arrays, or lists without pyarrow) doc_id, participant, segment, channel, wave, date, meta,
    content_hash and text; numpy float score (NaN = none) and int line. Columns are built with their
    final dtypes, as ``validate`` would give them."""
    n = sum(len(b["line"]) for b in batches)
    if not n:
        return empty(DOCUMENTS), empty(TURNS)

    def strings(name: str):
        if pa is None:
            return pd.array([v for b in batches for v in b[name]], dtype="string")
        return pd.arrays.ArrowStringArray(pa.chunked_array([b[name] for b in batches], type=pa.large_string()))

    def constant(value: str | None):
        if pa is None:
            return pd.array([value] * n, dtype="string")
        if value is None:
            return pd.arrays.ArrowStringArray(pa.nulls(n, pa.large_string()))
        data = value.encode("utf-8")
        offsets = np.arange(n + 1, dtype=np.int64) * len(data)
        return pd.arrays.ArrowStringArray(pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n)))

    score = np.concatenate([b["score"] for b in batches])
    no_time = pd.arrays.FloatingArray(np.full(n, np.nan), np.ones(n, dtype=bool))
    documents = pd.DataFrame({
        "doc_id": strings("doc_id"), "source": constant(source), "kind": constant(kind),
        **{name: strings(name) for name in ("participant", "segment", "channel", "wave", "date")},
        "score": pd.arrays.FloatingArray(score, np.isnan(score)), "meta": strings("meta"),
        "content_hash": strings("content_hash"),
    }, copy=False)
    turns = pd.DataFrame({
        "doc_id": documents["doc_id"].array, "turn_id": pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)),
        "speaker": constant(None), "role": constant("participant"), "start_s": no_time, "end_s": no_time.copy(),
        "line": pd.arrays.IntegerArray(np.concatenate([b["line"] for b in batches]), np.zeros(n, dtype=bool)),
        "text": strings("text"),
    }, copy=False)
    return documents, turns


# --------------------------------------------------------------------------- string columns, with or without pyarrow


def _strings(values: list):
    """A string column (str or None per row): a pyarrow large_string array, or the list without pyarrow."""
    return pa.array(values, type=pa.large_string()) if pa is not None else list(values)


def _nulls(n: int):
    """A string column of ``n`` nulls."""
    return pa.nulls(n, pa.large_string()) if pa is not None else [None] * n


def _fill_null(values, default: str):
    """The string column ``values`` with ``default`` in place of each null."""
    if pa is not None:
        return pc.fill_null(values, pa.scalar(default, pa.large_string()))
    return [default if v is None else v for v in values]


def _take(results: list, codes: np.ndarray):
    """The string column ``results[code]`` for each of ``codes``."""
    if pa is not None:
        return pa.array(results, type=pa.large_string()).take(codes)
    return [results[c] for c in codes.tolist()]


def _pylist(values) -> list:
    """A string column as a list of str or None."""
    return values.to_pylist() if pa is not None else list(values)
