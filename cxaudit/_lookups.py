"""spaCy's English lemma lookup table, bundled (``cxaudit/lookups/``), so the core needs no spacy-lookups-data.

The blank pipeline's lookup lemmatizer and the codebooks' lemma patterns use one table of spacy-lookups-data,
``en_lemma_lookup`` (205 kB); the package holds ~103 MB of tables for ~40 languages. The file is bundled
unchanged (provenance and licences: ``cxaudit/lookups/README.md``). :func:`register` hands it to spaCy's
lookups registry when no installed package provides English tables, so ``Lemmatizer.initialize`` finds it
exactly as it finds spacy-lookups-data's; with spacy-lookups-data installed spaCy takes that one (same file).
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path

__all__ = ["LEMMA_LOOKUP", "lemma_table", "register"]

_DIR = Path(__file__).resolve().parent / "lookups"
#: The bundled table (gzipped JSON: form → lemma).
LEMMA_LOOKUP = _DIR / "en_lemma_lookup.json.gz"


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """The English lookup table, form → lemma (read once)."""
    with gzip.open(LEMMA_LOOKUP, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def register() -> None:
    """Give spaCy's ``registry.lookups`` an English entry (only ``lemma_lookup``) when nothing provides one.

    spaCy's ``load_lookups`` reads ``registry.lookups.get("en")[table]`` as a path: the ``.json`` name, to
    which it adds ``.gz`` when that file is the one there. An installed spacy-lookups-data (an entry point)
    is found first and left alone.
    """
    from spacy.util import registry  # lazy: the lemmatizer's callers load spaCy, not the tables' paths

    if "en" not in registry.lookups:
        registry.lookups.register("en", func={"lemma_lookup": str(LEMMA_LOOKUP.with_suffix(""))})
