"""Scenarios on the engine clock: every trigger, the trace notes, determinism, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from modemu.control.ops import OPERATIONS
from modemu.control.scenario import load_scenario
from modemu.errors import ControlError
from modemu.net.base import Opened, Received
from modemu.testing.faultbench import OK
from modemu.testing.faultbench import FaultBench as Bench

REPO = Path(__file__).resolve().parents[3]


def test_time_trigger_runs_on_the_engine_clock() -> None:
    b = Bench()
    assert b.cmd("AT+CREG=1") == OK
    b.scenario(
        [
            {"at": 20.0, "fault": "deregister"},
            {"at": 40.0, "fault": "register"},
        ]
    )
    assert b.advance(19.9) == b""
    assert b.advance(0.2) == b"\r\n+CREG: 2\r\n"
    assert b.advance(20) == b"\r\n+CREG: 1\r\n"
    triggers = [fields["trigger"] for event, fields in b.notes if event == "scenario-trigger"]
    assert triggers == ["at=20.0", "at=40.0"]


def test_command_trigger_fires_once_the_nth_matching_line_is_handled() -> None:
    """Reboot mid-upload: the second QISEND gets its prompt, then the module resets."""
    b = Bench()
    b.activate()
    b.open_tcp(0)
    b.scenario([{"after_command": "AT+QISEND=0,*", "count": 2, "fault": "reboot"}])
    assert b.send(b"AT+QISEND=0,1\r\n") == b"\r\n>"
    assert b.send(b"x") == b"x\r\nSEND OK\r\n"
    assert b.send(b"AT+QISEND=0,1\r\n") == b"\r\n>"
    assert b.engine.mode.value == "off"
    assert b.send(b"x") == b""  # the payload falls into a dead module
    assert b.advance(1).startswith(b"\r\nRDY\r\n")
    assert b.fake.sent(0) == b"x"


def test_mode_trigger_pdp_lost_during_transparent_mode() -> None:
    b = Bench()
    b.activate()
    b.scenario([{"on_mode": "transparent", "delay": 1.0, "fault": "pdp-deact"}])
    assert b.send(b'AT+QIOPEN=1,0,"TCP","127.0.0.1",80,0,2\r\n') == b""
    assert b.event(Opened(0, ("10.0.0.2", 4000), ("127.0.0.1", 80))) == b"\r\nCONNECT\r\n"
    assert b.advance(0.9) == b""
    assert b.advance(0.2) == b'\r\nNO CARRIER\r\n\r\n+QIURC: "pdpdeact",1\r\n'


def test_byte_trigger_resets_the_peer_after_n_received() -> None:
    b = Bench()
    b.activate()
    b.open_tcp(0)
    b.scenario([{"when_received": 10, "socket": 0, "fault": "peer-reset", "args": {"id": 0}}])
    assert b.event(Received(0, b"12345")) == b'\r\n+QIURC: "recv",0\r\n'
    assert b.event(Received(0, b"67890")) == b'\r\n+QIURC: "closed",0\r\n'


def test_failed_step_is_recorded_not_raised() -> None:
    b = Bench()
    runner = b.scenario([{"at": 1.0, "fault": "pdp-deact", "args": {"cid": 3}}])
    assert b.advance(2) == b""
    assert runner.errors == ["step 1 (pdp-deact): context 3 is not active"]
    assert runner.describe()["steps"][0]["fired"] is True


def test_same_seed_same_bytes_to_the_host() -> None:
    def run(seed: int) -> list[bytes]:
        b = Bench()
        b.scenario(
            {
                "version": 1,
                "seed": seed,
                "steps": [{"at": 0, "fault": "chunk", "args": {"size": 5}}],
            }
        )
        pieces: list[bytes] = []
        b.line._write = pieces.append  # type: ignore[method-assign]
        b.cmd("ATI")
        b.advance(1)
        return pieces

    assert run(3) == run(3)
    assert run(3) != run(4)
    assert b"".join(run(3)) == b"".join(run(4))


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"fault": "reboot"}], "step 1: give exactly one trigger"),
        ([{"at": 1, "after_command": "AT", "fault": "reboot"}], "exactly one trigger"),
        ([{"at": 1, "fault": "explode"}], "step 1: unknown operation 'explode'"),
        ([{"at": 1, "fault": "status"}], "'status' is not a fault"),
        ([{"at": 1, "fault": "pdp-deact", "args": {"cid": 99}}], r"cid=99: out of range"),
        ([{"at": -1, "fault": "reboot"}], "at must be at least 0"),
        ([{"on_mode": "sleepy", "fault": "reboot"}], "on_mode must be one of"),
        ([{"at": 1, "fault": "reboot", "when": 3}], "unknown key 'when'"),
    ],
)
def test_bad_steps_are_refused_with_the_step_number(steps: list[object], message: str) -> None:
    with pytest.raises(ControlError, match=message):
        load_scenario(steps, OPERATIONS)


def test_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("version = 2\n[[steps]]\nat = 1\nfault = 'reboot'\n")
    with pytest.raises(ControlError, match="version = 1 is required"):
        load_scenario(path, OPERATIONS)
    path.write_text("version = 1\n[[steps]\n")
    with pytest.raises(ControlError, match="not valid TOML"):
        load_scenario(path, OPERATIONS)


def test_shipped_scenarios_load() -> None:
    shipped = sorted((REPO / "examples" / "scenarios").glob("*.toml"))
    assert len(shipped) >= 12
    for path in shipped:
        assert load_scenario(path, OPERATIONS).steps
