"""What a command handler may use of the module: a small typed view of the engine.

Handlers are written against :class:`ModemView`, not against
:class:`~modemu.modem.engine.ModemEngine`, so the command modules do not depend on the engine
module (no import cycle) and a reader sees in one place everything a handler can touch:
output, timers, the state, the parts (``sockets``, ``services``) and the network back end.
The engine satisfies this protocol structurally; mypy checks it where the engine calls a
handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from modemu.at.codes import Result
    from modemu.modem.engine import InputSink, Timer
    from modemu.modem.modes import PortMode, Trigger
    from modemu.modem.profile import Profile
    from modemu.modem.registry import Kind
    from modemu.modem.services import NetServices
    from modemu.modem.sockets import SocketRuntime
    from modemu.modem.state import ModuleState, PdpContext, Settings
    from modemu.net.base import NetBackend


class ModemView(Protocol):
    """The engine as command handlers see it."""

    # -- parts, state and configuration ------------------------------------------------
    profile: Profile
    net: NetBackend

    @property
    def settings(self) -> Settings: ...
    @property
    def contexts(self) -> dict[int, PdpContext]: ...

    sockets: SocketRuntime
    services: NetServices
    mode: PortMode
    now: float
    wall_clock: Callable[[], float]
    state: ModuleState

    # -- output ------------------------------------------------------------------------
    def info(self, *lines: str | bytes) -> None: ...
    def urc(self, text: str, payload: bytes | None = None, sep: bytes = b"\r\n") -> None: ...
    def result(self, code: Result) -> None: ...
    def final_text(self, text: str) -> None: ...
    def write(self, data: bytes) -> None: ...

    # -- timers and the command line ---------------------------------------------------
    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer: ...
    def after_line(self, action: Callable[[], None]) -> None: ...
    def begin_pending(self, kind: Kind) -> None: ...
    def change_mode(self, trigger: Trigger) -> None: ...
    def enter_sink(self, sink: InputSink, trigger: Trigger) -> None: ...

    # -- module actions ----------------------------------------------------------------
    def context(self, cid: int) -> PdpContext: ...
    def deactivate_context(self, cid: int) -> None: ...
    def deactivate_all_contexts(self) -> None: ...
    def save_nv(self) -> None: ...
    def reset_settings(self) -> None: ...
    def apply_s_registers(self) -> None: ...
    def power_off(self) -> None: ...
    def power_on(self, now: float) -> None: ...
