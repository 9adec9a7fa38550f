"""AT+QCFG, AT+QSPN, AT+CBC, AT+QTEMP, AT+QINDCFG and AT+QNTTP on the sans-IO engine.

Answers are compared byte for byte with the formats in docs/at-qcfg.md and docs/status.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modemu.modem.nvstore import MemoryNvStore
from modemu.modem.profile import Profile, resolve_profile
from modemu.modem.state import RiPulse, RiRing
from modemu.net.base import NetFailure, NtpFailed, NtpResult

from .harness import ERROR, OK, Modem, info


def booted(profile: Profile | None = None) -> Modem:
    m = Modem(profile)
    assert m.cmd("ATE0") == b"ATE0\r" + OK
    return m


@pytest.fixture
def m() -> Modem:
    return booted(resolve_profile("ec200t"))


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("nwscanmode", "0"),
        ("nwscanseq", "00"),
        ("band", "0x0,0x1e2000000095,0x0"),
        ("urc/ri/ring", '"pulse",120,1000,5000,"off",1'),
        ("urc/ri/smsincoming", '"pulse",120,1'),
        ("urc/ri/other", '"pulse",120,1'),
        ("risignaltype", '"respective"'),
        ("urc/delay", "0"),
        ("ims", "0,0"),
        ("apready", "0,0,500"),
    ],
)
def test_qcfg_reads_ec200_defaults(m: Modem, key: str, answer: str) -> None:
    assert m.cmd(f'AT+QCFG="{key}"') == info(f'+QCFG: "{key}",{answer}')


def test_qcfg_writes_are_read_back(m: Modem) -> None:
    writes = {
        'AT+QCFG="nwscanmode",3,1': '+QCFG: "nwscanmode",3',
        'AT+QCFG="nwscanseq",0403,1': '+QCFG: "nwscanseq",0403',
        'AT+QCFG="band",0,0x15,0': '+QCFG: "band",0x0,0x15,0x0',
        'AT+QCFG="urc/ri/ring","wave",100,2000,3000,"on",2': (
            '+QCFG: "urc/ri/ring","wave",100,2000,3000,"on",2'
        ),
        'AT+QCFG="urc/ri/smsincoming","always"': '+QCFG: "urc/ri/smsincoming","always",120,1',
        'AT+QCFG="urc/ri/other","OFF",2000,5': '+QCFG: "urc/ri/other","off",2000,5',
        'AT+QCFG="risignaltype","physical"': '+QCFG: "risignaltype","physical"',
        'AT+QCFG="urc/delay",1': '+QCFG: "urc/delay",1',
        'AT+QCFG="ims",1': '+QCFG: "ims",1,0',
        'AT+QCFG="apready",1,0,300': '+QCFG: "apready",1,0,300',
    }
    for write, read in writes.items():
        assert m.cmd(write) == OK, write
        key = read.split('"')[1]
        assert m.cmd(f'AT+QCFG="{key}"') == info(read)


def test_ri_settings_are_typed_state_that_survives_factory_reset_and_reboot(m: Modem) -> None:
    m.cmd('AT+QCFG="urc/ri/other","pulse",300,2')
    m.cmd('AT+QCFG="risignaltype","physical"')
    m.cmd("AT&F")
    m.cmd("AT+CFUN=1,1")
    m.advance(5)
    ext = m.engine.state.ext
    assert ext.ri_other == RiPulse("pulse", 300, 2)
    assert ext.ri_ring == RiRing()
    assert ext.risignaltype == "physical"


@pytest.mark.parametrize(
    "line",
    [
        'AT+QCFG="nwscanmode",4',
        'AT+QCFG="nwscanmode",1,2',
        'AT+QCFG="nwscanmode","1"',
        'AT+QCFG="nwscanseq",06',
        'AT+QCFG="nwscanseq",0',
        'AT+QCFG="band",0x1,0x2',
        'AT+QCFG="band",0,0xZZ,0',
        'AT+QCFG="urc/ri/ring","blink"',
        'AT+QCFG="urc/ri/ring","pulse",0',
        'AT+QCFG="urc/ri/ring","pulse",120,1000,5000,"maybe"',
        'AT+QCFG="urc/ri/other","always"',
        'AT+QCFG="urc/ri/smsincoming","pulse",120,6',
        'AT+QCFG="risignaltype","virtual"',
        'AT+QCFG="urc/delay",2',
        'AT+QCFG="ims",3',
        'AT+QCFG="apready",1,0',
        'AT+QCFG="apready",1,0,99',
        'AT+QCFG="iotopmode",0',
        'AT+QCFG="nosuchkey"',
        "AT+QCFG=nwscanmode",
        "AT+QCFG?",
        "AT+QCFG",
    ],
)
def test_qcfg_refuses_bad_arguments_with_error_and_keeps_the_value(m: Modem, line: str) -> None:
    before = m.cmd('AT+QCFG="urc/ri/ring"')
    assert m.cmd(line) == ERROR
    assert m.cmd('AT+QCFG="urc/ri/ring"') == before
    assert m.cmd("AT") == OK, "the port stays usable"


def test_a_failed_write_changes_nothing(m: Modem) -> None:
    assert m.cmd('AT+QCFG="urc/ri/smsincoming","off",9999') == ERROR
    assert m.cmd('AT+QCFG="urc/ri/smsincoming"') == info(
        '+QCFG: "urc/ri/smsincoming","pulse",120,1'
    )


def test_bg96_has_iotopmode_and_its_own_defaults() -> None:
    bg96 = booted(resolve_profile("bg96"))
    assert bg96.cmd('AT+QCFG="iotopmode"') == info('+QCFG: "iotopmode",2')
    assert bg96.cmd('AT+QCFG="nwscanseq"') == info('+QCFG: "nwscanseq",020301')
    assert bg96.cmd('AT+QCFG="iotopmode",0,1') == OK
    assert bg96.cmd('AT+QCFG="band"') == info('+QCFG: "band",0xf,0x400a0e189f,0xa0e189f')


def test_qcfg_test_form_lists_the_variants_keys(m: Modem) -> None:
    lines = m.cmd("AT+QCFG=?").decode().split("\r\n")
    keys = [line.split('"')[1] for line in lines if line.startswith("+QCFG")]
    assert keys == list(resolve_profile("ec200t").qcfg_keys)
    assert '+QCFG: "urc/ri/other",("off","pulse"),(1-2000),(1-5)' in lines


def test_a_key_a_profile_leaves_out_is_error() -> None:
    modem = booted(Profile().with_overrides(qcfg_keys=("band",)))
    assert modem.cmd('AT+QCFG="nwscanmode"') == ERROR
    assert modem.cmd("AT+QCFG=?") == info(
        '+QCFG: "band",(0-F),(0-7FFFFFFFFFFFFFFF),(0-7FFFFFFFFFFFFFFF),(0,1)'
    )


# -- status ---------------------------------------------------------------------------------


def test_qspn_cbc_qtemp(m: Modem) -> None:
    assert m.cmd("AT+QSPN") == info('+QSPN: "CHINA MOBILE","CMCC","",0,"46000"')
    assert m.cmd("AT+QSPN?") == m.cmd("AT+QSPN")  # the read form TinyGSM sends
    assert m.cmd("AT+CBC") == info("+CBC: 0,56,3800")
    assert m.cmd("AT+QTEMP") == info("+QTEMP: 32,32,32")
    for test in ("AT+QSPN=?", "AT+CBC=?", "AT+QTEMP=?"):
        assert m.cmd(test) == OK
    for bad in ("AT+QSPN=1", "AT+CBC?", "AT+QTEMP=0"):
        assert m.cmd(bad) == ERROR


def test_qspn_without_network_or_sim_is_a_cme_error() -> None:
    assert booted(Profile().with_overrides(registration=2)).cmd("AT+QSPN") == (
        b"\r\n+CME ERROR: 30\r\n"
    )
    assert booted(Profile().with_overrides(sim="ABSENT")).cmd("AT+QSPN") == (
        b"\r\n+CME ERROR: 10\r\n"
    )


def test_cbc_level_follows_the_profiles_voltage() -> None:
    assert booted(Profile().with_overrides(supply_voltage=4300)).cmd("AT+CBC") == info(
        "+CBC: 0,100,4300"
    )


def test_qindcfg(m: Modem) -> None:
    assert m.cmd("AT+QINDCFG=?") == info(
        *(f'+QINDCFG: "{n}",(0,1),(0,1)' for n in ("all", "csq", "smsfull", "ring", "smsincoming"))
    )
    assert m.cmd('AT+QINDCFG="csq"') == info('+QINDCFG: "csq",0')
    assert m.cmd('AT+QINDCFG="csq",1,1') == OK
    assert m.cmd('AT+QINDCFG="csq"') == info('+QINDCFG: "csq",1')
    assert m.cmd('AT+QINDCFG="all"') == info('+QINDCFG: "all",1')
    cme_invalid = b"\r\n+CME ERROR: 50\r\n"
    for bad in ('AT+QINDCFG="nope",1', 'AT+QINDCFG="csq",2', "AT+QINDCFG=csq,1"):
        assert m.cmd(bad) == cme_invalid, bad
    assert m.cmd("AT+QINDCFG?") == ERROR, "an undeclared form is plain ERROR (docs/choices.md)"


def test_cscs_and_ipv4v6_contexts(m: Modem) -> None:
    assert m.cmd('AT+CSCS="IRA"') == OK
    assert m.cmd("AT+CSCS?") == info('+CSCS: "IRA"')
    assert m.cmd('AT+QICSGP=1,3,"ims","","",0') == OK
    assert m.cmd("AT+QICSGP=1") == info('+QICSGP: 3,"ims","","",0')
    assert m.cmd('AT+QICSGP=1,4,"x"') == ERROR


# -- QNTTP ----------------------------------------------------------------------------------


def test_qnttp_is_qntp_under_the_seeds_name(m: Modem) -> None:
    assert m.cmd("AT+QIACT=1") == OK
    assert m.cmd("AT+QNTTP=?") == info("+QNTTP: (1-15),<server>,(1-65535),(0,1)")
    assert m.cmd('AT+QNTTP=1,"127.0.0.1",1123') == OK
    assert m.cmd("AT+QNTTP?") == info('+QNTTP: "127.0.0.1",1123')
    req = m.net.calls_to("ntp")[-1][0]
    stamp = datetime(2019, 9, 8, 17, 32, 42, tzinfo=UTC).timestamp()
    m.engine.handle_net(NtpResult(req, stamp), m.now)  # type: ignore[arg-type]
    assert m.take() == b'\r\n+QNTTP: 0,"2019/09/09,01:32:42+32"\r\n'
    assert m.cmd('AT+QNTP=1,"127.0.0.1"') == OK
    req = m.net.calls_to("ntp")[-1][0]
    m.engine.handle_net(NtpFailed(req, NetFailure.NO_ANSWER), m.now)  # type: ignore[arg-type]
    assert m.take() == b"\r\n+QNTP: 569\r\n"
    assert m.cmd('AT+QNTTP=2,"127.0.0.1"') == OK + b"\r\n+QNTTP: 561\r\n"
    assert m.cmd('AT+QNTTP=1,""') == ERROR


# -- NV ---------------------------------------------------------------------------------------


def test_qcfg_values_are_saved_to_nv_and_read_back_by_the_next_module() -> None:
    nv = MemoryNvStore()
    first = Modem(resolve_profile("ec200t"), nv=nv)
    first.cmd("ATE0")
    assert first.cmd('AT+QCFG="urc/ri/ring","wave",100,2000,3000,"on",2') == OK
    assert first.cmd('AT+QCFG="band",0,0x15,0') == OK
    assert first.cmd('AT+QINDCFG="csq",1,1') == OK
    second = booted_on(nv)
    assert second.cmd('AT+QCFG="urc/ri/ring"') == info(
        '+QCFG: "urc/ri/ring","wave",100,2000,3000,"on",2'
    )
    assert second.cmd('AT+QCFG="band"') == info('+QCFG: "band",0x0,0x15,0x0')
    assert second.cmd('AT+QINDCFG="csq"') == info('+QINDCFG: "csq",1')


def test_a_damaged_nv_entry_reads_as_the_factory_value() -> None:
    nv = MemoryNvStore()
    nv.save(
        {
            "qcfg": {
                "nwscanmode": "3",
                "band": ["0x1"],
                "ri_other": {"typeri": "off", "pulse_duration": 9},
                "urc_delay": 1,
            }
        }
    )
    m = booted_on(nv)
    assert m.cmd('AT+QCFG="nwscanmode"') == info('+QCFG: "nwscanmode",0')
    assert m.cmd('AT+QCFG="band"') == info('+QCFG: "band",0x0,0x1e2000000095,0x0')
    assert m.cmd('AT+QCFG="urc/ri/other"') == info('+QCFG: "urc/ri/other","pulse",120,1')
    assert m.cmd('AT+QCFG="urc/delay"') == info('+QCFG: "urc/delay",1')


def booted_on(nv: MemoryNvStore) -> Modem:
    m = Modem(resolve_profile("ec200t"), nv=nv)
    assert m.cmd("ATE0") == b"ATE0\r" + OK
    return m
