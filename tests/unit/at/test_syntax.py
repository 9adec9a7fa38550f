"""Table-driven tests for modemu.at.syntax (spec §1.1, §1.8)."""

from __future__ import annotations

import pytest

from modemu.at.syntax import (
    Arg,
    AtSyntaxError,
    CommandCall,
    Form,
    format_args,
    parse_command_line,
    parse_info_line,
    quote,
    split_args,
)

EXEC, READ, TEST, SET = Form.EXEC, Form.READ, Form.TEST, Form.SET


def q(text: str) -> Arg:
    return Arg(text, quoted=True)


def a(text: str) -> Arg:
    return Arg(text)


PARSE_OK = [
    # body after "AT"                      expected calls
    ("", []),
    (";;", []),
    ("E0", [CommandCall("E", SET, (a("0"),))]),
    ("E", [CommandCall("E", EXEC)]),
    ("e1", [CommandCall("E", SET, (a("1"),))]),
    ("E?", [CommandCall("E", READ)]),
    # basic commands concatenate without separators
    ("E0V1", [CommandCall("E", SET, (a("0"),)), CommandCall("V", SET, (a("1"),))]),
    (
        "E0V1Q0",
        [
            CommandCall("E", SET, (a("0"),)),
            CommandCall("V", SET, (a("1"),)),
            CommandCall("Q", SET, (a("0"),)),
        ],
    ),
    ("&D2&C1", [CommandCall("&D", SET, (a("2"),)), CommandCall("&C", SET, (a("1"),))]),
    ("&V", [CommandCall("&V", EXEC)]),
    ("&f", [CommandCall("&F", EXEC)]),
    ("I", [CommandCall("I", EXEC)]),
    ("Z", [CommandCall("Z", EXEC)]),
    ("D*99#", [CommandCall("D", SET, (a("*99#"),))]),
    # S-registers: number normalised, = with or without value, ?
    ("S3=13", [CommandCall("S3", SET, (a("13"),))]),
    ("s03?", [CommandCall("S3", READ)]),
    ("S0=", [CommandCall("S0", SET, (a(""),))]),
    ("S3=10E0", [CommandCall("S3", SET, (a("10"),)), CommandCall("E", SET, (a("0"),))]),
    # extended commands: the four forms, ';' separated, case-folded names
    ("+CSQ", [CommandCall("+CSQ", EXEC)]),
    ("+csq", [CommandCall("+CSQ", EXEC)]),
    ("+CREG?", [CommandCall("+CREG", READ)]),
    ("+CREG=?", [CommandCall("+CREG", TEST)]),
    ("+CREG=2", [CommandCall("+CREG", SET, (a("2"),))]),
    ("+CSQ;", [CommandCall("+CSQ", EXEC)]),
    ("+CSQ;+CREG?", [CommandCall("+CSQ", EXEC), CommandCall("+CREG", READ)]),
    ("E0;+CSQ", [CommandCall("E", SET, (a("0"),)), CommandCall("+CSQ", EXEC)]),
    ("E0;;V1", [CommandCall("E", SET, (a("0"),)), CommandCall("V", SET, (a("1"),))]),
    ("+X=", [CommandCall("+X", SET, (a(""),))]),
    ("+X=1,,2", [CommandCall("+X", SET, (a("1"), a(""), a("2")))]),
    ("$QCPWD=1", [CommandCall("$QCPWD", SET, (a("1"),))]),
    # quoted strings keep case, and ';' / ',' inside quotes do not split
    ('+QICSGP=1,1,"CMnet"', [CommandCall("+QICSGP", SET, (a("1"), a("1"), q("CMnet")))]),
    (
        '+QICSGP=1,1,"a;b,c";+CSQ',
        [CommandCall("+QICSGP", SET, (a("1"), a("1"), q("a;b,c"))), CommandCall("+CSQ", EXEC)],
    ),
    ('+X=""', [CommandCall("+X", SET, (q(""),))]),
    # lenient spaces (spec §1.8): around commas and names; kept inside quotes only
    (
        '+QICSGP=1,1,"UNINET", "user", "pass",1',
        [CommandCall("+QICSGP", SET, (a("1"), a("1"), q("UNINET"), q("user"), q("pass"), a("1")))],
    ),
    (" + CSQ ; + CREG ? ", [CommandCall("+CSQ", EXEC), CommandCall("+CREG", READ)]),
    ('+X= "a b" , 2', [CommandCall("+X", SET, (q("a b"), a("2")))]),
    ("E 1", [CommandCall("E", SET, (a("1"),))]),
    # unquoted strings (spec §1.8); a space inside one is dropped
    ("+QPING=1,www.baidu.com", [CommandCall("+QPING", SET, (a("1"), a("www.baidu.com")))]),
    ("+QIDNSCFG=1,8.8.8.8", [CommandCall("+QIDNSCFG", SET, (a("1"), a("8.8.8.8")))]),
    ("+X=a b", [CommandCall("+X", SET, (a("ab"),))]),
]


@pytest.mark.parametrize(("body", "expected"), PARSE_OK)
def test_parse_command_line(body: str, expected: list[CommandCall]) -> None:
    assert parse_command_line(body) == expected


PARSE_ERRORS = [
    "+",  # no name
    "+;",
    "+CSQ+CREG",  # extended commands need ';'
    "+CSQ?x",
    "+CSQ=?1",
    "1",
    "!",
    "E0!",
    "&",
    "&1",
    "S3",  # S-register needs ? or =
    '"',
    '+X="a',  # unterminated
    '+X="a"b',
    '+X=a"b"',
    '+X="a""b"',
    '+X="a",b"',
]


@pytest.mark.parametrize("body", PARSE_ERRORS)
def test_parse_errors(body: str) -> None:
    with pytest.raises(AtSyntaxError):
        parse_command_line(body)


def test_arg_omitted() -> None:
    assert a("").omitted
    assert not q("").omitted
    assert not a("0").omitted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (a(""),)),
        ("1", (a("1"),)),
        ('1, "a,b" ,x', (a("1"), q("a,b"), a("x"))),
        (",", (a(""), a(""))),
        ('"",1', (q(""), a("1"))),
    ],
)
def test_split_args(text: str, expected: tuple[Arg, ...]) -> None:
    assert split_args(text) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("+QIOPEN: 0,565", ("+QIOPEN", (a("0"), a("565")))),
        ('+QIURC: "recv",3', ("+QIURC", (q("recv"), a("3")))),
        ("+cpin: READY", ("+CPIN", (a("READY"),))),
        ("OK", None),
        ("RDY", None),
        ("+", None),
        ("+CSQ 28", None),
        ('+X: "a', None),
    ],
)
def test_parse_info_line(line: str, expected: object) -> None:
    assert parse_info_line(line) == expected


def test_quote_and_format_args() -> None:
    assert quote("CMNET") == '"CMNET"'
    assert format_args(1, "CMNET", None) == '1,"CMNET"'
    assert format_args(1, None, "x") == '1,,"x"'
    assert format_args() == ""
    for bad in ('a"b', "a\rb", "a\nb"):
        with pytest.raises(ValueError, match="cannot send"):
            quote(bad)
