"""Let a stage module be called like its main function (``cxaudit.analyze(turns)``).

Importing a submodule binds it as an attribute of the package, so a package
attribute cannot be both the module ``cxaudit.analyze`` and the function
``analyze``; making the module callable gives researchers the short form.
"""

from __future__ import annotations

import sys
import types


def make_callable(module_name: str, func_name: str) -> None:
    """Make ``sys.modules[module_name](...)`` call its attribute ``func_name``."""
    module = sys.modules[module_name]

    class _CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return getattr(self, func_name)(*args, **kwargs)

    module.__class__ = _CallableModule
