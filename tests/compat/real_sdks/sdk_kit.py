"""Run unmodified third-party host SDKs from PyPI against a real ``modemu serve`` process.

The SDKs are installed as they are published (``docs/compat.md`` gives the command; their
pinned dependencies are for Raspberry Pi images, so they are installed with ``--no-deps``).
Each test starts the module on a pty whose link is where the SDK looks for its serial port,
starts loopback peers, calls the SDK's own functions, and checks what the peers received and
what the SDK returned. Nothing here re-implements an SDK: if the module misbehaves, the SDK's
own parsing fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modemu.testing.peers import ScriptedPeer, ScriptStep

TIMEOUT = 20.0
INSTALL_HINT = (
    "python3 -m pip install --no-deps aerismodsdk==0.1.5 sixfab-cellulariot==1.2.0"
    " hologram-python==0.10.3 python-sdk-auth==0.4.0 python-pppd==1.0.4 (as .ci/run does)"
)


def require(module: str) -> None:
    """Skip with the install command when an SDK is not installed."""
    pytest.importorskip(module, reason=f"SDK not installed; install it with: {INSTALL_HINT}")


@contextlib.contextmanager
def module_on_pty(link: Path, *extra: str) -> Iterator[str]:
    """``modemu serve --pty LINK`` as a subprocess; yields the pty path and stops it after."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "modemu",
            "serve",
            "--pty",
            str(link),
            "--state-dir",
            "none",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"modemu did not start: {proc.communicate(timeout=TIMEOUT)[1]}")
        yield line.split()[-1]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err


def loopback_address() -> str:
    """A 127/8 address of this test run's own, so a fixed port (80) is free on it."""
    return f"127.{(os.getpid() >> 8) & 0xFF}.{os.getpid() & 0xFF}.{1 + (os.getpid() % 200)}"


def answering_peer(
    request: bytes, reply: bytes, host: str = "127.0.0.1", port: int = 0
) -> ScriptedPeer:
    """A TCP peer that takes exactly ``request``, sends ``reply`` and then stays open,
    recording, until the module closes or the test closes the peer (never a late FIN that
    a later command of the same module would receive as a stray "closed" URC)."""
    steps = [ScriptStep("expect", count=len(request)), ScriptStep("send", reply)]
    return ScriptedPeer([*steps, ScriptStep("hold")], port=port, host=host)
