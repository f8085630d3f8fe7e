"""cxaudit: experience audits and clue scanning of customer interviews and comments.

The pipeline's stages are functions over tidy DataFrames (schemas in
:mod:`cxaudit.schemas`)::

    import cxaudit
    audit = cxaudit.load_audit("data/sample/audit.yml")
    ing = cxaudit.ingest(audit.inputs, roles=audit.roles)          # documents, turns, rejected
    ana = cxaudit.analyze(ing.turns, audit.codebooks)              # sentences, feelings, tags
    tables = cxaudit.compare(ing.documents, ana.sentences, ana.tags, ana.feelings, cxaudit.load_desired(audit.desired))

``cxaudit.analyze`` is :func:`cxaudit.run.analysis.analyze`: the batch function ``cxaudit run``
uses, so its tables are the ones a run stores. ``cxaudit.tag`` tags a sentences table that comes
from elsewhere with the same row builder. ``cxaudit.ingest`` and
``cxaudit.compare`` are the stages' packages, which can be called like their main function
(:mod:`cxaudit._callable` says why those two need it). Heavy dependencies (spaCy, matplotlib)
load on first use, so ``import cxaudit`` is quick.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

__version__ = "0.1.0"
#: When this process first imported cxaudit (before any of its modules): a built pipeline is cached
#: only when no file of the package changed since, so that the code it was built with is the code
#: whose files name the cache entry (:func:`cxaudit.run.engine.build`).
_IMPORTED_AT = time.time()

__all__ = [
    "__version__",
    "load_audit",
    "load_desired",
    "load_codebook",
    "ingest",
    "analyze",
    "tag",
    "compare",
    "run_audit",
    "plots",
    "explore",
    "read_results",
]

#: The public API's names, each loaded from its stage on first use (``__getattr__`` below): ``import cxaudit``
#: loads no stage, so the command line and the fork server start quickly.
_LAZY = {
    "load_audit": ("cxaudit.config", "load_audit"),
    "load_desired": ("cxaudit.compare.desired", "load_desired"),
    "load_codebook": ("cxaudit.clues.codebook", "load_codebook"),
    "run_audit": ("cxaudit.run.pipeline", "run_audit"),
    "ingest": ("cxaudit.ingest", None),
    "analyze": ("cxaudit.run.analysis", "analyze"),
    "compare": ("cxaudit.compare", None),
    "plots": ("cxaudit.publish.charts.plots", None),
    "explore": ("cxaudit.nlp.explore", None),
}


def tag(sentences, codebooks=("carbone-clues", "touchpoints"), *, model="auto", nlp=None):
    """Tag the clues in ``sentences`` (schema SENTENCES) with the named codebooks.

    For sentences from elsewhere (a coding sheet, another tool): :func:`cxaudit.analyze` already
    gives the tags of the turns it analyses. Returns the ``tags`` table (schema TAGS), built by the
    run's row builder on cxaudit's pipeline for ``model`` (``nlp``: a pipeline of your own).
    ``codebooks`` are bundled names, paths, or loaded :class:`~cxaudit.clues.codebook.Codebook` objects.
    """
    # lazy: `import cxaudit` stays quick; the tagger (spaCy) loads on the first call
    from .clues.codebook import load_codebook
    from .clues.tagger import tag as _tag

    books = [load_codebook(c) if isinstance(c, str) else c for c in codebooks]
    return _tag(sentences, books, model=model, nlp=nlp)


def read_results(results_dir, table: str):
    """Read one table of a results folder written by ``cxaudit run`` as a DataFrame."""
    from .store import read_table  # lazy: `import cxaudit` loads neither DuckDB nor pandas

    return read_table(results_dir, table)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        return module if attr is None else getattr(module, attr)
    raise AttributeError(f"module 'cxaudit' has no attribute {name!r}")
