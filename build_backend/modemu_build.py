"""The build backend: setuptools' own, plus mypy in the build environment when the
optional compiled build is asked for (``MODEMU_COMPILE=1 pip install .``; see setup.py and
docs/performance.md, "Compiled build"). The default build needs nothing more than before."""

from __future__ import annotations

import os
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - every other hook is setuptools' own

COMPILE_REQUIRES = ["mypy>=1.10"]
"""mypyc ships with mypy."""


def compile_requested() -> bool:
    return os.environ.get("MODEMU_COMPILE", "0") not in ("", "0")


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    """setuptools' requirements (found by running setup.py, which must not compile yet:
    mypy is not installed before this answer), plus mypy for the compiled build."""
    wanted = os.environ.pop("MODEMU_COMPILE", None)
    try:
        base = _setuptools.get_requires_for_build_wheel(config_settings)
    finally:
        if wanted is not None:
            os.environ["MODEMU_COMPILE"] = wanted
    return [*base, *(COMPILE_REQUIRES if compile_requested() else [])]
