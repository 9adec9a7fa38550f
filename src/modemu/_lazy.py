"""Names of a package that load their module on first use (PEP 562 ``__getattr__``).

Why: ``import modemu.client`` and ``modemu --help`` must not pay for asyncio, pyserial,
dnspython or icmplib (tens of milliseconds each); a package lists where each public name
lives and the module is imported only when the name is first looked up.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``; ``where`` maps a name to its submodule
    (relative to ``package``, or absolute when it contains a dot)."""

    def getattr_(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        absolute = module if "." in module else f"{package}.{module}"
        value = getattr(importlib.import_module(absolute), name)
        vars(sys.modules[package])[name] = value  # later look-ups skip this function
        return value

    def dir_() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return getattr_, dir_
