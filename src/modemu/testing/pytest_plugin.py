"""pytest plugin: a virtual module per test, or a real one when you have it.

Registered through the ``pytest11`` entry point, so installing modemu is enough.

Fixtures
    ``modemu_instance``  starts a module as ``modemu serve --pty <tmp>/modem --state-dir none``
                         would (NV in memory, so tests never share state; stopped at
                         teardown) and yields a :class:`~modemu.testing.controller.ModemuInstance`
    ``modem_path``       the pty path (None on a TCP port)
    ``modem_url``        what to give pyserial / :class:`~modemu.client.Modem`
    ``modem_client``     a connected, initialized blocking :class:`~modemu.client.Modem`
                         with the requested QICFG settings applied
    ``modemu_factory``   start more modules in one test: ``modemu_factory(profile=…)``
    ``modemu_peer``      ``modemu_peer("echo" | "sink" | "http" | "dns" | "ntp" | "script",
                         **options)``: loopback peers for the module's sockets
                         (``tcp_echo`` is one ready-made)
    ``modemu_replay``    ``modemu_replay("session.jsonl", args=("--profile", "bg96"))``
                         replays a transcript (docs/replay.md) against a fresh module (or
                         ``--modemu-url``) and fails the test with the diffs if any
                         exchange differs; a relative path is relative to the test file

Where the module runs: by default **inside the test process**, on a background event-loop
thread (:class:`~modemu.testing.inprocess.ModemuThread`): a few milliseconds per test once
modemu is imported, and teardown closes every thread, fd and pty it opened. With
``--modemu-mode=process`` (or ini ``modemu_mode = process``, or ``process=True`` in a test's
marker) each module is a ``python -m modemu serve`` child instead
(:class:`~modemu.testing.controller.ModemuProcess`, SIGTERM at teardown): hundreds of
milliseconds each, but a crash of the module cannot take the test run with it.

Per test, with a marker::

    @pytest.mark.modemu(profile="ec200a.toml", args=["--rssi", "12"], tcp=False, rfc2217=False,
                        qicfg={"transpktsize": 512, "dataformat": (0, 0)}, activate=True,
                        apn="internet", process=None, scenario="scenarios/tunnel.toml")

``rfc2217=True`` serves the module as ``modemu serve --rfc2217`` does: ``modem_url`` is an
``rfc2217://`` URL whose DTR, RTS, CTS, RI and DCD work, and ``modem_client`` uses them
(DTR to leave transparent mode, :meth:`~modemu.client.Modem.wait_ring` for RI pulses;
``docs/hardware-lines.md``).

``scenario`` is a TOML file (relative to the rootdir) or a list of step tables; faults on
demand go through the instance: ``modemu_instance.fault("pdp-deact", cid=1)``,
``modemu_instance.status()``, ``modemu_instance.scenario(path_or_steps)``
(``docs/faults.md``). With ``--modemu-url`` these skip the test, saying why.

Per project, in ini: ``modemu_profile`` (a TOML path), ``modemu_args`` (extra
``serve`` arguments) and ``modemu_mode`` (``thread`` or ``process``). On the command
line, ``--modemu-url=/dev/ttyUSB2`` runs the same
tests against a real module instead of starting one (profile and args are then ignored;
QICFG settings are still applied).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from modemu.client.sync import Modem
from modemu.testing.controller import ModemuInstance, ModemuProcess
from modemu.testing.inprocess import ModemuThread

if TYPE_CHECKING:
    from modemu.testing.peers import Peer
    from modemu.tools.replay import ReplayReport

__all__ = [
    "modem_client",
    "modem_path",
    "modem_url",
    "modemu_factory",
    "modemu_instance",
    "modemu_peer",
    "modemu_replay",
    "tcp_echo",
]

MARKER = "modemu"
MODES = ("thread", "process")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("modemu", "virtual EC200-series module")
    group.addoption(
        "--modemu-url",
        default=None,
        help="use the module at this pyserial URL instead of starting modemu",
    )
    group.addoption(
        "--modemu-mode",
        choices=MODES,
        default=None,
        help="run each module on a thread of the test process (default) or as a "
        "'modemu serve' child process (crash isolation)",
    )
    parser.addini("modemu_profile", "TOML profile for the modemu_instance fixture", default="")
    parser.addini("modemu_args", "extra arguments for 'modemu serve'", default="")
    parser.addini("modemu_mode", "thread (default) or process", default="thread")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(profile=None, args=(), tcp=False, rfc2217=False, qicfg=None, activate=False, "
        "apn='', "
        "process=None, scenario=None): "
        "configure the modemu fixtures for this test",
    )


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Keyword arguments of the closest ``modemu`` marker (later markers win)."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        options.update(marker.kwargs)
    return options


def _profile_path(config: pytest.Config, value: Any) -> Path | None:
    """A marker's profile is relative to the test's rootdir, like the ini option."""
    if not value:
        return None
    path = Path(str(value))
    return path if path.is_absolute() else Path(config.rootpath) / path


def _mode(config: pytest.Config) -> str:
    mode = config.getoption("--modemu-mode") or str(config.getini("modemu_mode")) or "thread"
    if mode not in MODES:
        raise pytest.UsageError(f"modemu_mode must be one of {MODES}, not {mode!r}")
    return mode


@pytest.fixture
def modemu_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., ModemuInstance]]:
    """``modemu_factory(profile=None, args=(), tcp=False, process=None, rfc2217=False)``
    starts one more module (``process``: None follows ``--modemu-mode``, True/False forces a
    child or a thread; ``rfc2217``: an ``rfc2217://`` port with modem lines)."""
    config = request.config
    running: list[ModemuProcess | ModemuThread] = []

    def start(
        profile: str | Path | None = None,
        args: Any = (),
        tcp: bool = False,
        process: bool | None = None,
        rfc2217: bool = False,
    ) -> ModemuInstance:
        ini_profile = str(config.getini("modemu_profile"))
        ini_args = shlex.split(str(config.getini("modemu_args")))
        in_child = _mode(config) == "process" if process is None else process
        kind = ModemuProcess if in_child else ModemuThread
        module = kind(
            tmp_path_factory.mktemp("modemu"),
            tcp=tcp,
            profile=_profile_path(config, profile or ini_profile),
            args=[*ini_args, *args],
            rfc2217=rfc2217,
        )
        running.append(module)
        return module.start()

    yield start
    for module in running:
        module.stop()


@pytest.fixture
def modemu_instance(
    request: pytest.FixtureRequest, modemu_factory: Callable[..., ModemuInstance]
) -> ModemuInstance:
    """The module for this test: started fresh, or the one named by ``--modemu-url``."""
    external = request.config.getoption("--modemu-url")
    if external:
        path = None if "://" in external else external
        instance = ModemuInstance(external, path, "external module", unavailable=pytest.skip)
        if _marker_options(request).get("scenario"):
            pytest.skip(f"scenarios need a virtual module; {external} is a real one")
        return instance
    options = _marker_options(request)
    scenario = options.get("scenario")
    args = tuple(options.get("args", ()))
    if isinstance(scenario, (str, Path)):
        path = _profile_path(request.config, scenario)
        args = (*args, "--scenario", str(path))
    instance = modemu_factory(
        profile=options.get("profile"),
        args=args,
        tcp=bool(options.get("tcp", False)),
        process=options.get("process"),
        rfc2217=bool(options.get("rfc2217", False)),
    )
    if scenario and not isinstance(scenario, (str, Path)):
        instance.scenario(scenario)
    return instance


@pytest.fixture
def modemu_replay(
    request: pytest.FixtureRequest, modemu_factory: Callable[..., ModemuInstance]
) -> Callable[..., ReplayReport]:
    """``modemu_replay(path, args=(), timeout=5.0, check=True)``: replay a transcript.

    Each call plays ``path``'s host side to a fresh module started with ``args`` (``serve``
    options; on a TCP port, as ``modemu replay`` does) or to ``--modemu-url``, and returns
    a :class:`~modemu.tools.replay.ReplayReport`. With ``check`` a difference fails the
    test, its message holding every diff and the summary line."""

    def replay(
        path: str | Path, args: Any = (), timeout: float = 5.0, check: bool = True
    ) -> ReplayReport:
        from modemu.tools.replay import replay_file  # noqa: PLC0415 - serial loads on use

        transcript = Path(path)
        if not transcript.is_absolute():
            transcript = Path(request.path).parent / transcript
        external = request.config.getoption("--modemu-url")
        url = external or modemu_factory(args=tuple(args), tcp=True).url
        report = replay_file(transcript, url, timeout=timeout)
        if check and not report.ok:
            pytest.fail(f"{transcript} differs when replayed:\n{report}", pytrace=False)
        return report

    return replay


@pytest.fixture
def modem_path(modemu_instance: ModemuInstance) -> str | None:
    return modemu_instance.path


@pytest.fixture
def modem_url(modemu_instance: ModemuInstance) -> str:
    return modemu_instance.url


@pytest.fixture
def modem_client(request: pytest.FixtureRequest, modem_url: str) -> Iterator[Modem]:
    """A blocking client on ``modem_url``: initialized, QICFG applied, optionally activated."""
    options = _marker_options(request)
    modem = Modem(modem_url)
    try:
        for key, value in (options.get("qicfg") or {}).items():
            values = value if isinstance(value, (tuple, list)) else (value,)
            modem.set_config(key, *values)
        if options.get("activate"):
            modem.activate(1, options.get("apn", ""))
        yield modem
    finally:
        modem.close()


@pytest.fixture
def modemu_peer() -> Iterator[Callable[..., Peer]]:
    """``modemu_peer("echo" | "udp-echo" | "sink" | "http" | "dns" | "ntp" | "script",
    **options)`` starts a loopback peer (:mod:`modemu.testing.peers`), closed at teardown:
    ``modemu_peer("dns", records={"api.test": "127.0.0.1"})``,
    ``modemu_peer("http", status=503, body=b"busy")``,
    ``modemu_peer("script", script=["send:HELLO", "expect:4", "reset"])``."""
    from modemu.testing.peers import KINDS  # noqa: PLC0415

    started: list[Peer] = []

    def start(kind: str, **options: Any) -> Peer:
        if kind not in KINDS:
            raise pytest.UsageError(f"modemu_peer: kind must be one of {sorted(KINDS)}")
        peer = KINDS[kind](**options)
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.close()


@pytest.fixture
def tcp_echo(modemu_peer: Callable[..., Peer]) -> Peer:
    """A TCP echo peer on 127.0.0.1 (``tcp_echo.port``)."""
    return modemu_peer("echo")
