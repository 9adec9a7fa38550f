"""The control protocol: JSON lines over a Unix socket, one reply per request.

Request (one line of UTF-8 JSON)::

    {"op": "pdp-deact", "args": {"cid": 1}, "id": 7}

``args`` may be omitted; ``id`` is optional and echoed back. Reply (one line)::

    {"ok": true, "result": ..., "id": 7}
    {"ok": false, "error": "pdp-deact: cid=0: out of range (1..15)", "id": 7}

A request line longer than :data:`MAX_LINE` bytes, bad JSON or a request that is not an
object gets an error reply; the connection stays usable. A refused request changed nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from modemu.errors import ControlError

__all__ = ["MAX_LINE", "Dispatch", "answer", "encode_request", "parse_reply"]

log = logging.getLogger(__name__)

MAX_LINE = 65536
Dispatch = Callable[[str, dict[str, Any]], Any]


def answer(line: bytes, dispatch: Dispatch) -> bytes:
    """The reply line (with newline) for one request line."""
    request_id: Any = None
    try:
        try:
            request = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ControlError(f"request is not valid JSON: {exc}") from None
        if not isinstance(request, dict):
            raise ControlError('request must be a JSON object like {"op": "status"}')
        request_id = request.get("id")
        op = request.get("op")
        args = request.get("args", {})
        if not isinstance(op, str):
            raise ControlError('request needs "op": the operation name')
        if not isinstance(args, dict):
            raise ControlError('"args" must be an object of named arguments')
        reply: dict[str, Any] = {"ok": True, "result": dispatch(op, args)}
    except ControlError as exc:
        reply = {"ok": False, "error": str(exc)}
    except Exception as exc:  # a bug must not take the control socket down with it
        log.exception("control request failed: %r", line[:200])
        reply = {"ok": False, "error": f"internal error: {type(exc).__name__}: {exc}"}
    if request_id is not None:
        reply["id"] = request_id
    return json.dumps(reply, separators=(",", ":")).encode() + b"\n"


def encode_request(op: str, args: dict[str, Any], request_id: int | None = None) -> bytes:
    request: dict[str, Any] = {"op": op, "args": args}
    if request_id is not None:
        request["id"] = request_id
    return json.dumps(request, separators=(",", ":")).encode() + b"\n"


def parse_reply(line: bytes) -> Any:
    """The result of a reply line, or :class:`ControlError` with the module's message."""
    try:
        reply = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ControlError(f"control reply is not valid JSON: {exc}") from None
    if not isinstance(reply, dict) or "ok" not in reply:
        raise ControlError(f"control reply is malformed: {line[:200]!r}")
    if not reply["ok"]:
        raise ControlError(str(reply.get("error", "refused")))
    return reply.get("result")
