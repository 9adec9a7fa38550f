"""Generate docs/architecture.md: the rooms, the module core, and the path of one host byte
and one network event through them.

``python3 -m modemu.tools.architecture > docs/architecture.md`` rewrites the page; a test
compares it with this output, so it cannot drift. What can be read from the code is: the
dependency arrows between rooms (the runtime import graph), the engine's parts and its
net-event table (from a live engine), the command tables, the outside changes. The two
paths are written by hand as chains of real names; each name is resolved on generation, so
a rename breaks the test instead of leaving the page wrong.
"""

from __future__ import annotations

import importlib
import types
import typing
from pathlib import Path

from modemu.modem import changes
from modemu.modem.commands import AREAS, table
from modemu.modem.engine import ModemEngine
from modemu.modem.profile import Profile
from modemu.modem.registry import Registry
from modemu.net.fake import FakeNet
from modemu.tools.imports import room_graph

__all__ = ["document", "resolve"]

PACKAGE = Path(__file__).resolve().parents[1]

ROOMS = {
    "at": "sans-IO AT vocabulary shared by module and client: syntax, line reader, result "
    "codes, URC events, limits",
    "modem": "the module: engine (bytes + `now` in, bytes + deadlines out), state, command "
    "registry, port modes and socket states as tables, faults",
    "net": "network back ends behind `NetBackend`: asyncio sockets, DNS, ping, NTP, link "
    "conditions, destination policy, the traffic tap and its pcap writer; `FakeNet` for tests",
    "transport": "pty, TCP, RFC 2217, in-memory byte links (bytes only)",
    "server": "`VirtualModem`: wires engine + net + transport on asyncio, pumps output",
    "fleet": "many `VirtualModem`s in one process, with a JSON manifest",
    "control": "the control socket: faults and status from outside",
    "client": "host-side library (`AsyncModem`, `Modem`) speaking the same AT vocabulary",
    "cli": "the `modemu` command and its subcommands",
    "testing": "pytest plugin, loopback peers, pty host",
    "tools": "record, replay, diff, coverage, this page",
    "trace": "trace files (format, writer, redaction)",
    "view": "traces drawn for people: the HTML sequence diagram of `modemu view`",
}
"""One line per room; every room found in the source must be described here."""

HOST_BYTE = (
    ("modemu.transport.base.LinkListener.data_received", "a transport hands host bytes over"),
    ("modemu.server.VirtualModem._on_host_data", "the server passes them on with the time"),
    ("modemu.modem.engine.ModemEngine.receive_data", "the engine takes them in"),
    ("modemu.modem.engine.ModemEngine._process", "the port mode decides who reads them"),
    ("modemu.at.lineread.CommandLineReader.feed", "command mode: echo, S3/S5, one line"),
    ("modemu.modem.engine.ModemEngine._on_line", "a complete line"),
    ("modemu.at.syntax.parse_command_line", "parsed into calls (cached)"),
    ("modemu.modem.registry.Registry.lookup", "each call finds its command spec"),
    ("modemu.modem.engine.ModemEngine._invoke", "forms checked, the handler runs"),
    ("modemu.modem.commands.sockets.read", "e.g. `AT+QIRD`: its arguments, then the slot"),
    ("modemu.modem.engine.ModemEngine.info", "information text rendered per ATV"),
    ("modemu.modem.engine.ModemEngine.result", "`OK` (or the error per the command's kind)"),
    ("modemu.modem.engine.ModemEngine.data_to_send", "the server collects the output"),
    ("modemu.server.VirtualModem._pump_once", "and writes it to the transport"),
)
"""The path of one host byte (a command line) to its answer."""

SHORTCUTS = (
    "That is the path of a line seen for the first time. Hosts repeat lines, and a line\n"
    "seen before, typed whole on an idle port, takes a shortcut (`modem/known.py`;\n"
    'docs/performance.md, "Command path"): `AT` and a repeated query are answered by\n'
    "`ModemEngine.answer_at_once`, written before the pump; any other such line runs from\n"
    "its `LinePlan` without the reader and the parser, and a repeated `AT+QIRD` without\n"
    "reading its arguments again. Each shortcut gives the bytes the path above gives.\n"
)
"""What the host-byte path skips for repeated lines."""

NET_EVENT = (
    ("modemu.net.tcp.TcpStream.buffer_updated", "asyncio has read peer bytes into the buffer"),
    ("modemu.net.base.Received", "as a typed event (the back end knows no AT)"),
    ("modemu.server.VirtualModem._on_net_event", "the back end's sink: now, or queued"),
    ("modemu.modem.engine.ModemEngine.handle_net", "the engine's per-instance event table"),
    ("modemu.modem.sockets.SocketRuntime.on_received", "the socket part; stale events ignored"),
    ("modemu.modem.sockets.SocketRuntime.deliver", "transparent, direct push or buffer"),
    ("modemu.modem.sockets.SocketRuntime.buffer_stream", "bounded buffer, pause when full"),
    ("modemu.modem.sockets.SocketRuntime.report_recv", "one URC until the host reads"),
    ("modemu.modem.engine.ModemEngine.urc", "queued; held while a command runs"),
    ("modemu.modem.engine.ModemEngine._flush_urcs", "released in command mode"),
    ("modemu.server.VirtualModem._pump_once", "written to the host"),
)
"""The path of one network event (data arriving on a TCP socket) to the URC it becomes."""


def resolve(dotted: str) -> object:
    """The object a dotted name names; raises if the code no longer has it."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr)
        return found
    raise LookupError(dotted)


def _rooms() -> dict[str, set[str]]:
    graph = room_graph(PACKAGE)
    return {room: graph[room] & ROOMS.keys() for room in ROOMS if room in graph}


def _room_section() -> str:
    graph = _rooms()
    packages = {room for room in room_graph(PACKAGE) if (PACKAGE / room).is_dir()}
    missing = sorted(packages - ROOMS.keys() - _NOT_ROOMS)
    if missing:  # a new subpackage is a new room: say in ROOMS what lives there
        raise LookupError(f"rooms without a description in ROOMS: {', '.join(missing)}")
    rows = "\n".join(
        f"| `{_room_path(room)}` | {text} | {_names(graph.get(room, set()))} |"
        for room, text in ROOMS.items()
    )
    arrows = "\n".join(
        f"    {room} --> {target}" for room in ROOMS for target in sorted(graph.get(room, ()))
    )
    return f"""## Rooms

| room | what lives there | imports (at run time) |
|------|------------------|-----------------------|
{rows}

```mermaid
flowchart LR
{arrows}
```

`at/` imports no other room: parsing never touches sockets. `net/` knows no AT text beyond
the shared limits, `transport/` moves bytes only, and `modem/` never imports `server`,
`transport` or asyncio. `tests/test_import_graph.py` keeps the module graph acyclic.
"""


def _room_path(room: str) -> str:
    return f"{room}/" if (PACKAGE / room).is_dir() else f"{room}.py"


def _names(rooms: set[str]) -> str:
    return ", ".join(f"`{room}`" for room in sorted(rooms)) or "-"


_NOT_ROOMS = {"profiles"}
"""Subpackages that hold data, not code. Top-level modules are rooms only when described
in :data:`ROOMS` (``server``, ``fleet``); the rest is plumbing (entry point, errors)."""


def _path_section(title: str, intro: str, steps: tuple[tuple[str, str], ...]) -> str:
    lines = []
    for number, (dotted, text) in enumerate(steps, 1):
        resolve(dotted)
        lines.append(f"{number}. `{dotted.removeprefix('modemu.')}` — {text}")
    return f"## {title}\n\n{intro}\n\n{_sequence(steps)}\n" + "\n".join(lines) + "\n"


def _sequence(steps: tuple[tuple[str, str], ...]) -> str:
    """The steps as a Mermaid sequence diagram between rooms."""
    rooms = [dotted.split(".")[1] for dotted, _ in steps]
    lines = ["```mermaid", "sequenceDiagram"]
    lines += [f"    participant {room}" for room in dict.fromkeys(rooms)]
    for (dotted, _), source, target in zip(steps[1:], rooms[:-1], rooms[1:], strict=True):
        lines.append(f"    {source}->>{target}: {dotted.rsplit('.', 1)[1].lstrip('_')}")
    return "\n".join([*lines, "```", ""])


def _core_section() -> str:
    engine = ModemEngine(Profile(), FakeNet())
    parts = (
        ("state", engine.state, "what the module is (radio, UART, clock, settings, contexts)"),
        ("sockets", engine.sockets, "the 12 slots and their lifecycle table"),
        ("services", engine.services, "DNS, ping and NTP requests in flight"),
        ("registry", engine.registry, "the composed command set"),
    )
    part_rows = "\n".join(
        f"| `engine.{name}` | `{type(obj).__module__.removeprefix('modemu.')}."
        f"{type(obj).__name__}` | {text} |"
        for name, obj, text in parts
    )
    handlers = engine._net_handlers
    event_rows = "\n".join(
        f"| `{event.__name__}` | `{_owner(handler)}` |" for event, handler in handlers.items()
    )
    table_rows = "\n".join(
        f"| `{module.__name__.removeprefix('modemu.modem.commands.')}` | {_summary(module)} |"
        for module, _ in _tables()
    )
    change_rows = "\n".join(
        f"| `{kind.__name__}` | {_summary(kind)} |" for kind in typing.get_args(changes.Change)
    )
    return f"""## The module core

`ModemEngine.__init__` builds its parts as typed attributes and its net-event table; it
calls the parts directly (power-off, context teardown, host back-pressure). Nothing
registers itself on import.

| part | type | holds |
|------|------|-------|
{part_rows}

Net events and the method that handles each (the per-instance table in
`ModemEngine.__init__`):

| event | handled by |
|-------|------------|
{event_rows}

Command tables, composed by `modem/commands/__init__.py`'s `build_registry()`; handlers see
the engine through `modem/view.py`'s `ModemView`:

| module | area (its commands: [commands.md](commands.md)) |
|--------|------|
{table_rows}

Changes from outside (faults, the control socket) enter through one door,
`ModemEngine.apply_change(change, now)` (`modem/changes.py`), which updates the state and
queues the URCs the host's settings ask for:

| change | meaning |
|--------|---------|
{change_rows}
"""


def _summary(kind: type | types.ModuleType) -> str:
    """A docstring's first paragraph on one line, in Markdown quoting."""
    first = (kind.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in first.splitlines()).replace("``", "`")


def _owner(handler: object) -> str:
    func = getattr(handler, "__func__", handler)
    return str(getattr(func, "__qualname__", repr(handler)))


def _tables() -> list[tuple[types.ModuleType, Registry]]:
    """Each command table with the module that declares it, in :data:`AREAS` order."""
    package = "modemu.modem.commands"
    return [(importlib.import_module(f"{package}.{area}"), table(area)) for area in AREAS]


def document() -> str:
    return (
        "# Architecture\n\n"
        "<!-- generated by `python -m modemu.tools.architecture > docs/architecture.md`;\n"
        "tests/unit/test_architecture_doc.py checks that it is current -->\n\n"
        "modemu is a virtual Quectel module: a host program talks AT to it over a pty or TCP\n"
        "while real TCP/UDP traffic flows on the host. The code lives in rooms with one-way\n"
        "doors; the module core in `modem/` is sans-IO (bytes and times in, bytes and\n"
        "deadlines out), so every behaviour can be tested without an event loop.\n\n"
        + _room_section()
        + "\n"
        + _core_section()
        + "\n"
        + _path_section(
            "One host byte",
            "A command line typed by the host, say `AT+QIRD=0,1500\\r`, to its answer:",
            HOST_BYTE,
        )
        + "\n"
        + SHORTCUTS
        + "\n"
        + _path_section(
            "One network event",
            "Bytes arriving on an open TCP socket (buffer access mode) to the URC the host sees:",
            NET_EVENT,
        )
        + "\nThe socket lifecycle itself is a table: see [socket-states.md](socket-states.md);"
        " the port modes: [port-modes.md](port-modes.md).\n"
    )


if __name__ == "__main__":  # pragma: no cover - documentation generator
    print(document(), end="")
