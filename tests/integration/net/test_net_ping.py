"""ICMP echo to 127.0.0.1 through the real back end."""

from __future__ import annotations

import socket
import struct

import icmplib
import pytest
from icmplib.exceptions import SocketPermissionError
from net_testkit import LOOPBACK, open_net

from modemu.net import ping as ping_module
from modemu.net.base import NetFailure, PingDone, PingFailed, PingReply, PingTimeout


def _icmp_possible() -> str | None:
    try:
        ping_module.open_icmp_socket().close()
    except ping_module.IcmpUnavailableError as exc:
        return str(exc)
    return None


ICMP_BLOCKED = _icmp_possible()
needs_icmp = pytest.mark.skipif(ICMP_BLOCKED is not None, reason=f"no ICMP here: {ICMP_BLOCKED}")


@needs_icmp
def test_ping_loopback(net_run):
    async def body():
        async with open_net() as (net, rec):
            net.ping(1, LOOPBACK, 2.0, 3, [])
            await rec.wait(PingDone, req=1)
            replies = rec.of(PingReply, req=1)
            assert len(replies) == 3
            for reply in replies:
                assert (reply.address, reply.size, reply.ttl) == (LOOPBACK, 32, 64)
                assert 0 <= reply.rtt_ms < 1000
            assert isinstance(rec.events[-1], PingDone)
            assert not rec.of(PingTimeout) and not rec.of(PingFailed)

    net_run(body)


@needs_icmp
def test_ping_localhost_name(net_run):
    async def body():
        async with open_net() as (net, rec):
            net.ping(2, "localhost", 2.0, 1, [])
            await rec.wait(PingDone, req=2)
            assert [r.address for r in rec.of(PingReply, req=2)] == [LOOPBACK]

    net_run(body)


def test_ping_dns_failure_is_565_only(net_run):
    async def body():
        async with open_net(dns_timeout=0.2) as (net, rec):
            net.ping(3, "nowhere.example", 1.0, 4, [LOOPBACK])
            assert (await rec.wait(PingFailed, req=3)).failure is NetFailure.NAME_NOT_RESOLVED
            assert rec.events == [PingFailed(3, NetFailure.NAME_NOT_RESOLVED)]

    net_run(body)


def test_ping_without_icmp_permission_is_550(net_run, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise SocketPermissionError(False)

    monkeypatch.setattr(icmplib, "ICMPv4Socket", refuse)  # ping.py imports it when used

    async def body():
        async with open_net() as (net, rec):
            net.ping(4, LOOPBACK, 1.0, 2, [])
            assert (await rec.wait(PingFailed, req=4)).failure is NetFailure.UNAVAILABLE
            assert rec.events == [PingFailed(4, NetFailure.UNAVAILABLE)]

    net_run(body)
    assert "ping_group_range" in caplog.text


def test_parse_reply_from_datagram_socket_uses_ancillary_ttl():
    packet = struct.pack("!BBHHH", 0, 0, 0, 0x1234, 7) + bytes(32)
    ancdata = [(socket.IPPROTO_IP, socket.IP_TTL, struct.pack("i", 57))]
    assert ping_module.parse_reply(packet, ancdata, privileged=False) == (0, 0x1234, 7, 32, 57)
    assert ping_module.parse_reply(packet, [], privileged=False)[4] == ping_module.DEFAULT_TTL


def test_parse_reply_from_raw_socket_uses_ip_header_ttl():
    ip_header = bytes([0x45, 0, 0, 60, 0, 0, 0, 0, 99, 1]) + bytes(10)
    icmp = struct.pack("!BBHHH", 0, 0, 0, 42, 3) + bytes(32)
    assert ping_module.parse_reply(ip_header + icmp, [], privileged=True) == (0, 42, 3, 32, 99)
    assert ping_module.parse_reply(b"\x45", [], privileged=True) is None
