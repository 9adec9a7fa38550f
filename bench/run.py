"""Run every benchmark and print one table: ``python -m bench`` or ``python bench/run.py``.

Each figure is the median of several runs with the min-max range; a goal ratio is the
median of the per-run ratios against a yardstick run alternately in the same benchmark.
Results go to a new folder ``bench/results/runs/<UTC time>/`` (or ``--out DIR``); the
committed record ``bench/results/*.json`` is only rewritten with ``--record``, and
``python -m bench.report`` then regenerates the table in ``docs/performance.md``.
Set up once with ``sh bench/setup.sh`` (socat, the C responder).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import buffered, latency, pacing, report, scale, soak, startup, throughput, writers
from bench.kit import RESULTS_DIR, BenchError, Results, log

ALL = ("throughput", "buffered", "latency", "scale", "startup", "pacing")
EVIDENCE = ("writers",)
"""Benchmarks without a goal, run only when named in ``--only``: they back a design choice
documented in docs/performance.md and have no row in its table."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        default=",".join(ALL),
        help=f"comma-separated subset; also {', '.join(EVIDENCE)} (evidence without a goal)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer and smaller runs")
    parser.add_argument(
        "--soak-gib",
        type=float,
        default=0.0,
        help="also run the long transparent soak (GiB each way, e.g. 1)",
    )
    parser.add_argument("--no-uvloop", action="store_true", help="serve modemu on asyncio's loop")
    parser.add_argument(
        "--scale-counts",
        default="100,1000",
        help="module counts for the scale benchmark (e.g. 4000; the kernel caps ptys at 4096)",
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for the result files")
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"also write the committed record {RESULTS_DIR.name}/*.json",
    )
    args = parser.parse_args(argv)
    if args.out is not None:
        Results.folder = args.out
    Results.record = args.record
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    extra = ("--no-uvloop",) if args.no_uvloop else ()
    repeats = 3 if args.quick else 5
    results: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    try:
        for name in chosen:
            log(f"== {name}")
            if name == "throughput":
                results[name] = throughput.run(16 if args.quick else 32, repeats, extra)
            elif name == "buffered":
                results[name] = buffered.run(4 if args.quick else 8, repeats, extra)
            elif name == "latency":
                results[name] = latency.run(1000 if args.quick else 2000, repeats, extra)
            elif name == "scale":
                results[name] = scale.run(
                    counts=tuple(int(n) for n in args.scale_counts.split(",")),
                    seconds=4 if args.quick else 8,
                    repeats=1 if args.quick else 3,
                )
            elif name == "startup":
                results[name] = startup.run(5 if args.quick else 10)
            elif name == "pacing":
                results[name] = pacing.run(repeats=1 if args.quick else 2)
            elif name == "writers":
                results[name] = writers.run(16 if args.quick else 64, repeats)
            elif name == "soak":
                results[name] = soak.run(args.soak_gib or 1.0, extra)
            else:
                parser.error(f"unknown benchmark {name!r}")
        if args.soak_gib and "soak" not in chosen:
            log("== soak")
            results["soak"] = soak.run(args.soak_gib, extra)
    except (BenchError, TimeoutError) as exc:
        log(f"benchmark failed: {exc}")
        return 1
    print(report.render({k: v for k, v in results.items() if k not in EVIDENCE}))
    if "writers" in results:
        print("\npty writer styles, net->host, paired with socat:")
        print(writers.table(results["writers"]))
    print(f"\n({time.monotonic() - started:.0f} s; JSON in {Results.folder})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
