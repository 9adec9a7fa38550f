"""Open faults and the destination policy below the engine, explicit clock."""

from __future__ import annotations

import pytest

from modemu.net.base import Closed, Opened, Resolved
from modemu.net.policy import Policy, PolicyRule
from modemu.testing.faultbench import OK
from modemu.testing.faultbench import FaultBench as Bench


def test_refuse_answers_566_for_matching_opens_only() -> None:
    b = Bench()
    b.activate()
    b.fault("refuse", host="10.9.*", port=443, count=1)
    assert b.open_tcp(0, "10.9.0.1", 443) == OK + b"\r\n+QIOPEN: 0,566\r\n"
    assert b.fake.calls_to("open") == []
    assert b.open_tcp(0, "10.9.0.1", 443) == OK + b"\r\n+QIOPEN: 0,0\r\n"  # count used up
    assert ("fault-applied", {"fault": "refuse", "id": 0, "host": "10.9.0.1", "port": 443}) in (
        b.notes
    )


def test_timeout_answers_566_after_the_delay() -> None:
    b = Bench()
    b.activate()
    b.fault("timeout", after=20)
    assert b.open_tcp(1, "192.0.2.1", 80) == OK
    assert b.advance(19.9) == b""
    assert b.advance(0.2) == b"\r\n+QIOPEN: 1,566\r\n"


def test_close_during_a_timed_out_open_cancels_the_answer() -> None:
    b = Bench()
    b.activate()
    b.fault("timeout", after=5)
    b.open_tcp(2)
    assert b.cmd("AT+QICLOSE=2,0") == b""
    assert b.event(Closed(2)) == OK
    assert b.advance(10) == b""


def test_dns_fail_for_names_only() -> None:
    b = Bench()
    b.activate()
    b.fault("dns-fail", host="*.example.com")
    assert b.open_tcp(0, "api.example.com", 80) == OK + b"\r\n+QIOPEN: 0,565\r\n"
    assert b.open_tcp(0, "127.0.0.1", 80) == OK + b"\r\n+QIOPEN: 0,0\r\n"
    assert b.fault("clear") == b""
    assert b.target.net is not None and b.target.net.rules == []


def test_policy_refuses_with_566_and_notes_it() -> None:
    b = Bench(policy=Policy.from_rules(["127.0.0.0/8"], []))
    b.activate()
    assert b.open_tcp(0, "93.184.216.34", 80) == OK + b"\r\n+QIOPEN: 0,566\r\n"
    assert ("policy-refused", {"id": 0, "host": "93.184.216.34", "port": 80}) in b.notes
    assert b.open_tcp(1, "127.0.0.1", 80) == OK + b"\r\n+QIOPEN: 1,0\r\n"


def test_policy_resolves_names_before_deciding_on_an_address_rule() -> None:
    b = Bench(policy=Policy.from_rules(["127.0.0.0/8"], []))
    b.activate()
    assert b.cmd('AT+QIOPEN=1,0,"TCP","far.example",80,0,0') == OK
    ((req, host, _),) = b.fake.calls_to("resolve")
    assert host == "far.example"
    assert b.event(Resolved(req, ("198.51.100.7",), 60)) == b"\r\n+QIOPEN: 0,566\r\n"
    assert b.cmd('AT+QIOPEN=1,1,"TCP","near.example",80,0,0') == OK
    req = b.fake.calls_to("resolve")[-1][0]
    assert b.event(Resolved(req, ("127.0.0.5",), 60)) == b""
    assert b.fake.calls_to("open")[-1][2] == "127.0.0.5"
    assert b.event(Opened(1, ("127.0.0.1", 4000), ("127.0.0.5", 80))) == b"\r\n+QIOPEN: 1,0\r\n"


@pytest.mark.parametrize(
    ("allow", "deny", "host", "port", "verdict"),
    [
        ([], [], "anything", 1, True),
        (["127.0.0.0/8"], [], "127.1.2.3", 80, True),
        (["127.0.0.0/8"], [], "10.0.0.1", 80, False),
        ([], ["*:25"], "mail.example", 25, False),
        ([], ["*:25"], "mail.example", 587, True),
        (["*.test"], [], "api.test", 443, True),
        (["*.test:8000-8099"], [], "api.test", 443, False),
        (["*"], ["10.0.0.0/8"], "10.1.1.1", 80, False),
    ],
)
def test_policy_rules(
    allow: list[str], deny: list[str], host: str, port: int, verdict: bool
) -> None:
    assert Policy.from_rules(allow, deny).allows(host, port) is verdict


@pytest.mark.parametrize("rule", ["", "10.0.0.0/33", "host:99999", "host:9-1", "1.2.3:80"])
def test_bad_policy_rules_are_refused(rule: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        PolicyRule.parse(rule)
