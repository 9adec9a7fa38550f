"""Benchmark 5: start-up. How long until a user's command has done its first useful thing.

* ``import modemu.client`` and ``modemu --help`` in a fresh interpreter, paired with a bare
  interpreter (``python -c pass``) started the same way just before or after;
* ``modemu serve --pty`` from spawn to the first ``OK`` on its pty (the host retries ``AT``
  every 2 ms until it is answered), paired with the C responder from spawn to first ``OK``.

Wall-clock times of whole processes, medians of ``repeats`` alternating runs.

What users run is an installed modemu, whose modules pip compiled to bytecode: the rows
with goals run a copy of ``src/`` compiled the same way (``compileall``). With no bytecode
cache (``PYTHONDONTWRITEBYTECODE=1`` over a source tree that has none, as on the project's
development machines) every start compiles each module it imports from source; the last
row measures ``serve`` that way, from a second, never-compiled copy. Both copies live in
the benchmark's work directory, so a ``__pycache__`` in the tree never changes the figures.
"""

from __future__ import annotations

import compileall
import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.kit import (
    BENCH_DIR,
    C_RESPONDER,
    OK,
    BenchError,
    Figure,
    log,
    paired,
    stop_process,
    workdir,
    write_results,
)
from modemu.transport.pty import make_raw

ROOT = BENCH_DIR.parent


def _source_copy(where: Path, *, compiled: bool) -> Path:
    """A copy of ``src/`` without any ``__pycache__``; ``compiled``: then compiled to
    bytecode as ``pip install`` does."""
    copy = where / ("installed" if compiled else "source")
    shutil.copytree(ROOT / "src", copy, ignore=shutil.ignore_patterns("__pycache__"))
    if compiled and not compileall.compile_dir(str(copy), quiet=1):
        raise BenchError(f"compileall failed on {copy}")
    return copy


def _env(src: Path) -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {
        **os.environ,
        "PYTHONPATH": f"{src}{os.pathsep}{path}" if path else str(src),
        "PYTHONDONTWRITEBYTECODE": "1",  # the source copy stays uncompiled run after run
    }


def _wall_ms(argv: list[str], src: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, env=_env(src), cwd=ROOT)
    return (time.perf_counter() - start) * 1000


def _first_ok_ms(argv: list[str], path_of: Any, src: Path) -> float:
    """Spawn ``argv``, read the pty path it prints, and poll ``AT`` until ``OK``."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_env(src))
    try:
        assert proc.stdout is not None
        path = path_of(proc.stdout.readline().decode())
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            make_raw(fd)
            got = b""
            deadline = time.monotonic() + 10
            while OK not in got:
                if time.monotonic() > deadline:
                    raise BenchError(f"{argv[0]}: no OK in 10 s, got {got!r}")
                os.write(fd, b"AT\r")
                time.sleep(0.002)
                with contextlib.suppress(BlockingIOError):
                    got += os.read(fd, 4096)
            return (time.perf_counter() - start) * 1000
        finally:
            os.close(fd)
    finally:
        stop_process(proc)


def run(repeats: int = 10) -> dict[str, Any]:
    if not C_RESPONDER.exists():
        raise BenchError("bench/build/c_responder missing: run sh bench/setup.sh")
    py = sys.executable
    bare = [py, "-c", "pass"]
    cases: dict[str, tuple[list[str], str, list[str], float]] = {
        "`import modemu.client`": ([py, "-c", "import modemu.client"], "python -c pass", bare, 80),
        "`modemu --help`": ([py, "-m", "modemu", "--help"], "python -c pass", bare, 80),
    }
    figures = {
        name: (Figure(name, "ms"), Figure(yard, "ms")) for name, (_, yard, _, _) in cases.items()
    }
    serve_name = "`modemu serve --pty` spawn to first `OK`"
    serve = (Figure(serve_name, "ms"), Figure("C responder", "ms"))
    cold_name = f"{serve_name}, no bytecode cache"
    cold = (Figure(cold_name, "ms"), Figure("C responder", "ms"))
    with workdir() as where:
        installed = _source_copy(where, compiled=True)
        source = _source_copy(where, compiled=False)
        serve_argv = [py, "-m", "modemu", "serve", "--pty", str(where / "m"), "--state-dir", "none"]
        c_argv = [str(C_RESPONDER)]
        for rep in range(repeats):
            for name, (argv, _yard, yard_argv, _goal) in cases.items():
                mine, yard = figures[name]
                order = [(mine, argv), (yard, yard_argv)]
                for fig, cmd in order if rep % 2 == 0 else reversed(order):
                    fig.runs.append(_wall_ms(cmd, installed))
            for pair, src in ((serve, installed), (cold, source)):
                order2 = [
                    (pair[0], serve_argv, lambda line: line.split()[0]),
                    (pair[1], c_argv, str.strip),
                ]
                for fig, cmd, path_of in order2 if rep % 2 == 0 else reversed(order2):
                    fig.runs.append(_first_ok_ms(cmd, path_of, src))
            log(
                "  startup "
                + " ".join(f"{m.runs[-1]:.0f}/{y.runs[-1]:.0f}" for m, y in figures.values())
                + f" serve {serve[0].runs[-1]:.0f} ms, uncached {cold[0].runs[-1]:.0f} ms"
                + f" (C {serve[1].runs[-1]:.0f})"
            )
    rows = []
    goals: dict[str, float | None] = {name: goal for name, (_, _, _, goal) in cases.items()}
    goals[serve_name] = 150
    goals[cold_name] = None  # shown for what it costs; users run compiled bytecode
    for name, (mine, yard) in [*figures.items(), (serve_name, serve), (cold_name, cold)]:
        goal = goals[name]
        rows.append(
            {
                "name": name,
                "modemu": mine.as_dict(),
                "yardstick_name": yard.name,
                "yardstick": yard.as_dict(),
                **paired(mine, yard, higher_is_better=False),
                **({"target": f"<= {goal:g} ms", "met": mine.median <= goal} if goal else {}),
            }
        )
    result = {"repeats": repeats, "rows": rows}
    write_results("startup", result)
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run()
