"""The feelings lexicon as a table, read without importing spaCy.

``desired.yml``'s motif words are checked against the feelings lexicon (``cxaudit/lexicons/feelings.yml``)
whenever a run starts and again when it compares. :func:`feelings_table` reads the same file into the
same table as :func:`cxaudit.nlp.feelings.load_feelings` (``tests/test_rerun_worker.py`` checks they are
equal), but from here, below every stage: reading it through ``cxaudit.nlp`` imports spaCy, which the
process of a ``cxaudit run`` that hands its analysis to a worker never needs otherwise.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd
import yaml

from cxaudit.errors import CxauditError

__all__ = ["feelings_table", "FeelingsLexiconError"]

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FeelingsLexiconError(CxauditError, ValueError):
    """The feelings lexicon file is missing or does not have the expected structure."""


@lru_cache(maxsize=4)
def _table(name: str) -> pd.DataFrame:
    where = f"cxaudit/lexicons/{name}"
    try:
        data = yaml.load(resources.files("cxaudit.lexicons").joinpath(name).read_text(encoding="utf-8"),
                         Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as err:
        raise FeelingsLexiconError(f"{where}: cannot be read ({err})") from err
    rows = []
    for n, axis in enumerate((data.get("axes") if isinstance(data, dict) else None) or []):
        try:
            label = axis["axis"]
            for pole_name, pole in (("positive", 1), ("negative", -1)):
                side = axis[pole_name]
                forms = list(dict.fromkeys(str(f).lower() for f in side["forms"]))
                rows.append({"feeling": str(side["feeling"]), "axis": str(label), "pole": pole, "forms": forms})
        except (KeyError, TypeError) as err:
            raise FeelingsLexiconError(f"{where}: axis #{n + 1} needs axis, positive and negative "
                                       f"with feeling and forms; problem: {err!r}") from err
    if not rows:
        raise FeelingsLexiconError(f"{where}: no axes found")
    return pd.DataFrame(rows)


def feelings_table(name: str = "feelings.yml") -> pd.DataFrame:
    """The feelings lexicon, one row per pole: columns feeling, axis, pole (+1/-1), forms (list of str)."""
    return _table(name).copy()
