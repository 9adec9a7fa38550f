"""The module's state as plain dataclasses: one :class:`ModuleState` per engine.

``ModuleState`` gathers what the module *is* at a moment -- radio (CFUN, attach, network
registration, signal, SIM), UART (IPR, flow control), clock and time zone, URC port,
character set, CNMI, the AT :class:`Settings` and the PDP contexts -- so the engine keeps only
dispatch, output and the URC queue, timers and port modes. Socket slots belong to
:class:`~modemu.modem.sockets.SocketRuntime`.

Factory values live here (spec §13/§14) so that ``AT&F``, ``ATZ`` and a reboot restore
them by building a fresh object, never by resetting fields one by one. What survives a
restart is saved and restored by :mod:`modemu.modem.nvstore`.

Changes from outside the host's command stream (a fault: deregistration, a signal change,
the SIM pulled) never write these fields directly: they go through
``ModemEngine.apply(change, now)`` with a change from :mod:`modemu.modem.changes`, which
updates this state and queues the URCs the host's settings ask for.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from modemu.at.limits import MAX_SEND
from modemu.at.params import AccessMode
from modemu.modem.registry import range_text
from modemu.modem.socketstates import Event, Phase, SocketState, advance, allowed
from modemu.net.base import Address, Service

if TYPE_CHECKING:
    from modemu.modem.profile import Profile

MAX_CONTEXTS_ACTIVE = 3
CONTEXT_IDS = range(1, 17)
"""Every context id a variant may have (EC200 family 1-15, EC2x/BG96 1-16)."""


class SimState(StrEnum):
    """``+CPIN: <code>`` values the emulator models (``ABSENT`` answers CME 10 instead)."""

    READY = "READY"
    ABSENT = "ABSENT"
    SIM_PIN = "SIM PIN"
    SIM_PUK = "SIM PUK"


class RegStat(IntEnum):
    """``<stat>`` of CREG/CGREG/CEREG (3GPP TS 27.007)."""

    NOT_REGISTERED = 0
    HOME = 1
    SEARCHING = 2
    DENIED = 3
    UNKNOWN = 4
    ROAMING = 5

    @property
    def registered(self) -> bool:
        return self in (RegStat.HOME, RegStat.ROAMING)


def zone_suffix(quarters: int) -> str:
    """The ``±zz`` time zone of CCLK/QLTS/QNTP answers, in quarter hours."""
    return f"{'-' if quarters < 0 else '+'}{abs(quarters):02d}"


def factory_s_registers() -> dict[int, int]:
    return {0: 0, 3: 13, 4: 10, 5: 8, 6: 2, 7: 0, 8: 2, 10: 15}


@dataclass(frozen=True)
class QicfgIntKey:
    """An ``AT+QICFG`` key whose value is one or more integers, all required on write."""

    name: str
    attr: str
    ranges: tuple[tuple[int, int], ...]

    def test_text(self) -> str:
        """The argument part of its ``AT+QICFG=?`` line: ``(0,1)``, ``(3-12),(5-1000)``."""
        return ",".join(range_text(low, high) for low, high in self.ranges)


QICFG_INT_KEYS = {
    key.name.lower(): key
    for key in (
        QicfgIntKey("transpktsize", "transpktsize", ((1, MAX_SEND),)),
        QicfgIntKey("transwaittm", "transwaittm", ((0, 20),)),
        QicfgIntKey("dataformat", "dataformat", ((0, 1), (0, 1))),
        QicfgIntKey("viewmode", "viewmode", ((0, 1),)),
        QicfgIntKey("passiveclosed", "passiveclosed", ((0, 1),)),
        QicfgIntKey("udp/readmode", "udp_readmode", ((0, 1),)),
        QicfgIntKey("udp/sendmode", "udp_sendmode", ((0, 1),)),
        QicfgIntKey("recvind", "recvind", ((0, 1),)),
        QicfgIntKey("tcp/retranscfg", "retranscfg", ((3, 12), (5, 1000))),
        QicfgIntKey("tcp/accept", "tcp_accept", ((0, 1),)),
        QicfgIntKey("send/buffersize", "send_buffersize", ((MAX_SEND, 10240),)),
        QicfgIntKey("formatcfg", "formatcfg", ((0, 1),)),
        QicfgIntKey("qisend/timeout", "qisend_timeout", ((0, 120),)),
        QicfgIntKey("close/mode", "close_mode", ((0, 1),)),
        QicfgIntKey("TCP/SendMode", "tcp_sendmode", ((0, 4),)),
    )
}
"""The integer ``AT+QICFG`` keys and their ranges (the test form shows the same)."""


class PdpType(IntEnum):
    """``<context_type>`` of ``AT+QICSGP``/``AT+QIACT``."""

    IPV4 = 1
    IPV6 = 2
    IPV4V6 = 3


RSSI_UNKNOWN = 99
"""``AT+CSQ`` ``<rssi>``/``<ber>`` "not known or not detectable"."""
TZ_QUARTERS = range(-48, 57)
"""Time zones the module accepts, in quarter hours (UTC-12 to UTC+14)."""


class SendMode(IntEnum):
    """``AT+QICFG="TCP/SendMode"``: when and how ``SEND OK`` is reported (spec §6.5, A10)."""

    QUEUED = 0
    """``SEND OK`` as soon as the data is queued."""
    ACKED = 1
    """``SEND OK`` after the peer's ACK."""
    ACKED_WITH_ID = 2
    """``<id>,SEND OK`` after the peer's ACK."""
    URC_ON_ACK = 3
    """``OK`` at once, ``+QIURC: SEND OK`` after the ACK."""
    URC_ON_ACK_WITH_ID = 4
    """``OK`` at once, ``+QIURC: <id>,SEND OK`` after the ACK."""

    @property
    def final_waits_for_ack(self) -> bool:
        """The command stays pending until the ACK (its final result comes then)."""
        return self in (SendMode.ACKED, SendMode.ACKED_WITH_ID)

    @property
    def with_id(self) -> bool:
        return self in (SendMode.ACKED_WITH_ID, SendMode.URC_ON_ACK_WITH_ID)


@dataclass
class QiConfig:
    """``AT+QICFG`` values (spec §3). Defaults marked A2 are emulator choices."""

    transpktsize: int = 1024
    transwaittm: int = 2
    dataformat: tuple[int, int] = (0, 0)
    viewmode: int = 0
    passiveclosed: int = 0
    udp_readmode: int = 0
    udp_sendmode: int = 0
    keepalive: tuple[int, int, int, int] = (0, 60, 25, 3)  # A2: idle/interval/probes
    recvind: int = 0
    retranscfg: tuple[int, int] = (8, 600)  # A2
    tcp_accept: int = 1
    send_buffersize: int = 10240  # A2
    send_auto: dict[int, tuple[int, str]] = field(default_factory=dict)
    recv_ignore: dict[int, str] = field(default_factory=dict)
    formatcfg: int = 0
    qisend_timeout: int = 0  # A9: 0 = wait indefinitely
    close_mode: int = 0
    tcp_sendmode: int = 0

    @classmethod
    def with_defaults(cls, entries: tuple[str, ...]) -> QiConfig:
        """Factory values with a variant's own defaults, each written as the command would
        take it (``"tcp/accept,0"``); a ``ValueError`` says which entry is wrong."""
        config = cls()
        for entry in entries:
            name, _, text = entry.partition(",")
            key = QICFG_INT_KEYS.get(name.strip().lower())
            if key is None:
                raise ValueError(f"{entry!r}: not an integer QICFG key")
            parts = [part.strip() for part in text.split(",")] if text else []
            if len(parts) != len(key.ranges) or not all(p.isdigit() for p in parts):
                raise ValueError(f"{entry!r}: {key.name} takes {len(key.ranges)} integer(s)")
            values = tuple(int(p) for p in parts)
            for value, (low, high) in zip(values, key.ranges, strict=True):
                if not low <= value <= high:
                    raise ValueError(f"{entry!r}: {value} is outside {low}-{high}")
            setattr(config, key.attr, values if len(values) > 1 else values[0])
        return config


@dataclass
class Settings:
    """Volatile AT settings: lost on ``AT&F``/``ATZ``/reboot (except where noted)."""

    echo: bool = True
    verbose: bool = True
    quiet: bool = False
    cmee: int = 1
    dtr_mode: int = 2
    dcd_mode: int = 1
    s_registers: dict[int, int] = field(default_factory=factory_s_registers)
    creg_n: int = 0
    cgreg_n: int = 0
    cereg_n: int = 0
    ctzr: int = 0
    ctzu: int = 0
    cmgf: int = 0
    qsclk: int = 0
    qisde: int = 1
    last_qi_error: int = 0
    qicfg: QiConfig = field(default_factory=QiConfig)


@dataclass
class Radio:
    """The radio side: functionality, attach, what the network offers, the SIM.

    ``network`` and the signal are the network's side (the profile's values, changed by
    faults); :meth:`registration` is what the module reports, which also depends on CFUN
    and the SIM."""

    cfun: int = 1
    attached: bool = True
    network: RegStat = RegStat.HOME
    rssi: int = 28
    ber: int = 99
    sim: SimState = SimState.READY

    def registration(self) -> RegStat:
        """Current ``<stat>``: the network's, unless the radio is off or there is no SIM."""
        if self.cfun != 1 or self.sim is not SimState.READY:
            return RegStat.NOT_REGISTERED
        return self.network

    @property
    def registered(self) -> bool:
        return self.registration().registered


@dataclass
class Uart:
    """Serial-port settings kept across ``AT&F`` (as on the real module): ``AT+IPR``,
    ``AT+IFC``. Echo and verbosity are V.250 settings reset by ``AT&F``: see
    :class:`Settings`."""

    ipr: int = 115200
    flow_control: tuple[int, int] = (0, 0)


@dataclass
class Clock:
    """The module clock: the host's wall clock plus ``offset`` seconds (set by ``AT+CCLK=``
    and by ``AT+QNTP`` with autosettime), shown in ``timezone_quarters``."""

    timezone_quarters: int = 32
    offset: float = 0.0

    def utc(self, wall: float) -> datetime:
        return datetime.fromtimestamp(wall + self.offset, UTC)

    def local(self, wall: float) -> datetime:
        return self.utc(wall) + self.zone()

    def zone(self) -> timedelta:
        return timedelta(minutes=15 * self.timezone_quarters)

    def suffix(self) -> str:
        return zone_suffix(self.timezone_quarters)


@dataclass
class RiPulse:
    """How the RI line signals a URC (``AT+QCFG="urc/ri/smsincoming"`` / ``"urc/ri/other"``):
    ``typeri`` ``"off"``, ``"pulse"`` (``pulse_count`` pulses of ``pulse_duration`` ms, the
    same gap between them) or ``"always"`` (active until ``AT+QRIR``)."""

    typeri: str = "pulse"
    pulse_duration: int = 120
    pulse_count: int = 1


@dataclass
class RiRing(RiPulse):
    """``AT+QCFG="urc/ri/ring"``: as :class:`RiPulse`, plus ``"auto"`` and ``"wave"`` (a square
    wave of ``active_duration``/``inactive_duration`` ms while a call rings)."""

    active_duration: int = 1000
    inactive_duration: int = 5000
    ring_no_disturbing: str = "off"


@dataclass
class ExtConfig:
    """``AT+QCFG`` and ``AT+QINDCFG`` values. The module saves them by itself, so they survive
    ``AT&F`` and reboots (they are not part of :class:`Settings`). The RI fields are what a
    model of the RI line reads: ``ri_ring``/``ri_smsincoming``/``ri_other`` per URC class,
    ``risignaltype`` (``"respective"``: only where the URC port has an RI line;
    ``"physical"``: always) and ``urc_delay`` (1: the URC waits for the pulse's end)."""

    nwscanmode: int = 0
    nwscanseq: str = "00"
    iotopmode: int = 2
    band: tuple[str, ...] = ("0x0", "0x1e2000000095", "0x0")
    ri_ring: RiRing = field(default_factory=RiRing)
    ri_smsincoming: RiPulse = field(default_factory=RiPulse)
    ri_other: RiPulse = field(default_factory=RiPulse)
    risignaltype: str = "respective"
    urc_delay: int = 0
    ims: int = 0
    apready: tuple[int, int, int] = (0, 0, 500)
    indications: dict[str, int] = field(
        default_factory=lambda: {"all": 1, "csq": 0, "smsfull": 0, "ring": 1, "smsincoming": 1}
    )
    """``AT+QINDCFG`` switches by URC type."""

    def nv_dict(self) -> dict[str, object]:
        """The NV form (JSON-able): the module saves these values by itself."""
        return asdict(self)

    def restore(self, data: object) -> None:
        """Read back :meth:`nv_dict`; an entry whose shape does not match is skipped (a
        damaged NV reads as the factory value, as on the module)."""
        if not isinstance(data, dict):
            return
        for item in fields(self):
            current = getattr(self, item.name)
            value = _restored(current, data.get(item.name))
            if value is not None:
                setattr(self, item.name, value)

    @classmethod
    def for_profile(cls, profile: Profile) -> ExtConfig:
        """Factory values: the EC200 family's, with the variant's differences applied."""
        return cls(
            nwscanmode=profile.qcfg_nwscanmode,
            nwscanseq=profile.qcfg_nwscanseq,
            iotopmode=profile.qcfg_iotopmode,
            band=tuple(profile.qcfg_band.lower().split(",")),
        )


def _restored(current: object, stored: object) -> object | None:
    """``stored`` in the shape of ``current`` (same type, same length, same keys), or None."""
    if isinstance(current, bool | int | str):
        ok = type(stored) is type(current)
        return stored if ok else None
    if isinstance(current, tuple):
        if not isinstance(stored, list) or len(stored) != len(current):
            return None
        items = [_restored(c, s) for c, s in zip(current, stored, strict=True)]
        return None if any(i is None for i in items) else tuple(items)
    if isinstance(current, dict):
        if not isinstance(stored, dict) or set(stored) != set(current):
            return None
        values = {k: _restored(current[k], stored[k]) for k in current}
        return None if any(v is None for v in values.values()) else values
    if isinstance(current, RiPulse):
        if not isinstance(stored, dict) or set(stored) != {f.name for f in fields(current)}:
            return None
        parts = {
            f.name: _restored(getattr(current, f.name), stored[f.name]) for f in fields(current)
        }
        if any(v is None for v in parts.values()):
            return None
        return type(current)(**parts)  # type: ignore[arg-type]
    return None


@dataclass
class ModuleState:
    """Everything the module holds apart from its sockets and requests in flight."""

    radio: Radio = field(default_factory=Radio)
    uart: Uart = field(default_factory=Uart)
    clock: Clock = field(default_factory=Clock)
    settings: Settings = field(default_factory=Settings)
    contexts: dict[int, PdpContext] = field(default_factory=dict)
    urc_port: str = "usbat"
    """``AT+QURCCFG="urcport"`` (saved to NV)."""
    charset: str = "GSM"
    cnmi: tuple[int, ...] = (2, 1, 0, 0, 0)
    ext: ExtConfig = field(default_factory=ExtConfig)
    """``AT+QCFG``/``AT+QINDCFG`` values, RI line settings included (kept across AT&F)."""


@dataclass
class PdpContext:
    """One ``AT+QICSGP`` profile (saved to NV) and its activation state (volatile)."""

    cid: int
    context_type: int = 1
    apn: str = ""
    username: str = ""
    password: str = ""
    auth: int = 0
    active: bool = False
    address: str = ""
    dns: tuple[str, str] = ("", "")

    def profile_dict(self) -> dict[str, object]:
        return {
            "context_type": self.context_type,
            "apn": self.apn,
            "username": self.username,
            "password": self.password,
            "auth": self.auth,
        }


_STAMPS = itertools.count(1)


class ShownChange:
    """The stamp of the last change, in any module of this process, to what ``AT+QISTATE``
    shows of a socket: a slot made, its phase, addresses or access mode changed. An answer
    rendered at stamp N is current while the stamp is still N (the engine reuses it,
    ``modem/engine.py``). Every change stores a fresh value from one counter (``next`` is
    atomic), so no change can leave the stamp an earlier rendering saw, whichever threads
    run modules. ``tests/unit/modem/test_shown_change.py`` checks that nothing outside
    :class:`SocketSlot` writes those fields."""

    stamp = 0

    @staticmethod
    def bump() -> None:
        ShownChange.stamp = next(_STAMPS)


SHOWN_FIELDS = (
    "conn_id",
    "cid",
    "service",
    "remote_ip",
    "remote_port",
    "local_port",
    "phase",
    "server_id",
    "access_mode",
)
"""The :class:`SocketSlot` fields ``AT+QISTATE`` shows: written only by its own methods."""


@dataclass
class SocketSlot:
    """One of the 12 socket ids and everything the module keeps about the socket on it:
    one record per slot, replaced by a fresh one when the slot is freed. Its lifecycle
    ``phase`` changes only through :meth:`advance` (the table in
    :mod:`modemu.modem.socketstates`); the other fields QISTATE shows
    (:data:`SHOWN_FIELDS`) only through this class's methods, which stamp the change
    (:class:`ShownChange`)."""

    conn_id: int
    cid: int = 1
    service: Service = Service.TCP
    remote_ip: str = ""
    remote_port: int = 0
    local_port: int = 0
    phase: Phase = Phase.INITIAL
    server_id: int = 0
    access_mode: AccessMode = AccessMode.BUFFER
    rx: bytearray = field(default_factory=bytearray)
    datagrams: list[tuple[bytes, Address]] = field(default_factory=list)
    """UDP datagrams not yet read, oldest first (a list: an empty deque costs 760 bytes,
    times 12 slots, times every module of a fleet; queues here stay short)."""
    rx_total: int = 0
    rx_read: int = 0
    tx_total: int = 0
    recv_reported: bool = False
    paused: bool = False
    overflow: bytearray = field(default_factory=bytearray)
    """Stream bytes that arrived beyond the receive buffer while reading was pausing;
    moved into ``rx`` as the host reads (nothing is dropped)."""
    close_urc: bool = False
    """``close/mode`` 1: the host's QICLOSE was answered at once, so ``+QIURC: "closed"``
    reports the end of the close."""

    @property
    def unread(self) -> int:
        return self.rx_total - self.rx_read

    @property
    def state(self) -> SocketState:
        """``<socket_state>`` as QISTATE shows it."""
        return self.phase.visible

    @property
    def in_use(self) -> bool:
        return self.phase is not Phase.INITIAL

    def allows(self, event: Event) -> bool:
        return allowed(self.phase, event)

    def __post_init__(self) -> None:
        ShownChange.bump()

    def advance(self, event: Event) -> None:
        self.phase = advance(self.phase, event)
        ShownChange.bump()

    def set_access_mode(self, mode: AccessMode) -> None:
        self.access_mode = mode
        ShownChange.bump()

    def set_local_port(self, port: int) -> None:
        self.local_port = port
        ShownChange.bump()

    def set_remote(self, address: Address) -> None:
        self.remote_ip, self.remote_port = address
        ShownChange.bump()
