"""The benchmark's bookkeeping: paired ratios, where results go, and the generated table.

Nothing here times anything; these tests check that the numbers the project publishes are
computed the way docs/performance.md says and come from the committed result files.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import kit, minibridge, report, writers  # noqa: E402


def test_ratio_is_the_median_of_per_run_ratios() -> None:
    mine = kit.Figure("mine", "us", [10.0, 40.0, 30.0])
    yard = kit.Figure("yard", "us", [10.0, 10.0, 30.0])
    ratio = kit.paired(mine, yard, higher_is_better=False)
    assert ratio["ratios"] == [1.0, 4.0, 1.0]
    assert ratio["ratio_median"] == 1.0
    assert ratio["ratio_of_medians"] == pytest.approx(30.0 / 10.0)
    assert (ratio["ratio_min"], ratio["ratio_max"]) == (1.0, 4.0)


def test_results_go_to_a_run_folder_not_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "record"
    record.mkdir()
    monkeypatch.setattr(kit, "RESULTS_DIR", record)
    monkeypatch.setattr(kit.Results, "folder", tmp_path / "runs" / "now")
    monkeypatch.setattr(kit.Results, "record", False)
    written = kit.write_results("latency", {"rows": []})
    assert written == tmp_path / "runs" / "now" / "latency.json"
    assert json.loads(written.read_text())["benchmark"] == "latency"
    assert not (record / "latency.json").exists()
    monkeypatch.setattr(kit.Results, "record", True)
    kit.write_results("latency", {"rows": []})
    assert (record / "latency.json").exists()


def test_performance_doc_is_generated_from_the_committed_results() -> None:
    doc = report.DOC.read_text()
    assert report.regenerate(doc, report.RECORD) == doc, (
        "docs/performance.md differs from bench/results/*.json: run python -m bench.report"
    )


def test_every_committed_result_is_in_the_doc() -> None:
    results = report.load(report.RECORD)
    assert results, "no committed results"
    table = report.render(results)
    for name, payload in results.items():
        assert f"`{name}` {payload['when']}" in table


def test_splice_refuses_a_doc_without_markers() -> None:
    with pytest.raises(ValueError):
        report.splice("no markers here", "| table |")


def test_a_fleet_that_cannot_fit_under_the_pty_cap_fails_saying_why(tmp_path: Path) -> None:
    from bench import scale  # noqa: PLC0415 - imports modemu's pty transport

    nr, cap = tmp_path / "nr", tmp_path / "max"
    nr.write_text("4000\n")
    cap.write_text("4096\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scale, "PTY_NR", nr)
        patch.setattr(scale, "PTY_MAX", cap)
        scale.wait_for_ptys(96, timeout=0)  # fits exactly
        with pytest.raises(kit.BenchError, match=r"4000 of the kernel's 4096 still in use"):
            scale.wait_for_ptys(97, timeout=0)


def test_a_fleet_server_that_dies_reports_its_stderr(tmp_path: Path) -> None:
    import subprocess  # noqa: PLC0415

    from bench import scale  # noqa: PLC0415

    err = tmp_path / "stderr.txt"
    with err.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.exit('pty: No space left on device')"],
            stderr=sink,
        )
    error = scale._failed_start("c_responder", proc, err)
    assert "c_responder did not start (exit 1): pty: No space left on device" in str(error)


def test_cpu_time_is_counted_per_thread_in_nanoseconds() -> None:
    """Over one transfer a clock tick is 10-20 % of a bridge's CPU per MiB, so the
    throughput benchmark reads each thread's nanoseconds: a few ms of work in a thread that
    is still alive shows up exactly, not rounded to ticks."""
    done = threading.Event()
    finish = threading.Event()

    def busy() -> None:
        end = time.thread_time() + 0.004
        while time.thread_time() < end:
            pass
        done.set()
        finish.wait(5)

    before = kit.CpuReading.of(os.getpid())
    worker = threading.Thread(target=busy)
    worker.start()
    assert done.wait(5)
    spent = kit.CpuReading.of(os.getpid()).since(before)
    finish.set()
    worker.join(5)
    assert 0.004 <= spent < 1.0
    assert spent * 100 % 1 != 0  # not a whole number of 10 ms ticks


def test_cpu_time_falls_back_to_ticks_when_a_thread_ended_in_between() -> None:
    start = kit.CpuReading({1: 0, 2: 0}, ticks=1.00)
    # thread 2 ended: its time is only in the process's tick count
    assert kit.CpuReading({1: 10_000_000}, ticks=1.30).since(start) == pytest.approx(0.30)
    # a thread born and ended in between: ticks exceed the threads' sum by far
    assert kit.CpuReading({1: 10_000_000, 2: 0}, ticks=1.50).since(start) == pytest.approx(0.50)
    # every thread still there: their nanoseconds, not the ticks
    assert kit.CpuReading({1: 12_345_678, 2: 0}, ticks=1.01).since(start) == pytest.approx(
        0.012345678
    )


@pytest.mark.parametrize("style", minibridge.STYLES)
def test_each_minibridge_style_carries_the_bytes_whole(style: str, tmp_path: Path) -> None:
    """The ``writers`` evidence compares bridges that must all be correct: every style
    carries 1 MiB from a loopback peer to the pty unchanged, and ends when the peer closes."""
    payload = os.urandom(1 << 20)
    srv = kit.listener()
    port = srv.getsockname()[1]
    try:
        with writers._minibridge(tmp_path, style, port) as (path, _pid):
            host = kit.Host(path)
            peer = kit.accept(srv)
            try:
                kit.move([kit.Flow(peer.fileno(), host.fd, payload)], timeout=30)
            finally:
                peer.close()
                host.close()
    finally:
        srv.close()
