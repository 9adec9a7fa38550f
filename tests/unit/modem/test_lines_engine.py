"""The hardware-line rules on the sans-IO engine (docs/hardware-lines.md): DTR with &D,
RTS/CTS with +IFC, RI pulses for URCs, DCD with &C, the host's presence, PWRKEY/RESET,
STATUS and NETLIGHT. Explicit clock, FakeNet, no event loop."""

from __future__ import annotations

import pytest

from modemu.control.ops import run_operation
from modemu.control.target import FaultTarget
from modemu.errors import ControlError
from modemu.modem.commands.power import press_pwrkey, press_reset
from modemu.modem.engine import CTS_OFF_AT, HELD_OUTPUT_LIMIT
from modemu.modem.faults import inject_urc
from modemu.modem.lines import Netlight, ri_category
from modemu.modem.modes import PortMode
from modemu.modem.profile import Profile
from modemu.net.base import Closed, Received

from .harness import BOOT_READY
from .test_sockets_engine import Harness


@pytest.fixture
def h() -> Harness:
    return Harness()


def line(h: Harness, name: str, value: bool | int) -> bytes:
    h.now += 0.01
    h.engine.set_host_line(name, value, h.now)
    return h.engine.data_to_send()


# -- DTR ---------------------------------------------------------------------------------


def test_dtr_drop_with_d1_leaves_transparent_mode_keeping_the_socket(h: Harness) -> None:
    assert h.send(b"AT&D1\r") == b"\r\nOK\r\n"
    h.open_tcp(0, mode=2)
    h.send(b"typed")  # waits for transwaittm; DTR sends it on the way out
    assert line(h, "dtr", False) == b"\r\nOK\r\n"
    assert h.engine.mode is PortMode.COMMAND
    assert h.net.sent(0) == b"typed"
    assert h.send(b"AT+QISTATE=1,0\r").split(b",")[8] == b"0"  # buffer mode, still open
    assert h.event(Received(0, b"later")) == b'\r\n+QIURC: "recv",0\r\n'
    assert h.send(b"ATO\r\n") == b"\r\nCONNECT\r\nlater"


def test_dtr_drop_with_d2_hangs_up(h: Harness) -> None:
    h.open_tcp(0, mode=2)  # &D2 is the factory setting
    assert line(h, "dtr", False) == b"\r\nNO CARRIER\r\n"
    assert h.engine.mode is PortMode.COMMAND
    assert h.net.calls_to("close")[-1][0] == 0
    assert h.event(Closed(0)) == b""  # closed silently: the host hung up
    assert h.send(b"AT+QISTATE=1,0\r") == b"\r\nOK\r\n"
    assert h.send(b"ATO\r\n") == b"\r\nNO CARRIER\r\n"


def test_dtr_drop_with_d0_is_ignored(h: Harness) -> None:
    h.send(b"AT&D0\r")
    h.open_tcp(0, mode=2)
    assert line(h, "dtr", False) == b""
    assert h.engine.mode is PortMode.TRANSPARENT
    assert h.event(Received(0, b"raw")) == b"raw"


def test_dtr_drop_outside_transparent_mode_does_nothing(h: Harness) -> None:
    h.send(b"AT&D1\r")
    h.open_tcp(0, mode=1)
    assert line(h, "dtr", False) == b""
    assert line(h, "dtr", True) == b""
    assert h.event(Received(0, b"hi")) == b'\r\n+QIURC: "recv",0,2\r\nhi\r\n'
    assert h.send(b"AT+QISEND=0,2\r\n").startswith(b"\r\n>")
    assert line(h, "dtr", False) == b""  # data entry carries on
    assert h.send(b"ok").endswith(b"\r\nSEND OK\r\n")


def test_dtr_rising_edge_and_a_still_low_dtr_do_nothing(h: Harness) -> None:
    h.send(b"AT&D1\r")
    line(h, "dtr", False)
    h.open_tcp(0, mode=2)
    assert line(h, "dtr", False) == b""  # no edge
    assert line(h, "dtr", True) == b""
    assert line(h, "dtr", False) == b"\r\nOK\r\n"


# -- RTS / CTS ---------------------------------------------------------------------------


def test_rts_off_holds_output_with_ifc_2_2_and_releases_it_in_order(h: Harness) -> None:
    assert h.send(b"AT+IFC=2,2\r") == b"\r\nOK\r\n"
    assert line(h, "rts", False) == b""
    assert h.send(b"AT+CSQ\r") == b""
    assert h.send(b"AT\r") == b""
    assert not h.engine.host_writable
    assert line(h, "rts", True) == b"\r\n+CSQ: 28,99\r\n\r\nOK\r\n\r\nOK\r\n"
    assert h.engine.host_writable


def test_rts_is_ignored_without_flow_control(h: Harness) -> None:
    line(h, "rts", False)
    assert h.send(b"AT\r") == b"\r\nOK\r\n"
    assert h.send(b"AT+IFC=2,2\r") == b""  # the OK itself is now held
    assert line(h, "rts", True) == b"\r\nOK\r\n"


def test_rts_off_pauses_a_push_socket_and_resumes_it(h: Harness) -> None:
    h.send(b"AT+IFC=2,2\r")
    h.open_tcp(0, mode=1)
    line(h, "rts", False)
    assert h.event(Received(0, b"abc")) == b""
    assert h.net.calls_to("pause_reading") == [(0,)]
    assert line(h, "rts", True) == b'\r\n+QIURC: "recv",0,3\r\nabc\r\n'
    assert h.net.calls_to("resume_reading") == [(0,)]


def test_held_output_beyond_the_limit_pauses_host_input(h: Harness) -> None:
    h.send(b"AT+IFC=2,2\r")
    h.open_tcp(0, mode=2)
    line(h, "rts", False)
    h.event(Received(0, b"x" * HELD_OUTPUT_LIMIT))
    assert not h.engine.wants_input
    assert h.engine.data_to_send() == b""
    assert len(line(h, "rts", True)) == HELD_OUTPUT_LIMIT
    assert h.engine.wants_input


def test_cts_follows_the_modules_input_room_only_with_ifc_x_2(h: Harness) -> None:
    assert h.engine.module_lines(h.now).cts
    h.send(b"AT+IFC=2,2\r")
    h.open_tcp(0, mode=0)
    h.send(b"AT+QICLOSE=0\r")  # busy until the close completes: input is held
    h.send(b"A" * (CTS_OFF_AT - 100))
    assert h.engine.module_lines(h.now).cts
    h.send(b"A" * 100)  # nearly full: CTS drops while the module still reads
    assert h.engine.wants_input
    assert not h.engine.module_lines(h.now).cts
    h.send(b"A" * 70_000)
    assert not h.engine.wants_input
    assert not h.engine.module_lines(h.now).cts
    h.send(b"AT+IFC=0,0\r")  # typed while busy: held, so flow control is still on
    h.event(Closed(0))
    assert h.engine.module_lines(h.now).cts


# -- RI ----------------------------------------------------------------------------------


def test_a_urc_pulses_ri_for_120_ms(h: Harness) -> None:
    h.advance(1.0)
    h.open_tcp(0)  # the +QIOPEN URC
    start = h.now
    lines = h.engine.lines
    assert h.engine.module_lines(start).ri
    assert lines.next_change(start) == pytest.approx(start + 0.12)
    assert h.engine.module_lines(start + 0.119).ri
    assert not h.engine.module_lines(start + 0.121).ri
    assert lines.next_change(start + 0.121) is None


def test_urcs_held_in_transparent_mode_pulse_ri_when_shown(h: Harness) -> None:
    h.open_tcp(1)
    h.open_tcp(0, mode=2)
    h.advance(1.0)
    pulses = h.engine.lines.ri_pulses
    h.event(Received(1, b"x"))
    assert h.engine.lines.ri_pulses == pulses
    h.advance(1.1)
    h.send(b"+++")
    h.advance(1.1)
    assert h.engine.lines.ri_pulses == pulses + 1


def test_ri_follows_the_qcfg_settings_off_always_and_pulse_trains(h: Harness) -> None:
    lines = h.engine.lines
    assert h.send(b'AT+QCFG="urc/ri/other","off"\r') == b"\r\nOK\r\n"
    h.advance(1.0)
    h.open_tcp(0)
    assert not lines.ri_at(h.now)
    assert h.send(b'AT+QCFG="urc/ri/other","pulse",500,2\r') == b"\r\nOK\r\n"
    h.open_tcp(1)
    start = h.now
    levels = [lines.ri_at(start + t) for t in (0.0, 0.49, 0.51, 0.99, 1.01, 1.49, 1.51)]
    assert levels == [True, True, False, False, True, True, False]
    assert lines.next_change(start + 0.2) == pytest.approx(start + 0.5)
    assert lines.next_change(start + 1.6) is None
    h.send(b'AT+QCFG="urc/ri/smsincoming","always"\r')
    inject_urc(h.engine, '+CMTI: "SM",1')
    assert lines.ri_at(h.now + 100.0)
    assert lines.next_change(h.now) is None
    assert h.send(b"AT+QRIR\r").endswith(b"\r\nOK\r\n")
    assert not lines.ri_at(h.now)


@pytest.mark.parametrize(
    ("urc", "category"),
    [("RING", "ring"), ('+CMTI: "SM",1', "smsincoming"), ('+QIURC: "recv",0', "other")],
)
def test_ri_categories(urc: str, category: str) -> None:
    assert ri_category(urc) == category


# -- DCD, DSR, presence --------------------------------------------------------------------


def test_dcd_follows_and_c(h: Harness) -> None:
    assert not h.engine.module_lines(h.now).dcd  # &C1: off in command mode
    h.open_tcp(0, mode=2)
    assert h.engine.module_lines(h.now).dcd
    h.advance(1.1)
    h.send(b"+++")
    h.advance(1.1)
    assert not h.engine.module_lines(h.now).dcd
    h.send(b"AT&C0\r")
    assert h.engine.module_lines(h.now).dcd


def test_no_host_present_holds_output_whatever_the_flow_control(h: Harness) -> None:
    h.open_tcp(0, mode=1)
    line(h, "present", False)
    assert h.event(Received(0, b"while away")) == b""
    assert h.net.calls_to("pause_reading") == [(0,)]
    assert line(h, "present", True) == b'\r\n+QIURC: "recv",0,10\r\nwhile away\r\n'


# -- power lines ---------------------------------------------------------------------------


def test_pwrkey_press_length_decides() -> None:
    h = Harness()
    eng = h.engine
    assert press_pwrkey(eng, 600, h.now).startswith("ignored")  # 650 ms needed to power off
    assert press_pwrkey(eng, 700, h.now) == "powered down"
    assert eng.data_to_send() == b"\r\nPOWERED DOWN\r\n"
    assert not eng.powered and not eng.module_lines(h.now).status
    assert h.advance(30) == b""  # no automatic restart after a PWRKEY power-off
    assert press_pwrkey(eng, 400, h.now).startswith("ignored")  # 500 ms needed to power on
    assert press_pwrkey(eng, 500, h.now) == "powering on"
    assert h.advance(0) == BOOT_READY
    assert eng.module_lines(h.now).status


def test_reset_restarts_after_the_boot_delay() -> None:
    h = Harness()
    h.engine.profile = Profile(boot_delay=2.0)
    assert press_reset(h.engine, 100, h.now).startswith("ignored")
    assert press_reset(h.engine, 200, h.now) == "resetting"
    assert h.engine.data_to_send() == b""
    assert h.advance(1.9) == b""
    assert h.advance(0.2) == BOOT_READY
    assert h.send(b"AT+QIACT?\r") == b"AT+QIACT?\r\r\nOK\r\n"  # echo on again, no context


def test_netlight_pattern_by_registration_and_data() -> None:
    h = Harness()
    assert h.engine.module_lines(h.now).netlight is Netlight.DATA  # context 1 active
    h.send(b"AT+QIDEACT=1\r")
    assert h.engine.module_lines(h.now).netlight is Netlight.IDLE
    h.send(b"AT+CFUN=4\r")
    assert h.engine.module_lines(h.now).netlight is Netlight.SEARCHING
    assert Netlight.SEARCHING.level(0.1) and not Netlight.SEARCHING.level(0.3)
    assert Netlight.IDLE.level(1.7) and not Netlight.IDLE.level(1.9)
    assert not Netlight.OFF.level(0.0)


# -- the control operations ------------------------------------------------------------------


def test_pwrkey_and_reset_operations_and_line_readings_in_status() -> None:
    h = Harness()
    clock = [h.now]
    target = FaultTarget(h.engine, clock=lambda: clock[0])
    lines = run_operation(target, "status", {})["lines"]
    assert lines["status"] and lines["dsr"] and lines["cts"] and not lines["dcd"]
    assert lines["netlight"] == "data" and lines["dtr"] and lines["host_attached"]
    assert run_operation(target, "pwrkey", {"ms": 800}) == {"result": "powered down"}
    assert h.engine.data_to_send() == b"\r\nPOWERED DOWN\r\n"
    lines = run_operation(target, "status", {})["lines"]
    assert not lines["status"] and lines["netlight"] == "off" and not lines["dsr"]
    assert run_operation(target, "reset", {})["result"] == "ignored (module is off)"
    clock[0] = h.now = 10.0
    assert run_operation(target, "pwrkey", {"ms": 600}) == {"result": "powering on"}
    assert h.advance(0) == BOOT_READY
    with pytest.raises(ControlError, match="ms"):
        run_operation(target, "pwrkey", {})
