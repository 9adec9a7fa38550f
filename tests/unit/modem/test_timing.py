"""``timing = "real"``: the profile's response times, on the engine's clock (no event loop).

The harness moves time explicitly; nothing here sleeps. With the default ``fast`` timing
the same commands answer at once (every other engine test relies on that).
"""

from __future__ import annotations

from modemu.modem.profile import Profile
from modemu.net.base import Closed, Opened, Resolved

from .harness import OK, Modem

REAL = Profile().with_overrides(
    timing="real",
    time_qiact=1.0,
    time_qideact=0.5,
    time_qiclose=0.2,
    time_qiopen=0.3,
    time_dnsgip=0.25,
    time_qntp=0.4,
    time_qping=0.1,
    time_reboot=3.0,
)


def real_modem() -> Modem:
    m = Modem(REAL)
    assert m.cmd("ATE0") == b"ATE0\r" + OK
    return m


def activated() -> Modem:
    m = real_modem()
    m.cmd("AT+QIACT=1")
    assert m.advance(1.0) == OK
    return m


def test_qiact_answers_after_its_time_and_holds_the_port_meanwhile() -> None:
    m = real_modem()
    assert m.cmd("AT+QIACT=1") == b""
    assert m.send(b"AT\r") == b"", "the port is busy: the line waits"
    assert m.advance(0.999) == b""
    assert m.advance(0.001) == OK + OK, "QIACT's OK, then the waiting AT's"
    assert m.cmd("AT+QIACT?").startswith(b"\r\n+QIACT: 1,1,1,")


def test_qiact_failure_is_reported_when_its_time_is_up() -> None:
    m = activated()
    assert m.cmd("AT+QIACT=1") == b""
    assert m.advance(1.0) == b"\r\nERROR\r\n"
    assert m.cmd("AT+QIGETERROR").startswith(b"\r\n+QIGETERROR: 561,")


def test_parameter_errors_answer_at_once() -> None:
    m = real_modem()
    assert m.cmd("AT+QIACT=99") == b"\r\nERROR\r\n"


def test_qideact_and_the_rest_of_the_line_wait() -> None:
    m = activated()
    assert m.cmd("AT+QIDEACT=1;+QIACT?") == b""
    assert m.advance(0.5) == OK
    assert m.cmd("AT+QIACT?") == OK


def test_qiopen_urc_comes_after_its_time() -> None:
    m = activated()
    assert m.cmd('AT+QIOPEN=1,0,"TCP","127.0.0.1",9000') == OK
    assert m.net.calls_to("open") == []
    m.advance(0.3)
    assert len(m.net.calls_to("open")) == 1
    m.engine.handle_net(Opened(0, ("127.0.0.1", 4000), ("127.0.0.1", 9000)), m.now)
    assert m.take() == b"\r\n+QIOPEN: 0,0\r\n"


def test_a_socket_closed_before_its_open_started_is_never_opened() -> None:
    m = activated()
    m.cmd('AT+QIOPEN=1,0,"TCP","127.0.0.1",9000')
    assert m.cmd("AT+QICLOSE=0") == b""
    m.advance(1.0)
    assert m.net.calls_to("open") == []
    assert m.net.calls_to("close") != []
    m.engine.handle_net(Closed(0), m.now)
    assert m.take() == OK


def test_qiclose_reaches_the_network_after_its_time() -> None:
    m = activated()
    m.cmd('AT+QIOPEN=1,0,"TCP","127.0.0.1",9000')
    m.advance(0.3)
    m.engine.handle_net(Opened(0, ("127.0.0.1", 4000), ("127.0.0.1", 9000)), m.now)
    m.take()
    assert m.cmd("AT+QICLOSE=0") == b""
    m.advance(0.19)
    assert m.net.calls_to("close") == []
    m.advance(0.01)
    assert len(m.net.calls_to("close")) == 1


def test_dns_ntp_and_ping_start_after_their_times() -> None:
    m = activated()
    assert m.cmd('AT+QIDNSGIP=1,"example.test"') == OK
    assert m.cmd('AT+QNTP=1,"127.0.0.1"') == OK
    assert m.cmd('AT+QPING=1,"127.0.0.1"') == OK
    assert m.net.methods().count("resolve") == 0
    m.advance(0.1)
    assert [len(m.net.calls_to(x)) for x in ("ping", "resolve", "ntp")] == [1, 0, 0]
    m.advance(0.15)
    assert [len(m.net.calls_to(x)) for x in ("ping", "resolve", "ntp")] == [1, 1, 0]
    m.advance(0.15)
    assert [len(m.net.calls_to(x)) for x in ("ping", "resolve", "ntp")] == [1, 1, 1]
    req = m.net.calls_to("resolve")[0][0]
    m.engine.handle_net(Resolved(req, ("10.0.0.1",), 60), m.now)  # type: ignore[arg-type]
    assert m.take() == b'\r\n+QIURC: "dnsgip",0,1,60\r\n\r\n+QIURC: "dnsgip","10.0.0.1"\r\n'


def test_reboot_takes_the_profiles_time() -> None:
    m = real_modem()
    assert m.cmd("AT+CFUN=1,1") == OK
    assert m.advance(2.9) == b""
    assert m.advance(0.1).startswith(b"\r\nRDY\r\n")


def test_a_power_off_cancels_waiting_work() -> None:
    m = real_modem()
    m.cmd("AT+QIACT=1")
    m.engine.power_off()
    m.engine.power_on(m.now)
    m.take()
    m.advance(5.0)
    assert m.cmd("AT+QIACT?") == b"AT+QIACT?\r" + OK, "echo back on after boot; no context"


def test_fast_timing_ignores_the_times_but_keeps_the_reboot_delay() -> None:
    fast = REAL.with_overrides(timing="fast")
    assert [fast.delay(w) for w in ("qiact", "qiopen", "qntp")] == [0.0, 0.0, 0.0]
    assert fast.delay("reboot") == fast.reboot_delay
    m = Modem(fast)
    m.cmd("ATE0")
    assert m.cmd("AT+QIACT=1") == OK
