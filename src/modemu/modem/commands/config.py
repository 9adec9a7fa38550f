"""``AT+QICFG``: the 18 optional TCP/IP parameters (spec §3), declared in one table.

Each key names its value ranges once; the test form, the query, the range checks and the
write all come from that declaration. Keys whose arguments are not a fixed list of
integers (``tcp/keepalive``, ``send/auto``, ``recv/ignore``) have their own small handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from modemu.at.syntax import CommandCall, Form
from modemu.modem.registry import CommandError, Kind, Outcome, Params, Registry
from modemu.modem.state import QICFG_INT_KEYS, QicfgIntKey, QiConfig

if TYPE_CHECKING:
    from modemu.modem.view import ModemView

COMMANDS = Registry()
"""This module's commands; composed by :func:`modemu.modem.commands.build_registry`."""


IntKey = QicfgIntKey
INT_KEYS = QICFG_INT_KEYS


#: The test-form lines in the seed's order (spec §3.1).
TEST_LINES = (
    '+QICFG: "transpktsize",(1-1460)',
    '+QICFG: "transwaittm",(0-20)',
    '+QICFG: "dataformat",(0,1),(0,1)',
    '+QICFG: "viewmode",(0,1)',
    '+QICFG: "passiveclosed",(0,1)',
    '+QICFG: "udp/readmode",(0,1)',
    '+QICFG: "udp/sendmode",(0,1)',
    '+QICFG: "tcp/keepalive",(0,1),(1-1800),(25-100),(3-10)',
    '+QICFG: "recvind",(0,1)',
    '+QICFG: "tcp/retranscfg",(3-12),(5-1000)',
    '+QICFG: "tcp/accept",(0,1)',
    '+QICFG: "send/buffersize",(1460-10240)',
    '+QICFG: "send/auto",(0-11),(20-86400),<msg_auto>',
    '+QICFG: "recv/ignore",(0-11),<msg_ignore>',
    '+QICFG: "formatcfg",(0,1)',
    '+QICFG: "qisend/timeout",(0-120)',
    '+QICFG: "close/mode",(0,1)',
    '+QICFG: "TCP/SendMode",(0-4)',
)

SpecialHandler = Callable[["ModemView", Params], None]
SPECIAL_KEYS: dict[str, SpecialHandler] = {}


def special(name: str) -> Callable[[SpecialHandler], SpecialHandler]:
    def register(handler: SpecialHandler) -> SpecialHandler:
        SPECIAL_KEYS[name] = handler
        return handler

    return register


@COMMANDS.command("+QICFG", kind=Kind.TCPIP, forms=(Form.TEST, Form.SET))
def qicfg(m: ModemView, call: CommandCall) -> Outcome:
    present = {name.lower() for name in m.profile.qicfg_keys}
    if call.form is Form.TEST:
        m.info(*(line for line in TEST_LINES if _line_key(line) in present))
        return None
    p = Params(call, 6)
    if not p.args[0].quoted and not p.args[0].text:
        raise CommandError()
    key = p.string(0, 32).lower()
    if key not in present:  # a key this variant does not have (docs/variants.md)
        raise CommandError()
    if key in SPECIAL_KEYS:
        SPECIAL_KEYS[key](m, p)
    elif key in INT_KEYS:
        _int_key(m, INT_KEYS[key], p)
    else:
        raise CommandError()
    return None


def _line_key(line: str) -> str:
    """The key of a test-form line: ``+QICFG: "viewmode",(0,1)`` → ``viewmode``."""
    return line.split('"')[1].lower()


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


@special("tcp/keepalive")
def _keepalive(m: ModemView, p: Params) -> None:
    cfg = m.settings.qicfg
    if len(p) == 1:
        enable, idle, interval, probes = cfg.keepalive
        shown = f"{enable},{idle},{interval},{probes}" if enable else "0"
        m.info(f'+QICFG: "tcp/keepalive",{shown}')
        return
    if len(p) not in (2, 5):
        raise CommandError()
    enable = p.integer(1, 0, 1)
    defaults = QiConfig().keepalive
    if len(p) == 5:
        idle, interval, probes = p.integer(2, 1, 1800), p.integer(3, 25, 100), p.integer(4, 3, 10)
    else:
        idle, interval, probes = defaults[1:]
    cfg.keepalive = (enable, idle, interval, probes)


@special("send/auto")
def _send_auto(m: ModemView, p: Params) -> None:
    """``send/auto``: a heartbeat payload sent every cycle while the socket is connected.

    Emulator choices (docs/choices.md): cycle 0 switches it off; the message is required
    when switching it on; the query of an id with nothing set answers ``<id>,0,""``.
    """
    cfg = m.settings.qicfg
    conn_id = p.integer(1, 0, 11)
    if len(p) == 2:
        cycle, message = cfg.send_auto.get(conn_id, (0, ""))
        m.info(f'+QICFG: "send/auto",{conn_id},{cycle},"{message}"')
        return
    cycle = p.integer(2, 0, 86400)
    if cycle == 0:
        cfg.send_auto.pop(conn_id, None)
        m.sockets.schedule_auto_send(conn_id)
        return
    if cycle < 20 or len(p) != 4:
        raise CommandError()
    cfg.send_auto[conn_id] = (cycle, p.string(3, 1460))
    m.sockets.schedule_auto_send(conn_id)


@special("recv/ignore")
def _recv_ignore(m: ModemView, p: Params) -> None:
    """``recv/ignore``: an arriving payload exactly equal to the message is discarded;
    an empty message clears it."""
    cfg = m.settings.qicfg
    conn_id = p.integer(1, 0, 11)
    if len(p) == 2:
        m.info(f'+QICFG: "recv/ignore",{conn_id},"{cfg.recv_ignore.get(conn_id, "")}"')
        return
    if len(p) != 3:
        raise CommandError()
    message = p.string(2, 1460)
    if message:
        cfg.recv_ignore[conn_id] = message
    else:
        cfg.recv_ignore.pop(conn_id, None)
