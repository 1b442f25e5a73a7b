"""Modules imported on their first use rather than when the importing module loads.

The detectors' modules compile many patterns when they are imported (about 60 ms in all). A run whose
every line the record cache replays never uses them, so the engine names them through `lazy`: the
module object exists at once, and its code runs the first time one of its attributes is read (the
standard library's `importlib.util.LazyLoader`). A module that is already imported is returned as it is.
"""
from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy(name: str) -> ModuleType:
    """The module `name` (absolute), loaded when first used."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


__all__ = ["lazy"]
