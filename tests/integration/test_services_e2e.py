"""DNS, ping and NTP through the module: real protocol traffic to loopback responders.

The DNS responder (dnslib) and the SNTP responder listen on ephemeral loopback ports; the
module reaches the DNS one through ``NetConfig.dns_port`` (``modemu serve --dns-port``),
because ``AT+QIDNSCFG`` carries only an address.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import struct
import time
from collections.abc import AsyncIterator

import pytest
from dnslib import QTYPE, RCODE, RR, A, DNSRecord
from e2e_kit import LOOPBACK, echo, module, run, tcp_peer

from modemu.net import ping as ping_module
from modemu.net.base import NetConfig

NTP_EPOCH_OFFSET = 2208988800
SERVER_TIME = 1568035962.0  # 2019-09-09 13:32:42 UTC


class DnsResponder(asyncio.DatagramProtocol):
    """A records from a small zone; NXDOMAIN otherwise; 'silent.test' gets no answer."""

    def __init__(self, zone: dict[str, tuple[list[str], int]]) -> None:
        self.zone = zone
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        request = DNSRecord.parse(data)
        name = str(request.q.qname).rstrip(".")
        if name == "silent.test":
            return
        reply = request.reply()
        if name in self.zone and request.q.qtype == QTYPE.A:
            addresses, ttl = self.zone[name]
            for address in addresses:
                reply.add_answer(RR(name, QTYPE.A, rdata=A(address), ttl=ttl))
        else:
            reply.header.rcode = RCODE.NXDOMAIN
        assert self.transport is not None
        self.transport.sendto(reply.pack(), addr)


class SntpResponder(asyncio.DatagramProtocol):
    """Answers every SNTP request with SERVER_TIME (mode 4, stratum 2)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.DatagramTransport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 48:
            return
        stamp = SERVER_TIME + NTP_EPOCH_OFFSET
        seconds, fraction = int(stamp), int((stamp % 1) * 2**32)
        reply = struct.pack(
            "!B B b b 11I",
            (0 << 6) | (4 << 3) | 4,
            2,
            6,
            -20,
            0,
            0,
            0,
            seconds,
            fraction,  # reference
            *struct.unpack("!II", data[40:48]),  # originate = client's transmit
            seconds,
            fraction,  # receive
            seconds,
            fraction,  # transmit
        )
        self.transport.sendto(reply, addr)


@contextlib.asynccontextmanager
async def udp_server(protocol: asyncio.DatagramProtocol) -> AsyncIterator[int]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: protocol, local_addr=(LOOPBACK, 0))
    try:
        yield transport.get_extra_info("sockname")[1]
    finally:
        transport.close()


def test_qidnsgip_and_domain_names_in_qiopen() -> None:
    async def body() -> None:
        async with tcp_peer(echo) as echo_port:
            zone = {"echo.test": ([LOOPBACK], 600), "two.test": (["127.0.0.7", "127.0.0.8"], 42)}
            async with udp_server(DnsResponder(zone)) as dns_port:
                config = NetConfig(dns_port=dns_port, dns_timeout=0.5)
                async with module(net=config) as (_, host):
                    assert await host.command(b'AT+QIDNSCFG=1,"127.0.0.1"\r') == b"\r\nOK\r\n"
                    assert await host.command(b'AT+QIDNSGIP=1,"two.test"\r') == b"\r\nOK\r\n"
                    assert await host.read_until(b'"127.0.0.8"\r\n') == (
                        b'\r\n+QIURC: "dnsgip",0,2,42\r\n'
                        b'\r\n+QIURC: "dnsgip","127.0.0.7"\r\n'
                        b'\r\n+QIURC: "dnsgip","127.0.0.8"\r\n'
                    )
                    assert await host.command(b'AT+QIDNSGIP=1,"missing.test"\r') == b"\r\nOK\r\n"
                    assert await host.read_until(b"565\r\n") == b'\r\n+QIURC: "dnsgip",565\r\n'
                    assert await host.command(b'AT+QIDNSGIP=1,"silent.test"\r') == b"\r\nOK\r\n"
                    assert await host.read_until(b"569\r\n", 5) == b'\r\n+QIURC: "dnsgip",569\r\n'
                    line = f'AT+QIOPEN=1,0,"TCP","echo.test",{echo_port},0,0\r'.encode()
                    assert await host.command(line) == b"\r\nOK\r\n"
                    assert await host.read_until(b"+QIOPEN: 0,0\r\n") == b"\r\n+QIOPEN: 0,0\r\n"
                    state = await host.command(b"AT+QISTATE=1,0\r")
                    assert b'"TCP","127.0.0.1"' in state
                    line = f'AT+QIOPEN=1,1,"TCP","nope.test",{echo_port},0,0\r'.encode()
                    assert await host.command(line) == b"\r\nOK\r\n"
                    assert await host.read_until(b"+QIOPEN: 1,565\r\n") == (
                        b"\r\n+QIOPEN: 1,565\r\n"
                    )

    run(body())


def _icmp_unavailable() -> str | None:
    try:
        ping_module.open_icmp_socket().close()
    except ping_module.IcmpUnavailableError as exc:
        return str(exc)
    return None


@pytest.mark.skipif(_icmp_unavailable() is not None, reason="no ICMP socket on this host")
def test_qping_loopback_reports_real_replies() -> None:
    async def body() -> None:
        async with module() as (_, host):
            assert await host.command(b'AT+QPING=1,"127.0.0.1",2,3\r') == b"\r\nOK\r\n"
            out = await host.read_until(b"\r\n+QPING: 0,3,", 10) + await host.read_until(b"\r\n")
            lines = [line for line in out.split(b"\r\n") if line]
            assert len(lines) == 4
            for line in lines[:3]:
                assert re.fullmatch(rb'\+QPING: 0,"127\.0\.0\.1",32,\d+,\d+', line), line
            assert re.fullmatch(rb"\+QPING: 0,3,3,0,\d+,\d+,\d+", lines[3]), lines[3]

    run(body())


def test_qntp_sets_the_module_clock() -> None:
    async def body() -> None:
        async with udp_server(SntpResponder()) as port, module() as (_, host):
            line = f'AT+QNTP=1,"127.0.0.1",{port}\r'.encode()
            assert await host.command(line) == b"\r\nOK\r\n"
            urc = await host.read_until(b'"\r\n', 10)
            assert urc == b'\r\n+QNTP: 0,"2019/09/09,21:32:42+32"\r\n'
            clock = await host.command(b"AT+CCLK?\r")
            assert clock.startswith(b'\r\n+CCLK: "19/09/09,21:32:4')

    run(body())


def test_qntp_silent_server_gives_569_in_bounded_time() -> None:
    async def body() -> None:
        silent = udp_server(asyncio.DatagramProtocol())
        async with silent as port, module(net=NetConfig(ntp_timeout=1.0)) as (_, host):
            started = time.monotonic()
            line = f'AT+QNTP=1,"127.0.0.1",{port}\r'.encode()
            assert await host.command(line) == b"\r\nOK\r\n"
            assert await host.read_until(b"+QNTP: 569\r\n", 5) == b"\r\n+QNTP: 569\r\n"
            assert time.monotonic() - started < 4

    run(body())
