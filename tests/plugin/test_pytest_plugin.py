"""The modemu pytest plugin, exercised through pytester in a fresh pytest process each time.

A subprocess run proves what a user gets: the plugin is found through the ``pytest11``
entry point alone, with no ``pytest_plugins`` line in the user's conftest.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modemu.testing.controller import ModemuProcess

pytestmark = pytest.mark.timeout(120)


def run_inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", *args, timeout=90)


def test_in_process_by_default(pytester: pytest.Pytester, tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    pytester.makepyfile(
        f"""
        import os
        import threading

        def test_running(modemu_instance, modem_path, modem_client):
            assert modemu_instance.pid is None
            assert os.path.exists(modem_path)
            assert modem_client.command("AT+CSQ").lines == ("+CSQ: 28,99",)
            assert any(t.name.startswith("modemu-") for t in threading.enumerate())
            with open({str(record)!r}, "w") as f:
                f.write(modem_path)

        def test_after(modemu_instance):
            import threading
            names = [t.name for t in threading.enumerate() if t.name.startswith("modemu-")]
            assert len(names) == 1, names  # the first test's module thread has ended
        """
    )
    run_inner(pytester).assert_outcomes(passed=2)
    assert not os.path.lexists(record.read_text()), "the pty symlink is removed at teardown"


def test_process_mode_starts_and_stops_a_child(pytester: pytest.Pytester, tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    pytester.makepyfile(
        f"""
        import os

        def test_running(modemu_instance, modem_path, modem_url):
            assert modem_path == modem_url == modemu_instance.url
            assert os.path.exists(modem_path)
            os.kill(modemu_instance.pid, 0)
            with open({str(record)!r}, "w") as f:
                f.write(f"{{modemu_instance.pid}} {{modem_path}}")
        """
    )
    run_inner(pytester, "--modemu-mode=process").assert_outcomes(passed=1)
    pid, path = record.read_text().split()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)
    assert not os.path.lexists(path), "the pty symlink is removed at teardown"


def test_client_fixture_and_marker_args(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_default(modem_client):
            assert modem_client.command("AT+CSQ").lines == ("+CSQ: 28,99",)

        @pytest.mark.modemu(args=["--rssi", "12"])
        def test_marker_args(modem_client):
            assert modem_client.command("AT+CSQ").lines == ("+CSQ: 12,99",)

        @pytest.mark.modemu(qicfg={"transpktsize": 100, "dataformat": (0, 0)}, activate=True)
        def test_qicfg_and_activate(modem_client):
            assert modem_client.get_config("transpktsize") == (100,)
            assert modem_client.context_address(1)
        """
    )
    run_inner(pytester).assert_outcomes(passed=3)


def test_profile_from_marker_and_ini(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", ec200a='version = 1\n[identity]\nmodel = "EC200A"\n')
    pytester.makefile(".toml", other='[identity]\nmodel = "EC600N"\n')
    pytester.makeini("[pytest]\nmodemu_profile = ec200a.toml\n")
    pytester.makepyfile(
        """
        import pytest

        def test_ini_profile(modem_client):
            assert modem_client.command("AT+CGMM").lines == ("EC200A",)

        @pytest.mark.modemu(profile="other.toml")
        def test_marker_profile(modem_client):
            assert modem_client.command("AT+CGMM").lines == ("EC600N",)
        """
    )
    run_inner(pytester).assert_outcomes(passed=2)


def test_tcp_transport_and_factory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from modemu.client import Modem

        @pytest.mark.modemu(tcp=True)
        def test_tcp(modemu_instance, modem_path, modem_client):
            assert modemu_instance.url.startswith("socket://127.0.0.1:")
            assert modem_path is None
            assert modem_client.identify()[0] == "Quectel"

        def test_two_modules(modemu_factory):
            first = modemu_factory(args=["--imei", "869951040000016"])
            second = modemu_factory(args=["--imei", "869951040000024"])
            with Modem(first.url) as a, Modem(second.url) as b:
                assert a.command("AT+GSN").lines == ("869951040000016",)
                assert b.command("AT+GSN").lines == ("869951040000024",)
        """
    )
    run_inner(pytester).assert_outcomes(passed=2)


def test_external_url_skips_the_server(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """``--modemu-url`` (a real module on /dev/ttyUSB2, say) replaces the subprocess."""
    pytester.makepyfile(
        """
        def test_external(modemu_instance, modem_url, modem_client):
            assert modemu_instance.pid is None
            assert modemu_instance.banner == "external module"
            assert modem_client.identify()[0] == "Quectel"
        """
    )
    with ModemuProcess(tmp_path) as instance:
        result = run_inner(pytester, f"--modemu-url={instance.url}")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_startup_failure_is_reported(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makeini(f"[pytest]\nmodemu_args = --rssi 1000\nmodemu_mode = {mode}\n")
    pytester.makepyfile(
        """
        def test_never_runs(modem_url):
            pass
        """
    )
    result = run_inner(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*StartupError*rssi*"])


def test_marker_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.modemu(process=True)
        def test_child(modemu_instance, modem_client):
            assert modemu_instance.pid not in (None, os.getpid())
            assert modem_client.command("AT").ok
        """
    )
    run_inner(pytester).assert_outcomes(passed=1)


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = run_inner(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.modemu(*"])
