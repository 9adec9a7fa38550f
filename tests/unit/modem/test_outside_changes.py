"""The one entry point for outside changes (faults): ``ModemEngine.apply_change``.

Each change updates the module state as the host then sees it through commands, and raises
exactly the URCs the host's settings ask for, held like any URC while the port is busy.
"""

from __future__ import annotations

from modemu.modem.changes import Change, ContextLost, NetworkRegistration, SignalQuality, SimCard
from modemu.modem.state import RegStat, SimState
from modemu.net.base import Opened

from .harness import OK, Modem, info


def change(m: Modem, what: Change) -> bytes:
    m.engine.apply_change(what, m.now)
    return m.take()


def test_deregistration_reports_per_creg_settings_and_shows_in_queries(modem: Modem) -> None:
    assert modem.cmd("AT+CREG=1;+CEREG=2") == OK
    assert change(modem, NetworkRegistration(RegStat.SEARCHING)) == (
        b"\r\n+CREG: 2\r\n\r\n+CEREG: 2\r\n"
    )
    assert modem.cmd("AT+CREG?") == info("+CREG: 1,2")
    assert modem.cmd("AT+COPS?") == info("+COPS: 0")
    assert modem.cmd("AT+QIACT=1") == b"\r\nERROR\r\n"
    assert change(modem, NetworkRegistration(RegStat.SEARCHING)) == b""  # no change, no URC
    assert change(modem, NetworkRegistration(RegStat.ROAMING)) == (
        b'\r\n+CREG: 5\r\n\r\n+CEREG: 5,"1A2B","0C3D4E5",7\r\n'
    )
    assert modem.cmd("AT+QIACT=1") == OK


def test_no_registration_urc_while_reporting_is_off(modem: Modem) -> None:
    assert change(modem, NetworkRegistration(RegStat.DENIED)) == b""
    assert modem.cmd("AT+CEREG?") == info("+CEREG: 0,3")


def test_signal_change_shows_in_csq_and_qcsq_without_urc(modem: Modem) -> None:
    assert change(modem, SignalQuality(10, 2)) == b""
    assert modem.cmd("AT+CSQ") == info("+CSQ: 10,2")
    assert modem.cmd("AT+QCSQ") == info('+QCSQ: "LTE",-93,-113,150,-10')
    change(modem, SignalQuality(99))
    assert modem.cmd("AT+QCSQ") == info('+QCSQ: "NOSERVICE"')


def test_sim_removal_drops_contexts_and_registration(modem: Modem) -> None:
    assert modem.cmd("AT+CREG=1;+QIACT=1") == OK
    assert change(modem, SimCard(SimState.ABSENT)) == (
        b'\r\n+CPIN: NOT READY\r\n\r\n+QIURC: "pdpdeact",1\r\n\r\n+CREG: 0\r\n'
    )
    assert modem.cmd("AT+CMEE=1;+CPIN?") == b"\r\n+CME ERROR: 10\r\n"
    assert modem.cmd("AT+CIMI") == b"\r\n+CME ERROR: 10\r\n"
    assert change(modem, SimCard(SimState.READY)) == b"\r\n+CPIN: READY\r\n\r\n+CREG: 1\r\n"
    assert modem.cmd("AT+CPIN?") == info("+CPIN: READY")


def test_a_pulled_sim_stays_out_across_a_reboot(modem: Modem) -> None:
    change(modem, SimCard(SimState.ABSENT))
    assert modem.cmd("AT+CFUN=1,1") == OK
    boot = modem.advance(1.0)
    assert b"+CPIN: NOT INSERTED" in boot
    assert b"+CPIN: READY" not in boot


def test_context_loss_is_reported_once(modem: Modem) -> None:
    assert modem.cmd("AT+QIACT=1") == OK
    assert change(modem, ContextLost(1)) == b'\r\n+QIURC: "pdpdeact",1\r\n'
    assert change(modem, ContextLost(1)) == b""
    assert modem.cmd("AT+QIACT?") == OK


def test_urcs_of_a_change_wait_for_the_data_prompt_to_finish(modem: Modem) -> None:
    assert modem.cmd("AT+CREG=1;+QIACT=1") == OK
    assert modem.cmd('AT+QIOPEN=1,0,"UDP","127.0.0.1",9,0,0') == OK
    modem.engine.handle_net(Opened(0, ("10.7.157.1", 5000), ("127.0.0.1", 9)), modem.now)
    assert modem.take() == b"\r\n+QIOPEN: 0,0\r\n"
    assert modem.send(b"AT+QISEND=0,2\r\n").endswith(b">")  # CRLF: prompt at the LF
    assert change(modem, NetworkRegistration(RegStat.NOT_REGISTERED)) == b""
    assert modem.send(b"hi") == b"hi\r\nSEND OK\r\n\r\n+CREG: 0\r\n"  # QISDE echo


def test_changes_are_ignored_while_the_module_is_off() -> None:
    m = Modem(boot=False)
    assert change(m, SimCard(SimState.ABSENT)) == b""
    assert m.advance(0.0).count(b"+CPIN: READY") == 1
