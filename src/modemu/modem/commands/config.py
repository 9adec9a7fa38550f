"""``AT+QICFG``: the 18 optional TCP/IP parameters (spec §3), declared in one table, KEYS.

Each key names its value ranges once; the test form, the query, the range checks and the
write all come from that declaration. Keys whose arguments are not a fixed list of
integers (``tcp/keepalive``, ``send/auto``, ``recv/ignore``) have their own small handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modemu.at.limits import MAX_SEND
from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry
from modemu.modem.state import QICFG_INT_KEYS, QicfgIntKey, QiConfig

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""


IntKey = QicfgIntKey


SpecialHandler = Callable[["ModemView", Params], None]


@dataclass(frozen=True)
class SpecialKey:
    """A key with its own handler; ``test`` is the argument part of its test-form line."""

    name: str
    test: str
    handler: SpecialHandler

    def test_text(self) -> str:
        return self.test


QUERY_BY_ID = 2
"""Arguments of a per-socket query: ``"send/auto",<id>``, ``"recv/ignore",<id>``."""
KEEPALIVE_SHORT = 2
"""``"tcp/keepalive",<enable>``: the timing keeps its defaults."""
KEEPALIVE_FULL = 5
"""``"tcp/keepalive",<enable>,<idle>,<interval>,<probes>``."""
SEND_AUTO_SET = 4
"""``"send/auto",<id>,<cycle>,<msg>``."""
SEND_AUTO_MIN_CYCLE = 20
RECV_IGNORE_SET = 3
"""``"recv/ignore",<id>,<msg>``."""


@COMMANDS.command("+QICFG", kind=Kind.TCPIP, forms=(Form.TEST, Form.SET))
def qicfg(m: ModemView, call: CommandCall) -> Outcome:
    present = {name.lower() for name in m.profile.qicfg_keys}
    if call.form is Form.TEST:
        m.info(*(f'+QICFG: "{k.name}",{k.test_text()}' for k in KEYS if k.name.lower() in present))
        return None
    p = Params(call, 6)
    if not p.args[0].quoted and not p.args[0].text:
        raise CommandError()
    key = p.string(0, 32).lower()
    if key not in present:  # a key this variant does not have (docs/variants.md)
        raise CommandError()
    declared = BY_NAME.get(key)
    if isinstance(declared, SpecialKey):
        declared.handler(m, p)
    elif isinstance(declared, IntKey):
        _int_key(m, declared, p)
    else:
        raise CommandError()
    return None


def _int_key(m: ModemView, key: IntKey, p: Params) -> None:
    cfg = m.settings.qicfg
    if len(p) == 1:
        value = getattr(cfg, key.attr)
        values = value if isinstance(value, tuple) else (value,)
        m.info(f'+QICFG: "{key.name}",' + ",".join(str(v) for v in values))
        return
    if len(p) != 1 + len(key.ranges):
        raise CommandError()
    values = tuple(p.integer(i + 1, low, high) for i, (low, high) in enumerate(key.ranges))
    setattr(cfg, key.attr, values if len(values) > 1 else values[0])


def _keepalive(m: ModemView, p: Params) -> None:
    cfg = m.settings.qicfg
    if len(p) == 1:
        enable, idle, interval, probes = cfg.keepalive
        shown = f"{enable},{idle},{interval},{probes}" if enable else "0"
        m.info(f'+QICFG: "tcp/keepalive",{shown}')
        return
    if len(p) not in (KEEPALIVE_SHORT, KEEPALIVE_FULL):
        raise CommandError()
    enable = p.integer(1, 0, 1)
    defaults = QiConfig().keepalive
    if len(p) == KEEPALIVE_FULL:
        idle, interval, probes = p.integer(2, 1, 1800), p.integer(3, 25, 100), p.integer(4, 3, 10)
    else:
        idle, interval, probes = defaults[1:]
    cfg.keepalive = (enable, idle, interval, probes)


def _send_auto(m: ModemView, p: Params) -> None:
    """``send/auto``: a heartbeat payload sent every cycle while the socket is connected.

    Emulator choices (docs/choices.md): cycle 0 switches it off; the message is required
    when switching it on; the query of an id with nothing set answers ``<id>,0,""``.
    """
    cfg = m.settings.qicfg
    conn_id = p.integer(1, 0, 11)
    if len(p) == QUERY_BY_ID:
        cycle, message = cfg.send_auto.get(conn_id, (0, ""))
        m.info(f'+QICFG: "send/auto",{conn_id},{cycle},"{message}"')
        return
    cycle = p.integer(2, 0, 86400)
    if cycle == 0:
        cfg.send_auto.pop(conn_id, None)
        m.sockets.schedule_auto_send(conn_id)
        return
    if cycle < SEND_AUTO_MIN_CYCLE or len(p) != SEND_AUTO_SET:
        raise CommandError()
    cfg.send_auto[conn_id] = (cycle, p.string(3, MAX_SEND))
    m.sockets.schedule_auto_send(conn_id)


def _recv_ignore(m: ModemView, p: Params) -> None:
    """``recv/ignore``: an arriving payload exactly equal to the message is discarded;
    an empty message clears it."""
    cfg = m.settings.qicfg
    conn_id = p.integer(1, 0, 11)
    if len(p) == QUERY_BY_ID:
        m.info(f'+QICFG: "recv/ignore",{conn_id},"{cfg.recv_ignore.get(conn_id, "")}"')
        return
    if len(p) != RECV_IGNORE_SET:
        raise CommandError()
    message = p.string(2, MAX_SEND)
    if message:
        cfg.recv_ignore[conn_id] = message
    else:
        cfg.recv_ignore.pop(conn_id, None)


KEYS: tuple[IntKey | SpecialKey, ...] = (
    *(QICFG_INT_KEYS[name] for name in ("transpktsize", "transwaittm", "dataformat")),
    *(QICFG_INT_KEYS[name] for name in ("viewmode", "passiveclosed", "udp/readmode")),
    QICFG_INT_KEYS["udp/sendmode"],
    SpecialKey("tcp/keepalive", "(0,1),(1-1800),(25-100),(3-10)", _keepalive),
    *(QICFG_INT_KEYS[name] for name in ("recvind", "tcp/retranscfg", "tcp/accept")),
    QICFG_INT_KEYS["send/buffersize"],
    SpecialKey("send/auto", "(0-11),(20-86400),<msg_auto>", _send_auto),
    SpecialKey("recv/ignore", "(0-11),<msg_ignore>", _recv_ignore),
    *(QICFG_INT_KEYS[name] for name in ("formatcfg", "qisend/timeout", "close/mode")),
    QICFG_INT_KEYS["tcp/sendmode"],
)
"""Every key, in the seed's order (spec §3.1): the test form lists them in this order."""

BY_NAME = {key.name.lower(): key for key in KEYS}
