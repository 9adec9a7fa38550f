"""Open files that may hold credentials: mode 0600, never through a symlink.

A trace or a recorded transcript carries every byte a driver sent, ``AT+QICSGP`` user
names and passwords included, so it is created readable by its owner only (an existing
file is truncated and its mode tightened to 0600) and a symlink at the path is refused
(``O_NOFOLLOW``): another local user cannot plant ``/tmp/trace.jsonl -> ~/.bashrc`` and
have modemu overwrite the target. Anything but a regular file (a FIFO, a device, a
directory) is refused too, without blocking on it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO, TextIO

__all__ = ["PRIVATE_MODE", "open_private", "open_private_binary"]

PRIVATE_MODE = 0o600


def open_private(path: str | os.PathLike[str]) -> TextIO:
    """Create or truncate ``path`` for writing text, mode 0600; raise ``OSError`` for a
    symlink (``ELOOP``) or a path that is not a regular file."""
    return os.fdopen(_private_fd(path), "w", encoding="ascii", newline="\n")


def open_private_binary(path: str | os.PathLike[str]) -> BinaryIO:
    """:func:`open_private` for binary files (``--pcap`` captures)."""
    return os.fdopen(_private_fd(path), "wb")


def _private_fd(path: str | os.PathLike[str]) -> int:
    name = os.fspath(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(name, flags, PRIVATE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP or Path(name).is_symlink():
            raise OSError(errno.ELOOP, "refusing to write through a symlink", name) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", name)
        os.fchmod(fd, PRIVATE_MODE)
        os.ftruncate(fd, 0)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd
