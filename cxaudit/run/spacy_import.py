"""Import spaCy without loading its command line until something asks for it.

``import spacy`` runs ``from .cli.info import info``, which imports the whole of ``spacy.cli``: every
``spacy`` command, Weasel, its HTTP client and their dependencies, about 350 modules that analysing a
text never uses. That is 0.3 s of the 0.5-0.8 s of CPU ``import spacy`` takes on the development
machine (measured in docs/workflow.md), paid by every process that loads the pipeline: a
``cxaudit run`` that analyses one edited transcript, and each worker's fork server.

:func:`import_spacy` imports spaCy with ``spacy.cli.info`` standing in for the real module during the
import only. Afterwards nothing is missing: ``spacy.info(...)`` imports and calls the real function,
and ``spacy.cli`` (attribute or ``import spacy.cli``) imports the real command line on first use.
When spaCy is already imported it is returned as it is.
"""

from __future__ import annotations

import importlib
import sys
import types

__all__ = ["import_spacy"]


def _info(*args, **kwargs):
    """``spacy.info``: the real one, imported on first use."""
    from spacy.cli.info import info  # late on purpose: the real spacy.cli, loaded only when spacy.info is called

    return info(*args, **kwargs)


def _module_getattr(name: str):
    """``spacy``'s attributes not set because their module was not imported yet: ``spacy.cli``."""
    if name == "cli":
        return importlib.import_module("spacy.cli")
    raise AttributeError(f"module 'spacy' has no attribute {name!r}")


def import_spacy() -> types.ModuleType:
    """``import spacy``, without importing ``spacy.cli`` (see the module docstring); returns the module."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    stand_in = types.ModuleType("spacy.cli.info")
    stand_in.info = _info
    sys.modules["spacy.cli.info"] = stand_in
    try:
        import spacy  # late on purpose: spaCy loads only in a process that analyses (the quick paths never call this)
    finally:
        if sys.modules.get("spacy.cli.info") is stand_in:
            del sys.modules["spacy.cli.info"]
    names = vars(spacy)
    if "cli" not in names and "__getattr__" not in names:
        spacy.__getattr__ = _module_getattr  # PEP 562: consulted only for names the module lacks
    return spacy
