"""Start-up stays cheap: a bare ``import modemu.client`` and ``modemu --help`` load no event
loop, serial, DNS or ICMP library (each costs milliseconds that every script and every CLI
call would pay). Checked on a fresh interpreter's ``sys.modules``, not by timing."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest

from modemu import client, transport
from modemu.modem.commands import AREAS

HEAVY = ("asyncio", "uvloop", "serial", "dns", "icmplib", "ntplib", "ssl")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import modemu.client",
        "import modemu.cli.main",
        "import modemu.transport",
        "from modemu.client import ClientProtocol",
    ],
)
def test_import_loads_nothing_heavy(code: str) -> None:
    loaded = _loaded_after(code)
    heavy = sorted(name for name in loaded if name.split(".")[0] in HEAVY)
    assert heavy == [], f"{code!r} loads {heavy}"


def test_help_runs_without_the_server() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from modemu.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    loaded = _loaded_after(code)
    assert "modemu.server" not in loaded
    assert not {name.split(".")[0] for name in loaded} & set(HEAVY)
    # the profile and net config dataclasses load when a command runs, not for its help
    assert not {"modemu.modem.profile", "modemu.net.base", "modemu.fleet"} & loaded


def test_names_still_resolve_on_use() -> None:
    assert client.Modem.__name__ == "Modem"
    assert client.AsyncModem.__module__ == "modemu.client.aio"
    assert transport.PtyTransport.__module__ == "modemu.transport.pty"
    assert set(client.__all__) <= set(dir(client))
    for package in (client, transport):
        assert sorted(package.__all__) == sorted(package._WHERE)
    with pytest.raises(AttributeError):
        _ = client.NoSuchName


def test_an_address_literal_never_loads_dnspython() -> None:
    """The first ``AT+QIOPEN`` to ``"127.0.0.1"`` must not pay dnspython's import."""
    code = (
        "import asyncio\n"
        "from modemu.net.dns import resolve_ipv4\n"
        "for host in ('127.0.0.1', 'localhost', 'LOCALHOST.'):\n"
        "    answer = asyncio.run(resolve_ipv4(host, (), 53, 1.0))\n"
        "    assert answer.addresses == ('127.0.0.1',), answer\n"
    )
    loaded = _loaded_after(code)
    assert not any(name.split(".")[0] == "dns" for name in loaded)


def test_warmup_loads_what_is_missing_and_restores_the_switch_interval() -> None:
    code = (
        "import sys\n"
        "from modemu.warmup import HEAVY_MODULES, start_warmup, warm\n"
        "before = sys.getswitchinterval()\n"
        "assert warm(['json', 'modemu_no_such_module']) == ['json']\n"
        "thread = start_warmup(('dns.resolver', 'modemu_no_such_module'))\n"
        "assert thread is not None and thread.daemon\n"
        "thread.join(60)\n"
        "assert not thread.is_alive()\n"
        "assert sys.getswitchinterval() == before, sys.getswitchinterval()\n"
        "assert start_warmup(('dns.resolver',)) is None  # nothing left to load\n"
    )
    assert "dns.resolver" in _loaded_after(code)


SERVE_FIRST_OK = """\
import asyncio, json, os, sys, tempfile
from modemu.cli.main import build_parser, serving_module
from modemu.server import run
from modemu.transport.pty import make_raw

async def first_ok():
    link = os.path.join(tempfile.mkdtemp(), "m")
    argv = ["serve", "--pty", link, "--state-dir", "none"]
    args = build_parser(argv[0]).parse_args(argv)  # as main(argv) does
    async with serving_module(args) as modem:
        fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
        try:
            make_raw(fd)
            os.write(fd, b"AT\\r")
            got = b""
            while b"OK" not in got:
                got += await asyncio.wait_for(modem.loop.run_in_executor(None, os.read, fd, 64), 10)
        finally:
            os.close(fd)

run(first_ok())
"""
"""What ``modemu serve --pty PATH`` runs up to its first ``OK`` (the CLI's own parser and
``serving_module``, a real pty, the default control socket)."""

COMMANDS_LOAD_ON_USE = (
    *(f"modemu.modem.commands.{area}" for area in AREAS),
    "modemu.net.opening",
    "modemu.net.tcp",
    "modemu.net.udp",
    "modemu.net.listener",
    "modemu.net.ping",
    "modemu.net.ntp",
)
"""Loaded by the first command that needs them, or by the warm-up a second later."""
OPTIONS_LOAD_ON_USE = (
    "modemu.trace",
    "modemu.net.tap",
    "modemu.control.client",
    "modemu.client",
    *(f"modemu.cli.{name}" for name in ("coverage", "diff", "fleet", "peer", "replay", "view")),
)
"""Loaded only with ``--trace``/``--pcap``, by a control client or by other subcommands."""


def test_serve_answers_its_first_ok_without_what_later_commands_need() -> None:
    """Each handler module loads with its first command (``Registry.on_demand``), sockets,
    ping and NTP with the first open/ping/NTP request: the first ``OK`` needs none."""
    loaded = _loaded_after(SERVE_FIRST_OK)
    assert "modemu.modem.engine" in loaded  # the real engine answered
    assert "modemu.control.server" in loaded  # and the default control socket is open
    assert sorted({*COMMANDS_LOAD_ON_USE, *OPTIONS_LOAD_ON_USE} & loaded) == []


def test_the_warmup_loads_what_serve_deferred() -> None:
    from modemu.warmup import HEAVY_MODULES, deferred_modules  # noqa: PLC0415

    wanted = deferred_modules()
    assert wanted[-len(HEAVY_MODULES) :] == HEAVY_MODULES  # ours first: they are quick
    loaded_by_warmup = _loaded_after(f"from modemu.warmup import warm\nwarm({wanted!r})")
    assert set(COMMANDS_LOAD_ON_USE) <= loaded_by_warmup


def test_the_serve_only_parser_parses_and_helps_as_the_whole_one() -> None:
    from modemu.cli.main import build_parser  # noqa: PLC0415

    argv = ["serve", "--pty", "/tmp/m", "--baud", "9600", "--profile", "bg96", "-v"]
    assert build_parser("serve").parse_args(argv) == build_parser().parse_args(argv)
    helps = []
    for parser in (build_parser("serve"), build_parser()):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
            parser.parse_args(["serve", "--help"])
        helps.append(out.getvalue())
    assert helps[0] == helps[1]
    assert "usage: modemu serve" in helps[0]
