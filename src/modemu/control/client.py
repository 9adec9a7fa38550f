"""``modemu.control``'s client: fault a running module and read its status, blocking.

::

    from modemu.control import ControlClient

    with ControlClient("/tmp/modem.ctl") as ctl:
        ctl.fault("pdp-deact", cid=1)
        print(ctl.status()["sockets"])

Every refused request raises :class:`~modemu.errors.ControlError` with the module's message.
"""

from __future__ import annotations

import itertools
import os
import socket
from typing import Any

from modemu.client.closing import Closing
from modemu.control.protocol import MAX_LINE, encode_request, parse_reply
from modemu.control.server import connect_path
from modemu.errors import ControlError

__all__ = ["ControlClient"]

DEFAULT_TIMEOUT = 10.0


class ControlClient(Closing):
    def __init__(self, path: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = os.fspath(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        dirfd = None
        try:
            target, dirfd = connect_path(self.path)
            self._sock.connect(target)
        except OSError as exc:
            self._sock.close()
            reason = exc.strerror or str(exc)
            raise ControlError(f"cannot reach the control socket {self.path}: {reason}") from None
        finally:
            if dirfd is not None:
                os.close(dirfd)
        self._buffer = bytearray()
        self._ids = itertools.count(1)

    def request(self, op: str, **args: Any) -> Any:
        """Send one request and return its result."""
        try:
            self._sock.sendall(encode_request(op, args, next(self._ids)))
            return parse_reply(self._read_line())
        except TimeoutError:
            raise ControlError(f"no answer on {self.path}") from None
        except OSError as exc:
            raise ControlError(f"control socket {self.path}: {exc.strerror or exc}") from None

    def fault(self, name: str, **args: Any) -> Any:
        return self.request(name, **args)

    def status(self) -> dict[str, Any]:
        result = self.request("status")
        assert isinstance(result, dict)
        return result

    def scenario(self, path: str | os.PathLike[str] | None = None, **options: Any) -> Any:
        """Start a scenario file on the module (a path the module can read)."""
        args = dict(options)
        if path is not None:
            args["path"] = os.path.abspath(os.fspath(path))
        return self.request("scenario", **args)

    def _read_line(self) -> bytes:
        while b"\n" not in self._buffer:
            data = self._sock.recv(65536)
            if not data:
                raise ControlError(f"the module closed the control socket {self.path}")
            self._buffer += data
            if len(self._buffer) > 16 * MAX_LINE:
                raise ControlError("control reply too long")
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        return line

    def close(self) -> None:
        self._sock.close()
