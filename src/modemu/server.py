"""VirtualModem: the sans-IO engine, a network back end and a host transport on asyncio.

The engine does all the thinking; this module only moves things between the three:

* host bytes → ``engine.receive_data(data, loop.time())``;
* back-end events → ``engine.handle_net(event, loop.time())``;
* after every engine call: ``engine.data_to_send()`` → the transport, ONE ``loop.call_at``
  timer for ``engine.next_deadline()`` (which calls ``engine.handle_timer``), and the
  transport's reading paused while ``engine.wants_input`` is false;
* the transport's back-pressure → ``engine.set_host_writable``.

A back end may emit an event while the engine is calling it (a fake net answering ``open``
at once). Such events are queued and handled right after the engine call returns, so the
engine is never re-entered.

Use as an async context manager::

    async with VirtualModem(transport=PtyTransport("/tmp/modem")) as vm:
        await vm.serve_forever()       # until vm.stop() or cancellation

:func:`run` runs a coroutine on uvloop when it is installed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, runtime_checkable

from modemu.modem.lines import ATTACH_BOOT_DELAY, LineState, ModuleLines
from modemu.modem.nvstore import MemoryNvStore, NvStore
from modemu.modem.profile import Profile
from modemu.net.base import EventSink, NetBackend, NetConfig, NetEvent
from modemu.net.faulty import FaultyNet
from modemu.net.policy import Policy
from modemu.transport.base import LineTransport, Transport
from modemu.transport.uartfaults import HostLine

if TYPE_CHECKING:  # loaded when used: a plain `serve` has no trace, tap or faults yet
    from modemu.control.target import FaultTarget
    from modemu.net.tap import NetObserver
    from modemu.trace import Tracer
    from modemu.transport.paced import PacedTransport

__all__ = [
    "ATTACH_BOOT_DELAY",
    "Engine",
    "EngineFactory",
    "LinedEngine",
    "NetFactory",
    "OnAttach",
    "PowerOn",
    "VirtualModem",
    "new_event_loop",
    "run",
]

log = logging.getLogger("modemu.server")

T = TypeVar("T")


class Engine(Protocol):
    """The part of ``modemu.modem.engine.ModemEngine`` the server drives."""

    @property
    def wants_input(self) -> bool: ...

    def receive_data(self, data: bytes, now: float) -> None: ...

    def data_to_send(self) -> bytes: ...

    def next_deadline(self) -> float | None: ...

    def handle_timer(self, now: float) -> None: ...

    def handle_net(self, event: NetEvent, now: float) -> None: ...

    def set_host_writable(self, writable: bool) -> None: ...


@runtime_checkable
class LinedEngine(Engine, Protocol):
    """An engine with hardware lines and power control (``ModemEngine``); the server uses
    them when it has one, so a scripted test engine needs none of this."""

    lines: LineState

    def set_host_line(self, name: str, value: bool | int, now: float) -> None: ...

    def module_lines(self, now: float) -> ModuleLines: ...

    def boot_at(self, deadline: float) -> None: ...

    def cancel_boot(self) -> None: ...

    def power_off(self) -> None: ...

    def discard_output(self) -> None: ...


@runtime_checkable
class QuickEngine(Engine, Protocol):
    """An engine that answers ``AT`` and repeated queries at once (``ModemEngine``): the
    server writes such an answer before its own bookkeeping (docs/performance.md,
    "Command path"), and tells the engine after every pump whether its port is idle."""

    def answer_at_once(self, data: bytes, now: float) -> bytes | None: ...

    def note_idle(self) -> None: ...


PowerOn = Literal["start", "attach"]
"""``start``: boot when the server starts; ``attach``: when the first host attaches."""
OnAttach = Literal["keep", "reboot"]
"""``keep``: a host attaching finds the module as the last one left it (held output
included); ``reboot``: every host attaching gets a module that has just powered on."""


EngineFactory = Callable[[Profile, NetBackend, NvStore, float], Engine]
"""Builds the engine: ``(profile, net, nv, now)``, like ``ModemEngine.__init__``."""

NetFactory = Callable[[EventSink], NetBackend]
"""Builds the back end around the server's event sink (``FakeNet``, a lambda, …)."""


def _default_engine(profile: Profile, net: NetBackend, nv: NvStore, now: float) -> Engine:
    from modemu.modem.engine import ModemEngine  # noqa: PLC0415 - keeps import cheap/optional

    engine: Engine = ModemEngine(profile, net, nv, now)
    return engine


def _watched(factory: NetFactory, observers: Sequence[NetObserver]) -> NetFactory:
    """``factory`` behind a :class:`~modemu.net.tap.NetTap` when anyone watches (pcap, trace)."""
    if not observers:
        return factory
    from modemu.net.tap import tap_factory  # noqa: PLC0415 - only with --trace or --pcap

    return tap_factory(factory, observers)


def _trace_notes(tracer: Tracer | None) -> list[NetObserver]:
    """The observer that notes net events in the trace, if there is one."""
    if tracer is None:
        return []
    from modemu.net.tap import TraceNotes  # noqa: PLC0415 - only with --trace

    return [TraceNotes(tracer.event)]


def _asyncio_net_factory(config: NetConfig) -> NetFactory:
    def build(sink: EventSink) -> NetBackend:
        from modemu.net.asyncio_net import AsyncioNet  # noqa: PLC0415

        net: NetBackend = AsyncioNet(sink, config)
        return net

    return build


class VirtualModem:
    """One virtual module served on one transport.

    ``net_factory`` injects a back end (tests); by default the real ``AsyncioNet`` is built
    from ``net_config``. ``nv`` defaults to a :class:`MemoryNvStore` (nothing on disk).
    The modem owns ``transport`` and ``tracer`` and closes them on exit.
    """

    def __init__(
        self,
        *,
        transport: Transport,
        profile: Profile | None = None,
        net_factory: NetFactory | None = None,
        net_config: NetConfig | None = None,
        nv: NvStore | None = None,
        tracer: Tracer | None = None,
        engine_factory: EngineFactory | None = None,
        net_observers: Sequence[NetObserver] = (),
        policy: Policy | None = None,
        control_path: str | None = None,
        control_optional: bool = False,
        baud: int | None = None,
        power_on: PowerOn = "start",
        on_attach: OnAttach = "keep",
    ) -> None:
        self.profile = profile or Profile()
        self.transport = transport
        self._link: Transport = transport
        """What bytes go through: ``transport``, or it at a UART's pace with ``baud``."""
        self._paced: PacedTransport | None = None
        if baud is not None:
            from modemu.transport.paced import PacedTransport  # noqa: PLC0415

            self._link = self._paced = PacedTransport(transport, baud)
        self.tracer = tracer
        self._net_factory = _watched(
            net_factory or _asyncio_net_factory(net_config or NetConfig()),
            [*net_observers, *_trace_notes(tracer)],
        )
        self._engine_factory = engine_factory or _default_engine
        self._nv = nv if nv is not None else MemoryNvStore()
        self._engine: Engine | None = None
        self._net: NetBackend | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._reading = True
        self._busy = False
        self._pumping = False
        self._repump = False
        self._pending: deque[NetEvent] = deque()
        self._closing = False
        self._policy = policy
        self._faulty: FaultyNet | None = None
        self._host_line: HostLine | None = None
        self._quick: QuickEngine | None = None
        """The engine, if it answers at once and no line transport needs the lines shown
        before the text (``_show_lines``)."""
        self._target: FaultTarget | None = None
        self.control_path = control_path
        """Where ``start`` opens the control socket (None: no socket)."""
        self._control_optional = control_optional
        """A default (not asked-for) socket that cannot be opened is only a warning."""
        self._control: Any = None
        self.power_on = power_on
        self.on_attach = on_attach
        self._attached_once = False
        self._lines_timer: asyncio.TimerHandle | None = None
        self._release: asyncio.TimerHandle | None = None
        """Pending release of held output to a host that has just come back."""
        self._lined_engine: LinedEngine | None = None
        self._line_transport = transport if isinstance(transport, LineTransport) else None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The running engine (for fault hooks; call :meth:`pump` after poking it)."""
        if self._engine is None:
            raise RuntimeError("VirtualModem is not started")
        return self._engine

    @property
    def net(self) -> NetBackend:
        if self._net is None:
            raise RuntimeError("VirtualModem is not started")
        return self._net

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("VirtualModem is not started")
        return self._loop

    async def start(self) -> None:
        """Build net and engine, then open the transport (which may raise TransportError)."""
        if self._loop is not None:
            raise RuntimeError("VirtualModem already started")
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        if self.tracer is not None:
            self.tracer.attach_loop(self._loop)
        loop = self._loop
        try:
            self._faulty = FaultyNet(
                self._on_net_event,
                self._build_inner_net,
                schedule=loop.call_later,
                policy=self._policy,
                note=self.trace_event,
                clock=loop.time,
            )
            self._engine = self._engine_factory(
                self.profile, self._faulty, self._nv, self._loop.time()
            )
            if hasattr(self._engine, "note"):
                self._engine.note = self.trace_event  # dropped datagrams etc. → trace
            self._host_line = HostLine(self._link.write, loop.call_later, self._on_host_writable)
            self._target = _fault_target(self._engine, self._faulty, self._host_line, self)
            if self._paced is not None:
                _set_uart_rate(self._engine, self._paced.baud)
            self._prepare_power(self._engine)
            if isinstance(self._engine, QuickEngine) and self._line_transport is None:
                self._quick = self._engine
            await self._link.start(_Listener(self))
            if self.control_path is not None:
                await self._start_control(self.control_path)
        except BaseException:
            await self._close_net()
            self._close_tracer()
            raise
        log.info("module %s serving on %s", self.profile.model, self._link.describe())
        self._run_due_timers()

    def _build_inner_net(self, sink: EventSink) -> NetBackend:
        self._net = self._net_factory(sink)
        return self._net

    async def _start_control(self, path: str) -> None:
        from modemu.control.server import ControlServer  # noqa: PLC0415
        from modemu.errors import ModemuError  # noqa: PLC0415

        control = ControlServer(path, self.control)
        try:
            await control.start()
        except ModemuError as exc:
            if not self._control_optional:
                raise
            log.warning("no control socket: %s", exc)
            return
        self._control = control

    # -- faults and control -----------------------------------------------------------------

    def control(self, op: str, args: dict[str, Any]) -> Any:
        """Run one control operation (``status``, a fault…) and pump the result out."""
        from modemu.control.ops import run_operation  # noqa: PLC0415
        from modemu.errors import ControlError  # noqa: PLC0415

        if self._target is None:
            raise ControlError("this module has no fault controls (custom engine)")
        if self._closing:
            raise ControlError("the module is shutting down")
        self._busy = True
        try:
            result = run_operation(self._target, op, args)
        finally:
            self._busy = False
            self.pump()
        return result

    def fault(self, name: str, **args: Any) -> Any:
        """Apply a fault now: ``vm.fault("pdp-deact", cid=1)`` (see ``docs/faults.md``)."""
        return self.control(name, args)

    def scenario(self, source: Any) -> dict[str, Any]:
        """Start a scenario now: a TOML path, a parsed mapping or a list of step mappings
        (see :mod:`modemu.control.scenario`); returns its description."""
        from modemu.control.ops import start_scenario  # noqa: PLC0415

        if self._target is None:
            raise RuntimeError("VirtualModem is not started or has a custom engine")
        self._busy = True
        try:
            runner = start_scenario(self._target, source)
        finally:
            self._busy = False
            self.pump()
        return runner.describe()

    def status(self) -> dict[str, Any]:
        """Mode, contexts, sockets and their counters, queued URCs, faults in force."""
        result = self.control("status", {})
        assert isinstance(result, dict)
        return result

    @property
    def fault_target(self) -> FaultTarget:
        if self._target is None:
            raise RuntimeError("VirtualModem is not started or has a custom engine")
        return self._target

    def _run_due_timers(self) -> None:
        """Run timers already due (boot with ``boot_delay = 0``) before :meth:`start`
        returns, so a host that connects the moment we announce finds the module up."""
        engine = self.engine
        deadline = engine.next_deadline()
        if deadline is not None and deadline <= self.now():
            self._call(engine.handle_timer, self.now())
        else:
            self.pump()

    def _prepare_power(self, engine: Engine) -> None:
        """With ``power_on="attach"`` the module stays off until a host attaches. Output is
        held only once a host has come and gone: what a module says before anyone ever
        listened is lost, as on a UART nobody has plugged in yet (docs/power-on.md)."""
        if not isinstance(engine, LinedEngine):
            return
        self._lined_engine = engine
        if self.power_on == "attach":
            engine.cancel_boot()

    @property
    def attach_boot_delay(self) -> float:
        return self.profile.boot_delay or ATTACH_BOOT_DELAY

    def reboot(self) -> None:
        """Power-cycle the module (SIGHUP, ``--on-attach reboot``): everything volatile is
        lost, output not yet sent included; the boot URCs follow after the boot delay."""
        engine = self._lined()
        if engine is None or self._closing:
            return

        def cycle() -> None:
            engine.power_off()
            engine.discard_output()
            engine.boot_at(self.now() + self.attach_boot_delay)

        self.trace_event("reboot")
        self._call(cycle)

    def _lined(self) -> LinedEngine | None:
        return self._lined_engine

    async def serve_forever(self) -> None:
        """Return when :meth:`stop` is called (or raise when cancelled)."""
        if self._stopped is None:
            raise RuntimeError("VirtualModem is not started")
        await self._stopped.wait()

    def stop(self) -> None:
        """Make :meth:`serve_forever` return (safe from signal handlers)."""
        if self._stopped is not None:
            self._stopped.set()

    async def aclose(self) -> None:
        """Close transport, timer, net back end and trace, in that order. Idempotent."""
        if self._closing or self._loop is None:
            return
        self._closing = True
        self._quick = None
        self.stop()
        try:
            if self._control is not None:
                await self._control.aclose()
            await self._link.aclose()
        finally:
            self._cancel_timer()
            for handle in (self._lines_timer, self._release):
                if handle is not None:
                    handle.cancel()
            await self._close_net()
            self._close_tracer()

    async def __aenter__(self) -> VirtualModem:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def trace_event(self, name: str, **fields: Any) -> None:
        """Write a server event to the trace (no-op without ``--trace``)."""
        if self.tracer is not None:
            self.tracer.event(name, **fields)

    # -- the pump -------------------------------------------------------------------------

    def now(self) -> float:
        return self.loop.time()

    def pump(self) -> None:
        """Handle queued net events, send output, re-arm the timer, gate host input.

        Runs after every engine call; call it yourself after poking :attr:`engine` directly.
        A transport may report ``host_writable`` from inside ``write``; that nested call
        only marks the pump to go round once more.
        """
        if self._engine is None or self._closing:
            return
        if self._pumping:
            self._repump = True
            return
        self._pumping = True
        try:
            self._repump = True
            while self._repump:
                self._repump = False
                self._pump_once(self._engine)
        finally:
            self._pumping = False

    def _pump_once(self, engine: Engine) -> None:
        self._busy = True
        try:
            while self._pending:
                self._guard(engine.handle_net, self._pending.popleft(), self.now())
            if self._target is not None:
                for runner in self._target.scenarios:
                    self._guard(runner.poll)
            out = engine.data_to_send()
        finally:
            self._busy = False
        if self._line_transport is not None:  # lines first: RI and DSR lead the text
            self._show_lines(self._line_transport)
        if out:
            self._send(out, engine)
        wanted = engine.wants_input
        if wanted != self._reading:
            self._gate_input(wanted)
        deadline = engine.next_deadline()
        if deadline != self._timer_at or (deadline is not None and self._timer is None):
            self._arm_timer(deadline)  # no timer call at all while the deadline stands
        if self._quick is not None:
            self._quick.note_idle()

    def _send(self, out: bytes, engine: Engine) -> None:
        """Write the module's output to the host (through the UART faults, if any)."""
        if self.tracer is not None:
            self.tracer.chunk("tx", out)
        if self._host_line is not None:
            self._host_line.write(out)
        else:
            self._link.write(out)
        if self._paced is not None:
            self._follow_ipr(engine, self._paced)

    def _show_lines(self, transport: LineTransport) -> None:
        """Reflect the module's lines on a transport that carries them (RFC 2217); re-run
        when an RI pulse ends."""
        engine = self._lined()
        if engine is None:
            return
        now = self.now()
        lines = engine.module_lines(now)
        transport.show_lines(cts=lines.cts, dsr=lines.dsr, ri=lines.ri, cd=lines.dcd)
        change = engine.lines.next_change(now)
        if self._lines_timer is not None:
            self._lines_timer.cancel()
            self._lines_timer = None
        if change is not None:
            self._lines_timer = self.loop.call_at(change, self.pump)

    def _guard(self, call: Callable[..., None], *args: Any) -> None:
        """Run one engine call; a crash is logged and the module keeps serving."""
        try:
            call(*args)
        except Exception:
            log.exception("engine failed in %s", getattr(call, "__name__", call))

    def _call(self, call: Callable[..., None], *args: Any) -> None:
        """An engine call from the loop: guarded against re-entry, then pumped."""
        if self._engine is None or self._closing:
            return
        self._busy = True
        try:
            self._guard(call, *args)
        finally:
            self._busy = False
        self.pump()

    def _gate_input(self, wanted: bool) -> None:
        """Pause or resume host input; called by :meth:`_pump_once` only when ``wanted``
        differs from :attr:`_reading` (the check stays there: it is every line's path)."""
        self._reading = wanted
        if wanted:
            self._link.resume_reading()
        else:
            self._link.pause_reading()

    def _follow_ipr(self, engine: Engine, paced: PacedTransport) -> None:
        """``AT+IPR=<rate>`` takes effect after its ``OK`` (already queued): the paced link
        switches once the bytes before it are sent. ``AT+IPR=0`` (autobaud) keeps the rate
        (the module would adopt the host's rate, which is the one in use)."""
        rate = _uart_rate(engine)
        if rate and rate != paced.pending_baud:
            paced.set_baud(rate)

    def _arm_timer(self, deadline: float | None) -> None:
        self._cancel_timer()
        if deadline is not None:
            self._timer_at = deadline
            self._timer = self.loop.call_at(deadline, self._on_timer, deadline)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_at = None

    def _on_timer(self, deadline: float) -> None:
        self._timer = None
        self._timer_at = None
        # Loops may wake a hair early (uvloop has millisecond timers); the deadline was met.
        self._call(self.engine.handle_timer, max(self.now(), deadline))

    # -- inputs ---------------------------------------------------------------------------

    def inject_net_event(self, event: NetEvent) -> None:
        """Hand the engine a back-end event as if the net had sent it (tests, fault hooks
        with a back end such as ``FakeNet`` that has no sink of its own)."""
        self._on_net_event(event)

    def _on_net_event(self, event: NetEvent) -> None:
        """The back end's sink: handle now, or after the engine call in progress."""
        if self._busy or self._engine is None:
            self._pending.append(event)
            return
        self._call(self.engine.handle_net, event, self.now())

    def _on_host_data(self, data: bytes) -> None:
        """:meth:`_call` of ``receive_data``, written out: this is every command's path.
        ``AT`` and repeated queries on an idle port are answered at once: the answer is
        written first, the pump follows."""
        if self.tracer is not None:
            self.tracer.chunk("rx", data)
        engine, loop = self._engine, self._loop
        if engine is None or loop is None or self._closing:
            return
        quick = self._quick
        if quick is not None:  # the quick lane, written out: it is every AT poll's path
            try:
                answer = quick.answer_at_once(data, loop.time())
            except Exception:
                log.exception("engine failed in answer_at_once")
                answer = None  # nothing was done: the input goes the general way
            if answer is not None:
                self._send(answer, engine)
                self.pump()
                return
        self._busy = True
        try:
            engine.receive_data(data, loop.time())
        except Exception:
            log.exception("engine failed in receive_data")
        finally:
            self._busy = False
        self.pump()

    def _on_host_writable(self, writable: bool) -> None:
        self.trace_event("host-writable", writable=writable)
        self._call(self.engine.set_host_writable, writable)

    def _on_host_attached(self) -> None:
        self.trace_event("host-attached")
        engine = self._lined()
        if engine is None:
            return
        first = not self._attached_once
        self._attached_once = True
        if self.on_attach == "reboot":
            self._call(engine.set_host_line, "present", True, self.now())
            self.reboot()
        elif first:
            self._call(engine.set_host_line, "present", True, self.now())
            if self.power_on == "attach":
                self._call(engine.boot_at, self.now() + self.attach_boot_delay)
        else:
            # A host came back to held output: let it finish opening the port first (a
            # pyserial socket:// open drains what has already arrived, rfc2217's purges).
            self._release = self.loop.call_later(self.attach_boot_delay, self._release_held)

    def _release_held(self) -> None:
        self._release = None
        engine = self._lined()
        if engine is not None:
            self.trace_event("held-output-released")
            self._call(engine.set_host_line, "present", True, self.now())

    def _on_host_detached(self) -> None:
        self.trace_event("host-detached")
        if self._release is not None:
            self._release.cancel()
            self._release = None
        engine = self._lined()
        if engine is not None:
            self._call(engine.set_host_line, "present", False, self.now())

    def _on_host_line(self, name: str, value: bool | int) -> None:
        """A line the host drives changed (RFC 2217: dtr, rts, brk, baudrate)."""
        self.trace_event("host-line", line=name, value=value)
        engine = self._lined()
        if engine is not None:
            self._call(engine.set_host_line, name, value, self.now())

    # -- closing --------------------------------------------------------------------------

    async def _close_net(self) -> None:
        """Await the back end's ``aclose()`` if it has one (``NetBackend.close`` is per socket)."""
        faulty, self._faulty = self._faulty, None
        if faulty is not None:
            faulty.cancel_timers()
        net, self._net = self._net, None
        if net is None:
            return
        aclose = getattr(net, "aclose", None)
        if aclose is not None:
            await aclose()

    def _close_tracer(self) -> None:
        if self.tracer is not None:
            self.tracer.close()


def _fault_target(
    engine: Engine, net: FaultyNet, line: HostLine, modem: VirtualModem
) -> FaultTarget | None:
    from modemu.control.target import FaultTarget  # noqa: PLC0415
    from modemu.modem.engine import ModemEngine  # noqa: PLC0415

    if not isinstance(engine, ModemEngine):
        return None
    paced = modem._paced
    set_baud = paced.set_baud if paced is not None else None
    return FaultTarget(engine, net, line, modem.trace_event, set_baud=set_baud, clock=modem.now)


def _uart_rate(engine: Engine) -> int | None:
    """The engine's ``AT+IPR`` setting, if it keeps one (``state.uart.ipr``)."""
    uart = getattr(getattr(engine, "state", None), "uart", None)
    rate = getattr(uart, "ipr", None)
    return rate if isinstance(rate, int) else None


def _set_uart_rate(engine: Engine, baud: int | None) -> None:
    """Start the engine's ``AT+IPR`` at the ``--baud`` rate, so ``AT+IPR?`` tells the truth."""
    uart = getattr(getattr(engine, "state", None), "uart", None)
    if uart is not None and baud is not None:
        uart.ipr = baud


class _Listener:
    """Adapts transport callbacks to the modem without widening VirtualModem's API."""

    def __init__(self, modem: VirtualModem) -> None:
        self.data_received = modem._on_host_data
        self.host_attached = modem._on_host_attached
        self.host_detached = modem._on_host_detached
        self.host_writable = modem._on_host_writable
        self.host_line = modem._on_host_line


# -- running --------------------------------------------------------------------------------


def new_event_loop(use_uvloop: bool = True) -> asyncio.AbstractEventLoop:
    """A uvloop loop if wanted and installed, else the standard one."""
    if use_uvloop:
        try:
            import uvloop  # noqa: PLC0415
        except ImportError:
            log.debug("uvloop not installed; using the asyncio loop")
        else:
            loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
            return loop
    return asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, T], *, use_uvloop: bool = True) -> T:
    """``asyncio.run`` on uvloop when installed (and wanted)."""
    with asyncio.Runner(loop_factory=lambda: new_event_loop(use_uvloop)) as runner:
        return runner.run(main)
