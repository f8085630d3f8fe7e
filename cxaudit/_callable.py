"""Let a stage package be called like its main function: ``cxaudit.ingest(specs)``, ``cxaudit.compare(...)``.

Why it is still needed, and only for these two: ``cxaudit.ingest`` and ``cxaudit.compare`` are sub-packages
whose name is also their main function's. Python binds a sub-package as an attribute of its parent when it
is first imported (``import cxaudit.ingest.files`` sets ``cxaudit.ingest`` to the package), so a function of
that name in ``cxaudit/__init__.py`` would be replaced by the package as soon as anything imported it; the
public API ``cxaudit.ingest(...)`` (docs/api.md) then needs the package itself to be callable. Python's
documented way to customise a module object is to set its ``__class__`` to a subclass of
``types.ModuleType`` (the language reference, "Customizing module attribute access"), which is all
:func:`make_callable` does. ``cxaudit.analyze`` needs none of this: no sub-package is named ``analyze``,
so ``cxaudit.analyze`` is the function itself (``cxaudit/__init__.py``).
"""

from __future__ import annotations

import sys
import types

__all__ = ["CallableModule", "make_callable"]


class CallableModule(types.ModuleType):
    """A module whose call is a call of its attribute named by ``__call_target__``."""

    __call_target__: str

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__call_target__)(*args, **kwargs)


def make_callable(module_name: str, func_name: str) -> None:
    """Make ``sys.modules[module_name](...)`` call its attribute ``func_name``."""
    module = sys.modules[module_name]
    module.__call_target__ = func_name
    module.__class__ = CallableModule
