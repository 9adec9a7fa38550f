"""Start-up stays cheap: a bare ``import modemu.client`` and ``modemu --help`` load no event
loop, serial, DNS or ICMP library (each costs milliseconds that every script and every CLI
call would pay). Checked on a fresh interpreter's ``sys.modules``, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from modemu import client, transport

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
