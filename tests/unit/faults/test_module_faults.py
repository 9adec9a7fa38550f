"""Module and network faults on the engine, explicit clock: bytes in, bytes out."""

from __future__ import annotations

import pytest

from modemu.errors import ControlError
from modemu.modem.modes import PortMode
from modemu.net.base import Received
from modemu.testing.faultbench import OK
from modemu.testing.faultbench import FaultBench as Bench

BOOT = (
    b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n"
    b"\r\n+QIND: PB DONE\r\n\r\n+QIND: SMS DONE\r\n"
)


def test_pdp_deact_reports_urc_and_closes_sockets() -> None:
    b = Bench()
    b.activate()
    assert b.open_tcp(0) == OK + b"\r\n+QIOPEN: 0,0\r\n"
    assert b.fault("pdp-deact", cid=1) == b'\r\n+QIURC: "pdpdeact",1\r\n'
    assert b.fake.calls_to("close")[-1][0] == 0
    assert b.cmd("AT+QIACT?") == OK
    assert b.engine.sockets.slots[0].state.name == "CLOSING"


def test_pdp_deact_of_inactive_context_is_refused_and_changes_nothing() -> None:
    b = Bench()
    with pytest.raises(ControlError, match="context 2 is not active"):
        b.fault("pdp-deact", cid=2)
    with pytest.raises(ControlError, match=r"cid=0: out of range \(1\.\.16\)"):
        b.fault("pdp-deact", cid=0)
    assert b.take() == b""


def test_deregister_and_register_report_per_n_setting() -> None:
    b = Bench()
    assert b.cmd("AT+CREG=1;+CGREG=0;+CEREG=2") == OK
    assert b.fault("deregister") == b"\r\n+CREG: 2\r\n\r\n+CEREG: 2\r\n"
    assert b.cmd("AT+CGATT?") == b"\r\n+CGATT: 0\r\n" + OK
    assert b.cmd("AT+QIACT=2") == b"\r\nERROR\r\n"
    assert b.fault("register") == (b'\r\n+CREG: 1\r\n\r\n+CEREG: 1,"1A2B","0C3D4E5",7\r\n')
    assert b.fault("register", stat=5) == b'\r\n+CREG: 5\r\n\r\n+CEREG: 5,"1A2B","0C3D4E5",7\r\n'


def test_urcs_wait_for_a_running_command_response() -> None:
    """A fault during a data phase does not split it: the URC waits for the answer."""
    b = Bench()
    b.activate()
    b.open_tcp(0)
    assert b.send(b"AT+QISEND=0,3\r\n") == b"\r\n>"
    assert b.fault("urc", text='+QIURC: "custom"') == b""
    assert b.send(b"abc") == b'abc\r\nSEND OK\r\n\r\n+QIURC: "custom"\r\n'


def test_attach_reject_drops_contexts_and_denies() -> None:
    b = Bench()
    b.activate()
    assert b.cmd("AT+CEREG=1") == OK
    assert b.fault("attach-reject") == b'\r\n+QIURC: "pdpdeact",1\r\n\r\n+CEREG: 3\r\n'
    assert b.cmd("AT+QIACT=1") == b"\r\nERROR\r\n"


def test_signal_changes_csq_and_qcsq() -> None:
    b = Bench()
    assert b.fault("signal", rssi=5, ber=2) == b""
    assert b.cmd("AT+CSQ") == b"\r\n+CSQ: 5,2\r\n" + OK
    b.fault("signal", rssi=99)
    assert b.cmd("AT+QCSQ") == b'\r\n+QCSQ: "NOSERVICE"\r\n' + OK
    with pytest.raises(ControlError, match=r"rssi=40: out of range \(0\.\.31 or 99\)"):
        b.fault("signal", rssi=40)


def test_sim_remove_and_insert() -> None:
    b = Bench()
    b.activate()
    assert b.cmd("AT+CREG=1") == OK
    assert b.fault("sim-remove") == (
        b'\r\n+CPIN: NOT READY\r\n\r\n+QIURC: "pdpdeact",1\r\n\r\n+CREG: 0\r\n'
    )
    assert b.cmd("AT+CPIN?") == b"\r\n+CME ERROR: 10\r\n"
    with pytest.raises(ControlError, match="already removed"):
        b.fault("sim-remove")
    assert b.fault("sim-insert") == b"\r\n+CPIN: READY\r\n\r\n+CREG: 1\r\n"


def test_reboot_mid_session_boot_urcs_echo_on_sockets_gone_nv_kept() -> None:
    b = Bench()
    assert b.cmd('AT+QICSGP=1,1,"iot.apn","","",0') == OK
    b.activate()
    b.open_tcp(0)
    assert b.fault("reboot") == b""  # silent until the boot URCs
    assert b.send(b"AT\r") == b""  # typed while off: lost
    assert b.advance(b.engine.profile.reboot_delay) == BOOT
    assert b.cmd("AT") == b"AT\r" + OK  # echo back on
    assert b.cmd("AT+QISTATE?") == b"AT+QISTATE?\r" + OK
    assert b.cmd("AT+QIACT?") == b"AT+QIACT?\r" + OK
    assert b.cmd("AT+QICSGP=1") == b'AT+QICSGP=1\r\r\n+QICSGP: 1,"iot.apn","","",0\r\n' + OK


def test_power_off_with_restart() -> None:
    b = Bench()
    assert b.fault("power-off", restart_after=3) == b""
    assert b.engine.mode is PortMode.OFF
    with pytest.raises(ControlError, match="powered off"):
        b.fault("reboot")
    assert b.advance(2.9) == b""
    assert b.advance(0.2) == BOOT


def test_hang_keeps_input_and_urcs_then_answers() -> None:
    b = Bench()
    b.activate()
    b.open_tcp(0)
    assert b.cmd("AT+CREG=1") == OK
    b.fault("hang", seconds=5)
    assert b.cmd("AT+CSQ") == b""
    assert b.event(Received(0, b"hello")) == b""
    assert b.advance(4.9) == b""
    assert b.advance(0.2) == (b'\r\n+QIURC: "recv",0\r\n\r\n+CSQ: 28,99\r\n' + OK)


def test_hang_dropping_input() -> None:
    b = Bench()
    b.fault("hang", seconds=1, input="drop")
    assert b.cmd("AT+CSQ") == b""
    assert b.advance(1.5) == b""
    assert b.cmd("AT") == OK


def test_reboot_during_hang_ends_it() -> None:
    b = Bench()
    b.fault("hang", seconds=10)
    b.fault("reboot")
    assert b.advance(1) == BOOT
    assert b.cmd("AT") == b"AT\r" + OK
    assert b.advance(10) == b""


def test_peer_reset_and_close() -> None:
    b = Bench()
    b.activate()
    b.open_tcp(0)
    b.open_tcp(1)
    assert b.fault("peer-reset", id=0) == b'\r\n+QIURC: "closed",0\r\n'
    assert b.event(Received(0, b"late")) == b""  # the host socket is muted until closed
    assert b.fault("peer-close", id=1) == b'\r\n+QIURC: "closed",1\r\n'
    with pytest.raises(ControlError, match="socket 2 is not a connected TCP socket"):
        b.fault("peer-reset", id=2)


def test_send_fail_next_n_sends() -> None:
    b = Bench()
    b.activate()
    b.open_tcp(0)
    b.fault("send-fail", count=2)
    for _ in range(2):
        assert b.send(b"AT+QISEND=0,2\r\n") == b"\r\n>"
        assert b.send(b"hi") == b"hi\r\nSEND FAIL\r\n"  # payload echoed, as ever
    assert b.send(b"AT+QISEND=0,2\r\n") == b"\r\n>"
    assert b.send(b"hi") == b"hi\r\nSEND OK\r\n"
    assert b.fake.sent(0) == b"hi"


def test_unknown_fault_and_argument_errors_name_the_problem() -> None:
    b = Bench()
    with pytest.raises(ControlError, match="unknown operation 'explode'"):
        b.fault("explode")
    with pytest.raises(ControlError, match="unknown argument 'cdi'"):
        b.fault("pdp-deact", cdi=1)
    with pytest.raises(ControlError, match="missing argument 'seconds'"):
        b.fault("hang")
    with pytest.raises(ControlError, match="cid=x: expected an integer"):
        b.fault("pdp-deact", cid="x")
    with pytest.raises(ControlError, match="must be one of keep, drop"):
        b.fault("hang", seconds=1, input="maybe")
    with pytest.raises(ControlError, match="without CR/LF"):
        b.fault("urc", text="a\r\nOK")
    assert b.take() == b""
    assert b.engine.mode is PortMode.COMMAND


def test_faults_are_noted_for_the_trace() -> None:
    b = Bench()
    b.fault("signal", rssi=3)
    assert ("fault", {"fault": "signal", "rssi": 3, "ber": 99}) in b.notes


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("echo", b'AT+CSQ\r\r\n+QIURC: "recv",0\r\n\r\n+CSQ: 28,99\r\n' + OK),
        ("final", b"AT+CSQ\r\r\n+CSQ: 28,99\r\n" + OK + b'\r\n+QIURC: "recv",0\r\n'),
    ],
)
def test_urc_race_lands_at_the_worst_moment(when: str, expected: bytes) -> None:
    b = Bench(echo=True)
    assert b.cmd("AT+QIACT=1") == b"AT+QIACT=1\r" + OK
    b.open_tcp(0)
    b.fault("urc-race", when=when)
    assert b.event(Received(0, b"data")) == b""  # held for the host's next line
    assert b.target.engine.urc_race == when
    assert b.cmd("AT+CSQ") == expected
    assert b.target.engine.urc_race is None
    assert b.event(Received(0, b"more")) == b""  # buffer mode: one recv URC until read
    assert b.cmd("AT") == b"AT\r" + OK
