"""Credential masking, whole and as a stream cut at every byte."""

from __future__ import annotations

import pytest

from modemu.trace import Redactor, redact_text

CASES = [
    (
        'AT+QICSGP=1,1,"internet","alice","s3cr3t",1\r',
        'AT+QICSGP=1,1,"internet","***","***",1\r',
    ),
    (
        '\r\n+QICSGP: 1,"internet","alice","s3,cr;3t",1\r\n\r\nOK\r\n',
        '\r\n+QICSGP: 1,"internet","***","***",1\r\n\r\nOK\r\n',
    ),
    ('at+qicsgp=1,1,"apn","u","p";+CSQ\r', 'at+qicsgp=1,1,"apn","***","***";+CSQ\r'),
    ('AT+QICSGP=1,1,"apn"\r', 'AT+QICSGP=1,1,"apn"\r'),
    ('AT+QICSGP=1,1,"apn","",""\r', 'AT+QICSGP=1,1,"apn","",""\r'),
    ("AT+CPIN=1234\r", "AT+CPIN=***\r"),
    ('AT+CPIN="12345678","4321"\r', 'AT+CPIN="***","***"\r'),
    ('AT+CGAUTH=1,1,"bob","pw"\r', 'AT+CGAUTH=1,1,"***","***"\r'),
    ('AT+QFTPCFG="account","u","p"\r', 'AT+QFTPCFG="account","***","***"\r'),
    ('AT+QFTPCFG="contextid",1\r', 'AT+QFTPCFG="contextid",1\r'),
    ('AT+QMTCONN=0,"dev","u","p"\r', 'AT+QMTCONN=0,"dev","***","***"\r'),
    ("AT+CSQ\r\r\n+CSQ: 28,99\r\n", "AT+CSQ\r\r\n+CSQ: 28,99\r\n"),
    ("AT+QICSGP=1\r", "AT+QICSGP=1\r"),
    ('AT+QICSGP=1,1,"apn","us', 'AT+QICSGP=1,1,"apn","***'),
]


@pytest.mark.parametrize(("raw", "masked"), CASES)
def test_redact_text(raw: str, masked: str) -> None:
    assert redact_text(raw) == masked


@pytest.mark.parametrize(("raw", "masked"), CASES)
def test_stream_cut_anywhere_gives_the_same_bytes(raw: str, masked: str) -> None:
    data = raw.encode("latin-1")
    for cut in range(len(data) + 1):
        redactor = Redactor()
        out = redactor.feed(data[:cut]) + redactor.feed(data[cut:]) + redactor.flush()
        assert out == masked.encode("latin-1"), cut
    redactor = Redactor()
    pieces = [redactor.feed(data[i : i + 1]) for i in range(len(data))]
    assert b"".join(pieces) + redactor.flush() == masked.encode("latin-1")
    assert b"s3cr3t" not in b"".join(pieces)


def test_innocent_bytes_are_not_held() -> None:
    redactor = Redactor()
    assert redactor.feed(b"hello+world") == b"hello+world"
    assert redactor.feed(b"AT+QI") == b"AT"
    assert redactor.holding
    assert redactor.feed(b"OPEN=1\r") == b"+QIOPEN=1\r"
    assert not redactor.holding
