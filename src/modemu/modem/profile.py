"""Who the virtual module says it is, and how it differs from its cousins: a TOML profile.

A profile is declarative data, kept apart from the engine so that a test, the CLI and a
TOML file all describe a module the same way. Every field has a default that matches the
spec's example answers, so an empty profile gives a plausible EC200T. The variants shipped
with modemu (EC200T, EC200U, EC21, BG96…) live in :mod:`modemu.profiles`; a profile file
may ``extends`` one of them, or another file, and change only what differs
(docs/variants.md says where each variant's values come from).

Every key of a file is checked for its type and range when the file is loaded, so that a
bad profile is refused at start with the file and the key named, never later in a handler.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from modemu.modem.choices import SIM_STATES, TIMING_MODES

PROFILE_VERSION = 1
"""The ``version`` a profile file declares; files without it are read as this version."""


QCFG_KEYS = (
    "nwscanmode",
    "nwscanseq",
    "iotopmode",
    "band",
    "urc/ri/ring",
    "urc/ri/smsincoming",
    "urc/ri/other",
    "risignaltype",
    "urc/delay",
    "ims",
    "apready",
)
"""Every ``AT+QCFG`` key modemu models; a profile lists the ones its variant has."""

QICFG_KEYS = (
    "transpktsize",
    "transwaittm",
    "dataformat",
    "viewmode",
    "passiveclosed",
    "udp/readmode",
    "udp/sendmode",
    "tcp/keepalive",
    "recvind",
    "tcp/retranscfg",
    "tcp/accept",
    "send/buffersize",
    "send/auto",
    "recv/ignore",
    "formatcfg",
    "qisend/timeout",
    "close/mode",
    "tcp/sendmode",
)
"""The seed's 18 ``AT+QICFG`` keys (lower case), in the order of its test form."""

TIMED_COMMANDS = ("qiact", "qideact", "qiclose", "qiopen", "dnsgip", "qntp", "qping", "reboot")
"""Names of the ``[timing]`` keys: the seconds a real module takes (see :meth:`Profile.delay`)."""


class ProfileError(ValueError):
    """A profile file or override is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    """One module variant: identity, network, behaviour, timing (see the module docstring)."""

    # what this profile is
    name: str = "default"
    description: str = "built-in defaults (an EC200T as in the spec's examples)"
    # identity
    manufacturer: str = "Quectel"
    model: str = "EC200TCN"
    revision: str = "EC200TCNDAR01A01M1G"
    qgmr_suffix: str = "01.001.01.001"
    """``AT+QGMR`` answers ``<revision>_<qgmr_suffix>``."""
    imei: str = "869951040000008"
    imsi: str = "460001234567890"
    iccid: str = "89860025128306012474"
    # network
    operator: str = "CHINA MOBILE"
    operator_short: str = "CMCC"
    plmn: str = "46000"
    """MCC+MNC of the registered network (``AT+QSPN``'s ``<RPLMN>``)."""
    rssi: int = 28
    ber: int = 99
    registration: int = 1
    """``<stat>`` of CREG/CGREG/CEREG: 0 none, 1 home, 2 searching, 3 denied, 5 roaming."""
    sim: str = "READY"
    pin: str = "1234"
    """PIN that ``AT+CPIN=`` accepts when ``sim`` is ``SIM PIN``."""
    pdp_address: str | None = None
    """Address shown for an active context; ``None`` means the host's outbound IPv4."""
    timezone_quarters: int = 32
    """Time zone of the network time, in quarter hours (32 = UTC+8, as in the spec's examples)."""
    # module behaviour
    boot_delay: float = 0.0
    """Seconds from power-on to ``RDY``."""
    reboot_delay: float = 0.5
    """Seconds from ``AT+CFUN=1,1``'s ``OK`` to the boot URCs (``timing = "fast"``)."""
    repower_delay: float = 2.0
    """Seconds after ``POWERED DOWN`` until the module powers itself on again (0: stay off).
    A bench supply would need a PWRKEY pulse; an automatic restart keeps CI from wedging."""
    qi_errors_as_cme: bool = False
    """Spec A20: answer failed TCP/IP commands with ``+CME ERROR: <55x>`` (following
    ``AT+CMEE``) instead of a plain ``ERROR``; the code stays readable by QIGETERROR."""
    rx_buffer_size: int = 16384
    """Per-socket receive buffer (spec §16: bounded, below 65535)."""
    max_line: int = 1024
    """Longest command line accepted after ``AT``; longer lines answer ``ERROR``."""
    supply_voltage: int = 3800
    """Millivolts reported by ``AT+CBC``."""
    temperature: int = 32
    """Degrees Celsius reported by ``AT+QTEMP``."""
    # boot: the URCs a power-on prints, in order
    boot_urcs: tuple[str, ...] = ("RDY", "+CFUN: 1")
    boot_sim_ready_urcs: tuple[str, ...] = (
        "+CPIN: READY",
        "+QUSIM: 1",
        "+QIND: PB DONE",
        "+QIND: SMS DONE",
    )
    """Printed after ``boot_urcs`` when the SIM is ready (else ``+CPIN: <state>``)."""
    boot_after_urcs: tuple[str, ...] = ()
    """Printed last, whatever the SIM state (BG96: ``APP RDY``)."""
    # TCP/IP differences
    contexts: int = 15
    """PDP context ids are 1..contexts (EC200 family 15, EC2x/BG96 16)."""
    qicfg_keys: tuple[str, ...] = QICFG_KEYS
    """``AT+QICFG`` keys this variant has; the others answer ``ERROR``."""
    qicfg_defaults: tuple[str, ...] = ()
    """Factory ``AT+QICFG`` values that differ from the EC200T's, as ``"<key>,<value>[,…]"``
    (``"tcp/accept,0"``); ``AT&F`` and reboots restore them."""
    push_recv_length: bool = True
    """Direct push mode: ``+QIURC: "recv",<id>,<len>`` (True) or ``+QIURC: "recv",<id>``."""
    # AT+QCFG: keys present and the defaults that differ between variants
    qcfg_keys: tuple[str, ...] = tuple(k for k in QCFG_KEYS if k != "iotopmode")
    qcfg_nwscanmode: int = 0
    qcfg_nwscanseq: str = "00"
    qcfg_iotopmode: int = 2
    qcfg_band: str = "0x0,0x1e2000000095,0x0"
    """The values ``AT+QCFG="band"`` reports, comma-separated hexadecimal."""
    # realistic timing (applied only when timing = "real")
    timing: str = "fast"
    time_qiact: float = 1.0
    time_qideact: float = 0.5
    time_qiclose: float = 0.2
    time_qiopen: float = 0.3
    time_dnsgip: float = 0.2
    time_qntp: float = 0.5
    time_qping: float = 0.1
    time_reboot: float = 8.0
    # line discipline
    lf_wait: float = 0.005
    """Seconds a command that opens a data phase (``>``, ``CONNECT``) waits for the LF that
    may follow its CR before answering; that LF is part of the terminator, never data
    (docs/line-discipline.md). 5 ms is ~60 byte times at 115200 baud."""

    def with_overrides(self, **values: Any) -> Profile:
        """A copy with some fields replaced; ``None`` values are ignored, others checked."""
        given = {k: v for k, v in values.items() if v is not None}
        unknown = set(given) - FIELD_NAMES
        if unknown:
            raise ProfileError(f"unknown profile key(s): {', '.join(sorted(unknown))}")
        checked = {name: _coerce(name, value) for name, value in given.items()}
        return validate(replace(self, **checked))

    def delay(self, what: str) -> float:
        """Seconds ``what`` (one of :data:`TIMED_COMMANDS`) takes: 0 with fast timing, except
        the reboot, which keeps ``reboot_delay`` so that boot URCs still come after the OK."""
        if what == "reboot":
            return self.time_reboot if self.timing == "real" else self.reboot_delay
        if self.timing != "real":
            return 0.0
        value: float = getattr(self, f"time_{what}")
        return value

    @property
    def qgmr(self) -> str:
        return f"{self.revision}_{self.qgmr_suffix}" if self.qgmr_suffix else self.revision


FIELD_NAMES = frozenset(f.name for f in fields(Profile))


@functools.cache
def _hints() -> dict[str, Any]:
    """Field types, evaluated once when a file or an override is first checked (~1 ms that a
    default ``modemu serve`` start never needs)."""
    return get_type_hints(Profile)


_DIRECT_SECTIONS = ("identity", "network", "module", "tcpip")
"""Sections whose keys are field names (and the top level, for old files)."""
_PREFIXED_SECTIONS = {"boot": "boot_", "qcfg": "qcfg_", "timing": "time_"}
"""Sections whose keys are field names without this prefix."""
_SECTION_ALIASES = {
    ("boot", "urcs"): "boot_urcs",
    ("boot", "sim_ready"): "boot_sim_ready_urcs",
    ("boot", "after"): "boot_after_urcs",
    ("qcfg", "keys"): "qcfg_keys",
    ("timing", "mode"): "timing",
}
_META_KEYS = ("version", "extends")


def _coerce(name: str, value: Any) -> Any:
    """``value`` as the type of field ``name`` (TOML arrays become tuples), or an error."""
    hint = _hints()[name]
    if value is None and "None" in str(hint):
        return None
    text = str(hint).replace(" | None", "").replace("typing.Optional", "")
    if text.startswith("tuple"):
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ProfileError(f"{name} must be a list of strings")
        return tuple(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ProfileError(f"{name} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProfileError(f"{name} must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProfileError(f"{name} must be a number of seconds, got {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ProfileError(f"{name} must be a string, got {value!r}")
    return value


_HEX_LIST = re.compile(r"0x[0-9a-fA-F]{1,20}(,0x[0-9a-fA-F]{1,20}){0,2}")
_SCAN_SEQ = re.compile(r"00|(0[1-5]){1,5}")


def validate(profile: Profile) -> Profile:
    """Check field values against the ranges the AT answers can express."""
    _digits("imei", profile.imei, 15, 15)
    _digits("imsi", profile.imsi, 6, 15)
    _digits("iccid", profile.iccid, 19, 20)
    _digits("plmn", profile.plmn, 5, 6)
    _digits("pin", profile.pin, 4, 8)
    _check(0 <= profile.rssi <= RSSI_MAX or profile.rssi == UNKNOWN, "rssi must be 0-31 or 99")
    _check(0 <= profile.ber <= BER_MAX or profile.ber == UNKNOWN, "ber must be 0-7 or 99")
    _check(profile.registration in (0, 1, 2, 3, 4, 5), "registration must be 0-5")
    _check(profile.sim in SIM_STATES, f"sim must be one of {', '.join(SIM_STATES)}")
    for name, (low, high, shown) in _LIMITS.items():
        _check(low <= getattr(profile, name) <= high, f"{name} must be {shown}")
    _check(profile.timing in TIMING_MODES, f"timing must be one of {', '.join(TIMING_MODES)}")
    delays = {"boot_delay": profile.boot_delay, "reboot_delay": profile.reboot_delay}
    delays |= {"repower_delay": profile.repower_delay}
    delays |= {f"time_{name}": getattr(profile, f"time_{name}") for name in TIMED_COMMANDS}
    for name, seconds in delays.items():
        _check(0 <= seconds <= MAX_DELAY, f"{name} must be 0-600 seconds")
    _known("qicfg_keys", profile.qicfg_keys, QICFG_KEYS)
    _known("qcfg_keys", profile.qcfg_keys, QCFG_KEYS)
    from modemu.modem.state import QiConfig  # noqa: PLC0415 - the module state, not for --help

    try:
        QiConfig.with_defaults(profile.qicfg_defaults)
    except ValueError as exc:
        raise ProfileError(f"qicfg_defaults: {exc}") from None
    _check(profile.qcfg_nwscanmode in (0, 1, 2, 3), "qcfg_nwscanmode must be 0-3")
    _check(profile.qcfg_iotopmode in (0, 1, 2), "qcfg_iotopmode must be 0-2")
    _check(
        _SCAN_SEQ.fullmatch(profile.qcfg_nwscanseq) is not None,
        "qcfg_nwscanseq must be 00 or pairs 01-05 (e.g. 020301)",
    )
    _check(
        _HEX_LIST.fullmatch(profile.qcfg_band) is not None,
        "qcfg_band must be one to three hexadecimal values like 0x0,0x1e2000000095,0x0",
    )
    for name in ("boot_urcs", "boot_sim_ready_urcs", "boot_after_urcs"):
        for line in getattr(profile, name):
            _check(_printable(line), f"{name} entries must be printable one-line text")
    for name in ("manufacturer", "model", "revision", "qgmr_suffix", "operator", "operator_short"):
        _check(_printable(getattr(profile, name)), f"{name} must be printable one-line text")
    for name in ("operator", "operator_short", "description"):
        _check('"' not in getattr(profile, name), f"{name} must not contain a double quote")
    _check(_printable(profile.description), "description must be printable one-line text")
    _check(0 < profile.lf_wait <= 1.0, "lf_wait must be more than 0 and at most 1 second")
    return profile


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ProfileError(message)


RSSI_MAX, BER_MAX, UNKNOWN = 31, 7, 99
"""``AT+CSQ`` ranges; 99 is "not known or not detectable" (3GPP TS 27.007)."""
MAX_DELAY = 600
"""Longest delay a profile may set, in seconds."""
MAX_TEXT = 200
"""Longest identity or URC text a profile may set."""
_LIMITS = {
    "timezone_quarters": (-48, 56, "-48..56"),
    "rx_buffer_size": (1500, 65534, "1500-65534"),
    "max_line": (64, 65536, "64-65536"),
    "contexts": (1, 16, "1-16"),
    "supply_voltage": (0, 10000, "0-10000 (mV)"),
    "temperature": (-40, 125, "-40..125"),
}
"""Inclusive ranges of the numeric keys the AT answers can express."""


def _printable(text: str) -> bool:
    return text.isprintable() and len(text) <= MAX_TEXT


def _known(name: str, values: Iterable[str], allowed: tuple[str, ...]) -> None:
    unknown = [v for v in values if v.lower() not in allowed]
    if unknown:
        raise ProfileError(f"{name}: unknown key(s) {', '.join(unknown)}")


def _digits(name: str, value: str, low: int, high: int) -> None:
    if not (value.isdigit() and low <= len(value) <= high):
        raise ProfileError(f"{name} must be {low}-{high} digits, got {value!r}")


# -- files ----------------------------------------------------------------------------------


def load_profile(path: str | Path, base: Profile | None = None) -> Profile:
    """Read a TOML profile (and the profiles it ``extends``) over ``base``.

    Keys live in ``[identity]``, ``[network]``, ``[module]``, ``[tcpip]`` (or at top level,
    as version-1 files had them), ``[boot]``, ``[qcfg]`` and ``[timing]``; ``version``
    must be absent or :data:`PROFILE_VERSION`. Every error names the file and the key.
    """
    values = _read_chain(Path(path), [])
    start = base or Profile()
    try:
        return start.with_overrides(**values)
    except ProfileError as exc:
        raise ProfileError(f"profile {path}: {exc}") from None


def _read_chain(path: Path, seen: list[Path]) -> dict[str, Any]:
    """The field values of ``path`` over those of the profile it extends."""
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in [*seen, resolved])
        raise ProfileError(f"profile {path}: extends itself ({chain})")
    data = _read_toml(path)
    parent = data.pop("extends", None)
    values: dict[str, Any] = {}
    if parent is not None:
        if not isinstance(parent, str) or not parent:
            raise ProfileError(f"profile {path}: extends must be a profile name or file")
        values = _read_chain(_parent_path(path, parent), [*seen, resolved])
    values.update(_flatten(path, data))
    return values


def _parent_path(path: Path, parent: str) -> Path:
    shipped = shipped_path(parent)
    if shipped is not None:
        return shipped
    candidate = path.parent / parent
    if not candidate.is_file():
        raise ProfileError(
            f"profile {path}: extends {parent!r}, which is neither a shipped profile "
            "(see `modemu profiles`) nor a file next to it"
        )
    return candidate


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # noqa: PLC0415 - profile files are read at start, not for `modemu --help`

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read profile {path}: {exc}") from exc
    version = data.pop("version", PROFILE_VERSION)
    if version != PROFILE_VERSION:
        raise ProfileError(
            f"profile {path}: version {version!r} is not supported (want {PROFILE_VERSION})"
        )
    return data


def _flatten(path: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """Section keys → field names, each checked for its type now, so errors name the file."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in _DIRECT_SECTIONS and isinstance(value, dict):
            items = [(f"[{key}] {k}", k, v) for k, v in value.items()]
        elif key in _PREFIXED_SECTIONS and isinstance(value, dict):
            prefix = _PREFIXED_SECTIONS[key]
            items = [
                (f"[{key}] {k}", _SECTION_ALIASES.get((key, k), prefix + k), v)
                for k, v in value.items()
            ]
        else:
            items = [(key, key, value)]
        for where, name, item in items:
            if name not in FIELD_NAMES or name in _META_KEYS:
                raise ProfileError(f"profile {path}: unknown key {where}")
            try:
                flat[name] = _coerce(name, item)
            except ProfileError as exc:
                raise ProfileError(f"profile {path}: {where}: {exc}") from None
    return flat


# -- shipped variants -----------------------------------------------------------------------


def _shipped_dir() -> Path:
    from importlib import resources  # noqa: PLC0415 - see _read_toml

    return Path(str(resources.files("modemu.profiles")))


def shipped_path(name: str) -> Path | None:
    """The file of shipped profile ``name`` (case-insensitive), or None."""
    if not name.replace("-", "").replace("_", "").isalnum():
        return None
    path = _shipped_dir() / f"{name.lower()}.toml"
    return path if path.is_file() else None


def shipped_profiles() -> list[tuple[str, Profile]]:
    """Every shipped profile by name, loaded (a broken one raises; a test loads them all)."""
    return [(path.stem, load_profile(path)) for path in sorted(_shipped_dir().glob("*.toml"))]


def resolve_profile(spec: str) -> Profile:
    """``--profile``'s argument: a shipped name (``ec200u``) or a TOML file's path."""
    if spec.endswith(".toml") or "/" in spec or Path(spec).is_file():
        return load_profile(spec)
    path = shipped_path(spec)
    if path is None:
        names = ", ".join(p.stem for p in sorted(_shipped_dir().glob("*.toml")))
        raise ProfileError(
            f"no shipped profile {spec!r} (shipped: {names}); give a .toml path for a file"
        )
    return load_profile(path)
