"""Bytes in, bytes out: identity, SIM, registration, attach, addresses, SMS set-up and
clock commands (spec §13, §16). Explicit clock, FakeNet, fixed wall clock."""

from __future__ import annotations

import pytest

from modemu.modem.profile import Profile

from .harness import ERROR, OK, Modem, info

Script = list[tuple[str, bytes]]

CME3 = b"\r\n+CME ERROR: 3\r\n"
CME10 = b"\r\n+CME ERROR: 10\r\n"
CME50 = b"\r\n+CME ERROR: 50\r\n"


def run_script(modem: Modem, script: Script) -> None:
    for line, expected in script:
        assert modem.cmd(line) == expected, line


def booted(**overrides: object) -> Modem:
    m = Modem(Profile().with_overrides(**overrides))
    assert m.cmd("ATE0") == b"ATE0\r" + OK
    return m


IDENTITY: Script = [
    ("ATI", info("Quectel", "EC200TCN", "Revision: EC200TCNDAR01A01M1G")),
    ("AT+GMI", info("Quectel")),
    ("AT+CGMI", info("Quectel")),
    ("AT+GMM", info("EC200TCN")),
    ("AT+CGMM", info("EC200TCN")),
    ("AT+GMR", info("EC200TCNDAR01A01M1G")),
    ("AT+CGMR", info("EC200TCNDAR01A01M1G")),
    ("AT+QGMR", info("EC200TCNDAR01A01M1G_01.001.01.001")),
    ("AT+GSN", info("869951040000008")),
    ("AT+CGSN", info("869951040000008")),
    ("AT+CIMI", info("460001234567890")),
    ("AT+QCCID", info("+QCCID: 89860025128306012474")),
    ("AT+CCID", info("+QCCID: 89860025128306012474")),
    # test forms answer a bare OK; read/set forms are not declared → plain ERROR
    ("AT+CGMI=?", OK),
    ("AT+CGSN=?", OK),
    ("AT+CIMI=?", OK),
    ("AT+QCCID=?", OK),
    ("AT+CGMI?", ERROR),
    ("AT+CGSN=1", ERROR),
    ("AT+QCCID?", ERROR),
]


def test_identity(modem: Modem) -> None:
    run_script(modem, IDENTITY)


def test_identity_from_profile() -> None:
    m = booted(model="EC200A", revision="EC200AELLAR01A05M16_TP", imei="861234567890123")
    run_script(
        m,
        [
            ("ATI", info("Quectel", "EC200A", "Revision: EC200AELLAR01A05M16_TP")),
            ("AT+CGMR", info("EC200AELLAR01A05M16_TP")),
            ("AT+GSN", info("861234567890123")),
        ],
    )


SIM_SCRIPTS: dict[str, tuple[str, Script]] = {
    "ready": (
        "READY",
        [
            ("AT+CPIN?", info("+CPIN: READY")),
            ("AT+CPIN=?", OK),
            ('AT+CPIN="1234"', CME3),  # no PIN wanted
            ("AT+CPIN", ERROR),
        ],
    ),
    "absent": (
        "ABSENT",
        [
            ("AT+CPIN?", CME10),
            ("AT+CIMI", CME10),
            ("AT+QCCID", CME10),
            ("AT+CPIN=1234", CME10),
            ("AT+CREG?", info("+CREG: 0,0")),
            ("AT+COPS?", info("+COPS: 0")),
            ("AT+CGATT?", info("+CGATT: 0")),
            ("AT+CGATT=1", b"\r\n+CME ERROR: 30\r\n"),
            ("AT+QIACT=1", ERROR),
            ("AT+QIGETERROR", info("+QIGETERROR: 561,pdp context opening failed")),
            ("AT+CMEE=2", OK),
            ("AT+CPIN?", b"\r\n+CME ERROR: SIM not inserted\r\n"),
            ("AT+CMEE=0", OK),
            ("AT+CPIN?", ERROR),
            ("AT+CSQ", info("+CSQ: 28,99")),
        ],
    ),
    "pin": (
        "SIM PIN",
        [
            ("AT+CPIN?", info("+CPIN: SIM PIN")),
            ("AT+CREG?", info("+CREG: 0,0")),
            ("AT+CGREG?", info("+CGREG: 0,0")),
            ('AT+CPIN="1111"', b"\r\n+CME ERROR: 16\r\n"),
            ("AT+CPIN?", info("+CPIN: SIM PIN")),
            ("AT+CPIN=123456789", CME50),  # longer than 8 characters
            ("AT+CREG?", info("+CREG: 0,0")),
        ],
    ),
}


@pytest.mark.parametrize("name", list(SIM_SCRIPTS))
def test_sim(name: str) -> None:
    sim, script = SIM_SCRIPTS[name]
    run_script(booted(sim=sim), script)


def test_boot_urcs_follow_the_sim_state() -> None:
    assert Modem(Profile(sim="ABSENT")).boot_output == (
        b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: NOT INSERTED\r\n"
    )
    assert Modem(Profile(sim="SIM PIN")).boot_output == (
        b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n"
    )
    assert Modem(Profile(sim="SIM PUK")).boot_output == (
        b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PUK\r\n"
    )


def test_pin_entry_unlocks_registration() -> None:
    m = booted(sim="SIM PIN")
    assert m.cmd('AT+CPIN="1234"') == OK + b"\r\n+CPIN: READY\r\n"
    assert m.cmd("AT+CPIN?") == info("+CPIN: READY")
    assert m.cmd("AT+CREG?") == info("+CREG: 0,1")


def test_puk_state_is_unlocked_by_the_profile_pin() -> None:
    """The emulator does not model PUK + new PIN: the profile's PIN unlocks SIM PUK too."""
    m = booted(sim="SIM PUK", pin="0000")
    assert m.cmd("AT+CPIN?") == info("+CPIN: SIM PUK")
    assert m.cmd('AT+CPIN="1234"') == b"\r\n+CME ERROR: 16\r\n"
    assert m.cmd('AT+CPIN="0000"') == OK + b"\r\n+CPIN: READY\r\n"


def test_pin_entry_urc_comes_after_the_final_result() -> None:
    """Spec §1.6: a URC is never injected inside a command's response."""
    m = booted(sim="SIM PIN")
    assert m.cmd('AT+CPIN="1234";+CSQ') == info("+CSQ: 28,99") + b"\r\n+CPIN: READY\r\n"


REGISTRATION: Script = [
    ("AT+CSQ", info("+CSQ: 28,99")),
    ("AT+CSQ=?", info("+CSQ: (0-31,99),(0-7,99)")),
    ("AT+CREG?", info("+CREG: 0,1")),
    ("AT+CREG=?", info("+CREG: (0-2)")),
    ("AT+CREG=1", OK),
    ("AT+CREG?", info("+CREG: 1,1")),
    ("AT+CREG=2", OK),
    ("AT+CREG?", info('+CREG: 2,1,"1A2B","0C3D4E5",7')),
    ("AT+CREG=3", CME50),
    ("AT+CREG", OK),
    ("AT+CGREG?", info("+CGREG: 0,1")),
    ("AT+CGREG=?", info("+CGREG: (0-2)")),
    ("AT+CGREG=2", OK),
    ("AT+CGREG?", info('+CGREG: 2,1,"1A2B","0C3D4E5",7')),
    ("AT+CEREG?", info("+CEREG: 0,1")),
    ("AT+CEREG=2", OK),
    ("AT+CEREG?", info('+CEREG: 2,1,"1A2B","0C3D4E5",7')),
    ("AT+CEREG=0", OK),
    ("AT+CEREG?", info("+CEREG: 0,1")),
    ("AT+COPS?", info('+COPS: 0,0,"CHINA MOBILE",7')),
    ("AT+COPS=?", info('+COPS: (2,"CHINA MOBILE","CHINA MOBILE","46000",7),,(0-4),(0-2)')),
    ("AT+COPS=0", OK),
    ("AT+COPS=1,2,46000", OK),
    ("AT+COPS=5", CME50),
    ("AT+CGATT?", info("+CGATT: 1")),
    ("AT+CGATT=?", info("+CGATT: (0,1)")),
    ("AT+CGATT=1", OK),
    ("AT+CGATT=2", CME50),
    ("AT+QNWINFO", info('+QNWINFO: "FDD LTE","46000","LTE BAND 3",1650')),
    ("AT+QNWINFO=?", OK),
    ("AT+QCSQ", info('+QCSQ: "LTE",-57,-77,150,-10')),
    ("AT+QCSQ=?", info('+QCSQ: "NOSERVICE","GSM","LTE"')),
]


def test_registration(modem: Modem) -> None:
    run_script(modem, REGISTRATION)


@pytest.mark.parametrize(
    ("overrides", "script"),
    [
        (
            {"registration": 5, "rssi": 10, "ber": 3, "operator": "CMCC"},
            [
                ("AT+CSQ", info("+CSQ: 10,3")),
                ("AT+CREG=2;+CREG?", info('+CREG: 2,5,"1A2B","0C3D4E5",7')),
                ("AT+COPS?", info('+COPS: 0,0,"CMCC",7')),
                ("AT+CGATT?", info("+CGATT: 1")),
            ],
        ),
        (
            {"registration": 2},
            [
                ("AT+CREG=2;+CREG?", info("+CREG: 2,2")),  # no location unless registered
                ("AT+CEREG?", info("+CEREG: 0,2")),
                ("AT+COPS?", info("+COPS: 0")),
                ("AT+CGATT?", info("+CGATT: 0")),
                ("AT+CGATT=1", b"\r\n+CME ERROR: 30\r\n"),
                ("AT+QNWINFO", info("+QNWINFO: No Service")),
                ("AT+QCSQ", info('+QCSQ: "NOSERVICE"')),
                ("AT+QIACT=1", ERROR),
            ],
        ),
        ({"rssi": 99}, [("AT+CSQ", info("+CSQ: 99,99")), ("AT+QCSQ", info('+QCSQ: "NOSERVICE"'))]),
    ],
)
def test_registration_from_profile(overrides: dict[str, object], script: Script) -> None:
    run_script(booted(**overrides), script)


CONTEXTS_AND_SMS: Script = [
    ("AT+CGDCONT?", b"\r\nOK\r\n"),
    ('AT+CGDCONT=1,"IP","cmnet"', OK),
    ("AT+CGDCONT?", info('+CGDCONT: 1,"IP","cmnet","0.0.0.0",0,0')),
    ('AT+CGDCONT=2,"IPV4V6"', OK),
    ('AT+CGDCONT=1,"PPP"', CME50),
    ("AT+CGDCONT=16", CME50),
    ("AT+QIACT=1", OK),
    (
        "AT+CGDCONT?",
        info('+CGDCONT: 1,"IP","cmnet","10.7.157.1",0,0', '+CGDCONT: 2,"IPV4V6","","0.0.0.0",0,0'),
    ),
    ("AT+CGPADDR=1", info('+CGPADDR: 1,"10.7.157.1"')),
    ("AT+CGPADDR=2", info('+CGPADDR: 2,"0.0.0.0"')),
    ("AT+CGPADDR=5", info('+CGPADDR: 5,"0.0.0.0"')),
    ("AT+CGPADDR", info('+CGPADDR: 1,"10.7.157.1"', '+CGPADDR: 2,"0.0.0.0"')),
    ("AT+CGPADDR=?", info("+CGPADDR: (1,2)")),
    ("AT+CGPADDR=16", CME50),
    ("AT+CGPADDR?", ERROR),
    ("AT+CMGF?", info("+CMGF: 0")),
    ("AT+CMGF=1", OK),
    ("AT+CMGF?", info("+CMGF: 1")),
    ("AT+CMGF=2", CME50),
    ('AT+CPMS="SM","SM","SM"', info("+CPMS: 0,50,0,50,0,50")),
    ("AT+CPMS?", info('+CPMS: "SM",0,50,"SM",0,50,"SM",0,50')),
    ('AT+CPMS="XX"', CME50),
    ("AT+CNMI=2,1,0,0,0", OK),
    ("AT+CNMI=1,2", OK),
    ("AT+CNMI?", info("+CNMI: 1,2,0,0,0")),
    ("AT+CNMI=3", CME50),
]


def test_contexts_addresses_and_sms(modem: Modem) -> None:
    run_script(modem, CONTEXTS_AND_SMS)


def test_cgdcont_and_qicsgp_share_the_saved_profile(modem: Modem) -> None:
    assert modem.cmd('AT+QICSGP=1,1,"UNINET","u","p",1') == OK
    assert modem.cmd("AT+CGDCONT?") == info('+CGDCONT: 1,"IP","UNINET","0.0.0.0",0,0')
    assert modem.cmd('AT+CGDCONT=1,"IPV6","cmnet"') == OK
    assert modem.cmd("AT+QICSGP=1") == info('+QICSGP: 2,"cmnet","u","p",1')
    assert modem.nv.load()["contexts"]["1"]["apn"] == "cmnet"


def test_cgpaddr_with_no_context_reports_cid_1(modem: Modem) -> None:
    assert modem.cmd("AT+CGPADDR") == info('+CGPADDR: 1,"0.0.0.0"')
    assert modem.cmd("AT+CGPADDR=?") == info("+CGPADDR: (1)")


def test_cgatt_detach_drops_contexts(modem: Modem) -> None:
    run_script(
        modem,
        [
            ("AT+QIACT=1", OK),
            ("AT+CGATT=0", OK),
            ("AT+CGATT?", info("+CGATT: 0")),
            ("AT+QIACT?", OK),
            ("AT+CGPADDR=1", info('+CGPADDR: 1,"0.0.0.0"')),
            ("AT+QIACT=1", ERROR),
            ("AT+QIGETERROR", info("+QIGETERROR: 561,pdp context opening failed")),
            ("AT+CGATT=1", OK),
            ("AT+QIACT=1", OK),
            ("AT+QIACT?", info('+QIACT: 1,1,1,"10.7.157.1"')),
        ],
    )


# ---------------------------------------------------------------------------------------
# Clock. WALL = 2020-09-13 12:26:40 UTC; the profile's zone is +32 quarters (UTC+8).

CLOCK: Script = [
    ("AT+CCLK?", info('+CCLK: "20/09/13,20:26:40+32"')),
    ("AT+CCLK=?", OK),
    ("AT+QLTS", info('+QLTS: "2020/09/13,12:26:40+32,0"')),
    ("AT+QLTS=0", info('+QLTS: "2020/09/13,12:26:40+32,0"')),
    ("AT+QLTS=1", info('+QLTS: "2020/09/13,12:26:40+32,0"')),
    ("AT+QLTS=2", info('+QLTS: "2020/09/13,20:26:40+32,0"')),
    ("AT+QLTS=?", info("+QLTS: (0-2)")),
    ("AT+QLTS=3", CME50),
    ('AT+CCLK="21/01/02,03:04:05-08"', OK),
    ("AT+CCLK?", info('+CCLK: "21/01/02,03:04:05-08"')),
    ("AT+QLTS", info('+QLTS: "2021/01/02,05:04:05-08,0"')),
    ("AT+QLTS=2", info('+QLTS: "2021/01/02,03:04:05-08,0"')),
    ('AT+CCLK="21/01/02,03:04:05+00"', OK),
    ("AT+CCLK?", info('+CCLK: "21/01/02,03:04:05+00"')),
    ('AT+CCLK="21/13/02,03:04:05+00"', CME50),
    ('AT+CCLK="21/01/02,03:04:05+57"', CME50),
    ('AT+CCLK="21/01/02,03:04:05-49"', CME50),
    ('AT+CCLK="21/01/02 03:04:05+00"', CME50),
    ("AT+CCLK=1", CME50),
    ("AT+CCLK", ERROR),
    ("AT+CTZR?", info("+CTZR: 0")),
    ("AT+CTZR=?", info("+CTZR: (0-2)")),
    ("AT+CTZR=2", OK),
    ("AT+CTZR?", info("+CTZR: 2")),
    ("AT+CTZR=3", CME50),
    ("AT+CTZU?", info("+CTZU: 0")),
    ("AT+CTZU=?", info("+CTZU: (0,1)")),
    ("AT+CTZU=1", OK),
    ("AT+CTZU?", info("+CTZU: 1")),
    ("AT+CTZU=2", CME50),
]


def test_clock(modem: Modem) -> None:
    run_script(modem, CLOCK)


def test_qlts_read_form_is_not_declared(modem: Modem) -> None:
    """Like every other undeclared form of a 3GPP command: plain ERROR."""
    assert modem.cmd("AT+QLTS?") == ERROR


def test_clock_follows_the_wall_clock_with_its_offset() -> None:
    wall = [1_600_000_000.0]
    m = Modem(boot=False)
    m.engine.wall_clock = lambda: wall[0]
    m.advance(0.0)
    m.cmd("ATE0")
    assert m.cmd('AT+CCLK="21/01/02,03:04:05+32"') == OK
    wall[0] += 3661
    assert m.cmd("AT+CCLK?") == info('+CCLK: "21/01/02,04:05:06+32"')


def test_clock_zone_from_profile() -> None:
    m = booted(timezone_quarters=-20)
    assert m.cmd("AT+CCLK?") == info('+CCLK: "20/09/13,07:26:40-20"')
    assert m.cmd("AT+QLTS") == info('+QLTS: "2020/09/13,12:26:40-20,0"')
