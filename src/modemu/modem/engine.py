"""ModemEngine: the whole virtual module as a sans-IO state machine.

Bytes from the host go in with the current time (:meth:`receive_data`), bytes for the host
come out (:meth:`data_to_send`), timers are exposed as a deadline (:meth:`next_deadline`,
:meth:`handle_timer`) and network outcomes come back as events (:meth:`handle_net`). The
engine never sleeps or opens a socket, and its notion of "now" is the time each call brings:
the server (or a test) drives it. The one clock it reads itself is the wall clock behind
``AT+CCLK``/``AT+QLTS`` (``wall_clock``, ``time.time`` unless a test injects another).

Composition: the engine builds its parts as typed attributes -- ``sockets``
(:class:`~modemu.modem.sockets.SocketRuntime`), ``services``
(:class:`~modemu.modem.services.NetServices`) -- and the command ``registry``
(:func:`~modemu.modem.commands.build_registry`). A net event goes through the table built
in ``__init__`` to the part that owns it, which updates its state and queues the URC; a
command line goes through the registry to one handler. Parts are called directly (power-off,
context teardown, host back-pressure), never through hooks.

Output ordering rules (spec §1.6): a command line's response is produced in one go, and
unsolicited result codes wait in a queue while a command is running, while the host is
entering data after ``>`` and while the port is in transparent mode.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from modemu.at import render
from modemu.at.codes import CME_ERROR_TEXT, QI_ERROR_TEXT, Result
from modemu.at.lineread import (
    CommandLine,
    CommandLineReader,
    LineTooLong,
    RepeatLine,
)
from modemu.at.syntax import AtSyntaxError, CommandCall, Form, parse_command_line
from modemu.at.urc import AnyUrc, SimStatus, Verbatim
from modemu.modem import changes
from modemu.modem.commands import build_registry
from modemu.modem.delays import Delays
from modemu.modem.known import KNOWN_LINES, KNOWN_MAX, KnownAnswer, LinePlan
from modemu.modem.lines import LineState, ModuleLines, Netlight, ri_category
from modemu.modem.modes import PortMode, Trigger, transition
from modemu.modem.nvstore import MemoryNvStore, NvStore, restore_state, save_state
from modemu.modem.profile import Profile
from modemu.modem.registry import (
    CommandError,
    CommandSpec,
    FinalText,
    Kind,
    Outcome,
    Registry,
    Reply,
    Run,
    UndeclaredFormError,
)
from modemu.modem.services import NetServices
from modemu.modem.sockets import SocketRuntime
from modemu.modem.state import (
    Clock,
    ExtConfig,
    ModuleState,
    PdpContext,
    QiConfig,
    Radio,
    RegStat,
    Settings,
    SimState,
)
from modemu.modem.terminator import LF, TerminatorWait
from modemu.net.base import (
    AllAcked,
    Closed,
    Incoming,
    NetBackend,
    NetEvent,
    NtpFailed,
    NtpResult,
    Opened,
    OpenFailed,
    PdpDeactivated,
    PeerClosed,
    PingDone,
    PingFailed,
    PingReply,
    PingTimeout,
    Received,
    Resolved,
    ResolveFailed,
)

CMEE_TEXT = 2
"""``AT+CMEE=2``: errors as text instead of numbers."""
IFC_RTS_CTS = 2
"""``AT+IFC`` value for hardware (RTS/CTS) flow control."""
PENDING_INPUT_LIMIT = 65536
"""Host bytes held while the port is busy; beyond this the transport is asked to pause."""
CTS_OFF_AT = PENDING_INPUT_LIMIT * 3 // 4
"""Held host input at which CTS drops (``AT+IFC=x,2``): "nearly full", so a host that
honours CTS stops before the module has to pause the link."""
HELD_OUTPUT_LIMIT = 65536
"""Output held (RTS off, no host attached) beyond which host input is paused too."""
_BRIDGED = (PortMode.TRANSPARENT, PortMode.ESCAPE_GUARD)


# Enum members read on the command path, as module globals: reading a member off its class
# costs ~70 ns on Python 3.11 (python -m timeit: ``k is Kind.TCPIP`` 74 ns, ``k is T`` 8 ns).
_OFF, _COMMAND = PortMode.OFF, PortMode.COMMAND
_OK = Result.OK
_TCPIP = Kind.TCPIP
_PENDING, _NO_REPLY = Reply.PENDING, Reply.NONE


class InputSink(Protocol):
    """Consumes host bytes in a data mode (``>`` data entry, transparent bridging)."""

    def feed(self, data: memoryview, now: float) -> int:
        """Take bytes; return how many were consumed (the rest goes to the next mode)."""
        ...


@dataclass(order=True)
class Timer:
    """An engine timer; ordered by deadline, then by creation."""

    deadline: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class _Pending:
    """A command still running (``Reply.PENDING``) and the calls of its line after it."""

    kind: Kind
    rest: list[CommandCall]


class ModemEngine:
    """The virtual module. See the module docstring for the driving contract."""

    _idle_framing: tuple[bool, bool, bool] | None = None
    """Echo, quiet, verbose if the port was idle with nothing to send at the last
    :meth:`note_idle`; None otherwise (:meth:`answer_at_once` then answers nothing)."""

    def __init__(
        self,
        profile: Profile,
        net: NetBackend,
        nv: NvStore | None = None,
        now: float = 0.0,
        wall_clock: Callable[[], float] = time.time,
        *,
        registry: Registry | None = None,
    ) -> None:
        self.profile = profile
        self.net = net
        self.nv = nv if nv is not None else MemoryNvStore()
        self.wall_clock = wall_clock
        self.now = now
        self.mode = PortMode.OFF
        self.state = ModuleState(
            radio=Radio(
                network=RegStat(profile.registration),
                rssi=profile.rssi,
                ber=profile.ber,
                sim=SimState(profile.sim),
            ),
            clock=Clock(profile.timezone_quarters),
            ext=ExtConfig.for_profile(profile),
        )
        """What the module is: radio, UART, clock, settings, contexts (``modem/state.py``);
        outside changes go through :meth:`apply_change`."""
        self.registry = registry if registry is not None else build_registry()
        self.sockets = SocketRuntime(self)
        self.services = NetServices(self)
        self.delays = Delays(self)
        self.host_writable = True
        """The module may send: the link drains and the lines do not hold output."""
        self._link_writable = True
        self.lines = LineState()
        """Hardware lines (``modem/lines.py``): host inputs, RI, RI settings."""
        self.sink: InputSink | None = None
        self._reader = CommandLineReader(profile.max_line)
        # By exact input (modemu.modem.known): query answers to give again, and how other
        # lines read
        self._known: dict[bytes, KnownAnswer] = {}
        self._plans: dict[bytes, LinePlan] = {}
        self._query: CommandSpec | None = None
        self._last_line = ""
        self._out = bytearray()
        self._first: bytes | None = None
        """A raw write made while the output was empty, kept as is: it goes before ``_out``.
        A bridged socket read (up to ``net.tcp.READ_BUFFER``, 1 MiB) then reaches the host
        without being copied twice (docs/performance.md)."""
        self._urcs: deque[bytes | tuple[str, bytes, bytes]] = deque()
        self._inbox = bytearray()
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        self._requests = itertools.count(1)
        self._pending: _Pending | None = None
        self._after_line: list[Callable[[], None]] = []
        self._executing = False
        self._terminator = TerminatorWait()
        self._hang: Timer | None = None
        self._urc_race: str | None = None
        self.input_blocked = False
        """Set by a data mode whose peer is not keeping up; the host is paused meanwhile."""
        self.note: Callable[..., None] = lambda event, **fields: None
        """Observer for events worth a trace line (dropped datagrams…); set by the server."""
        self.line_observers: list[Callable[[str], None]] = []
        """Told each command line's body (after ``AT``) before it runs (scenario triggers).
        Observers only take note: they must not call back into the engine."""
        self.mode_observers: list[Callable[[PortMode], None]] = []
        """Told every port mode change, as it happens (same rule)."""
        sockets, services = self.sockets, self.services
        self._net_handlers: dict[type, Callable[[Any], None]] = {
            Received: sockets.on_received,
            AllAcked: sockets.on_all_acked,
            Opened: sockets.on_opened,
            OpenFailed: sockets.on_open_failed,
            PeerClosed: sockets.on_peer_closed,
            Closed: sockets.on_closed,
            Incoming: sockets.on_incoming,
            PdpDeactivated: sockets.on_pdp_deactivated,
            Resolved: services.on_resolved,
            ResolveFailed: services.on_resolve_failed,
            PingReply: services.on_ping_reply,
            PingTimeout: services.on_ping_timeout,
            PingDone: services.on_ping_done,
            PingFailed: services.on_ping_failed,
            NtpResult: services.on_ntp_result,
            NtpFailed: services.on_ntp_failed,
        }
        """Net event type → the part's handler (aioquic's frame-handler table)."""
        restore_state(self.nv, self.state)
        self._boot_timer: Timer | None = self.call_at(now + profile.boot_delay, self._boot)

    # -----------------------------------------------------------------------------------
    # Driving interface

    def receive_data(self, data: bytes, now: float) -> None:
        """Bytes typed by the host."""
        self.now = now
        if self.mode is _OFF or not data:
            return
        if self._inbox:
            self._inbox += data
            self._drain_inbox()
            return
        if len(data) <= KNOWN_MAX and self.mode is _COMMAND and self._idle_line():
            if not self._answer_known(data):
                plan = self._plans.get(data)
                if plan is None:
                    self._run_remembering(data)
                else:
                    self._run_plan(data, plan)
            return
        self._take_input(data)

    def answer_at_once(self, data: bytes, now: float) -> bytes | None:
        """The answer to ``data`` when it is ``AT`` alone or a query answered before and
        unchanged since (the :attr:`_known` answers) and the port was idle with nothing
        to send at the last :meth:`note_idle`: the line's effects are applied and its
        bytes returned instead of queued, so the server writes them before any of its own
        bookkeeping. None: nothing was done; give ``data`` to :meth:`receive_data`.

        This is :meth:`receive_data` followed by :meth:`data_to_send` for such input,
        with fewer steps before the answer leaves (docs/performance.md, "Command path").
        It holds only if every change to the engine since :meth:`note_idle` went through
        the driving interface and was followed by another :meth:`note_idle`."""
        framing = self._idle_framing
        if framing is None:
            return None
        answer = self._known_answer(data, framing)
        if answer is not None:
            self.now = now
        return answer

    def note_idle(self) -> None:
        """Note whether the port is idle in command state with no output waiting or held,
        for :meth:`answer_at_once`. The server calls it at the end of every pump, after
        the output is written: the checks cost the answer nothing then."""
        if (
            self.mode is PortMode.COMMAND
            and not self._inbox
            and not self._out
            and self._first is None
            and self._idle_line()
            and not self.output_held
        ):
            self._idle_framing = _framing(self.state.settings)
        else:
            self._idle_framing = None

    def _take_input(self, data: bytes, start: int = 0) -> bool:
        """Process ``data[start:]``; what the port cannot take now waits in the inbox
        (unless the input powered the module off). True if all of it was taken."""
        consumed = start + self._process(memoryview(data)[start:])
        if consumed < len(data):
            if self.powered:  # the line may have powered us off
                self._inbox += data[consumed:]
            return False
        return True

    def data_to_send(self) -> bytes:
        """Everything the module has written to the host since the last call (nothing while
        :attr:`output_held`: the bytes wait here, as in a UART whose RTS is deasserted)."""
        first = self._first
        if (first is None and not self._out) or self.output_held:
            return b""
        if first is None:
            out = bytes(self._out)
        else:
            out = first + self._out if self._out else first
            self._first = None
        self._out.clear()
        return out

    def next_deadline(self) -> float | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].deadline if self._timers else None

    def handle_timer(self, now: float) -> None:
        self.now = now
        while self._timers and self._timers[0].deadline <= now:
            timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                timer.callback()
        self._drain_inbox()

    def handle_net(self, event: NetEvent, now: float) -> None:
        self.now = now
        if self._terminator.deferred:  # a data phase is about to open: after it
            self._terminator.held_events.append(event)
            return
        self._dispatch_net(event)
        self._drain_inbox()

    def _dispatch_net(self, event: object) -> None:
        handler = self._net_handlers.get(type(event))
        if handler is not None:
            handler(event)

    def apply_change(self, change: changes.Change, now: float) -> None:
        """The one entry point for changes from outside the host's commands (faults, tests,
        the control channel): update the state and queue the URCs the settings ask for.
        See :mod:`modemu.modem.changes`."""
        self.now = now
        if self.mode is PortMode.OFF:
            return
        changes.apply(self, change)
        self._flush_urcs()
        self._drain_inbox()

    @property
    def settings(self) -> Settings:
        """The AT settings (``state.settings``; replaced whole by ``AT&F``/``ATZ``)."""
        return self.state.settings

    @property
    def contexts(self) -> dict[int, PdpContext]:
        """The PDP contexts by cid (``state.contexts``)."""
        return self.state.contexts

    @property
    def wants_input(self) -> bool:
        """False while held input exceeds :data:`PENDING_INPUT_LIMIT` (pause the host)."""
        if self.input_blocked or len(self._inbox) >= PENDING_INPUT_LIMIT:
            return False
        held = len(self._out) if self._first is None else len(self._out) + len(self._first)
        return held < HELD_OUTPUT_LIMIT or not self.output_held  # not held full

    @property
    def powered(self) -> bool:
        return self.mode is not PortMode.OFF

    def power_on(self, now: float) -> None:
        """Press the power key: boot now if the module is off."""
        self.now = now
        if self.mode is PortMode.OFF:
            self._boot()

    def set_host_writable(self, writable: bool) -> None:
        """The transport reports whether the host is draining output (back-pressure)."""
        self._link_writable = writable
        self.refresh_lines()

    # -----------------------------------------------------------------------------------
    # Hardware lines (docs/hardware-lines.md)

    def set_host_line(self, name: str, value: bool | int, now: float) -> None:
        """The host changed a line it drives: ``dtr``, ``rts``, ``brk``, ``baudrate``, or
        ``present`` (a host attached to / left the port)."""
        self.now = now
        host = self.lines.host
        before = getattr(host, name)
        setattr(host, name, type(before)(value))
        if name == "dtr" and before and not value and self.powered:
            self.sockets.dtr_dropped()
        self.refresh_lines()
        self._drain_inbox()

    @property
    def output_held(self) -> bool:
        """No host to send to, or ``AT+IFC=2,x`` and the host deasserted RTS."""
        host = self.lines.host
        return not host.present or (self.state.uart.flow_control[0] == IFC_RTS_CTS and not host.rts)

    def refresh_lines(self) -> None:
        """Recompute what follows from the lines (after ``+IFC``, a line or link change)."""
        writable = self._link_writable and not self.output_held
        if writable != self.host_writable:
            self.host_writable = writable
            self.sockets.resume_where_possible()

    def module_lines(self, now: float) -> ModuleLines:
        """The lines the module drives at ``now`` (CTS, DSR, RI, DCD) and STATUS/NETLIGHT."""
        powered = self.powered
        return ModuleLines(
            cts=powered and (self.state.uart.flow_control[1] != IFC_RTS_CTS or self._input_room()),
            dsr=powered,
            ri=self.lines.ri_at(now),
            dcd=powered and (self.settings.dcd_mode == 0 or self.mode in _BRIDGED),
            status=powered,
            netlight=self._netlight(),
        )

    def _input_room(self) -> bool:
        return len(self._inbox) < CTS_OFF_AT and self.wants_input

    def _netlight(self) -> Netlight:
        radio = self.state.radio
        if not self.powered or radio.cfun == 0:
            return Netlight.OFF
        if not radio.registered:
            return Netlight.SEARCHING
        if any(ctx.active for ctx in self.contexts.values()):
            return Netlight.DATA
        return Netlight.IDLE

    def clear_ri(self) -> None:
        """``AT+QRIR``: RI inactive."""
        self.lines.clear_ri()

    def _ri_for(self, urc: str) -> None:
        """RI for a URC being shown, per its ``AT+QCFG="urc/ri/*"`` setting. The host's
        port is where URCs are presented, so ``risignaltype`` "respective" and "physical"
        both drive this port's RI (docs/hardware-lines.md)."""
        ext = self.state.ext
        category = ri_category(urc)
        setting = {"ring": ext.ri_ring, "smsincoming": ext.ri_smsincoming}.get(
            category, ext.ri_other
        )
        self.lines.start_ri(setting, self.now)

    def boot_at(self, deadline: float) -> None:
        """Power on at ``deadline`` (PWRKEY, host attach, reset); replaces a pending boot."""
        self.cancel_boot()
        self._boot_timer = self.call_at(deadline, self._boot)

    def discard_output(self) -> None:
        """Forget output not yet taken (a power cycle while it was held)."""
        self._out.clear()
        self._first = None

    def cancel_boot(self) -> None:
        if self._boot_timer is not None:
            self._boot_timer.cancel()
            self._boot_timer = None

    # -----------------------------------------------------------------------------------
    # Services for command handlers

    def call_at(self, deadline: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(deadline, next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def new_request_id(self) -> int:
        """A fresh id for a request to the net back end (ACK waits, DNS, ping, NTP): one
        counter for all of them, so no two requests in flight ever share an id."""
        return next(self._requests)

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return self.call_at(self.now + delay, callback)

    def write(self, data: bytes) -> None:
        """Raw output to the host (echo, prompt, transparent data)."""
        if self._first is None and not self._out and type(data) is bytes:
            self._first = data
        else:
            self._out += data

    def info(self, *lines: str | bytes) -> None:
        """Information text of the running command."""
        self._out += render.info(lines, self.state.settings.verbose)

    def urc(self, event: AnyUrc, payload: bytes | None = None, sep: bytes = b"\r\n") -> None:
        """Queue an unsolicited result code; ``payload`` follows the header after ``sep``
        (direct push: ``\r\n``, or ``,`` with viewmode 1) and is closed by CRLF."""
        text = event.render()
        if payload is None:
            self._urcs.append(text.encode("latin-1"))
        else:
            self._urcs.append((text, sep, payload))
        self._flush_urcs()

    @property
    def queued_urcs(self) -> list[str]:
        """URCs waiting for the port (headers only for data-carrying ones), oldest first."""
        return [u[0] if isinstance(u, tuple) else u.decode("latin-1") for u in self._urcs]

    @property
    def urc_backlog(self) -> int:
        """Bytes of payload waiting in the URC queue (used to pause sockets)."""
        return sum(len(u[2]) for u in self._urcs if isinstance(u, tuple))

    def result(self, code: Result) -> None:
        settings = self.state.settings
        if not settings.quiet:
            self._out += render.result(code, settings.verbose)

    def final_text(self, text: str) -> None:
        self._out += render.text_result(text, self.settings.verbose)

    def change_mode(self, trigger: Trigger) -> None:
        self.mode = transition(self.mode, trigger)
        for observer in self.mode_observers:
            observer(self.mode)
        if self.mode is PortMode.COMMAND:
            self.sink = None
            self._flush_urcs()

    def enter_sink(self, sink: InputSink, trigger: Trigger) -> None:
        """Hand following host input to a data mode (prompt or transparent)."""
        self.change_mode(trigger)
        self.sink = sink

    def finish_pending(self, outcome: Outcome, error: CommandError | None = None) -> None:
        """Complete the command that returned :attr:`Reply.PENDING`, then run the rest of
        its command line."""
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        if self.mode is PortMode.BUSY:
            self.change_mode(Trigger.DONE)
        if error is not None:
            self._report_error(pending.kind, error)
        elif self._apply_outcome(outcome):
            self._executing = True
            try:
                self._run_calls(pending.rest)
            finally:
                self._executing = False
        self._flush_urcs()

    def when_terminated(self, action: Callable[[], None]) -> None:
        """Run ``action`` (write ``>`` or ``CONNECT`` and enter the data phase) once the
        current command line's terminator is complete: now if it is, else at the next host
        byte (an LF is dropped as part of the terminator) or when ``lf_wait`` runs out."""
        term = self._terminator
        if term.deadline is None or self.now >= term.deadline:
            self._complete_terminator()
            action()
            return
        term.deferred.append(action)
        if term.timer is None:
            term.timer = self.call_at(term.deadline, self._complete_terminator)

    def report_error(self, kind: Kind, error: CommandError) -> None:
        """The one place a failure becomes ``ERROR``/``+CME ERROR`` (and the QI error code),
        for failures found outside a handler too (data entry, ``+Q`` syntax errors)."""
        self._report_error(kind, error)

    def after_line(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the current command line's final result is written."""
        self._after_line.append(action)

    def apply_s_registers(self) -> None:
        """S3 (line end) and S5 (backspace) take effect for the next line."""
        self._reader.s3 = self.settings.s_registers[3]
        self._reader.s5 = self.settings.s_registers[5]
        self._known.clear()  # remembered by exact bytes, which S3/S5 give their meaning
        self._plans.clear()

    def deactivate_context(self, cid: int) -> None:
        """Tear a context down with its sockets, silently (spec A18)."""
        ctx = self.contexts.get(cid)
        if ctx is None or not ctx.active:
            return
        self.sockets.release_context(cid)
        ctx.active = False
        ctx.address = ""

    def deactivate_all_contexts(self) -> None:
        for cid in sorted(self.contexts):
            self.deactivate_context(cid)

    def take_pending(self) -> None:
        """Forget the pending command without answering it (its handler answers itself,
        e.g. ``CONNECT`` for a transparent QIOPEN)."""
        self._pending = None

    def begin_pending(self, kind: Kind) -> None:
        """Keep the port busy after a data phase until :meth:`finish_pending`."""
        self._pending = _Pending(kind, [])
        if self.mode is not PortMode.BUSY:
            self.change_mode(Trigger.PENDING)

    def save_nv(self) -> None:
        save_state(self.nv, self.state)

    def context(self, cid: int) -> PdpContext:
        ctx = self.contexts.get(cid)
        if ctx is None:
            ctx = self.contexts[cid] = PdpContext(cid)
        return ctx

    def reset_settings(self) -> None:
        """``AT&F``/``ATZ``: factory AT settings (IPR and NV profiles are kept)."""
        self.state.settings = Settings(qicfg=QiConfig.with_defaults(self.profile.qicfg_defaults))
        self.apply_s_registers()

    def hang(self, seconds: float, keep_input: bool) -> None:
        """The ``hang`` fault: busy for ``seconds`` (no echo, answer or URC; input held),
        then answer the held input (``keep_input``) or forget it. A power-off ends it."""
        self.change_mode(Trigger.PENDING)
        self._hang = self.call_later(seconds, lambda: self._end_hang(keep_input))

    def race_next_urc(self, when: str) -> None:
        """The ``urc-race`` fault: hold the next URC until the host's next command line,
        then deliver it right after that line's echo (``echo``) or right after its final
        result (``final``) -- the worst moments a real module allows."""
        self._urc_race = when

    @property
    def urc_race(self) -> str | None:
        return self._urc_race

    @property
    def hung(self) -> bool:
        return self._hang is not None

    def _end_hang(self, keep_input: bool) -> None:
        self._hang = None
        if not keep_input:
            self._inbox.clear()
        if self.mode is PortMode.BUSY:
            self.change_mode(Trigger.DONE)

    def power_off(self) -> None:
        """Lose all volatile state: sockets, requests in flight, active contexts, queued
        output."""
        self.sockets.release_all()
        self.services.reset()
        self._urc_race = None
        if self._hang is not None:
            self._hang.cancel()
            self._hang = None
        self.delays.reset()
        if self.mode is not PortMode.OFF:
            self.change_mode(Trigger.POWER_OFF)
        self._pending = None
        self._after_line.clear()
        self._terminator.take()
        self._terminator.take_held_events()  # the sockets they concern are gone
        self.sink = None
        self._inbox.clear()
        self._urcs.clear()
        self._reader.reset()
        self.lines.clear_ri()
        for ctx in self.contexts.values():
            ctx.active = False
            ctx.address = ""

    # -----------------------------------------------------------------------------------
    # Input processing

    def _drain_inbox(self) -> None:
        if not self._inbox or self.mode in (PortMode.BUSY, PortMode.OFF):
            return
        consumed = self._process(memoryview(self._inbox))
        if not self.powered:
            self._inbox.clear()  # typed behind a power-off: lost, whatever the split
        else:
            del self._inbox[:consumed]

    def _process(self, data: memoryview) -> int:
        """Consume as much input as the current mode allows; returns bytes consumed."""
        pos = 0
        size = len(data)
        terminator = self._terminator
        reader = self._reader
        while pos < size:
            if terminator.deadline is not None:  # pending: the line's LF may still come
                pos += data[pos] == LF  # the LF completing the line's CR is never data
                self._complete_terminator()
                continue
            mode = self.mode
            if mode is PortMode.COMMAND:
                view = data[pos:] if pos else data
                plain = reader.plain_line(view)  # a whole plain line: straight to its body
                if plain is not None:
                    echo_from, used, body = plain
                    if self.state.settings.echo:
                        self._out += view[echo_from:used]
                    pos += used
                    terminator.begin(self.now, self.profile.lf_wait)
                    self._run_line(body)
                else:
                    fed = reader.feed(view, self.state.settings.echo)
                    pos += fed.consumed
                    if fed.echo:
                        self._out += fed.echo
                    if fed.event is None:
                        continue
                    if not isinstance(fed.event, RepeatLine):  # ended by S3
                        terminator.begin(self.now, self.profile.lf_wait)
                    self._on_line(fed.event)
                if self.mode is PortMode.COMMAND:
                    # A data phase opens only from this line (deferred) or a pending
                    # command (BUSY): otherwise nothing waits for the LF.
                    terminator.settle()
            elif self.sink is not None and mode is not PortMode.BUSY:
                used = self.sink.feed(data[pos:], self.now)
                if used == 0 and self.mode is mode:
                    break
                pos += used
            else:
                break
        return pos

    def _idle_line(self) -> bool:
        """The port idle in command state: no line being typed, no LF wait, no URC or
        action held, no observer to tell (the caller checked the mode)."""
        return not (
            self._terminator.deadline is not None
            or self._urcs
            or self._after_line
            or self.line_observers
            or self._reader.mid_line
        )

    def _answer_known(self, data: bytes) -> bool:
        """Answer ``AT`` alone, or a query line answered before and unchanged since, with
        the bytes the general path would write (:mod:`modemu.modem.known`); False to run
        the line. Called only on an idle port with short input."""
        settings = self.state.settings
        if data in self._reader.poll_lines:  # "AT" typed from idle: answered OK
            self._answer_poll(data, settings)
            return True
        answer = self._known_answer(data, _framing(settings))
        if answer is None:
            return False
        self._out += answer
        return True

    def _known_answer(self, data: bytes, framing: tuple[bool, bool, bool]) -> bytes | None:
        """The answer remembered for ``data`` if it still holds in ``framing`` (and, for a
        query, its stamp is unchanged), with the line's effects applied: ``A/`` repeats it,
        a TCP/IP query clears the last ``AT+QIGETERROR`` code. None: nothing was done."""
        known = self._known.get(data)
        if known is None or known.framing != framing:
            return None
        spec = known.spec
        if spec is not None and (spec.stamp is None or known.stamp != spec.stamp(self)):
            return None
        self._last_line = known.body
        if known.tcpip:
            self.state.settings.last_qi_error = 0
        return known.answer

    def _answer_poll(self, data: bytes, settings: Settings) -> None:
        """``AT`` alone: its echo (A, T, S3: a trailing LF is dropped unechoed) and ``OK``,
        remembered for :meth:`answer_at_once` in the current framing."""
        answer = data[:3] if settings.echo else b""
        if not settings.quiet:
            answer += render.OK_BY_VERBOSE[settings.verbose]
        self._out += answer
        self._last_line = ""
        framing = _framing(settings)
        known = self._known.get(data)
        if known is None or known.framing != framing:
            self._remember(data, KnownAnswer("", None, None, framing, answer))

    def _run_remembering(self, data: bytes) -> None:
        """Run ``data`` (an idle port's short input) as usual; if it was exactly one plain
        command line running one query that answered ``OK``, remember what it wrote."""
        start = len(self._out)
        self._query = None  # read back through _take_query: compiled code must not assume None
        if not self._take_input(data):
            return
        spec = self._take_query()
        if spec is None or spec.stamp is None:
            self._remember_plan(data)
            return
        if not self._idle_line():
            return
        if self._first is not None:  # a raw write is not in _out[start:]: not remembered
            return
        if self.mode is not PortMode.COMMAND or self._reader.whole_line(data) is None:
            return  # "A/" repeats whatever came last: never remembered
        self._remember(
            data,
            KnownAnswer(
                self._last_line,
                spec,
                spec.stamp(self),
                _framing(self.state.settings),
                bytes(self._out[start:]),
                tcpip=spec.kind is Kind.TCPIP,
            ),
        )

    def _remember(self, data: bytes, known: KnownAnswer) -> None:
        if len(self._known) >= KNOWN_LINES and data not in self._known:
            self._known.clear()
        self._known[data] = known

    def _run_plan(self, data: bytes, plan: LinePlan) -> None:
        """What :meth:`_process` does for ``data``, one whole plain line on an idle port,
        without reading and parsing it again: echo, the terminator, the line; then the LF
        of a CR LF goes where the general path sends it (it completes a held prompt's
        terminator, or the idle reader drops it)."""
        line = data[: len(data) - plan.tail] if plan.tail else data
        if self.state.settings.echo:
            self._out += line
        terminator = self._terminator
        terminator.begin(self.now, self.profile.lf_wait)
        self._run_line(plan.body, plan.calls, plan.spec, plan.run)
        if self.mode is _COMMAND:
            terminator.settle()
        if plan.tail:
            self._take_input(data, len(line))

    def _remember_plan(self, data: bytes) -> None:
        """After ``data`` ran from an idle port: if it is exactly one plain command line
        whose commands are all known and none a query, remember how it reads."""
        whole = self._reader.whole_line(data)
        if whole is None:
            return
        body, tail = whole
        calls = _parse_line(body)
        if not calls:
            return
        lookup = self.registry.lookup
        specs = [lookup(call.name) for call in calls]
        for spec in specs:
            if spec is None or spec.stamp is not None:
                return
        if len(self._plans) >= KNOWN_LINES:
            self._plans.clear()
        self._plans[data] = LinePlan(body, calls, tail, *_prepared(calls, specs))

    def _take_query(self) -> CommandSpec | None:
        """The query the last line ran alone and answered ``OK`` (noted by
        :meth:`_run_calls`), forgotten as it is taken."""
        query, self._query = self._query, None
        return query

    def _complete_terminator(self) -> None:
        for action in self._terminator.take():
            action()
        for event in self._terminator.take_held_events():
            self._dispatch_net(event)
        self._flush_urcs()

    def _on_line(self, event: CommandLine | RepeatLine | LineTooLong) -> None:
        if isinstance(event, LineTooLong):
            self.result(Result.ERROR)
            return
        self._run_line(self._last_line if isinstance(event, RepeatLine) else event.body)

    def _run_line(
        self,
        body: str,
        parsed: tuple[CommandCall, ...] | None = None,
        spec: CommandSpec | None = None,
        run: Run | None = None,
    ) -> None:
        """Run one command line (the text after ``AT``; ``parsed``, if given, is
        ``_parse_line(body)``) and write its final result. A remembered line of one command
        gives that command and its arguments read once (:attr:`LinePlan.run`)."""
        self._last_line = body
        for observer in self.line_observers:
            observer(body)
        if self._urc_race is not None and self._urcs:
            race, self._urc_race = self._urc_race, None
            if race == "echo":
                self._flush_urcs()  # after the echo, before the response
        if parsed is None:
            parsed = _parse_line(body)
        if parsed is None:
            if body[:2].upper() == "+Q":  # a malformed TCP/IP command: invalid parameters
                self._report_error(Kind.TCPIP, CommandError())
            else:
                self.result(Result.ERROR)
            return
        if parsed:
            self._executing = True
            try:
                if spec is None or run is None:
                    self._run_calls(parsed)
                elif self._run_one(spec, run, parsed, 0):
                    self.result(_OK)
            finally:
                self._executing = False
        else:  # a bare "AT"
            self.result(Result.OK)
        if self._urcs:
            self._flush_urcs()
        if self._after_line:
            self._run_after_line()

    def _run_after_line(self) -> None:
        while self._after_line:
            self._after_line.pop(0)()

    def _run_calls(self, calls: Sequence[CommandCall]) -> None:
        lookup = self.registry.lookup
        for index, call in enumerate(calls):
            spec = lookup(call.name)
            if spec is None:
                self.result(Result.ERROR)
                return
            if not self._run_one(spec, None, calls, index):
                return
        if len(calls) == 1:
            self._query = spec  # what _run_remembering may remember
        self.result(_OK)

    def _run_one(
        self, spec: CommandSpec, run: Run | None, calls: Sequence[CommandCall], index: int
    ) -> bool:
        """Run ``calls[index]`` (through ``run`` if its arguments were read before) and
        settle its outcome; True if the line goes on to its next command or its ``OK``."""
        if spec.kind is _TCPIP:
            self.state.settings.last_qi_error = 0
        try:
            outcome = self._invoke(spec, calls[index]) if run is None else run(self)
        except CommandError as error:
            self._report_error(spec.kind, error)
            return False
        if outcome is None:  # the common case first
            return True
        if outcome is _PENDING:
            self._pending = _Pending(spec.kind, list(calls[index + 1 :]))
            if self.mode is not PortMode.BUSY:
                self.change_mode(Trigger.PENDING)
            return False
        if outcome is _NO_REPLY or isinstance(outcome, FinalText):
            self._apply_outcome(outcome)
            return False
        return True

    def _invoke(self, spec: CommandSpec, call: CommandCall) -> Outcome:
        if call.form not in spec.forms:
            raise UndeclaredFormError()
        if call.form is Form.TEST and spec.test is not None:
            self.info(spec.test_text(self.profile.contexts) or "")
            return None
        return spec.handler(self, call)

    def _apply_outcome(self, outcome: Outcome) -> bool:
        """Render a finished command's final result; True if the line may go on."""
        if isinstance(outcome, FinalText):
            self.final_text(outcome.text)
            return False
        if outcome is Reply.NONE:
            return False
        if outcome is Reply.PENDING:  # pragma: no cover - handlers never finish as pending
            raise RuntimeError("a finished command cannot be pending")
        return True

    def _report_error(self, kind: Kind, error: CommandError) -> None:
        code = error.code
        if kind is Kind.TCPIP:
            qi_code = code if code is not None else 552
            self.settings.last_qi_error = qi_code
            if self.profile.qi_errors_as_cme and self.settings.cmee:
                self._cme_error(qi_code, QI_ERROR_TEXT.get(qi_code, str(qi_code)))
            else:
                self.result(Result.ERROR)
        elif kind is Kind.GPP and not isinstance(error, UndeclaredFormError) and self.settings.cmee:
            cme = 50 if code is None else code
            self._cme_error(cme, CME_ERROR_TEXT.get(cme, str(cme)))
        else:
            self.result(Result.ERROR)

    def _cme_error(self, code: int, text: str) -> None:
        """``+CME ERROR: <n>`` (CMEE 1) or ``+CME ERROR: <text>`` (CMEE 2)."""
        if not self.settings.quiet:
            self.final_text(f"+CME ERROR: {text if self.settings.cmee == CMEE_TEXT else code}")

    def _flush_urcs(self) -> None:
        if self.mode is not PortMode.COMMAND or self._executing or not self._urcs:
            return
        if self._urc_race is not None:  # the urc-race fault holds it for the next line
            return
        if self._terminator.deferred:  # nothing between a command and its prompt
            return
        verbose = self.settings.verbose
        while self._urcs:
            item = self._urcs.popleft()
            if isinstance(item, tuple):
                header, sep, payload = item
                lead = render.CRLF if verbose else b""
                self._out += lead + header.encode("latin-1") + sep + payload + render.CRLF
                self._ri_for(header)
            else:
                self._out += render.urc(item, verbose)
                self._ri_for(item.decode("latin-1"))
        self.sockets.resume_where_possible()

    # -----------------------------------------------------------------------------------
    # Power and NV

    def _boot(self) -> None:
        self._boot_timer = None
        if self.mode is PortMode.OFF:
            self.change_mode(Trigger.POWER_ON)
        self.reset_settings()
        radio = self.state.radio
        radio.cfun = 1
        radio.attached = True
        if radio.sim is not SimState.ABSENT:  # a pulled card stays out across a reboot
            radio.sim = SimState(self.profile.sim)
        for line in self.profile.boot_urcs:
            self.urc(Verbatim(line))
        sim = radio.sim
        if sim is SimState.READY:
            for line in self.profile.boot_sim_ready_urcs:
                self.urc(Verbatim(line))
        elif sim is SimState.ABSENT:
            self.urc(SimStatus("NOT INSERTED"))
        else:
            self.urc(SimStatus(sim))
        for line in self.profile.boot_after_urcs:
            self.urc(Verbatim(line))


def _framing(settings: Settings) -> tuple[bool, bool, bool]:
    """What frames every answer (echo, quiet, verbose): a remembered answer holds only in
    the framing it was written in."""
    return (settings.echo, settings.quiet, settings.verbose)


def _prepared(
    calls: tuple[CommandCall, ...], specs: Sequence[CommandSpec | None]
) -> tuple[CommandSpec | None, Run | None]:
    """:attr:`LinePlan.spec` and :attr:`LinePlan.run` for a remembered line: a line of
    one set command that declares ``prepare`` runs with its arguments read once."""
    if len(calls) != 1:
        return None, None
    call, spec = calls[0], specs[0]
    if spec is None or spec.prepare is None or call.form is not Form.SET:
        return None, None
    run = spec.prepare(call) if call.form in spec.forms else None
    return (spec, run) if run is not None else (None, None)


@functools.lru_cache(maxsize=256)
def _parse_line(body: str) -> tuple[CommandCall, ...] | None:
    """:func:`parse_command_line`, remembered: hosts repeat the same few lines (QIRD and
    QISTATE polls), and the result is immutable. ``None`` for a syntax error."""
    try:
        return tuple(parse_command_line(body))
    except AtSyntaxError:
        return None
