"""Who the virtual module says it is and how its network looks: a versioned TOML profile.

A profile is declarative data, kept apart from the engine so that a test, the CLI and a
TOML file all describe a module the same way. Every field has a default that matches the
spec's example answers, so an empty profile gives a plausible EC200T.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROFILE_VERSION = 1
"""The ``version`` a profile file declares; files without it are read as this version."""

SIM_STATES = ("READY", "ABSENT", "SIM PIN", "SIM PUK")


class ProfileError(ValueError):
    """A profile file or override is malformed; the message names the key."""


@dataclass(frozen=True)
class Profile:
    # identity
    manufacturer: str = "Quectel"
    model: str = "EC200TCN"
    revision: str = "EC200TCNDAR01A01M1G"
    imei: str = "869951040000008"
    imsi: str = "460001234567890"
    iccid: str = "89860025128306012474"
    # network
    operator: str = "CHINA MOBILE"
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
    """Seconds from ``AT+CFUN=1,1``'s ``OK`` to the boot URCs."""
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
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """Unrecognised keys are refused; this holds nothing today and exists for forward use."""

    def with_overrides(self, **values: Any) -> Profile:
        """A copy with some fields replaced; ``None`` values are ignored, others validated."""
        given = {k: v for k, v in values.items() if v is not None}
        unknown = set(given) - _FIELD_NAMES
        if unknown:
            raise ProfileError(f"unknown profile key(s): {', '.join(sorted(unknown))}")
        return validate(replace(self, **given))


_FIELD_NAMES = {f.name for f in fields(Profile)} - {"extra"}
_SECTIONS = ("identity", "network", "module")


def validate(profile: Profile) -> Profile:
    """Check field values against the ranges the AT answers can express."""
    _digits("imei", profile.imei, 15, 15)
    _digits("imsi", profile.imsi, 6, 15)
    _digits("iccid", profile.iccid, 19, 20)
    if not (0 <= profile.rssi <= 31 or profile.rssi == 99):
        raise ProfileError("rssi must be 0-31 or 99")
    if not (0 <= profile.ber <= 7 or profile.ber == 99):
        raise ProfileError("ber must be 0-7 or 99")
    if profile.registration not in (0, 1, 2, 3, 4, 5):
        raise ProfileError("registration must be 0-5")
    if profile.sim not in SIM_STATES:
        raise ProfileError(f"sim must be one of {', '.join(SIM_STATES)}")
    if not -48 <= profile.timezone_quarters <= 56:
        raise ProfileError("timezone_quarters must be -48..56")
    if not 1500 <= profile.rx_buffer_size <= 65534:
        raise ProfileError("rx_buffer_size must be 1500-65534")
    if not 64 <= profile.max_line <= 65536:
        raise ProfileError("max_line must be 64-65536")
    if profile.boot_delay < 0 or profile.reboot_delay < 0:
        raise ProfileError("delays must not be negative")
    return profile


def _digits(name: str, value: str, low: int, high: int) -> None:
    if not (value.isdigit() and low <= len(value) <= high):
        raise ProfileError(f"{name} must be {low}-{high} digits, got {value!r}")


def load_profile(path: str | Path, base: Profile | None = None) -> Profile:
    """Read a TOML profile. Keys live in ``[identity]``, ``[network]`` and ``[module]``
    (or at top level); ``version`` must be absent or :data:`PROFILE_VERSION`."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read profile {path}: {exc}") from exc
    version = data.pop("version", PROFILE_VERSION)
    if version != PROFILE_VERSION:
        raise ProfileError(f"profile version {version} is not supported (want {PROFILE_VERSION})")
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SECTIONS and isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return (base or Profile()).with_overrides(**flat)
