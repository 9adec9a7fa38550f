"""Optional compiled build (everything else is in pyproject.toml).

``MODEMU_COMPILE=1 pip install .`` compiles the command path's hot
modules (``modemu.compiled.HOT_MODULES``) with mypyc, which comes with mypy (the build
backend, build_backend/modemu_build.py, adds it to the build environment); without
``MODEMU_COMPILE`` the package is pure Python, as always. See
docs/performance.md, "Compiled build".
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


def _forget_earlier_extensions() -> None:
    """setuptools packs whatever its build/lib holds: an extension left there by an earlier
    compiled build would slip into a pure one (or outlive a module taken off the list)."""
    for stale in HERE.glob("build/lib*/**/*.so"):
        stale.unlink()


def _compiled_extensions() -> list[object]:
    _forget_earlier_extensions()
    if os.environ.get("MODEMU_COMPILE", "0") in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify  # noqa: PLC0415 - only for the compiled build
    except ImportError as exc:
        raise SystemExit(
            "MODEMU_COMPILE=1 needs mypyc (it comes with mypy) where the package is built; "
            "pip install . asks for it, a --no-build-isolation build needs "
            "pip install 'mypy>=1.10' first"
        ) from exc
    names = runpy.run_path(str(HERE / "src" / "modemu" / "compiled.py"))["HOT_MODULES"]
    paths = [str(Path("src", *name.split(".")).with_suffix(".py")) for name in names]
    return list(mypycify(paths, opt_level="3"))


setup(ext_modules=_compiled_extensions())
