"""Faults from pytest: the instance's fault/status/scenario, the marker's scenario, and the
skip with a reason when the module is a real one (``--modemu-url``)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TEST_FILE = """
import pytest

def test_fault_and_status(modemu_instance, modem_client):
    modem_client.command("AT+QIACT=1")
    assert modemu_instance.status()["contexts"][0]["active"] is True
    modemu_instance.fault("pdp-deact", cid=1)
    assert modemu_instance.status()["contexts"] == []

def test_bad_fault_is_refused(modemu_instance):
    from modemu.errors import ControlError
    with pytest.raises(ControlError, match="unknown operation 'melt'"):
        modemu_instance.fault("melt")

@pytest.mark.modemu(scenario=[{"at": 0, "fault": "signal", "args": {"rssi": 9}}])
def test_marker_steps(modemu_instance, modem_client):
    assert modem_client.command("AT+CSQ").lines == ("+CSQ: 9,99",)

@pytest.mark.modemu(scenario="weak.toml")
def test_marker_file(modemu_instance, modem_client):
    assert modem_client.command("AT+CSQ").lines == ("+CSQ: 4,99",)
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(TEST_FILE)
    pytester.makefile(
        ".toml", weak='version = 1\n[[steps]]\nat = 0\nfault = "signal"\nargs = { rssi = 4 }\n'
    )
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-rs", *args, timeout=90)


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_faults_from_pytest(pytester: pytest.Pytester, mode: str) -> None:
    _run(pytester, f"--modemu-mode={mode}").assert_outcomes(passed=4)


def test_real_module_skips_faults_with_the_reason(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--modemu-url=socket://127.0.0.1:9", "-k", "marker or bad")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(
        ["*faults need a virtual module with a control socket*", "*scenarios need a virtual*"]
    )
