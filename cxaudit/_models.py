"""Which spaCy pipeline a ``model`` setting names, found without importing spaCy.

:func:`resolve_model` is what :mod:`cxaudit.nlp` exports under the same name; it lives here, below every
stage, so that a process that only checks the setting (``cxaudit run``'s parent process, which hands
the analysis to a worker) does not pay for importing spaCy (0.5-0.8 s of CPU on the development
machine). It asks the installed packages' metadata, as spaCy's own ``spacy.util.is_package`` does.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from cxaudit.errors import CxauditError

__all__ = ["resolve_model", "is_package", "ModelNotFoundError", "TRAINED"]

#: Trained English pipelines ``model="auto"`` looks for, smallest first.
TRAINED = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf")


class ModelNotFoundError(CxauditError, ValueError):
    """The spaCy pipeline named in the configuration is not installed."""


def is_package(name: str) -> bool:
    """True when a distribution called ``name`` is installed (``spacy.util.is_package``'s test)."""
    try:
        metadata.distribution(name)
    except Exception:  # noqa: BLE001 - as spaCy's: any failure means not installed
        return False
    return True


def resolve_model(model: str = "auto") -> str:
    """The base pipeline ``build_pipeline(model)`` will use: "blank", a package name or a path.

    Checks, without loading anything, that a named pipeline is installed; raises
    :class:`ModelNotFoundError` saying how to install it otherwise. Call it in a
    parent process before starting workers.
    """
    if not isinstance(model, str) or not model.strip():
        raise ModelNotFoundError(f"model: expected 'auto', 'blank', a spaCy pipeline name or a path; found {model!r}")
    model = model.strip()
    if model == "blank":
        return "blank"
    if model == "auto":
        for name in TRAINED:
            if is_package(name):
                return name
        return "blank"
    if is_package(model):
        return model
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.cfg").exists():
            raise ModelNotFoundError(f"model: {model!r} is a path but holds no spaCy pipeline (no config.cfg found)")
        return str(path)
    raise ModelNotFoundError(
        f"spaCy pipeline {model!r} is not installed. On a machine with internet, run "
        f"`python -m spacy download {model}` (or `pip install {model}` from a wheel you trust), "
        f"or pass a local path to a saved pipeline; `model: blank` works offline with no download."
    )
