"""Bulk output to a pty master from a thread whose writes block in the kernel.

Why: a non-blocking pty write takes only the few KiB the slave side has room for, so a bulk
stream costs one event-loop wake-up, one Python callback and one ``write()`` per ~6-8 KiB
(~170 per MiB). A *blocking* write of a big chunk refills the pty inside the kernel each
time the host reads, which is what socat does; it halves the CPU per MiB that the bridge
spends (docs/performance.md). An event loop cannot make that write itself, so a thread does,
only while a backlog exists: small answers with nothing queued are still written directly by
the loop, without a thread hop.

The catch is that ``O_NONBLOCK`` belongs to the pty's open file description, shared with the
event loop's reads. :class:`FdGate` makes that safe: the thread clears ``O_NONBLOCK`` only
while holding the gate's lock, and the loop sets it again under the same lock before every
read it makes while a writer is busy, so a read of the loop never meets a blocking fd (a
pty master cannot be reopened as a second file description, and its own termios, with
``VMIN`` 1, cannot be changed). Setting ``O_NONBLOCK`` does not wake a write that already
sleeps in the kernel: it returns, with what it wrote, the next time the host reads, and the
thread goes round again. While the writer exists it owns every write to the fd; the loop
writes directly again only once the writer is idle (its queue empty and the fd back in
non-blocking mode), and it alone hands the writer more, so the order of bytes never changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections import deque
from collections.abc import Callable

__all__ = ["MAX_WRITERS", "BulkWriter", "FdGate", "acquire_slot", "release_slot"]

MAX_WRITERS = 32
"""Writer threads per process at most (a fleet serves thousands of ptys in one process);
a pty that finds none free keeps the event loop's non-blocking writes."""

_slots = threading.BoundedSemaphore(MAX_WRITERS)


def acquire_slot() -> bool:
    """Take one of the process's writer slots without waiting; false if none is free."""
    return _slots.acquire(blocking=False)


def release_slot() -> None:
    """Give back a slot taken by :func:`acquire_slot` (once its writer has ended)."""
    _slots.release()


class FdGate:
    """The ``O_NONBLOCK`` flag of one fd, changed only under :attr:`lock`.

    The writer thread calls :meth:`blocking` before each write; the loop holds :attr:`lock`
    across each read it makes while a writer is busy and calls :meth:`nonblocking` first.
    """

    def __init__(self, fd: int) -> None:
        self.lock = threading.Lock()
        self._fd = fd
        self._flags = fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK
        self.is_blocking = False

    def blocking(self) -> None:
        """Clear ``O_NONBLOCK`` (caller holds :attr:`lock`)."""
        if not self.is_blocking:
            fcntl.fcntl(self._fd, fcntl.F_SETFL, self._flags)
            self.is_blocking = True

    def nonblocking(self) -> None:
        """Set ``O_NONBLOCK`` (caller holds :attr:`lock`)."""
        if self.is_blocking:
            fcntl.fcntl(self._fd, fcntl.F_SETFL, self._flags | os.O_NONBLOCK)
            self.is_blocking = False


class BulkWriter:
    """A thread writing queued chunks to ``fd`` in order, blocking in the kernel.

    Only the loop thread calls :meth:`put`, :meth:`stop` and :meth:`join`. ``notify`` is
    called from the writer thread (the transport passes ``loop.call_soon_threadsafe`` of
    its handler) when the backlog falls to ``low`` bytes, when the queue empties and on a
    write error; the transport reads :attr:`pending`, :attr:`idle` and :attr:`error` then.
    """

    def __init__(self, fd: int, gate: FdGate, low: int, notify: Callable[[], None]) -> None:
        self._fd = fd
        self._gate = gate
        self._low = low
        self._notify = notify
        self._cond = threading.Condition()
        self._queue: deque[memoryview] = deque()
        self._stopping = False
        self.pending = 0
        """Bytes queued and not yet written."""
        self.idle = True
        """The queue is empty and the fd is non-blocking again: the loop may write directly.
        Only the thread sets it (after restoring the flag); only :meth:`put` clears it."""
        self.written = 0
        """Bytes written by the thread (cumulative)."""
        self.puts = 0
        """Calls of :meth:`put` so far: unchanged between two looks means no new work."""
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="modemu-pty-writer", daemon=True)
        self._thread.start()

    def put(self, data: bytes | memoryview) -> None:
        """Queue ``data`` (not copied: the caller must not change it)."""
        with self._cond:
            self._queue.append(memoryview(data))
            self.pending += len(data)
            self.puts += 1
            self.idle = False
            self._cond.notify()

    def take_queue(self) -> list[memoryview]:
        """What is still queued, removed (after :meth:`join`: the last chance at close)."""
        with self._cond:
            rest = list(self._queue)
            self._queue.clear()
            self.pending = 0
        return rest

    def stop(self) -> None:
        """Ask the thread to end and leave the fd non-blocking for good (the thread checks
        under the gate's lock before each write). A write asleep in the kernel ends at the
        host's next read, or when the caller flushes the pty (see ``PtyTransport.aclose``)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        with self._gate.lock:
            self._gate.nonblocking()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the thread to end; true once it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            view = self._next()
            if view is None:
                return
            written = self._write(view)
            if written < 0:
                return
            with self._cond:
                before = self.pending
                if written == len(view):
                    self._queue.popleft()
                elif written:
                    self._queue[0] = view[written:]
                self.pending -= written
                self.written += written
            if before > self._low >= self.pending and self.pending:
                self._notify()

    def _next(self) -> memoryview | None:
        """The chunk to write next; waits (idle, fd non-blocking) while there is none."""
        with self._cond:
            while not self._queue and not self._stopping:
                if not self.idle:
                    with self._gate.lock:
                        self._gate.nonblocking()
                    self.idle = True
                    self._notify()
                self._cond.wait()
            if self._stopping:
                return None
            return self._queue[0]

    def _write(self, view: memoryview) -> int:
        """One write, blocking unless the loop has just set ``O_NONBLOCK`` for a read; the
        count written, or -1 after an error (reported, queue dropped)."""
        with self._gate.lock:
            if self._stopping:  # stop() has set O_NONBLOCK for good: leave it so
                return 0
            self._gate.blocking()
        try:
            return os.write(self._fd, view)
        except BlockingIOError:
            return 0
        except OSError as exc:
            with self._cond:
                self.error = exc
                self._queue.clear()
                self.pending = 0
            with self._gate.lock, contextlib.suppress(OSError):
                self._gate.nonblocking()
            self.idle = True
            self._notify()
            return -1
