"""The host side of the AT conversation as a sans-IO state machine.

``send_command(line) -> bytes`` and ``send_data(payload) -> bytes`` turn intentions into
bytes; ``receive_data(bytes)`` + ``next_event()`` turn the module's bytes into
:mod:`~modemu.client.events`. No I/O, no clock, no asyncio: the adapters in
:mod:`modemu.client.aio` own the port and the timeouts (a timed-out command is dropped
with :meth:`ClientProtocol.abandon`).

Why the framing is not simply "split on CRLF":

- ``+QIRD`` answers and direct-push URCs carry binary payloads that may contain CRLF, so
  they are read **by length** once their header line has been seen;
- the ``>`` prompt has no trailing CRLF (spec §1.10, A21);
- URCs may arrive between the lines of a response or before a prompt (a real module
  queues them, but not every clone does), so a ``+NAME:`` line only belongs to the pending
  command if the name matches it; ``+QIURC`` lines never do;
- ``+QIURC: "recv",<id>,<len>`` is followed by payload on a direct-push socket but not on
  a buffer-mode socket with ``recvind=1`` — the protocol tracks each socket's access mode
  from the commands it sent (``QIOPEN``, ``QISWTMD``, ``QICLOSE``) and ``incoming`` URCs;
- in transparent mode every byte is payload, except ``\\r\\nNO CARRIER\\r\\n`` (link lost)
  and, after ``+++``, ``\\r\\nOK\\r\\n``.

Assumptions, all factory defaults: verbose results (``ATV1``), ``viewmode`` 0. Command
echo (``ATE1``) and data echo (``AT+QISDE=1``) are recognised and dropped when present.
"""

from __future__ import annotations

import binascii
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from modemu.at import urc as u
from modemu.at.answers import QIRD, AnswerSyntaxError, ReadCounters, parse_read_answer
from modemu.at.limits import CTRL_Z, ESC, ESCAPE_SEQUENCE
from modemu.at.params import AccessMode
from modemu.at.syntax import (
    Arg,
    AtSyntaxError,
    CommandCall,
    Form,
    parse_command_line,
    parse_info_line,
)
from modemu.client.events import (
    Event,
    FinalKind,
    NoCarrier,
    Prompt,
    PushData,
    Response,
    TransparentData,
    Urc,
    final_kind,
)
from modemu.errors import LocalProtocolError, RemoteProtocolError

__all__ = ["ESCAPE_SEQUENCE", "ClientProtocol", "Framing"]

log = logging.getLogger(__name__)

_NO_CARRIER = b"\r\nNO CARRIER\r\n"
_OK = b"\r\nOK\r\n"
_MAX_LINE = 65536

#: Prefixes that arrive unsolicited: the shared vocabulary's, and network reports it does
#: not model (yet). A line with one of these names is information text only when it
#: answers a command of the same name (``AT+CPIN?`` → ``+CPIN: READY``).
URC_NAMES = u.URC_NAMES | {"+CGEV", "+CTZV", "+QNITZ"}
#: Commands whose write form answers a bare ``OK`` and reports through a same-named URC.
_ASYNC_RESULT = frozenset({"+QIOPEN", "+QPING", *u.NtpResult.NAMES})
#: Unsolicited lines without a ``+NAME:`` prefix (``APP RDY``: BG96-class boot).
URC_WORDS = u.URC_WORDS | {"RING", "APP RDY"}


class Framing(Enum):
    """How the client reads the module's bytes right now: as lines and final results, or
    as raw transparent payload. (The module's own, finer view of its port is
    :class:`modemu.modem.modes.PortMode`.)"""

    COMMAND = "command"
    TRANSPARENT = "transparent"


@dataclass
class _Pending:
    """The command awaiting its final result."""

    line: str
    call: CommandCall | None
    wants_prompt: bool
    echo_seen: bool = False
    prompted: bool = False
    data_echo: bytes | None = None
    lines: list[str] = field(default_factory=list)
    data: bytes | None = None

    @property
    def echo(self) -> bytes:
        return self.line.encode("latin-1") + b"\r"


@dataclass(frozen=True)
class _PayloadWait:
    """A header has announced ``count`` payload bytes; ``conn_id`` None means ``+QIRD``."""

    count: int
    conn_id: int | None = None
    remote: tuple[str, int] | None = None


class ClientProtocol:
    """One AT port seen from the host. Not thread-safe; drive it from one thread/loop."""

    def __init__(self, *, data_echo: bool = True, hex_recv: bool = False) -> None:
        self.data_echo = data_echo
        """Whether ``AT+QISDE=1`` is in effect (factory default); the echo is tolerated
        either way, but knowing it is off lets payloads that look like results through."""
        self.hex_recv = hex_recv
        """``AT+QICFG="dataformat",x,1``: payloads arrive as hex digits (spec A11)."""
        self._buf = bytearray()
        self._mode = Framing.COMMAND
        self._pending: _Pending | None = None
        self._payload: _PayloadWait | None = None
        self._escaping = False
        self._held = 0
        self._access_modes: dict[int, AccessMode] = {}
        self._transparent_id: int | None = None
        self._last_transparent_id: int | None = None

    # -- state ----------------------------------------------------------------------------

    @property
    def mode(self) -> Framing:
        return self._mode

    @property
    def busy(self) -> bool:
        """True while a command (or the ``+++`` escape) awaits its final result."""
        return self._pending is not None or self._escaping

    @property
    def transparent_id(self) -> int | None:
        """The socket the port is in transparent mode for, if any."""
        return self._transparent_id

    def access_mode(self, conn_id: int) -> AccessMode:
        """The access mode we believe ``conn_id`` has (buffer unless we saw otherwise)."""
        return self._access_modes.get(conn_id, AccessMode.BUFFER)

    def set_access_mode(self, conn_id: int, mode: AccessMode) -> None:
        """Tell the protocol about a socket it did not see opened (e.g. after a restart)."""
        self._access_modes[conn_id] = AccessMode(mode)

    # -- host → module ----------------------------------------------------------------------

    def send_command(self, line: str) -> bytes:
        """Bytes for one command line (``AT…``); the answer arrives as one :class:`Response`."""
        if self._mode is Framing.TRANSPARENT:
            raise LocalProtocolError("the port is in transparent mode; escape with +++ first")
        if self.busy:
            raise LocalProtocolError("a command is already pending")
        if not line[:2].upper() == "AT" or "\r" in line or "\n" in line:
            raise LocalProtocolError(f"not a single AT command line: {line!r}")
        call = _parse_call(line)
        self._pending = _Pending(line, call, wants_prompt=_wants_prompt(call))
        return line.encode("latin-1") + _terminator(call)

    def send_data(self, payload: bytes, *, terminate: bool = False) -> bytes:
        """Bytes for the payload after a :class:`Prompt`; ``terminate`` appends Ctrl-Z
        (variable-length ``AT+QISEND=<id>``)."""
        pending = self._pending
        if pending is None or not pending.prompted or pending.data_echo is not None:
            raise LocalProtocolError("no '>' prompt is waiting for data")
        pending.data_echo = payload if self.data_echo else b""
        return payload + bytes([CTRL_Z]) if terminate else payload

    def cancel_data(self) -> bytes:
        """ESC: abandon a variable-length data entry (the module answers ``OK``, spec A8)."""
        pending = self._pending
        if pending is None or not pending.prompted:
            raise LocalProtocolError("no '>' prompt is waiting for data")
        pending.data_echo = b""
        return bytes([ESC])

    def send_transparent(self, data: bytes) -> bytes:
        """Payload bytes in transparent mode: sent as they are."""
        if self._mode is not Framing.TRANSPARENT:
            raise LocalProtocolError("the port is not in transparent mode")
        return data

    def send_escape(self) -> bytes:
        """``+++``; the caller keeps 1 s of silence before and after (spec §9). The
        module's ``OK`` arrives as a :class:`Response` for the command ``+++``."""
        self.escape_by_dtr()
        return ESCAPE_SEQUENCE

    def escape_by_dtr(self) -> None:
        """The host is about to drop DTR (``AT&D1``) to leave transparent mode: no bytes,
        no guard times; the module's ``OK`` arrives as for ``+++``."""
        if self._mode is not Framing.TRANSPARENT:
            raise LocalProtocolError("the port is not in transparent mode")
        self._escaping = True

    def abandon(self) -> None:
        """Forget the pending command (its answer timed out); late lines become URCs."""
        self._pending = None
        self._escaping = False

    # -- module → host -------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        self._buf += data

    def next_event(self) -> Event | None:
        """The next complete event, or None when more bytes are needed."""
        while True:
            if self._mode is Framing.TRANSPARENT:
                return self._transparent_event()
            progressed, event = self._command_step()
            if event is not None or not progressed:
                return event

    def flush_transparent(self) -> TransparentData | None:
        """Release transparent bytes held back because they looked like the start of
        ``NO CARRIER``/``OK``; the adapter calls this after a short quiet period."""
        if self._mode is not Framing.TRANSPARENT or not self._held:
            return None
        data = bytes(self._buf)
        self._buf.clear()
        self._held = 0
        return TransparentData(data)

    @property
    def holding(self) -> bool:
        """True if transparent bytes are held back waiting for more (see above)."""
        return self._held > 0

    # -- command mode -----------------------------------------------------------------------

    def _command_step(self) -> tuple[bool, Event | None]:
        """One framing step: (made progress, event or None)."""
        if self._payload is not None:
            return self._payload_step(self._payload)
        pending = self._pending
        if pending is not None and pending.data_echo:
            done = self._skip_data_echo(pending)
            if not done:
                return False, None
        if pending is not None and not pending.echo_seen and self._buf[:1].upper() == b"A":
            echo = pending.echo
            if self._buf.startswith(echo):
                del self._buf[: len(echo)]
                pending.echo_seen = True
                return True, None
            if echo.startswith(self._buf):
                return False, None
        self._skip_blank()
        if pending is not None and self._at_prompt(pending):
            del self._buf[:1]
            pending.prompted = True
            return True, Prompt()
        end = self._buf.find(b"\r\n")
        if end < 0:
            if len(self._buf) > _MAX_LINE:
                self._buf.clear()  # resynchronise on whatever comes next
                raise RemoteProtocolError("no line end in 64 KiB of module output")
            return False, None
        line = self._buf[:end].decode("latin-1").rstrip("\r")
        del self._buf[: end + 2]
        return True, self._line_event(line)

    def _at_prompt(self, pending: _Pending) -> bool:
        return pending.wants_prompt and not pending.prompted and self._buf[:1] == b">"

    def _skip_blank(self) -> None:
        start = 0
        while start < len(self._buf) and self._buf[start] in (0x0D, 0x0A):
            start += 1
        if start:
            del self._buf[:start]

    def _skip_data_echo(self, pending: _Pending) -> bool:
        """Drop the module's echo of the payload (``AT+QISDE=1``); False = need more bytes."""
        echo = pending.data_echo or b""
        if self._buf.startswith(echo):
            del self._buf[: len(echo)]
            pending.data_echo = b""
            return True
        if echo.startswith(self._buf):
            return False
        pending.data_echo = b""  # the module does not echo: it went straight to the result
        return True

    def _payload_step(self, wait: _PayloadWait) -> tuple[bool, Event | None]:
        size = wait.count * 2 if self.hex_recv else wait.count
        if len(self._buf) < size:
            return False, None
        raw = bytes(self._buf[:size])
        del self._buf[:size]
        self._payload = None
        data = binascii.unhexlify(raw) if self.hex_recv else raw
        if wait.conn_id is None:
            if self._pending is not None:
                self._pending.data = data
            return True, None
        return True, PushData(wait.conn_id, data, wait.remote)

    def _line_event(self, line: str) -> Event | None:
        pending = self._pending
        if not line:
            return None
        if pending is not None and not pending.echo_seen and line.upper() == pending.line.upper():
            pending.echo_seen = True
            return None
        kind = final_kind(line)
        if pending is not None and kind is not None:
            return self._finish(pending, line, kind)
        if kind is FinalKind.NO_CARRIER:
            return NoCarrier()
        parsed = parse_info_line(line)
        if pending is not None and self._is_info(pending, line, parsed):
            pending.lines.append(line)
            if parsed is not None and parsed[0] == QIRD:
                self._payload = _qird_payload(parsed[1])
            return None
        return self._urc(line, parsed)

    def _is_info(
        self, pending: _Pending, line: str, parsed: tuple[str, tuple[Arg, ...]] | None
    ) -> bool:
        """Does ``line`` answer the pending command (rather than arrive unsolicited)?"""
        if parsed is None:
            return line not in URC_WORDS
        name = parsed[0]
        if name == "+QIURC":
            return False
        if name not in URC_NAMES:
            return True
        call = pending.call
        if call is None or call.name != name:
            return False
        return not (call.form is Form.SET and name in _ASYNC_RESULT)

    def _urc(self, line: str, parsed: tuple[str, tuple[Arg, ...]] | None) -> Event | None:
        name, args = parsed if parsed is not None else (None, ())
        event = _urc_event(line, name, args)
        urc = Urc(line, name, args, event)
        if isinstance(event, u.Recv):
            wait = self._push_payload(event)
            if wait is not None:
                self._payload = wait
                return None
        elif isinstance(event, u.Incoming):
            self._inherit_mode(event)
        return urc

    def _push_payload(self, recv: u.Recv) -> _PayloadWait | None:
        """A payload follows ``"recv",id,len`` on push sockets and on UDP SERVICE forms."""
        count = recv.length or 0
        pushed = recv.remote is not None or self.access_mode(recv.conn_id) is AccessMode.PUSH
        if count <= 0 or not pushed:
            return None
        return _PayloadWait(count, recv.conn_id, recv.remote)

    def _inherit_mode(self, incoming: u.Incoming) -> None:
        """An accepted client gets its listener's mode when that is buffer or push (A7)."""
        mode = self.access_mode(incoming.server_id)
        inherited = mode if mode is not AccessMode.TRANSPARENT else AccessMode.BUFFER
        self._access_modes[incoming.conn_id] = inherited

    def _finish(self, pending: _Pending, line: str, kind: FinalKind) -> Response:
        self._pending = None
        if kind.success:
            self._apply_effects(pending.call, kind)
        return Response(pending.line, tuple(pending.lines), line, kind, pending.data)

    def _apply_effects(self, call: CommandCall | None, kind: FinalKind) -> None:
        """Track socket access modes and transparent mode from successful commands."""
        if call is None:
            return
        effect = _EFFECTS.get(call.name)
        if effect is not None:
            effect(self, call, kind)
        elif kind is FinalKind.CONNECT:
            self._enter_transparent(None)

    def _after_open(self, call: CommandCall, kind: FinalKind) -> None:
        """``AT+QIOPEN=<cid>,<id>,…[,<access_mode>]``: the socket has that mode."""
        args = [a.text for a in call.args]
        if call.form is not Form.SET or len(args) <= _QIOPEN_ID:
            return
        conn_id = _int_or(args[_QIOPEN_ID], -1)
        mode = args[_QIOPEN_ACCESS_MODE] if len(args) > _QIOPEN_ACCESS_MODE else ""
        self._access_modes[conn_id] = _access_mode(mode)
        if kind is FinalKind.CONNECT:
            self._enter_transparent(conn_id)

    def _after_switch(self, call: CommandCall, kind: FinalKind) -> None:
        """``AT+QISWTMD=<id>,<access_mode>``."""
        args = [a.text for a in call.args]
        if call.form is not Form.SET or len(args) <= 1:
            return
        conn_id = _int_or(args[0], -1)
        self._access_modes[conn_id] = _access_mode(args[1])
        if kind is FinalKind.CONNECT:
            self._enter_transparent(conn_id)

    def _after_online(self, call: CommandCall, kind: FinalKind) -> None:
        """``ATO``: back into transparent mode on the socket it was left for."""
        if kind is FinalKind.CONNECT:
            self._enter_transparent(self._last_transparent_id)

    def _after_close(self, call: CommandCall, kind: FinalKind) -> None:
        """``AT+QICLOSE=<id>``: the id forgets its mode."""
        if call.form is Form.SET and call.args:
            self._access_modes.pop(_int_or(call.args[0].text, -1), None)

    def _enter_transparent(self, conn_id: int | None) -> None:
        self._mode = Framing.TRANSPARENT
        self._transparent_id = conn_id
        self._last_transparent_id = conn_id
        self._held = 0

    def _leave_transparent(self) -> None:
        self._mode = Framing.COMMAND
        if self._transparent_id is not None:
            self._access_modes[self._transparent_id] = AccessMode.BUFFER
        self._transparent_id = None
        self._escaping = False
        self._held = 0

    # -- transparent mode -------------------------------------------------------------------

    def _transparent_event(self) -> Event | None:
        """Pass bytes through, watching for NO CARRIER (and OK after ``+++``).

        A chunk that ends in the beginning of a marker (even a lone ``\\r``) is held back,
        so a marker split across reads is still recognised; the adapter releases such a
        tail with :meth:`flush_transparent` once the port has been quiet briefly.
        """
        markers = (_NO_CARRIER, _OK) if self._escaping else (_NO_CARRIER,)
        hits = [(self._buf.find(m), m) for m in markers]
        found = [(i, m) for i, m in hits if i >= 0]
        if found:
            index, marker = min(found)
            if index > 0:
                data = bytes(self._buf[:index])
                del self._buf[:index]
                return TransparentData(data)
            del self._buf[: len(marker)]
            rest = bytes(self._buf)
            self._buf.clear()
            self._leave_transparent()
            self._buf += rest
            if marker is _NO_CARRIER:
                return NoCarrier()
            return Response("+++", (), "OK", FinalKind.OK)
        held = _held_tail(self._buf, markers)
        self._held = held
        if len(self._buf) > held:
            data = bytes(self._buf[: len(self._buf) - held])
            del self._buf[: len(self._buf) - held]
            return TransparentData(data)
        return None


def _held_tail(buf: bytearray, markers: tuple[bytes, ...]) -> int:
    """Length of the longest tail of ``buf`` that is the beginning of one of ``markers``."""
    best = 0
    for marker in markers:
        for size in range(min(len(marker) - 1, len(buf)), 0, -1):
            if buf.endswith(marker[:size]):
                best = max(best, size)
                break
    return best


def _parse_call(line: str) -> CommandCall | None:
    """The (first) command of a line, for correlating answers; None if unparseable."""
    try:
        calls = parse_command_line(line[2:])
    except AtSyntaxError:
        return None
    return calls[0] if calls else None


_QIOPEN_ID, _QIOPEN_ACCESS_MODE = 1, 6
"""Argument indexes of ``<connectID>`` and ``<access_mode>`` in ``AT+QIOPEN``."""
_QISEND_QUERY = 2
"""``AT+QISEND=<id>,0``: the counter query, no prompt."""


def _wants_prompt(call: CommandCall | None) -> bool:
    """``AT+QISEND=<id>[,<len>…]`` prompts, except the ``<id>,0`` counter query."""
    if call is None or call.name != "+QISEND" or call.form is not Form.SET:
        return False
    return not (len(call.args) == _QISEND_QUERY and call.args[1].text.strip() == "0")


def _terminator(call: CommandCall | None) -> bytes:
    """CR LF for a line that opens a data phase, else CR.

    A module answers ``>`` or ``CONNECT`` only once the line's terminator is complete (an LF
    after the CR, or a few ms without one: docs/line-discipline.md L12), so a CR alone would
    cost that wait on every send. Other lines end with S3 alone, as V.250 has it.
    """
    return b"\r\n" if _wants_prompt(call) or _opens_transparent(call) else b"\r"


def _opens_transparent(call: CommandCall | None) -> bool:
    """``ATO``, ``AT+QISWTMD=<id>,2`` and ``AT+QIOPEN=…,2`` may answer ``CONNECT``."""
    if call is None:
        return False
    if call.name == "O":
        return True
    args = [a.text.strip() for a in call.args]
    if call.name == "+QISWTMD" and call.form is Form.SET:
        return args[1:2] == [str(int(AccessMode.TRANSPARENT))]
    if call.name == "+QIOPEN" and call.form is Form.SET:
        return args[_QIOPEN_ACCESS_MODE : _QIOPEN_ACCESS_MODE + 1] == [
            str(int(AccessMode.TRANSPARENT))
        ]
    return False


def _qird_payload(args: tuple[Arg, ...]) -> _PayloadWait | None:
    """``+QIRD: <n>`` or ``+QIRD: <n>,"<ip>",<port>`` announce n bytes; the three-number
    counter form (``AT+QIRD=<id>,0``) does not."""
    try:
        answer = parse_read_answer(args)
    except AnswerSyntaxError:
        raise RemoteProtocolError(f"malformed +QIRD header {args!r}") from None
    if isinstance(answer, ReadCounters) or answer.length == 0:
        return None
    return _PayloadWait(answer.length)


_EFFECTS: dict[str, Callable[[ClientProtocol, CommandCall, FinalKind], None]] = {
    "+QIOPEN": ClientProtocol._after_open,
    "+QISWTMD": ClientProtocol._after_switch,
    "O": ClientProtocol._after_online,
    "+QICLOSE": ClientProtocol._after_close,
}
"""What a successful command does to the protocol's view of sockets and the port; any
other command answering ``CONNECT`` enters transparent mode for an unknown socket."""


def _urc_event(line: str, name: str | None, args: tuple[Arg, ...]) -> u.UrcEvent | None:
    """``line`` as a shared URC event; a malformed ``recv`` cannot be framed past."""
    try:
        return u.parse_urc(line)
    except u.UrcSyntaxError:
        if name == u.QIURC and args and args[0].text == "recv":
            raise RemoteProtocolError(f"malformed recv URC {line!r}") from None
        log.warning("malformed URC %r", line)
        return None


def _access_mode(text: str) -> AccessMode:
    """An ``<access_mode>`` argument; omitted or unknown reads as buffer mode."""
    try:
        return AccessMode(int(text))
    except ValueError:
        return AccessMode.BUFFER


def _int_or(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default
