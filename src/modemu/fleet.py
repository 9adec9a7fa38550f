"""Many virtual modules in one process: ``modemu fleet --count N``.

A fleet is N :class:`~modemu.server.VirtualModem` on one event loop, each a whole module of
its own: its own pty (``--pty-dir``) or TCP port (``--tcp-base``), IMEI, NV file, control
socket and trace. One process serves thousands (the kernel's pty cap, ``pty.max``, is 4,096
by default; TCP ports have no such cap): per module it costs a pty or a listening socket
and ~25-40 KiB, and an idle module costs no CPU. The fleet writes a JSON manifest (schema:
:data:`MANIFEST_SCHEMA`) naming every module's id, port or pty, IMEI, control socket, NV
file and trace, so test harnesses and orchestrators find them without guessing.

Identities: module ``i`` gets the IMEI whose first 14 digits are the base IMEI's plus ``i``
(the serial number part counts up), with the Luhn check digit recomputed, as the IMEIs of a
production batch run; ids are ``modem-0000``, ``modem-0001``…
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modemu.modem.nvstore import FileNvStore, MemoryNvStore, NvStore
from modemu.modem.profile import Profile

if TYPE_CHECKING:
    from modemu.server import VirtualModem
    from modemu.transport.base import Transport

__all__ = [
    "MANIFEST_SCHEMA",
    "MANIFEST_VERSION",
    "MAX_PORT",
    "Fleet",
    "FleetLayout",
    "ModuleEntry",
    "fleet_imei",
    "luhn_digit",
    "raise_fd_limit",
]

MANIFEST_VERSION = 1
MAX_PORT = 65535

MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "modemu fleet manifest",
    "type": "object",
    "required": ["format", "version", "count", "pid", "modules"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": "modemu-fleet"},
        "version": {"const": MANIFEST_VERSION},
        "count": {"type": "integer", "minimum": 1},
        "pid": {"type": "integer"},
        "model": {"type": "string"},
        "modules": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "url", "pty", "tcp", "imei", "control", "nv", "trace"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^modem-[0-9]{4,}$"},
                    "url": {"type": "string", "minLength": 1},
                    "pty": {"type": ["string", "null"]},
                    "tcp": {"type": ["string", "null"], "pattern": "^[^:]+:[0-9]+$"},
                    "imei": {"type": "string", "pattern": "^[0-9]{15}$"},
                    "control": {"type": ["string", "null"]},
                    "nv": {"type": ["string", "null"]},
                    "trace": {"type": ["string", "null"]},
                },
            },
        },
    },
}
"""JSON Schema of the manifest (``docs/fleet.md``); ``tests/integration/test_fleet.py``
validates real manifests against it."""


def luhn_digit(body: str) -> str:
    """The Luhn check digit of ``body`` (the 14 digits of an IMEI without its last)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:  # every second digit from the right of the body is doubled
            digit = sum(divmod(digit * 2, 10))  # 14 -> 1 + 4
        total += digit
    return str((10 - total % 10) % 10)


def fleet_imei(base: str, index: int) -> str:
    """The IMEI of module ``index``: base's 14-digit body plus ``index``, Luhn digit anew."""
    body = int(base[:14]) + index
    if body >= 10**14:
        raise ValueError(f"IMEI base {base} has no room for {index + 1} modules")
    text = f"{body:014d}"
    return text + luhn_digit(text)


@dataclass(frozen=True)
class ModuleEntry:
    """One module as the manifest lists it."""

    id: str
    url: str
    pty: str | None
    tcp: str | None
    imei: str
    control: str | None
    nv: str | None
    trace: str | None


@dataclass(frozen=True)
class FleetLayout:
    """Where each module's files and ports go (what ``modemu fleet`` was asked)."""

    count: int
    pty_dir: Path | None = None
    tcp_host: str = "127.0.0.1"
    tcp_base: int | None = None
    """First port; module i listens on ``tcp_base + i`` (0: every module picks a free one)."""
    state_dir: Path | None = None
    """NV files ``<imei>.json`` here; None keeps NV in memory."""
    control_dir: Path | None = None
    trace_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a fleet has at least one module")
        if (self.pty_dir is None) == (self.tcp_base is None):
            raise ValueError("give exactly one of a pty directory or a TCP base port")
        last = (self.tcp_base or 0) + self.count - 1
        if self.tcp_base and last > MAX_PORT:
            raise ValueError(f"ports {self.tcp_base}+{self.count} pass {MAX_PORT}")

    def module_id(self, index: int) -> str:
        return f"modem-{index:04d}"

    def control_path(self, index: int) -> Path | None:
        if self.control_dir is None:
            return None
        return self.control_dir / f"{self.module_id(index)}.ctl"

    def trace_path(self, index: int) -> Path | None:
        if self.trace_dir is None:
            return None
        return self.trace_dir / f"{self.module_id(index)}.jsonl"

    def nv_path(self, imei: str) -> Path | None:
        return None if self.state_dir is None else self.state_dir / f"{imei}.json"

    def transport(self, index: int) -> Transport:
        from modemu.transport.pty import PtyTransport  # noqa: PLC0415
        from modemu.transport.tcp import TcpTransport  # noqa: PLC0415

        if self.pty_dir is not None:
            return PtyTransport(self.pty_dir / self.module_id(index))
        assert self.tcp_base is not None
        port = self.tcp_base + index if self.tcp_base else 0
        return TcpTransport(self.tcp_host, port)


ModemFactory = Callable[..., "VirtualModem"]


class Fleet:
    """Start, serve and stop the modules of a :class:`FleetLayout` on the running loop.

    ``build(index, profile, transport, nv, tracer, control_path)`` makes one module (the CLI
    passes one that adds its network, policy and baud options); by default a plain
    :class:`~modemu.server.VirtualModem`."""

    def __init__(
        self,
        layout: FleetLayout,
        profile: Profile,
        *,
        build: ModemFactory | None = None,
        redact_traces: bool = False,
    ) -> None:
        self.layout = layout
        self.profile = profile
        self._build = build or _plain_modem
        self._redact = redact_traces
        self.modems: list[VirtualModem] = []
        self.entries: list[ModuleEntry] = []
        self._stack = contextlib.AsyncExitStack()

    async def start(self, on_started: Callable[[int], None] | None = None) -> list[ModuleEntry]:
        """Start every module in order (``on_started(i)`` after each); on a failure the ones
        already up are stopped and the error propagates."""
        for directory in (self.layout.pty_dir, self.layout.control_dir, self.layout.trace_dir):
            if directory is not None:
                directory.mkdir(parents=True, exist_ok=True)
        if self.layout.state_dir is not None:
            self.layout.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            for index in range(self.layout.count):
                await self._start_one(index)
                if on_started is not None:
                    on_started(index)
        except BaseException:
            await self.aclose()
            raise
        return self.entries

    async def _start_one(self, index: int) -> None:
        imei = fleet_imei(self.profile.imei, index)
        profile = self.profile.with_overrides(imei=imei)
        nv_path = self.layout.nv_path(imei)
        nv: NvStore = MemoryNvStore() if nv_path is None else FileNvStore(nv_path)
        trace_path = self.layout.trace_path(index)
        control = self.layout.control_path(index)
        module_id = self.layout.module_id(index)
        tracer = None
        if trace_path is not None:
            from modemu.trace import Tracer  # noqa: PLC0415

            meta = {"model": profile.model, "fleet_id": module_id, "imei": imei}
            tracer = Tracer.open(trace_path, source="fleet", redact=self._redact, meta=meta)
        modem = self._build(
            index=index,
            profile=profile,
            transport=self.layout.transport(index),
            nv=nv,
            tracer=tracer,
            control_path=None if control is None else str(control),
        )
        await self._stack.enter_async_context(modem)
        self.modems.append(modem)
        self.entries.append(
            _entry(module_id, modem, imei, control=control, nv=nv_path, trace=trace_path)
        )

    def manifest(self) -> dict[str, Any]:
        return {
            "format": "modemu-fleet",
            "version": MANIFEST_VERSION,
            "count": len(self.entries),
            "pid": os.getpid(),
            "model": self.profile.model,
            "modules": [asdict(entry) for entry in self.entries],
        }

    def write_manifest(self, path: Path) -> None:
        """Write the manifest atomically (a reader never sees half of it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.manifest(), indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    async def aclose(self) -> None:
        """Stop every module (links, sockets, control sockets, traces closed)."""
        await self._stack.aclose()
        self.modems.clear()


def _entry(
    module_id: str,
    modem: VirtualModem,
    imei: str,
    *,
    control: Path | None,
    nv: Path | None,
    trace: Path | None,
) -> ModuleEntry:
    url = modem.transport.url
    tcp = url.removeprefix("socket://") if url.startswith("socket://") else None
    return ModuleEntry(
        id=module_id,
        url=url,
        pty=None if tcp is not None else url,
        tcp=tcp,
        imei=imei,
        control=None if control is None else str(control),
        nv=None if nv is None else str(nv),
        trace=None if trace is None else str(trace),
    )


def _plain_modem(**parts: Any) -> VirtualModem:
    from modemu.server import VirtualModem  # noqa: PLC0415

    parts.pop("index")
    return VirtualModem(**parts)


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's soft fd limit towards ``wanted`` (up to the hard limit); returns
    the soft limit in force. A module needs about three fds (pty master and slave, or a
    listening socket, plus a control socket)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft
