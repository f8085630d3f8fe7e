"""The optional parts of cxaudit (``pyproject.toml``'s extras) and the one-line message when one is missing.

``pip install cxaudit`` is the core: the command line, ingest, analysis, rule tagging, the n-gram learned
tagger, compare, store, the HTML report and exports. Each extra serves one kind of user; a command that
needs one calls :func:`require` first, so a missing extra is one line naming the exact install command
instead of an ImportError deep in a traceback.
"""

from __future__ import annotations

import importlib.util

from cxaudit.errors import CxauditError

__all__ = ["EXTRAS", "MissingExtraError", "missing", "install_command", "require"]

#: extra → the modules it provides (the ones cxaudit imports), in ``pyproject.toml``'s order.
EXTRAS: dict[str, tuple[str, ...]] = {
    "plots": ("matplotlib", "seaborn"),
    "arrow": ("pyarrow",),
    "dashboard": ("ipywidgets", "voila", "ipykernel"),
    "notebooks": ("jupyterlab", "papermill"),
    "dask": ("dask", "distributed"),
    "encoder": ("tokenizers", "safetensors", "huggingface_hub"),
    "finetune": ("jax", "optax"),
}


class MissingExtraError(CxauditError, ImportError):
    """A command needs an optional part of cxaudit that is not installed; the message says how to install it."""


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (empty when the extra is installed)."""
    return [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]


def install_command(extra: str) -> str:
    """``pip install 'cxaudit[EXTRA]'``: the command that installs ``extra``."""
    return f"pip install 'cxaudit[{extra}]'"


def require(extra: str, what: str) -> None:
    """Raise :class:`MissingExtraError` when ``extra`` is not installed: "WHAT needs …: pip install …"."""
    gone = missing(extra)
    if gone:
        raise MissingExtraError(f"{what} needs cxaudit's {extra!r} extra (missing: {', '.join(gone)}): "
                                f"{install_command(extra)}  (in a source checkout: pip install -e '.[{extra}]')")
