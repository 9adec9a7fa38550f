"""A minimal TCP→pty bridge in plain Python, in one of four writing styles (for ``writers``).

``python -m bench.minibridge STYLE LINK PORT``: connects to 127.0.0.1:PORT, opens a raw pty
with a symlink at LINK, and copies what the socket receives to the pty until the peer
closes. Nothing else: no AT engine, no back-pressure bookkeeping. It isolates one question,
how the pty is written, from everything modemu does around it:

* ``one-thread-blocking``: receive, then a blocking write of all of it (socat's way);
* ``thread-blocking``: a receiving thread hands chunks to a writer thread that writes
  blocking;
* ``thread-polling``: the same, but the writer writes non-blocking and waits in ``poll``
  for room (modemu's writer thread, ``transport/ptywriter.py``);
* ``one-thread-polling``: one thread polls the socket and the pty and writes non-blocking
  (an event loop's way, without the loop).
"""

from __future__ import annotations

import os
import queue
import select
import socket
import sys
import threading
import tty
from collections.abc import Callable

READ = 1 << 20
"""Bytes one socket read may take (as modemu's ``net/tcp.py``)."""
QUEUED = 2
"""Chunks the receiving thread may hand over before it waits (bounded, like back-pressure)."""
STYLES = ("one-thread-blocking", "thread-blocking", "thread-polling", "one-thread-polling")


def _write_all_blocking(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_all_polling(fd: int, data: bytes, room: select.poll) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            written = 0
        view = view[written:]
        if view:
            room.poll()


def _with_writer_thread(sock: socket.socket, write: Callable[[bytes], None]) -> None:
    chunks: queue.Queue[bytes] = queue.Queue(QUEUED)

    def writer() -> None:
        while chunk := chunks.get():
            write(chunk)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    while data := sock.recv(READ):
        chunks.put(data)
    chunks.put(b"")
    thread.join()


def _one_thread_polling(sock: socket.socket, master: int) -> None:
    sock.setblocking(False)
    pending = bytearray()
    ready = select.poll()
    while True:
        ready.register(sock, select.POLLIN if len(pending) < READ else 0)
        ready.register(master, select.POLLOUT if pending else 0)
        for fd, _events in ready.poll():
            if fd == master:
                try:
                    written = os.write(master, pending)
                except BlockingIOError:
                    written = 0
                del pending[:written]
                continue
            try:
                data = sock.recv(READ)
            except BlockingIOError:
                continue
            if not data:
                while pending:  # the peer is done: finish the pty's share, then end
                    ready.unregister(sock)
                    _write_all_polling(master, bytes(pending), ready)
                    pending.clear()
                return
            pending += data


def bridge(style: str, sock: socket.socket, master: int) -> None:
    """Copy ``sock`` to the pty ``master`` until the peer closes, in ``style``."""
    if style == "one-thread-blocking":
        while data := sock.recv(READ):
            _write_all_blocking(master, data)
        return
    if style == "thread-blocking":
        _with_writer_thread(sock, lambda chunk: _write_all_blocking(master, chunk))
        return
    os.set_blocking(master, False)
    if style == "thread-polling":
        room = select.poll()
        room.register(master, select.POLLOUT)
        _with_writer_thread(sock, lambda chunk: _write_all_polling(master, chunk, room))
        return
    _one_thread_polling(sock, master)


def main(argv: list[str]) -> int:
    style, link, port = argv[0], argv[1], int(argv[2])
    if style not in STYLES:
        print(f"unknown style {style!r}; one of {', '.join(STYLES)}", file=sys.stderr)
        return 2
    master, slave = os.openpty()
    tty.setraw(slave)
    os.symlink(os.ttyname(slave), link)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        bridge(style, sock, master)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
