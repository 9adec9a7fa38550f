"""``modemu record``: a pass-through between a host and a module that writes a transcript.

The host opens our pty (or TCP port) as if it were the module; every byte it writes goes
to the module unchanged, every byte the module answers goes back unchanged, and both are
written to the transcript (docs/trace-format.md) as they pass. Nothing is parsed on the
way: the forwarding path is a callback and a write, so the recorder adds one pty hop.

Back-pressure instead of buffering: a host that stops reading makes us stop reading the
module; a module that cannot take bytes as fast as the host sends makes us stop reading
the host. No byte is dropped by the recorder.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from modemu.tools.module_port import LinkEvents, ModuleLink, open_module
from modemu.trace import Tracer
from modemu.transport.base import Transport

__all__ = ["Recorder"]

log = logging.getLogger("modemu.record")


class Recorder:
    """Forward between ``transport`` (the host) and the module at ``module_url``."""

    def __init__(
        self,
        *,
        transport: Transport,
        module_url: str,
        open_tracer: Callable[[], Tracer],
        baudrate: int = 115200,
    ) -> None:
        self.transport = transport
        self.module_url = module_url
        self.baudrate = baudrate
        self._open_tracer = open_tracer
        self._tracer: Tracer | None = None
        self.closed_reason: str | None = None
        """Why the module went away, when it did (the recording then stops)."""
        self._module: ModuleLink | None = None
        self._stopped = asyncio.Event()
        self._host_paused = False

    @property
    def tracer(self) -> Tracer:
        if self._tracer is None:
            raise RuntimeError("Recorder is not started")
        return self._tracer

    async def __aenter__(self) -> Recorder:
        """Open the module first, then the transcript (a module that cannot be opened
        leaves an earlier transcript at the path untouched), then the host link."""
        try:
            events = LinkEvents(
                on_data=self._from_module,
                on_closed=self._module_closed,
                on_congested=self._module_congested,
                on_drained=self._module_drained,
            )
            self._module = await open_module(self.module_url, events, self.baudrate)
            # no await between here and the tracer: no module byte can arrive before it
            self._tracer = self._open_tracer()
            self._tracer.attach_loop(asyncio.get_running_loop())
            await self.transport.start(self)
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def run(self) -> None:
        """Forward until :meth:`stop` or until the module goes away."""
        await self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()

    async def aclose(self) -> None:
        self._stopped.set()
        try:
            await self.transport.aclose()
        finally:
            if self._module is not None:
                await self._module.aclose()
                self._module = None
            if self._tracer is not None:
                self._tracer.close()

    # -- the module -----------------------------------------------------------------------

    def _from_module(self, data: bytes) -> None:
        self.tracer.chunk("tx", data)
        self.transport.write(data)

    def _module_closed(self, why: str) -> None:
        self.closed_reason = why
        self.tracer.event("module-closed", reason=why)
        log.info("module %s went away: %s", self.module_url, why)
        self.stop()

    def _module_congested(self) -> None:
        if not self._host_paused:
            self._host_paused = True
            self.transport.pause_reading()

    def _module_drained(self) -> None:
        if self._host_paused:
            self._host_paused = False
            self.transport.resume_reading()

    # -- the host (LinkListener) ----------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self.tracer.chunk("rx", data)
        if self._module is None:
            return
        self._module.write(data)

    def host_attached(self) -> None:
        self.tracer.event("host-attached")

    def host_detached(self) -> None:
        self.tracer.event("host-detached")

    def host_writable(self, writable: bool) -> None:
        if self._module is None:
            return
        if writable:
            self._module.resume_reading()
        else:
            self._module.pause_reading()
