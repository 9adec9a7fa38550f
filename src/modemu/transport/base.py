"""The byte link between the host program and the virtual module.

A transport moves bytes and nothing else: it knows no AT syntax. The server gives it a
:class:`LinkListener` at :meth:`Transport.start`; the transport then reports what the host
sent, when a host attaches or detaches (a TCP client connects, a memory host reopens), and
when the host stops draining output so the engine can hold back (``set_host_writable``).

Every transport follows the same rules, so the server needs no special cases:

* Callbacks run on the event loop thread. Only ``host_writable`` may be called from inside
  :meth:`Transport.write` (the write that crossed the high-water mark).
* Output written while no host is attached is dropped, as bytes sent down an unplugged
  cable would be. (A pty counts as always attached: the kernel keeps what it can.)
* Output is buffered up to ``high_water`` bytes before the listener hears
  ``host_writable(False)``; ``host_writable(True)`` follows once it drains to ``low_water``.
  The buffer is bounded by ``max_buffer``; bytes beyond it are dropped and counted, which only
  happens when the producer ignores back-pressure.
* Writability always reads as ``True`` again after a detach: a new host starts clean.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from modemu.errors import ModemuError

__all__ = [
    "DEFAULT_HIGH_WATER",
    "DEFAULT_LOW_WATER",
    "DEFAULT_MAX_BUFFER",
    "LineListener",
    "LineTransport",
    "LinkListener",
    "Transport",
    "TransportError",
    "WaterMarks",
]

DEFAULT_HIGH_WATER = 64 * 1024
DEFAULT_LOW_WATER = 16 * 1024
DEFAULT_MAX_BUFFER = 4 * 1024 * 1024

log = logging.getLogger("modemu.transport")


class TransportError(ModemuError):
    """A transport cannot start: the link path is taken, the port is in use, and so on.

    The message is one line a user can act on; the CLI prints it as is.
    """


class LinkListener(Protocol):
    """What a transport reports to (implemented by the server)."""

    def data_received(self, data: bytes) -> None:
        """Bytes the host sent (never empty)."""
        ...

    def host_attached(self) -> None:
        """A host connected (or, for a pty, the link came up)."""
        ...

    def host_detached(self) -> None:
        """The host went away; the module keeps running and waits for the next one."""
        ...

    def host_writable(self, writable: bool) -> None:
        """``False``: output backs up past the high-water mark; ``True``: it drained again."""
        ...


class LineListener(LinkListener, Protocol):
    """A listener that also hears the lines the host drives (transports with lines)."""

    def host_line(self, name: str, value: bool | int) -> None:
        """``dtr``, ``rts``, ``brk`` (bool) or ``baudrate`` (int) changed."""
        ...


class Transport(Protocol):
    """A byte link to one host at a time."""

    async def start(self, listener: LinkListener) -> None:
        """Open the link (create the pty, bind the port); raise :class:`TransportError`."""
        ...

    def write(self, data: bytes) -> None:
        """Queue output for the host; never blocks."""
        ...

    def pause_reading(self) -> None:
        """Stop delivering host bytes so the host's writes back up (input back-pressure)."""
        ...

    def resume_reading(self) -> None: ...

    @property
    def url(self) -> str:
        """What a host opens: a device path, link path or ``socket://host:port``."""
        ...

    def describe(self) -> str:
        """A human description, e.g. ``pty /dev/pts/7 (link /tmp/modem)``."""
        ...

    async def aclose(self) -> None:
        """Close the link and release everything (fds, sockets, the symlink). Idempotent."""
        ...


@runtime_checkable
class LineTransport(Protocol):
    """A transport that carries modem control lines (RFC 2217); a pty or raw TCP has none."""

    def show_lines(self, *, cts: bool, dsr: bool, ri: bool, cd: bool) -> None:
        """The lines the module drives now; the transport tells the host what changed."""
        ...


class WaterMarks:
    """Turns an output buffer size into ``host_writable`` edges, with a hard drop limit.

    Shared by the transports so their back-pressure behaves identically.
    """

    def __init__(
        self,
        high: int = DEFAULT_HIGH_WATER,
        low: int | None = None,
        max_buffer: int = DEFAULT_MAX_BUFFER,
    ) -> None:
        low = min(DEFAULT_LOW_WATER, high // 4) if low is None else low
        if not 0 <= low <= high <= max_buffer:
            raise ValueError("need 0 <= low_water <= high_water <= max_buffer")
        self.high = high
        self.low = low
        self.max_buffer = max_buffer
        self.writable = True
        self.dropped = 0
        """Output bytes dropped because the buffer was full (cumulative)."""

    def room(self, buffered: int, wanted: int) -> int:
        """How many of ``wanted`` new bytes fit; counts and logs the rest as dropped."""
        fits = max(0, min(wanted, self.max_buffer - buffered))
        if fits < wanted:
            if self.dropped == 0:
                log.warning("host is not reading; dropping output beyond %d bytes", self.max_buffer)
            self.dropped += wanted - fits
        return fits

    def update(self, buffered: int) -> bool | None:
        """The new writability if ``buffered`` crosses a mark, else ``None``."""
        if self.writable and buffered > self.high:
            self.writable = False
            return False
        if not self.writable and buffered <= self.low:
            self.writable = True
            return True
        return None

    def reset(self) -> bool:
        """Forget the backlog (host gone); true if the listener must hear ``writable=True``."""
        was_blocked = not self.writable
        self.writable = True
        return was_blocked
