"""The results store: one DuckDB file per audit, replaced atomically.

``DIR/cxaudit.duckdb`` holds every table of a run (see ``docs/architecture.md``).
A run never writes into the live file: :class:`StoreWriter` builds a new
database beside it and renames it over the old one only when everything is
written, so a run killed at any moment leaves the previous results intact.
A rerun that changes a few documents starts the new database from a byte copy
of the live one and changes only their rows (``from_previous=True``); the copy,
like a database built from scratch, replaces the live file by the same rename.

The modules, one responsibility each: ``files`` (atomic writes of single files, :class:`WriteFailed`),
``lock`` (one run at a time: :class:`ResultsLock`), ``paths`` (where the store and the private folder
are), ``read`` (reading the store) and
``writer`` (:class:`StoreWriter`). Every name is importable from ``cxaudit.store``. The names of
``read`` and ``writer`` load on first use (they import DuckDB and pandas): ``cxaudit run`` with nothing
changed imports this package for the lock alone and must stay quick (issue 20).
"""

from __future__ import annotations

import importlib
from typing import Any

from .files import WriteFailed, atomic_write_bytes, atomic_write_text, is_disk_full, write_csv_atomic
from .lock import LOCK_FILE, ResultsBusy, ResultsLock, remove_debris
from .paths import STORE_FILE, private_dir, store_path

__all__ = [
    "STORE_FILE",
    "StoreWriter",
    "connect",
    "read_table",
    "list_tables",
    "write_tables",
    "store_path",
    "private_dir",
    "atomic_write_text",
    "atomic_write_bytes",
    "ResultsLock",
    "ResultsBusy",
    "WriteFailed",
    "is_disk_full",
    "LOCK_FILE",
    "write_csv_atomic",
    "remove_debris",
    "COMPARE_TABLE_NAMES",
    "schema_for",
]

#: name -> the module that holds it, imported on first use (it loads DuckDB and pandas)
_ON_FIRST_USE = {
    **dict.fromkeys(("connect", "list_tables", "read_table", "COMPARE_TABLE_NAMES", "schema_for"),
                    "cxaudit.store.read"),
    **dict.fromkeys(("StoreWriter", "write_tables", "FLUSH_ROWS", "MAX_FREE_SHARE", "MEMORY_LIMIT"),
                    "cxaudit.store.writer"),
}


def __getattr__(name: str) -> Any:
    if name in _ON_FIRST_USE:
        return getattr(importlib.import_module(_ON_FIRST_USE[name]), name)
    raise AttributeError(f"module 'cxaudit.store' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_ON_FIRST_USE})
