"""Boot URCs, AT+CFUN (incl. =1,1 reboot), AT+QPOWD, QSCLK (spec §13, §16), driven by an
explicit clock through next_deadline/handle_timer."""

from __future__ import annotations

import pytest

from modemu.modem.profile import Profile

from .harness import BOOT_READY, ERROR, OK, Modem, info

CME50 = b"\r\n+CME ERROR: 50\r\n"


def test_boot_urcs_exact_order() -> None:
    m = Modem(boot=False)
    assert m.engine.next_deadline() == 0.0
    assert m.send(b"AT\r") == b""  # off until the boot timer fires
    assert m.advance(0.0) == BOOT_READY
    assert m.engine.next_deadline() is None
    assert m.send(b"AT\r") == b"AT\r" + OK


def test_boot_delay_from_profile() -> None:
    m = Modem(Profile(boot_delay=3.0), boot=False)
    assert m.engine.next_deadline() == 3.0
    assert m.advance(2.9) == b""
    assert m.send(b"AT\r") == b""
    assert m.advance(0.1) == BOOT_READY


def test_boot_urcs_in_v0_framing_after_power_on_keep_factory_v1() -> None:
    # settings are factory at boot, so the URCs are always verbose-framed
    m = Modem()
    m.cmd("ATV0")
    m.engine.power_off()
    m.engine.power_on(m.now)
    assert m.take() == BOOT_READY


def test_power_on_when_already_on_does_nothing(modem: Modem) -> None:
    modem.engine.power_on(modem.now)
    assert modem.take() == b""
    assert modem.cmd("AT") == OK


def test_cfun_read_set_test(modem: Modem) -> None:
    script = [
        ("AT+CFUN?", info("+CFUN: 1")),
        ("AT+CFUN=?", info("+CFUN: (0,1,4),(0-1)")),
        ("AT+CFUN", OK),
        ("AT+CFUN=0", OK),
        ("AT+CFUN?", info("+CFUN: 0")),
        ("AT+CSQ", info("+CSQ: 99,99")),
        ("AT+CREG?", info("+CREG: 0,0")),
        ("AT+COPS?", info("+COPS: 0")),
        ("AT+CGATT?", info("+CGATT: 0")),
        ("AT+QIACT=1", ERROR),
        ("AT+CFUN=4", OK),
        ("AT+CFUN?", info("+CFUN: 4")),
        ("AT+CFUN=1", OK),
        ("AT+CSQ", info("+CSQ: 28,99")),
        ("AT+QIACT=1", OK),
        ("AT+CFUN=4", OK),
        ("AT+QIACT?", OK),  # radio off drops the contexts
        ("AT+CFUN=2", CME50),
        ("AT+CFUN=6", CME50),
        ("AT+CFUN=1,2", CME50),
        ("AT+CFUN=1,0,0", CME50),
    ]
    for line, expected in script:
        assert modem.cmd(line) == expected, line


def test_cfun_reset_reboots_after_reboot_delay(modem: Modem) -> None:
    m = modem
    m.cmd("ATV1Q0")
    m.cmd("AT+CMEE=2")
    m.cmd("ATS0=3")
    m.cmd('AT+QICSGP=1,1,"CMNET"')
    assert m.cmd("AT+QIACT=1") == OK
    m.now = 10.0
    assert m.cmd("AT+CFUN=1,1") == OK
    assert m.engine.next_deadline() == pytest.approx(10.5)
    assert not m.engine.powered
    # input while rebooting is ignored
    assert m.send(b"AT\r", dt=0.1) == b""
    assert m.advance(0.3) == b""
    assert m.advance(0.1) == BOOT_READY
    assert m.engine.powered
    # settings are factory again (echo on, CMEE 1, S0 0); NV profile kept, context down
    assert m.send(b"AT\r") == b"AT\r" + OK
    assert m.send(b"ATE0\r") == b"ATE0\r" + OK
    assert m.cmd("AT+CMEE?") == info("+CMEE: 1")
    assert m.cmd("ATS0?") == info("000")
    assert m.cmd("AT+QIACT?") == OK
    assert m.cmd("AT+QICSGP=1") == info('+QICSGP: 1,"CMNET","","",0')


def test_cfun_reset_runs_the_rest_of_the_line_first(modem: Modem) -> None:
    assert modem.cmd("AT+CFUN=1,1;+CSQ") == info("+CSQ: 28,99")
    assert modem.advance(1.0) == BOOT_READY


def test_cfun_reset_with_v0_answers_numeric_ok(modem: Modem) -> None:
    modem.cmd("ATV0")
    assert modem.cmd("AT+CFUN=1,1") == b"0\r"
    assert modem.advance(0.5) == BOOT_READY


def test_cfun_reset_delay_from_profile() -> None:
    m = Modem(Profile(reboot_delay=5.0))
    m.cmd("ATE0")
    assert m.cmd("AT+CFUN=1,1") == OK
    assert m.advance(4.99) == b""
    assert m.advance(0.01) == BOOT_READY


def test_qpowd(modem: Modem) -> None:
    m = modem
    m.now = 20.0
    assert m.cmd("AT+QPOWD") == OK + b"\r\nPOWERED DOWN\r\n"
    assert not m.engine.powered
    assert m.engine.next_deadline() == pytest.approx(22.0)
    assert m.send(b"AT\r", dt=1.0) == b""
    assert m.advance(0.9) == b""
    assert m.advance(0.1) == BOOT_READY
    assert m.send(b"AT\r") == b"AT\r" + OK


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("AT+QPOWD=0", OK + b"\r\nPOWERED DOWN\r\n"),
        ("AT+QPOWD=1", OK + b"\r\nPOWERED DOWN\r\n"),
        ("AT+QPOWD=1;+CSQ", info("+CSQ: 28,99") + b"\r\nPOWERED DOWN\r\n"),
    ],
)
def test_qpowd_forms(modem: Modem, line: str, expected: bytes) -> None:
    assert modem.cmd(line) == expected
    assert not modem.engine.powered


@pytest.mark.parametrize(
    ("line", "expected"),
    [("AT+QPOWD=2", CME50), ("AT+QPOWD=?", info("+QPOWD: (0,1)")), ("AT+QPOWD?", ERROR)],
)
def test_qpowd_other_forms_keep_power(modem: Modem, line: str, expected: bytes) -> None:
    assert modem.cmd(line) == expected
    assert modem.engine.powered


def test_qpowd_in_v0() -> None:
    m = Modem()
    m.cmd("ATE0V0")
    assert m.cmd("AT+QPOWD") == b"0\rPOWERED DOWN\r\n"


def test_qpowd_without_repower_stays_off() -> None:
    m = Modem(Profile(repower_delay=0))
    m.cmd("ATE0")
    assert m.cmd("AT+QPOWD") == OK + b"\r\nPOWERED DOWN\r\n"
    assert m.engine.next_deadline() is None
    assert m.advance(3600) == b""
    assert m.send(b"AT\r") == b""
    m.engine.power_on(m.now)  # the power key
    assert m.take() == BOOT_READY
    assert m.send(b"AT\r") == b"AT\r" + OK


@pytest.mark.parametrize("line", [b"AT+CFUN=1,1\r", b"AT+QPOWD\r"])
def test_input_behind_a_power_off_in_the_same_chunk_is_dropped(line: bytes) -> None:
    split, joined = Modem(), Modem()
    for m in (split, joined):
        m.cmd("ATE0")
    split.send(line)
    split.send(b"AT\r")
    joined.send(line + b"AT\r")
    assert joined.advance(10.0) == split.advance(10.0) == BOOT_READY


def test_qsclk(modem: Modem) -> None:
    for line, expected in [
        ("AT+QSCLK?", info("+QSCLK: 0")),
        ("AT+QSCLK=?", info("+QSCLK: (0,1)")),
        ("AT+QSCLK=1", OK),
        ("AT+QSCLK?", info("+QSCLK: 1")),
        ("AT+QSCLK=2", CME50),
    ]:
        assert modem.cmd(line) == expected, line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("AT+CFUN=1,1;+FOO", ERROR),
        ("AT+QPOWD;+FOO", ERROR + b"\r\nPOWERED DOWN\r\n"),
    ],
)
def test_power_action_before_a_failing_command_still_happens(
    modem: Modem, line: str, expected: bytes
) -> None:
    """No rollback on a concatenated line: what ran before the error stays done."""
    assert modem.cmd(line) == expected
    assert not modem.engine.powered
    assert modem.advance(5.0) == BOOT_READY
