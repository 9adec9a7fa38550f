"""Run a module inside the test process, on a background event-loop thread.

Starting ``python -m modemu serve`` costs a fresh interpreter and its imports (hundreds of
milliseconds) for every test; a thread in the test process costs a pty (or a listening
port) and an event loop, a few milliseconds once modemu is imported. The module is built
from the very ``modemu serve`` arguments the subprocess would get
(:func:`modemu.cli.main.serving_module`), so both modes serve the same module. What a
thread cannot give is crash isolation: a module that wedges its loop wedges only its
thread, but a segfault takes the test run with it; use :class:`~modemu.testing.controller.
ModemuProcess` (the plugin's ``--modemu-mode=process``) when that matters.

:meth:`ModemuThread.stop` stops the module, closes its transport, back end and loop, and
joins the thread: nothing it opened (threads, fds, ptys) outlives it.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from modemu.testing.controller import (
    START_TIMEOUT,
    STOP_TIMEOUT,
    ModemuInstance,
    ModuleRunner,
    StartupError,
    control_path,
    serve_argv,
)

if TYPE_CHECKING:
    import argparse
    import asyncio

    from modemu.server import VirtualModem

__all__ = ["ModemuThread"]

_names = itertools.count(1)


class ModemuThread(ModuleRunner):
    """One module served by an event loop on a daemon thread of this process."""

    def __init__(
        self,
        workdir: Path,
        *,
        tcp: bool = False,
        profile: str | os.PathLike[str] | None = None,
        args: Sequence[str] = (),
        rfc2217: bool = False,
    ) -> None:
        self.workdir = Path(workdir)
        self.argv = serve_argv(self.workdir, tcp=tcp, profile=profile, args=args, rfc2217=rfc2217)
        self.instance: ModemuInstance | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._modem: VirtualModem | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _parse(self) -> argparse.Namespace:
        from modemu.cli.main import build_parser  # noqa: PLC0415 - the CLI is only for parsing

        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr):
                return build_parser().parse_args(self.argv)
        except SystemExit:
            message = stderr.getvalue().strip()
            raise StartupError(f"modemu {' '.join(self.argv)}: {message}") from None

    def start(self, timeout: float = START_TIMEOUT) -> ModemuInstance:
        """Start the module's thread and wait until it serves; :class:`StartupError` if not."""
        args = self._parse()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(
            target=self._run, args=(args,), name=f"modemu-{next(_names)}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise StartupError(f"the module did not start in {timeout} s")
        if self._error is not None or self._modem is None:
            self.stop()
            raise StartupError(f"modemu {' '.join(self.argv)}: {self._error}") from self._error
        from modemu.cli.main import announcement  # noqa: PLC0415

        banner = announcement(self._modem.transport)
        url = banner.split()[0]
        path = None if "://" in url else url
        self.instance = ModemuInstance(url, path, banner, None, control_path(self.workdir))
        return self.instance

    def _run(self, args: argparse.Namespace) -> None:
        from modemu.server import run  # noqa: PLC0415

        try:
            run(self._serve(args), use_uvloop=not args.no_uvloop)
        except BaseException as exc:  # reported by start(), or ignored after stop()
            self._error = exc
        finally:
            self._ready.set()

    async def _serve(self, args: argparse.Namespace) -> None:
        import asyncio  # noqa: PLC0415

        from modemu.cli.main import serving_module  # noqa: PLC0415

        async with serving_module(args) as modem:
            self._loop = asyncio.get_running_loop()
            self._modem = modem
            self._ready.set()
            await modem.serve_forever()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the module and join its thread (its loop closes everything it opened)."""
        thread, loop, modem = self._thread, self._loop, self._modem
        if thread is None:
            return
        if loop is not None and modem is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(modem.stop)
        thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError(f"modemu thread {thread.name} did not stop in {timeout} s")
        self._thread = None
