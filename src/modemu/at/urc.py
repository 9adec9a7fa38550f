"""Unsolicited result codes as typed, frozen events: one vocabulary for module and client.

Each class is one URC shape of the spec (§10, §11, §15 and the boot sequence).
``event.render()`` gives the line the module prints (framing is :func:`modemu.at.render.urc`'s
job) and :func:`parse_urc` turns such a line back into the event, so the module and the
client cannot disagree on a spelling (wsproto's ``events.py`` and h11's ``_events.py`` are the
model). ``parse_urc(event.render()) == event`` holds for every event; the tests check it
table by table against the spec's bytes.

A direct-push ``recv`` URC is followed by its payload; the event describes the header line
only, because the payload is read by length, never as a line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from modemu.at.syntax import Arg, parse_info_line, quote

Address = tuple[str, int]

QIURC = "+QIURC"
SEND_OK_TEXT = "SEND OK"


class UrcSyntaxError(ValueError):
    """A line names a known URC but its arguments do not have that URC's shape."""


@dataclass(frozen=True, slots=True)
class Recv:
    """``+QIURC: "recv",<id>[,<len>[,"<ip>",<port>]]`` (spec §7, §11).

    Buffer mode announces with ``conn_id`` alone (``recvind`` 1 adds ``length``); direct push
    carries ``length`` and, on a UDP SERVICE socket, the sender as ``remote``.
    """

    conn_id: int
    length: int | None = None
    remote: Address | None = None

    def render(self) -> str:
        text = f'{QIURC}: "recv",{self.conn_id}'
        if self.length is not None:
            text += f",{self.length}"
            if self.remote is not None:
                text += f",{quote(self.remote[0])},{self.remote[1]}"
        return text


@dataclass(frozen=True, slots=True)
class Closed:
    """``+QIURC: "closed",<id>``: the peer closed, or an asynchronous ``QICLOSE`` finished."""

    conn_id: int

    def render(self) -> str:
        return f'{QIURC}: "closed",{self.conn_id}'


@dataclass(frozen=True, slots=True)
class Incoming:
    """``+QIURC: "incoming",<newid>,<serverID>,"<ip>",<port>``: a listener accepted a client."""

    conn_id: int
    server_id: int
    remote: Address

    def render(self) -> str:
        ip, port = self.remote
        return f'{QIURC}: "incoming",{self.conn_id},{self.server_id},{quote(ip)},{port}'


@dataclass(frozen=True, slots=True)
class IncomingFull:
    """``+QIURC: "incoming full"``: a client was refused because no socket id was free."""

    def render(self) -> str:
        return f'{QIURC}: "incoming full"'


@dataclass(frozen=True, slots=True)
class PdpDeact:
    """``+QIURC: "pdpdeact",<cid>``: the network deactivated a context (spec A19)."""

    cid: int

    def render(self) -> str:
        return f'{QIURC}: "pdpdeact",{self.cid}'


@dataclass(frozen=True, slots=True)
class DnsResult:
    """``+QIURC: "dnsgip",<err>[,<count>,<ttl>]``: the head of a ``QIDNSGIP`` answer (§10.4).

    ``count`` and ``ttl`` are present exactly when ``err`` is 0; ``count`` address lines
    (:class:`DnsAddress`) follow.
    """

    err: int
    count: int | None = None
    ttl: int | None = None

    def render(self) -> str:
        text = f'{QIURC}: "dnsgip",{int(self.err)}'
        if self.count is not None:
            text += f",{self.count},{self.ttl if self.ttl is not None else 0}"
        return text


@dataclass(frozen=True, slots=True)
class DnsAddress:
    """``+QIURC: "dnsgip","<ip>"``: one address of a ``QIDNSGIP`` answer."""

    address: str

    def render(self) -> str:
        return f'{QIURC}: "dnsgip",{quote(self.address)}'


@dataclass(frozen=True, slots=True)
class SendAcked:
    """``+QIURC: SEND OK`` or ``+QIURC: <id>,SEND OK``: all data acknowledged
    (``TCP/SendMode`` 3 and 4, spec A10)."""

    conn_id: int | None = None

    def render(self) -> str:
        if self.conn_id is None:
            return f"{QIURC}: {SEND_OK_TEXT}"
        return f"{QIURC}: {self.conn_id},{SEND_OK_TEXT}"


@dataclass(frozen=True, slots=True)
class OpenResult:
    """``+QIOPEN: <id>,<err>``: the outcome of a buffer/push-mode ``AT+QIOPEN`` (§5.1)."""

    conn_id: int
    err: int

    def render(self) -> str:
        return f"+QIOPEN: {self.conn_id},{int(self.err)}"


@dataclass(frozen=True, slots=True)
class PingError:
    """``+QPING: <err>``: 569 for one unanswered request, any other code ends the ping."""

    err: int

    def render(self) -> str:
        return f"+QPING: {int(self.err)}"


@dataclass(frozen=True, slots=True)
class PingEcho:
    """``+QPING: <result>,"<ip>",<bytes>,<time>,<ttl>``: one echo reply (§10.1)."""

    address: str
    size: int
    time_ms: int
    ttl: int
    result: int = 0

    def render(self) -> str:
        fields = f"{quote(self.address)},{self.size},{self.time_ms},{self.ttl}"
        return f"+QPING: {int(self.result)},{fields}"


@dataclass(frozen=True, slots=True)
class PingSummary:
    """``+QPING: <result>,<sent>,<rcvd>,<lost>[,<min>,<max>,<avg>]``: the ping's last line.

    The three times are left out when no reply came (spec A14).
    """

    sent: int
    received: int
    lost: int
    min_ms: int | None = None
    max_ms: int | None = None
    avg_ms: int | None = None
    result: int = 0

    def render(self) -> str:
        text = f"+QPING: {int(self.result)},{self.sent},{self.received},{self.lost}"
        if self.min_ms is not None:
            text += f",{self.min_ms},{self.max_ms},{self.avg_ms}"
        return text


@dataclass(frozen=True, slots=True)
class NtpResult:
    """``+QNTP: 0,"<time>"`` after a successful sync, ``+QNTP: <err>`` otherwise (§10.3).

    ``time`` is the module's clock format, ``yyyy/MM/dd,hh:mm:ss±zz``. ``name`` is
    ``+QNTTP`` when the host used the application note's spelling of the command (spec A1).
    """

    NAMES: ClassVar[tuple[str, ...]] = ("+QNTP", "+QNTTP")

    err: int
    time: str | None = None
    name: str = "+QNTP"

    def render(self) -> str:
        if self.time is None:
            return f"{self.name}: {int(self.err)}"
        return f"{self.name}: {int(self.err)},{quote(self.time)}"


@dataclass(frozen=True, slots=True)
class Ready:
    """``RDY``: the module has booted and accepts AT commands."""

    def render(self) -> str:
        return "RDY"


@dataclass(frozen=True, slots=True)
class PoweredDown:
    """``POWERED DOWN``: ``AT+QPOWD`` completed; nothing more comes until power-on."""

    def render(self) -> str:
        return "POWERED DOWN"


@dataclass(frozen=True, slots=True)
class Functionality:
    """``+CFUN: <fun>`` after boot."""

    fun: int

    def render(self) -> str:
        return f"+CFUN: {self.fun}"


@dataclass(frozen=True, slots=True)
class SimStatus:
    """``+CPIN: <code>`` (``READY``, ``NOT INSERTED``, ``SIM PIN``…), unquoted."""

    code: str

    def render(self) -> str:
        return f"+CPIN: {self.code}"


@dataclass(frozen=True, slots=True)
class UsimLoaded:
    """``+QUSIM: <n>``: the (U)SIM application is loaded (1 = USIM) after boot."""

    value: int

    def render(self) -> str:
        return f"+QUSIM: {self.value}"


@dataclass(frozen=True, slots=True)
class Indication:
    """``+QIND: <text>``, e.g. ``+QIND: PB DONE`` or ``+QIND: SMS DONE`` after boot."""

    text: str

    def render(self) -> str:
        return f"+QIND: {self.text}"


@dataclass(frozen=True, slots=True)
class Registration:
    """``+CREG``/``+CGREG``/``+CEREG: <stat>[,"<lac>","<ci>",<AcT>]`` (3GPP TS 27.007).

    ``name`` says which of the three; the location fields appear with ``n`` = 2 while
    registered.
    """

    NAMES: ClassVar[tuple[str, ...]] = ("+CREG", "+CGREG", "+CEREG")

    name: str
    stat: int
    location: tuple[str, str, int] | None = None

    def render(self) -> str:
        text = f"{self.name}: {self.stat}"
        if self.location is not None:
            lac, ci, act = self.location
            text += f",{quote(lac)},{quote(ci)},{act}"
        return text


@dataclass(frozen=True, slots=True)
class Verbatim:
    """A URC line given as text: a module profile's boot lines (BG96's ``APP RDY``) or one
    injected from outside (``modemu fault urc``). The module prints it as it is;
    :func:`parse_urc` never produces it."""

    text: str

    def render(self) -> str:
        return self.text


UrcEvent = (
    Recv
    | Closed
    | Incoming
    | IncomingFull
    | PdpDeact
    | DnsResult
    | DnsAddress
    | SendAcked
    | OpenResult
    | PingError
    | PingEcho
    | PingSummary
    | NtpResult
    | Ready
    | PoweredDown
    | Functionality
    | SimStatus
    | UsimLoaded
    | Indication
    | Registration
)
"""Every URC this vocabulary knows."""

AnyUrc = UrcEvent | Verbatim
"""What the module can print as a URC: an event of the vocabulary, or a profile's line."""

URC_EVENT_TYPES: tuple[type[UrcEvent], ...] = UrcEvent.__args__


# -- parsing ------------------------------------------------------------------------------


def parse_urc(line: str) -> UrcEvent | None:
    """The event ``line`` spells, or None for a line that is not a known URC.

    Raises :class:`UrcSyntaxError` when the name is known but the arguments do not fit.
    """
    word = _WORDS.get(line)
    if word is not None:
        return word
    parsed = parse_info_line(line)
    if parsed is None:
        return None
    name, args = parsed
    if name == QIURC:
        return _parse_qiurc(line, args)
    parser = _BY_NAME.get(name)
    if parser is None:
        return None
    return _guarded(line, lambda: parser(line, args))


def _parse_qiurc(line: str, args: tuple[Arg, ...]) -> UrcEvent | None:
    if not args:
        raise UrcSyntaxError(f"empty +QIURC: {line!r}")
    head = args[0]
    if not head.quoted:
        return _guarded(line, lambda: _send_acked(args))
    parser = _QIURC_KINDS.get(head.text)
    if parser is None:
        return None
    return _guarded(line, lambda: parser(line, args[1:]))


def _guarded(line: str, build: Callable[[], UrcEvent]) -> UrcEvent:
    try:
        return build()
    except (ValueError, IndexError) as exc:
        if isinstance(exc, UrcSyntaxError):
            raise
        raise UrcSyntaxError(f"malformed URC {line!r}") from None


def _int(arg: Arg) -> int:
    if arg.quoted or not arg.text.lstrip("-").isdigit():
        raise UrcSyntaxError(f"{arg.text!r} is not a number")
    return int(arg.text)


def _text(arg: Arg) -> str:
    if not arg.quoted:
        raise UrcSyntaxError(f"{arg.text!r} is not a quoted string")
    return arg.text


_RECV_FROM = 4
"""``+QIURC: "recv",<id>,<len>,"<ip>",<port>``: UDP SERVICE push names the sender."""
_ID_AND_TEXT = 2
"""``+QIURC: <id>,SEND OK``."""
_PING_NO_REPLY = 4
"""``+QPING: 0,<sent>,<rcvd>,<lost>``: a summary without times (no reply came)."""


def _exactly(line: str, args: tuple[Arg, ...], *counts: int) -> None:
    if len(args) not in counts:
        raise UrcSyntaxError(f"unexpected argument count in {line!r}")


def _recv(line: str, args: tuple[Arg, ...]) -> Recv:
    _exactly(line, args, 1, 2, 4)
    length = _int(args[1]) if len(args) > 1 else None
    remote = (_text(args[2]), _int(args[3])) if len(args) == _RECV_FROM else None
    return Recv(_int(args[0]), length, remote)


def _closed(line: str, args: tuple[Arg, ...]) -> Closed:
    _exactly(line, args, 1)
    return Closed(_int(args[0]))


def _incoming(line: str, args: tuple[Arg, ...]) -> Incoming:
    _exactly(line, args, 4)
    return Incoming(_int(args[0]), _int(args[1]), (_text(args[2]), _int(args[3])))


def _incoming_full(line: str, args: tuple[Arg, ...]) -> IncomingFull:
    _exactly(line, args, 0)
    return IncomingFull()


def _pdpdeact(line: str, args: tuple[Arg, ...]) -> PdpDeact:
    _exactly(line, args, 1)
    return PdpDeact(_int(args[0]))


def _dnsgip(line: str, args: tuple[Arg, ...]) -> DnsResult | DnsAddress:
    _exactly(line, args, 1, 3)
    if args[0].quoted:
        _exactly(line, args, 1)
        return DnsAddress(args[0].text)
    if len(args) == 1:
        return DnsResult(_int(args[0]))
    return DnsResult(_int(args[0]), _int(args[1]), _int(args[2]))


def _send_acked(args: tuple[Arg, ...]) -> SendAcked:
    if len(args) == 1 and args[0].text == SEND_OK_TEXT:
        return SendAcked()
    if len(args) == _ID_AND_TEXT and args[1].text == SEND_OK_TEXT and not args[1].quoted:
        return SendAcked(_int(args[0]))
    raise UrcSyntaxError("unknown unquoted +QIURC")


def _open_result(line: str, args: tuple[Arg, ...]) -> OpenResult:
    _exactly(line, args, 2)
    return OpenResult(_int(args[0]), _int(args[1]))


def _ping(line: str, args: tuple[Arg, ...]) -> PingError | PingEcho | PingSummary:
    _exactly(line, args, 1, 4, 5, 7)
    first = _int(args[0])
    if len(args) == 1:
        return PingError(first)
    if args[1].quoted:
        _exactly(line, args, 5)
        size, time_ms, ttl = (_int(a) for a in args[2:5])
        return PingEcho(args[1].text, size, time_ms, ttl, result=first)
    sent, received, lost = (_int(a) for a in args[1:4])
    if len(args) == _PING_NO_REPLY:
        return PingSummary(sent, received, lost, result=first)
    low, high, avg = (_int(a) for a in args[4:7])
    return PingSummary(sent, received, lost, low, high, avg, result=first)


def _ntp(name: str) -> Callable[[str, tuple[Arg, ...]], NtpResult]:
    def parse(line: str, args: tuple[Arg, ...]) -> NtpResult:
        _exactly(line, args, 1, 2)
        time = _text(args[1]) if len(args) > 1 else None
        return NtpResult(_int(args[0]), time, name)

    return parse


def _cfun(line: str, args: tuple[Arg, ...]) -> Functionality:
    _exactly(line, args, 1)
    return Functionality(_int(args[0]))


def _cpin(line: str, args: tuple[Arg, ...]) -> SimStatus:
    _exactly(line, args, 1)
    return SimStatus(args[0].text)


def _qusim(line: str, args: tuple[Arg, ...]) -> UsimLoaded:
    _exactly(line, args, 1)
    return UsimLoaded(_int(args[0]))


def _qind(line: str, args: tuple[Arg, ...]) -> Indication:
    return Indication(line.partition(":")[2].lstrip(" "))


def _registration(name: str) -> Callable[[str, tuple[Arg, ...]], Registration]:
    def parse(line: str, args: tuple[Arg, ...]) -> Registration:
        _exactly(line, args, 1, 4)
        if len(args) == 1:
            return Registration(name, _int(args[0]))
        location = (_text(args[1]), _text(args[2]), _int(args[3]))
        return Registration(name, _int(args[0]), location)

    return parse


_WORDS: dict[str, UrcEvent] = {"RDY": Ready(), "POWERED DOWN": PoweredDown()}

_QIURC_KINDS: dict[str, Callable[[str, tuple[Arg, ...]], UrcEvent]] = {
    "recv": _recv,
    "closed": _closed,
    "incoming": _incoming,
    "incoming full": _incoming_full,
    "pdpdeact": _pdpdeact,
    "dnsgip": _dnsgip,
}
"""``+QIURC: "<kind>",…`` parsers by kind."""

_BY_NAME: dict[str, Callable[[str, tuple[Arg, ...]], UrcEvent]] = {
    "+QIOPEN": _open_result,
    "+QPING": _ping,
    "+CFUN": _cfun,
    "+CPIN": _cpin,
    "+QUSIM": _qusim,
    "+QIND": _qind,
    **{name: _ntp(name) for name in NtpResult.NAMES},
    **{name: _registration(name) for name in Registration.NAMES},
}
"""Parsers of the other URC names by ``+NAME``."""

URC_NAMES: frozenset[str] = frozenset({QIURC, *_BY_NAME})
"""Every ``+NAME`` prefix :func:`parse_urc` knows."""
URC_WORDS: frozenset[str] = frozenset(_WORDS)
"""Every bare-word URC :func:`parse_urc` knows."""
