"""Bytes in, bytes out for the PDP context commands (spec §4, §10.5, A3, A15, A16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modemu.modem.nvstore import FileNvStore, MemoryNvStore, NvStore
from modemu.modem.profile import Profile
from modemu.net.fake import FakeNet

from .harness import ERROR, OK, Modem, info

Script = list[tuple[str, bytes]]


def run_script(modem: Modem, script: Script) -> None:
    for line, expected in script:
        assert modem.cmd(line) == expected, line


def qierr(code: int, text: str) -> bytes:
    return info(f"+QIGETERROR: {code},{text}")


SCRIPTS: dict[str, Script] = {
    "QICSGP forms": [
        ("AT+QICSGP=?", info("+QICSGP: (1-15),(1-3),<APN>,<username>,<password>,(0-3),(0,1)")),
        ("AT+QICSGP=1", info('+QICSGP: 1,"","","",0')),  # unconfigured profile
        ("AT+QICSGP=15", info('+QICSGP: 1,"","","",0')),
        ('AT+QICSGP=1,1,"UNINET","","",1', OK),
        ("AT+QICSGP=1", info('+QICSGP: 1,"UNINET","","",1')),
        ('AT+QICSGP=2,3,"Cm;Net,x","us er", "p,w",3,1', OK),
        ("AT+QICSGP=2", info('+QICSGP: 3,"Cm;Net,x","us er","p,w",3')),
        ("AT+QICSGP=3,2,cmnet", OK),  # unquoted APN (spec §1.8)
        ("AT+QICSGP=3", info('+QICSGP: 2,"cmnet","","",0')),
        # a write that omits user/password/auth resets them to their defaults
        ('AT+QICSGP=2,1,"CMNET"', OK),
        ("AT+QICSGP=2", info('+QICSGP: 1,"CMNET","","",0')),
        ('AT+QICSGP=2,1,""', OK),
        ("AT+QICSGP=2", info('+QICSGP: 1,"","","",0')),
    ],
    "QICSGP errors are plain ERROR with 552": [
        ("AT+QICSGP=0", ERROR),
        ("AT+QIGETERROR", qierr(552, "invalid parameters")),
        ("AT+QICSGP=16", ERROR),
        ("AT+QICSGP=1,1", ERROR),
        ('AT+QICSGP=1,4,"x"', ERROR),
        ('AT+QICSGP=1,1,"x","u","p",4', ERROR),
        ('AT+QICSGP=1,1,"x","u","p",0,2', ERROR),
        ('AT+QICSGP=1,1,"x","u","p",0,0,9', ERROR),
        ('AT+QICSGP=1,1,"' + "a" * 100 + '"', ERROR),
        ('AT+QICSGP=1,1,"x","' + "u" * 128 + '"', ERROR),
        ("AT+QICSGP?", ERROR),  # undeclared form
        ("AT+QICSGP", ERROR),
        ("AT+QIGETERROR", qierr(552, "invalid parameters")),
        ("AT+CMEE=2", OK),
        ("AT+QICSGP=0", ERROR),  # CMEE never applies to TCP/IP commands (A20)
        ("AT+QICSGP=1", info('+QICSGP: 1,"","","",0')),
    ],
    "QICSGP limits accepted": [
        ('AT+QICSGP=1,1,"' + "a" * 99 + '","' + "u" * 127 + '","' + "p" * 127 + '",2', OK),
        (
            "AT+QICSGP=1",
            info('+QICSGP: 1,"' + "a" * 99 + '","' + "u" * 127 + '","' + "p" * 127 + '",2'),
        ),
    ],
    "QIACT and QIACT?": [
        ("AT+QIACT=?", info("+QIACT: (1-15)")),
        ("AT+QIACT?", OK),  # nothing active: bare OK (S11)
        ("AT+QIACT=1", OK),
        ("AT+QIACT?", info('+QIACT: 1,1,1,"10.7.157.1"')),
        ("AT+QIGETERROR", qierr(0, "operation success")),
        ("AT+QIACT=1", ERROR),  # already active (A3)
        ("AT+QIGETERROR", qierr(561, "pdp context opening failed")),
        ("AT+QIGETERROR", qierr(561, "pdp context opening failed")),  # asking keeps it
        ("AT+QIGETERROR=?", OK),
        ("AT+QIGETERROR?", ERROR),
        ("AT+QIGETERROR", qierr(561, "pdp context opening failed")),
        ("AT+QIACT=3", OK),
        ("AT+QIACT=2", OK),
        (
            "AT+QIACT?",
            info(
                '+QIACT: 1,1,1,"10.7.157.1"',
                '+QIACT: 2,1,1,"10.7.157.1"',
                '+QIACT: 3,1,1,"10.7.157.1"',
            ),
        ),
        ("AT+QIACT=4", ERROR),  # a 4th simultaneous context (A3)
        ("AT+QIGETERROR", qierr(572, "operation not allowed")),
        ("AT+QIACT=1", ERROR),  # already active wins over the limit
        ("AT+QIGETERROR", qierr(561, "pdp context opening failed")),
        ("AT+QIDEACT=2", OK),
        ("AT+QIGETERROR", qierr(0, "operation success")),
        ("AT+QIACT=4", OK),
        (
            "AT+QIACT?",
            info(
                '+QIACT: 1,1,1,"10.7.157.1"',
                '+QIACT: 3,1,1,"10.7.157.1"',
                '+QIACT: 4,1,1,"10.7.157.1"',
            ),
        ),
    ],
    "QIACT bad parameters": [
        ("AT+QIACT=0", ERROR),
        ("AT+QIGETERROR", qierr(552, "invalid parameters")),
        ("AT+QIACT=16", ERROR),
        ("AT+QIACT=1,2", ERROR),
        ('AT+QIACT="1"', ERROR),
        ("AT+QIACT", ERROR),  # exec form not declared
        ("AT+QIGETERROR", qierr(552, "invalid parameters")),
        ("AT+QIACT?", OK),
        ("AT+QIGETERROR", qierr(0, "operation success")),  # any QI success resets it
    ],
    "QIDEACT": [
        ("AT+QIDEACT=?", info("+QIDEACT: (1-15)")),
        ("AT+QIDEACT=1", OK),  # not active: OK (S4 sends it at every boot)
        ("AT+QIDEACT=15", OK),
        ("AT+QIDEACT=16", ERROR),
        ("AT+QIGETERROR", qierr(552, "invalid parameters")),
        ("AT+QIDEACT", ERROR),
        ("AT+QIDEACT?", ERROR),
        ("AT+QIACT=1", OK),
        ("AT+CGPADDR=1", info('+CGPADDR: 1,"10.7.157.1"')),
        ("AT+QIDEACT=1", OK),
        ("AT+QIACT?", OK),
        ("AT+CGPADDR=1", info('+CGPADDR: 1,"0.0.0.0"')),
        ("AT+QIACT=1", OK),
    ],
    "IPv6 and IPv4v6 contexts": [
        ('AT+QICSGP=2,2,"v6"', OK),
        ('AT+QICSGP=3,3,"v46"', OK),
        ("AT+QIACT=2", OK),
        ("AT+QIACT=3", OK),
        (
            "AT+QIACT?",
            info('+QIACT: 2,1,2,"0:0:0:0:0:0:0:1"', '+QIACT: 3,1,3,"10.7.157.1","0:0:0:0:0:0:0:1"'),
        ),
    ],
    "concatenated QI commands": [
        ('AT+QICSGP=1,1,"CMNET";+QIACT=1;+QIACT?', info('+QIACT: 1,1,1,"10.7.157.1"')),
        ("AT+QIDEACT=1;+QIACT=99;+QIACT=1", ERROR),
        ("AT+QIGETERROR", qierr(552, "invalid parameters")),
        ("AT+QIACT?", OK),  # deactivated by the first command, not re-activated
    ],
    "QIGETERROR after a non-QI command keeps the code": [
        ("AT+QIACT=0", ERROR),
        ("AT+CSQ", info("+CSQ: 28,99")),
        ("AT+FOO", ERROR),
        ("AT+QIGETERROR", qierr(552, "invalid parameters")),
    ],
}


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_script(modem: Modem, name: str) -> None:
    run_script(modem, SCRIPTS[name])


def test_qigeterror_with_v0(modem: Modem) -> None:
    modem.cmd("ATV0")
    assert modem.cmd("AT+QIACT=0") == b"4\r"
    assert modem.cmd("AT+QIGETERROR") == b"+QIGETERROR: 552,invalid parameters\r\n0\r"


def test_qiact_address_from_the_net_backend() -> None:
    m = Modem(net=FakeNet(address="192.0.2.7"))
    m.cmd("ATE0")
    assert m.cmd("AT+QIACT=1") == OK
    assert m.net.calls_to("local_address") == [()]
    assert m.cmd("AT+QIACT?") == info('+QIACT: 1,1,1,"192.0.2.7"')


def test_qiact_address_from_the_profile_wins() -> None:
    m = Modem(Profile(pdp_address="10.76.51.180"), net=FakeNet(address="192.0.2.7"))
    m.cmd("ATE0")
    assert m.cmd("AT+QIACT=1") == OK
    assert m.cmd("AT+CGPADDR=1") == info('+CGPADDR: 1,"10.76.51.180"')


# ---------------------------------------------------------------------------------------
# NV persistence (A16)


def _nv_roundtrip(nv_first: NvStore, nv_second: NvStore) -> None:
    first = Modem(nv=nv_first)
    first.cmd("ATE0")
    assert first.cmd('AT+QICSGP=1,1,"UNINET","user","pass",1') == OK
    assert first.cmd('AT+QICSGP=7,3,"v46"') == OK
    assert first.cmd("AT+QIACT=1") == OK
    second = Modem(nv=nv_second)
    second.cmd("ATE0")
    assert second.cmd("AT+QICSGP=1") == info('+QICSGP: 1,"UNINET","user","pass",1')
    assert second.cmd("AT+QICSGP=7") == info('+QICSGP: 3,"v46","","",0')
    assert second.cmd("AT+QICSGP=2") == info('+QICSGP: 1,"","","",0')
    assert second.cmd("AT+QIACT?") == OK  # activation is volatile


def test_qicsgp_saved_in_memory_nv() -> None:
    nv = MemoryNvStore()
    _nv_roundtrip(nv, nv)
    assert nv.data["contexts"]["1"] == {
        "context_type": 1,
        "apn": "UNINET",
        "username": "user",
        "password": "pass",
        "auth": 1,
    }


def test_qicsgp_saved_in_file_nv(tmp_path: Path) -> None:
    path = tmp_path / "state" / "nv.json"
    _nv_roundtrip(FileNvStore(path), FileNvStore(path))
    assert path.exists()


def test_qicsgp_survives_a_reboot(modem: Modem) -> None:
    modem.cmd('AT+QICSGP=1,1,"CMNET"')
    modem.cmd("AT+CFUN=1,1")
    modem.advance(1.0)
    modem.cmd("ATE0")
    assert modem.cmd("AT+QICSGP=1") == info('+QICSGP: 1,"CMNET","","",0')


@pytest.mark.parametrize(
    "stored",
    [
        {"contexts": "junk"},
        {"contexts": {"0": {"apn": "x"}, "16": {"apn": "x"}, "x": {"apn": "x"}, "2": "x"}},
        {},
    ],
)
def test_bad_nv_content_reads_as_factory(stored: dict[str, object]) -> None:
    m = Modem(nv=MemoryNvStore(stored))
    m.cmd("ATE0")
    for cid in (1, 2, 15):
        assert m.cmd(f"AT+QICSGP={cid}") == info('+QICSGP: 1,"","","",0')


def test_corrupt_nv_file_reads_as_factory(tmp_path: Path) -> None:
    path = tmp_path / "nv.json"
    path.write_text("{not json", encoding="utf-8")
    m = Modem(nv=FileNvStore(path))
    m.cmd("ATE0")
    assert m.cmd("AT+QICSGP=1") == info('+QICSGP: 1,"","","",0')
    assert m.cmd('AT+QICSGP=1,1,"x"') == OK
    assert Modem(nv=FileNvStore(path)).cmd("AT+QICSGP=1").endswith(info('+QICSGP: 1,"x","","",0'))


def test_urcport_saved_in_nv() -> None:
    nv = MemoryNvStore()
    first = Modem(nv=nv)
    first.cmd("ATE0")
    assert first.cmd('AT+QURCCFG="urcport","uart1"') == OK
    second = Modem(nv=nv)
    second.cmd("ATE0")
    assert second.cmd('AT+QURCCFG="urcport"') == info('+QURCCFG: "urcport","uart1"')
