"""Benchmark 5: start-up. How long until a user's command has done its first useful thing.

* ``import modemu.client`` and ``modemu --help`` in a fresh interpreter, paired with a bare
  interpreter (``python -c pass``) started the same way just before or after;
* ``modemu serve --pty`` from spawn to the first ``OK`` on its pty (the host retries ``AT``
  every 2 ms until it is answered), paired with the C responder from spawn to first ``OK``.

Wall-clock times of whole processes, medians of ``repeats`` alternating runs.
"""

from __future__ import annotations

import contextlib
import os
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


def _env() -> dict[str, str]:
    src = str(ROOT / "src")
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{path}" if path else src}


def _wall_ms(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, env=_env(), cwd=ROOT)
    return (time.perf_counter() - start) * 1000


def _first_ok_ms(argv: list[str], path_of: Any) -> float:
    """Spawn ``argv``, read the pty path it prints, and poll ``AT`` until ``OK``."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_env())
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
    with workdir() as where:
        serve_argv = [py, "-m", "modemu", "serve", "--pty", str(where / "m"), "--state-dir", "none"]
        for rep in range(repeats):
            for name, (argv, _yard, yard_argv, _goal) in cases.items():
                mine, yard = figures[name]
                order = [(mine, argv), (yard, yard_argv)]
                for fig, cmd in order if rep % 2 == 0 else reversed(order):
                    fig.runs.append(_wall_ms(cmd))
            order2 = [
                (serve[0], serve_argv, lambda line: line.split()[0]),
                (serve[1], [str(C_RESPONDER)], str.strip),
            ]
            for fig, cmd, path_of in order2 if rep % 2 == 0 else reversed(order2):
                fig.runs.append(_first_ok_ms(cmd, path_of))
            log(
                "  startup "
                + " ".join(f"{m.runs[-1]:.0f}/{y.runs[-1]:.0f}" for m, y in figures.values())
                + f" serve {serve[0].runs[-1]:.0f} ms (C {serve[1].runs[-1]:.0f})"
            )
    rows = []
    goals = {name: goal for name, (_, _, _, goal) in cases.items()}
    goals[serve_name] = 150
    for name, (mine, yard) in [*figures.items(), (serve_name, serve)]:
        rows.append(
            {
                "name": name,
                "modemu": mine.as_dict(),
                "yardstick_name": yard.name,
                "yardstick": yard.as_dict(),
                **paired(mine, yard, higher_is_better=False),
                "target": f"<= {goals[name]} ms",
                "met": mine.median <= goals[name],
            }
        )
    result = {"repeats": repeats, "rows": rows}
    write_results("startup", result)
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run()
