"""The optional compiled build: which modules mypyc compiles, and which are compiled here.

``MODEMU_COMPILE=1 pip install .`` compiles :data:`HOT_MODULES` with mypyc (``setup.py``
reads the list from this file); the default install is pure Python, and both answer byte
for byte the same (``tests/test_compiled_build.py`` builds the modules and runs the engine's
and the AT layer's unit tests against them). The list is the module side of every command line's
path: the line reader, the engine's dispatch, its known answers and the output framing
(docs/performance.md, "Compiled build").

A module on the list must stay inside what mypyc compiles faithfully: no monkeypatching of
its classes or functions, no interpreted subclasses of its classes, defaults whose runtime
type matches their annotation.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util

HOT_MODULES = (
    "modemu.at.lineread",
    "modemu.at.render",
    "modemu.modem.terminator",
    "modemu.modem.engine",
)
"""Compiled by ``MODEMU_COMPILE=1``; everything else stays interpreted."""


def compiled_modules() -> list[str]:
    """The modules of :data:`HOT_MODULES` that this installation loads from a compiled
    extension (empty for the default, pure-Python install)."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    found = []
    for name in HOT_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is not None and (spec.origin or "").endswith(suffixes):
            found.append(name)
    return found
