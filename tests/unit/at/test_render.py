"""Framing of the module's output under ATV1 / ATV0 (spec §1.3, §1.4, §1.6)."""

from __future__ import annotations

import pytest

from modemu.at import render
from modemu.at.codes import CME_ERROR_TEXT, QI_ERROR_TEXT, Cme, QiError, Result


@pytest.mark.parametrize(
    ("lines", "verbose", "expected"),
    [
        (["+CSQ: 28,99"], True, b"\r\n+CSQ: 28,99\r\n"),
        (["+CSQ: 28,99"], False, b"+CSQ: 28,99\r\n"),
        (["Quectel", "EC200TCN", "Rev"], True, b"\r\nQuectel\r\nEC200TCN\r\nRev\r\n"),
        (["Quectel", "EC200TCN"], False, b"Quectel\r\nEC200TCN\r\n"),
        ([b"raw\xff"], True, b"\r\nraw\xff\r\n"),
        ([], True, b""),
        ([], False, b""),
    ],
)
def test_info(lines: list[str | bytes], verbose: bool, expected: bytes) -> None:
    assert render.info(lines, verbose) == expected


@pytest.mark.parametrize(
    ("code", "v1", "v0"),
    [
        (Result.OK, b"\r\nOK\r\n", b"0\r"),
        (Result.CONNECT, b"\r\nCONNECT\r\n", b"1\r"),
        (Result.RING, b"\r\nRING\r\n", b"2\r"),
        (Result.NO_CARRIER, b"\r\nNO CARRIER\r\n", b"3\r"),
        (Result.ERROR, b"\r\nERROR\r\n", b"4\r"),
        (Result.NO_DIALTONE, b"\r\nNO DIALTONE\r\n", b"6\r"),
        (Result.BUSY, b"\r\nBUSY\r\n", b"7\r"),
        (Result.NO_ANSWER, b"\r\nNO ANSWER\r\n", b"8\r"),
    ],
)
def test_result(code: Result, v1: bytes, v0: bytes) -> None:
    assert render.result(code, verbose=True) == v1
    assert render.result(code, verbose=False) == v0


@pytest.mark.parametrize(
    ("text", "verbose", "expected"),
    [
        ("+CME ERROR: 10", True, b"\r\n+CME ERROR: 10\r\n"),
        ("+CME ERROR: 10", False, b"+CME ERROR: 10\r\n"),
        ("SEND OK", True, b"\r\nSEND OK\r\n"),
        ("SEND OK", False, b"SEND OK\r\n"),
    ],
)
def test_text_result(text: str, verbose: bool, expected: bytes) -> None:
    assert render.text_result(text, verbose) == expected


@pytest.mark.parametrize(
    ("text", "verbose", "expected"),
    [
        ("RDY", True, b"\r\nRDY\r\n"),
        ("RDY", False, b"RDY\r\n"),
        (b'+QIURC: "recv",0', True, b'\r\n+QIURC: "recv",0\r\n'),
    ],
)
def test_urc(text: str | bytes, verbose: bool, expected: bytes) -> None:
    assert render.urc(text, verbose) == expected


def test_error_tables_are_complete_and_lower_case() -> None:
    assert set(QI_ERROR_TEXT) == {0, *range(550, 575)}
    assert all(text == text.lower() for text in QI_ERROR_TEXT.values())
    assert {int(e) for e in QiError} == set(QI_ERROR_TEXT)
    assert QiError.INVALID_PARAMS.text == "invalid parameters"
    assert {int(c) for c in Cme} == set(CME_ERROR_TEXT)
    assert Cme.SIM_NOT_INSERTED.text == "SIM not inserted"
