"""The control interface's operations: ``status``, ``faults``, ``clear`` and every fault.

One :class:`~modemu.control.spec.OperationTable`, :data:`OPERATIONS`. Each fault is named
as users type it (``pdp-deact``, ``peer-reset``) and its parameters are declared once, so
``modemu fault --list``, argument errors and ``docs/faults.md`` all come from here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from modemu.at.limits import SOCKET_IDS
from modemu.control.lineops import LINE_OPERATIONS, line_status
from modemu.control.scenario import Scenario, ScenarioRunner, load_scenario
from modemu.control.spec import Operation, OperationTable, Param
from modemu.control.target import FaultTarget
from modemu.errors import ControlError
from modemu.modem import faults as mf
from modemu.modem.state import CONTEXT_IDS
from modemu.net.faulty import FaultyNet, OpenRule
from modemu.net.link import PRESETS, Link
from modemu.transport.uartfaults import HostLine

__all__ = ["OPERATIONS", "run_operation", "start_scenario"]

OPERATIONS = OperationTable()

_SOCKET = Param("id", int, low=SOCKET_IDS.start, high=SOCKET_IDS.stop - 1, help="socket id")
_CID = Param("cid", int, 1, low=CONTEXT_IDS.start, high=CONTEXT_IDS.stop - 1, help="context id")
_HOST = Param("host", str, "*", help="host name or address pattern (shell wildcards)")
_PORT = Param("port", int, 0, low=0, high=65535, help="remote port (0: any)")
_COUNT = Param("count", int, 0, low=0, high=1_000_000, help="opens to spoil (0: until cleared)")
_SEED = Param("seed", int, 0, low=0, high=2**32 - 1, help="random seed (same seed, same bytes)")


def run_operation(target: FaultTarget, name: str, args: dict[str, Any]) -> Any:
    """Check and run one operation; faults are written to the trace."""
    return OPERATIONS.run(target, name, args)


def start_scenario(target: FaultTarget, source: Any) -> ScenarioRunner:
    """Load ``source`` (a TOML path, a mapping, a list of steps or a loaded
    :class:`Scenario`) and start it now."""
    scenario = source if isinstance(source, Scenario) else load_scenario(source, OPERATIONS)
    runner = ScenarioRunner(target, scenario, OPERATIONS)
    runner.start()
    return runner


def _scenario(target: FaultTarget, args: dict[str, Any]) -> dict[str, Any]:
    path, steps = args["path"], args["steps"]
    if bool(path) == bool(steps):
        raise ControlError("scenario: give either path (a TOML file) or steps (a list)")
    return start_scenario(target, path or steps).describe()


def _net(target: FaultTarget) -> FaultyNet:
    if target.net is None:
        raise ControlError("network faults are not available on this module")
    return target.net


def _uart(target: FaultTarget) -> HostLine:
    if target.uart is None:
        raise ControlError("UART faults are not available on this module")
    return target.uart


# -- queries ------------------------------------------------------------------------------


def status(target: FaultTarget, args: dict[str, Any]) -> dict[str, Any]:
    """Everything a test wants to assert on, as JSON-able values."""
    m = target.engine
    radio = m.state.radio
    sockets = [
        {
            "id": s.conn_id,
            "service": s.service.value,
            "state": s.state.name.lower(),
            "cid": s.cid,
            "remote": f"{s.remote_ip}:{s.remote_port}",
            "local_port": s.local_port,
            "access_mode": s.access_mode.name.lower(),
            "sent": s.tx_total,
            "received": s.rx_total,
            "unread": s.unread,
        }
        for s in m.sockets.slots
        if s.in_use
    ]
    contexts = [
        {"cid": c.cid, "active": c.active, "address": c.address, "apn": c.apn}
        for c in sorted(m.contexts.values(), key=lambda c: c.cid)
        if c.active or c.apn
    ]
    return {
        "model": m.profile.model,
        "powered": m.powered,
        "mode": m.mode.value,
        "hung": m.hung,
        "cfun": radio.cfun,
        "sim": str(radio.sim),
        "registration": int(radio.registration()),
        "signal": {"rssi": radio.rssi, "ber": radio.ber},
        "contexts": contexts,
        "sockets": sockets,
        "urcs_queued": m.queued_urcs,
        "lines": line_status(target),
        "faults": faults_in_force(target),
        "scenarios": [runner.describe() for runner in target.scenarios],
    }


def faults_in_force(target: FaultTarget) -> list[dict[str, Any]]:
    m = target.engine
    found: list[dict[str, Any]] = []
    if target.net is not None:
        found += target.net.describe()
    if target.uart is not None:
        found += target.uart.describe()
    left = m.sockets.send_failures
    if left:
        found.append({"fault": "send-fail", "count": left})
    if m.hung:
        found.append({"fault": "hang"})
    if m.urc_race is not None:
        found.append({"fault": "urc-race", "when": m.urc_race})
    return found


def list_faults(target: FaultTarget, args: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": op.name,
            "summary": op.summary,
            "params": [p.describe() for p in op.params],
        }
        for op in OPERATIONS.faults()
    ]


def clear(target: FaultTarget, args: dict[str, Any]) -> dict[str, Any]:
    """Lift lasting faults: open rules, send failures, UART chunking/noise."""
    which = args["only"]
    lifted = 0
    if target.net is not None and which in ("all", "refuse", "timeout", "dns-fail"):
        lifted += target.net.clear(None if which == "all" else which)
    if target.net is not None and which in ("all", "link") and target.net.shaper.link:
        target.net.shaper.set_link(None)
        lifted += 1
    rt = target.engine.sockets
    if which in ("all", "send-fail") and rt.send_failures:
        rt.send_failures = 0
        lifted += 1
    if target.uart is not None:
        if which in ("all", "chunk") and target.uart.chunking is not None:
            target.uart.set_chunking(0, 0.0)
            lifted += 1
        if which in ("all", "noise") and target.uart.noise is not None:
            target.uart.set_noise(0.0, 0.0)
            lifted += 1
    return {"lifted": lifted}


# -- fault handlers -----------------------------------------------------------------------


def _open_rule(action: str) -> Any:
    def add(target: FaultTarget, args: dict[str, Any]) -> None:
        _net(target).add_rule(
            OpenRule(action, args["host"], args["port"], args["count"], args.get("after", 0.0))
        )

    return add


def _peer(reset: bool) -> Any:
    def close(target: FaultTarget, args: dict[str, Any]) -> None:
        net = _net(target)
        mf.tcp_socket(target.engine, args["id"])
        net.peer_close(args["id"], reset)

    return close


def _link(target: FaultTarget, args: dict[str, Any]) -> None:
    shaper = _net(target).shaper
    preset = args["preset"]
    base = PRESETS.get(preset, Link())
    values = {
        k: args[k] for k in ("latency", "jitter", "down", "up", "loss") if args[k] is not None
    }
    if preset == "none" and not values:
        shaper.set_link(None)
        return
    shaper.set_link(
        replace(base, **values, host=args["host"], port=args["port"], seed=args["seed"])
    )


def _baud(target: FaultTarget, args: dict[str, Any]) -> None:
    if target.set_baud is None:
        raise ControlError("baud: start the module with --baud RATE to pace its UART")
    target.set_baud(args["rate"])


def _chunk(target: FaultTarget, args: dict[str, Any]) -> None:
    line = _uart(target)
    line.reseed(args["seed"])
    line.set_chunking(args["size"], args["gap"])


def _noise(target: FaultTarget, args: dict[str, Any]) -> None:
    line = _uart(target)
    if args["drop"] + args["flip"] > 1:
        raise ControlError("noise: drop + flip must not exceed 1")
    line.reseed(args["seed"])
    line.set_noise(args["drop"], args["flip"])


OPERATIONS.add(
    Operation("status", "the module's state and the faults in force", status, fault=False),
    Operation("faults", "every fault with its parameters", list_faults, fault=False),
    Operation(
        "scenario",
        "start a scenario file (TOML) on the module now",
        _scenario,
        (
            Param("path", str, "", help="the scenario file, as the module's process sees it"),
            Param("steps", list, None, help="or the steps themselves, as in the file"),
        ),
        fault=False,
    ),
    Operation(
        "clear",
        "lift lasting faults (open rules, send-fail, chunk, noise)",
        clear,
        (
            Param(
                "only",
                str,
                "all",
                choices=(
                    "all",
                    "refuse",
                    "timeout",
                    "dns-fail",
                    "send-fail",
                    "link",
                    "chunk",
                    "noise",
                ),
                help="which fault to lift",
            ),
        ),
    ),
    # radio and network
    Operation(
        "deregister",
        "registration lost (+CREG/+CGREG/+CEREG URCs per n); contexts stay up",
        lambda t, a: mf.set_registration(t.engine, a["stat"]),
        (
            Param(
                "stat",
                int,
                2,
                choices=(0, 2, 3, 4),
                help="0 not searching, 2 searching, 3 denied, 4 unknown",
            ),
        ),
    ),
    Operation(
        "register",
        "registration back (home or roaming)",
        lambda t, a: mf.set_registration(t.engine, a["stat"]),
        (Param("stat", int, 1, choices=(1, 5), help="1 home, 5 roaming"),),
    ),
    Operation(
        "attach-reject",
        "the network rejects/detaches the module: stat 3, every context torn down",
        lambda t, a: mf.set_registration(t.engine, 3, drop_contexts=True),
    ),
    Operation(
        "signal",
        "what AT+CSQ/AT+QCSQ answer from now on",
        lambda t, a: mf.set_signal(t.engine, a["rssi"], a["ber"]),
        (
            Param("rssi", int, low=0, high=31, also=(99,), help="0-31, 99 no signal"),
            Param("ber", int, 99, low=0, high=7, also=(99,), help="0-7, 99 unknown"),
        ),
    ),
    Operation(
        "pdp-deact",
        'the network deactivates a context: +QIURC: "pdpdeact",<cid>, its sockets closed',
        lambda t, a: mf.pdp_deact(t.engine, a["cid"]),
        (_CID,),
    ),
    Operation(
        "sim-remove",
        "the SIM is pulled: +CPIN: NOT READY, contexts dropped",
        lambda t, a: mf.sim_remove(t.engine),
    ),
    Operation(
        "sim-insert",
        "a SIM is inserted: +CPIN: <state>, registration back",
        lambda t, a: mf.sim_insert(t.engine, a["state"]),
        (Param("state", str, "READY", choices=("READY", "SIM PIN")),),
    ),
    # module
    Operation(
        "reboot",
        "unexpected reset: RDY and boot URCs, volatile state gone, NV kept",
        lambda t, a: mf.reboot(t.engine),
    ),
    Operation(
        "power-off",
        "supply lost: silence, volatile state gone",
        lambda t, a: mf.power_off(t.engine, a["restart_after"]),
        (
            Param(
                "restart_after",
                float,
                0.0,
                low=0,
                high=3600,
                help="seconds until it powers on again (0: stays off)",
            ),
        ),
    ),
    Operation(
        "hang",
        "no echo, answer or URC for a while; input kept or lost",
        lambda t, a: mf.hang(t.engine, a["seconds"], a["input"] == "keep"),
        (
            Param("seconds", float, low=0.001, high=3600, help="how long"),
            Param("input", str, "keep", choices=("keep", "drop"), help="what typed input becomes"),
        ),
    ),
    # sockets and the network
    Operation("peer-reset", "the peer resets a TCP connection (RST)", _peer(True), (_SOCKET,)),
    Operation("peer-close", "the peer closes a TCP connection (FIN)", _peer(False), (_SOCKET,)),
    Operation(
        "refuse",
        "new opens to matching destinations are refused (566)",
        _open_rule("refuse"),
        (_HOST, _PORT, _COUNT),
    ),
    Operation(
        "timeout",
        "new opens to matching destinations go unanswered, then fail (566)",
        _open_rule("timeout"),
        (
            _HOST,
            _PORT,
            _COUNT,
            Param("after", float, 10.0, low=0, high=600, help="seconds before the open fails"),
        ),
    ),
    Operation(
        "dns-fail",
        "names matching the pattern cannot be resolved (565)",
        _open_rule("dns-fail"),
        (_HOST, _PORT, _COUNT),
    ),
    Operation(
        "send-fail",
        "the next N AT+QISEND answer SEND FAIL",
        lambda t, a: mf.fail_sends(t.engine, a["count"]),
        (Param("count", int, 1, low=1, high=1_000_000),),
    ),
    Operation(
        "link",
        "latency, jitter, bandwidth and loss for sockets opened from now on (presets "
        "cat1, catm, nbiot, gprs; preset=none alone lifts it)",
        _link,
        (
            Param("preset", str, "none", choices=("none", *PRESETS), help="starting values"),
            Param("latency", float, None, low=0, high=60, help="one-way delay, s"),
            Param("jitter", float, None, low=0, high=10, help="+/- s on each piece"),
            Param("down", float, None, low=0, high=1e6, help="downlink kbit/s (0: unlimited)"),
            Param("up", float, None, low=0, high=1e6, help="uplink kbit/s (0: unlimited)"),
            Param("loss", float, None, low=0, high=1, help="datagram / segment loss rate"),
            _HOST,
            _PORT,
            _SEED,
        ),
    ),
    # the UART
    Operation(
        "baud",
        "pace the UART at a new rate both ways (needs serve --baud)",
        _baud,
        (Param("rate", int, low=300, high=4_000_000, help="bits per second, 8N1"),),
    ),
    Operation(
        "chunk",
        "module output in pieces of 1..size bytes with gaps",
        _chunk,
        (
            Param("size", int, 1, low=1, high=65536, help="largest piece"),
            Param("gap", float, 0.005, low=0, high=10, help="seconds between pieces"),
            _SEED,
        ),
    ),
    Operation(
        "noise",
        "host-bound bytes dropped or bit-flipped at seeded rates",
        _noise,
        (
            Param("drop", float, 0.0, low=0, high=1, help="probability a byte is lost"),
            Param("flip", float, 0.0, low=0, high=1, help="probability a byte has a bit flipped"),
            _SEED,
        ),
    ),
    Operation(
        "urc-race",
        "the next URC waits for the host's next command line, then lands right after its "
        "echo (before the response) or right after its final result",
        lambda t, a: t.engine.race_next_urc(a["when"]),
        (Param("when", str, "echo", choices=("echo", "final"), help="where it lands"),),
    ),
    Operation(
        "urc",
        "queue any URC text, framed as the module's own",
        lambda t, a: mf.inject_urc(t.engine, a["text"]),
        (Param("text", str, help="the URC line, without CR/LF"),),
    ),
)
OPERATIONS.add(*LINE_OPERATIONS)
