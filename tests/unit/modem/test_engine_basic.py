"""Bytes in, bytes out: V.250 basics, framing, echo, ATV0/ATQ1, CMEE, concatenation, A/
(spec §1, §13, §16). Explicit clock, FakeNet, no event loop."""

from __future__ import annotations

import pytest

from modemu.net.base import Opened

from .harness import ERROR, OK, Modem, info

Script = list[tuple[str, bytes]]


def run_script(modem: Modem, script: Script) -> None:
    for line, expected in script:
        assert modem.cmd(line) == expected, line


# ---------------------------------------------------------------------------------------
# Echo (spec §1.2)

ECHO_TABLE = [
    # raw input, exact output, factory settings (ATE1)
    (b"AT\r", b"AT\r" + OK),
    (b"at\r", b"at\r" + OK),
    (b"AT+CGMI\r", b"AT+CGMI\r\r\nQuectel\r\n" + OK),
    (b"ATE0\r", b"ATE0\r" + OK),  # the line that turns echo off is still echoed
    (b"\x1a+++AT\r", b"AT\r" + OK),  # bytes before AT: dropped, not echoed
    (b"\r\n\r\nAT\r\n", b"AT\r" + OK),  # blank lines and LF ignored (spec §16)
    (b"AT+FOO\r", b"AT+FOO\r" + ERROR),
    (b"AAT\r", b"AAT\r" + OK),  # an A not followed by T is abandoned
    (b"AxAT\r", b"AAT\r" + OK),
    (b"A\r", b"A"),
    (b"AT/\r", b"AT/\r" + ERROR),
    (b"ATE0\x08\x081\r", b"ATE0\x08\x081\r" + ERROR),  # edited to AT1
    (b"AT\x08\x08AT\r", b"AT\x08\x08AT\r" + OK),
    (b"AT\tE\n1\r", b"ATE1\r" + OK),  # TAB and LF dropped, not echoed
    (b"ATI\r", b"ATI\r\r\nQuectel\r\nEC200TCN\r\nRevision: EC200TCNDAR01A01M1G\r\n" + OK),
]


@pytest.mark.parametrize(("data", "expected"), ECHO_TABLE)
def test_echo_on(modem_echo: Modem, data: bytes, expected: bytes) -> None:
    assert modem_echo.send(data) == expected


def test_echo_off_then_on(modem_echo: Modem) -> None:
    m = modem_echo
    assert m.send(b"ATE0\r") == b"ATE0\r" + OK
    assert m.send(b"AT\r") == OK
    assert m.send(b"ATE1\r") == OK  # typed while echo was off
    assert m.send(b"AT\r") == b"AT\r" + OK
    assert m.send(b"ATE\r") == b"ATE\r" + OK  # ATE alone means E0 (V.250)
    assert m.send(b"AT\r") == OK


def test_echo_of_a_partial_line_comes_as_typed(modem_echo: Modem) -> None:
    m = modem_echo
    assert m.send(b"A") == b"A"
    assert m.send(b"T+C") == b"T+C"
    assert m.send(b"SQ") == b"SQ"
    assert m.send(b"\r") == b"\r\r\n+CSQ: 28,99\r\n" + OK


# ---------------------------------------------------------------------------------------
# Scripts with echo off: each step is (command typed + CR, exact answer)

SCRIPTS: dict[str, Script] = {
    "at": [("AT", OK), ("at", OK), ("aT", OK)],
    "unknown command": [
        ("AT+FOO", ERROR),
        ("AT+CPROT=?", ERROR),
        ("ATB", ERROR),
        ("AT$FOO?", ERROR),
        ("ATS99?", ERROR),
        ("AT", OK),
    ],
    "syntax errors": [
        ("AT+CSQ?x", ERROR),
        ('AT+QICSGP=1,1,"x', ERROR),
        ("AT+", ERROR),
        ("AT1", ERROR),
        ("AT+CSQ+CREG?", ERROR),
        ("AT", OK),
    ],
    "verbose off": [
        ("ATV0", b"0\r"),
        ("AT", b"0\r"),
        ("AT+FOO", b"4\r"),
        ("AT+CSQ", b"+CSQ: 28,99\r\n0\r"),
        ("ATI", b"Quectel\r\nEC200TCN\r\nRevision: EC200TCNDAR01A01M1G\r\n0\r"),
        ("AT+CPIN=1234", b"+CME ERROR: 3\r\n"),  # V0 form: no leading CRLF
        ("AT+QIACT=99", b"4\r"),
        ("ATV1", OK),
        ("AT", OK),
    ],
    "ATV alone is V0": [("ATV", b"0\r"), ("ATV1", OK)],
    "quiet": [
        ("ATQ1", b""),
        ("AT", b""),
        ("AT+FOO", b""),
        ("AT+CSQ", b"\r\n+CSQ: 28,99\r\n"),  # information text unaffected (spec §1.5)
        ("AT+CPIN=1234", b""),  # +CME ERROR is a final result: suppressed too
        ("AT+CMEE=2", b""),
        ("AT+CPIN=1234", b""),
        ("ATQ0", OK),  # quiet is off again by the time the result is written
        ("AT", OK),
    ],
    "quiet with V0": [("ATQ1V0", b""), ("AT+CSQ", b"+CSQ: 28,99\r\n"), ("ATQ0", b"0\r")],
    "CMEE": [
        ("AT+CMEE?", info("+CMEE: 1")),
        ("AT+CMEE=?", info("+CMEE: (0-2)")),
        ("AT+CPIN=1234", b"\r\n+CME ERROR: 3\r\n"),
        ("AT+CMEE=2", OK),
        ("AT+CMEE?", info("+CMEE: 2")),
        ("AT+CPIN=1234", b"\r\n+CME ERROR: operation not allowed\r\n"),
        ("AT+CMEE=3", b"\r\n+CME ERROR: incorrect parameters\r\n"),
        ("AT+CMEE=0", OK),
        ("AT+CPIN=1234", ERROR),
        ("AT+CMEE=3", ERROR),
        ("AT+CMEE=1", OK),
        ("AT+CMEE=3", b"\r\n+CME ERROR: 50\r\n"),
        ("AT+CMEE", OK),  # exec form: back to 0
        ("AT+CMEE?", info("+CMEE: 0")),
    ],
    "undeclared form of a 3GPP command is plain ERROR, not +CME ERROR": [
        ("AT+CSQ?", ERROR),
        ("AT+CGMI?", ERROR),
        ("AT+CPIN", ERROR),
        ("AT+CMEE=2", OK),
        ("AT+CSQ?", ERROR),
        ("AT+CSQ=1", ERROR),
    ],
    "bad parameters of a 3GPP command follow CMEE": [
        ("AT+CREG=3", b"\r\n+CME ERROR: 50\r\n"),
        ("AT+CREG=x", b"\r\n+CME ERROR: 50\r\n"),
        ('AT+CREG="1"', b"\r\n+CME ERROR: 50\r\n"),
        ("AT+CREG=1,2", b"\r\n+CME ERROR: 50\r\n"),
        ("AT+CSQ=?", info("+CSQ: (0-31,99),(0-7,99)")),
    ],
    "concatenation": [
        ("ATE0V1Q0", OK),
        ("AT+CSQ;+CGMI", b"\r\n+CSQ: 28,99\r\n\r\nQuectel\r\n" + OK),
        ("AT+CSQ;+CGMI;", b"\r\n+CSQ: 28,99\r\n\r\nQuectel\r\n" + OK),
        ("ATV0;+CSQ", b"+CSQ: 28,99\r\n0\r"),
        ("ATV1", OK),
        # stop at the first error: nothing after it runs
        ("AT+CSQ;+FOO;+CGMI", b"\r\n+CSQ: 28,99\r\n" + ERROR),
        ("AT+CGMI;+CMEE=9;+CSQ", b"\r\nQuectel\r\n\r\n+CME ERROR: 50\r\n"),
        ("ATV0;+FOO;V1", b"4\r"),
        ("AT", b"0\r"),
        ("ATV1", OK),
        ("AT+CSQ;+CPIN=1;+CGMI", b"\r\n+CSQ: 28,99\r\n\r\n+CME ERROR: 3\r\n"),
        ("AT+QIACT=0;+CSQ", ERROR),
    ],
    "A/ repeats the previous line": [
        ("AT+CSQ;+CGMI", b"\r\n+CSQ: 28,99\r\n\r\nQuectel\r\n" + OK),
    ],
    "S-registers": [
        ("ATS3?", info("013")),
        ("ATS4?", info("010")),
        ("ATS5?", info("008")),
        ("ATS0=5", OK),
        ("ATS0?", info("005")),
        ("ATS0=256", ERROR),
        ("ATS3=128", ERROR),
        ("ATS6=1", ERROR),
        ("ATS7=0", ERROR),
        ("ATS10=255", ERROR),
        ("ATS0=", ERROR),
        ("ATS3", ERROR),
        ("ATS3=?", ERROR),
        ("ATS03?", info("013")),
    ],
    "AT&V": [
        (
            "AT&V",
            info(
                "&C: 1",
                "&D: 2",
                "&F: 0",
                "&W: 0",
                "E: 0",
                "Q: 0",
                "V: 1",
                "X: 4",
                "Z: 0",
                "S0: 0",
                "S3: 13",
                "S4: 10",
                "S5: 8",
                "S6: 2",
                "S7: 0",
                "S8: 2",
                "S10: 15",
            ),
        ),
        ("AT&D0&C0", OK),
        (
            "AT&V",
            info(
                "&C: 0",
                "&D: 0",
                "&F: 0",
                "&W: 0",
                "E: 0",
                "Q: 0",
                "V: 1",
                "X: 4",
                "Z: 0",
                "S0: 0",
                "S3: 13",
                "S4: 10",
                "S5: 8",
                "S6: 2",
                "S7: 0",
                "S8: 2",
                "S10: 15",
            ),
        ),
        ("AT&D3", ERROR),
        ("AT&C2", ERROR),
        ("AT&V?", ERROR),
        ("AT&V1", ERROR),
    ],
    "accepted basics": [
        ("ATH", OK),
        ("ATH0", OK),
        ("AT&W", OK),
        ("AT&W0", OK),
        ("ATX4", OK),
        ("ATX5", ERROR),
        ("ATH2", ERROR),
        ("ATI0", info("Quectel", "EC200TCN", "Revision: EC200TCNDAR01A01M1G")),
        ("ATI1", ERROR),
        ("ATE2", ERROR),
        ("ATQ2", ERROR),
        ("ATE?", ERROR),
    ],
    "AT&F and ATZ restore factory settings but keep IPR": [
        ("AT+IPR=9600", OK),
        ("ATV0Q0&D0", b"0\r"),
        ("AT+CMEE=2", b"0\r"),
        ("AT&F", OK),
        ("AT", b"AT\r" + OK),  # echo back on
        ("AT+CMEE?", b"AT+CMEE?\r" + info("+CMEE: 1")),
        ("AT+IPR?", b"AT+IPR?\r" + info("+IPR: 9600")),
        ("ATE0", b"ATE0\r" + OK),
        (
            "AT&V",
            info(
                "&C: 1",
                "&D: 2",
                "&F: 0",
                "&W: 0",
                "E: 0",
                "Q: 0",
                "V: 1",
                "X: 4",
                "Z: 0",
                "S0: 0",
                "S3: 13",
                "S4: 10",
                "S5: 8",
                "S6: 2",
                "S7: 0",
                "S8: 2",
                "S10: 15",
            ),
        ),
        ("AT+CTZR=2;+CTZU=1;S0=9", OK),
        ("ATZ", OK),
        ("AT", b"AT\r" + OK),
        (
            "AT+CTZR?;+CTZU?;S0?",
            b"AT+CTZR?;+CTZU?;S0?\r" + b"\r\n+CTZR: 0\r\n\r\n+CTZU: 0\r\n" + info("000"),
        ),
        ("ATZ1", b"ATZ1\r" + ERROR),
    ],
    "IPR and IFC": [
        ("AT+IPR?", info("+IPR: 115200")),
        ("AT+IPR=?", info("+IPR: (0,4800,9600,19200,38400,57600,115200,230400,460800,921600)")),
        ("AT+IPR=921600", OK),
        ("AT+IPR?", info("+IPR: 921600")),
        ("AT+IPR=1234", b"\r\n+CME ERROR: 50\r\n"),
        ("AT+IPR", ERROR),
        ("AT+IFC?", info("+IFC: 0,0")),
        ("AT+IFC=?", info("+IFC: (0,2),(0,2)")),
        ("AT+IFC=2,2", OK),
        ("AT+IFC?", info("+IFC: 2,2")),
        ("AT+IFC=0", OK),
        ("AT+IFC?", info("+IFC: 0,0")),
        ("AT+IFC=1,1", b"\r\n+CME ERROR: 50\r\n"),
    ],
    "QURCCFG and CSCS": [
        ("AT+QURCCFG=?", info('+QURCCFG: "urcport",("usbat","usbmodem","uart1")')),
        ('AT+QURCCFG="urcport"', info('+QURCCFG: "urcport","usbat"')),
        ('AT+QURCCFG="URCPORT","uart1"', OK),
        ('AT+QURCCFG="urcport"', info('+QURCCFG: "urcport","uart1"')),
        ('AT+QURCCFG="urcport","usb"', b"\r\n+CME ERROR: 50\r\n"),
        ('AT+QURCCFG="other"', b"\r\n+CME ERROR: 50\r\n"),
        ("AT+QURCCFG?", ERROR),
        ("AT+CSCS?", info('+CSCS: "GSM"')),
        ("AT+CSCS=?", info('+CSCS: ("GSM","IRA","UCS2")')),
        ('AT+CSCS="IRA"', OK),
        ("AT+CSCS?", info('+CSCS: "IRA"')),
        ('AT+CSCS="UTF8"', b"\r\n+CME ERROR: 50\r\n"),
    ],
    "lenient arguments (spec §1.8)": [
        ("AT+CMEE = 2", OK),
        ("AT + CMEE ?", info("+CMEE: 2")),
        ("at+cmee=1", OK),
        ('AT+QURCCFG= "urcport" , uart1', OK),
        ('AT+QURCCFG="urcport"', info('+QURCCFG: "urcport","uart1"')),
    ],
}


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_script(modem: Modem, name: str) -> None:
    run_script(modem, SCRIPTS[name])


# ---------------------------------------------------------------------------------------
# A/ (spec §13)


def test_repeat_last_line(modem_echo: Modem) -> None:
    m = modem_echo
    assert m.send(b"AT+CSQ;+CGMI\r") == b"AT+CSQ;+CGMI\r\r\n+CSQ: 28,99\r\n\r\nQuectel\r\n" + OK
    # A/ needs no CR; it is echoed and answered at once
    assert m.send(b"A/") == b"A/\r\n+CSQ: 28,99\r\n\r\nQuectel\r\n" + OK
    assert m.send(b"a/") == b"a/\r\n+CSQ: 28,99\r\n\r\nQuectel\r\n" + OK
    # a failing line is repeated as well
    assert m.send(b"AT+FOO\r") == b"AT+FOO\r" + ERROR
    assert m.send(b"A/") == b"A/" + ERROR
    assert m.send(b"ATE0\r") == b"ATE0\r" + OK
    assert m.send(b"A/") == OK
    assert m.send(b"ATE1\r") == OK
    assert m.send(b"A/") == b"A/" + OK  # repeats ATE1


def test_repeat_before_any_line_is_a_bare_at(modem: Modem) -> None:
    assert modem.send(b"A/") == OK


# ---------------------------------------------------------------------------------------
# S3 / S5 changes take effect for the next line


def test_s3_change(modem: Modem) -> None:
    assert modem.cmd("ATS3=10") == OK
    # LF now ends a line; framing of answers stays CR LF
    assert modem.send(b"AT+CSQ\n") == b"\r\n+CSQ: 28,99\r\n" + OK
    # CR is now a control byte: it abandons the line silently
    assert modem.send(b"AT\r") == b""
    assert modem.send(b"AT\n") == OK
    assert modem.send(b"ATS3?\n") == info("010")
    assert modem.send(b"ATS3=13\n") == OK
    assert modem.send(b"AT\r") == OK
    # S4 is stored, shown, and does not change the framing either
    assert modem.cmd("ATS4=65") == OK
    assert modem.cmd("ATS4?") == info("065")
    assert modem.cmd("AT+CSQ") == b"\r\n+CSQ: 28,99\r\n" + OK


def test_s5_change(modem_echo: Modem) -> None:
    m = modem_echo
    assert m.send(b"ATS5=127\r") == b"ATS5=127\r" + OK
    assert m.send(b"ATX\x7f\r") == b"ATX\x7f\r" + OK
    assert m.send(b"ATS5?\r") == b"ATS5?\r" + info("127")
    assert m.send(b"AT&F\r") == b"AT&F\r" + OK  # factory S5 = 8 again
    assert m.send(b"ATX\x08\r") == b"ATX\x08\r" + OK


# ---------------------------------------------------------------------------------------
# ATQ1 suppresses OK/ERROR/+CME ERROR but not text finals such as SEND OK


def test_quiet_keeps_send_ok(modem: Modem) -> None:
    m = modem
    assert m.cmd("AT+QIACT=1") == OK
    assert m.cmd('AT+QIOPEN=1,0,"TCP","1.2.3.4",80,0,0') == OK
    m.engine.handle_net(Opened(0, ("10.7.157.1", 5000), ("1.2.3.4", 80)), m.now)
    assert m.take() == b"\r\n+QIOPEN: 0,0\r\n"
    assert m.cmd("ATQ1") == b""
    assert m.send(b"AT+QISEND=0,5\r\n") == b"\r\n>"
    assert m.send(b"hello") == b"hello\r\nSEND OK\r\n"
    assert m.cmd("ATV0") == b""
    assert m.send(b"AT+QISEND=0,2\r\n") == b"\r\n>"
    assert m.send(b"hi") == b"hiSEND OK\r\n"  # V0 text final: no leading CRLF
    assert m.cmd("AT+QIACT=99") == b""  # ERROR suppressed
    assert m.cmd("ATQ0") == b"0\r"
