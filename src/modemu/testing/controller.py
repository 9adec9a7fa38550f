"""Run ``modemu serve`` as a child process for tests (after aiosmtpd's ``Controller``).

A separate process, not a thread, so the module under test has its own event loop and
its own crash surface, exactly as a user runs it. The server prints one line once it is
listening (``/tmp/modem -> /dev/pts/7`` or ``socket://127.0.0.1:5000``); its first word is
what to open. :meth:`ModemuProcess.stop` sends SIGTERM and escalates to SIGKILL.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from modemu.errors import ControlError, ModemuError

__all__ = [
    "ModemuInstance",
    "ModemuProcess",
    "ModuleRunner",
    "StartupError",
    "control_path",
    "serve_argv",
]

START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


class StartupError(ModemuError):
    """``modemu serve`` exited or printed nothing usable; the message has its stderr."""


@dataclass(frozen=True)
class ModemuInstance:
    """A running module as a test sees it."""

    url: str
    """What to pass to ``serial_for_url``: the pty path, or ``socket://host:port``."""
    path: str | None
    """The pty path (a symlink to ``/dev/pts/N``), or None for a TCP port."""
    banner: str
    """The line the server printed."""
    pid: int | None = None
    """The server's process id; None when the module runs inside the test process
    (:class:`~modemu.testing.inprocess.ModemuThread`) or is external (``--modemu-url``)."""
    control: str | None = None
    """The control socket (faults, status, scenarios); None for a real module."""
    unavailable: Callable[[str], Any] | None = field(default=None, compare=False)
    """Called with the reason when faults are asked of a module without a control socket
    (the pytest plugin passes ``pytest.skip``); otherwise :class:`ControlError` is raised."""

    def fault(self, name: str, **args: Any) -> Any:
        """Apply a fault now (``docs/faults.md``): ``instance.fault("pdp-deact", cid=1)``."""
        return self._request(name, args)

    def status(self) -> dict[str, Any]:
        """Mode, contexts, sockets with their counters, queued URCs, faults in force."""
        result = self._request("status", {})
        assert isinstance(result, dict)
        return result

    def scenario(self, source: str | os.PathLike[str] | Sequence[Mapping[str, Any]]) -> Any:
        """Start a scenario: a TOML file, or a list of step tables as in the file."""
        if isinstance(source, (str, os.PathLike)):
            return self._request("scenario", {"path": os.path.abspath(os.fspath(source))})
        return self._request("scenario", {"steps": [dict(step) for step in source]})

    def _request(self, op: str, args: dict[str, Any]) -> Any:
        if self.control is None:
            reason = (
                f"faults need a virtual module with a control socket; {self.url} is "
                "a real module (--modemu-url)"
            )
            if self.unavailable is not None:
                self.unavailable(reason)
            raise ControlError(reason)
        from modemu.control.client import ControlClient  # noqa: PLC0415

        with ControlClient(self.control) as client:
            return client.request(op, **args)


def control_path(workdir: str | os.PathLike[str]) -> str:
    """Where a test's module keeps its control socket."""
    return str(Path(workdir) / "modem.ctl")


def serve_argv(
    workdir: Path,
    *,
    tcp: bool = False,
    profile: str | os.PathLike[str] | None = None,
    args: Sequence[str] = (),
    rfc2217: bool = False,
) -> list[str]:
    """``serve …`` arguments for a test's module: a pty link in ``workdir`` (or TCP, or
    RFC 2217 with modem lines, on a free loopback port), NV in memory, the profile, then
    the caller's extra arguments."""
    where = ["--pty", str(Path(workdir) / "modem")]
    if tcp:
        where = ["--tcp", "127.0.0.1:0"]
    if rfc2217:
        where = ["--rfc2217", "127.0.0.1:0"]
    line = ["serve", *where, "--state-dir", "none", "--control", control_path(workdir)]
    if profile is not None:
        line += ["--profile", str(profile)]
    return [*line, *args]


class ModuleRunner:
    """``with runner as instance:`` starts a module and stops it on the way out; the
    subclasses (a child process, a thread of this process) say how."""

    def start(self, timeout: float = START_TIMEOUT) -> ModemuInstance:
        raise NotImplementedError

    def stop(self, timeout: float = STOP_TIMEOUT) -> object:
        raise NotImplementedError

    def __enter__(self) -> ModemuInstance:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ModemuProcess(ModuleRunner):
    """Start and stop one ``python -m modemu serve`` child."""

    def __init__(
        self,
        workdir: Path,
        *,
        tcp: bool = False,
        profile: str | os.PathLike[str] | None = None,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        rfc2217: bool = False,
    ) -> None:
        self.workdir = Path(workdir)
        self.tcp = tcp
        self.rfc2217 = rfc2217
        self.profile = profile
        self.args = list(args)
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.instance: ModemuInstance | None = None
        self._stderr_path = self.workdir / "modemu-stderr.log"

    def command_line(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "modemu",
            *serve_argv(
                self.workdir,
                tcp=self.tcp,
                profile=self.profile,
                args=self.args,
                rfc2217=self.rfc2217,
            ),
        ]

    def start(self, timeout: float = START_TIMEOUT) -> ModemuInstance:
        """Start the server and wait for its one line; :class:`StartupError` if it fails."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self._stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                self.command_line(),
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                env=self.env,
            )
        try:
            banner = self._read_banner(timeout)
        except BaseException:
            self.stop()
            raise
        url = banner.split()[0]
        path = None if "://" in url else url
        self.instance = ModemuInstance(
            url, path, banner, self.process.pid, control_path(self.workdir)
        )
        return self.instance

    def _read_banner(self, timeout: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.1):
                    line = self.process.stdout.readline().decode(errors="replace").strip()
                    if line:
                        return line
                if self.process.poll() is not None:
                    raise StartupError(f"modemu serve exited: {self.stderr_tail()}")
        raise StartupError(f"modemu serve printed nothing in {timeout} s: {self.stderr_tail()}")

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            return self._stderr_path.read_text(errors="replace")[-limit:].strip()
        except OSError:
            return ""

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit status."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode
