"""Run every benchmark and print one table: ``python -m bench`` or ``python bench/run.py``.

Each figure is the median of several runs with the min-max range; ratios compare against a
yardstick run alternately in the same benchmark. Results go to ``bench/results/*.json``.
Set up once with ``sh bench/setup.sh`` (socat, the C responder).

Options: ``--only throughput,buffered,latency,scale,soak``, ``--quick`` (fewer, smaller runs),
``--soak-gib N`` (the long transparent soak, off by default), ``--no-uvloop``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import buffered, latency, scale, soak, throughput
from bench.kit import BenchError, log

ALL = ("throughput", "buffered", "latency", "scale")


def _range(fig: dict[str, Any], fmt: str = "{:.1f}") -> str:
    return f"{fmt.format(fig['median'])} ({fmt.format(fig['min'])}-{fmt.format(fig['max'])})"


def _met(flag: bool | None) -> str:
    return "-" if flag is None else ("met" if flag else "MISSED")


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"{'benchmark':34} {'modemu median (min-max)':28} {'yardstick':22} {'ratio':18} target"
    ]
    lines.append("-" * len(lines[0]))
    if "throughput" in results:
        for row in results["throughput"]["rows"]:
            ratio = f"{row['ratio_median']:.2f}x ({row['ratio_min']:.2f}-{row['ratio_max']:.2f})"
            lines.append(
                f"{'transparent ' + row['direction'] + ' MiB/s':34} {_range(row['modemu']):28} "
                f"{'socat ' + _range(row['socat']):22} {ratio:18} {_met(row['met'])}"
            )
    if "buffered" in results:
        for row in results["buffered"]["rows"]:
            lines.append(
                f"{row['name'] + ' MiB/s':34} {_range(row):28} {'':22} {'':18} {_met(row['met'])}"
            )
    if "latency" in results:
        for row in results["latency"]["rows"]:
            ratio = f"{row['ratio_median']:.2f}x ({row['ratio_min']:.2f}-{row['ratio_max']:.2f})"
            lines.append(
                f"{row['command'] + ' p50 us':34} {_range(row['modemu_p50']):28} "
                f"{'C ' + _range(row['c_p50']):22} {ratio:18} {_met(row['met'])}"
            )
            lines.append(
                f"{row['command'] + ' p99 us':34} {_range(row['modemu_p99']):28} "
                f"{'C ' + _range(row['c_p99']):22} {'':18} -"
            )
    if "scale" in results:
        for row in results["scale"]["rows"]:
            n = row["count"]
            marks = {
                "p99_us": _met(row.get("met_latency")),
                "user_kib_per_modem": _met(row.get("met_memory")),
            }
            for key, label in (
                ("p50_us", "AT p50 us"),
                ("p99_us", "AT p99 us"),
                ("cpu_fraction", "CPU (cores)"),
                ("user_kib_per_modem", "user KiB/modem"),
                ("kernel_kib_per_modem", "kernel KiB/modem"),
            ):
                fmt = "{:.2f}" if key == "cpu_fraction" else "{:.0f}"
                mark = marks.get(key, "-")
                lines.append(
                    f"{f'scale N={n} {label}':34} {_range(row[key], fmt):28} {'':22} {'':18} {mark}"
                )
    if "soak" in results:
        s = results["soak"]
        lines.append(
            f"{'soak transparent both ways MiB/s':34} {s['mib_per_s']:<28.1f} {'':22} {'':18} "
            f"sha256 ok, {s['gib']} GiB each way"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", default=",".join(ALL), help="comma-separated subset")
    parser.add_argument("--quick", action="store_true", help="fewer and smaller runs")
    parser.add_argument(
        "--soak-gib",
        type=float,
        default=0.0,
        help="also run the long transparent soak (GiB each way, e.g. 1)",
    )
    parser.add_argument("--no-uvloop", action="store_true", help="serve modemu on asyncio's loop")
    args = parser.parse_args(argv)
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
                    seconds=4 if args.quick else 8, repeats=1 if args.quick else 3
                )
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
    print(table(results))
    print(f"\n({time.monotonic() - started:.0f} s; JSON in bench/results/)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
