"""Module variants: shipped TOML profiles, inheritance, and what each one changes on the wire.

Every test drives the sans-IO engine with bytes and an explicit clock (``harness.Modem``).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modemu.modem.profile import (
    FIELD_NAMES,
    Profile,
    ProfileError,
    load_profile,
    resolve_profile,
    shipped_profiles,
)
from modemu.net.base import Opened, Received, Service

from .harness import ERROR, OK, Modem, info

SHIPPED = {"bg96", "ec200a", "ec200t", "ec200u", "ec21", "ec25", "ec600n", "eg915u"}


def booted(name: str) -> Modem:
    m = Modem(resolve_profile(name))
    assert m.cmd("ATE0") == b"ATE0\r" + OK
    return m


def test_every_variant_of_the_issue_is_shipped_and_loads() -> None:
    profiles = dict(shipped_profiles())
    assert set(profiles) == SHIPPED
    for name, profile in profiles.items():
        assert profile.name == name, "a profile's name is its file's stem"
        assert profile.description, f"{name} has no description for `modemu profiles`"


@pytest.mark.parametrize(
    ("name", "model", "revision"),
    [
        ("ec200t", "EC200T", "EC200TCNHAR02A14M16"),
        ("ec200u", "EC200U", "EC200UCNAAR03A09M08"),
        ("ec25", "EC25", "EC25EFAR06A06M4G"),
        ("bg96", "BG96", "BG96MAR02A07M1G"),
    ],
)
def test_identity_lines_come_from_the_variant(name: str, model: str, revision: str) -> None:
    m = booted(name)
    assert m.cmd("ATI") == info("Quectel", model, f"Revision: {revision}")
    assert m.cmd("AT+GMR") == info(revision)
    assert m.cmd("AT+QGMR").startswith(f"\r\n{revision}_".encode())


def test_bg96_prints_app_rdy_after_the_sim_urcs() -> None:
    boot = Modem(resolve_profile("bg96")).boot_output
    assert boot.startswith(b"\r\nRDY\r\n")
    assert boot.endswith(b"\r\n+QIND: SMS DONE\r\n\r\nAPP RDY\r\n")
    assert b"APP RDY" not in Modem(resolve_profile("ec200t")).boot_output


def test_app_rdy_follows_a_sim_error_too() -> None:
    boot = Modem(resolve_profile("bg96").with_overrides(sim="ABSENT")).boot_output
    assert boot.endswith(b"\r\n+CPIN: NOT INSERTED\r\n\r\nAPP RDY\r\n")


def test_context_count_sets_ranges_and_test_forms() -> None:
    ec200 = booted("ec200t")
    bg96 = booted("bg96")
    assert ec200.cmd("AT+QIACT=?") == info("+QIACT: (1-15)")
    assert bg96.cmd("AT+QIACT=?") == info("+QIACT: (1-16)")
    assert bg96.cmd("AT+QICSGP=?").startswith(b"\r\n+QICSGP: (1-16),(1-3),")
    assert ec200.cmd('AT+QICSGP=16,1,"apn"') == ERROR
    assert bg96.cmd('AT+QICSGP=16,1,"apn"') == OK
    assert bg96.cmd("AT+QIACT=16") == OK
    assert bg96.cmd("AT+QIACT?").startswith(b"\r\n+QIACT: 16,1,1,")


def test_qicfg_keys_a_variant_lacks_answer_error() -> None:
    ec21 = booted("ec21")
    assert ec21.cmd('AT+QICFG="send/auto",0') == ERROR
    assert ec21.cmd("AT+QIGETERROR") == info("+QIGETERROR: 552,invalid parameters")
    assert ec21.cmd('AT+QICFG="recvind"') == info('+QICFG: "recvind",0')
    test_lines = ec21.cmd("AT+QICFG=?").split(b"\r\n")
    keys = [line.split(b'"')[1] for line in test_lines if line.startswith(b"+QICFG")]
    assert keys == [
        b"transpktsize",
        b"transwaittm",
        b"dataformat",
        b"viewmode",
        b"passiveclosed",
        b"udp/readmode",
        b"udp/sendmode",
        b"tcp/keepalive",
        b"recvind",
        b"tcp/retranscfg",
        b"tcp/accept",
        b"qisend/timeout",
    ]
    assert booted("ec200t").cmd('AT+QICFG="send/auto",0') == info('+QICFG: "send/auto",0,0,""')


@pytest.mark.parametrize(("with_length", "header"), [(True, b'"recv",0,5'), (False, b'"recv",0')])
def test_push_mode_recv_urc_with_or_without_length(with_length: bool, header: bytes) -> None:
    m = Modem(Profile().with_overrides(push_recv_length=with_length))
    m.cmd("ATE0")
    assert m.cmd("AT+QIACT=1") == OK
    assert m.cmd('AT+QIOPEN=1,0,"TCP","127.0.0.1",9000,0,1') == OK
    m.engine.handle_net(Opened(0, ("127.0.0.1", 4000), ("127.0.0.1", 9000)), m.now)
    assert m.take() == b"\r\n+QIOPEN: 0,0\r\n"
    m.engine.handle_net(Received(0, b"hello"), m.now)
    assert m.take() == b"\r\n+QIURC: " + header + b"\r\nhello\r\n"


def test_udp_service_push_keeps_its_length_and_sender() -> None:
    m = Modem(Profile().with_overrides(push_recv_length=False))
    m.cmd("ATE0")
    m.cmd("AT+QIACT=1")
    m.cmd(f'AT+QIOPEN=1,2,"{Service.UDP_SERVICE.value}","127.0.0.1",0,9100,1')
    m.engine.handle_net(Opened(2, ("127.0.0.1", 9100), None), m.now)
    m.take()
    m.engine.handle_net(Received(2, b"hi", ("127.0.0.1", 5000)), m.now)
    assert m.take() == b'\r\n+QIURC: "recv",2,2,"127.0.0.1",5000\r\nhi\r\n'


def test_ec200u_has_its_own_qicfg_factory_values_restored_by_factory_reset() -> None:
    ec200u = booted("ec200u")
    assert ec200u.cmd('AT+QICFG="tcp/accept"') == info('+QICFG: "tcp/accept",0')
    assert ec200u.cmd('AT+QICFG="qisend/timeout"') == info('+QICFG: "qisend/timeout",5')
    assert ec200u.cmd('AT+QICFG="tcp/accept",1') == OK
    assert ec200u.cmd("AT&F0;E0") == OK  # AT&F turns echo back on
    assert ec200u.cmd('AT+QICFG="tcp/accept"') == info('+QICFG: "tcp/accept",0')
    assert booted("ec200t").cmd('AT+QICFG="tcp/accept"') == info('+QICFG: "tcp/accept",1')


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("tcp/keepalive,1", "not an integer QICFG key"),
        ("tcp/accept", "tcp/accept takes 1 integer(s)"),
        ("dataformat,1", "dataformat takes 2 integer(s)"),
        ("qisend/timeout,500", "500 is outside 0-120"),
    ],
)
def test_bad_qicfg_defaults_are_refused(entry: str, message: str) -> None:
    with pytest.raises(ProfileError, match="qicfg_defaults") as caught:
        Profile().with_overrides(qicfg_defaults=(entry,))
    assert message in str(caught.value)


# -- files --------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_extends_a_shipped_profile_and_changes_only_what_it_says(tmp_path: Path) -> None:
    path = write(tmp_path / "mine.toml", 'extends = "bg96"\n[identity]\nimei = "869951040000099"\n')
    mine = load_profile(path)
    bg96 = resolve_profile("bg96")
    assert mine.imei == "869951040000099"
    assert (mine.model, mine.boot_after_urcs, mine.contexts) == ("BG96", ("APP RDY",), 16)
    assert mine.qcfg_keys == bg96.qcfg_keys


def test_a_file_extends_a_file_next_to_it(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", 'extends = "ec21"\n[network]\nrssi = 9\n')
    top = write(tmp_path / "top.toml", 'extends = "base.toml"\n[network]\noperator = "X"\n')
    profile = load_profile(top)
    assert (profile.model, profile.rssi, profile.operator) == ("EC21", 9, "X")


def test_the_version_1_example_file_still_loads() -> None:
    example = Path(__file__).parents[3] / "examples" / "ec200a.toml"
    profile = load_profile(example)
    assert (profile.model, profile.registration, profile.contexts) == ("EC200A", 5, 15)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[network]\nrssi = "high"\n', "[network] rssi: rssi must be an integer"),
        ("[network]\nrssi = 40\n", "rssi must be 0-31 or 99"),
        ("[tcpip]\ncontexts = 17\n", "contexts must be 1-16"),
        ('[qcfg]\nkeys = ["nope"]\n', "qcfg_keys: unknown key(s) nope"),
        ('[qcfg]\nband = "12"\n', "qcfg_band must be"),
        ('[boot]\nurcs = "RDY"\n', "[boot] urcs: boot_urcs must be a list of strings"),
        ('[boot]\nafter = ["A\\nB"]\n', "boot_after_urcs entries must be printable"),
        ('[timing]\nmode = "slow"\n', "timing must be one of fast, real"),
        ("[timing]\nqiact = -1\n", "time_qiact must be 0-600 seconds"),
        ("[timing]\nqiact = true\n", "[timing] qiact: time_qiact must be a number"),
        ("[timming]\nqiact = 1\n", "unknown key timming"),
        ("[module]\nbogus = 1\n", "unknown key [module] bogus"),
        ("version = 2\n", "version 2 is not supported"),
        ('extends = "nowhere"\n', "extends 'nowhere', which is neither"),
        ("extends = 3\n", "extends must be a profile name or file"),
        ("rssi = \n", "cannot read profile"),
    ],
)
def test_a_bad_profile_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_profile_extending_itself_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ProfileError, match="extends itself"):
        load_profile(tmp_path / "a.toml")


def test_an_unknown_shipped_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ProfileError, match=r"no shipped profile .ec999.*bg96"):
        resolve_profile("ec999")


# -- no profile file crashes the module ------------------------------------------------------

_VALUES = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=30),
    st.lists(st.text(max_size=12), max_size=4),
)
_KEYS = [*sorted(FIELD_NAMES), "bogus"]
_SECTIONS = ["", "identity", "network", "module", "tcpip", "boot", "qcfg", "timing", "extra"]


def _toml(sections: dict[str, dict[str, Any]]) -> str:
    lines = ['extends = "bg96"']
    for section, values in sections.items():
        if section:
            lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{json.dumps(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return json.dumps(value)  # ints, strings and string lists are valid TOML as JSON


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(_SECTIONS),
        st.dictionaries(
            st.sampled_from([*_KEYS, "urcs", "sim_ready", "after", "keys", "mode", "qiact"]),
            _VALUES,
            max_size=4,
        ),
        max_size=3,
    )
)
def test_any_profile_file_loads_or_is_one_profile_error(sections: dict[str, Any]) -> None:
    """Whatever a file holds, loading it gives a profile or a ProfileError that names the
    file; a profile that loads boots a module that answers."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "fuzz.toml"
        path.write_text(_toml(sections), encoding="utf-8")
        try:
            profile = load_profile(path)
        except ProfileError as exc:
            assert str(path) in str(exc)
            return
    m = Modem(profile)
    m.advance(profile.boot_delay)  # powered on only then
    assert m.cmd("AT").endswith(OK)
    assert m.cmd("ATI").endswith(OK)
