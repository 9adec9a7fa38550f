"""The control protocol's framing and the parameter specs, without a module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modemu.control.ops import OPERATIONS
from modemu.control.protocol import answer, encode_request, parse_reply
from modemu.control.spec import REQUIRED, Operation, OperationTable, Param
from modemu.errors import ControlError


def _dispatch(op: str, args: dict[str, Any]) -> Any:
    if op == "boom":
        raise RuntimeError("bug")
    if op != "echo":
        raise ControlError(f"unknown operation {op!r}")
    return args


def _reply(line: bytes) -> dict[str, Any]:
    out = answer(line, _dispatch)
    assert out.endswith(b"\n") and out.count(b"\n") == 1
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


def test_request_reply_round_trip_echoes_the_id() -> None:
    line = encode_request("echo", {"a": 1}, request_id=7)
    assert _reply(line) == {"ok": True, "result": {"a": 1}, "id": 7}
    assert parse_reply(answer(line, _dispatch)) == {"a": 1}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1,2]", "must be a JSON object"),
        (b'{"args": {}}', 'needs "op"'),
        (b'{"op": "echo", "args": [1]}', '"args" must be an object'),
        (b'{"op": "nope"}', "unknown operation 'nope'"),
        (b'{"op": "boom"}', "internal error: RuntimeError: bug"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_bad_requests_get_one_error_line(line: bytes, message: str) -> None:
    reply = _reply(line)
    assert reply["ok"] is False and message in reply["error"]
    with pytest.raises(ControlError, match=r"."):
        parse_reply(answer(line, _dispatch))


def test_params_convert_text_and_typed_values() -> None:
    assert Param("n", int, low=0, high=5).convert("3") == 3
    assert Param("n", int, low=0, high=5).convert(4) == 4
    assert Param("x", float, low=0, high=1).convert("0.25") == 0.25
    assert Param("b", bool).convert("yes") is True
    assert Param("b", bool).convert(0) is False
    with pytest.raises(ControlError, match=r"n=6: out of range \(0\.\.5\)"):
        Param("n", int, low=0, high=5).convert(6)
    with pytest.raises(ControlError, match=r"n=1\.5: expected an integer"):
        Param("n", int).convert(1.5)
    with pytest.raises(ControlError, match="n=True: expected an integer"):
        Param("n", int).convert(True)
    with pytest.raises(ControlError, match="b=maybe: expected true or false"):
        Param("b", bool).convert("maybe")


def test_operation_table_checks_before_running() -> None:
    ran: list[dict[str, Any]] = []
    table = OperationTable()
    table.add(
        Operation(
            "pwrkey",
            "press the power key",
            lambda target, args: ran.append(args),
            (Param("ms", int, REQUIRED, low=0, high=10000), Param("hold", bool, False)),
        )
    )
    with pytest.raises(ControlError, match="missing argument 'ms'"):
        table.run(None, "pwrkey", {})
    with pytest.raises(ControlError, match="unknown argument 'msec'"):
        table.run(None, "pwrkey", {"ms": 1, "msec": 2})
    assert ran == []
    table.run(None, "pwrkey", {"ms": "800"})
    assert ran == [{"ms": 800, "hold": False}]
    with pytest.raises(ValueError, match="defined twice"):
        table.add(Operation("pwrkey", "again", lambda t, a: None))


def test_docs_describe_every_fault() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "faults.md").read_text()
    missing = [op.name for op in OPERATIONS.faults() if f"`{op.name}`" not in text]
    assert missing == []
