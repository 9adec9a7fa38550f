"""Bulk output to a pty master from a thread of its own, with non-blocking writes.

Why a thread: a pty takes only ~12 KiB (the kernel's 8 KiB flip buffer for a pty and the
4 KiB line buffer; docs/performance.md, "Data path, third pass"), so a bulk stream needs a
write after every ~4-8 KiB the host reads. From the event loop each of those writes costs an
EPOLLOUT wake-up, a uvloop dispatch and a Python callback with its bookkeeping: 1.5x
socat's CPU per MiB or more. A thread that only ``poll``s for room and ``write``s spends a
few microseconds a wake-up, and the loop hears from it about once per socket read instead of
once per pty write.

Why non-blocking writes: measured side by side (``python -m bench --only writers``), a
minimal Python bridge whose writer thread polls and writes non-blocking moves net→host
faster than socat at about its CPU, where the same thread writing with *blocking* writes (as
socat does) stays under socat's throughput. Keeping the fd non-blocking also keeps the loop's
own reads of host input from ever meeting a blocking fd, and a thread that waits in ``poll``
(never inside a write) can be woken at once to end.

Only the loop thread calls :meth:`BulkWriter.put`, :meth:`~BulkWriter.stop` and
:meth:`~BulkWriter.join`; the loop writes to the fd itself only while the writer is
:attr:`~BulkWriter.idle`, and it alone hands the writer more, so the order of bytes never
changes.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from collections import deque
from collections.abc import Callable

__all__ = ["MAX_WRITERS", "BulkWriter", "acquire_slot", "release_slot"]

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


class BulkWriter:
    """A thread writing queued chunks to the non-blocking ``fd`` in order.

    ``notify`` is called from the writer thread (the transport passes
    ``loop.call_soon_threadsafe`` of its handler) when :attr:`queued` falls to ``low`` bytes
    (the writer has taken the chunks before it in hand), when everything is written and on a
    write error; the transport reads :attr:`queued`, :attr:`pending`, :attr:`idle` and
    :attr:`error` then.
    """

    def __init__(self, fd: int, low: int, notify: Callable[[], None]) -> None:
        self._fd = fd
        self._low = low
        self._notify = notify
        self._cond = threading.Condition()
        self._queue: deque[memoryview] = deque()
        self._hand: memoryview | None = None
        """What the thread is writing, less what it has written (the thread's own)."""
        self._stopping = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._added = 0
        """Bytes handed to :meth:`put` (written by the loop thread only)."""
        self._taken = 0
        """Bytes the thread has taken from the queue to write (written by the thread only)."""
        self.written = 0
        """Bytes written by the thread (written by the thread only)."""
        self.idle = True
        """Nothing queued and nothing in hand: the loop may write directly. Only the thread
        sets it, only :meth:`put` clears it, both under the condition's lock."""
        self.puts = 0
        """Calls of :meth:`put` so far: unchanged between two looks means no new work."""
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="modemu-pty-writer", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Bytes handed over and not yet written (queued and in hand)."""
        return self._added - self.written

    @property
    def queued(self) -> int:
        """Bytes handed over that the thread has not yet taken in hand: what the transport's
        back-pressure counts, so that the next socket read can be queued while one chunk is
        still being written and the pty never waits for the loop."""
        return self._added - self._taken

    def put(self, data: bytes | memoryview) -> None:
        """Queue ``data`` (not copied: the caller must not change it)."""
        with self._cond:
            self._queue.append(memoryview(data))
            self._added += len(data)
            self.puts += 1
            self.idle = False
            self._cond.notify()

    def take_queue(self) -> list[memoryview]:
        """What is still unwritten, in order, removed (after :meth:`join`: the last chance
        at close)."""
        with self._cond:
            rest = ([self._hand] if self._hand else []) + list(self._queue)
            self._hand = None
            self._queue.clear()
            self._added = self.written = self._taken = 0
        return rest

    def stop(self) -> None:
        """Ask the thread to end; it is woken at once, whatever it waits for."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"\0")

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the thread to end; true once it has (its wake-up pipe
        is closed then)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            return False
        if self._wake_r >= 0:
            os.close(self._wake_r)
            os.close(self._wake_w)
            self._wake_r = self._wake_w = -1
        return True

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        room = select.poll()
        room.register(self._fd, select.POLLOUT)
        room.register(self._wake_r, select.POLLIN)
        while (view := self._next()) is not None:
            if not self._drain(view, room):
                return

    def _drain(self, view: memoryview, room: select.poll) -> bool:
        """Write ``view`` whole, waiting in ``poll`` while the pty is full; false once told
        to stop (what is left stays in hand for :meth:`take_queue`) or after an error."""
        write, fd, wait = os.write, self._fd, room.poll  # the path taken every few KiB
        while view:
            try:
                written = write(fd, view)
            except BlockingIOError:
                written = 0
            except OSError as exc:
                self._fail(exc)
                return False
            self.written += written
            view = self._hand = view[written:]
            if view:
                wait()  # until the host reads, or stop() writes to the wake-up pipe
                if self._stopping:
                    return False
        return True

    def _next(self) -> memoryview | None:
        """The next chunk, taken from the queue (it stays counted in :attr:`pending` until
        written); waits, idle, while there is none. ``None``: stop."""
        with self._cond:
            while not self._queue and not self._stopping:
                if not self.idle:
                    self.idle = True
                    self._notify()
                self._cond.wait()
            if self._stopping:
                return None
            view = self._hand = self._queue.popleft()
            before = self.queued
            self._taken += len(view)
        if before > self._low >= self.queued:
            self._notify()
        return view

    def _fail(self, exc: OSError) -> None:
        """A write failed (the pty is gone): report it and drop what was queued."""
        with self._cond:
            self.error = exc
            self._queue.clear()
            self._hand = None
            self._added = self.written
            self._taken = self.written
            self.idle = True
        self._notify()
