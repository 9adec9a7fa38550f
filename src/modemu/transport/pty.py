"""A pseudo-terminal: the host opens ``/dev/pts/N`` (or a symlink to it) like a serial port.

Why it is built the way it is (measurements in docs/performance.md):

* The slave side is put in raw mode: the default line discipline would turn LF into CR LF,
  eat ``^C``/``^S`` and otherwise mangle binary data.
* The server keeps its own slave fd open for the whole life of the transport. Linux reports
  EIO (and POLLHUP, forever) on the master whenever no slave fd is open, so without it the
  first host close would look like a dead link. With it, the host can close and reopen the
  device any number of times, like a real UART that stays powered. The price: a pty cannot
  tell when a host attaches or detaches, so it reports one attach at start and never a detach.
* ``wait_for_host=True`` (``--power-on attach``) uses that same kernel behaviour to see the
  first host: the server's slave fd stays closed and the master is polled for POLLHUP,
  which clears the moment a host opens the device. Then the server's slave fd is opened
  and the attach reported (raw mode survives: the termios settings live with the pty).
* The master fd is non-blocking and served by ``loop.add_reader``/``add_writer``:
  ``connect_read_pipe``/``connect_write_pipe`` are slower, and uvloop's write-pipe transport
  also reads the fd, silently losing input.
* Output that the kernel does not take at once is kept in a bounded buffer; crossing the
  high-water mark tells the listener to hold back (see :mod:`modemu.transport.base`).
* While such a backlog exists, a thread of its own writes it (:mod:`modemu.transport.ptywriter`):
  a pty takes only ~12 KiB, and a thread that just polls and writes is far cheaper per refill
  than a loop wake-up and a Python callback each few KiB. Answers written while nothing is
  queued go straight to the fd from the loop, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import math
import os
import select
import stat
import termios
import tty
from pathlib import Path

from modemu.transport.base import (
    DEFAULT_HIGH_WATER,
    DEFAULT_MAX_BUFFER,
    LinkListener,
    TransportError,
    WaterMarks,
)
from modemu.transport.ptywriter import BulkWriter, acquire_slot, release_slot

__all__ = ["PtyTransport", "make_raw"]

log = logging.getLogger("modemu.transport.pty")

READ_SIZE = 65536
BULK_PIECE = 2048
"""A read this long suggests bulk input: try for more before handing it on."""
ATTACH_POLL = 0.02
"""Seconds between checks for the first host with ``wait_for_host``."""
WRITER_RETIRE = 0.5
"""Seconds without new work after which an idle writer thread is ended (it is started again
when the next backlog appears)."""
BOTH_WAYS_WINDOW = 0.2
"""Seconds after a bulk read of host input during which bulk output stays with the loop's
non-blocking writes instead of a writer thread: with bulk traffic both ways at once the
writer and the loop, busy with host input, meet on the GIL at every refill, and the writer
then costs more CPU per MiB than it saves (docs/performance.md, "Data path")."""
WRITER_JOIN = 1.0
"""Seconds to wait for a writer thread to end (it is woken at once: it never sleeps inside
a write)."""

_IFLAG_CLEAR = (
    termios.IGNBRK
    | termios.BRKINT
    | termios.PARMRK
    | termios.ISTRIP
    | termios.INLCR
    | termios.IGNCR
    | termios.ICRNL
    | termios.IXON
    | termios.IXOFF
)


def make_raw(fd: int) -> None:
    """``tty.setraw`` plus the input flags it leaves alone on Python 3.11 (like cfmakeraw).

    Without clearing IXOFF/INLCR/IGNCR the kernel could still rewrite or swallow bytes.
    """
    tty.setraw(fd, termios.TCSANOW)
    attrs = termios.tcgetattr(fd)
    attrs[0] &= ~_IFLAG_CLEAR
    attrs[3] &= ~(termios.ECHONL | termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


class PtyTransport:
    """A pty with an optional symlink ``link`` → ``/dev/pts/N``.

    ``link`` is replaced if it is a symlink (a stale one from a crashed run, say); a regular
    file or directory there is never touched: :meth:`start` raises :class:`TransportError`.
    The link is removed on close if it still points at this pty.
    """

    def __init__(
        self,
        link: str | os.PathLike[str] | None = None,
        *,
        high_water: int = DEFAULT_HIGH_WATER,
        low_water: int | None = None,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        wait_for_host: bool = False,
    ) -> None:
        self._link = Path(link) if link is not None else None
        self._wait_for_host = wait_for_host
        self._attached = False
        self._poll_handle: asyncio.TimerHandle | None = None
        self._marks = WaterMarks(high_water, low_water, max_buffer)
        self._master = -1
        self._slave = -1
        self._slave_path = ""
        self._listener: LinkListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._out = bytearray()
        """The loop's own backlog: bytes to write when no writer thread takes them (none
        free, bulk host input), queued behind whatever a busy writer still holds."""
        self._host_bulk_at = -math.inf
        """Loop time of the last bulk read of host input."""
        self._writer: BulkWriter | None = None
        self._retire_handle: asyncio.TimerHandle | None = None
        self._puts_seen = -1
        self._closing = False
        self._reading = False
        self._paused = False
        self._link_made = False
        self._broken = False

    # -- public ---------------------------------------------------------------------------

    @property
    def slave_path(self) -> str:
        """``/dev/pts/N`` once started."""
        return self._slave_path

    @property
    def link(self) -> Path | None:
        return self._link

    @property
    def url(self) -> str:
        return str(self._link) if self._link is not None else self._slave_path

    @property
    def dropped(self) -> int:
        """Output bytes dropped because the host did not read (see ``max_buffer``)."""
        return self._marks.dropped

    def describe(self) -> str:
        where = self._slave_path or "(not started)"
        return f"pty {where}" + (f" (link {self._link})" if self._link is not None else "")

    async def start(self, listener: LinkListener) -> None:
        if self._master >= 0:
            raise RuntimeError("transport already started")
        self._check_link_path()
        self._loop = asyncio.get_running_loop()
        self._open_pty()
        try:
            self._make_link()
        except BaseException:
            self._close_fds()
            raise
        self._listener = listener
        log.info("listening on %s", self.describe())
        if self._wait_for_host:
            os.close(self._slave)
            self._slave = -1
            self._poll_for_host()
        else:
            self._host_arrived()

    def _host_arrived(self) -> None:
        self._attached = True
        self._update_reader()
        if self._listener is not None:
            self._listener.host_attached()

    def _poll_for_host(self) -> None:
        """POLLHUP on the master means no slave fd is open: no host yet, look again soon."""
        self._poll_handle = None
        if self._master < 0 or self._loop is None:
            return
        poller = select.poll()
        poller.register(self._master, select.POLLHUP)
        if any(events & select.POLLHUP for _fd, events in poller.poll(0)):
            self._poll_handle = self._loop.call_later(ATTACH_POLL, self._poll_for_host)
            return
        log.info("host opened %s", self._slave_path)
        self._slave = os.open(self._slave_path, os.O_RDWR | os.O_NOCTTY)
        self._host_arrived()

    def write(self, data: bytes) -> None:
        if self._master < 0 or not data or not self._attached or self._closing:
            return
        if type(data) is not bytes:
            data = bytes(data)  # queued by reference below: never a buffer that may change
        writer = self._writer
        busy = writer is not None and not writer.idle
        if self._out or (busy and self._host_sends_bulk()):
            self._hold(data)  # behind the loop's backlog, or the busy writer's
            return
        if writer is not None and busy:
            self._queue_for(writer, data)
            return
        written = self._write_now(data)
        if written >= len(data):
            return
        rest = memoryview(data)[written:]  # no copy of the bulk that waits
        writer = None if self._host_sends_bulk() else self._bulk_writer()
        if writer is not None:
            self._queue_for(writer, rest)
            return
        self._hold(rest)

    def _hold(self, data: bytes | memoryview) -> None:
        """Keep ``data`` in the loop's backlog, written as the pty takes it. While a writer
        is busy its bytes go first, so the loop waits for the writer's idle news
        (:meth:`_on_writer_news`) before it writes the backlog itself. A backlog that was
        already there is already watched (or waits for that news)."""
        was_empty = not self._out
        fits = self._marks.room(self._backlog(), len(data))
        self._out += memoryview(data)[:fits]
        writer = self._writer
        if was_empty and (writer is None or writer.idle):
            assert self._loop is not None
            self._loop.add_writer(self._master, self._on_writable)
        self._report_marks()

    def _host_sends_bulk(self) -> bool:
        assert self._loop is not None
        return self._loop.time() - self._host_bulk_at < BOTH_WAYS_WINDOW

    def _backlog(self) -> int:
        """Bytes waiting for the pty that back-pressure counts: the loop's backlog and what
        the writer has queued but not yet taken in hand (see :attr:`BulkWriter.queued`),
        so the next socket read is queued while a chunk is still being written. Near the
        drop limit (half of ``max_buffer`` held) the chunk in hand counts too: the next
        read then waits until it is written, and nothing is dropped."""
        writer = self._writer
        if writer is None:
            return len(self._out)
        held = writer.pending
        if held * 2 > self._marks.max_buffer:
            return len(self._out) + held
        return len(self._out) + writer.queued

    def _queue_for(self, writer: BulkWriter, data: bytes | memoryview) -> None:
        fits = self._marks.room(writer.pending, len(data))
        if fits:
            writer.put(data if fits == len(data) else memoryview(data)[:fits])
        self._report_marks()

    def _bulk_writer(self) -> BulkWriter | None:
        """The writer thread, started if need be; ``None`` when the process has none free."""
        if self._writer is not None:
            return self._writer
        if self._broken or not acquire_slot():
            return None
        assert self._loop is not None
        loop = self._loop

        def notify() -> None:  # from the writer thread
            with contextlib.suppress(RuntimeError):  # the loop is closed: nothing to tell
                loop.call_soon_threadsafe(self._on_writer_news)

        self._writer = BulkWriter(self._master, self._marks.low, notify)
        return self._writer

    def _on_writer_news(self) -> None:
        """The writer's backlog fell to the low-water mark, it went idle, or it failed.
        (It may have been retired since: the marks are reported all the same.)"""
        if self._master < 0:
            return  # closed since: nothing to tell
        writer = self._writer
        if writer is not None and writer.error is not None:
            self._retire_writer()
            self._fail("write", writer.error)
        elif writer is not None and writer.idle:
            if self._out:  # held while the writer was busy: the loop writes it now
                assert self._loop is not None
                self._loop.add_writer(self._master, self._on_writable)
            if self._retire_handle is None:
                self._check_retire_later(writer)
        self._report_marks()

    def _check_retire_later(self, writer: BulkWriter) -> None:
        assert self._loop is not None
        self._puts_seen = writer.puts
        self._retire_handle = self._loop.call_later(WRITER_RETIRE, self._retire_if_idle)

    def _retire_if_idle(self) -> None:
        self._retire_handle = None
        writer = self._writer
        if writer is None:
            return
        if not writer.idle:
            return  # busy: its next idle notice schedules another look
        if writer.puts != self._puts_seen:  # it had work since: look again later
            self._check_retire_later(writer)
            return
        self._retire_writer()
        self._report_marks()

    def _retire_writer(self) -> None:
        """End the writer: it waits only on its condition or in ``poll``, and ``stop``
        wakes either, so the join is immediate."""
        writer, self._writer = self._writer, None
        if self._retire_handle is not None:
            self._retire_handle.cancel()
            self._retire_handle = None
        if writer is None:
            return
        writer.stop()
        if not writer.join(WRITER_JOIN):  # pragma: no cover - it is woken at once
            log.warning("pty writer thread did not end")
            return
        release_slot()

    def pause_reading(self) -> None:
        self._paused = True
        self._update_reader()

    def resume_reading(self) -> None:
        self._paused = False
        self._update_reader()

    async def aclose(self) -> None:
        if self._poll_handle is not None:
            self._poll_handle.cancel()
            self._poll_handle = None
        if self._master < 0 or self._closing:
            return
        self._closing = True  # output from here on is dropped, as after the close
        self._end_writer()
        if self._out:
            self._write_now(bytes(self._out))  # last chance, no waiting
            self._out.clear()
        self._remove_link()
        self._close_fds()
        self._closing = False
        log.info("closed %s", self.describe())

    def _end_writer(self) -> None:
        """Stop the writer thread (it is woken at once) and keep what it had not written,
        ahead of the loop's backlog, for the last write at close."""
        writer = self._writer
        if writer is None:
            return
        self._retire_writer()
        rest = writer.take_queue()
        if rest and not self._broken:
            self._out[:0] = b"".join(rest)  # the writer's bytes came before the loop's

    # -- pty and link ---------------------------------------------------------------------

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        try:
            make_raw(slave)
            os.set_blocking(master, False)
            self._slave_path = os.ttyname(slave)
        except BaseException:
            os.close(master)
            os.close(slave)
            raise
        self._master, self._slave = master, slave

    def _close_fds(self) -> None:
        if self._loop is not None and self._master >= 0:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
        self._reading = False
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def _check_link_path(self) -> None:
        """Refuse to replace anything but a symlink (a clear error instead of data loss)."""
        if self._link is None:
            return
        try:
            mode = self._link.lstat().st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise TransportError(f"cannot use link path {self._link}: {exc.strerror}") from exc
        if not stat.S_ISLNK(mode):
            kind = "directory" if stat.S_ISDIR(mode) else "file that is not a symlink"
            raise TransportError(f"refusing to replace {self._link}: it is a {kind}")

    def _make_link(self) -> None:
        """Point the link at the slave atomically: build a temporary symlink, rename it."""
        if self._link is None:
            return
        tmp = self._link.with_name(f".{self._link.name}.{os.getpid()}.tmp")
        try:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.symlink(self._slave_path, tmp)
            self._check_link_path()  # still not a file/dir (narrows the race)
            os.replace(tmp, self._link)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise TransportError(f"cannot create link {self._link}: {exc.strerror}") from exc
        self._link_made = True

    def _remove_link(self) -> None:
        """Remove the link only if it is still ours (a newer server may have replaced it)."""
        if self._link is None or not self._link_made:
            return
        self._link_made = False
        try:
            if os.readlink(self._link) == self._slave_path:
                self._link.unlink()
        except OSError as exc:
            log.debug("link %s not removed: %s", self._link, exc)

    # -- data path ------------------------------------------------------------------------

    def _update_reader(self) -> None:
        want = (
            self._master >= 0
            and self._attached
            and not self._paused
            and not self._broken
            and self._listener is not None
        )
        if want == self._reading:
            return
        assert self._loop is not None
        if want:
            self._loop.add_reader(self._master, self._on_readable)
        else:
            self._loop.remove_reader(self._master)
        self._reading = want

    def _on_readable(self) -> None:
        """What the host has sent, read without waiting (bulk input gathered), to the
        listener."""
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            self._fail("read", exc)
            return
        if len(data) >= BULK_PIECE:
            assert self._loop is not None
            self._host_bulk_at = self._loop.time()
            data = self._read_more(data)
        if data and self._listener is not None:
            self._listener.data_received(data)

    def _read_more(self, first: bytes) -> bytes:
        """During bulk input, gather the pieces the kernel already holds into one chunk:
        a pty hands over at most ~4 KiB per read, and one bigger chunk costs the engine
        far less than several small ones. Interactive input (short reads) skips this."""
        pieces = [first]
        total = len(first)
        while total < READ_SIZE:
            try:
                more = os.read(self._master, READ_SIZE - total)
            except OSError:
                break
            if not more:
                break
            pieces.append(more)
            total += len(more)
            if len(more) < BULK_PIECE:
                break
        return b"".join(pieces)

    def _write_now(self, data: bytes | bytearray) -> int:
        """Write what the kernel takes without blocking; the count written."""
        try:
            return os.write(self._master, data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            self._fail("write", exc)
            return len(data)  # the link is broken; drop rather than spin

    def _on_writable(self) -> None:
        if self._master < 0:
            return
        written = self._write_now(self._out)
        del self._out[:written]
        if not self._out:
            assert self._loop is not None
            self._loop.remove_writer(self._master)
        self._report_marks()

    def _report_marks(self) -> None:
        edge = self._marks.update(self._backlog())
        if edge is not None and self._listener is not None:
            self._listener.host_writable(edge)

    def _fail(self, what: str, exc: OSError) -> None:
        """An I/O error on the master. With our slave fd open EIO should never happen, so
        stop watching the fd instead of spinning on it."""
        log.error("pty %s failed on %s: %s", what, self._slave_path, exc)
        if exc.errno in (errno.EIO, errno.EBADF) and self._loop is not None and self._master >= 0:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
            self._reading = False
            self._broken = True
