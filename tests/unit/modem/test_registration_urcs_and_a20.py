"""Registration URCs on AT+CFUN changes, and the spec A20 '+CME ERROR: <55x>' option."""

from __future__ import annotations

import pytest

from modemu.modem.engine import ModemEngine
from modemu.modem.profile import Profile
from modemu.net.fake import FakeNet


def engine(profile: Profile | None = None) -> ModemEngine:
    m = ModemEngine(profile or Profile(), FakeNet(), now=0.0)
    m.handle_timer(0.0)
    m.data_to_send()
    m.receive_data(b"ATE0\r", 0.0)
    assert m.data_to_send() == b"ATE0\r\r\nOK\r\n"
    return m


def send(m: ModemEngine, line: bytes) -> bytes:
    m.receive_data(line, 1.0)
    return m.data_to_send()


def test_cfun_changes_raise_registration_urcs_after_the_ok() -> None:
    m = engine()
    assert send(m, b"AT+CREG=1;+CEREG=2\r") == b"\r\nOK\r\n"
    assert send(m, b"AT+CFUN=4\r") == b"\r\nOK\r\n\r\n+CREG: 0\r\n\r\n+CEREG: 0\r\n"
    assert send(m, b"AT+CFUN=4\r") == b"\r\nOK\r\n"  # no change, no URC
    assert send(m, b"AT+CFUN=1\r") == (
        b'\r\nOK\r\n\r\n+CREG: 1\r\n\r\n+CEREG: 1,"1A2B","0C3D4E5",7\r\n'
    )


def test_no_registration_urcs_while_reporting_is_off() -> None:
    m = engine()
    assert send(m, b"AT+CFUN=0\r") == b"\r\nOK\r\n"


@pytest.mark.parametrize(
    ("cmee", "answer"),
    [
        (b"0", b"\r\nERROR\r\n"),
        (b"1", b"\r\n+CME ERROR: 552\r\n"),
        (b"2", b"\r\n+CME ERROR: invalid parameters\r\n"),
    ],
)
def test_a20_option_reports_qi_failures_as_cme(cmee: bytes, answer: bytes) -> None:
    m = engine(Profile(qi_errors_as_cme=True))
    send(m, b"AT+CMEE=" + cmee + b"\r")
    assert send(m, b"AT+QIRD=12\r") == answer
    assert send(m, b"AT+QIGETERROR\r") == b"\r\n+QIGETERROR: 552,invalid parameters\r\n\r\nOK\r\n"


def test_qi_failures_stay_plain_error_by_default() -> None:
    m = engine()
    assert send(m, b"AT+CMEE=2\r") == b"\r\nOK\r\n"
    assert send(m, b"AT+QIACT=1;+QIACT=1\r") == b"\r\nERROR\r\n"
