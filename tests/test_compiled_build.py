"""The optional compiled build (``MODEMU_COMPILE=1 pip install .``, docs/performance.md):
the hot modules compile with mypyc and the compiled package answers byte for byte like the
pure one.

mypyc compiles what mypy accepts but checks types at run time, so a module can type-check
and still fail compiled (a value of another type than its annotation says, a narrowed
attribute read back). The test therefore builds the modules (about 10 s) into a copy of the
package and runs the engine's and the AT layer's unit tests against that copy in a child
interpreter: every answer they check is bytes in, bytes out.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import modemu
from modemu.compiled import HOT_MODULES, compiled_modules

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(modemu.__file__).resolve().parent
BUILD_TIMEOUT = 600


def _have_compiler() -> bool:
    cc = shlex.split(sysconfig.get_config_var("CC") or "cc")
    return bool(cc) and shutil.which(cc[0]) is not None


def test_the_default_install_is_pure_python() -> None:
    assert compiled_modules() == []


@pytest.mark.skipif(not _have_compiler(), reason="no C compiler for mypyc")
@pytest.mark.timeout(BUILD_TIMEOUT)
def test_compiled_modules_answer_like_the_pure_ones(tmp_path: Path) -> None:
    pytest.importorskip("mypyc", reason="mypyc comes with mypy, a dev dependency")
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / "modemu", ignore=shutil.ignore_patterns("__pycache__"))
    paths = [str(Path(*name.split(".")).with_suffix(".py")) for name in HOT_MODULES]
    build = subprocess.run(
        [sys.executable, "-m", "mypyc", *paths],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    env = {**os.environ, "PYTHONPATH": str(src), "CI": "true"}
    probe = subprocess.run(
        [sys.executable, "-c", "from modemu.compiled import compiled_modules as c; print(c())"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert probe.stdout.strip() == repr(list(HOT_MODULES))
    unit_tests = ["tests/unit/modem", "tests/unit/at"]
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *unit_tests],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-5000:]
    assert " passed" in tests.stdout


def test_the_build_backend_asks_for_mypy_only_for_the_compiled_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT / "build_backend"))
    import modemu_build  # noqa: PLC0415 - the in-tree backend, found through backend-path

    monkeypatch.delenv("MODEMU_COMPILE", raising=False)
    assert not any(r.startswith("mypy") for r in modemu_build.get_requires_for_build_wheel())
    monkeypatch.setenv("MODEMU_COMPILE", "1")
    assert "mypy>=1.10" in modemu_build.get_requires_for_build_wheel()
    assert os.environ["MODEMU_COMPILE"] == "1"  # put back after setuptools' own query
