"""Engine test harness: an explicit clock, a FakeNet, no event loop."""

from __future__ import annotations

from modemu.modem.engine import ModemEngine
from modemu.modem.nvstore import MemoryNvStore, NvStore
from modemu.modem.profile import Profile
from modemu.net.fake import FakeNet

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"
BOOT_READY = (
    b"\r\nRDY\r\n"
    b"\r\n+CFUN: 1\r\n"
    b"\r\n+CPIN: READY\r\n"
    b"\r\n+QUSIM: 1\r\n"
    b"\r\n+QIND: PB DONE\r\n"
    b"\r\n+QIND: SMS DONE\r\n"
)
WALL = 1_600_000_000.0
"""Fixed host wall clock: 2020-09-13 12:26:40 UTC."""


def info(*lines: str) -> bytes:
    """Verbose information text followed by OK, as the engine renders it."""
    return b"\r\n" + b"".join(line.encode("latin-1") + b"\r\n" for line in lines) + OK


class Modem:
    """A ModemEngine driven by hand: ``send`` feeds bytes at the harness clock and returns
    whatever the module wrote; ``advance`` moves the clock, firing due timers in order."""

    def __init__(
        self,
        profile: Profile | None = None,
        nv: NvStore | None = None,
        wall: float = WALL,
        net: FakeNet | None = None,
        boot: bool = True,
    ) -> None:
        self.net = net if net is not None else FakeNet()
        self.nv = nv if nv is not None else MemoryNvStore()
        self.now = 0.0
        self.engine = ModemEngine(
            profile or Profile(), self.net, nv=self.nv, now=0.0, wall_clock=lambda: wall
        )
        self.boot_output = self.advance(0.0) if boot else b""

    def send(self, data: bytes, dt: float = 0.0) -> bytes:
        self.now += dt
        self.engine.receive_data(data, self.now)
        return self.take()

    def cmd(self, line: str) -> bytes:
        """Type ``line`` + CR and return the answer."""
        return self.send(line.encode("latin-1") + b"\r")

    def take(self) -> bytes:
        return self.engine.data_to_send()

    def advance(self, dt: float) -> bytes:
        """Move the clock by ``dt`` seconds, firing every due timer at its own deadline."""
        target = self.now + dt
        while True:
            deadline = self.engine.next_deadline()
            if deadline is None or deadline > target:
                break
            self.now = max(self.now, deadline)
            self.engine.handle_timer(self.now)
        self.now = target
        self.engine.handle_timer(self.now)
        return self.take()
