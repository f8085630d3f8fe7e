"""Agreement between two codings of the same units.

A *coding* is a tags-like table: one row per (unit, code) the coder applied,
e.g. the ``tags`` table of a run (unit = ``sentence_id``), a researcher's
corrected file read back with :func:`cxaudit.clues.coding.import_coding`, or
any table with a unit column and a code column. Several rows for the same
(unit, code) (several spans of the same code in one sentence) count once:
agreement is measured on the binary decision "does code *c* apply to unit
*u*?".

The universe of units is the union of the units found in both codings, or an
explicit ``units=`` list. A unit that neither coder gave a code counts as
agreement on absence for every code -- which is why passing ``units=`` (all
the sentences that were coded) matters: sentences nobody tagged are still
decisions.

:func:`agreement` returns one row per code plus an ``overall`` row:

========================  ====================================================
column                    meaning
========================  ====================================================
level                     ``code`` or ``overall``
code                      the code (``overall`` on the overall row)
n_units                   decisions: units (× codes on the overall row)
support                   units coded with the code by ``a`` (the reference)
predicted                 units coded with the code by ``b``
tp, fp, fn, tn            b against a
observed_agreement        (tp + tn) / n_units
kappa                     Cohen's kappa of the two binary codings; NaN when
                          the chance agreement is 1 (both coders gave one and
                          the same answer to every unit: no variance, kappa
                          is 0/0 and undefined)
alpha                     Krippendorff's alpha (nominal) of the same decisions;
                          NaN when only one value occurs at all
precision, recall, f1     b against a; NaN when the denominator is 0
                          (overall row: micro-averaged)
========================  ====================================================

On the overall row, ``kappa`` and ``alpha`` are computed over all
unit × code binary decisions pooled. :func:`krippendorff_alpha` handles any
number of coders and missing values.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["agreement", "krippendorff_alpha", "cohen_kappa", "read_coding"]

log = logging.getLogger(__name__)

COLUMNS = [
    "level", "code", "n_units", "support", "predicted", "tp", "fp", "fn", "tn",
    "observed_agreement", "kappa", "alpha", "precision", "recall", "f1",
]


def read_coding(path: str | Path) -> pd.DataFrame:
    """Read a coding table from CSV, TSV, JSONL, Parquet or XLSX (by suffix).

    Returns the table as read (columns untouched, strings kept as strings).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".parquet", ".xlsx"):
        raise ValueError(f"{path}: expected a .csv, .tsv, .jsonl, .parquet or .xlsx coding file, found {suffix!r}")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such coding file")
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if suffix in (".tsv", ".tab"):
        return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_values=[""])
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(path, lines=True, dtype=False)
    if suffix == ".parquet":  # DuckDB reads it: no pyarrow needed
        import duckdb  # lazy: only a .parquet coding needs DuckDB here

        con = duckdb.connect()
        try:
            return con.read_parquet(str(path)).df()
        finally:
            con.close()
    return pd.read_excel(path, dtype=str)


def cohen_kappa(tp: int, fp: int, fn: int, tn: int) -> float:
    """Cohen's kappa of two binary codings given their 2×2 table.

    ``p_o = (tp + tn) / n``; ``p_e = (p_a·p_b + (1 − p_a)(1 − p_b))`` with
    ``p_a = (tp + fn) / n`` and ``p_b = (tp + fp) / n``;
    ``kappa = (p_o − p_e) / (1 − p_e)``. Returns NaN when ``n == 0`` or
    ``p_e == 1`` (both coders constant and equal: kappa is undefined).
    """
    n = tp + fp + fn + tn
    if n == 0:
        return math.nan
    p_o = (tp + tn) / n
    p_a = (tp + fn) / n
    p_b = (tp + fp) / n
    p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
    if math.isclose(p_e, 1.0):
        return math.nan
    return (p_o - p_e) / (1 - p_e)


def krippendorff_alpha(reliability_matrix, *, level: str = "nominal") -> float:
    """Krippendorff's alpha for nominal data, any number of coders.

    ``reliability_matrix`` is coders × units (a 2-D array-like or a DataFrame
    with one row per coder); missing values are ``None``/NaN. Units with fewer
    than two values are unpairable and ignored. With the coincidence matrix
    ``o[c, k]`` (each ordered pair of values within a unit weighted
    ``1 / (m_u − 1)``), ``n_c = Σ_k o[c, k]`` and ``n = Σ_c n_c``:

        alpha = 1 − (n − 1) · Σ_{c≠k} o[c, k] / Σ_{c≠k} n_c · n_k

    Returns NaN when no unit is pairable or only one value occurs (the
    expected disagreement is 0).
    """
    if level != "nominal":
        raise ValueError(f"krippendorff_alpha: only level='nominal' is implemented, got {level!r}")
    frame = pd.DataFrame(reliability_matrix)
    if frame.ndim != 2:
        raise ValueError("krippendorff_alpha: expected a coders × units matrix")
    values: dict[object, int] = {}
    pairable: list[list[int]] = []
    for col in frame.columns:
        unit = [v for v in frame[col].tolist() if not _missing(v)]
        if len(unit) >= 2:
            pairable.append([values.setdefault(_key(v), len(values)) for v in unit])
    if not pairable or len(values) < 2:
        return math.nan
    o = np.zeros((len(values), len(values)))
    for unit in pairable:
        counts = np.bincount(unit, minlength=len(values)).astype(float)
        # ordered pairs of different positions: counts ⊗ counts minus self-pairs
        o += (np.outer(counts, counts) - np.diag(counts)) / (len(unit) - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    disagree_obs = o.sum() - np.trace(o)
    disagree_exp = n_c.sum() ** 2 - (n_c**2).sum()
    if disagree_exp == 0:
        return math.nan
    return float(1 - (n - 1) * disagree_obs / disagree_exp)


def agreement(
    a: pd.DataFrame | str | Path,
    b: pd.DataFrame | str | Path,
    *,
    unit: str = "sentence_id",
    code_col: str = "code",
    codes: Sequence[str] | None = None,
    units: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per-code and overall agreement of coding ``b`` against reference ``a``.

    ``a`` and ``b`` are tables (or paths read with :func:`read_coding`) with
    columns ``unit`` and ``code_col``. Returns the columns listed in the module
    docstring: one ``level="code"`` row per code (sorted), then one
    ``level="overall"`` row.
    """
    a_pairs = _pairs(a, unit, code_col, "a")
    b_pairs = _pairs(b, unit, code_col, "b")
    if units is None:
        universe = sorted({u for u, _ in a_pairs} | {u for u, _ in b_pairs})
    else:
        universe = sorted({str(u) for u in units})
        outside = {u for u, _ in a_pairs | b_pairs} - set(universe)
        if outside:
            log.warning("agreement: %d coded unit(s) are not in units= and are ignored, e.g. %s",
                        len(outside), sorted(outside)[:3])
            a_pairs = {p for p in a_pairs if p[0] not in outside}
            b_pairs = {p for p in b_pairs if p[0] not in outside}
    code_list = sorted({c for _, c in a_pairs | b_pairs}) if codes is None else list(codes)
    rows = [_code_row(code, universe, a_pairs, b_pairs) for code in code_list]
    rows.append(_overall_row(rows, universe, code_list, a_pairs, b_pairs))
    return pd.DataFrame(rows, columns=COLUMNS)


def _code_row(code: str, universe: list[str], a_pairs: set, b_pairs: set) -> dict:
    """The 2×2 table and statistics of one code over the universe of units."""
    in_a = np.array([(u, code) in a_pairs for u in universe], dtype=bool)
    in_b = np.array([(u, code) in b_pairs for u in universe], dtype=bool)
    row = _stats(in_a, in_b)
    row.update(level="code", code=code)
    return row


def _overall_row(rows: list[dict], universe: list[str], codes: list[str], a_pairs: set, b_pairs: set) -> dict:
    """Pooled statistics over all unit × code decisions (micro P/R/F1)."""
    in_a = np.array([(u, c) in a_pairs for c in codes for u in universe], dtype=bool)
    in_b = np.array([(u, c) in b_pairs for c in codes for u in universe], dtype=bool)
    row = _stats(in_a, in_b)
    row.update(level="overall", code="overall")
    return row


def _stats(in_a: np.ndarray, in_b: np.ndarray) -> dict:
    """Counts, agreement, kappa, alpha and P/R/F1 of two boolean vectors."""
    tp = int((in_a & in_b).sum())
    fp = int((~in_a & in_b).sum())
    fn = int((in_a & ~in_b).sum())
    tn = int((~in_a & ~in_b).sum())
    n = tp + fp + fn + tn
    alpha = krippendorff_alpha(np.vstack([in_a, in_b]).astype(int)) if n else math.nan
    return {
        "n_units": n, "support": tp + fn, "predicted": tp + fp,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "observed_agreement": (tp + tn) / n if n else math.nan,
        "kappa": cohen_kappa(tp, fp, fn, tn),
        "alpha": alpha,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
    }


def _pairs(table, unit: str, code_col: str, name: str) -> set[tuple[str, str]]:
    """The distinct (unit, code) pairs of a coding table."""
    if isinstance(table, (str, Path)):
        table = read_coding(table)
    missing = [c for c in (unit, code_col) if c not in table.columns]
    if missing:
        raise ValueError(
            f"agreement: coding {name!r} lacks column(s) {missing}; expected {unit!r} and {code_col!r}, "
            f"found {list(table.columns)}"
        )
    sub = table[[unit, code_col]].dropna()
    return {(str(u), str(c)) for u, c in zip(sub[unit], sub[code_col]) if str(c).strip()}


def _ratio(num: int, den: int) -> float:
    return num / den if den else math.nan


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(np.isnan(value))
    except (TypeError, ValueError):
        return False


def _key(value):
    """Normalise numeric values so 1, 1.0 and np.int64(1) are one category."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer():
        return int(value)
    return value
